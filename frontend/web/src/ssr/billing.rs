//! The server side of the pricing page.

use super::services;
use crate::api::billing::{PlanItem, TierTermsItem};
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
