//! A workspace's Stripe customer, subscriptions and invoices, and the webhook events already applied.

use crate::entities::{billing_customers, invoices, meter_reports, stripe_events, subscriptions};
use crate::{StoreResult, ts};
use chrono::{DateTime, Utc};
use meridian_domain::billing::{
    Invoice, InvoiceStatus, MeterReport, MeterReportStatus, Subscription, SubscriptionStatus,
};
use meridian_domain::{PlanKey, Tier, WorkspaceId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Records that the webhook event `id` is being applied. `false` when it was applied before (a replay): the
/// caller then changes nothing. In the transaction of the event's effect, so a failure leaves no record either.
pub async fn record_event(conn: &impl ConnectionTrait, id: &str, kind: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let row =
        stripe_events::ActiveModel { id: Set(id.to_owned()), kind: Set(kind.to_owned()), received_at: Set(ts(now)) };
    let inserted = stripe_events::Entity::insert(row)
        .on_conflict(OnConflict::column(stripe_events::Column::Id).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// The workspace's Stripe customer id, if it has one.
pub async fn customer_of(conn: &impl ConnectionTrait, ws: WorkspaceId) -> StoreResult<Option<String>> {
    Ok(billing_customers::Entity::find_by_id(ws).one(conn).await?.map(|c| c.stripe_customer_id))
}

/// The workspace's newest Checkout Session not known to be finished.
pub async fn open_checkout_of(conn: &impl ConnectionTrait, ws: WorkspaceId) -> StoreResult<Option<String>> {
    Ok(billing_customers::Entity::find_by_id(ws).one(conn).await?.and_then(|c| c.open_checkout))
}

/// Remembers (or, with `None`, forgets) the workspace's open Checkout Session; `only_if`: forget it only while it
/// is that one (a completed checkout clears its own session, not a newer one).
pub async fn set_open_checkout(
    conn: &impl ConnectionTrait,
    ws: WorkspaceId,
    session: Option<&str>,
    only_if: Option<&str>,
) -> StoreResult<()> {
    use sea_orm::sea_query::Expr;
    let mut update = billing_customers::Entity::update_many()
        .col_expr(billing_customers::Column::OpenCheckout, Expr::value(session.map(str::to_owned)))
        .filter(billing_customers::Column::WorkspaceId.eq(ws));
    if let Some(current) = only_if {
        update = update.filter(billing_customers::Column::OpenCheckout.eq(current));
    }
    update.exec(conn).await?;
    Ok(())
}

/// Stores `session` as the workspace's open Checkout Session unless one is stored already; whether it was.
pub async fn claim_open_checkout(conn: &impl ConnectionTrait, ws: WorkspaceId, session: &str) -> StoreResult<bool> {
    use sea_orm::sea_query::Expr;
    let done = billing_customers::Entity::update_many()
        .col_expr(billing_customers::Column::OpenCheckout, Expr::value(session))
        .filter(billing_customers::Column::WorkspaceId.eq(ws))
        .filter(billing_customers::Column::OpenCheckout.is_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Every workspace with a Stripe customer, and the customer.
pub async fn customers(conn: &impl ConnectionTrait) -> StoreResult<Vec<(WorkspaceId, String)>> {
    Ok(billing_customers::Entity::find()
        .order_by_asc(billing_customers::Column::WorkspaceId)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.workspace_id.into(), c.stripe_customer_id))
        .collect())
}

/// The workspace whose Stripe customer `customer` is.
pub async fn workspace_of_customer(conn: &impl ConnectionTrait, customer: &str) -> StoreResult<Option<WorkspaceId>> {
    Ok(billing_customers::Entity::find()
        .filter(billing_customers::Column::StripeCustomerId.eq(customer))
        .one(conn)
        .await?
        .map(|c| c.workspace_id.into()))
}

/// Keeps `customer` as the workspace's Stripe customer unless it has one already; the one kept.
pub async fn keep_customer(
    conn: &impl ConnectionTrait,
    ws: WorkspaceId,
    customer: &str,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    let row = billing_customers::ActiveModel {
        workspace_id: Set(ws.into()),
        stripe_customer_id: Set(customer.to_owned()),
        created_at: Set(ts(now)),
        open_checkout: Set(None),
    };
    billing_customers::Entity::insert(row)
        .on_conflict(OnConflict::column(billing_customers::Column::WorkspaceId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(customer_of(conn, ws).await?.unwrap_or_else(|| customer.to_owned()))
}

fn to_subscription(m: subscriptions::Model) -> StoreResult<Subscription> {
    Ok(Subscription {
        workspace: m.workspace_id.into(),
        stripe_id: m.stripe_subscription_id,
        plan: PlanKey::parse(&m.plan)?,
        status: SubscriptionStatus::parse(&m.status),
        cancel_at_period_end: m.cancel_at_period_end,
        period_end: m.period_end.map(|t| t.to_utc()),
        event_at: m.event_at.to_utc(),
        final_at: m.final_at.map(|t| t.to_utc()),
        created_at: m.created_at.to_utc(),
    })
}

/// The subscription Stripe knows as `stripe_id`.
pub async fn find_subscription(conn: &impl ConnectionTrait, stripe_id: &str) -> StoreResult<Option<Subscription>> {
    subscriptions::Entity::find()
        .filter(subscriptions::Column::StripeSubscriptionId.eq(stripe_id))
        .one(conn)
        .await?
        .map(to_subscription)
        .transpose()
}

/// Writes the subscription as `s` says (inserting it the first time).
pub async fn save_subscription(conn: &impl ConnectionTrait, s: &Subscription, now: DateTime<Utc>) -> StoreResult<()> {
    let existing = subscriptions::Entity::find()
        .filter(subscriptions::Column::StripeSubscriptionId.eq(s.stripe_id.as_str()))
        .one(conn)
        .await?;
    let row = subscriptions::ActiveModel {
        id: Set(existing.as_ref().map_or_else(Uuid::now_v7, |m| m.id)),
        workspace_id: Set(s.workspace.into()),
        stripe_subscription_id: Set(s.stripe_id.clone()),
        plan: Set(s.plan.as_str().to_owned()),
        status: Set(s.status.as_str().to_owned()),
        cancel_at_period_end: Set(s.cancel_at_period_end),
        period_end: Set(s.period_end.map(ts)),
        event_at: Set(ts(s.event_at)),
        final_at: Set(s.final_at.map(ts)),
        created_at: Set(ts(s.created_at)),
        updated_at: Set(ts(now)),
    };
    if existing.is_some() {
        subscriptions::Entity::update(row).exec(conn).await?;
    } else {
        subscriptions::Entity::insert(row).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// The workspace's subscriptions, newest first.
pub async fn subscriptions_of(conn: &impl ConnectionTrait, ws: WorkspaceId) -> StoreResult<Vec<Subscription>> {
    subscriptions::Entity::find()
        .filter(subscriptions::Column::WorkspaceId.eq(ws))
        .order_by_desc(subscriptions::Column::CreatedAt)
        .order_by_desc(subscriptions::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_subscription)
        .collect()
}

fn to_invoice(m: invoices::Model) -> Invoice {
    Invoice {
        workspace: m.workspace_id.into(),
        stripe_id: m.stripe_invoice_id,
        status: InvoiceStatus::parse(&m.status),
        amount_due: m.amount_due,
        amount_paid: m.amount_paid,
        currency: m.currency,
        hosted_url: m.hosted_url,
        period_start: m.period_start.map(|t| t.to_utc()),
        period_end: m.period_end.map(|t| t.to_utc()),
        created_at: m.created_at.to_utc(),
        event_at: m.event_at.to_utc(),
    }
}

/// Writes the invoice as `i` says, unless a newer event already described it. Of two events of the same second, a
/// final state (paid, void) is not undone by one that is not (a failed attempt delivered after the payment).
pub async fn save_invoice(conn: &impl ConnectionTrait, i: &Invoice) -> StoreResult<()> {
    let existing =
        invoices::Entity::find().filter(invoices::Column::StripeInvoiceId.eq(i.stripe_id.as_str())).one(conn).await?;
    if existing.as_ref().is_some_and(|m| {
        let at = m.event_at.to_utc();
        at > i.event_at || (at == i.event_at && InvoiceStatus::parse(&m.status).is_final() && !i.status.is_final())
    }) {
        return Ok(());
    }
    let row = invoices::ActiveModel {
        id: Set(existing.as_ref().map_or_else(Uuid::now_v7, |m| m.id)),
        workspace_id: Set(i.workspace.into()),
        stripe_invoice_id: Set(i.stripe_id.clone()),
        status: Set(i.status.as_str().to_owned()),
        amount_due: Set(i.amount_due),
        amount_paid: Set(i.amount_paid),
        currency: Set(i.currency.clone()),
        hosted_url: Set(i.hosted_url.clone()),
        period_start: Set(i.period_start.map(ts)),
        period_end: Set(i.period_end.map(ts)),
        created_at: Set(ts(i.created_at)),
        event_at: Set(ts(i.event_at)),
    };
    if existing.is_some() {
        invoices::Entity::update(row).exec(conn).await?;
    } else {
        invoices::Entity::insert(row).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// The workspace's newest invoices.
pub async fn invoices_of(conn: &impl ConnectionTrait, ws: WorkspaceId, limit: u64) -> StoreResult<Vec<Invoice>> {
    Ok(invoices::Entity::find()
        .filter(invoices::Column::WorkspaceId.eq(ws))
        .order_by_desc(invoices::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(to_invoice)
        .collect())
}

fn to_meter_report(m: meter_reports::Model) -> StoreResult<MeterReport> {
    Ok(MeterReport {
        workspace: m.workspace_id.into(),
        month: m.month,
        tier: Tier::parse(&m.tier)?,
        event_name: m.event_name,
        identifier: m.identifier,
        gib_months: m.gib_months,
        status: MeterReportStatus::parse(&m.status)?,
        detail: m.detail,
        reported_at: m.reported_at.to_utc(),
    })
}

/// Records a month's meter report (once: a second record of the same workspace, month and tier changes nothing).
pub async fn save_meter_report(conn: &impl ConnectionTrait, r: &MeterReport) -> StoreResult<()> {
    use meter_reports::Column as C;
    let row = meter_reports::ActiveModel {
        workspace_id: Set(r.workspace.into()),
        month: Set(r.month.clone()),
        tier: Set(r.tier.as_str().to_owned()),
        event_name: Set(r.event_name.clone()),
        identifier: Set(r.identifier.clone()),
        gib_months: Set(r.gib_months),
        status: Set(r.status.as_str().to_owned()),
        detail: Set(r.detail.clone()),
        reported_at: Set(ts(r.reported_at)),
    };
    meter_reports::Entity::insert(row)
        .on_conflict(OnConflict::columns([C::WorkspaceId, C::Month, C::Tier]).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The workspace's meter reports, newest month first.
pub async fn meter_reports_of(
    conn: &impl ConnectionTrait,
    ws: WorkspaceId,
    limit: u64,
) -> StoreResult<Vec<MeterReport>> {
    let rows = meter_reports::Entity::find()
        .filter(meter_reports::Column::WorkspaceId.eq(ws))
        .order_by_desc(meter_reports::Column::Month)
        .order_by_asc(meter_reports::Column::Tier)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(crate::lenient(rows, "meter_reports", to_meter_report))
}
