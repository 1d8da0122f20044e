//! Storage plans and Stripe billing: which plan a workspace is on (and whether a failed payment is lapsing it),
//! and the webhook events that change it. With billing off (no Stripe settings, the embedded default) every
//! workspace keeps the plan it started on, and nothing here talks to Stripe.
//!
//! Events are applied exactly once and in a transaction: the event's id is recorded with its effect, so a replay
//! changes nothing and a failure half-way leaves nothing (Stripe retries the event). Events may arrive in any order:
//! a subscription keeps the time of the newest event applied to it, an older one changes nothing, and a
//! subscription that ended (canceled, or expired unpaid) never comes back.

use crate::{ServiceError, ServiceResult, Services};
use chrono::{DateTime, Duration, Utc};
use meridian_billing::webhook::{self, Change, Event, InvoiceEvent};
pub use meridian_billing::{Micros, Plan, PlanCatalog, TierTerms, format_minor};
use meridian_domain::billing::{Invoice, InvoiceStatus, PlanState, Subscription, SubscriptionStatus};
use meridian_domain::{PlanKey, WorkspaceId};
use meridian_store::{billing as store, workspaces};

mod account;
mod metering;

pub use account::{BillingView, PlanChoice, TierBilling};
pub use meridian_billing::stripe::StripeApi;
pub use metering::MeteringReport;

/// Stripe, as the server's configuration sets it up.
#[derive(Clone, Default)]
pub struct BillingConfig {
    /// The webhook endpoint's signing secrets (`whsec_...`): the current one, and the previous one while it is
    /// being rolled. None: billing is off and the webhook endpoint answers 404.
    pub webhook_secrets: Vec<String>,
    /// How long a workspace keeps its paid plan after a payment fails (then its starting plan's limits apply).
    pub grace_days: u32,
    /// Stripe's API with the server's secret key; None: billing is off and nothing calls Stripe.
    pub stripe: Option<StripeApi>,
}

impl std::fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingConfig")
            .field("webhook_secrets", &format_args!("<{} redacted>", self.webhook_secrets.len()))
            .field("grace_days", &self.grace_days)
            .field("stripe", &self.stripe)
            .finish()
    }
}

impl BillingConfig {
    #[must_use]
    pub fn enabled(&self) -> bool {
        !self.webhook_secrets.is_empty()
    }
}

/// What a webhook delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    Applied,
    /// The event was applied before: nothing changed.
    Replay,
    /// An event Meridian does not act on, or about a customer or price it does not know: acknowledged.
    Ignored,
}

/// A workspace's plan as it applies now.
#[derive(Debug, Clone)]
pub struct EffectivePlan<'a> {
    pub plan: &'a Plan,
    pub state: PlanState,
    /// The grace period after a failed payment is over: `plan` is the starting plan, not the one paid for.
    pub lapsed: bool,
}

/// How far along a subscription's status is, for events of the same second.
fn progress(status: &SubscriptionStatus) -> u8 {
    use SubscriptionStatus as S;
    match status {
        S::Incomplete => 0,
        S::Trialing | S::Paused | S::Other(_) => 1,
        S::Active | S::PastDue | S::Unpaid => 2,
        S::Canceled | S::IncompleteExpired => 3,
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// A failed call to Stripe as the caller sees it: 503, the cause logged (a refusal is our configuration's fault,
/// an outage Stripe's; neither is the person's).
pub(crate) fn stripe_failure(e: meridian_billing::stripe::StripeError) -> ServiceError {
    tracing::error!(error = %e, "a call to Stripe failed");
    ServiceError::Unavailable { what: "payment service", cause: e.to_string() }
}

impl Services {
    /// Stripe, when billing is on.
    pub(crate) fn stripe(&self) -> Option<&StripeApi> {
        self.config().billing.stripe.as_ref()
    }

    /// The storage plans, in the order of the configuration.
    #[must_use]
    pub fn storage_plans(&self) -> &[Plan] {
        self.config().plans.all()
    }

    /// The plan a workspace starts on (and falls back to when its subscription ends).
    fn starting_plan(&self, personal: bool) -> &Plan {
        let plans = &self.config().plans;
        if personal { plans.personal_plan() } else { plans.default_plan() }
    }

    /// The plan new workspaces of this kind start on.
    #[must_use]
    pub fn starting_plan_key(&self, personal: bool) -> PlanKey {
        self.starting_plan(personal).key.clone()
    }

    /// The plan whose limits apply to the workspace now.
    pub(crate) async fn effective_plan(
        &self,
        conn: &impl meridian_store::ConnectionTrait,
        ws: WorkspaceId,
    ) -> ServiceResult<EffectivePlan<'_>> {
        let state = workspaces::plan_of(conn, ws).await?.ok_or(ServiceError::NotFound("workspace"))?;
        let lapsed = state.lapsed(crate::now());
        let plan = if lapsed { self.starting_plan(state.personal) } else { self.config().plans.get(&state.plan) };
        Ok(EffectivePlan { plan, state, lapsed })
    }

    /// Applies a Stripe webhook delivery: `signature` is its `Stripe-Signature` header. 404 with billing off; 400
    /// when the signature does not verify (nothing read, nothing applied).
    #[tracing::instrument(skip_all)]
    pub async fn apply_stripe_webhook(&self, body: &[u8], signature: Option<&str>) -> ServiceResult<WebhookOutcome> {
        let billing = &self.config().billing;
        if !billing.enabled() {
            return Err(ServiceError::NotFound("billing"));
        }
        webhook::verify(body, signature.unwrap_or_default(), &billing.webhook_secrets, crate::now().timestamp())
            .map_err(|e| ServiceError::WebhookRefused(e.to_string()))?;
        let event = Event::parse(body).map_err(|e| ServiceError::WebhookRefused(format!("not a Stripe event: {e}")))?;
        let change = match event.change() {
            Ok(c) => c,
            Err(e) => {
                // Signed by Stripe but not understood: acknowledged (a retry would not read better), and logged.
                tracing::warn!(event = %event.id, kind = %event.kind, error = %e, "a Stripe event was not understood");
                return Ok(WebhookOutcome::Ignored);
            }
        };
        let txn = meridian_store::begin_write(self.db()).await?;
        if !store::record_event(&txn, &event.id, &event.kind, crate::now()).await? {
            txn.rollback().await?;
            tracing::info!(event = %event.id, kind = %event.kind, "a Stripe event came again; nothing to do");
            return Ok(WebhookOutcome::Replay);
        }
        let outcome = self.apply_change(&txn, &event, change).await?;
        meridian_store::commit(txn).await?;
        tracing::info!(event = %event.id, kind = %event.kind, ?outcome, "Stripe event applied");
        Ok(outcome)
    }

    async fn apply_change(
        &self,
        txn: &meridian_store::DatabaseTransaction,
        event: &Event,
        change: Change,
    ) -> ServiceResult<WebhookOutcome> {
        let when = at(event.created);
        match change {
            Change::CheckoutCompleted(session) => {
                // The session names the workspace (client_reference_id) and its plan (metadata), both set when
                // Meridian made it: the plan applies at once, before the subscription's own events arrive.
                // Only sessions Meridian made count: a subscription, with the workspace in the metadata it set (a
                // Payment Link's buyer can choose `client_reference_id`, never the metadata).
                let from_metadata = session.metadata.get("workspace_id").and_then(|w| w.parse::<WorkspaceId>().ok());
                let Some(ws) = from_metadata.filter(|ws| {
                    session.mode.as_deref() == Some("subscription")
                        && session
                            .client_reference_id
                            .as_deref()
                            .is_none_or(|c| c.parse::<WorkspaceId>().ok() == Some(*ws))
                }) else {
                    return Ok(WebhookOutcome::Ignored);
                };
                if workspaces::plan_of(txn, ws).await?.is_none() {
                    return Ok(WebhookOutcome::Ignored);
                }
                workspaces::lock(txn, ws).await?;
                if let Some(customer) = &session.customer {
                    match store::workspace_of_customer(txn, customer.id()).await? {
                        Some(other) if other != ws => {
                            tracing::warn!(customer = %customer.id(), "a checkout names a customer of another workspace");
                            return Ok(WebhookOutcome::Ignored);
                        }
                        _ => {
                            store::keep_customer(txn, ws, customer.id(), crate::now()).await?;
                        }
                    }
                }
                // Paid: no longer the session a new checkout has to expire first.
                store::set_open_checkout(txn, ws, None, Some(&session.id)).await?;
                let plan = session.metadata.get("plan").and_then(|p| self.config().plans.find(p));
                let paid = session.payment_status.as_deref().is_none_or(|s| s == "paid" || s == "no_payment_required");
                if let (Some(plan), Some(sub), true) = (plan, &session.subscription, paid) {
                    let existing = store::find_subscription(txn, sub.id()).await?;
                    if existing.is_none() {
                        let s = Subscription {
                            workspace: ws,
                            stripe_id: sub.id().to_owned(),
                            plan: plan.key.clone(),
                            status: SubscriptionStatus::Active,
                            cancel_at_period_end: false,
                            period_end: None,
                            // Older than any event of the subscription itself, which describes it better.
                            event_at: DateTime::UNIX_EPOCH,
                            final_at: None,
                            created_at: when,
                        };
                        store::save_subscription(txn, &s, crate::now()).await?;
                    }
                }
                self.settle_plan(txn, ws).await?;
                Ok(WebhookOutcome::Applied)
            }
            Change::Subscription { deleted, subscription: sub } => {
                let known = store::find_subscription(txn, &sub.id).await?.map(|s| s.workspace);
                let customer_ws = store::workspace_of_customer(txn, sub.customer.id()).await?;
                let named = sub.metadata.get("workspace_id").and_then(|w| w.parse::<WorkspaceId>().ok());
                // A subscription stays with the workspace it was first stored for; the metadata Meridian set must
                // agree with the customer's workspace when both are known.
                let ws = match (known, named, customer_ws) {
                    (Some(ws), _, _) => Some(ws),
                    (None, Some(n), Some(c)) if n != c => {
                        tracing::warn!(subscription = %sub.id, "a subscription names a workspace its customer is not of");
                        None
                    }
                    (None, Some(n), _) if workspaces::plan_of(txn, n).await?.is_some() => Some(n),
                    (None, _, c) => c,
                };
                let Some(ws) = ws else {
                    tracing::info!(subscription = %sub.id, "a subscription of a customer Meridian does not know");
                    return Ok(WebhookOutcome::Ignored);
                };
                workspaces::lock(txn, ws).await?;
                if customer_ws.is_none() {
                    // Named by Meridian's own metadata before its checkout event arrived: the customer is the
                    // workspace's from now on (its invoices find it).
                    store::keep_customer(txn, ws, sub.customer.id(), crate::now()).await?;
                }
                let existing = store::find_subscription(txn, &sub.id).await?;
                let ended = deleted || sub.is_final();
                let priced = sub.price_ids().into_iter().find_map(|p| self.config().plans.by_stripe_price(p));
                // A price no longer configured: a stored subscription keeps its plan (so its end still counts).
                let plan = match (priced, &existing) {
                    (Some(p), _) => p.key.clone(),
                    (None, Some(e)) => e.plan.clone(),
                    (None, None) => {
                        tracing::warn!(subscription = %sub.id, "a subscription whose prices are no plan's");
                        return Ok(WebhookOutcome::Ignored);
                    }
                };
                let status =
                    if deleted { SubscriptionStatus::Canceled } else { SubscriptionStatus::parse(&sub.status) };
                // The row a completed checkout made stands until the subscription's own events say more than
                // "incomplete" (its `created` event, often delivered after the checkout's, says just that).
                let stand_in = existing.as_ref().is_some_and(|e| e.event_at == DateTime::UNIX_EPOCH);
                if let Some(e) = &existing
                    && (e.final_at.is_some()
                        || e.event_at > when
                        || (stand_in && status == SubscriptionStatus::Incomplete)
                        || (e.event_at == when && progress(&status) < progress(&e.status)))
                {
                    // Over for good, or already described by a newer event (on a tie in Stripe's whole seconds,
                    // the state further along wins: `created` as incomplete and `updated` to active often share one).
                    return Ok(WebhookOutcome::Ignored);
                }
                let s = Subscription {
                    workspace: ws,
                    stripe_id: sub.id.clone(),
                    plan,
                    status,
                    cancel_at_period_end: sub.cancel_at_period_end,
                    period_end: sub.period_end().map(at),
                    event_at: when,
                    final_at: ended.then(|| sub.ended_at.map_or(when, at)),
                    created_at: existing.as_ref().map_or_else(|| sub.created.map_or(when, at), |e| e.created_at),
                };
                store::save_subscription(txn, &s, crate::now()).await?;
                self.settle_plan(txn, ws).await?;
                Ok(WebhookOutcome::Applied)
            }
            Change::Invoice { event, invoice } => {
                // The subscription it bills names the workspace; else its customer.
                let by_subscription = match invoice.subscription_id() {
                    Some(s) => store::find_subscription(txn, s).await?.map(|s| s.workspace),
                    None => None,
                };
                let ws = match (by_subscription, &invoice.customer) {
                    (Some(ws), _) => Some(ws),
                    (None, Some(c)) => store::workspace_of_customer(txn, c.id()).await?,
                    (None, None) => None,
                };
                let Some(ws) = ws else { return Ok(WebhookOutcome::Ignored) };
                workspaces::lock(txn, ws).await?;
                let Some(id) = invoice.id.clone() else { return Ok(WebhookOutcome::Ignored) };
                // Stripe has no status for a failed attempt: its invoice stays `open` (Stripe retries it). Recorded
                // as `payment_failed`, so the page can say so after the lapse it starts is gone (a canceled
                // subscription); any other status Stripe names is kept as it says.
                // A voided or written-off invoice is owed no more: its status says so, and it ends the lapse a
                // failed attempt started.
                let said = invoice.status.as_deref().map(InvoiceStatus::parse);
                let status = match event {
                    InvoiceEvent::Paid => InvoiceStatus::Paid,
                    InvoiceEvent::PaymentFailed => match said {
                        None | Some(InvoiceStatus::Open) => InvoiceStatus::PaymentFailed,
                        Some(other) => other,
                    },
                    InvoiceEvent::Voided => InvoiceStatus::Void,
                    InvoiceEvent::MarkedUncollectible => InvoiceStatus::Uncollectible,
                };
                let record = Invoice {
                    workspace: ws,
                    stripe_id: id,
                    status,
                    amount_due: invoice.amount_due,
                    amount_paid: invoice.amount_paid,
                    currency: invoice.currency.clone().unwrap_or_default(),
                    hosted_url: invoice.hosted_invoice_url.clone(),
                    period_start: invoice.period_start.map(at),
                    period_end: invoice.period_end.map(at),
                    created_at: invoice.created.map_or(when, at),
                    event_at: when,
                };
                store::save_invoice(txn, &record).await?;
                self.settle_lapse(txn, ws, when).await?;
                Ok(WebhookOutcome::Applied)
            }
            Change::Other => Ok(WebhookOutcome::Ignored),
        }
    }

    /// Puts the workspace on the plan of its newest subscription that grants one, or its starting plan.
    async fn settle_plan(&self, txn: &meridian_store::DatabaseTransaction, ws: WorkspaceId) -> ServiceResult<()> {
        let state = workspaces::plan_of(txn, ws).await?.ok_or(ServiceError::NotFound("workspace"))?;
        let subs = store::subscriptions_of(txn, ws).await?;
        let plan = subs
            .iter()
            .find(|s| s.grants_plan())
            .map_or_else(|| self.starting_plan_key(state.personal), |s| s.plan.clone());
        // A lapse belongs to the plan whose payment failed: a new plan starts without one.
        let lapses_at = if plan == state.plan { state.lapses_at } else { None };
        if plan != state.plan || lapses_at != state.lapses_at {
            tracing::info!(workspace = %ws, from = %state.plan, to = %plan, "plan changed by billing");
            workspaces::set_plan(txn, ws, &plan, lapses_at).await?;
        }
        Ok(())
    }

    /// After an invoice event: the workspace's newest invoice decides. Unpaid after a failed attempt starts the
    /// grace period (once); paid ends it.
    async fn settle_lapse(
        &self,
        txn: &meridian_store::DatabaseTransaction,
        ws: WorkspaceId,
        when: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let state = workspaces::plan_of(txn, ws).await?.ok_or(ServiceError::NotFound("workspace"))?;
        let newest = store::invoices_of(txn, ws, 1).await?;
        let failing = newest.first().is_some_and(|i| !i.status.settled() && i.amount_paid < i.amount_due);
        let lapses_at = match (failing, state.lapses_at) {
            (true, Some(t)) => Some(t),
            (true, None) => Some(when + Duration::days(i64::from(self.config().billing.grace_days.min(366)))),
            (false, _) => None,
        };
        if lapses_at != state.lapses_at {
            tracing::info!(workspace = %ws, ?lapses_at, "payment state changed");
            workspaces::set_plan(txn, ws, &state.plan, lapses_at).await?;
        }
        Ok(())
    }
}

/// One workspace's billing, for the operator's overview (`meridian billing status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceBilling {
    pub slug: String,
    pub name: String,
    pub personal: bool,
    /// The plan stored on the workspace, and whether this server still configures it.
    pub plan: PlanKey,
    pub plan_configured: bool,
    /// The plan whose limits apply now (the starting plan once a lapse is over, the default for an unknown key).
    pub effective_plan: PlanKey,
    pub lapses_at: Option<DateTime<Utc>>,
    /// The newest subscription's Stripe status, if there is one.
    pub subscription_status: Option<SubscriptionStatus>,
    pub stripe_customer: Option<String>,
}

impl Services {
    /// Every workspace's plan and billing state, by slug (the operator's command line; no actor: whoever runs it
    /// has the database).
    pub async fn billing_status(&self) -> ServiceResult<Vec<WorkspaceBilling>> {
        let now = crate::now();
        let mut out = Vec::new();
        for (id, slug, name, state) in workspaces::plans(self.db()).await? {
            let plans = &self.config().plans;
            let effective = if state.lapsed(now) { self.starting_plan(state.personal) } else { plans.get(&state.plan) };
            let subscription_status = store::subscriptions_of(self.db(), id).await?.first().map(|s| s.status.clone());
            out.push(WorkspaceBilling {
                slug,
                name,
                personal: state.personal,
                plan_configured: plans.find(state.plan.as_str()).is_some(),
                effective_plan: effective.key.clone(),
                plan: state.plan,
                lapses_at: state.lapses_at,
                subscription_status,
                stripe_customer: store::customer_of(self.db(), id).await?,
            });
        }
        Ok(out)
    }
}
