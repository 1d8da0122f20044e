use crate::api::data::{CreateTierRule, DeleteTierRule, StorageInfo, get_storage};
use crate::api::error_text;
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use meridian_domain::FrameType;

/// Storage usage of a workspace (per tier against the plan, reservations, monthly history) and its tier rules.
#[component]
pub fn StoragePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let session = use_session();
    let add = ServerAction::<CreateTierRule>::new();
    let remove = ServerAction::<DeleteTierRule>::new();
    let info =
        Resource::new(move || (slug(), add.version().get() + remove.version().get()), |(slug, _)| get_storage(slug));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Storage"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(s) => page(s, csrf, add, remove).into_any(),
                }
            })}
        </Suspense>
    }
}

fn page(
    s: StorageInfo,
    csrf: String,
    add: ServerAction<CreateTierRule>,
    remove: ServerAction<DeleteTierRule>,
) -> impl IntoView {
    let slug = s.workspace.slug.clone();
    let bars = s
        .tiers
        .iter()
        .map(|t| {
            view! {
                <div class="usage" id=format!("usage-{}", t.tier)>
                    <div class="usage-label">
                        <strong>{t.tier.clone()}</strong> " " {t.used.clone()} " of " {t.limit.clone()}
                        " (" {format!("{:.1}", t.percent)} "%)"
                    </div>
                    <div class="bar"><div class="bar-fill" style=format!("width: {:.2}%", t.percent)></div></div>
                </div>
            }
        })
        .collect_view();
    let history = if s.history.is_empty() {
        view! { <p class="muted">"No usage recorded yet."</p> }.into_any()
    } else {
        let rows = s
            .history
            .iter()
            .map(|m| {
                view! {
                    <tr><td>{m.month.clone()}</td><td class="num">{m.hot.clone()}</td>
                    <td class="num">{m.cool.clone()}</td><td class="num">{m.cold.clone()}</td></tr>
                }
            })
            .collect_view();
        view! {
            <table class="table compact" id="usage-history">
                <thead><tr><th>"Month"</th><th class="num">"Hot"</th><th class="num">"Cool"</th><th class="num">"Cold"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let rules = s
        .rules
        .iter()
        .map(|r| {
            let delete = s.can_edit_rules.then(|| {
                let fields = view! {
                    <Csrf token=csrf.clone() />
                    <input type="hidden" name="slug" value=slug.clone() />
                    <input type="hidden" name="id" value=r.id.clone() />
                };
                view! {
                    <ActionForm action=remove attr:class="inline">
                        {fields}
                        <button type="submit" class="small">"Delete"</button>
                    </ActionForm>
                }
            });
            let any = |v: &str, none: &str| if v.is_empty() { none.to_owned() } else { v.to_owned() };
            view! {
                <tr>
                    <td>{r.name.clone()}</td>
                    <td>{any(&r.frame_type, "any")}</td>
                    <td class="num">{any(&r.cool_after_days, "—")}</td>
                    <td class="num">{any(&r.cold_after_days, "—")}</td>
                    <td>{delete}</td>
                </tr>
            }
        })
        .collect_view();
    let rules_table = if s.rules.is_empty() {
        view! { <p class="muted">"No tier rules: files stay hot."</p> }.into_any()
    } else {
        view! {
            <table class="table compact" id="tier-rules">
                <thead><tr><th>"Rule"</th><th>"Frame type"</th><th class="num">"Cool after (days)"</th>
                <th class="num">"Cold after (days)"</th><th></th></tr></thead>
                <tbody>{rules}</tbody>
            </table>
        }
        .into_any()
    };
    let add_form = s.can_edit_rules.then(|| {
        let frames =
            FrameType::ALL.iter().map(|f| view! { <option value=f.as_str()>{f.as_str()}</option> }).collect_view();
        let fields = view! {
            <Csrf token=csrf.clone() />
            <input type="hidden" name="slug" value=slug.clone() />
            <label>"Name" <input type="text" name="name" required /></label>
            <label>"Frame type" <select name="frame_type"><option value="">"Any"</option>{frames}</select></label>
        };
        view! {
            <h3>"Add a rule"</h3>
            <ActionForm action=add attr:class="form row" attr:id="tier-rule-form">
                {fields}
                <label>"Cool after days" <input type="number" min="0" name="cool_after_days" /></label>
                <label>"Cold after days" <input type="number" min="0" name="cold_after_days" /></label>
                <button type="submit">"Add rule"</button>
            </ActionForm>
            {action_error(move || add.value().get())}
            {action_error(move || remove.value().get())}
        }
    });
    view! {
        <Title text=crate::components::title_text(format!("Storage · {} — Meridian", s.workspace.name)) />
        <p class="muted">
            <a href=format!("/w/{slug}")>{s.workspace.name.clone()}</a> " / "
            <a href=format!("/w/{slug}/data")>"Data"</a>
        </p>
        <h1>"Storage"</h1>
        <section class="panel" id="usage">
            {(!s.plan_lapses.is_empty()).then(|| view! {
                <p class="alert warning" id="plan-lapses">
                    "A payment for this plan failed. Its limits hold until " {s.plan_lapses.clone()}
                    "; after that, uploads beyond the starting plan\u{2019}s limits are refused (nothing is deleted)."
                </p>
            })}
            <p>"Plan: " <strong id="plan">{s.plan.clone()}</strong>
               " (" <a href=format!("/w/{slug}/billing") id="billing-link">"billing"</a> ")"
               " · largest file " {s.max_file.clone()}
               " · uploads in progress reserve " <span id="reserved">{s.reserved.clone()}</span></p>
            {bars}
        </section>
        <section class="panel">
            <h2>"History (GiB-months)"</h2>
            {history}
        </section>
        <section class="panel">
            <h2>"Tier rules"</h2>
            {rules_table}
            {add_form}
        </section>
    }
}
