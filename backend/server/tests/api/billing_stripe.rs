//! Billing against Stripe-compatible servers on loopback (`infra/devservices.sh start emulate`: `emulate` from npm
//! for customers, prices and Checkout Sessions with their hosted page, and our stand-in in front of it for the
//! Billing Portal, Billing Meters and the subscription a completed checkout makes; `STRIPE_API_URL`). Meridian's
//! own Stripe client makes every call; the webhooks are the ones those servers signed, delivered here as Stripe
//! would deliver them. Without `STRIPE_API_URL` (a developer's quick run) the tests say so and pass; CI sets it.

use crate::helpers::*;
use actix_web::http::{Method, StatusCode};
use chrono::Datelike as _;
use meridian_service::ServiceConfig;
use meridian_service::billing::{BillingConfig, StripeApi};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

const SECRET: &str = "whsec_test_secret";
const KEY: &str = "sk_test_meridian";

/// The Stripe-compatible server, as the tests see it.
struct Stripe {
    url: String,
    http: reqwest::Client,
}

impl Stripe {
    fn from_env() -> Option<Self> {
        let Ok(url) = std::env::var("STRIPE_API_URL") else {
            assert!(std::env::var_os("CI").is_none(), "CI runs the Stripe tests: STRIPE_API_URL must be set");
            eprintln!("skipped: STRIPE_API_URL not set (infra/devservices.sh start emulate)");
            return None;
        };
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Some(Self { url: url.trim_end_matches('/').to_owned(), http })
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let r = self.http.post(format!("{}{path}", self.url)).bearer_auth(KEY).form(form).send().await.expect("post");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.expect("json")
    }

    /// The Billing Meter counting `event_name` (made once per Stripe server: event names are unique).
    async fn meter(&self, event_name: &str) -> String {
        let r = self.http.get(format!("{}/v1/billing/meters", self.url)).bearer_auth(KEY).send().await.expect("meters");
        let list: Value = r.json().await.expect("json");
        if let Some(m) = list["data"].as_array().and_then(|d| d.iter().find(|m| m["event_name"] == event_name)) {
            return m["id"].as_str().expect("meter id").to_owned();
        }
        let form = [("display_name", event_name), ("event_name", event_name), ("default_aggregation[formula]", "sum")];
        self.post("/v1/billing/meters", &form).await["id"].as_str().expect("meter id").to_owned()
    }

    /// A monthly price of a new product; with a meter, billed from that meter's events.
    async fn price(&self, name: &str, cents: &str, meter: Option<&str>) -> String {
        let product = self.post("/v1/products", &[("name", name)]).await;
        let product = product["id"].as_str().expect("product id");
        let mut form =
            vec![("product", product), ("currency", "eur"), ("unit_amount", cents), ("recurring[interval]", "month")];
        if let Some(m) = meter {
            form.extend([("recurring[usage_type]", "metered"), ("recurring[meter]", m)]);
        }
        self.post("/v1/prices", &form).await["id"].as_str().expect("price id").to_owned()
    }

    async fn session_status(&self, id: &str) -> String {
        let r = self.http.get(format!("{}/v1/checkout/sessions/{id}", self.url)).bearer_auth(KEY).send().await;
        r.expect("session").json::<Value>().await.expect("json")["status"].as_str().unwrap_or_default().to_owned()
    }

    async fn events(&self) -> Vec<Value> {
        let r = self.http.get(format!("{}/_standin/events", self.url)).send().await.expect("events");
        r.json::<Value>().await.expect("json")["data"].as_array().expect("data").clone()
    }

    async fn meter_events(&self) -> Vec<Value> {
        let r = self.http.get(format!("{}/_standin/meter_events", self.url)).send().await.expect("meter events");
        r.json::<Value>().await.expect("json")["data"].as_array().expect("data").clone()
    }
}

/// The events Stripe sent since `from` that mention `needle` (a customer or workspace id), with their bodies.
async fn new_events(stripe: &Stripe, from: usize, needle: &str) -> Vec<Value> {
    stripe
        .events()
        .await
        .into_iter()
        .skip(from)
        .filter(|e| e["body"].as_str().is_some_and(|b| b.contains(needle)))
        .collect()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap_or_default()).collect()
}

/// Delivers an event exactly as the Stripe-compatible server signed it.
async fn deliver(app: &TestApp, e: &Value) -> Reply {
    let body = e["body"].as_str().expect("body").as_bytes().to_vec();
    let signature = e["signature"].as_str().expect("signature").to_owned();
    app.client()
        .request_with_headers(
            Method::POST,
            "/api/v1/billing/stripe-webhook",
            vec![("stripe-signature", signature), ("content-type", "application/json".into())],
            Some(body),
        )
        .await
}

struct Prices {
    flat: String,
    hot: String,
    cool: String,
    institution: String,
}

async fn prices(stripe: &Stripe) -> Prices {
    let meter = stripe.meter("hot_gib_months").await;
    Prices {
        flat: stripe.price("Observatory", "1900", None).await,
        hot: stripe.price("Hot storage", "2", Some(&meter)).await,
        // A price on the hot meter, while the plan names a meter Stripe does not have for cool: its events are
        // refused (a configuration mistake the operator sees in `meter_reports`).
        cool: stripe.price("Cool storage", "1", Some(&meter)).await,
        institution: stripe.price("Institution", "9900", None).await,
    }
}

fn catalog(p: &Prices) -> meridian_billing::PlanCatalog {
    let text = format!(
        r#"
[[plans]]
key = "starter"
name = "Starter"
hot = {{ included = "2 KiB" }}
cool = {{ included = "2 KiB" }}
cold = {{ included = "2 KiB" }}
max_file = "2 KiB"
members = 3

[[plans]]
key = "observatory"
name = "Observatory"
monthly_price = "19.00"
stripe_price = "{flat}"
hot = {{ included = "1 GiB", limit = "8 GiB", overage_per_gib_month = "0.02", stripe_meter = "hot_gib_months", stripe_price = "{hot}" }}
cool = {{ included = "1 GiB", limit = "8 GiB", overage_per_gib_month = "0.01", stripe_meter = "no_such_meter", stripe_price = "{cool}" }}
cold = {{ included = "1 GiB" }}
max_file = "1 GiB"

[[plans]]
key = "institution"
name = "Institution"
monthly_price = "99.00"
stripe_price = "{institution}"
hot = {{ included = "64 GiB" }}
cool = {{ included = "64 GiB" }}
cold = {{ included = "64 GiB" }}
max_file = "4 GiB"
"#,
        institution = p.institution,
        flat = p.flat,
        hot = p.hot,
        cool = p.cool
    );
    crate::billing::catalog_from(&text)
}

fn billing(url: &str) -> BillingConfig {
    BillingConfig {
        webhook_secrets: vec![SECRET.to_owned()],
        grace_days: 14,
        stripe: Some(StripeApi::new(KEY, Some(url)).expect("stripe client")),
    }
}

async fn stripe_app(stripe: &Stripe, p: &Prices) -> TestApp {
    TestApp::with_config(ServiceConfig { plans: catalog(p), billing: billing(&stripe.url), ..test_service_config() })
        .await
}

async fn billing_of(c: &mut Client, slug: &str) -> Value {
    let r = c.get(&format!("/api/v1/workspaces/{slug}/billing")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

/// The owner pays for Observatory through Stripe Checkout, and Stripe's webhooks are delivered: the customer id.
async fn subscribe(app: &TestApp, stripe: &Stripe, owner: &mut Client, slug: &str, ws: &str) -> String {
    let r = owner.post(&format!("/api/v1/workspaces/{slug}/billing/checkout"), json!({"plan": "observatory"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let url = r.body["url"].as_str().expect("url").to_owned();
    assert!(url.contains("/checkout/cs_"), "Stripe's payment page: {url}");
    let from = stripe.events().await.len();
    // The person pays on the hosted page; Stripe sends them back to the billing page.
    let done = stripe.http.post(format!("{url}/complete")).send().await.expect("complete");
    assert_eq!(done.status().as_u16(), 302);
    let back = done.headers()["location"].to_str().expect("location");
    assert!(back.ends_with(&format!("/w/{slug}/billing?checkout=done")), "{back}");
    let completed = new_events(stripe, from, ws).await;
    assert_eq!(kinds(&completed), ["checkout.session.completed", "customer.subscription.created"]);
    let object: Value = serde_json::from_str(completed[0]["body"].as_str().expect("body")).expect("event");
    let customer = object["data"]["object"]["customer"].as_str().expect("customer").to_owned();
    let events = new_events(stripe, from, &customer).await;
    assert_eq!(kinds(&events), ["checkout.session.completed", "customer.subscription.created", "invoice.paid"]);
    for e in &events {
        let r = deliver(app, e).await;
        assert_eq!((r.status, r.body["outcome"].as_str()), (StatusCode::OK, Some("applied")), "{}", r.body);
    }
    customer
}

#[actix_web::test]
async fn an_owner_pays_through_checkout_manages_in_the_portal_and_cancels() {
    let Some(stripe) = Stripe::from_env() else { return };
    let p = prices(&stripe).await;
    let app = stripe_app(&stripe, &p).await;
    let (mut owner, _) = app.user("Olga").await;
    let ws = workspace(&mut owner, "paying", "private").await["id"].as_str().expect("id").to_owned();
    let (mut admin, _) = app.user("Ada").await;
    add_member(&app, &mut owner, "paying", "ada@example.org", "admin").await;
    // Invited while there is room (2 of 3), accepted once the workspace is full.
    let (_, _) = app.user("Late").await;
    let r = owner
        .post("/api/v1/workspaces/paying/invitations", json!({"email": "late@example.org", "role": "viewer"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (mut member, _) = app.user("Mel").await;
    add_member(&app, &mut owner, "paying", "mel@example.org", "member").await;
    let token = app.mailed_token("late@example.org", "/invitations/accept").await;
    let (mut late, _) = app.sign_in("late@example.org").await;
    let r = late.post("/api/v1/invitations/accept", json!({"token": token})).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("allows 3 members"), "{}", r.body);
    late.get("/api/v1/workspaces/paying/billing").await.assert_problem(404, "not_found");
    // A member invited again (to a higher role) takes no new place.
    let r =
        owner.post("/api/v1/workspaces/paying/invitations", json!({"email": "mel@example.org", "role": "admin"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (_, key) = api_key(&mut owner, "paying", "write").await;
    let (mut outsider, _) = app.user("Otto").await;

    // Before paying: the starting plan, plans to choose from, no portal yet.
    let b = billing_of(&mut owner, "paying").await;
    assert_eq!((b["plan"]["key"].as_str(), b["billing_enabled"].as_bool()), (Some("starter"), Some(true)));
    assert_eq!(
        (b["can_manage"].as_bool(), b["members"].as_u64(), b["members_limit"].as_u64()),
        (Some(true), Some(3), Some(3))
    );
    owner.post("/api/v1/workspaces/paying/billing/portal", json!({})).await.assert_problem(409, "conflict");
    owner
        .post("/api/v1/workspaces/paying/billing/checkout", json!({"plan": "gold"}))
        .await
        .assert_problem(422, "validation_failed");
    let r = owner.post("/api/v1/workspaces/paying/billing/checkout", json!({"plan": "starter"})).await;
    r.assert_problem(422, "validation_failed");
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("no Stripe price"), "{}", r.body);
    // The starter plan allows 3 members: a fourth is refused, naming the plan.
    let r =
        owner.post("/api/v1/workspaces/paying/invitations", json!({"email": "x@example.org", "role": "viewer"})).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("Starter plan allows 3 members"), "{}", r.body);

    // Admins read billing but do not pay; members, keys and outsiders learn nothing.
    let b = billing_of(&mut admin, "paying").await;
    assert_eq!(b["can_manage"], false);
    admin
        .post("/api/v1/workspaces/paying/billing/checkout", json!({"plan": "observatory"}))
        .await
        .assert_problem(403, "forbidden");
    admin.post("/api/v1/workspaces/paying/billing/portal", json!({})).await.assert_problem(403, "forbidden");
    member.get("/api/v1/workspaces/paying/billing").await.assert_problem(403, "forbidden");
    app.key_client(&key).get("/api/v1/workspaces/paying/billing").await.assert_problem(403, "forbidden");
    outsider.get("/api/v1/workspaces/paying/billing").await.assert_problem(404, "not_found");
    outsider
        .post("/api/v1/workspaces/paying/billing/checkout", json!({"plan": "observatory"}))
        .await
        .assert_problem(404, "not_found");

    // An abandoned checkout, then a second one: the first can no longer be paid (two payments would make two
    // subscriptions), and Stripe made one customer for the workspace.
    let from = stripe.events().await.len();
    let r = owner.post("/api/v1/workspaces/paying/billing/checkout", json!({"plan": "observatory"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let abandoned = r.body["url"].as_str().expect("url").rsplit('/').next().expect("id").to_owned();
    assert_eq!(stripe.session_status(&abandoned).await, "open");
    let customer = subscribe(&app, &stripe, &mut owner, "paying", &ws).await;
    assert_eq!(stripe.session_status(&abandoned).await, "expired");
    let made = new_events(&stripe, from, &ws).await;
    assert_eq!(made.iter().filter(|e| e["type"] == "customer.created").count(), 1, "{:?}", kinds(&made));
    assert_eq!(count(&app, "billing_customers").await, 1);

    // The new limits apply at once; the invoice is on the page.
    let b = billing_of(&mut owner, "paying").await;
    assert_eq!(b["plan"]["key"], "observatory");
    assert_eq!(b["subscription"]["status"], "active");
    assert_eq!(
        (b["invoices"][0]["status"].as_str(), b["invoices"][0]["amount_paid"].as_i64()),
        (Some("paid"), Some(1900))
    );
    assert_eq!(b["tiers"][0]["limit_bytes"], 8u64 << 30);
    assert_eq!(b["projected_total"], "19.00", "nothing stored, no overage: {b}");
    assert!(b["payment_problem"].is_null());
    let r = owner.get("/api/v1/workspaces/paying/storage/usage").await;
    assert_eq!(r.body["plan"], "observatory", "{}", r.body);
    // Paying again is refused: change the plan in the portal.
    owner
        .post("/api/v1/workspaces/paying/billing/checkout", json!({"plan": "observatory"}))
        .await
        .assert_problem(409, "conflict");

    // Switching plans moves the running subscription to the new plan's prices; Stripe's event applies it.
    owner
        .post("/api/v1/workspaces/paying/billing/plan", json!({"plan": "starter"}))
        .await
        .assert_problem(422, "validation_failed");
    owner
        .post("/api/v1/workspaces/paying/billing/plan", json!({"plan": "observatory"}))
        .await
        .assert_problem(409, "conflict");
    admin
        .post("/api/v1/workspaces/paying/billing/plan", json!({"plan": "institution"}))
        .await
        .assert_problem(403, "forbidden");
    let from = stripe.events().await.len();
    let r = owner.post("/api/v1/workspaces/paying/billing/plan", json!({"plan": "institution"})).await;
    assert_eq!((r.status, r.body["plan"].as_str()), (StatusCode::ACCEPTED, Some("institution")), "{}", r.body);
    let events = new_events(&stripe, from, &customer).await;
    assert_eq!(kinds(&events), ["customer.subscription.updated"]);
    let object: Value = serde_json::from_str(events[0]["body"].as_str().expect("body")).expect("event");
    let prices: Vec<&str> = object["data"]["object"]["items"]["data"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["price"]["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(prices, [p.institution.as_str()], "the old plan's flat and metered prices are gone");
    assert_eq!(deliver(&app, &events[0]).await.body["outcome"], "applied");
    let b = billing_of(&mut owner, "paying").await;
    assert_eq!(
        (b["plan"]["key"].as_str(), b["tiers"][0]["limit_bytes"].as_u64()),
        (Some("institution"), Some(64 << 30))
    );
    // And back: the metered prices return as lines without a quantity.
    let from = stripe.events().await.len();
    let r = owner.post("/api/v1/workspaces/paying/billing/plan", json!({"plan": "observatory"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let events = new_events(&stripe, from, &customer).await;
    let object: Value = serde_json::from_str(events[0]["body"].as_str().expect("body")).expect("event");
    let items = object["data"]["object"]["items"]["data"].as_array().expect("items").clone();
    let lines: Vec<(&str, Option<u64>)> =
        items.iter().map(|i| (i["price"]["id"].as_str().unwrap_or_default(), i["quantity"].as_u64())).collect();
    assert_eq!(lines, [(p.flat.as_str(), Some(1)), (p.hot.as_str(), None), (p.cool.as_str(), None)]);
    assert_eq!(deliver(&app, &events[0]).await.body["outcome"], "applied");
    assert_eq!(billing_of(&mut owner, "paying").await["plan"]["key"], "observatory");

    // A failed payment: no switching until it is paid.
    let subscription = object["data"]["object"]["id"].as_str().expect("subscription id");
    let failed = json!({"id": "evt_failed_payment", "object": "event", "type": "invoice.payment_failed",
        "created": chrono::Utc::now().timestamp(), "api_version": "2026-09-30",
        "data": {"object": {"id": "in_failed", "object": "invoice", "customer": customer, "status": "open",
            "amount_due": 1900, "amount_paid": 0, "currency": "eur", "created": chrono::Utc::now().timestamp() + 5,
            "parent": {"subscription_details": {"subscription": subscription}}}}});
    let body = serde_json::to_string(&failed).expect("json");
    let signature =
        meridian_billing::webhook::signature_header(body.as_bytes(), chrono::Utc::now().timestamp(), SECRET);
    assert_eq!(deliver(&app, &json!({"body": body, "signature": signature})).await.body["outcome"], "applied");
    let b = billing_of(&mut owner, "paying").await;
    assert!(b["payment_problem"].as_str().is_some_and(|p| p.contains("payment failed")), "{b}");
    let r = owner.post("/api/v1/workspaces/paying/billing/plan", json!({"plan": "institution"})).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("pay the open invoice"), "{}", r.body);

    // The portal: Stripe's page for this customer, back to the billing page; cancelling there ends the plan.
    let r = owner.post("/api/v1/workspaces/paying/billing/portal", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let portal = r.body["url"].as_str().expect("url").to_owned();
    let page = stripe.http.get(&portal).send().await.expect("portal").text().await.expect("text");
    assert!(page.contains(&customer) && page.contains("/w/paying/billing"), "{page}");
    let from = stripe.events().await.len();
    let r = stripe.http.post(format!("{portal}/cancel")).send().await.expect("cancel");
    assert_eq!(r.status().as_u16(), 303);
    let events = new_events(&stripe, from, &customer).await;
    assert_eq!(kinds(&events), ["customer.subscription.deleted"]);
    assert_eq!(deliver(&app, &events[0]).await.body["outcome"], "applied");
    // Delivered again (Stripe retries): nothing changes.
    assert_eq!(deliver(&app, &events[0]).await.body["outcome"], "replay");
    let b = billing_of(&mut owner, "paying").await;
    assert_eq!((b["plan"]["key"].as_str(), b["subscription"]["status"].as_str()), (Some("starter"), Some("canceled")));
    // The plan's lapse ended with it; the invoice whose payment failed is still owed, and the page says so.
    assert_eq!(
        (b["invoices"][0]["id"].as_str(), b["invoices"][0]["status"].as_str()),
        (Some("in_failed"), Some("payment_failed"))
    );
    assert!(b["plan_lapses_at"].is_null(), "{b}");
    assert!(b["payment_problem"].as_str().is_some_and(|p| p.contains("newest invoice's payment failed")), "{b}");
}

/// A month's storage overage of one tier as stored by the hourly metering: `gib_months` GiB kept a month.
async fn usage_month(app: &TestApp, ws: &str, month: &str, tier: &str, gib_months: f64) {
    let backend = app.conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "INSERT INTO usage_months (workspace_id, month, tier, byte_seconds) VALUES ($1, $2, $3, $4)"
        }
        _ => "INSERT INTO usage_months (workspace_id, month, tier, byte_seconds) VALUES (?, ?, ?, ?)",
    };
    let ws: uuid::Uuid = ws.parse().expect("uuid");
    let byte_seconds = gib_months * f64::from(1u32 << 30) * meridian_domain::data::SECONDS_PER_MONTH;
    app.conn
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [ws.into(), month.into(), tier.into(), byte_seconds.into()],
        ))
        .await
        .expect("usage row");
}

#[actix_web::test]
async fn metering_sends_one_event_per_tier_and_month_however_often_it_runs() {
    let Some(stripe) = Stripe::from_env() else { return };
    let p = prices(&stripe).await;
    let app = stripe_app(&stripe, &p).await;
    let (mut owner, _) = app.user("Olga").await;
    let ws = workspace(&mut owner, "metered", "private").await["id"].as_str().expect("id").to_owned();
    let customer = subscribe(&app, &stripe, &mut owner, "metered", &ws).await;
    // Subscribed two months ago; last month kept 3.7 GiB hot (1 GiB included: 2.7, billed as 3) and 5 GiB cool
    // (no meter on cool); this month is not over.
    let now = chrono::Utc::now();
    let backend = app.conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE subscriptions SET created_at = $1",
        _ => "UPDATE subscriptions SET created_at = ?",
    };
    let since = now - chrono::Duration::days(70);
    app.conn.execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [since.into()])).await.expect("update");
    let last = now.date_naive().with_day(1).expect("first") - chrono::Duration::days(1);
    let (last, this) = (last.format("%Y-%m").to_string(), now.format("%Y-%m").to_string());
    usage_month(&app, &ws, &last, "hot", 3.7).await;
    usage_month(&app, &ws, &last, "cool", 5.0).await;
    usage_month(&app, &ws, &this, "hot", 9.0).await;
    // The month before ended on Institution (no meters: 10 GiB hot was within its plan), although the workspace
    // is on Observatory now: it is billed on its own plan, so nothing is sent for it.
    let before = (now.date_naive().with_day(1).expect("first") - chrono::Duration::days(1)).with_day(1).expect("first")
        - chrono::Duration::days(1);
    let before = before.format("%Y-%m").to_string();
    usage_month(&app, &ws, &before, "hot", 10.0).await;
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE usage_months SET plan = 'institution' WHERE month = $1",
        _ => "UPDATE usage_months SET plan = 'institution' WHERE month = ?",
    };
    app.conn
        .execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [before.clone().into()]))
        .await
        .expect("plan of the month before");

    let mine = |events: Vec<Value>| -> Vec<Value> {
        events.into_iter().filter(|e| e["payload"]["stripe_customer_id"] == customer.as_str()).collect()
    };
    // Stripe unreachable: the run fails (the job retries) and records nothing.
    let config = ServiceConfig { plans: catalog(&p), billing: billing("http://127.0.0.1:9"), ..test_service_config() };
    let cut_off = meridian_service::Services::new(app.conn.clone(), config).expect("services");
    assert!(cut_off.report_meter_usage(now).await.is_err());
    assert_eq!(count(&app, "meter_reports").await, 0);
    assert!(mine(stripe.meter_events().await).is_empty());

    let report = app.services.report_meter_usage(now).await.expect("report");
    assert_eq!((report.sent, report.refused), (1, 1), "hot sent; cool refused: Stripe has no meter by its name");
    let sent = mine(stripe.meter_events().await);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["event_name"], "hot_gib_months");
    assert_eq!(sent[0]["payload"]["value"], "3");
    assert_eq!(sent[0]["identifier"], format!("meridian-{ws}-hot-{last}"));

    // Run again, and as if a run died after sending but before recording: Stripe still counts one event.
    let report = app.services.report_meter_usage(now).await.expect("again");
    assert_eq!(report.sent, 0);
    app.conn.execute_unprepared("DELETE FROM meter_reports").await.expect("forget");
    let report = app.services.report_meter_usage(now).await.expect("after a crash");
    assert_eq!(report.sent, 1, "sent again, with the same identifier and idempotency key");
    assert_eq!(mine(stripe.meter_events().await).len(), 1, "Stripe's side holds one event");
    assert_eq!(count(&app, "meter_reports").await, 2);

    // The billing page shows what was billed, and this month's projection (9 GiB so far: 8 over at 0.02).
    let b = billing_of(&mut owner, "metered").await;
    let reports: Vec<(&str, &str, i64, &str)> = b["meter_reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| {
            let t = |k: &str| r[k].as_str().unwrap_or_default();
            (t("month"), t("tier"), r["gib_months"].as_i64().unwrap_or(-1), t("status"))
        })
        .collect();
    assert_eq!(reports, [(last.as_str(), "cool", 4, "refused"), (last.as_str(), "hot", 3, "sent")]);
    assert_eq!(b["month"], this.as_str());
    let hot = &b["tiers"][0];
    assert!(hot["month_gib_months"].as_f64().is_some_and(|g| (g - 9.0).abs() < 1e-6), "{hot}");
    assert_eq!(hot["projected_overage_gib_months"], 8);
    assert_eq!((hot["projected_overage_cost"].as_str(), b["projected_total"].as_str()), (Some("0.16"), Some("19.16")));
}

#[actix_web::test]
async fn with_billing_off_nothing_calls_stripe() {
    // No Stripe settings at all (the embedded default): the page works, checkout and portal are 404.
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Olga").await;
    workspace(&mut owner, "selfhosted", "private").await;
    let b = billing_of(&mut owner, "selfhosted").await;
    assert_eq!((b["billing_enabled"].as_bool(), b["plan"]["purchasable"].as_bool()), (Some(false), Some(false)));
    assert!(b["invoices"].as_array().is_some_and(Vec::is_empty));
    let r = owner.post("/api/v1/workspaces/selfhosted/billing/checkout", json!({"plan": "observatory"})).await;
    r.assert_problem(404, "not_found");
    owner.post("/api/v1/workspaces/selfhosted/billing/portal", json!({})).await.assert_problem(404, "not_found");
    owner
        .post("/api/v1/workspaces/selfhosted/billing/plan", json!({"plan": "observatory"}))
        .await
        .assert_problem(404, "not_found");
    let report = app.services.report_meter_usage(chrono::Utc::now()).await.expect("metering");
    assert_eq!((report.sent, report.refused), (0, 0));
}
