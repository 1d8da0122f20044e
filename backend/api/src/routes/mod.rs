//! One module per resource; `configure` mounts them all under `/api/v1`.

pub mod accounts;
pub mod api_keys;
pub mod health;
pub mod me;
pub mod members;
pub mod sessions;
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
        .service(api_keys::delete_api_key);
}
