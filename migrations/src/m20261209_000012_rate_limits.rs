//! Rate limits shared by every replica on one PostgreSQL database: one row per limited key (a hash of the limiter's
//! name and the key, never the address or e-mail itself) with its GCRA "theoretical arrival time" in seconds since
//! the epoch by the database's clock, so replicas with skewed clocks count alike. A row whose time has passed is a
//! full allowance and may be deleted at any moment. Read and written only by `meridian_store::limits` in single
//! statements; on SQLite (one process) the limits stay in memory and this table stays empty.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Key,
    Tat,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(RateLimits::Key).string_len(80).not_null().primary_key())
                    .col(ColumnDef::new(RateLimits::Tat).double().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RateLimits::Table).to_owned()).await
    }
}
