use crate::api::{error_text, public_workspaces};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn Home() -> impl IntoView {
    let directory = Resource::new(|| (), |_| public_workspaces());
    let query = use_query_map();
    let deleted = move || query.read().get("deleted").is_some();
    view! {
        <Title text="Meridian — the observatory portal" />
        {move || {
            deleted()
                .then(|| view! { <p class="alert success" id="account-deleted">"Your account was deleted. Goodbye, and clear skies."</p> })
        }}
        <section class="hero">
            <h1>"Your observatory, one portal."</h1>
            <p class="lead">
                "Night logs, observations, data and satellite checks for small observatories, their staff and
                citizen scientists — with a public REST API for your own programs."
            </p>
            <p>
                <a href="/sign-up" class="button">
                    "Create an account"
                </a>
                " "
                <a href="/sign-in" class="button secondary">
                    "Sign in"
                </a>
            </p>
        </section>
        <section>
            <h2>"Public observatories"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match directory.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No public workspaces yet."</p> }.into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul class="cards">
                                    {list
                                        .into_iter()
                                        .map(|w| {
                                            view! {
                                                <li class="card">
                                                    <a href=format!("/w/{}", w.slug)>
                                                        <strong>{w.name}</strong>
                                                    </a>
                                                    <p class="muted">{w.description}</p>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_actix::ResponseOptions>() {
            res.set_status(actix_web::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found — Meridian" />
        <h1>"Not found"</h1>
        <p>"There is nothing here, or it is not yours to see."</p>
        <p>
            <a href="/">"Back to the start"</a>
        </p>
    }
}
