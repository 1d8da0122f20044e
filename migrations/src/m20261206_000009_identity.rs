//! The account life cycle:
//!
//! - `accounts.operator`: who runs the server (replaces the satellite catalog, sees every workspace's billing);
//!   granted to an account by `meridian operators grant`, never by an address in the configuration.
//! - `accounts.deleted_at`: a deleted account keeps its row (authored night-log entries and package versions
//!   point at it) with every credential and personal detail removed.
//! - `accounts.orcid`: the person's ORCID iD, when an ORCID sign-in gave it.
//! - `sessions.user_agent`, `sessions.ip`: what the account page shows beside each session.
//! - `account_tokens`: single-use links mailed to a person (e-mail verification and change, password reset),
//!   kept as SHA-256 hashes only.
//! - `invitations`: an address invited to a workspace with a role; the token's hash only.
//! - `outgoing_mail`: every message, queued in the same transaction as the change it tells about and sent by a
//!   job; a message's body is emptied once it has gone (it may hold a link that signs someone in).
//! - `identities`: an account's sign-ins at OpenID Connect / OAuth2 providers, by the provider's subject.
//! - `sign_in_flows`: a provider sign-in under way (state, nonce and PKCE verifier), so any replica can finish it.

use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Operator,
    DeletedAt,
    Orcid,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    UserAgent,
    Ip,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    Id,
    AccountId,
    Purpose,
    TokenHash,
    Email,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    WorkspaceId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    SentAt,
    ExpiresAt,
    AcceptedAt,
    AcceptedBy,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OutgoingMail {
    Table,
    Id,
    Kind,
    ToAddress,
    Subject,
    Body,
    Status,
    Attempts,
    LastError,
    DeliveredTo,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Id,
    AccountId,
    Provider,
    Subject,
    Email,
    EmailVerified,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum SignInFlows {
    Table,
    Id,
    StateHash,
    Provider,
    Nonce,
    PkceVerifier,
    LinkAccountId,
    ReturnTo,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // Every step may run again (SQLite runs a migration's statements without one transaction around them).
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, col) in [
            ("operator", ColumnDef::new(Accounts::Operator).boolean().not_null().default(false).to_owned()),
            ("deleted_at", time_null(Accounts::DeletedAt)),
            ("orcid", text_null(Accounts::Orcid)),
        ] {
            if !manager.has_column("accounts", name).await? {
                manager.alter_table(Table::alter().table(Accounts::Table).add_column(col).to_owned()).await?;
            }
        }
        for (name, col) in [("user_agent", text_null(Sessions::UserAgent)), ("ip", text_null(Sessions::Ip))] {
            if !manager.has_column("sessions", name).await? {
                manager.alter_table(Table::alter().table(Sessions::Table).add_column(col).to_owned()).await?;
            }
        }

        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .if_not_exists()
                    .col(id(AccountTokens::Id))
                    .col(uuid_ref(AccountTokens::AccountId))
                    .col(text(AccountTokens::Purpose))
                    .col(text(AccountTokens::TokenHash).unique_key().to_owned())
                    .col(text(AccountTokens::Email))
                    .col(time(AccountTokens::CreatedAt))
                    .col(time(AccountTokens::ExpiresAt))
                    .col(time_null(AccountTokens::UsedAt))
                    .foreign_key(&mut owned_by(
                        AccountTokens::Table,
                        AccountTokens::AccountId,
                        Accounts::Table,
                        Accounts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let mut by_account =
            index("ix_account_tokens_account", AccountTokens::Table, cols!(AccountTokens::AccountId), false);
        manager.create_index(by_account.if_not_exists().to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .if_not_exists()
                    .col(id(Invitations::Id))
                    .col(uuid_ref(Invitations::WorkspaceId))
                    .col(text(Invitations::Email))
                    .col(text(Invitations::Role))
                    .col(text(Invitations::TokenHash).unique_key().to_owned())
                    .col(uuid_ref(Invitations::InvitedBy))
                    .col(time(Invitations::CreatedAt))
                    .col(time(Invitations::SentAt))
                    .col(time(Invitations::ExpiresAt))
                    .col(time_null(Invitations::AcceptedAt))
                    .col(uuid_null(Invitations::AcceptedBy))
                    .col(time_null(Invitations::RevokedAt))
                    .foreign_key(&mut owned_by(
                        Invitations::Table,
                        Invitations::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut uses(Invitations::Table, Invitations::InvitedBy, Accounts::Table, Accounts::Id))
                    .foreign_key(&mut uses(Invitations::Table, Invitations::AcceptedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        let mut by_workspace = index(
            "ix_invitations_workspace_email",
            Invitations::Table,
            cols!(Invitations::WorkspaceId, Invitations::Email),
            false,
        );
        manager.create_index(by_workspace.if_not_exists().to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(OutgoingMail::Table)
                    .if_not_exists()
                    .col(id(OutgoingMail::Id))
                    .col(text(OutgoingMail::Kind))
                    .col(text(OutgoingMail::ToAddress))
                    .col(text(OutgoingMail::Subject))
                    .col(ColumnDef::new(OutgoingMail::Body).text().null())
                    .col(text(OutgoingMail::Status))
                    .col(ColumnDef::new(OutgoingMail::Attempts).integer().not_null().default(0))
                    .col(text_null(OutgoingMail::LastError))
                    .col(text_null(OutgoingMail::DeliveredTo))
                    .col(time(OutgoingMail::CreatedAt))
                    .col(time_null(OutgoingMail::SentAt))
                    .to_owned(),
            )
            .await?;
        let mut by_status = index(
            "ix_outgoing_mail_status",
            OutgoingMail::Table,
            cols!(OutgoingMail::Status, OutgoingMail::CreatedAt),
            false,
        );
        manager.create_index(by_status.if_not_exists().to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Identities::Table)
                    .if_not_exists()
                    .col(id(Identities::Id))
                    .col(uuid_ref(Identities::AccountId))
                    .col(text(Identities::Provider))
                    .col(text(Identities::Subject))
                    .col(text_null(Identities::Email))
                    .col(ColumnDef::new(Identities::EmailVerified).boolean().not_null().default(false))
                    .col(time(Identities::CreatedAt))
                    .col(time(Identities::LastUsedAt))
                    .foreign_key(&mut owned_by(Identities::Table, Identities::AccountId, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        let mut by_subject = index(
            "ux_identities_provider_subject",
            Identities::Table,
            cols!(Identities::Provider, Identities::Subject),
            true,
        );
        manager.create_index(by_subject.if_not_exists().to_owned()).await?;
        let mut by_owner = index("ix_identities_account", Identities::Table, cols!(Identities::AccountId), false);
        manager.create_index(by_owner.if_not_exists().to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(SignInFlows::Table)
                    .if_not_exists()
                    .col(id(SignInFlows::Id))
                    .col(text(SignInFlows::StateHash).unique_key().to_owned())
                    .col(text(SignInFlows::Provider))
                    .col(text(SignInFlows::Nonce))
                    .col(text(SignInFlows::PkceVerifier))
                    .col(uuid_null(SignInFlows::LinkAccountId))
                    .col(text_null(SignInFlows::ReturnTo))
                    .col(time(SignInFlows::CreatedAt))
                    .col(time(SignInFlows::ExpiresAt))
                    .foreign_key(&mut owned_by(
                        SignInFlows::Table,
                        SignInFlows::LinkAccountId,
                        Accounts::Table,
                        Accounts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SignInFlows::Table.into_iden(),
            Identities::Table.into_iden(),
            OutgoingMail::Table.into_iden(),
            Invitations::Table.into_iden(),
            AccountTokens::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [Sessions::Ip, Sessions::UserAgent] {
            manager.alter_table(Table::alter().table(Sessions::Table).drop_column(col).to_owned()).await?;
        }
        for col in [Accounts::Orcid, Accounts::DeletedAt, Accounts::Operator] {
            manager.alter_table(Table::alter().table(Accounts::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
