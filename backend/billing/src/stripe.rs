//! Calls to Stripe through `async-stripe`'s client (HTTP, authentication, idempotency keys, retries): a customer
//! per workspace, Checkout Sessions for a plan's subscription, Customer Portal sessions. Answers are read into
//! small types of our own holding only what Meridian uses, so they read the same across API versions and from the
//! Stripe-compatible servers the tests run against.

use serde::Serialize;
use std::collections::BTreeMap;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy};
use stripe_client_core::{RequestBuilder, StripeMethod};

/// Why a call to Stripe failed.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe refused the request for good (400 or 404: a bad price id, a deleted customer): our configuration or
    /// data.
    #[error("Stripe refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    /// Stripe could not be reached, timed out, refused the key, asked to slow down or answered something
    /// unreadable: try again later.
    #[error("Stripe is not reachable: {0}")]
    Unavailable(String),
}

impl From<stripe::StripeError> for StripeError {
    fn from(e: stripe::StripeError) -> Self {
        match e {
            // A request Stripe will refuse again however often it comes: a bad parameter, an object it does not
            // know. Everything else (a revoked or rotated key, an idempotency key in use by a concurrent request,
            // rate limits, outages) may pass later.
            stripe::StripeError::Stripe(err, status) if matches!(status, 400 | 404) => {
                Self::Refused { status, message: err.message.clone().unwrap_or_else(|| "no message".into()) }
            }
            other => Self::Unavailable(other.to_string()),
        }
    }
}

/// What Stripe answers with an object id (and, for sessions, the page to send the person to).
#[derive(Debug, miniserde::Deserialize)]
struct Created {
    id: String,
    url: Option<String>,
}

/// A Checkout Session to start: the workspace's subscription to one plan's monthly price.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub customer: &'a str,
    /// The flat monthly price.
    pub price: &'a str,
    /// Metered prices (storage beyond the included amount): lines without a quantity, billed from meter events.
    pub metered_prices: &'a [&'a str],
    pub workspace_id: &'a str,
    pub plan: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// The same key for a retried request, so a retry never makes a second session.
    pub idempotency_key: &'a str,
}

#[derive(Serialize)]
struct LineItem<'a> {
    price: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<u32>,
}

#[derive(Serialize)]
struct SubscriptionData<'a> {
    metadata: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct CheckoutForm<'a> {
    mode: &'a str,
    customer: &'a str,
    client_reference_id: &'a str,
    line_items: Vec<LineItem<'a>>,
    success_url: &'a str,
    cancel_url: &'a str,
    metadata: BTreeMap<&'a str, &'a str>,
    subscription_data: SubscriptionData<'a>,
}

#[derive(Serialize)]
struct CustomerForm<'a> {
    name: &'a str,
    email: &'a str,
    metadata: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct MeterEventForm<'a> {
    event_name: &'a str,
    identifier: &'a str,
    timestamp: i64,
    payload: BTreeMap<&'a str, &'a str>,
}

/// One meter event: `value` units of `event_name` for `customer`, at `timestamp` (Unix seconds).
#[derive(Debug, Clone)]
pub struct MeterEvent<'a> {
    pub event_name: &'a str,
    pub customer: &'a str,
    pub value: u64,
    /// Unique per thing counted (workspace, tier, month): Stripe counts an identifier once, and the same string is
    /// the request's idempotency key, so a retry or a second run of the job never counts twice.
    pub identifier: &'a str,
    pub timestamp: i64,
}

#[derive(Debug, miniserde::Deserialize)]
struct SessionStatus {
    status: Option<String>,
}

/// A Checkout Session as Meridian needs it: its id, and Stripe's page for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    pub url: String,
}

#[derive(Debug, miniserde::Deserialize)]
struct Item {
    id: String,
}

#[derive(Debug, miniserde::Deserialize)]
struct ItemList {
    data: Vec<Item>,
}

#[derive(Debug, miniserde::Deserialize)]
struct SubscriptionItems {
    items: Option<ItemList>,
}

#[derive(Serialize)]
struct ItemChange<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<u32>,
}

#[derive(Serialize)]
struct SubscriptionChange<'a> {
    items: Vec<ItemChange<'a>>,
    metadata: BTreeMap<&'a str, &'a str>,
    proration_behavior: &'a str,
}

/// A running subscription moved to another plan's prices.
#[derive(Debug, Clone)]
pub struct PlanChange<'a> {
    pub subscription: &'a str,
    pub price: &'a str,
    pub metered_prices: &'a [&'a str],
    pub workspace_id: &'a str,
    pub plan: &'a str,
    pub idempotency_key: &'a str,
}

#[derive(Debug, miniserde::Deserialize)]
struct MeterEventAnswer {
    identifier: String,
}

#[derive(Serialize)]
struct PortalForm<'a> {
    customer: &'a str,
    return_url: &'a str,
}

/// Stripe's API with the server's secret key.
#[derive(Clone)]
pub struct StripeApi {
    client: Client,
}

impl std::fmt::Debug for StripeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StripeApi(<secret key redacted>)")
    }
}

/// An id in a URL path: Stripe's ids are `[A-Za-z0-9_]`; anything else is escaped.
fn urlencode(id: &str) -> String {
    id.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn idempotent(key: &str) -> Result<RequestStrategy, StripeError> {
    let key = IdempotencyKey::new(key).map_err(|e| StripeError::Unavailable(format!("idempotency key: {e}")))?;
    Ok(RequestStrategy::Idempotent(key))
}

impl StripeApi {
    /// A client for `secret_key`; `api_url` replaces `https://api.stripe.com/` (a Stripe-compatible test server).
    pub fn new(secret_key: &str, api_url: Option<&str>) -> Result<Self, StripeError> {
        // The process's TLS provider, unless one was chosen already: two are compiled in (ring, and aws-lc-rs by
        // the S3 client), and then rustls picks none by itself.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = ClientBuilder::new(secret_key).timeout(std::time::Duration::from_secs(30));
        if let Some(url) = api_url.filter(|u| !u.trim().is_empty()) {
            let url = if url.ends_with('/') { url.to_owned() } else { format!("{url}/") };
            builder = builder.url(url);
        }
        let client = builder.build().map_err(|e| StripeError::Unavailable(format!("building the client: {e}")))?;
        Ok(Self { client })
    }

    /// Makes the workspace's customer (once: `idempotency_key` names the workspace).
    pub async fn create_customer(
        &self,
        workspace_id: &str,
        name: &str,
        email: &str,
        idempotency_key: &str,
    ) -> Result<String, StripeError> {
        let form = CustomerForm { name, email, metadata: BTreeMap::from([("workspace_id", workspace_id)]) };
        let created: Created = RequestBuilder::new(StripeMethod::Post, "/customers")
            .form(&form)
            .customize()
            .request_strategy(idempotent(idempotency_key)?)
            .send(&self.client)
            .await?;
        Ok(created.id)
    }

    /// Starts a Checkout Session: its id and Stripe's payment page.
    pub async fn create_checkout_session(&self, r: &CheckoutRequest<'_>) -> Result<CheckoutSession, StripeError> {
        let metadata = BTreeMap::from([("workspace_id", r.workspace_id), ("plan", r.plan)]);
        let form = CheckoutForm {
            mode: "subscription",
            customer: r.customer,
            client_reference_id: r.workspace_id,
            line_items: std::iter::once(LineItem { price: r.price, quantity: Some(1) })
                .chain(r.metered_prices.iter().map(|price| LineItem { price, quantity: None }))
                .collect(),
            success_url: r.success_url,
            cancel_url: r.cancel_url,
            metadata: metadata.clone(),
            subscription_data: SubscriptionData { metadata },
        };
        let created: Created = RequestBuilder::new(StripeMethod::Post, "/checkout/sessions")
            .form(&form)
            .customize()
            .request_strategy(idempotent(r.idempotency_key)?)
            .send(&self.client)
            .await?;
        match created.url {
            Some(url) => Ok(CheckoutSession { id: created.id, url }),
            None => Err(StripeError::Unavailable(format!("checkout session {} has no url", created.id))),
        }
    }

    /// Expires an open Checkout Session, so it can no longer be paid. Stripe refuses (400) a session that is not
    /// open any more: then [`StripeApi::checkout_session_status`] says whether it was paid.
    pub async fn expire_checkout_session(&self, id: &str) -> Result<(), StripeError> {
        let path = format!("/checkout/sessions/{}/expire", urlencode(id));
        let _: SessionStatus = RequestBuilder::new(StripeMethod::Post, path).customize().send(&self.client).await?;
        Ok(())
    }

    /// A Checkout Session's status: `open`, `complete` or `expired`.
    pub async fn checkout_session_status(&self, id: &str) -> Result<String, StripeError> {
        let path = format!("/checkout/sessions/{}", urlencode(id));
        let s: SessionStatus = RequestBuilder::new(StripeMethod::Get, path).customize().send(&self.client).await?;
        Ok(s.status.unwrap_or_default())
    }

    /// Moves a subscription to another plan: its items (the old plan's flat and metered prices) are replaced by
    /// the new plan's, the difference invoiced and charged at once; its metadata names the new plan. Stripe's
    /// `customer.subscription.updated` event then applies the plan.
    pub async fn change_subscription_plan(&self, c: &PlanChange<'_>) -> Result<(), StripeError> {
        let path = format!("/subscriptions/{}", urlencode(c.subscription));
        let current: SubscriptionItems =
            RequestBuilder::new(StripeMethod::Get, path.clone()).customize().send(&self.client).await?;
        let old: Vec<String> = current.items.map(|l| l.data.into_iter().map(|i| i.id).collect()).unwrap_or_default();
        let mut items: Vec<ItemChange<'_>> = old
            .iter()
            .map(|id| ItemChange { id: Some(id), deleted: Some(true), price: None, quantity: None })
            .collect();
        items.push(ItemChange { id: None, deleted: None, price: Some(c.price), quantity: Some(1) });
        items.extend(c.metered_prices.iter().map(|p| ItemChange {
            id: None,
            deleted: None,
            price: Some(p),
            quantity: None,
        }));
        let form = SubscriptionChange {
            items,
            metadata: BTreeMap::from([("workspace_id", c.workspace_id), ("plan", c.plan)]),
            // The difference is invoiced and charged at once (an upgrade is paid when it applies; if that payment
            // fails, `invoice.payment_failed` starts the grace period as for any other).
            proration_behavior: "always_invoice",
        };
        let _: Created = RequestBuilder::new(StripeMethod::Post, path)
            .form(&form)
            .customize()
            .request_strategy(idempotent(c.idempotency_key)?)
            .send(&self.client)
            .await?;
        Ok(())
    }

    /// Sends a Billing Meter event; the identifier Stripe recorded.
    pub async fn create_meter_event(&self, e: &MeterEvent<'_>) -> Result<String, StripeError> {
        let value = e.value.to_string();
        let form = MeterEventForm {
            event_name: e.event_name,
            identifier: e.identifier,
            timestamp: e.timestamp,
            payload: BTreeMap::from([("stripe_customer_id", e.customer), ("value", value.as_str())]),
        };
        let answer: MeterEventAnswer = RequestBuilder::new(StripeMethod::Post, "/billing/meter_events")
            .form(&form)
            .customize()
            .request_strategy(idempotent(e.identifier)?)
            .send(&self.client)
            .await?;
        Ok(answer.identifier)
    }

    /// Starts a Customer Portal session (cards, invoices, cancelling); the URL of its page.
    pub async fn create_portal_session(&self, customer: &str, return_url: &str) -> Result<String, StripeError> {
        let created: Created = RequestBuilder::new(StripeMethod::Post, "/billing_portal/sessions")
            .form(&PortalForm { customer, return_url })
            .customize()
            .send(&self.client)
            .await?;
        created.url.ok_or_else(|| StripeError::Unavailable(format!("portal session {} has no url", created.id)))
    }
}
