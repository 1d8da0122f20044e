//! A workspace's billing as its owner sees it: the plan and what it costs this month so far, invoices and payment
//! problems; choosing a plan (a Stripe Checkout Session) and managing the subscription (the Customer Portal).
//! Owners manage billing; admins read it; nobody else learns more than the workspace's other pages tell them.

use super::{EffectivePlan, Plan, stripe_failure};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Datelike, Utc};
use meridian_billing::Micros;
use meridian_billing::stripe::CheckoutRequest;
use meridian_domain::billing::{
    Invoice, InvoiceStatus, MeterReport, MeterReportStatus, Subscription, SubscriptionStatus,
};
use meridian_domain::{Action, PlanKey, Tier, WorkspaceId};
use meridian_store::{billing as store, data::files, data::usage, workspaces, workspaces::members};

/// One tier on the billing page.
#[derive(Debug, Clone)]
pub struct TierBilling {
    pub tier: Tier,
    pub bytes: i64,
    pub included_bytes: u64,
    pub limit_bytes: u64,
    /// GiB-months used this month so far, and by the month's end if nothing changes.
    pub month_gib_months: f64,
    pub projected_gib_months: f64,
    /// Whole GiB-months beyond the included amount by the month's end, and what they cost.
    pub projected_overage_gib_months: i64,
    pub projected_overage_cost: Micros,
    pub per_gib_month: Option<Micros>,
}

/// A plan the owner may change to.
#[derive(Debug, Clone)]
pub struct PlanChoice {
    pub key: PlanKey,
    pub name: String,
    pub monthly: Micros,
    pub currency: String,
    /// Sold through Stripe Checkout.
    pub purchasable: bool,
    pub current: bool,
}

/// What the billing page shows.
#[derive(Debug, Clone)]
pub struct BillingView {
    /// Stripe is set up on this server (otherwise plans are the operator's to set, and nothing can be bought).
    pub billing_enabled: bool,
    /// The caller is an owner: may choose a plan and open the portal.
    pub can_manage: bool,
    /// The plan whose limits apply now.
    pub plan: Plan,
    /// The plan stored on the workspace (differs from `plan` after a lapse).
    pub paid_plan: PlanKey,
    pub plan_lapses_at: Option<DateTime<Utc>>,
    pub lapsed: bool,
    /// The newest subscription, if any.
    pub subscription: Option<Subscription>,
    pub has_customer: bool,
    /// `YYYY-MM` of the month shown.
    pub month: String,
    pub tiers: Vec<TierBilling>,
    /// The plan's monthly price plus the projected overage of this month.
    pub projected_total: Micros,
    pub members: u64,
    pub members_limit: Option<u32>,
    pub invoices: Vec<Invoice>,
    pub meter_reports: Vec<MeterReport>,
    pub plans: Vec<PlanChoice>,
    /// What is wrong with paying, in words, if anything (a failed payment, a lapse).
    pub payment_problem: Option<String>,
}

pub(super) fn month_key(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    chrono::NaiveDate::from_ymd_opt(t.year(), t.month(), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(t, |d| d.and_utc())
}

impl Services {
    /// Reading billing: owners and admins (people, not keys); members and keys 403; outsiders of a private
    /// workspace 404.
    async fn billing_access(&self, actor: &Actor, slug: &str, action: Action) -> ServiceResult<crate::auth::Access> {
        let access = self.access(actor, slug).await?;
        access.require(action)?;
        // Billing is people's business: an API key's scope never reaches it.
        if access.role.is_none_or(|r| !r.allows(action)) {
            return Err(ServiceError::Forbidden("billing is read by owners and admins, and managed by owners"));
        }
        Ok(access)
    }

    /// The workspace's billing page: plan, this month's usage and projected invoice, invoices, plans to change to.
    pub async fn billing_overview(&self, actor: &Actor, slug: &str) -> ServiceResult<BillingView> {
        let access = self.billing_access(actor, slug, Action::UpdateWorkspace).await?;
        let ws = access.workspace.id;
        let can_manage = access.role.is_some_and(|r| r.allows(Action::ManageBilling));
        let now = crate::now();
        let EffectivePlan { plan, state, lapsed } = self.effective_plan(self.db(), ws).await?;
        let bytes = files::bytes_per_tier(self.db(), ws).await?;
        let month = month_key(now);
        let so_far = usage::months(self.db(), ws, 12).await?;
        // The rest of the month at today's bytes: metered so far, plus what is stored now until the month's end
        // (less what was stored since the last metering, which is small: metering runs hourly).
        let metered_until = usage::state(self.db(), ws).await?.map_or(now, |s| s.metered_until.to_utc());
        let month_end = crate::data::jobs::next_month(now);
        let start = month_start(now);
        #[expect(clippy::cast_precision_loss, reason = "seconds as f64 are exact enough for a projection")]
        let rest_secs = (month_end - metered_until.max(start)).num_seconds().max(0) as f64;
        #[expect(clippy::cast_precision_loss, reason = "seconds of a month")]
        let month_secs = (month_end - start).num_seconds() as f64;
        let mut tiers = Vec::new();
        let mut projected_total = plan.monthly;
        for (tier, bytes) in [Tier::Hot, Tier::Cool, Tier::Cold].into_iter().zip(bytes) {
            let terms = plan.tier(tier);
            let month_gib_months = so_far
                .iter()
                .filter(|m| m.month == month && m.tier == tier)
                .map(|m| meridian_domain::data::gib_months(m.byte_seconds))
                .sum::<f64>();
            #[expect(clippy::cast_precision_loss, reason = "bytes as f64 are exact enough for a projection")]
            let projected_gib_months = month_gib_months + meridian_domain::data::gib_months(bytes as f64 * rest_secs);
            let over = terms.overage_gib_months(projected_gib_months, month_secs);
            // With Stripe, only metered tiers are billed (without, the operator bills as the plan says).
            let billed = self.stripe().is_none() || terms.overage.as_ref().is_some_and(|o| o.stripe_meter.is_some());
            let cost = if billed { terms.overage_cost(over) } else { Micros(0) };
            projected_total = Micros(projected_total.0.saturating_add(cost.0));
            tiers.push(TierBilling {
                tier,
                bytes,
                included_bytes: terms.included_bytes,
                limit_bytes: terms.limit_bytes,
                month_gib_months,
                projected_gib_months,
                projected_overage_gib_months: over,
                projected_overage_cost: cost,
                per_gib_month: terms.overage.as_ref().map(|o| o.per_gib_month),
            });
        }
        let subscription = store::subscriptions_of(self.db(), ws).await?.into_iter().next();
        let invoices = store::invoices_of(self.db(), ws, 24).await?;
        let payment_problem = payment_problem(&subscription, invoices.first(), state.lapses_at, lapsed);
        let plans = self
            .storage_plans()
            .iter()
            .map(|p| PlanChoice {
                key: p.key.clone(),
                name: p.name.clone(),
                monthly: p.monthly,
                currency: p.currency.clone(),
                purchasable: p.purchasable() && self.stripe().is_some(),
                current: p.key == state.plan,
            })
            .collect();
        Ok(BillingView {
            billing_enabled: self.stripe().is_some(),
            can_manage,
            plan: plan.clone(),
            paid_plan: state.plan,
            plan_lapses_at: state.lapses_at,
            lapsed,
            subscription,
            has_customer: store::customer_of(self.db(), ws).await?.is_some(),
            month,
            tiers,
            projected_total,
            members: members::count(self.db(), ws).await?,
            members_limit: plan.members,
            invoices,
            // What was billed or failed to be; months that were not billable are not news.
            meter_reports: store::meter_reports_of(self.db(), ws, 200)
                .await?
                .into_iter()
                .filter(|r| r.status != MeterReportStatus::Skipped)
                .take(36)
                .collect(),
            plans,
            payment_problem,
        })
    }

    /// Starts paying for `plan`: a Stripe Checkout Session for the workspace's customer (made once and reused);
    /// the URL of Stripe's payment page. The plan applies when Stripe's webhook says the checkout completed.
    /// Owners only (authorization first); then 404 with billing off; 409 when a subscription already runs (change it in the portal).
    #[tracing::instrument(skip(self, actor))]
    pub async fn start_checkout(&self, actor: &Actor, slug: &str, plan: &str) -> ServiceResult<String> {
        let access = self.billing_access(actor, slug, Action::ManageBilling).await?;
        let stripe = self.stripe().ok_or(ServiceError::NotFound("billing"))?;
        let account = actor.require_account()?;
        let ws = access.workspace.id;
        let (chosen, price) = self.purchasable_plan(plan)?;
        if store::subscriptions_of(self.db(), ws).await?.iter().any(Subscription::grants_plan) {
            return Err(ServiceError::Conflict {
                field: "plan",
                message: "this workspace already pays for a plan: switch plans on the billing page (or cancel in the \
                          billing portal)"
                    .into(),
            });
        }
        let customer = self.customer_for(ws, access.workspace.name.as_str(), account.email.as_str()).await?;
        // One payable session per workspace: the one opened before is expired first (paying two would make two
        // subscriptions, each billing the plan and its meters).
        if let Some(open) = store::open_checkout_of(self.db(), ws).await? {
            use meridian_billing::stripe::StripeError;
            let gone = match stripe.expire_checkout_session(&open).await {
                Ok(()) => true,
                // Stripe does not know it (another account's test data, or deleted): nothing to pay.
                Err(StripeError::Refused { status: 404, .. }) => true,
                // Not open any more: expired, or paid a moment ago.
                Err(StripeError::Refused { .. }) => match stripe.checkout_session_status(&open).await {
                    Ok(status) if status == "expired" => true,
                    Ok(status) if status == "complete" => {
                        // Paid, and its subscription not stored yet: its webhook is on its way (or was lost, so
                        // the next attempt goes on rather than waiting forever).
                        store::set_open_checkout(self.db(), ws, None, Some(&open)).await?;
                        return Err(ServiceError::Conflict {
                            field: "plan",
                            message: "a checkout of this workspace has just been paid: its plan applies in a moment"
                                .into(),
                        });
                    }
                    Ok(_) => false,
                    Err(StripeError::Refused { status: 404, .. }) => true,
                    Err(e) => return Err(stripe_failure(e)),
                },
                Err(e) => return Err(stripe_failure(e)),
            };
            if !gone {
                return Err(stripe_failure(StripeError::Unavailable(format!("checkout session {open} stays open"))));
            }
            store::set_open_checkout(self.db(), ws, None, Some(&open)).await?;
        }
        let base = format!("{}/w/{}/billing", self.public_url(), access.workspace.slug);
        let metered = chosen.metered_prices();
        let (success, cancel) = (format!("{base}?checkout=done"), format!("{base}?checkout=canceled"));
        // A key per request (a new click, after the expiry above, gets a new session).
        let key = format!("checkout-{ws}-{}", uuid::Uuid::now_v7().simple());
        let workspace_id = ws.to_string();
        let request = CheckoutRequest {
            customer: &customer,
            price,
            metered_prices: &metered,
            workspace_id: &workspace_id,
            plan: chosen.key.as_str(),
            success_url: &success,
            cancel_url: &cancel,
            idempotency_key: &key,
        };
        let session = stripe.create_checkout_session(&request).await.map_err(stripe_failure)?;
        // Only while no other request stored one meanwhile (two tabs at once): the loser's session is expired.
        if !store::claim_open_checkout(self.db(), ws, &session.id).await? {
            let _ = stripe.expire_checkout_session(&session.id).await;
            return Err(ServiceError::Conflict {
                field: "plan",
                message: "another checkout of this workspace is being started: use that one, or try again".into(),
            });
        }
        tracing::info!(workspace = %ws, plan = %chosen.key, session = %session.id, "checkout started");
        Ok(session.url)
    }

    /// Moves the workspace's running subscription to `plan` (its prices replace the old plan's, prorated by
    /// Stripe). The plan applies when Stripe's `customer.subscription.updated` event arrives. Owners only; 404 with
    /// billing off; 409 without a running subscription (start one with checkout) or when it is on that plan.
    #[tracing::instrument(skip(self, actor))]
    pub async fn change_plan(&self, actor: &Actor, slug: &str, plan: &str) -> ServiceResult<PlanKey> {
        let access = self.billing_access(actor, slug, Action::ManageBilling).await?;
        let stripe = self.stripe().ok_or(ServiceError::NotFound("billing"))?;
        let ws = access.workspace.id;
        let (chosen, price) = self.purchasable_plan(plan)?;
        let subscriptions = store::subscriptions_of(self.db(), ws).await?;
        let state = workspaces::plan_of(self.db(), ws).await?.ok_or(ServiceError::NotFound("workspace"))?;
        if state.lapses_at.is_some()
            || subscriptions.iter().any(|s| {
                s.grants_plan() && !matches!(s.status, SubscriptionStatus::Active | SubscriptionStatus::Trialing)
            })
        {
            return Err(ServiceError::Conflict {
                field: "plan",
                message: "a payment of this workspace failed: pay the open invoice in the billing portal first".into(),
            });
        }
        let Some(running) = subscriptions.iter().find(|s| s.grants_plan()) else {
            return Err(ServiceError::Conflict {
                field: "plan",
                message: "this workspace has no running subscription: choose a plan to pay for it".into(),
            });
        };
        if running.plan == chosen.key {
            return Err(ServiceError::Conflict {
                field: "plan",
                message: format!("the workspace is on {} already", chosen.name),
            });
        }
        let metered = chosen.metered_prices();
        let workspace_id = ws.to_string();
        let key = format!("plan-{}-{}-{}", running.stripe_id, chosen.key, uuid::Uuid::now_v7().simple());
        let change = meridian_billing::stripe::PlanChange {
            subscription: &running.stripe_id,
            price,
            metered_prices: &metered,
            workspace_id: &workspace_id,
            plan: chosen.key.as_str(),
            idempotency_key: &key,
        };
        stripe.change_subscription_plan(&change).await.map_err(stripe_failure)?;
        tracing::info!(workspace = %ws, plan = %chosen.key, subscription = %running.stripe_id, "plan change sent to Stripe");
        Ok(chosen.key.clone())
    }

    /// A Stripe Customer Portal session for the workspace (cards, invoices, plan changes, cancelling); its URL.
    /// Owners only (authorization first); then 404 with billing off; 409 before the workspace has a Stripe customer.
    #[tracing::instrument(skip(self, actor))]
    pub async fn open_billing_portal(&self, actor: &Actor, slug: &str) -> ServiceResult<String> {
        let access = self.billing_access(actor, slug, Action::ManageBilling).await?;
        let stripe = self.stripe().ok_or(ServiceError::NotFound("billing"))?;
        let Some(customer) = store::customer_of(self.db(), access.workspace.id).await? else {
            return Err(ServiceError::Conflict {
                field: "billing",
                message: "this workspace has not paid for a plan yet: choose one first".into(),
            });
        };
        let back = format!("{}/w/{}/billing", self.public_url(), access.workspace.slug);
        stripe.create_portal_session(&customer, &back).await.map_err(stripe_failure)
    }

    /// A plan that can be bought, and its flat Stripe price; 422 naming `plan` otherwise.
    fn purchasable_plan(&self, plan: &str) -> ServiceResult<(&Plan, &str)> {
        let bad = |why| ServiceError::from(meridian_domain::ValidationError::new("plan", why));
        let chosen = self.config().plans.find(plan).ok_or_else(|| bad("is not one of this server's plans"))?;
        let price = chosen.stripe_price.as_deref().ok_or_else(|| bad("cannot be bought: it has no Stripe price"))?;
        Ok((chosen, price))
    }

    /// The workspace's Stripe customer, made on first need. Stripe makes one customer for any number of attempts
    /// with the same idempotency key (within a day); the row keeps the first one stored.
    async fn customer_for(&self, ws: WorkspaceId, name: &str, email: &str) -> ServiceResult<String> {
        if let Some(c) = store::customer_of(self.db(), ws).await? {
            return Ok(c);
        }
        let stripe = self.stripe().ok_or(ServiceError::NotFound("billing"))?;
        // The key names the workspace and what is sent: a retry makes no second customer, and a retry with other
        // details (another owner, a new name) within Stripe's day of keys is not refused as a reused key.
        let what = crate::secrets::token_hash(&format!("{name}\n{email}"));
        let key = format!("customer-{ws}-{}", &what[..16.min(what.len())]);
        let created = stripe.create_customer(&ws.to_string(), name, email, &key).await.map_err(stripe_failure)?;
        Ok(store::keep_customer(self.db(), ws, &created, crate::now()).await?)
    }

    /// Refuses a new member beyond the plan's limit (under the workspace's lock, in the caller's transaction).
    pub(crate) async fn check_member_limit(
        &self,
        conn: &impl meridian_store::ConnectionTrait,
        ws: WorkspaceId,
    ) -> ServiceResult<()> {
        let effective = self.effective_plan(conn, ws).await?;
        let Some(limit) = effective.plan.members else {
            return Ok(());
        };
        let count = members::count(conn, ws).await?;
        if count >= u64::from(limit) {
            return Err(ServiceError::Conflict {
                field: "members",
                message: format!(
                    "the {} plan allows {limit} members and the workspace has {count}: remove a member or change the plan",
                    effective.plan.name
                ),
            });
        }
        Ok(())
    }
}

fn payment_problem(
    subscription: &Option<Subscription>,
    newest_invoice: Option<&Invoice>,
    lapses_at: Option<DateTime<Utc>>,
    lapsed: bool,
) -> Option<String> {
    if lapsed {
        return Some(
            "A payment failed and its grace period is over: the starting plan's limits apply. Every file stays \
             readable; pay the open invoice (billing portal) to get the plan's limits back."
                .to_owned(),
        );
    }
    if let Some(at) = lapses_at {
        return Some(format!(
            "A payment failed. The plan's limits hold until {}; pay the open invoice in the billing portal before then.",
            at.format("%Y-%m-%d")
        ));
    }
    match subscription.as_ref().map(|s| &s.status) {
        Some(SubscriptionStatus::PastDue | SubscriptionStatus::Unpaid) => {
            Some("The subscription's last payment is overdue: see the billing portal.".into())
        }
        Some(SubscriptionStatus::Incomplete) => Some("The first payment has not gone through yet.".into()),
        _ if newest_invoice.is_some_and(|i| i.status == InvoiceStatus::PaymentFailed) => {
            Some("The newest invoice's payment failed: see the billing portal.".into())
        }
        _ => None,
    }
}
