//! Storage beyond a plan's included amount, billed through Stripe Billing Meters. Once a month is over, each
//! workspace that pays for a plan gets one meter event per tier whose plan has a meter: the whole GiB-months it
//! kept beyond the included amount that month (from the hourly usage metering), with the identifier
//! `meridian-{workspace}-{tier}-{YYYY-MM}`. The same identifier is the request's idempotency key, and the row
//! recorded after Stripe answered keeps the job from sending it again: a retried request, a job that died between
//! sending and recording, or two workers running at once never bill a month twice.
//!
//! The plan whose terms count is the one that applies when the report is made (a plan changed in the first hours
//! of a month bills the month before at the new plan's terms; Stripe prorates the flat price itself). Months before
//! the workspace's first subscription are never reported.

use super::account::month_key;
use super::stripe_failure;
use crate::{ServiceResult, Services};
use chrono::{DateTime, Duration, Utc};
use meridian_billing::stripe::{MeterEvent, StripeError};
use meridian_domain::billing::{MeterReport, MeterReportStatus};
use meridian_store::{billing as store, data::usage};
use std::collections::HashSet;

/// What a metering run sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeteringReport {
    pub sent: u32,
    pub refused: u32,
}

/// The meter event's time: the last second of the month, or now when that is further back than Stripe takes
/// (35 days; the usage then lands on the current billing period rather than being lost).
fn event_time(month: &str, now: DateTime<Utc>) -> i64 {
    let start = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc());
    let Some(start) = start else {
        return now.timestamp();
    };
    let last_second = crate::data::jobs::next_month(start) - Duration::seconds(1);
    if now - last_second > Duration::days(34) { now.timestamp() } else { last_second.timestamp() }
}

impl Services {
    /// Reports the overage of every month that is over and not reported yet. Nothing with billing off. A refusal
    /// by Stripe (a meter it does not know) is recorded with its reason and not retried; Stripe being unreachable
    /// fails the run (the job retries; what was sent is recorded).
    #[tracing::instrument(skip(self))]
    pub async fn report_meter_usage(&self, now: DateTime<Utc>) -> ServiceResult<MeteringReport> {
        let mut out = MeteringReport::default();
        let Some(stripe) = self.stripe() else {
            return Ok(out);
        };
        let current = month_key(now);
        for (ws, customer) in store::customers(self.db()).await? {
            let subscriptions = store::subscriptions_of(self.db(), ws).await?;
            let Some(first) = subscriptions.iter().map(|s| s.created_at).min() else {
                continue;
            };
            let since = month_key(first);
            let plan = self.effective_plan(self.db(), ws).await?.plan;
            let done: HashSet<(String, meridian_domain::Tier)> =
                store::meter_reports_of(self.db(), ws, 1000).await?.into_iter().map(|r| (r.month, r.tier)).collect();
            let mut months = usage::months(self.db(), ws, 36).await?;
            months.sort_by(|a, b| a.month.cmp(&b.month));
            for m in months {
                if m.month >= current || m.month < since || done.contains(&(m.month.clone(), m.tier)) {
                    continue;
                }
                let terms = plan.tier(m.tier);
                let Some(meter) = terms.overage.as_ref().and_then(|o| o.stripe_meter.as_deref()) else {
                    continue;
                };
                let gib_months = terms.overage_gib_months(meridian_domain::data::gib_months(m.byte_seconds));
                if gib_months == 0 {
                    continue;
                }
                let identifier = format!("meridian-{ws}-{}-{}", m.tier.as_str(), m.month);
                let event = MeterEvent {
                    event_name: meter,
                    customer: &customer,
                    value: gib_months.unsigned_abs(),
                    identifier: &identifier,
                    timestamp: event_time(&m.month, now),
                };
                let (status, detail) = match stripe.create_meter_event(&event).await {
                    Ok(_) => {
                        out.sent += 1;
                        (MeterReportStatus::Sent, None)
                    }
                    Err(e @ StripeError::Refused { .. }) => {
                        tracing::warn!(workspace = %ws, month = %m.month, tier = %m.tier.as_str(), error = %e,
                            "Stripe refused a meter event; not retried");
                        out.refused += 1;
                        (MeterReportStatus::Refused, Some(e.to_string()))
                    }
                    Err(e) => return Err(stripe_failure(e)),
                };
                let report = MeterReport {
                    workspace: ws,
                    month: m.month.clone(),
                    tier: m.tier,
                    event_name: meter.to_owned(),
                    identifier: identifier.clone(),
                    gib_months,
                    status,
                    detail,
                    reported_at: crate::now(),
                };
                store::save_meter_report(self.db(), &report).await?;
                tracing::info!(workspace = %ws, month = %m.month, tier = %m.tier.as_str(), gib_months,
                    status = status.as_str(), "storage overage reported to Stripe");
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_dated_in_their_month_while_stripe_takes_them() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let early_december = at("2026-12-02T03:00:00Z");
        assert_eq!(event_time("2026-11", early_december), at("2026-11-30T23:59:59Z").timestamp());
        assert_eq!(event_time("2026-02", at("2026-03-01T01:00:00Z")), at("2026-02-28T23:59:59Z").timestamp());
        // Further back than 35 days: now.
        assert_eq!(event_time("2026-09", early_december), early_december.timestamp());
        assert_eq!(event_time("bogus", early_december), early_december.timestamp());
    }
}
