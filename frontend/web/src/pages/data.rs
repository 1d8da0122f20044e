use crate::api::data::{
    CreateDataset, DataIndex, DatasetItem, DatasetPage as DatasetInfo, FileItem, get_data_index, get_dataset_files,
    get_dataset_page,
};
use crate::api::error_text;
use crate::components::{Csrf, action_error, textarea_text, use_session};
use leptos::html::Button;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A workspace's datasets, the form that creates one, and links to the search and storage usage.
#[component]
pub fn DataPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let cursor = move || query.read().get("cursor").unwrap_or_default();
    let session = use_session();
    let create = ServerAction::<CreateDataset>::new();
    let info = Resource::new(
        move || (slug(), cursor(), create.version().get()),
        |(slug, cursor, _)| get_data_index(slug, cursor),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Data"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(d) => index(d, csrf, create, !cursor().is_empty()).into_any(),
                }
            })}
        </Suspense>
    }
}

fn release_badge(d: &DatasetItem) -> impl IntoView + use<> {
    let release = if d.release.is_empty() { "not released".to_owned() } else { format!("release {}", d.release) };
    view! {
        <span class="muted">{release}</span>
        {d.public.then(|| view! { " " <span class="pill public">"public"</span> })}
    }
}

/// "Next page" (to `?cursor=`) and, past the first page, "First page" (to `base`): keyset pages have no numbers.
pub fn pager(base: &str, query: &str, next: Option<&str>, paged: bool) -> impl IntoView + use<> {
    let join = if query.is_empty() { "" } else { "&" };
    let first = paged.then(|| {
        let href = if query.is_empty() { base.to_owned() } else { format!("{base}?{query}") };
        view! { <a href=href class="first-page">"← First page"</a> }
    });
    let next = next.map(|c| {
        let href = format!("{base}?{query}{join}cursor={}", crate::api::data::query_encoded(c));
        view! { <a href=href class="next-page" rel="next">"Next page →"</a> }
    });
    let sep = (first.is_some() && next.is_some()).then_some(" · ");
    (first.is_some() || next.is_some()).then(|| view! { <p class="pager">{first}{sep}{next}</p> })
}

fn index(d: DataIndex, csrf: String, create: ServerAction<CreateDataset>, paged: bool) -> impl IntoView {
    let slug = d.workspace.slug.clone();
    let rows = d
        .datasets
        .iter()
        .map(|ds| {
            view! {
                <tr>
                    <td><a href=format!("/w/{slug}/data/{}", ds.id)>{ds.name.clone()}</a></td>
                    <td class="num">{ds.file_count}</td>
                    <td class="num">{ds.total_size.clone()}</td>
                    <td>{release_badge(ds)}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if d.datasets.is_empty() && !paged {
        view! { <p class="muted">"No datasets yet."</p> }.into_any()
    } else {
        view! {
            <table class="table" id="datasets">
                <thead><tr><th>"Dataset"</th><th class="num">"Files"</th><th class="num">"Size"</th><th>"Release"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let form = d.can_create.then(|| {
        let telescopes = d
            .telescopes
            .iter()
            .map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> })
            .collect_view();
        let fields = view! { <Csrf token=csrf /> <input type="hidden" name="slug" value=slug.clone() /> };
        view! {
            <section class="panel">
                <h2>"New dataset"</h2>
                <ActionForm action=create attr:class="form" attr:id="create-dataset-form">
                    {fields}
                    <label>"Name" <input type="text" name="name" required maxlength="120" /></label>
                    <label>"Description" <textarea name="description" rows="3">{textarea_text("")}</textarea></label>
                    <label>"Default telescope"
                        <select name="telescope_id"><option value="">"None"</option>{telescopes}</select>
                    </label>
                    <label>"Release date (empty: never public)" <input type="date" name="release_date" /></label>
                    <button type="submit">"Create dataset"</button>
                </ActionForm>
                {action_error(move || create.value().get())}
            </section>
        }
    });
    let storage = d.is_member.then(|| view! { " · " <a href=format!("/w/{slug}/storage")>"Storage usage"</a> });
    view! {
        <Title text=crate::components::title_text(format!("Data · {} — Meridian", d.workspace.name)) />
        <p class="muted"><a href=format!("/w/{slug}")>"← " {d.workspace.name.clone()}</a></p>
        <h1>"Data"</h1>
        <p class="muted"><a href=format!("/w/{slug}/search")>"Search files"</a> {storage}</p>
        {table}
        {pager(&format!("/w/{slug}/data"), "", d.next_cursor.as_deref(), paged)}
        {form}
    }
}

/// One dataset: its files, and (for uploaders) the upload box. `/assets/upload.js` sends the files to the API
/// with progress and retries, then presses "Refresh list", so the list updates without a reload.
#[component]
pub fn DatasetPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let query = use_query_map();
    let id = move || params.read().get("dataset").unwrap_or_default();
    let cursor = move || query.read().get("cursor").unwrap_or_default();
    let refresh = RwSignal::new(0_usize);
    let info = Resource::new(move || (slug(), id()), |(slug, id)| get_dataset_page(slug, id));
    let files = Resource::new(
        move || (slug(), id(), cursor(), refresh.get()),
        |(slug, id, cursor, _)| get_dataset_files(slug, id, cursor),
    );
    let refresh_ref = NodeRef::<Button>::new();
    Effect::new(move |_| {
        // Effects run only in the browser, once hydrated: the mark tells the upload script the button works.
        if let Some(b) = refresh_ref.get() {
            let _ = b.set_attribute("data-live", "");
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Err(e) => view! { <h1>"Dataset"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(d) => {
                        let slug = d.workspace.slug.clone();
                        view! {
                            {head(&d)}
                            {upload_box(&d)}
                            <section class="panel">
                                <h2>"Files"</h2>
                                <p>
                                    <button type="button" class="link" id="refresh-files" node_ref=refresh_ref
                                        on:click=move |_| refresh.update(|n| *n += 1)>"Refresh list"</button>
                                </p>
                                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                                    {move || {
                                        let slug = slug.clone();
                                        let base = format!("/w/{slug}/data/{}", id());
                                        let paged = !cursor().is_empty();
                                        Suspend::new(async move {
                                            match files.await {
                                                Err(e) => view! { <p class="alert error">{error_text(&e)}</p> }.into_any(),
                                                Ok(files) => view! {
                                                    {file_table(&slug, &files.items, true)}
                                                    {pager(&base, "", files.next_cursor.as_deref(), paged)}
                                                }
                                                .into_any(),
                                            }
                                        })
                                    }}
                                </Transition>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn head(d: &DatasetInfo) -> impl IntoView + use<> {
    let slug = d.workspace.slug.clone();
    let ds = &d.dataset;
    view! {
        <Title text=crate::components::title_text(format!("{} · Data — Meridian", ds.name)) />
        <p class="muted">
            <a href=format!("/w/{slug}")>{d.workspace.name.clone()}</a> " / "
            <a href=format!("/w/{slug}/data")>"Data"</a>
        </p>
        <h1>{ds.name.clone()}</h1>
        <p class="description">{ds.description.clone()}</p>
        <p>{ds.file_count} " files · " {ds.total_size.clone()} " · " {release_badge(ds)}</p>
    }
}

/// From this size (bytes) the page sends a file as a resumable upload in parts: a broken connection then costs a
/// part, not the file, and choosing the file again later resumes it.
const RESUMABLE_FROM: u64 = 32 * 1024 * 1024;

fn upload_box(d: &DatasetInfo) -> impl IntoView + use<> {
    d.can_upload.then(|| {
        let url = format!("/api/v1/workspaces/{}/datasets/{}/files/", d.workspace.slug, d.dataset.id);
        // Large files go as resumable uploads (started here, parts sent to the upload's own routes).
        let uploads = format!("/api/v1/workspaces/{}/datasets/{}/uploads", d.workspace.slug, d.dataset.id);
        let upload_base = format!("/api/v1/workspaces/{}/uploads/", d.workspace.slug);
        let shown = format!("PUT {url}{{file name}}");
        view! {
            <section class="panel" id="upload">
                <h2>"Upload"</h2>
                <div id="upload-box" data-url=url data-uploads=uploads data-upload-base=upload_base data-resumable-from=RESUMABLE_FROM>
                    <label class="js-only">"Choose files to upload " <input type="file" id="upload-input" multiple /></label>
                    <p class="nojs-only muted" id="upload-nojs">
                        "Uploading from this page needs JavaScript. Without it, upload with the API: "
                        <code>{shown}</code> " with the bytes as the body (see the "
                        <a href="/api/v1/openapi.json" rel="external">"API description"</a> " and the user guide)."
                    </p>
                    <ul class="plain uploads" id="upload-list"></ul>
                </div>
            </section>
        }
    })
}

/// A table of files linking to their pages (the dataset page and the search).
pub fn file_table(slug: &str, files: &[FileItem], previews: bool) -> impl IntoView + use<> {
    if files.is_empty() {
        return view! { <p class="muted" id="no-files">"No files."</p> }.into_any();
    }
    let rows = files
        .iter()
        .map(|f| {
            let thumb = (previews && f.preview).then(|| {
                view! {
                    <img class="thumb" loading="lazy" alt=format!("Preview of {}", f.name)
                        src=format!("/api/v1/workspaces/{slug}/files/{}/preview.png", f.id) />
                }
            });
            let ingest = match &f.ingest_message {
                Some(m) if f.ingest_status == "failed" => view! {
                    <span class="pill junk">"failed"</span> " " <span class="ingest-error">{m.clone()}</span>
                }
                .into_any(),
                _ => view! { <span class=format!("pill {}", f.ingest_status)>{f.ingest_status.clone()}</span> }
                    .into_any(),
            };
            view! {
                <tr class="file-row">
                    {previews.then(|| view! { <td>{thumb}</td> })}
                    <td><a href=format!("/w/{slug}/files/{}", f.id)>{f.name.clone()}</a></td>
                    <td class="num">{f.size.clone()}</td>
                    <td><span class=format!("pill tier-{}", f.tier)>{f.tier.clone()}</span></td>
                    <td>{f.object.clone()}</td>
                    <td>{f.date_obs.clone()}</td>
                    <td>{f.filter.clone()}</td>
                    <td>{f.frame_type.clone()}</td>
                    <td>{ingest}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table compact" id="files">
            <thead>
                <tr>
                    {previews.then(|| view! { <th>"Preview"</th> })}
                    <th>"Name"</th><th class="num">"Size"</th><th>"Tier"</th><th>"Object"</th><th>"DATE-OBS"</th>
                    <th>"Filter"</th><th>"Frame"</th><th>"Ingest"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
