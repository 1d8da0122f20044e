//! Accounts, browser sessions, workspaces, memberships and API keys.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    EmailVerifiedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    ExpiresAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Kind,
    Visibility,
    PersonalOf,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    WorkspaceId,
    AccountId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    WorkspaceId,
    Name,
    Prefix,
    SecretHash,
    Scope,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().primary_key().to_owned()
}
fn uuid_ref<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}
fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}
fn time<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().to_owned()
}
fn time_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().to_owned()
}
fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, to_col).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(id(Accounts::Id))
                    .col(text(Accounts::Email).unique_key())
                    .col(text(Accounts::DisplayName))
                    .col(ColumnDef::new(Accounts::PasswordHash).string().null())
                    .col(time_null(Accounts::EmailVerifiedAt))
                    .col(time(Accounts::CreatedAt))
                    .col(time(Accounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(id(Sessions::Id))
                    .col(text(Sessions::TokenHash).unique_key())
                    .col(uuid_ref(Sessions::AccountId))
                    .col(time(Sessions::CreatedAt))
                    .col(time(Sessions::ExpiresAt))
                    .col(time(Sessions::LastSeenAt))
                    .foreign_key(&mut fk(Sessions::Table, Sessions::AccountId, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_sessions_account").table(Sessions::Table).col(Sessions::AccountId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(id(Workspaces::Id))
                    .col(text(Workspaces::Slug).unique_key())
                    .col(text(Workspaces::Name))
                    .col(ColumnDef::new(Workspaces::Description).text().not_null().default(""))
                    .col(text(Workspaces::Kind))
                    .col(text(Workspaces::Visibility))
                    // One personal workspace per account; NULL for organisations (NULLs never collide).
                    .col(ColumnDef::new(Workspaces::PersonalOf).uuid().null().unique_key())
                    .col(time(Workspaces::CreatedAt))
                    .col(time(Workspaces::UpdatedAt))
                    .foreign_key(&mut fk(Workspaces::Table, Workspaces::PersonalOf, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(id(Memberships::Id))
                    .col(uuid_ref(Memberships::WorkspaceId))
                    .col(uuid_ref(Memberships::AccountId))
                    .col(text(Memberships::Role))
                    .col(time(Memberships::CreatedAt))
                    .foreign_key(&mut fk(
                        Memberships::Table,
                        Memberships::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut fk(Memberships::Table, Memberships::AccountId, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_memberships_workspace_account")
                    .table(Memberships::Table)
                    .col(Memberships::WorkspaceId)
                    .col(Memberships::AccountId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_memberships_account")
                    .table(Memberships::Table)
                    .col(Memberships::AccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(id(ApiKeys::Id))
                    .col(uuid_ref(ApiKeys::WorkspaceId))
                    .col(text(ApiKeys::Name))
                    .col(text(ApiKeys::Prefix).unique_key())
                    .col(text(ApiKeys::SecretHash))
                    .col(text(ApiKeys::Scope))
                    .col(uuid_ref(ApiKeys::CreatedBy))
                    .col(time(ApiKeys::CreatedAt))
                    .col(time_null(ApiKeys::LastUsedAt))
                    .col(time_null(ApiKeys::RevokedAt))
                    .foreign_key(&mut fk(ApiKeys::Table, ApiKeys::WorkspaceId, Workspaces::Table, Workspaces::Id))
                    .foreign_key(&mut fk(ApiKeys::Table, ApiKeys::CreatedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_keys_workspace")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::WorkspaceId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiKeys::Table.into_iden(),
            Memberships::Table.into_iden(),
            Workspaces::Table.into_iden(),
            Sessions::Table.into_iden(),
            Accounts::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
