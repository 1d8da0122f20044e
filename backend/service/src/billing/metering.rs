//! Storage beyond a plan's included amount, billed through Stripe Billing Meters. Once a month is over, each
//! workspace gets one meter event per tier whose plan has a meter: the whole GiB-months it kept beyond the included
//! amount that month (from the hourly usage metering; the included amount counted for the month's real length),
//! dated the month's last second, with the identifier `meridian-{workspace}-{tier}-{YYYY-MM}`. The same identifier
//! is the request's idempotency key, and the row recorded after Stripe answered keeps the job from sending it
//! again: a retried request, a job that died between sending and recording, or two workers running at once never
//! bill a month twice.
//!
//! A month is billed only when a subscription covered its last second (the one Stripe bills the event on), on the
//! terms of the plan the month ended on (recorded by the hourly metering that closed the month), whatever plan the
//! workspace is on when the report is made. A month no subscription covered is recorded as skipped (three days
//! after its end, Stripe's time to deliver a late subscription event), one that ended more than 34 days before it
//! could be sent as expired (Stripe takes events from the past 35 days): neither comes back, neither is billed.

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

/// The first and the last second of a `YYYY-MM` month (UTC).
fn month_bounds(month: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0)?;
    let start = start.and_utc();
    Some((start, crate::data::jobs::next_month(start) - Duration::seconds(1)))
}

/// How Stripe may take a closed month's event at `now`.
fn too_late(last_second: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_second > Duration::days(34)
}

impl Services {
    /// Reports the overage of every month that is over and not reported yet. Nothing with billing off. A refusal
    /// by Stripe (a meter it does not know) is recorded with its reason and not retried; when Stripe cannot be
    /// reached (or refuses the key, or is busy with the same request) the workspace's remaining months wait, the
    /// other workspaces go on, and the run fails at the end so the job retries.
    #[tracing::instrument(skip(self))]
    pub async fn report_meter_usage(&self, now: DateTime<Utc>) -> ServiceResult<MeteringReport> {
        let mut out = MeteringReport::default();
        let Some(stripe) = self.stripe() else {
            return Ok(out);
        };
        let current = month_key(now);
        let mut failure = None;
        for (ws, customer) in store::customers(self.db()).await? {
            let subscriptions = store::subscriptions_of(self.db(), ws).await?;
            let Some(first) = subscriptions.iter().map(|s| s.created_at).min() else {
                continue;
            };
            let since = month_key(first);
            let done: HashSet<(String, meridian_domain::Tier)> =
                store::meter_reports_of(self.db(), ws, 1000).await?.into_iter().map(|r| (r.month, r.tier)).collect();
            let mut months = usage::months(self.db(), ws, 36).await?;
            months.sort_by(|a, b| a.month.cmp(&b.month));
            for m in months {
                if m.month >= current || m.month < since || done.contains(&(m.month.clone(), m.tier)) {
                    continue;
                }
                let Some((start, last_second)) = month_bounds(&m.month) else {
                    continue;
                };
                let covering = subscriptions
                    .iter()
                    .filter(|s| s.created_at <= last_second && s.final_at.is_none_or(|f| f > last_second))
                    .max_by_key(|s| s.created_at);
                let record = |status, gib_months, event_name: &str, detail: Option<String>| MeterReport {
                    workspace: ws,
                    month: m.month.clone(),
                    tier: m.tier,
                    event_name: event_name.to_owned(),
                    identifier: format!("meridian-{ws}-{}-{}", m.tier.as_str(), m.month),
                    gib_months,
                    status,
                    detail,
                    reported_at: crate::now(),
                };
                let Some(subscription) = covering else {
                    // Stripe retries a webhook for three days: a subscription that covered the month's end may
                    // still be on its way. After that, the month is settled as not billable.
                    if now - last_second < Duration::days(3) {
                        continue;
                    }
                    let why = "no subscription covered the month's end".to_owned();
                    store::save_meter_report(self.db(), &record(MeterReportStatus::Skipped, 0, "", Some(why))).await?;
                    continue;
                };
                // The plan the month ended on (kept when metering closed the month); before that was kept, the
                // covering subscription's.
                let plan = m.plan.as_ref().unwrap_or(&subscription.plan);
                let terms = self.config().plans.get(plan).tier(m.tier);
                let Some(meter) = terms.overage.as_ref().and_then(|o| o.stripe_meter.as_deref()) else {
                    continue;
                };
                #[expect(clippy::cast_precision_loss, reason = "seconds of a month")]
                let month_secs = ((last_second - start).num_seconds() + 1) as f64;
                let gib_months =
                    terms.overage_gib_months(meridian_domain::data::gib_months(m.byte_seconds), month_secs);
                if gib_months == 0 {
                    continue;
                }
                if too_late(last_second, now) {
                    let why = "the month ended more than 34 days before it could be reported".to_owned();
                    let report = record(MeterReportStatus::Expired, gib_months, meter, Some(why));
                    tracing::warn!(workspace = %ws, month = %m.month, tier = %m.tier.as_str(), gib_months,
                        "storage overage not billed: too late for Stripe");
                    store::save_meter_report(self.db(), &report).await?;
                    continue;
                }
                let report = record(MeterReportStatus::Sent, gib_months, meter, None);
                let event = MeterEvent {
                    event_name: meter,
                    customer: &customer,
                    value: gib_months.unsigned_abs(),
                    identifier: &report.identifier,
                    timestamp: last_second.timestamp(),
                };
                let report = match stripe.create_meter_event(&event).await {
                    Ok(_) => {
                        out.sent += 1;
                        report
                    }
                    Err(e @ StripeError::Refused { .. }) => {
                        tracing::warn!(workspace = %ws, month = %m.month, tier = %m.tier.as_str(), error = %e,
                            "Stripe refused a meter event; not retried");
                        out.refused += 1;
                        MeterReport { status: MeterReportStatus::Refused, detail: Some(e.to_string()), ..report }
                    }
                    Err(e) => {
                        // This workspace's later months wait for the retry (they go in order); others go on.
                        failure.get_or_insert(stripe_failure(e));
                        break;
                    }
                };
                store::save_meter_report(self.db(), &report).await?;
                tracing::info!(workspace = %ws, month = %m.month, tier = %m.tier.as_str(), gib_months,
                    status = report.status.as_str(), "storage overage reported to Stripe");
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_have_their_real_bounds_and_stripe_takes_them_for_34_days() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(month_bounds("2026-11"), Some((at("2026-11-01T00:00:00Z"), at("2026-11-30T23:59:59Z"))));
        assert_eq!(month_bounds("2028-02").map(|b| b.1), Some(at("2028-02-29T23:59:59Z")));
        assert_eq!(month_bounds("2026-12").map(|b| b.1), Some(at("2026-12-31T23:59:59Z")));
        assert_eq!(month_bounds("bogus"), None);
        let end = at("2026-11-30T23:59:59Z");
        assert!(!too_late(end, at("2026-12-02T03:00:00Z")));
        assert!(!too_late(end, at("2027-01-03T23:59:59Z")));
        assert!(too_late(end, at("2027-01-04T00:00:00Z")));
    }
}
