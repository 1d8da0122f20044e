//! Storage plans from configuration and Stripe's webhooks: signatures (bad, stale, rolled secrets), events applied
//! once (replays change nothing), out of order (an older event never overwrites a newer state; an ended
//! subscription never comes back), a failure half-way applying nothing until the retry, limits following the
//! subscription (a downgrade keeps every byte and refuses the next upload over the new limit, naming the plan),
//! and a failed payment lapsing the plan only after the grace period. Events are signed here exactly as Stripe
//! signs them (`meridian_billing::webhook::signature_header`, checked against Stripe's scheme in that crate).

use crate::data::{dataset, upload};
use crate::helpers::*;
use actix_web::http::{Method, StatusCode};
use meridian_billing::webhook::signature_header;
use meridian_domain::billing::SubscriptionStatus;
use meridian_service::ServiceConfig;
use meridian_service::billing::BillingConfig;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

const SECRET: &str = "whsec_test_secret";
const PLANS: &str = r#"
[[plans]]
key = "starter"
name = "Starter"
hot = { included = "2 KiB" }
cool = { included = "2 KiB" }
cold = { included = "2 KiB" }
max_file = "2 KiB"

[[plans]]
key = "observatory"
name = "Observatory"
monthly_price = "19.00"
stripe_price = "price_obs"
hot = { included = "8 KiB", limit = "16 KiB", overage_per_gib_month = "0.02", stripe_meter = "hot_gib_months", stripe_price = "price_hot" }
cool = { included = "8 KiB" }
cold = { included = "8 KiB" }
max_file = "8 KiB"

[[plans]]
key = "institution"
name = "Institution"
monthly_price = "99.00"
stripe_price = "price_inst"
hot = { included = "64 KiB" }
cool = { included = "64 KiB" }
cold = { included = "64 KiB" }
max_file = "64 KiB"
"#;

/// The plans of a `[[plans]]` TOML text, as the server reads them.
pub fn catalog_from(text: &str) -> meridian_billing::PlanCatalog {
    #[derive(serde::Deserialize)]
    struct Doc {
        plans: Vec<meridian_billing::PlanSettings>,
    }
    let doc: Doc = toml::from_str(text).expect("plans");
    meridian_billing::PlanCatalog::from_settings(&doc.plans, "", "").expect("catalog")
}

fn catalog() -> meridian_billing::PlanCatalog {
    catalog_from(PLANS)
}

async fn billing_app(grace_days: u32) -> TestApp {
    TestApp::with_config(ServiceConfig {
        plans: catalog(),
        billing: BillingConfig {
            webhook_secrets: vec![SECRET.to_owned(), "whsec_previous".to_owned()],
            grace_days,
            stripe: None,
        },
        ..test_service_config()
    })
    .await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Posts `event` to the webhook endpoint, signed with `secret` at `t`.
async fn deliver_signed(app: &TestApp, event: &Value, secret: &str, t: i64) -> Reply {
    let body = serde_json::to_vec(event).expect("json");
    let header = signature_header(&body, t, secret);
    app.client()
        .request_with_headers(
            Method::POST,
            "/api/v1/billing/stripe-webhook",
            vec![("stripe-signature", header), ("content-type", "application/json".into())],
            Some(body),
        )
        .await
}

async fn deliver(app: &TestApp, event: &Value) -> Reply {
    deliver_signed(app, event, SECRET, now()).await
}

fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({"id": id, "object": "event", "type": kind, "created": created, "livemode": false,
           "pending_webhooks": 1, "api_version": "2026-09-30.endive", "data": {"object": object}})
}

fn subscription(id: &str, ws: &str, price: &str, status: &str) -> Value {
    json!({"id": id, "object": "subscription", "customer": "cus_1", "status": status, "created": 1_700_000_000,
           "cancel_at_period_end": false, "metadata": {"workspace_id": ws},
           "items": {"object": "list", "data": [{"id": "si_1", "price": {"id": price}, "current_period_end": 1_900_000_000}]}})
}

fn checkout(ws: &str, plan: &str) -> Value {
    json!({"id": "cs_1", "object": "checkout.session", "mode": "subscription", "client_reference_id": ws,
           "customer": "cus_1", "subscription": "sub_1", "payment_status": "paid",
           "metadata": {"workspace_id": ws, "plan": plan}})
}

async fn plan_of(owner: &mut Client, slug: &str) -> Value {
    let r = owner.get(&format!("/api/v1/workspaces/{slug}/storage/usage")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

/// An observatory workspace of a fresh owner: the client and the workspace's id.
async fn observatory(app: &TestApp, slug: &str) -> (Client, String) {
    let (mut owner, _) = app.user("Olga").await;
    let w = workspace(&mut owner, slug, "private").await;
    (owner, w["id"].as_str().expect("id").to_owned())
}

#[actix_web::test]
async fn plans_are_public_and_come_from_the_configuration() {
    // No configuration: the built-in plans, nothing for sale.
    let app = TestApp::new().await;
    let r = app.client().get("/api/v1/storage-plans").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["billing_enabled"], false);
    assert_eq!(item_names_by(&r.body, "key"), ["free", "observatory", "institution"]);
    assert!(r.body["items"].as_array().expect("items").iter().all(|p| p["purchasable"] == false));
    // With billing off the webhook endpoint does not exist: nothing calls or is called by Stripe.
    let e = event("evt_0", "customer.created", now(), json!({"id": "cus_0"}));
    deliver(&app, &e).await.assert_problem(404, "not_found");
    let unsigned = app
        .client()
        .request_with_headers(Method::POST, "/api/v1/billing/stripe-webhook", vec![], Some(b"{}".to_vec()))
        .await;
    unsigned.assert_problem(400, "webhook_refused");

    let app = billing_app(14).await;
    let r = app.client().get("/api/v1/storage-plans").await;
    assert_eq!(r.body["billing_enabled"], true);
    let obs = &r.body["items"][1];
    assert_eq!((obs["name"].as_str(), obs["monthly_price"].as_str()), (Some("Observatory"), Some("19.00")));
    assert_eq!(obs["hot"], json!({"included_bytes": 8192, "limit_bytes": 16384, "overage_per_gib_month": "0.02"}));
    assert_eq!((obs["purchasable"].as_bool(), r.body["items"][0]["purchasable"].as_bool()), (Some(true), Some(false)));
    // New workspaces start on the first plan.
    let (mut owner, _) = observatory(&app, "starters").await;
    assert_eq!(plan_of(&mut owner, "starters").await["plan"], "starter");
}

fn item_names_by(body: &Value, field: &str) -> Vec<String> {
    body["items"].as_array().expect("items").iter().map(|i| i[field].as_str().unwrap_or_default().to_owned()).collect()
}

#[actix_web::test]
async fn only_events_signed_with_a_secret_of_the_endpoint_within_five_minutes_are_read() {
    let app = billing_app(14).await;
    let (_, ws) = observatory(&app, "signed").await;
    let e = event("evt_1", "checkout.session.completed", now(), checkout(&ws, "observatory"));
    for r in [
        deliver_signed(&app, &e, "whsec_someone_else", now()).await,
        deliver_signed(&app, &e, SECRET, now() - 400).await,
        deliver_signed(&app, &e, SECRET, now() + 400).await,
    ] {
        r.assert_problem(400, "webhook_refused");
    }
    let unsigned = app
        .client()
        .request_with_headers(Method::POST, "/api/v1/billing/stripe-webhook", vec![], Some(b"{}".to_vec()))
        .await;
    unsigned.assert_problem(400, "webhook_refused");
    // A signed body that was changed on the way.
    let body = serde_json::to_vec(&e).expect("json");
    let header = signature_header(&body, now(), SECRET);
    let mut changed = e.clone();
    changed["data"]["object"]["metadata"]["plan"] = json!("institution");
    let r = app
        .client()
        .request_with_headers(
            Method::POST,
            "/api/v1/billing/stripe-webhook",
            vec![("stripe-signature", header)],
            Some(serde_json::to_vec(&changed).expect("json")),
        )
        .await;
    r.assert_problem(400, "webhook_refused");
    assert_eq!(count(&app, "stripe_events").await, 0, "nothing refused is recorded");
    // The previous secret still works while it is being rolled.
    let r = deliver_signed(&app, &e, "whsec_previous", now()).await;
    assert_eq!((r.status, r.body["outcome"].as_str()), (StatusCode::OK, Some("applied")), "{}", r.body);
}

#[actix_web::test]
async fn events_apply_once_and_an_older_event_never_overwrites_a_newer_state() {
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "orderly").await;
    let t = now();

    // Checkout completed: the plan applies at once, before the subscription's own events.
    let done = event("evt_checkout", "checkout.session.completed", t, checkout(&ws, "observatory"));
    assert_eq!(deliver(&app, &done).await.body["outcome"], "applied");
    let usage = plan_of(&mut owner, "orderly").await;
    assert_eq!((usage["plan"].as_str(), usage["plan_name"].as_str()), (Some("observatory"), Some("Observatory")));
    assert_eq!(usage["tiers"][0]["limit_bytes"], 16384);
    // The same event again (Stripe retries): 200, nothing changes.
    let again = deliver(&app, &done).await;
    assert_eq!((again.status, again.body["outcome"].as_str()), (StatusCode::OK, Some("replay")));
    assert_eq!(count(&app, "subscriptions").await, 1);

    // An upgrade, then an older "updated" event arriving late: the newer state stays.
    let upgrade =
        event("evt_up", "customer.subscription.updated", t + 20, subscription("sub_1", &ws, "price_inst", "active"));
    let late =
        event("evt_late", "customer.subscription.updated", t + 10, subscription("sub_1", &ws, "price_obs", "active"));
    assert_eq!(deliver(&app, &upgrade).await.body["outcome"], "applied");
    assert_eq!(deliver(&app, &late).await.body["outcome"], "ignored");
    assert_eq!(plan_of(&mut owner, "orderly").await["plan"], "institution");

    // Deleted: back to the starting plan; an "updated" event from before the deletion, arriving after it, and
    // even a later one, never bring the subscription back.
    let deleted =
        event("evt_del", "customer.subscription.deleted", t + 30, subscription("sub_1", &ws, "price_inst", "canceled"));
    assert_eq!(deliver(&app, &deleted).await.body["outcome"], "applied");
    assert_eq!(plan_of(&mut owner, "orderly").await["plan"], "starter");
    let stale =
        event("evt_stale", "customer.subscription.updated", t + 25, subscription("sub_1", &ws, "price_inst", "active"));
    let zombie = event(
        "evt_zombie",
        "customer.subscription.updated",
        t + 40,
        subscription("sub_1", &ws, "price_inst", "active"),
    );
    assert_eq!(deliver(&app, &stale).await.body["outcome"], "ignored");
    assert_eq!(deliver(&app, &zombie).await.body["outcome"], "ignored");
    assert_eq!(plan_of(&mut owner, "orderly").await["plan"], "starter");

    // Events Meridian does not act on are acknowledged (and recorded, so a replay is one too).
    let other = event("evt_other", "customer.updated", t, json!({"id": "cus_1"}));
    assert_eq!(deliver(&app, &other).await.body["outcome"], "ignored");
    assert_eq!(deliver(&app, &other).await.body["outcome"], "replay");
    // A subscription of a customer Meridian never saw, or at a price that is no plan's, changes nothing.
    let stranger = json!({"id": "sub_x", "customer": "cus_x", "status": "active", "items": {"data": [{"price": {"id": "price_obs"}}]}});
    let e = event("evt_stranger", "customer.subscription.created", t, stranger);
    assert_eq!(deliver(&app, &e).await.body["outcome"], "ignored");
}

#[actix_web::test]
async fn a_downgrade_keeps_every_byte_and_refuses_the_next_upload_over_the_new_limit() {
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "shrinking").await;
    let sub =
        |kind: &str, id: &str, t: i64, price: &str| event(id, kind, t, subscription("sub_1", &ws, price, "active"));
    let t = now();
    deliver(&app, &event("evt_c", "checkout.session.completed", t, checkout(&ws, "observatory"))).await;
    deliver(&app, &sub("customer.subscription.created", "evt_s1", t + 1, "price_obs")).await;
    let ds = dataset(&mut owner, "shrinking", "raw").await;
    let big = vec![7u8; 6000];
    assert_eq!(upload(&mut owner, "shrinking", &ds, "big.bin", &big).await.status, StatusCode::CREATED);

    // Cancelled: the starter plan holds 2 KiB, the workspace holds 6000 bytes. Nothing is deleted, the file
    // stays readable, and the next upload is refused with the plan and the overage.
    let deleted =
        event("evt_d", "customer.subscription.deleted", t + 2, subscription("sub_1", &ws, "price_obs", "canceled"));
    deliver(&app, &deleted).await;
    let files = owner.get(&format!("/api/v1/workspaces/shrinking/datasets/{ds}/files")).await;
    let id = files.body["items"][0]["id"].as_str().expect("file").to_owned();
    let r = owner.get(&format!("/api/v1/workspaces/shrinking/files/{id}/content")).await;
    assert_eq!((r.status, r.raw.len()), (StatusCode::OK, 6000));
    let r = upload(&mut owner, "shrinking", &ds, "small.bin", b"tiny").await;
    r.assert_problem(413, "quota_exceeded");
    assert_eq!(r.body["plan"], "starter");
    assert_eq!(r.body["over_bytes"], 6000 + 4 - 2048);
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("Starter plan")), "{}", r.body);

    // Upgrading again applies at once.
    deliver(&app, &sub("customer.subscription.created", "evt_s2", t + 3, "price_inst")).await;
    let again =
        event("evt_s2b", "customer.subscription.created", t + 3, subscription("sub_2", &ws, "price_inst", "active"));
    deliver(&app, &again).await;
    assert_eq!(plan_of(&mut owner, "shrinking").await["plan"], "institution");
    assert_eq!(upload(&mut owner, "shrinking", &ds, "small.bin", b"tiny").await.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn a_failed_payment_lapses_the_plan_only_after_the_grace_period() {
    let invoice = |id: &str, paid: bool| {
        json!({"id": id, "object": "invoice", "customer": "cus_1", "status": if paid { "paid" } else { "open" },
               "amount_due": 1900, "amount_paid": if paid { 1900 } else { 0 }, "currency": "eur",
               "created": now(), "parent": {"subscription_details": {"subscription": "sub_1"}}})
    };
    // 14 days of grace: the plan holds, and the page is told when it lapses.
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "late-payer").await;
    deliver(&app, &event("evt_c", "checkout.session.completed", now(), checkout(&ws, "observatory"))).await;
    deliver(&app, &event("evt_f", "invoice.payment_failed", now(), invoice("in_1", false))).await;
    let usage = plan_of(&mut owner, "late-payer").await;
    assert_eq!(usage["plan"], "observatory");
    let lapses: chrono::DateTime<chrono::Utc> =
        usage["plan_lapses_at"].as_str().expect("lapses").parse().expect("time");
    assert!((lapses - chrono::Utc::now() - chrono::Duration::days(14)).num_minutes().abs() < 5, "{lapses}");
    // Paid after all: no lapse.
    deliver(&app, &event("evt_p", "invoice.paid", now() + 1, invoice("in_1", true))).await;
    assert!(plan_of(&mut owner, "late-payer").await.get("plan_lapses_at").is_none());

    // No grace: the starter plan's limits apply at once, and the refusal says why.
    let app = billing_app(0).await;
    let (mut owner, ws) = observatory(&app, "no-grace").await;
    deliver(&app, &event("evt_c", "checkout.session.completed", now(), checkout(&ws, "observatory"))).await;
    let ds = dataset(&mut owner, "no-grace", "raw").await;
    deliver(&app, &event("evt_f", "invoice.payment_failed", now(), invoice("in_1", false))).await;
    let usage = plan_of(&mut owner, "no-grace").await;
    assert_eq!(usage["plan"], "starter", "{usage}");
    let r = upload(&mut owner, "no-grace", &ds, "f.bin", &[1u8; 4000]).await;
    r.assert_problem(413, "quota_exceeded");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("grace period")), "{}", r.body);
}

#[actix_web::test]
async fn a_failed_payment_stays_on_the_billing_page_after_its_subscription_ends() {
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "dunned").await;
    deliver(&app, &event("evt_c", "checkout.session.completed", now(), checkout(&ws, "observatory"))).await;
    // Stripe's invoice stays `open` after a failed attempt; Meridian records the failure.
    let failed = json!({"id": "in_1", "object": "invoice", "customer": "cus_1", "status": "open",
                        "amount_due": 1900, "amount_paid": 0, "currency": "eur", "created": now(),
                        "parent": {"subscription_details": {"subscription": "sub_1"}}});
    let r = deliver(&app, &event("evt_f", "invoice.payment_failed", now(), failed)).await;
    assert_eq!(r.body["outcome"], "applied", "{}", r.body);
    let b = owner.get("/api/v1/workspaces/dunned/billing").await.body;
    assert_eq!(b["invoices"][0]["status"], "payment_failed", "{b}");
    assert!(b["payment_problem"].as_str().is_some_and(|p| p.contains("limits hold until")), "{b}");
    // Stripe's retries ran out and it canceled the subscription: the plan and its lapse are gone, the unpaid
    // invoice is not.
    let ended =
        event("evt_d", "customer.subscription.deleted", now() + 1, subscription("sub_1", &ws, "price_obs", "canceled"));
    assert_eq!(deliver(&app, &ended).await.body["outcome"], "applied");
    let b = owner.get("/api/v1/workspaces/dunned/billing").await.body;
    assert_eq!((b["plan"]["key"].as_str(), b["plan_lapses_at"].as_str()), (Some("starter"), None), "{b}");
    assert_eq!(b["subscription"]["status"], "canceled");
    assert_eq!(
        b["payment_problem"].as_str(),
        Some("The newest invoice's payment failed: see the billing portal."),
        "{b}"
    );
    let page = crate::data_pages::html(&owner.get("/w/dunned/billing").await);
    assert!(page.contains("id=\"payment-problem\"") && page.contains("payment failed"), "{page}");
    // Paid after all: nothing to say.
    let paid = json!({"id": "in_1", "object": "invoice", "customer": "cus_1", "status": "paid",
                      "amount_due": 1900, "amount_paid": 1900, "currency": "eur", "created": now()});
    deliver(&app, &event("evt_p", "invoice.paid", now() + 2, paid)).await;
    let b = owner.get("/api/v1/workspaces/dunned/billing").await.body;
    assert!(b["payment_problem"].is_null(), "{b}");
}

/// An invoice whose payment failed and that Stripe then voids (or that is written off) is owed no more: the grace
/// period ends and the payment notice goes. A failed attempt reported within the same second as the payment that
/// followed it (events may arrive in any order) does not undo the payment.
#[actix_web::test]
async fn a_voided_invoice_ends_the_grace_period_and_a_late_failure_does_not_undo_a_payment() {
    // Each invoice made a minute after the one before (the newest decides).
    let invoice = |id: &str, status: &str| {
        let n: i64 = id.trim_start_matches("in_").parse().expect("n");
        json!({"id": id, "object": "invoice", "customer": "cus_1", "status": status, "amount_due": 1900,
               "amount_paid": if status == "paid" { 1900 } else { 0 }, "currency": "eur", "created": now() + 60 * n,
               "parent": {"subscription_details": {"subscription": "sub_1"}}})
    };
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "voided").await;
    deliver(&app, &event("evt_c", "checkout.session.completed", now(), checkout(&ws, "observatory"))).await;
    deliver(&app, &event("evt_f", "invoice.payment_failed", now(), invoice("in_1", "open"))).await;
    let b = owner.get("/api/v1/workspaces/voided/billing").await.body;
    assert!(b["plan_lapses_at"].is_string() && b["payment_problem"].is_string(), "{b}");
    let r = deliver(&app, &event("evt_v", "invoice.voided", now() + 1, invoice("in_1", "void"))).await;
    assert_eq!(r.body["outcome"], "applied", "{}", r.body);
    let b = owner.get("/api/v1/workspaces/voided/billing").await.body;
    assert_eq!(b["invoices"][0]["status"], "void", "{b}");
    assert_eq!(b["plan"]["key"], "observatory", "{b}");
    assert!(b["plan_lapses_at"].is_null() && b["payment_problem"].is_null(), "{b}");

    // The next invoice fails and is written off: owed no more either.
    deliver(&app, &event("evt_f2", "invoice.payment_failed", now() + 2, invoice("in_2", "open"))).await;
    assert!(owner.get("/api/v1/workspaces/voided/billing").await.body["plan_lapses_at"].is_string());
    let written_off = invoice("in_2", "uncollectible");
    deliver(&app, &event("evt_u", "invoice.marked_uncollectible", now() + 3, written_off)).await;
    let b = owner.get("/api/v1/workspaces/voided/billing").await.body;
    assert_eq!(b["invoices"][0]["status"], "uncollectible", "{b}");
    assert!(b["plan_lapses_at"].is_null() && b["payment_problem"].is_null(), "{b}");

    // Paid, and the failed attempt before it reported afterwards within the same second: still paid.
    let t = now() + 4;
    deliver(&app, &event("evt_p3", "invoice.paid", t, invoice("in_3", "paid"))).await;
    deliver(&app, &event("evt_f3", "invoice.payment_failed", t, invoice("in_3", "open"))).await;
    let b = owner.get("/api/v1/workspaces/voided/billing").await.body;
    assert_eq!(b["invoices"][0]["status"], "paid", "{b}");
    assert!(b["plan_lapses_at"].is_null() && b["payment_problem"].is_null(), "{b}");
}

#[actix_web::test]
async fn a_failure_half_way_applies_nothing_and_the_retry_applies_it_once() {
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "flaky").await;
    deliver(&app, &event("evt_c", "checkout.session.completed", now(), checkout(&ws, "observatory"))).await;
    let paid = json!({"id": "in_9", "customer": "cus_1", "status": "paid", "amount_due": 1900, "amount_paid": 1900,
                      "currency": "eur", "created": now()});
    let e = event("evt_paid", "invoice.paid", now(), paid);
    // The invoices table is out of reach while the event is applied: the event is recorded in the same
    // transaction, so nothing of it stays.
    app.conn.execute_unprepared("ALTER TABLE invoices RENAME TO invoices_away").await.expect("rename");
    let r = deliver(&app, &e).await;
    app.conn.execute_unprepared("ALTER TABLE invoices_away RENAME TO invoices").await.expect("rename back");
    assert!(r.status.is_server_error(), "{} {}", r.status, r.body);
    assert_eq!(count(&app, "stripe_events").await, 1, "only the checkout event is recorded");
    assert_eq!(count(&app, "invoices").await, 0);
    // Stripe retries: applied once; a further retry is a replay.
    assert_eq!(deliver(&app, &e).await.body["outcome"], "applied");
    assert_eq!(deliver(&app, &e).await.body["outcome"], "replay");
    assert_eq!((count(&app, "stripe_events").await, count(&app, "invoices").await), (2, 1));
    assert_eq!(plan_of(&mut owner, "flaky").await["plan"], "observatory");
}

#[actix_web::test]
async fn ties_retired_prices_foreign_customers_and_payment_links_are_handled() {
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "edgy").await;
    let t = now();
    let done = event("evt_c", "checkout.session.completed", t, checkout(&ws, "observatory"));
    assert_eq!(deliver(&app, &done).await.body["outcome"], "applied");

    // The subscription's own `created` (incomplete) arriving after the paid checkout leaves the plan alone.
    let late_created =
        event("evt_lc", "customer.subscription.created", t + 1, subscription("sub_1", &ws, "price_obs", "incomplete"));
    assert_eq!(deliver(&app, &late_created).await.body["outcome"], "ignored");
    assert_eq!(plan_of(&mut owner, "edgy").await["plan"], "observatory");

    // Stripe's times are whole seconds: `created` (incomplete) arriving after `updated` (active) of the same
    // second does not set the subscription back.
    let updated =
        event("evt_u", "customer.subscription.updated", t + 5, subscription("sub_1", &ws, "price_inst", "active"));
    let created =
        event("evt_cr", "customer.subscription.created", t + 5, subscription("sub_1", &ws, "price_inst", "incomplete"));
    assert_eq!(deliver(&app, &updated).await.body["outcome"], "applied");
    assert_eq!(deliver(&app, &created).await.body["outcome"], "ignored");
    assert_eq!(plan_of(&mut owner, "edgy").await["plan"], "institution");

    // A subscription whose price is no longer any plan's still ends.
    let deleted =
        event("evt_d", "customer.subscription.deleted", t + 6, subscription("sub_1", &ws, "price_retired", "canceled"));
    assert_eq!(deliver(&app, &deleted).await.body["outcome"], "applied");
    assert_eq!(plan_of(&mut owner, "edgy").await["plan"], "starter");

    // A checkout naming another workspace's customer is acknowledged and changes nothing (no 500 for Stripe to
    // retry for days).
    let (mut pat, _) = app.user("Pat").await;
    let other = workspace(&mut pat, "other", "private").await["id"].as_str().expect("id").to_owned();
    let mut foreign = checkout(&other, "institution");
    foreign["id"] = json!("cs_2");
    foreign["subscription"] = json!("sub_2");
    let r = deliver(&app, &event("evt_c2", "checkout.session.completed", t + 7, foreign)).await;
    assert_eq!((r.status, r.body["outcome"].as_str()), (StatusCode::OK, Some("ignored")), "{}", r.body);
    assert_eq!(plan_of(&mut pat, "other").await["plan"], "starter");

    // A Payment Link's buyer chooses `client_reference_id`, not Meridian's metadata: ignored.
    let link = json!({"id": "cs_3", "mode": "subscription", "client_reference_id": other, "customer": "cus_9",
                      "subscription": "sub_9", "payment_status": "paid"});
    let r = deliver(&app, &event("evt_c3", "checkout.session.completed", t + 8, link)).await;
    assert_eq!(r.body["outcome"], "ignored");
    assert_eq!(plan_of(&mut pat, "other").await["plan"], "starter");
}

#[actix_web::test]
async fn the_operator_sees_every_workspace_by_plan_and_payment_state() {
    let app = billing_app(0).await;
    let (_, ws) = observatory(&app, "paying").await;
    let (mut pat, _) = app.user("Pat").await;
    workspace(&mut pat, "free-rider", "private").await;
    deliver(&app, &event("evt_c", "checkout.session.completed", now(), checkout(&ws, "observatory"))).await;
    let sub =
        event("evt_s", "customer.subscription.updated", now(), subscription("sub_1", &ws, "price_obs", "past_due"));
    deliver(&app, &sub).await;
    let failed = json!({"id": "in_1", "customer": "cus_1", "status": "open", "amount_due": 1900, "amount_paid": 0,
                        "currency": "eur", "created": now()});
    deliver(&app, &event("evt_f", "invoice.payment_failed", now(), failed)).await;

    let rows = app.services.billing_status().await.expect("status");
    let paying = rows.iter().find(|r| r.slug == "paying").expect("paying");
    assert_eq!((paying.plan.as_str(), paying.effective_plan.as_str()), ("observatory", "starter"), "lapsed: no grace");
    assert!(paying.lapses_at.is_some() && paying.plan_configured && !paying.personal);
    assert_eq!(paying.subscription_status, Some(SubscriptionStatus::PastDue));
    assert_eq!(paying.stripe_customer.as_deref(), Some("cus_1"));
    let free = rows.iter().find(|r| r.slug == "free-rider").expect("free-rider");
    assert_eq!(
        (free.plan.as_str(), free.subscription_status.as_ref(), free.stripe_customer.as_deref()),
        ("starter", None, None)
    );
    assert!(rows.iter().any(|r| r.personal), "personal spaces are listed too");
}

#[actix_web::test]
async fn the_pricing_page_shows_the_configured_plans_and_prices() {
    let app = billing_app(14).await;
    let r = app.client().get("/pricing").await;
    assert_eq!(r.status, StatusCode::OK);
    let page = crate::data_pages::html(&r);
    for expected in [
        "data-plan=\"starter\"",
        "data-plan=\"observatory\"",
        "19.00 EUR a month",
        "8.0 KiB, up to 16.0 KiB at 0.02 EUR per GiB-month beyond",
        "99.00 EUR a month",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    // Without configuration: the built-in plans, no prices.
    let page = crate::data_pages::html(&TestApp::new().await.client().get("/pricing").await);
    assert!(
        page.contains("data-plan=\"institution\"") && page.contains("5.0 TiB") && !page.contains("a month"),
        "{page}"
    );
}

#[actix_web::test]
async fn a_subscription_before_its_checkout_event_records_the_customer_for_its_invoices() {
    let app = billing_app(14).await;
    let (mut owner, ws) = observatory(&app, "early").await;
    let t = now();
    let created = event("evt_s", "customer.subscription.created", t, subscription("sub_1", &ws, "price_obs", "active"));
    assert_eq!(deliver(&app, &created).await.body["outcome"], "applied");
    assert_eq!(plan_of(&mut owner, "early").await["plan"], "observatory");
    // An invoice naming only the customer finds the workspace.
    let invoice = json!({"id": "in_1", "customer": "cus_1", "status": "open", "amount_due": 1900, "amount_paid": 0,
                         "currency": "eur", "created": t});
    assert_eq!(
        deliver(&app, &event("evt_f", "invoice.payment_failed", t + 1, invoice)).await.body["outcome"],
        "applied"
    );
    assert!(plan_of(&mut owner, "early").await["plan_lapses_at"].is_string());
    let status = app.services.billing_status().await.expect("status");
    let early = status.iter().find(|r| r.slug == "early").expect("early");
    assert_eq!(early.stripe_customer.as_deref(), Some("cus_1"));
}
