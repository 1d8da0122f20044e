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

/// What became of a month's storage overage sent to a Stripe Billing Meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterReportStatus {
    /// Stripe recorded the meter event.
    Sent,
    /// Stripe refused it (a meter or customer it does not know): not retried; the reason is kept for the operator.
    Refused,
    /// Not sent: no subscription covered the month's end (nothing could bill it).
    Skipped,
    /// Not sent: the month ended more than 34 days before it could be reported (Stripe takes 35).
    Expired,
}

impl MeterReportStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Refused => "refused",
            Self::Skipped => "skipped",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::ValidationError> {
        match s {
            "sent" => Ok(Self::Sent),
            "refused" => Ok(Self::Refused),
            "skipped" => Ok(Self::Skipped),
            "expired" => Ok(Self::Expired),
            _ => Err(crate::ValidationError::new("status", "must be sent, refused, skipped or expired")),
        }
    }
}

/// One workspace's storage overage of one month and tier, reported to Stripe once the month was over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterReport {
    pub workspace: WorkspaceId,
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub tier: crate::Tier,
    pub event_name: String,
    /// The meter event's identifier: the same for every attempt, so Stripe counts it once.
    pub identifier: String,
    /// Whole GiB-months beyond the plan's included amount.
    pub gib_months: i64,
    pub status: MeterReportStatus,
    pub detail: Option<String>,
    pub reported_at: DateTime<Utc>,
}
