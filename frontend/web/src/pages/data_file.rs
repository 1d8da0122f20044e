use crate::api::data::{DeleteFile, FilePage, HduItem, RestoreFile, SetFileTier, get_data_file};
use crate::api::error_text;
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy)]
struct Actions {
    tier: ServerAction<SetFileTier>,
    restore: ServerAction<RestoreFile>,
    delete: ServerAction<DeleteFile>,
}

/// One data file: metadata, preview, every header card, its jobs, download, tier changes and delete.
#[component]
pub fn DataFilePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let id = move || params.read().get("file").unwrap_or_default();
    let session = use_session();
    let a = Actions { tier: ServerAction::new(), restore: ServerAction::new(), delete: ServerAction::new() };
    let version = move || a.tier.version().get() + a.restore.version().get();
    let file = Resource::new(move || (slug(), id(), version()), |(slug, id, _)| get_data_file(slug, id));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match file.await {
                    Err(e) => view! { <h1>"File"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(f) => page(f, csrf, a).into_any(),
                }
            })}
        </Suspense>
    }
}

fn page(p: FilePage, csrf: String, a: Actions) -> impl IntoView {
    let slug = p.workspace.slug.clone();
    let f = &p.file;
    let base = format!("/api/v1/workspaces/{slug}/files/{}", f.id);
    let meta = p.meta.iter().map(|(k, v)| view! { <tr><th>{k.clone()}</th><td>{v.clone()}</td></tr> }).collect_view();
    let preview = f.preview.then(|| {
        view! { <img class="preview" id="file-preview" alt=format!("Preview of {}", f.name) src=format!("{base}/preview.png") /> }
    });
    let ingest_error = f.ingest_message.clone().map(|m| view! { <p class="alert error">"Ingest failed: " {m}</p> });
    let hidden = || {
        view! {
            <Csrf token=csrf.clone() />
            <input type="hidden" name="slug" value=slug.clone() />
            <input type="hidden" name="id" value=f.id.clone() />
        }
    };
    let tier_forms = p.can_edit.then(|| {
        let to = |tier: &'static str| {
            let fields = view! { {hidden()} <input type="hidden" name="tier" value=tier /> };
            view! {
                <ActionForm action=a.tier attr:class="inline" attr:id=format!("tier-{tier}")>
                    {fields}
                    <button type="submit" class="small">"Move to " {tier}</button>
                </ActionForm>
            }
        };
        let cold = f.tier == "cold";
        view! {
            {(!cold && f.tier != "cool").then(|| to("cool"))}
            " "
            {(!cold).then(|| to("cold"))}
        }
    });
    let restore = if f.restore_status == "in_progress" {
        Some(view! { <span class="pill questionable" id="restore-status">"restore in progress"</span> }.into_any())
    } else if p.can_restore {
        let failed = (f.restore_status == "failed").then(|| {
            view! { <span class="pill junk" id="restore-status">"the last restore failed"</span> " " }
        });
        Some(
            {
                let fields = hidden();
                view! {
                {failed}
                <ActionForm action=a.restore attr:class="inline" attr:id="restore-form">
                    {fields}
                    <button type="submit" class="small">"Restore"</button>
                </ActionForm>
                }
            }
            .into_any(),
        )
    } else {
        None
    };
    let download = if f.tier == "cold" {
        view! { <span class="muted">"Cold files must be restored before download."</span> }.into_any()
    } else {
        view! { <a class="button small" id="download" rel="external" download="" href=format!("{base}/content")>"Download"</a> }.into_any()
    };
    let delete = p.can_delete.then(|| {
        let fields = hidden();
        view! {
            <ActionForm action=a.delete attr:class="inline" attr:id="delete-file-form">
                {fields}
                <button type="submit" class="small danger">"Delete file"</button>
            </ActionForm>
        }
    });
    let jobs = if p.jobs.is_empty() {
        view! { <p class="muted">"No jobs."</p> }.into_any()
    } else {
        let rows = p
            .jobs
            .iter()
            .map(|j| {
                view! {
                    <tr>
                        <td>{j.kind.clone()}</td>
                        <td><span class=format!("pill {}", j.status)>{j.status.clone()}</span></td>
                        <td>{j.attempts.clone()}</td>
                        <td>{j.last_error.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table compact" id="file-jobs">
                <thead><tr><th>"Job"</th><th>"Status"</th><th>"Attempts"</th><th>"Last error"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let headers = if p.hdus.is_empty() {
        view! { <p class="muted">"No header was read from this file."</p> }.into_any()
    } else {
        p.hdus.iter().map(hdu_table).collect_view().into_any()
    };
    view! {
        <Title text=crate::components::title_text(format!("{} — Meridian", f.name)) />
        <p class="muted">
            <a href=format!("/w/{slug}")>{p.workspace.name.clone()}</a> " / "
            <a href=format!("/w/{slug}/data")>"Data"</a> " / "
            <a href=format!("/w/{slug}/data/{}", f.dataset_id)>{p.dataset_name.clone()}</a>
        </p>
        <h1 class="file-name">{f.name.clone()}</h1>
        {ingest_error}
        <section class="panel" id="file-tier">
            <p>
                "Tier: " <span class=format!("pill tier-{}", f.tier) id="file-tier-name">{f.tier.clone()}</span> " "
                {tier_forms} " " {restore} " " {download} " " {delete}
            </p>
            {action_error(move || a.tier.value().get())}
            {action_error(move || a.restore.value().get())}
            {action_error(move || a.delete.value().get())}
        </section>
        <div class="file-top">
            <table class="table compact" id="file-meta"><tbody>{meta}</tbody></table>
            {preview}
        </div>
        <section class="panel">
            <h2>"Jobs"</h2>
            {jobs}
        </section>
        <section class="panel" id="file-header">
            <h2>"Header"</h2>
            {headers}
        </section>
    }
}

fn hdu_table(h: &HduItem) -> impl IntoView + use<> {
    let rows = h
        .cards
        .iter()
        .map(|(k, v, c)| view! { <tr><td>{k.clone()}</td><td>{v.clone()}</td><td class="muted">{c.clone()}</td></tr> })
        .collect_view();
    view! {
        <h3>{h.title.clone()}</h3>
        <table class="table compact mono header-cards">
            <thead><tr><th>"Keyword"</th><th>"Value"</th><th>"Comment"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
