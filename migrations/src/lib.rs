#![doc = include_str!("../README.md")]

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

#[macro_use]
mod columns;
mod m20261121_000001_accounts_workspaces;
mod m20261121_000002_session_expiry_index;
mod m20261121_000003_observing;
mod m20261122_000004_jobs;
mod m20261122_000005_data;
mod m20261122_000006_satellites;
mod m20261122_000007_packages;
mod m20261206_000008_reliability;
mod m20261206_000009_identity;
mod m20261207_000010_billing;
mod m20261208_000011_meter_reports;
mod m20261209_000012_rate_limits;
mod m20261210_000013_upload_client_tokens;

/// Every migration, oldest first.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_accounts_workspaces::Migration),
            Box::new(m20261121_000002_session_expiry_index::Migration),
            Box::new(m20261121_000003_observing::Migration),
            Box::new(m20261122_000004_jobs::Migration),
            Box::new(m20261122_000005_data::Migration),
            Box::new(m20261122_000006_satellites::Migration),
            Box::new(m20261122_000007_packages::Migration),
            Box::new(m20261206_000008_reliability::Migration),
            Box::new(m20261206_000009_identity::Migration),
            Box::new(m20261207_000010_billing::Migration),
            Box::new(m20261208_000011_meter_reports::Migration),
            Box::new(m20261209_000012_rate_limits::Migration),
            Box::new(m20261210_000013_upload_client_tokens::Migration),
        ]
    }
}
