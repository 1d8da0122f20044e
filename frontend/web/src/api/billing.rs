//! Server functions of storage plans: the public list of plans and prices (from the server's configuration).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One tier of a plan, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierTermsItem {
    pub tier: String,
    /// "100 GiB", or "100 GiB, up to 1.0 TiB at 0.02 EUR per GiB-month".
    pub terms: String,
}

/// A plan as the pricing page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    pub key: String,
    pub name: String,
    pub description: String,
    /// "19.00 EUR a month", or "Free".
    pub price: String,
    pub tiers: Vec<TierTermsItem>,
    pub max_file: String,
    /// "up to 25 members", or empty.
    pub members: String,
}

/// The server's storage plans; public.
#[server(prefix = "/fn", endpoint = "storage_plans")]
pub async fn storage_plans() -> Result<Vec<PlanItem>, ServerFnError> {
    crate::ssr::billing::storage_plans().await
}
