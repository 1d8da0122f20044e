//! Storage plans (public), the Stripe webhook endpoint, and a workspace's billing (its page, checkout, portal).

pub mod types;

use crate::routes::common::SLUG;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::billing::WebhookOutcome;
use types::{BillingBody, CheckoutBody, PlanChangeBody, RedirectBody, StoragePlanBody, StoragePlanList, WebhookAnswer};

/// The server's storage plans, with their limits and prices. Public.
#[utoipa::path(tag = "billing", responses((status = 200, body = StoragePlanList)))]
#[get("/storage-plans")]
pub async fn list_storage_plans(services: web::Data<Services>) -> web::Json<StoragePlanList> {
    let enabled = services.config().billing.enabled();
    let items = services.storage_plans().iter().map(|p| StoragePlanBody::new(p, enabled)).collect();
    web::Json(StoragePlanList { items, billing_enabled: enabled })
}

/// Stripe's webhook endpoint (register `{public_url}/api/v1/billing/stripe-webhook` in Stripe with its signing
/// secret in the configuration). The `Stripe-Signature` header must verify with a configured secret within 300 s
/// (400 otherwise, nothing applied; a request without the header is 400 whether billing is on or off). Each event is
/// applied once, in a transaction: a replay answers 200 and changes nothing; a failure answers 5xx so Stripe
/// retries, with nothing half-applied. 404 when billing is off.
#[utoipa::path(
    tag = "billing",
    request_body(content = String, content_type = "application/json", description = "A Stripe event, as Stripe signed it"),
    params(("Stripe-Signature" = String, Header, description = "`t=<unix time>,v1=<HMAC-SHA256 hex>[,v1=…]`")),
    responses(
        (status = 200, body = WebhookAnswer),
        (status = 400, description = "`webhook_refused`: the signature is missing, does not verify or is stale, or the body is not an event"),
        (status = 404, description = "Billing is off on this server"),
    )
)]
#[post("/billing/stripe-webhook")]
pub async fn receive_stripe_webhook(
    req: HttpRequest,
    services: web::Data<Services>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // Without a signature nothing is looked at, billing on or off.
    let Some(signature) = req.headers().get("stripe-signature").and_then(|v| v.to_str().ok()) else {
        let e = meridian_service::ServiceError::WebhookRefused("the Stripe-Signature header is missing".into());
        return Err(e.into());
    };
    let outcome = services.apply_stripe_webhook(&body, Some(signature)).await?;
    let outcome = match outcome {
        WebhookOutcome::Applied => "applied",
        WebhookOutcome::Replay => "replay",
        WebhookOutcome::Ignored => "ignored",
    };
    Ok(HttpResponse::Ok().json(WebhookAnswer { received: true, outcome: outcome.to_owned() }))
}

/// The workspace's billing: plan, usage per tier against it, this month so far and the projected invoice,
/// invoices, storage overage sent to Stripe, payment problems. Owners and admins (not API keys).
#[utoipa::path(
    tag = "billing",
    params(("slug" = String, Path, description = SLUG)),
    responses((status = 200, body = BillingBody)),
    security(("session" = []))
)]
#[get("/workspaces/{slug}/billing")]
pub async fn get_billing(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<web::Json<BillingBody>, ApiError> {
    Ok(web::Json(services.billing_overview(&caller.0, &slug).await?.into()))
}

/// Start paying for a plan: a Stripe Checkout Session for the workspace (its Stripe customer is made once and
/// reused); send the person to `url`. The plan applies when Stripe's webhook reports the checkout completed; the
/// person comes back to the workspace's billing page. Owners only. 404 when billing is off; 409 when the workspace
/// already pays for a plan (change it in the portal).
#[utoipa::path(
    tag = "billing",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CheckoutBody,
    responses(
        (status = 200, body = RedirectBody),
        (status = 404, description = "No such workspace, or billing is off"),
        (status = 409, description = "The workspace already pays for a plan"),
        (status = 503, description = "Stripe is not reachable"),
    ),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/billing/checkout")]
pub async fn create_checkout(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CheckoutBody>,
) -> Result<web::Json<RedirectBody>, ApiError> {
    let url = services.start_checkout(&caller.0, &slug, &body.plan).await?;
    Ok(web::Json(RedirectBody { url }))
}

/// Switch the workspace's running subscription to another plan: Stripe replaces the old plan's prices with the new
/// one's (prorated). The plan applies when Stripe's webhook confirms it, usually within seconds; `GET …/billing`
/// shows it. Owners only. 404 when billing is off; 409 without a running subscription (use checkout) or when it is
/// on that plan already.
#[utoipa::path(
    tag = "billing",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CheckoutBody,
    responses(
        (status = 202, body = PlanChangeBody),
        (status = 404, description = "No such workspace, or billing is off"),
        (status = 409, description = "No running subscription, or already on that plan"),
        (status = 503, description = "Stripe is not reachable"),
    ),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/billing/plan")]
pub async fn change_plan(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CheckoutBody>,
) -> Result<HttpResponse, ApiError> {
    let plan = services.change_plan(&caller.0, &slug, &body.plan).await?;
    Ok(HttpResponse::Accepted().json(PlanChangeBody { plan: plan.to_string() }))
}

/// A Stripe Customer Portal session for the workspace (cards, invoices, plan changes, cancelling); send the person
/// to `url`, they come back to the billing page. Owners only. 404 when billing is off; 409 before the workspace
/// has paid for anything.
#[utoipa::path(
    tag = "billing",
    params(("slug" = String, Path, description = SLUG)),
    responses(
        (status = 200, body = RedirectBody),
        (status = 404, description = "No such workspace, or billing is off"),
        (status = 409, description = "The workspace has no Stripe customer yet"),
        (status = 503, description = "Stripe is not reachable"),
    ),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/billing/portal")]
pub async fn create_portal_session(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<web::Json<RedirectBody>, ApiError> {
    Ok(web::Json(RedirectBody { url: services.open_billing_portal(&caller.0, &slug).await? }))
}
