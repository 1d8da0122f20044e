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

/// One tier on the billing page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingTierItem {
    pub tier: String,
    /// "1.2 GiB".
    pub used: String,
    pub included: String,
    pub limit: String,
    /// Of the limit, for the bar.
    pub percent: f64,
    /// GiB-months this month so far, and by the month's end.
    pub month_so_far: String,
    pub projected: String,
    /// "3 GiB-months beyond the included amount: 0.06 EUR", or empty.
    pub overage: String,
}

/// A plan the owner may change to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanChoiceItem {
    pub key: String,
    pub name: String,
    /// "19.00 EUR a month", or "Free".
    pub price: String,
    pub purchasable: bool,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceItem {
    pub date: String,
    /// "2026-11-01 – 2026-12-01", or empty.
    pub period: String,
    pub status: String,
    /// "19.00 EUR".
    pub amount: String,
    /// Stripe's page of the invoice, or empty.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeterReportItem {
    pub month: String,
    pub tier: String,
    pub gib_months: i64,
    pub status: String,
}

/// A workspace's billing page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingInfo {
    pub workspace: crate::api::WorkspaceInfo,
    pub billing_enabled: bool,
    /// The viewer is an owner: may change the plan and open the portal.
    pub can_manage: bool,
    pub plan_key: String,
    pub plan_name: String,
    pub plan_price: String,
    /// "active", "past_due", "canceled", …, or empty without a subscription.
    pub subscription_status: String,
    /// "renews on 2027-01-06", "ends on 2027-01-06", or empty.
    pub renewal: String,
    /// A subscription gives the workspace its plan (changes go through the portal).
    pub subscribed: bool,
    pub has_customer: bool,
    /// What is wrong with paying, or empty.
    pub payment_problem: String,
    /// `YYYY-MM`.
    pub month: String,
    pub tiers: Vec<BillingTierItem>,
    /// "19.16 EUR".
    pub projected_total: String,
    /// "3 of 25", "3".
    pub members: String,
    pub plans: Vec<PlanChoiceItem>,
    pub invoices: Vec<InvoiceItem>,
    pub meter_reports: Vec<MeterReportItem>,
}

/// The workspace's billing: owners and admins.
#[server(prefix = "/fn", endpoint = "billing")]
pub async fn get_billing(slug: String) -> Result<BillingInfo, ServerFnError> {
    crate::ssr::billing::billing_page(slug).await
}

/// Sends the owner to Stripe Checkout to pay for `plan`.
#[server(prefix = "/fn", endpoint = "start_checkout")]
pub async fn start_checkout(csrf_token: String, slug: String, plan: String) -> Result<(), ServerFnError> {
    crate::ssr::billing::start_checkout(csrf_token, slug, plan).await
}

/// Switches the workspace's running subscription to `plan` (applied when Stripe confirms it).
#[server(prefix = "/fn", endpoint = "change_plan")]
pub async fn change_plan(csrf_token: String, slug: String, plan: String) -> Result<(), ServerFnError> {
    crate::ssr::billing::change_plan(csrf_token, slug, plan).await
}

/// Sends the owner to Stripe's Customer Portal (cards, invoices, plan changes, cancelling).
#[server(prefix = "/fn", endpoint = "open_billing_portal")]
pub async fn open_billing_portal(csrf_token: String, slug: String) -> Result<(), ServerFnError> {
    crate::ssr::billing::open_portal(csrf_token, slug).await
}
