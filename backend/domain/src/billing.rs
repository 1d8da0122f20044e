//! What Meridian keeps of a workspace's Stripe billing: its subscriptions and invoices, as the newest event that
//! described each one said.

use crate::{PlanKey, WorkspaceId};
use chrono::{DateTime, Utc};

/// A workspace's Stripe subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub workspace: WorkspaceId,
    pub stripe_id: String,
    /// The plan its price names.
    pub plan: PlanKey,
    /// Stripe's status (`active`, `trialing`, `past_due`, `unpaid`, `canceled`, `incomplete`, ...).
    pub status: String,
    pub cancel_at_period_end: bool,
    pub period_end: Option<DateTime<Utc>>,
    /// When the event that said this happened (Stripe's `created` of the event).
    pub event_at: DateTime<Utc>,
    /// Over for good (canceled, or never paid): no later event brings it back.
    pub final_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Subscription {
    /// Whether it gives the workspace its plan: paid for, in a trial, or paid late (a failed payment lapses the
    /// plan only after the grace period, see `PlanState`).
    #[must_use]
    pub fn grants_plan(&self) -> bool {
        self.final_at.is_none() && matches!(self.status.as_str(), "active" | "trialing" | "past_due" | "unpaid")
    }
}

/// A workspace's invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub workspace: WorkspaceId,
    pub stripe_id: String,
    /// `draft`, `open`, `paid`, `uncollectible`, `void`; `payment_failed` when a payment attempt failed.
    pub status: String,
    /// In the currency's minor unit (cents).
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    pub hosted_url: Option<String>,
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub event_at: DateTime<Utc>,
}

/// A workspace's plan as stored, and whether it is lapsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanState {
    pub plan: PlanKey,
    /// A payment failed: the plan holds until then, and after it the workspace's starting plan's limits apply.
    pub lapses_at: Option<DateTime<Utc>>,
    /// A person's own space (whose starting plan is the personal one).
    pub personal: bool,
}

impl PlanState {
    /// Whether the grace period is over at `now`.
    #[must_use]
    pub fn lapsed(&self, now: DateTime<Utc>) -> bool {
        self.lapses_at.is_some_and(|t| now >= t)
    }
}
