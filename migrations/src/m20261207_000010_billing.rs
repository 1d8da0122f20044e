//! Paid storage plans:
//!
//! - `workspaces.plan_lapses_at`: a payment failed; the paid plan holds until then (the grace period), then the
//!   workspace's limits are its starting plan's (it keeps every byte).
//! - `billing_customers`: a workspace's Stripe customer, made once and reused.
//! - `subscriptions`: a workspace's Stripe subscriptions as the newest applied event describes them; `event_at` is
//!   that event's time, so an older event arriving late never overwrites a newer state, and `final_at` marks a
//!   subscription that is over for good.
//! - `stripe_events`: every webhook event applied, by Stripe's id, in the same transaction as its effect: a replay
//!   finds its id and changes nothing.
//! - `invoices`: the workspace's invoices as Stripe last described them (for its billing page).

use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    PlanLapsesAt,
}

#[derive(DeriveIden)]
enum BillingCustomers {
    Table,
    WorkspaceId,
    StripeCustomerId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    WorkspaceId,
    StripeSubscriptionId,
    Plan,
    Status,
    CancelAtPeriodEnd,
    PeriodEnd,
    EventAt,
    FinalAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StripeEvents {
    Table,
    Id,
    Kind,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    WorkspaceId,
    StripeInvoiceId,
    Status,
    AmountDue,
    AmountPaid,
    Currency,
    HostedUrl,
    PeriodStart,
    PeriodEnd,
    CreatedAt,
    EventAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // Every step may run again (SQLite runs a migration's statements without one transaction around them).
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("workspaces", "plan_lapses_at").await? {
            let col = time_null(Workspaces::PlanLapsesAt);
            manager.alter_table(Table::alter().table(Workspaces::Table).add_column(col).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(BillingCustomers::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(BillingCustomers::WorkspaceId).uuid().not_null().primary_key())
                    .col(text(BillingCustomers::StripeCustomerId).unique_key().to_owned())
                    .col(time(BillingCustomers::CreatedAt))
                    .foreign_key(&mut owned_by(
                        BillingCustomers::Table,
                        BillingCustomers::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .if_not_exists()
                    .col(id(Subscriptions::Id))
                    .col(uuid_ref(Subscriptions::WorkspaceId))
                    .col(text(Subscriptions::StripeSubscriptionId).unique_key().to_owned())
                    .col(text(Subscriptions::Plan))
                    .col(text(Subscriptions::Status))
                    .col(ColumnDef::new(Subscriptions::CancelAtPeriodEnd).boolean().not_null().default(false))
                    .col(time_null(Subscriptions::PeriodEnd))
                    .col(time(Subscriptions::EventAt))
                    .col(time_null(Subscriptions::FinalAt))
                    .col(time(Subscriptions::CreatedAt))
                    .col(time(Subscriptions::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        Subscriptions::Table,
                        Subscriptions::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let mut by_workspace =
            index("ix_subscriptions_workspace", Subscriptions::Table, cols!(Subscriptions::WorkspaceId), false);
        manager.create_index(by_workspace.if_not_exists().to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(StripeEvents::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(StripeEvents::Id).string().not_null().primary_key())
                    .col(text(StripeEvents::Kind))
                    .col(time(StripeEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .if_not_exists()
                    .col(id(Invoices::Id))
                    .col(uuid_ref(Invoices::WorkspaceId))
                    .col(text(Invoices::StripeInvoiceId).unique_key().to_owned())
                    .col(text(Invoices::Status))
                    .col(ColumnDef::new(Invoices::AmountDue).big_integer().not_null())
                    .col(ColumnDef::new(Invoices::AmountPaid).big_integer().not_null())
                    .col(text(Invoices::Currency))
                    .col(text_null(Invoices::HostedUrl))
                    .col(time_null(Invoices::PeriodStart))
                    .col(time_null(Invoices::PeriodEnd))
                    .col(time(Invoices::CreatedAt))
                    .col(time(Invoices::EventAt))
                    .foreign_key(&mut owned_by(
                        Invoices::Table,
                        Invoices::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let mut by_workspace = index("ix_invoices_workspace", Invoices::Table, cols!(Invoices::WorkspaceId), false);
        manager.create_index(by_workspace.if_not_exists().to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Invoices::Table.into_iden(),
            StripeEvents::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            BillingCustomers::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(Workspaces::Table).drop_column(Workspaces::PlanLapsesAt).to_owned())
            .await?;
        Ok(())
    }
}
