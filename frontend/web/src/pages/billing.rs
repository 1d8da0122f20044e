//! A workspace's billing: its plan and what it costs, this month's storage against the plan and the projected
//! invoice, payment problems, invoices and the overage billed; owners change the plan (Stripe Checkout) and manage
//! payment in Stripe's Customer Portal. Admins read it.

use crate::api::billing::{BillingInfo, ChangePlan, OpenBillingPortal, StartCheckout, get_billing};
use crate::api::error_text;
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn BillingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let session = use_session();
    let checkout = ServerAction::<StartCheckout>::new();
    let switch = ServerAction::<ChangePlan>::new();
    let portal = ServerAction::<OpenBillingPortal>::new();
    let info = Resource::new(move || (slug(), switch.version().get()), |(slug, _)| get_billing(slug));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                let returned = query.read_untracked().get("checkout").unwrap_or_default();
                let changed = query.read_untracked().get("changed").is_some()
                    || matches!(switch.value().get_untracked(), Some(Ok(())));
                match info.await {
                    Err(e) => view! { <h1>"Billing"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(b) => page(b, &returned, changed, csrf, Actions { checkout, switch, portal }).into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    checkout: ServerAction<StartCheckout>,
    switch: ServerAction<ChangePlan>,
    portal: ServerAction<OpenBillingPortal>,
}

fn page(b: BillingInfo, returned: &str, changed: bool, csrf: String, actions: Actions) -> impl IntoView {
    let Actions { checkout, switch, portal } = actions;
    let slug = b.workspace.slug.clone();
    // The page Stripe sends people back to: the words are ours, nothing of the URL is shown.
    let notice = match returned {
        "done" => Some(view! {
            <p class="alert success" id="checkout-done">
                "Thank you: the payment went through. The new plan applies as soon as Stripe confirms it (usually within
                seconds; reload if it is not shown yet)."
            </p>
        }
        .into_any()),
        "canceled" => Some(view! {
            <p class="alert" id="checkout-canceled">"Checkout was canceled: nothing was charged, the plan is unchanged."</p>
        }
        .into_any()),
        _ if changed => Some(view! {
            <p class="alert success" id="plan-change-sent">
                "The plan change was sent to Stripe; it applies as soon as Stripe confirms it (reload if it is not
                shown yet). Stripe prorates the difference on the next invoice."
            </p>
        }
        .into_any()),
        _ => None,
    };
    let problem = (!b.payment_problem.is_empty())
        .then(|| view! { <p class="alert warning" id="payment-problem">{b.payment_problem.clone()}</p> });
    let bars = b
        .tiers
        .iter()
        .map(|t| {
            let overage = (!t.overage.is_empty()).then(|| view! { <span class="muted">" · " {t.overage.clone()}</span> });
            view! {
                <div class="usage" id=format!("billing-{}", t.tier)>
                    <div class="usage-label">
                        <strong>{t.tier.clone()}</strong> " " {t.used.clone()} " of " {t.limit.clone()}
                        " (" {t.included.clone()} " included)"
                    </div>
                    <div class="bar"><div class="bar-fill" style=format!("width: {:.2}%", t.percent)></div></div>
                    <div class="muted small">
                        {t.month_so_far.clone()} " GiB-months so far, " {t.projected.clone()} " by the month\u{2019}s end"
                        {overage}
                    </div>
                </div>
            }
        })
        .collect_view();
    let (plans, subscribed, has_customer) = (b.plans.clone(), b.subscribed, b.has_customer);
    let form_slug = slug.clone();
    let manage = (b.can_manage && b.billing_enabled).then(move || {
        let slug = form_slug;
        let choices = plans
            .into_iter()
            .filter(|p| !p.current)
            .map(|p| {
                let action = if p.purchasable && !subscribed {
                    let fields = view! {
                        <Csrf token=csrf.clone() />
                        <input type="hidden" name="slug" value=slug.clone() />
                        <input type="hidden" name="plan" value=p.key.clone() />
                    };
                    let button = view! {
                        <button type="submit" class="small" data-plan=p.key.clone()>"Choose " {p.name.clone()}</button>
                    };
                    view! {
                        <ActionForm action=checkout attr:class="inline">
                            {fields}
                            {button}
                        </ActionForm>
                    }
                    .into_any()
                } else if p.purchasable {
                    let fields = view! {
                        <Csrf token=csrf.clone() />
                        <input type="hidden" name="slug" value=slug.clone() />
                        <input type="hidden" name="plan" value=p.key.clone() />
                    };
                    let button = view! {
                        <button type="submit" class="small" data-switch=p.key.clone()>"Switch to " {p.name.clone()}</button>
                    };
                    view! {
                        <ActionForm action=switch attr:class="inline">
                            {fields}
                            {button}
                        </ActionForm>
                    }
                    .into_any()
                } else {
                    view! { <span class="muted">"not sold online"</span> }.into_any()
                };
                view! { <tr><td>{p.name.clone()}</td><td>{p.price.clone()}</td><td>{action}</td></tr> }
            })
            .collect_view();
        let portal_form = has_customer.then(|| {
            let fields = view! {
                <Csrf token=csrf.clone() />
                <input type="hidden" name="slug" value=slug.clone() />
            };
            view! {
                <ActionForm action=portal attr:id="portal-form">
                    {fields}
                    <button type="submit" id="open-portal">"Manage payment, invoices and cancellation"</button>
                </ActionForm>
                <p class="muted small">"Opens Stripe\u{2019}s billing portal; it sends you back here."</p>
            }
        });
        view! {
            <section class="panel" id="change-plan">
                <h2>"Change plan"</h2>
                <p class="muted">
                    "A new or switched plan applies as soon as Stripe confirms it. After a downgrade or cancellation
                    every file stays where it is and readable; uploads beyond the new plan\u{2019}s limits are refused."
                </p>
                <table class="table compact"><tbody>{choices}</tbody></table>
                {portal_form}
                {action_error(move || checkout.value().get())}
                {action_error(move || switch.value().get())}
                {action_error(move || portal.value().get())}
            </section>
        }
    });
    let off = (!b.billing_enabled).then(|| {
        view! {
            <p class="muted" id="billing-off">
                "This server does not sell plans: its operator sets each workspace\u{2019}s plan."
            </p>
        }
    });
    let read_only = (b.billing_enabled && !b.can_manage).then(
        || view! { <p class="muted" id="billing-read-only">"Only the workspace\u{2019}s owners change its plan."</p> },
    );
    let invoices = if b.invoices.is_empty() {
        view! { <p class="muted">"No invoices yet."</p> }.into_any()
    } else {
        let rows = b
            .invoices
            .iter()
            .map(|i| {
                let link = (!i.url.is_empty())
                    .then(|| view! { <a href=i.url.clone() rel="external noopener noreferrer">"View"</a> });
                view! {
                    <tr><td>{i.date.clone()}</td><td>{i.period.clone()}</td><td>{i.status.clone()}</td>
                    <td class="num">{i.amount.clone()}</td><td>{link}</td></tr>
                }
            })
            .collect_view();
        view! {
            <table class="table compact" id="invoices">
                <thead><tr><th>"Date"</th><th>"Period"</th><th>"Status"</th><th class="num">"Amount"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let metered = (!b.meter_reports.is_empty()).then(|| {
        let rows = b
            .meter_reports
            .iter()
            .map(|r| {
                view! {
                    <tr><td>{r.month.clone()}</td><td>{r.tier.clone()}</td><td class="num">{r.gib_months}</td>
                    <td>{r.status.clone()}</td></tr>
                }
            })
            .collect_view();
        view! {
            <h3>"Storage beyond the plan, billed"</h3>
            <table class="table compact" id="meter-reports">
                <thead><tr><th>"Month"</th><th>"Tier"</th><th class="num">"GiB-months"</th><th>"Sent to Stripe"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let subscription = (!b.subscription_status.is_empty()).then(|| {
        view! {
            " · subscription " <span id="subscription-status">{b.subscription_status.clone()}</span>
            {(!b.renewal.is_empty()).then(|| view! { " (" {b.renewal.clone()} ")" })}
        }
    });
    view! {
        <Title text=crate::components::title_text(format!("Billing · {} — Meridian", b.workspace.name)) />
        <p class="muted">
            <a href=format!("/w/{slug}")>{b.workspace.name.clone()}</a> " / "
            <a href=format!("/w/{slug}/storage")>"Storage"</a>
        </p>
        <h1>"Billing"</h1>
        {notice}
        {problem}
        <section class="panel" id="current-plan">
            <p>
                "Plan: " <strong id="billing-plan" data-plan=b.plan_key.clone()>{b.plan_name.clone()}</strong>
                " · " {b.plan_price.clone()} {subscription}
            </p>
            <p>"Members: " <span id="billing-members">{b.members.clone()}</span></p>
            {off}
            {read_only}
        </section>
        <section class="panel" id="this-month">
            <h2>"This month (" {b.month.clone()} ")"</h2>
            {bars}
            <p>"Projected invoice: " <strong id="projected-total">{b.projected_total.clone()}</strong>
               <span class="muted">" (the plan\u{2019}s price and the storage beyond it, if nothing changes)"</span></p>
        </section>
        {manage}
        <section class="panel">
            <h2>"Invoices"</h2>
            {invoices}
            {metered}
        </section>
    }
}
