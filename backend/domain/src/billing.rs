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
    pub status: SubscriptionStatus,
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
        self.final_at.is_none()
            && matches!(
                self.status,
                SubscriptionStatus::Active
                    | SubscriptionStatus::Trialing
                    | SubscriptionStatus::PastDue
                    | SubscriptionStatus::Unpaid
            )
    }
}

/// Defines a Stripe status: the names Stripe documents, and `Other` for one it adds later, kept as Stripe wrote it
/// (so it is stored and shown unchanged). `parse` never fails: a known name is its variant, never `Other`.
macro_rules! stripe_status {
    (
        $(#[$doc:meta])*
        $name:ident,
        { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
            /// A status this version does not know (Stripe's vocabulary grows), as Stripe wrote it.
            Other(String),
        }

        impl $name {
            /// The known names (every variant but `Other`).
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s,
                }
            }

            /// The status Stripe (or a stored row) names: its variant, or `Other` for a name it does not know.
            #[must_use]
            pub fn parse(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stripe_status!(
    /// A Stripe subscription's status.
    SubscriptionStatus,
    {
        /// Created, its first payment not made yet.
        Incomplete = "incomplete",
        /// Its first payment was never made: over for good.
        IncompleteExpired = "incomplete_expired",
        Trialing = "trialing",
        Active = "active",
        /// A payment failed; Stripe retries it.
        PastDue = "past_due",
        /// Stripe's retries ran out and the subscription was left open.
        Unpaid = "unpaid",
        Canceled = "canceled",
        /// A trial ended without a payment method.
        Paused = "paused",
    }
);

stripe_status!(
    /// A Stripe invoice's status, and Meridian's own `payment_failed`.
    InvoiceStatus,
    {
        Draft = "draft",
        Open = "open",
        Paid = "paid",
        Uncollectible = "uncollectible",
        Void = "void",
        /// Meridian's, not Stripe's: a payment attempt failed (`invoice.payment_failed`) and the invoice is still
        /// open (Stripe says `open`).
        PaymentFailed = "payment_failed",
    }
);

impl InvoiceStatus {
    /// Nothing more is owed on it: paid, voided, or written off.
    #[must_use]
    pub fn settled(&self) -> bool {
        matches!(self, Self::Paid | Self::Void | Self::Uncollectible)
    }

    /// No later event can change it (Stripe never reopens a paid or voided invoice).
    #[must_use]
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Paid | Self::Void)
    }
}

/// A workspace's invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub workspace: WorkspaceId,
    pub stripe_id: String,
    pub status: InvoiceStatus,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_statuses_read_back_as_written_and_unknown_ones_are_kept() {
        for s in SubscriptionStatus::KNOWN {
            assert_eq!(&SubscriptionStatus::parse(s.as_str()), s);
        }
        for s in InvoiceStatus::KNOWN {
            assert_eq!(&InvoiceStatus::parse(s.as_str()), s);
        }
        let new = SubscriptionStatus::parse("on_hold");
        assert_eq!((new.as_str(), &new), ("on_hold", &SubscriptionStatus::Other("on_hold".into())));
        assert_eq!(InvoiceStatus::parse("payment_failed"), InvoiceStatus::PaymentFailed);
        assert_eq!(InvoiceStatus::parse("").as_str(), "");
    }

    #[test]
    fn a_plan_is_granted_while_paid_in_a_trial_or_paid_late_and_never_once_final() {
        let at = DateTime::UNIX_EPOCH;
        let sub = |status: &str, final_at| Subscription {
            workspace: WorkspaceId::from_uuid(uuid::Uuid::nil()),
            stripe_id: "sub_1".into(),
            plan: PlanKey::parse("observatory").expect("plan"),
            status: SubscriptionStatus::parse(status),
            cancel_at_period_end: false,
            period_end: None,
            event_at: at,
            final_at,
            created_at: at,
        };
        for (status, grants) in [
            ("active", true),
            ("trialing", true),
            ("past_due", true),
            ("unpaid", true),
            ("incomplete", false),
            ("incomplete_expired", false),
            ("canceled", false),
            ("paused", false),
            ("on_hold", false),
        ] {
            assert_eq!(sub(status, None).grants_plan(), grants, "{status}");
        }
        assert!(!sub("active", Some(at)).grants_plan());
    }
}
