//! The public list of storage plans and their prices, as the server's configuration sets them.

use crate::api::billing::storage_plans;
use crate::api::error_text;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PricingPage() -> impl IntoView {
    let plans = Resource::new(|| (), |_| storage_plans());
    view! {
        <Title text="Storage plans — Meridian" />
        <h1>"Storage plans"</h1>
        <p class="lead">
            "Every workspace is on a plan: what each storage tier may hold, and the largest file. Hot files are read
            at once; cool ones cost less to keep; cold ones are restored before reading."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match plans.await {
                    Ok(plans) => {
                        let cards = plans
                            .into_iter()
                            .map(|p| {
                                let tiers = p
                                    .tiers
                                    .into_iter()
                                    .map(|t| view! { <li><strong>{t.tier}</strong> " " {t.terms}</li> })
                                    .collect_view();
                                let members = (!p.members.is_empty()).then(|| view! { <li>{p.members.clone()}</li> });
                                view! {
                                    <section class="panel plan" data-plan=p.key.clone()>
                                        <h2>{p.name}</h2>
                                        <p class="price">{p.price}</p>
                                        <p class="muted">{p.description}</p>
                                        <ul class="plain">
                                            {tiers}
                                            <li>"files up to " {p.max_file}</li>
                                            {members}
                                        </ul>
                                    </section>
                                }
                            })
                            .collect_view();
                        view! { <div class="plans" id="plans">{cards}</div> }.into_any()
                    }
                    Err(e) => view! { <p class="alert error">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
