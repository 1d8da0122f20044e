//! Storage overage reported to Stripe Billing Meters: one row per workspace, month and tier once the month is over
//! and its meter event was sent (or refused by Stripe, with the reason), so the metering job sends each at most once
//! and the billing page can show what was billed. The meter event's `identifier` is the same string every time for
//! one row, so a run that died between sending and writing the row sends the same event again, and Stripe counts it
//! once.
//!
//! `usage_months.plan`: the plan the workspace was on when the month ended (written by the hourly metering that
//! closes the month), so a month is billed on its own terms whatever happens to the plan afterwards.
//!
//! `billing_customers.open_checkout`: the workspace's newest Checkout Session not known to be finished. A new one
//! expires it first, so a workspace never has two payable sessions (two payments would make two subscriptions).

use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BillingCustomers {
    Table,
    OpenCheckout,
}

#[derive(DeriveIden)]
enum UsageMonths {
    Table,
    Plan,
}

#[derive(DeriveIden)]
enum MeterReports {
    Table,
    WorkspaceId,
    Month,
    Tier,
    EventName,
    Identifier,
    GibMonths,
    Status,
    Detail,
    ReportedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Every step may run again (SQLite runs a migration's statements without one transaction around them).
        if !manager.has_column("usage_months", "plan").await? {
            let col = text_null(UsageMonths::Plan);
            manager.alter_table(Table::alter().table(UsageMonths::Table).add_column(col).to_owned()).await?;
        }
        if !manager.has_column("billing_customers", "open_checkout").await? {
            let col = text_null(BillingCustomers::OpenCheckout);
            manager.alter_table(Table::alter().table(BillingCustomers::Table).add_column(col).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(MeterReports::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(MeterReports::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(MeterReports::Month).string().not_null())
                    .col(ColumnDef::new(MeterReports::Tier).string().not_null())
                    .col(text(MeterReports::EventName))
                    .col(text(MeterReports::Identifier))
                    .col(ColumnDef::new(MeterReports::GibMonths).big_integer().not_null())
                    .col(text(MeterReports::Status))
                    .col(text_null(MeterReports::Detail))
                    .col(time(MeterReports::ReportedAt))
                    .primary_key(
                        Index::create().col(MeterReports::WorkspaceId).col(MeterReports::Month).col(MeterReports::Tier),
                    )
                    .foreign_key(&mut owned_by(
                        MeterReports::Table,
                        MeterReports::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MeterReports::Table).to_owned()).await?;
        let drop = Table::alter().table(BillingCustomers::Table).drop_column(BillingCustomers::OpenCheckout).to_owned();
        manager.alter_table(drop).await?;
        manager.alter_table(Table::alter().table(UsageMonths::Table).drop_column(UsageMonths::Plan).to_owned()).await
    }
}
