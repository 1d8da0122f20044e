//! Storage plans (public) and the Stripe webhook endpoint.

pub mod types;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::billing::WebhookOutcome;
use types::{StoragePlanBody, StoragePlanList, WebhookAnswer};

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
