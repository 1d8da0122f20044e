use super::data::{file_table, pager};
use crate::api::data::{FileSearch, search_files};
use crate::api::{error_text, get_workspace};
use crate::components::textarea_text;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use meridian_domain::FrameType;

/// The file search: a GET form (so a search is a shareable address) and the files it finds.
#[component]
pub fn DataSearchPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    let search = move || FileSearch {
        object: q("object"),
        date_from: q("date_from"),
        date_to: q("date_to"),
        filter: q("filter"),
        instrument: q("instrument"),
        frame_type: q("frame_type"),
        headers: q("headers"),
        ra: q("ra"),
        dec: q("dec"),
        radius: q("radius"),
    };
    let cursor = move || q("cursor");
    let workspace = Resource::new(slug, get_workspace);
    let hits = Resource::new(move || (slug(), search(), cursor()), |(slug, s, cursor)| search_files(slug, s, cursor));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match workspace.await {
                    Err(e) => view! { <h1>"Search files"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(w) => {
                        let s = search();
                        let searched = !s.is_empty();
                        let paged = !cursor().is_empty();
                        let results = match hits.await {
                            Err(e) => view! { <p class="alert error">{error_text(&e)}</p> }.into_any(),
                            Ok(_) if !searched => ().into_any(),
                            Ok(files) => {
                                let n = files.items.len();
                                let files_word = if n == 1 { "file" } else { "files" };
                                let found = match (files.next_cursor.is_some(), paged) {
                                    (false, false) => format!("{n} {files_word} found"),
                                    (true, false) => format!("{n} {files_word} found, the newest first; more on the next page"),
                                    (_, true) => format!("{n} more {files_word} found"),
                                };
                                view! {
                                    <p class="muted" id="found">{found}</p>
                                    {file_table(&w.slug, &files.items, false)}
                                    {pager(&format!("/w/{}/search", w.slug), &s.query_string(), files.next_cursor.as_deref(), paged)}
                                }
                                .into_any()
                            }
                        };
                        view! {
                            <Title text=crate::components::title_text(format!("Search files · {} — Meridian", w.name)) />
                            <p class="muted">
                                <a href=format!("/w/{}", w.slug)>{w.name.clone()}</a> " / "
                                <a href=format!("/w/{}/data", w.slug)>"Data"</a>
                            </p>
                            <h1>"Search files"</h1>
                            {form(&s)}
                            {results}
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn form(s: &FileSearch) -> impl IntoView + use<> {
    let frames = FrameType::ALL
        .iter()
        .map(|f| view! { <option value=f.as_str() selected=s.frame_type == f.as_str()>{f.as_str()}</option> })
        .collect_view();
    view! {
        <form method="get" class="form row panel" id="file-search">
            <label>"Object" <input type="text" name="object" value=s.object.clone() /></label>
            <label>"Observed from" <input type="date" name="date_from" value=s.date_from.clone() /></label>
            <label>"Observed to" <input type="date" name="date_to" value=s.date_to.clone() /></label>
            <label>"Filter" <input type="text" name="filter" value=s.filter.clone() /></label>
            <label>"Instrument" <input type="text" name="instrument" value=s.instrument.clone() /></label>
            <label>"Frame type" <select name="frame_type"><option value="">"Any"</option>{frames}</select></label>
            <label>"Header conditions (one a line: EXPTIME=10..30, AIRMASS<=1.5, FILTER=R)"
                <textarea name="headers" rows="2">{textarea_text(&s.headers)}</textarea>
            </label>
            <label>"RA (°)" <input type="text" name="ra" size="8" value=s.ra.clone() /></label>
            <label>"Dec (°)" <input type="text" name="dec" size="8" value=s.dec.clone() /></label>
            <label>"Radius (°)" <input type="text" name="radius" size="6" value=s.radius.clone() /></label>
            <button type="submit">"Search"</button>
        </form>
    }
}
