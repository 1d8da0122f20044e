use crate::api::{error_text, get_workspace};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A workspace's public page: what anyone may see of it.
#[component]
pub fn WorkspacePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let workspace = Resource::new(slug, get_workspace);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match workspace.await {
                    Ok(w) => {
                        let manage = w
                            .role
                            .as_ref()
                            .map(|role| {
                                view! {
                                    <p class="muted">
                                        "You are " {role.clone()} " here · "
                                        <a href=format!("/w/{}/settings", w.slug)>"Settings"</a>
                                    </p>
                                }
                            });
                        view! {
                            <Title text=format!("{} — Meridian", w.name) />
                            <section class="hero small">
                                <p class="badge">{w.kind.clone()} " · " {w.visibility.clone()}</p>
                                <h1>{w.name.clone()}</h1>
                                <p class="lead description">{w.description.clone()}</p>
                                {manage}
                            </section>
                            <p class="muted">
                                <a href=format!("/w/{}/observatory", w.slug)>"Observatory"</a>
                                {w.role.is_some().then(|| view! { " · " <a href=format!("/w/{}/targets", w.slug)>"Targets"</a> })}
                            </p>
                            <section>
                                <h2>"Night logs and data"</h2>
                                <p class="muted">"Public night logs, datasets and packages will appear here."</p>
                            </section>
                        }
                            .into_any()
                    }
                    Err(e) => {
                        view! {
                            <Title text="Not found — Meridian" />
                            <h1>"Not found"</h1>
                            <p>{error_text(&e)}</p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
