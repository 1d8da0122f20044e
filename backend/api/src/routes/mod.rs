//! One module per capability, named as in every layer (`accounts`, `identities` (sign-in providers),
//! `invitations`, `workspaces`, `equipment`, `targets`, `nights`, `data`, `uploads`, `packages`, `satellites`,
//! `billing`, `vo`, `health`): `<capability>/mod.rs` holds its handlers (or one module per resource beside it) and
//! `<capability>/types.rs` its request and response bodies. What more than one capability uses is in [`common`].
//!
//! Every route but the IVOA services ([`vo`], mounted by [`vo::configure`] and documented in `docs/vo.md`, not in
//! the OpenAPI document) is declared once, in the `registry!` lists at the end of this module: the handler's own
//! attributes give its method, path (`#[get("/workspaces/{slug}")]`) and documentation (`#[utoipa::path]`), and
//! its line in a list both mounts it (`configure`; `configure_root` for the probes) and puts it in the OpenAPI
//! document (`V1`, which [`crate::ApiDoc`] nests under `/api/v1`; `Root`). A handler that is not listed is neither
//! served nor documented; the order of the list is the order actix tries the routes in.

pub mod accounts;
pub mod billing;
pub mod common;
pub mod data;
pub mod equipment;
pub mod health;
pub mod identities;
pub mod invitations;
pub mod nights;
pub mod packages;
pub mod satellites;
pub mod targets;
pub mod uploads;
pub mod vo;
pub mod workspaces;

/// Declares a group of routes once. `registry!(Api, configure => a::handler, b::other)` makes both
/// - `Api`, an [`utoipa::OpenApi`] with the handlers' paths (the document nests it), and
/// - `configure`, which mounts the handlers in the order listed (actix tries routes in that order).
macro_rules! registry {
    ($(#[$meta:meta])* $api:ident, $configure:ident => $($($segment:ident)::+),+ $(,)?) => {
        $(#[$meta])*
        #[derive(Debug, utoipa::OpenApi)]
        #[openapi(paths($($($segment)::+),+))]
        pub struct $api;

        #[doc = concat!("Mounts the routes of [`", stringify!($api), "`], in the order they are listed.")]
        pub fn $configure(cfg: &mut actix_web::web::ServiceConfig) {
            $(cfg.service($($segment)::+);)+
        }
    };
}

registry! {
    /// The routes served at the root: the health probes, and the provider sign-in redirects (providers send people
    /// back to `{public_url}/auth/{provider}/callback`). [`health::configure`] mounts them and adds their 405s.
    Root, configure_root =>
    health::healthz,
    health::readyz,
    identities::start_provider_sign_in,
    identities::finish_provider_sign_in,
}

registry! {
    /// The `/api/v1` routes (relative to `/api/v1`).
    V1, configure =>
    accounts::create_account,
    accounts::sessions::create_session,
    accounts::sessions::delete_session,
    accounts::sessions::list_sessions,
    accounts::sessions::delete_other_sessions,
    accounts::sessions::delete_session_by_id,
    accounts::me::get_me,
    accounts::me::update_password,
    accounts::me::delete_me,
    identities::list_auth_providers,
    billing::list_storage_plans,
    billing::receive_stripe_webhook,
    billing::get_billing,
    billing::create_checkout,
    billing::change_plan,
    billing::create_portal_session,
    identities::list_identities,
    identities::delete_identity,
    accounts::verification::create_verification,
    accounts::verification::create_email_verification,
    accounts::verification::update_email,
    accounts::verification::create_email_change,
    accounts::recovery::create_password_reset,
    accounts::recovery::confirm_password_reset,
    workspaces::list_workspaces,
    workspaces::create_workspace,
    workspaces::get_workspace,
    workspaces::update_workspace,
    workspaces::members::list_members,
    invitations::list_invitations,
    invitations::create_invitation,
    invitations::resend_invitation,
    invitations::delete_invitation,
    invitations::accept_invitation,
    workspaces::members::update_member,
    workspaces::members::delete_member,
    workspaces::api_keys::list_api_keys,
    workspaces::api_keys::create_api_key,
    workspaces::api_keys::delete_api_key,
    equipment::sites::list_sites,
    equipment::sites::create_site,
    equipment::sites::get_site,
    equipment::sites::update_site,
    equipment::sites::delete_site,
    equipment::telescopes::list_telescopes,
    equipment::telescopes::create_telescope,
    equipment::telescopes::get_telescope,
    equipment::telescopes::update_telescope,
    equipment::telescopes::delete_telescope,
    equipment::instruments::list_instruments,
    equipment::instruments::create_instrument,
    equipment::instruments::get_instrument,
    equipment::instruments::update_instrument,
    equipment::instruments::delete_instrument,
    targets::list_targets,
    targets::create_target,
    targets::get_target,
    targets::update_target,
    targets::delete_target,
    targets::target_lists::list_target_lists,
    targets::target_lists::create_target_list,
    targets::target_lists::get_target_list,
    targets::target_lists::update_target_list,
    targets::target_lists::delete_target_list,
    targets::target_lists::list_target_list_targets,
    targets::target_lists::create_target_list_target,
    targets::target_lists::delete_target_list_target,
    nights::night_logs::list_night_logs,
    nights::night_logs::create_night_log,
    nights::night_logs::get_night_log,
    nights::night_logs::update_night_log,
    nights::night_logs::get_night_report_markdown,
    nights::night_logs::get_night_report_csv,
    nights::night_logs::get_time_lost,
    data::datasets::list_datasets,
    data::datasets::create_dataset,
    data::datasets::get_dataset,
    data::datasets::update_dataset,
    data::datasets::delete_dataset,
    data::files::list_dataset_files,
    data::files::upload_file,
    data::files::search_files,
    data::files::get_file,
    data::files::get_file_header,
    data::files::download_file,
    data::files::get_file_preview,
    data::files::update_file,
    data::files::delete_file,
    data::files::restore_file,
    data::storage::get_storage_usage,
    data::storage::list_tier_rules,
    data::storage::create_tier_rule,
    data::storage::delete_tier_rule,
    uploads::create_upload,
    uploads::list_uploads,
    uploads::get_upload,
    uploads::upload_part_urls,
    uploads::put_upload_part,
    uploads::complete_upload,
    uploads::abort_upload,
    nights::entries::list_entries,
    nights::entries::list_night_log_entries,
    nights::entries::create_entry,
    nights::entries::get_entry,
    nights::entries::update_entry,
    nights::entries::delete_entry,
    nights::entries::restore_entry,
    nights::entries::list_entry_versions,
    nights::observations::list_observations,
    nights::observations::create_observation,
    nights::observations::get_observation,
    nights::observations::update_observation,
    nights::observations::delete_observation,
    satellites::check_fov,
    satellites::satellite_passes,
    satellites::search_catalog,
    satellites::catalog_status,
    satellites::import_catalog,
    satellites::plans::list_plans,
    satellites::plans::create_plan,
    satellites::plans::get_plan,
    satellites::plans::update_plan,
    satellites::plans::recheck_plan,
    satellites::plans::delete_plan,
    packages::list_packages,
    packages::create_package,
    packages::get_package,
    packages::update_package,
    packages::delete_package,
    packages::drafts::get_package_draft,
    packages::drafts::add_package_draft_files,
    packages::drafts::delete_package_draft_file,
    packages::drafts::reset_package_draft,
    packages::versions::publish_package,
    packages::versions::list_package_versions,
    packages::versions::get_package_version,
    packages::versions::update_package_version,
    packages::versions::get_package_manifest,
    packages::versions::get_package_citation,
    packages::versions::download_package_tar,
    packages::versions::download_package_zip,
    packages::versions::download_package_file,
    packages::links::list_package_links,
    packages::links::create_package_link,
    packages::links::delete_package_link,
    packages::shared::get_shared_package,
    packages::shared::get_shared_citation,
    packages::shared::get_shared_manifest,
    packages::shared::download_shared_tar,
    packages::shared::download_shared_zip,
    packages::shared::download_shared_file,
}
