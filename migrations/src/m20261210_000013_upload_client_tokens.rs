//! A client's own name for the upload it asks to start (`uploads.client_token`): a request sent again after its
//! answer was lost carries the same token, and is answered the upload it began rather than a second one holding
//! the same quota for a week. The browser's upload box sends one (it has no checksum of a large file); clients
//! that declare the file's SHA-256 need none. Matched only among the same account's open uploads.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Uploads {
    Table,
    ClientToken,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Uploads::Table)
                    .add_column(ColumnDef::new(Uploads::ClientToken).string_len(100).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Uploads::Table).drop_column(Uploads::ClientToken).to_owned()).await
    }
}
