//! The server side of the pricing page and a workspace's billing page.

use super::services;
use crate::api::billing::{
    BillingInfo, BillingTierItem, InvoiceItem, MeterReportItem, PlanChoiceItem, PlanItem, TierTermsItem,
};
use crate::api::data::human_size;
use leptos::prelude::*;

pub async fn storage_plans() -> Result<Vec<PlanItem>, ServerFnError> {
    let services = services()?;
    Ok(services
        .storage_plans()
        .iter()
        .map(|p| {
            let currency = p.currency.to_uppercase();
            let tier = |name: &str, t: &meridian_service::billing::TierTerms| {
                let included = human_size(t.included_bytes);
                let terms = match &t.overage {
                    Some(o) if t.limit_bytes > t.included_bytes => format!(
                        "{included}, up to {} at {} {currency} per GiB-month beyond",
                        human_size(t.limit_bytes),
                        o.per_gib_month.decimal()
                    ),
                    _ => included,
                };
                TierTermsItem { tier: name.to_owned(), terms }
            };
            PlanItem {
                key: p.key.to_string(),
                name: p.name.clone(),
                description: p.description.clone(),
                price: if p.monthly.0 == 0 {
                    "Free".to_owned()
                } else {
                    format!("{} {currency} a month", p.monthly.decimal())
                },
                tiers: vec![tier("hot", &p.hot), tier("cool", &p.cool), tier("cold", &p.cold)],
                max_file: human_size(p.max_file_bytes),
                members: p.members.map(|m| format!("up to {m} members")).unwrap_or_default(),
            }
        })
        .collect())
}

fn money(m: meridian_service::billing::Micros, currency: &str) -> String {
    format!("{} {}", m.decimal(), currency.to_uppercase())
}

pub async fn billing_page(slug: String) -> Result<BillingInfo, ServerFnError> {
    let actor = super::signed_in().await?;
    let services = services()?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let view = services.billing_overview(&actor, &slug).await?;
        Ok::<_, meridian_service::ServiceError>((access, view))
    };
    let (access, v) = read.await.inspect_err(super::equipment::not_found_status).map_err(super::fail)?;
    let currency = v.plan.currency.clone();
    let tiers = v
        .tiers
        .iter()
        .map(|t| {
            let used = u64::try_from(t.bytes).unwrap_or(0);
            #[expect(clippy::cast_precision_loss, reason = "a percentage for a bar")]
            let percent =
                if t.limit_bytes == 0 { 0.0 } else { (used as f64 / t.limit_bytes as f64 * 100.0).min(100.0) };
            let overage = if t.projected_overage_gib_months > 0 {
                format!(
                    "{} GiB-months beyond the included amount: {}",
                    t.projected_overage_gib_months,
                    money(t.projected_overage_cost, &currency)
                )
            } else {
                String::new()
            };
            BillingTierItem {
                tier: t.tier.as_str().to_owned(),
                used: human_size(used),
                included: human_size(t.included_bytes),
                limit: human_size(t.limit_bytes),
                percent,
                month_so_far: format!("{:.3}", t.month_gib_months),
                projected: format!("{:.3}", t.projected_gib_months),
                overage,
            }
        })
        .collect();
    let renewal = match &v.subscription {
        Some(s) if s.grants_plan() => match (s.period_end, s.cancel_at_period_end) {
            (Some(end), true) => format!("ends on {}", super::date(end)),
            (Some(end), false) => format!("renews on {}", super::date(end)),
            (None, _) => String::new(),
        },
        _ => String::new(),
    };
    let price = |p: meridian_service::billing::Micros, c: &str| {
        if p.0 == 0 { "Free".to_owned() } else { format!("{} a month", money(p, c)) }
    };
    Ok(BillingInfo {
        billing_enabled: v.billing_enabled,
        can_manage: v.can_manage,
        plan_key: v.plan.key.to_string(),
        plan_name: v.plan.name.clone(),
        plan_price: price(v.plan.monthly, &v.plan.currency),
        subscription_status: v.subscription.as_ref().map(|s| s.status.as_str().to_owned()).unwrap_or_default(),
        renewal,
        subscribed: v.subscription.as_ref().is_some_and(meridian_domain::billing::Subscription::grants_plan),
        has_customer: v.has_customer,
        payment_problem: v.payment_problem.clone().unwrap_or_default(),
        month: v.month.clone(),
        tiers,
        projected_total: money(v.projected_total, &currency),
        members: match v.members_limit {
            Some(l) => format!("{} of {l}", v.members),
            None => v.members.to_string(),
        },
        plans: v
            .plans
            .iter()
            .map(|p| PlanChoiceItem {
                key: p.key.to_string(),
                name: p.name.clone(),
                price: price(p.monthly, &p.currency),
                purchasable: p.purchasable,
                current: p.current,
            })
            .collect(),
        invoices: v
            .invoices
            .iter()
            .map(|i| InvoiceItem {
                date: super::date(i.created_at),
                period: match (i.period_start, i.period_end) {
                    (Some(a), Some(b)) => format!("{} – {}", super::date(a), super::date(b)),
                    _ => String::new(),
                },
                status: i.status.as_str().to_owned(),
                amount: meridian_service::billing::format_minor(i.amount_due, &i.currency),
                url: i
                    .hosted_url
                    .clone()
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                    .unwrap_or_default(),
            })
            .collect(),
        meter_reports: v
            .meter_reports
            .iter()
            .map(|r| MeterReportItem {
                month: r.month.clone(),
                tier: r.tier.as_str().to_owned(),
                gib_months: r.gib_months,
                status: r.status.as_str().to_owned(),
            })
            .collect(),
        workspace: super::data::workspace_of(access),
    })
}

pub async fn start_checkout(csrf: String, slug: String, plan: String) -> Result<(), ServerFnError> {
    let (services, actor) = super::form_caller(&csrf).await?;
    let url = services.start_checkout(&actor, &slug, &plan).await.map_err(super::fail)?;
    leptos_actix::redirect(&url);
    Ok(())
}

pub async fn change_plan(csrf: String, slug: String, plan: String) -> Result<(), ServerFnError> {
    let (services, actor) = super::form_caller(&csrf).await?;
    services.change_plan(&actor, &slug, &plan).await.map_err(super::fail)?;
    // Back to the page, which says the change is on its way (Stripe's confirmation applies it).
    leptos_actix::redirect(&format!("/w/{slug}/billing?changed={}", crate::api::data::query_encoded(&plan)));
    Ok(())
}

pub async fn open_portal(csrf: String, slug: String) -> Result<(), ServerFnError> {
    let (services, actor) = super::form_caller(&csrf).await?;
    let url = services.open_billing_portal(&actor, &slug).await.map_err(super::fail)?;
    leptos_actix::redirect(&url);
    Ok(())
}
