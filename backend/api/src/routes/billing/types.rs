//! The JSON shapes of storage plans and Stripe webhook answers.

use meridian_service::billing::{Plan, TierTerms};
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
