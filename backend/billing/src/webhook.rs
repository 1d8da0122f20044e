//! Stripe's webhooks: the `Stripe-Signature` check (scheme v1: HMAC-SHA256 over `"{t}.{body}"` with the
//! endpoint's signing secret, hex; a timestamp within the tolerance, either way) and the events Meridian acts on.
//!
//! The signature is checked here rather than by `async-stripe-webhook`'s `construct_event`, which also parses the
//! event into the types of the API version it pins and refuses an event that lacks a field that version requires:
//! events from an endpoint on another API version (or from the Stripe-compatible servers the tests run against)
//! would be refused after a valid signature. What Meridian reads of an event is small and read leniently below.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far a signature's timestamp may be from now, in seconds (Stripe's libraries use 300).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook's signature is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or not of the form t=…,v1=…")]
    Malformed,
    #[error("the signature is {0} s away from now (at most {TOLERANCE_SECS} s)")]
    Stale(i64),
    #[error("no v1 signature matches a signing secret of this endpoint")]
    Mismatch,
    #[error("no webhook signing secret is configured")]
    NoSecret,
}

/// The v1 signature of `body` at `timestamp` with `secret` (hex), as Stripe computes it.
#[must_use]
pub fn sign(body: &[u8], timestamp: i64, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A `Stripe-Signature` header for `body`, as Stripe sends it (for tests and stand-ins).
#[must_use]
pub fn signature_header(body: &[u8], timestamp: i64, secret: &str) -> String {
    format!("t={timestamp},v1={}", sign(body, timestamp, secret))
}

/// Checks `header` (the `Stripe-Signature` value) against `body` at `now` (Unix seconds). Every v1 signature in
/// the header is tried against every secret: Stripe sends one per secret while a secret is being rolled, and the
/// endpoint accepts the old and the new one meanwhile.
pub fn verify(body: &[u8], header: &str, secrets: &[String], now: i64) -> Result<(), SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", s)) => signatures.push(hex::decode(s).map_err(|_| SignatureError::Malformed)?),
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let (Some(t), false) = (timestamp, signatures.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    let off = now.saturating_sub(t);
    if off.abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale(off));
    }
    let matched = secrets.iter().any(|secret| {
        let expected = hex::decode(sign(body, t, secret)).unwrap_or_default();
        signatures.iter().any(|s| bool::from(s.as_slice().ct_eq(expected.as_slice())))
    });
    if matched { Ok(()) } else { Err(SignatureError::Mismatch) }
}

/// An event as Stripe sends it, with its object left as JSON until its type says what it is.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// When Stripe created the event (Unix seconds): the order of what happened.
    pub created: i64,
    #[serde(default)]
    pub livemode: bool,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// What an event says, for the events Meridian acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    CheckoutCompleted(CheckoutSession),
    Subscription {
        deleted: bool,
        subscription: Subscription,
    },
    Invoice {
        event: InvoiceEvent,
        invoice: Invoice,
    },
    /// Any other event: acknowledged, stored, not acted on.
    Other,
}

/// What an invoice event says happened to the invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceEvent {
    /// `invoice.paid`.
    Paid,
    /// `invoice.payment_failed`: an attempt failed (the invoice stays open while Stripe retries).
    PaymentFailed,
    /// `invoice.voided`: nothing is owed any more.
    Voided,
    /// `invoice.marked_uncollectible`: written off.
    MarkedUncollectible,
}

/// Why an event's object could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the {kind} event's object does not read: {source}")]
pub struct EventError {
    kind: String,
    source: serde_json::Error,
}

impl Event {
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// The change the event announces.
    pub fn change(&self) -> Result<Change, EventError> {
        let object = self.data.object.clone();
        let fail = |source| EventError { kind: self.kind.clone(), source };
        Ok(match self.kind.as_str() {
            "checkout.session.completed" => Change::CheckoutCompleted(serde_json::from_value(object).map_err(fail)?),
            "customer.subscription.created" | "customer.subscription.updated" => {
                Change::Subscription { deleted: false, subscription: serde_json::from_value(object).map_err(fail)? }
            }
            "customer.subscription.deleted" => {
                Change::Subscription { deleted: true, subscription: serde_json::from_value(object).map_err(fail)? }
            }
            "invoice.paid" | "invoice.payment_failed" | "invoice.voided" | "invoice.marked_uncollectible" => {
                let event = match self.kind.as_str() {
                    "invoice.paid" => InvoiceEvent::Paid,
                    "invoice.payment_failed" => InvoiceEvent::PaymentFailed,
                    "invoice.voided" => InvoiceEvent::Voided,
                    _ => InvoiceEvent::MarkedUncollectible,
                };
                Change::Invoice { event, invoice: serde_json::from_value(object).map_err(fail)? }
            }
            _ => Change::Other,
        })
    }
}

/// An id, or the object it names when Stripe expanded it (`"cus_1"` or `{"id": "cus_1", ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Expandable {
    Id(String),
    Object { id: String },
}

impl Expandable {
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::Id(id) | Self::Object { id } => id,
        }
    }
}

/// A Checkout Session (the fields Meridian reads).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    #[serde(default)]
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub customer: Option<Expandable>,
    #[serde(default)]
    pub subscription: Option<Expandable>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub payment_status: Option<String>,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
}

/// A Subscription (the fields Meridian reads). Its period sits on the subscription in older API versions and on
/// each item since 2025-03-31; both are read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub customer: Expandable,
    pub status: String,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub cancel_at_period_end: bool,
    #[serde(default)]
    pub current_period_end: Option<i64>,
    #[serde(default)]
    pub ended_at: Option<i64>,
    #[serde(default)]
    pub metadata: std::collections::HashMap<String, String>,
    #[serde(default)]
    pub items: Items,
    /// Older API versions (and localstripe) name the plan here too.
    #[serde(default)]
    pub plan: Option<PriceRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Items {
    #[serde(default)]
    pub data: Vec<SubscriptionItem>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubscriptionItem {
    #[serde(default)]
    pub price: Option<PriceRef>,
    #[serde(default)]
    pub plan: Option<PriceRef>,
    #[serde(default)]
    pub current_period_end: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PriceRef {
    pub id: String,
}

impl Subscription {
    /// The price ids of its items (a price, or a legacy plan, per item).
    #[must_use]
    pub fn price_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .items
            .data
            .iter()
            .filter_map(|i| i.price.as_ref().or(i.plan.as_ref()).map(|p| p.id.as_str()))
            .collect();
        if let Some(p) = &self.plan
            && !ids.contains(&p.id.as_str())
        {
            ids.push(&p.id);
        }
        ids
    }

    /// The end of the period paid for: the subscription's own, or its items' latest.
    #[must_use]
    pub fn period_end(&self) -> Option<i64> {
        self.current_period_end.or_else(|| self.items.data.iter().filter_map(|i| i.current_period_end).max())
    }

    /// Whether the subscription is over for good (`canceled`, `incomplete_expired`): no later event undoes that.
    #[must_use]
    pub fn is_final(&self) -> bool {
        matches!(self.status.as_str(), "canceled" | "incomplete_expired")
    }
}

/// An Invoice (the fields Meridian reads).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Invoice {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub customer: Option<Expandable>,
    #[serde(default)]
    pub subscription: Option<Expandable>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub amount_due: i64,
    #[serde(default)]
    pub amount_paid: i64,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub hosted_invoice_url: Option<String>,
    #[serde(default)]
    pub period_start: Option<i64>,
    #[serde(default)]
    pub period_end: Option<i64>,
    #[serde(default)]
    pub created: Option<i64>,
    /// Since 2025-03-31 the subscription is named under `parent.subscription_details`.
    #[serde(default)]
    pub parent: Option<InvoiceParent>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InvoiceParent {
    #[serde(default)]
    pub subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SubscriptionDetails {
    #[serde(default)]
    pub subscription: Option<Expandable>,
}

impl Invoice {
    /// The subscription it bills, wherever the API version puts it.
    #[must_use]
    pub fn subscription_id(&self) -> Option<&str> {
        self.subscription
            .as_ref()
            .or_else(|| self.parent.as_ref()?.subscription_details.as_ref()?.subscription.as_ref())
            .map(Expandable::id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const NOW: i64 = 1_780_000_000;

    #[test]
    fn a_signature_made_as_stripe_makes_it_verifies() {
        let body = br#"{"id":"evt_1"}"#;
        let header = signature_header(body, NOW, SECRET);
        assert_eq!(verify(body, &header, &[SECRET.to_owned()], NOW), Ok(()));
        // Stripe's documented example shape: other schemes and unknown keys are ignored.
        let with_v0 = format!("{header},v0=abcdef,x=1");
        assert_eq!(verify(body, &with_v0, &[SECRET.to_owned()], NOW + 10), Ok(()));
    }

    #[test]
    fn tampering_staleness_and_wrong_secrets_are_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let header = signature_header(body, NOW, SECRET);
        let secrets = [SECRET.to_owned()];
        assert_eq!(verify(br#"{"id":"evt_2"}"#, &header, &secrets, NOW), Err(SignatureError::Mismatch));
        assert_eq!(verify(body, &header, &["whsec_other".to_owned()], NOW), Err(SignatureError::Mismatch));
        assert_eq!(verify(body, &header, &secrets, NOW + 301), Err(SignatureError::Stale(301)));
        assert_eq!(verify(body, &header, &secrets, NOW - 301), Err(SignatureError::Stale(-301)));
        assert_eq!(verify(body, &header, &[], NOW), Err(SignatureError::NoSecret));
        for h in ["", "t=1", "v1=00", "t=x,v1=00", "t=1,v1=zz", "garbage"] {
            assert_eq!(verify(body, h, &secrets, NOW), Err(SignatureError::Malformed), "{h}");
        }
        // The timestamp is signed: moving it breaks the signature.
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(verify(body, &moved, &secrets, NOW), Err(SignatureError::Mismatch));
    }

    #[test]
    fn while_a_secret_is_rolled_both_verify() {
        let body = b"{}";
        let (old, new) = ("whsec_old".to_owned(), "whsec_new".to_owned());
        let both = format!("t={NOW},v1={},v1={}", sign(body, NOW, &old), sign(body, NOW, &new));
        assert_eq!(verify(body, &both, std::slice::from_ref(&new), NOW), Ok(()));
        assert_eq!(verify(body, &both, std::slice::from_ref(&old), NOW), Ok(()));
        let only_old = signature_header(body, NOW, &old);
        assert_eq!(verify(body, &only_old, &[new.clone(), old.clone()], NOW), Ok(()));
        assert_eq!(verify(body, &only_old, &[new], NOW), Err(SignatureError::Mismatch));
    }

    #[test]
    fn subscriptions_of_old_and_new_api_versions_read_alike() {
        let new_shape = serde_json::json!({
            "id": "sub_1", "customer": "cus_1", "status": "active", "created": 10,
            "items": {"data": [{"price": {"id": "price_obs"}, "current_period_end": 99}]},
            "metadata": {"workspace_id": "w"}
        });
        let old_shape = serde_json::json!({
            "id": "sub_1", "customer": {"id": "cus_1"}, "status": "canceled", "current_period_end": 99,
            "plan": {"id": "price_obs"}, "items": {"data": [{"plan": {"id": "price_obs"}}]}
        });
        for (v, final_) in [(new_shape, false), (old_shape, true)] {
            let s: Subscription = serde_json::from_value(v).unwrap();
            assert_eq!((s.customer.id(), s.price_ids(), s.period_end()), ("cus_1", vec!["price_obs"], Some(99)));
            assert_eq!(s.is_final(), final_);
        }
    }

    #[test]
    fn events_say_what_changed() {
        let event = |kind: &str, object: serde_json::Value| Event {
            id: "evt_1".into(),
            kind: kind.into(),
            created: NOW,
            livemode: false,
            data: EventData { object },
        };
        let sub = serde_json::json!({"id": "sub_1", "customer": "cus_1", "status": "active"});
        assert!(matches!(
            event("customer.subscription.deleted", sub.clone()).change().unwrap(),
            Change::Subscription { deleted: true, .. }
        ));
        let invoice = serde_json::json!({"id": "in_1", "amount_due": 1900,
            "parent": {"subscription_details": {"subscription": "sub_1"}}});
        match event("invoice.payment_failed", invoice).change().unwrap() {
            Change::Invoice { event: InvoiceEvent::PaymentFailed, invoice } => {
                assert_eq!(invoice.subscription_id(), Some("sub_1"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(event("customer.created", sub).change().unwrap(), Change::Other);
        assert!(event("customer.subscription.updated", serde_json::json!({"id": 5})).change().is_err());
    }
}
