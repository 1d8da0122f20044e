//! `SeaORM` entities, in the form sea-orm-codegen writes them. Behaviour lives in the sibling repository
//! modules, never here.

pub mod accounts;
pub mod api_keys;
pub mod memberships;
pub mod sessions;
pub mod workspaces;
