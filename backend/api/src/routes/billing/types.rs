//! The JSON shapes of storage plans and Stripe webhook answers.

use meridian_service::billing::{BillingView, Micros, Plan, TierTerms};
use serde::Serialize;
use utoipa::ToSchema;

/// One tier of a plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierTermsBody {
    /// Paid for by the monthly price.
    pub included_bytes: u64,
    /// The most the tier may hold.
    pub limit_bytes: u64,
    /// The price of a GiB kept a month beyond `included_bytes` (a decimal in the plan's currency), when the
    /// tier may grow beyond it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overage_per_gib_month: Option<String>,
}

impl From<&TierTerms> for TierTermsBody {
    fn from(t: &TierTerms) -> Self {
        Self {
            included_bytes: t.included_bytes,
            limit_bytes: t.limit_bytes,
            overage_per_gib_month: t.overage.as_ref().map(|o| o.per_gib_month.decimal()),
        }
    }
}

/// A storage plan: what a workspace on it may store, and its price.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoragePlanBody {
    pub key: String,
    pub name: String,
    pub description: String,
    /// The flat monthly price, a decimal (`"19.00"`; `"0.00"` for a free plan).
    pub monthly_price: String,
    /// ISO 4217, lowercase (`eur`).
    pub currency: String,
    pub hot: TierTermsBody,
    pub cool: TierTermsBody,
    pub cold: TierTermsBody,
    /// The largest single file.
    pub max_file_bytes: u64,
    /// How many members a workspace on it may have (absent: no limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<u32>,
    /// Whether it can be bought (billing is on and the plan has a Stripe price).
    pub purchasable: bool,
}

impl StoragePlanBody {
    pub fn new(p: &Plan, billing_enabled: bool) -> Self {
        Self {
            key: p.key.to_string(),
            name: p.name.clone(),
            description: p.description.clone(),
            monthly_price: p.monthly.decimal(),
            currency: p.currency.clone(),
            hot: (&p.hot).into(),
            cool: (&p.cool).into(),
            cold: (&p.cold).into(),
            max_file_bytes: p.max_file_bytes,
            members: p.members,
            purchasable: billing_enabled && p.purchasable(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoragePlanList {
    pub items: Vec<StoragePlanBody>,
    /// Whether this server sells plans (Stripe billing is on).
    pub billing_enabled: bool,
}

/// What a webhook delivery did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAnswer {
    pub received: bool,
    /// `applied`, `replay` (applied before; nothing changed) or `ignored` (an event Meridian does not act on).
    pub outcome: String,
}

/// One tier on a workspace's billing: what it holds against the plan, and this month's use.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierBillingBody {
    /// `hot`, `cool` or `cold`.
    pub tier: String,
    pub bytes: i64,
    pub included_bytes: u64,
    pub limit_bytes: u64,
    /// GiB-months kept this month so far.
    pub month_gib_months: f64,
    /// GiB-months by the month's end if nothing changes.
    pub projected_gib_months: f64,
    /// Whole GiB-months beyond the included amount by the month's end, and their price (a decimal).
    pub projected_overage_gib_months: i64,
    pub projected_overage_cost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overage_per_gib_month: Option<String>,
}

/// The newest subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionBody {
    pub plan: String,
    /// Stripe's status: `active`, `trialing`, `past_due`, `unpaid`, `canceled`, `incomplete`, ...
    pub status: String,
    pub cancel_at_period_end: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_end: Option<chrono::DateTime<chrono::Utc>>,
}

/// An invoice as Stripe last described it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceBody {
    pub id: String,
    /// `draft`, `open`, `paid`, `uncollectible`, `void`, or `payment_failed`.
    pub status: String,
    /// In the currency's minor unit (cents).
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: String,
    /// Stripe's page of the invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_start: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_end: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A month's storage overage sent to a Stripe meter.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeterReportBody {
    /// `YYYY-MM`.
    pub month: String,
    pub tier: String,
    pub gib_months: i64,
    /// `sent` or `refused` (the reason in `detail`).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub reported_at: chrono::DateTime<chrono::Utc>,
}

/// A workspace's billing: its plan, this month's usage and projected invoice, invoices, payment problems.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingBody {
    /// Whether this server sells plans (Stripe billing is on).
    pub billing_enabled: bool,
    /// The caller is an owner and may change the plan.
    pub can_manage: bool,
    /// The plan whose limits apply now.
    pub plan: StoragePlanBody,
    /// The plan paid for (differs from `plan.key` once a failed payment's grace period is over).
    pub paid_plan: String,
    /// A payment failed: the paid plan's limits hold until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_lapses_at: Option<chrono::DateTime<chrono::Utc>>,
    pub lapsed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription: Option<SubscriptionBody>,
    /// `YYYY-MM` (UTC) of the month below.
    pub month: String,
    pub tiers: Vec<TierBillingBody>,
    /// The monthly price plus the projected overage, a decimal in `plan.currency`.
    pub projected_total: String,
    pub members: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members_limit: Option<u32>,
    pub invoices: Vec<InvoiceBody>,
    pub meter_reports: Vec<MeterReportBody>,
    /// What is wrong with paying, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_problem: Option<String>,
}

impl From<BillingView> for BillingBody {
    fn from(v: BillingView) -> Self {
        Self {
            billing_enabled: v.billing_enabled,
            can_manage: v.can_manage,
            plan: StoragePlanBody::new(&v.plan, v.billing_enabled),
            paid_plan: v.paid_plan.to_string(),
            plan_lapses_at: v.plan_lapses_at,
            lapsed: v.lapsed,
            subscription: v.subscription.map(|s| SubscriptionBody {
                plan: s.plan.to_string(),
                status: s.status.as_str().to_owned(),
                cancel_at_period_end: s.cancel_at_period_end,
                period_end: s.period_end,
            }),
            month: v.month,
            tiers: v
                .tiers
                .into_iter()
                .map(|t| TierBillingBody {
                    tier: t.tier.as_str().to_owned(),
                    bytes: t.bytes,
                    included_bytes: t.included_bytes,
                    limit_bytes: t.limit_bytes,
                    month_gib_months: t.month_gib_months,
                    projected_gib_months: t.projected_gib_months,
                    projected_overage_gib_months: t.projected_overage_gib_months,
                    projected_overage_cost: t.projected_overage_cost.decimal(),
                    overage_per_gib_month: t.per_gib_month.map(Micros::decimal),
                })
                .collect(),
            projected_total: v.projected_total.decimal(),
            members: v.members,
            members_limit: v.members_limit,
            invoices: v
                .invoices
                .into_iter()
                .map(|i| InvoiceBody {
                    id: i.stripe_id,
                    status: i.status.as_str().to_owned(),
                    amount_due: i.amount_due,
                    amount_paid: i.amount_paid,
                    currency: i.currency,
                    hosted_url: i.hosted_url,
                    period_start: i.period_start,
                    period_end: i.period_end,
                    created_at: i.created_at,
                })
                .collect(),
            meter_reports: v
                .meter_reports
                .into_iter()
                .map(|r| MeterReportBody {
                    month: r.month,
                    tier: r.tier.as_str().to_owned(),
                    gib_months: r.gib_months,
                    status: r.status.as_str().to_owned(),
                    detail: r.detail,
                    reported_at: r.reported_at,
                })
                .collect(),
            payment_problem: v.payment_problem,
        }
    }
}

/// A plan change sent to Stripe, applied when Stripe confirms it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanChangeBody {
    /// The plan asked for.
    pub plan: String,
}

/// Choose a plan to pay for (or to switch to).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckoutBody {
    /// The plan's key (`GET /storage-plans`).
    pub plan: String,
}

/// A Stripe page to send the person to.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedirectBody {
    pub url: String,
}
