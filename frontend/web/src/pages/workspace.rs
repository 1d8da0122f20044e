use super::nights::log_table;
use crate::api::nights::latest_nights;
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
    let nights = Resource::new(slug, latest_nights);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match workspace.await {
                    Ok(w) => {
                        // A visitor who may see no night logs (a private workspace's) gets no section.
                        let nights = nights.await.ok().map(|logs| {
                            view! {
                                <section id="latest-nights">
                                    <h2>"Night logs"</h2>
                                    {log_table(&w.slug, &logs)}
                                    <p><a href=format!("/w/{}/nights", w.slug)>"All nights"</a></p>
                                </section>
                            }
                        });
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
                            <Title text=crate::components::title_text(format!("{} — Meridian", w.name)) />
                            <section class="hero small">
                                <p class="badge">{w.kind.clone()} " · " {w.visibility.clone()}</p>
                                <h1>{w.name.clone()}</h1>
                                <p class="lead description">{w.description.clone()}</p>
                                {manage}
                            </section>
                            <p class="muted">
                                <a href=format!("/w/{}/observatory", w.slug)>"Observatory"</a>
                                " · " <a href=format!("/w/{}/nights", w.slug)>"Nights"</a>
                                " · " <a href=format!("/w/{}/data", w.slug)>"Data"</a>
                                {w.role.is_some().then(|| view! { " · " <a href=format!("/w/{}/targets", w.slug)>"Targets"</a> })}
                                {w.role.is_some().then(|| view! { " · " <a href=format!("/w/{}/plans", w.slug)>"Plans"</a> })}
                                " · " <a href=format!("/satellites?workspace={}", w.slug) id="satellite-check-link">"Satellite check"</a>
                            </p>
                            {nights}
                            <section>
                                <h2>"Data"</h2>
                                <p><a href=format!("/w/{}/data", w.slug)>"Datasets"</a> " · "
                                <a href=format!("/w/{}/search", w.slug)>"Search files"</a> " · "
                                <a href=format!("/w/{}/packages", w.slug)>"Data packages"</a></p>
                            </section>
                            {w.vo_base.clone().map(vo_services)}
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

/// The Virtual Observatory services of a public workspace, for TOPCAT, Aladin, pyvo and astroquery.
fn vo_services(base: String) -> impl IntoView {
    let sia = format!("{base}/sia");
    let scs = format!("{base}/scs?");
    let datalink = format!("{base}/datalink");
    let capabilities = format!("{base}/capabilities");
    view! {
        <section id="vo-services">
            <h2>"Virtual Observatory"</h2>
            <p class="muted">
                "The released images, for TOPCAT, Aladin, pyvo and astroquery (ObsCore columns from the FITS headers)."
            </p>
            <dl>
                <dt>"SIAv2 (image search)"</dt>
                <dd><code id="vo-sia">{sia}</code></dd>
                <dt>"Simple Cone Search 1.03"</dt>
                <dd><code id="vo-scs">{scs}</code></dd>
                <dt>"DataLink"</dt>
                <dd><code id="vo-datalink">{datalink}</code></dd>
                <dt>"VOSI capabilities"</dt>
                <dd><a id="vo-capabilities" href=capabilities.clone()>{capabilities.clone()}</a></dd>
            </dl>
        </section>
    }
}
