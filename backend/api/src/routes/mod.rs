//! One module per resource; `configure` mounts them all under `/api/v1`.

pub mod accounts;
pub mod api_keys;
pub mod data;
pub mod entries;
pub mod health;
pub mod instruments;
pub mod me;
pub mod members;
pub mod night_logs;
pub mod observations;
pub mod satellites;
pub mod sessions;
pub mod sites;
pub mod target_lists;
pub mod targets;
pub mod telescopes;
pub mod uploads;
pub mod workspaces;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(accounts::create_account)
        .service(sessions::create_session)
        .service(sessions::delete_session)
        .service(me::get_me)
        .service(me::update_password)
        .service(workspaces::list_workspaces)
        .service(workspaces::create_workspace)
        .service(workspaces::get_workspace)
        .service(workspaces::update_workspace)
        .service(members::list_members)
        .service(members::create_member)
        .service(members::update_member)
        .service(members::delete_member)
        .service(api_keys::list_api_keys)
        .service(api_keys::create_api_key)
        .service(api_keys::delete_api_key)
        .service(sites::list_sites)
        .service(sites::create_site)
        .service(sites::get_site)
        .service(sites::update_site)
        .service(sites::delete_site)
        .service(telescopes::list_telescopes)
        .service(telescopes::create_telescope)
        .service(telescopes::get_telescope)
        .service(telescopes::update_telescope)
        .service(telescopes::delete_telescope)
        .service(instruments::list_instruments)
        .service(instruments::create_instrument)
        .service(instruments::get_instrument)
        .service(instruments::update_instrument)
        .service(instruments::delete_instrument)
        .service(targets::list_targets)
        .service(targets::create_target)
        .service(targets::get_target)
        .service(targets::update_target)
        .service(targets::delete_target)
        .service(target_lists::list_target_lists)
        .service(target_lists::create_target_list)
        .service(target_lists::get_target_list)
        .service(target_lists::update_target_list)
        .service(target_lists::delete_target_list)
        .service(target_lists::list_target_list_targets)
        .service(target_lists::create_target_list_target)
        .service(target_lists::delete_target_list_target)
        .service(night_logs::list_night_logs)
        .service(night_logs::create_night_log)
        .service(night_logs::get_night_log)
        .service(night_logs::update_night_log)
        .service(night_logs::get_night_report_markdown)
        .service(night_logs::get_night_report_csv)
        .service(night_logs::get_time_lost)
        .service(data::list_datasets)
        .service(data::create_dataset)
        .service(data::get_dataset)
        .service(data::update_dataset)
        .service(data::delete_dataset)
        .service(data::list_dataset_files)
        .service(data::upload_file)
        .service(data::search_files)
        .service(data::get_file)
        .service(data::get_file_header)
        .service(data::download_file)
        .service(data::get_file_preview)
        .service(data::update_file)
        .service(data::delete_file)
        .service(data::restore_file)
        .service(data::get_storage_usage)
        .service(data::list_tier_rules)
        .service(data::create_tier_rule)
        .service(data::delete_tier_rule)
        .service(uploads::create_upload)
        .service(uploads::list_uploads)
        .service(uploads::get_upload)
        .service(uploads::upload_part_urls)
        .service(uploads::put_upload_part)
        .service(uploads::complete_upload)
        .service(uploads::abort_upload)
        .service(entries::list_entries)
        .service(entries::list_night_log_entries)
        .service(entries::create_entry)
        .service(entries::get_entry)
        .service(entries::update_entry)
        .service(entries::delete_entry)
        .service(entries::restore_entry)
        .service(entries::list_entry_versions)
        .service(observations::list_observations)
        .service(observations::create_observation)
        .service(observations::get_observation)
        .service(observations::update_observation)
        .service(observations::delete_observation)
        .service(satellites::check_fov)
        .service(satellites::satellite_passes)
        .service(satellites::search_catalog)
        .service(satellites::catalog_status)
        .service(satellites::import_catalog)
        .service(satellites::list_plans)
        .service(satellites::create_plan)
        .service(satellites::get_plan)
        .service(satellites::update_plan)
        .service(satellites::recheck_plan)
        .service(satellites::delete_plan);
}
