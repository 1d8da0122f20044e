use crate::api::error_text;
use crate::api::nights::{
    EntryHit, EntrySearch, NightSummary, NightsInfo, StartNightLog, TimeLostRow, get_nights, search_entries,
};
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use meridian_domain::EntryLevel;

/// The nights of a workspace: tonight per telescope, the logs (filtered by `?telescope=&from=&to=`), the time lost
/// over them, and an entry search (`?q=&tags=&tag_mode=&level=&night_from=&night_to=`).
#[component]
pub fn NightsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    let filter = move || (q("telescope"), q("from"), q("to"));
    let search = move || EntrySearch {
        q: q("q"),
        tags: q("tags"),
        tag_mode: q("tag_mode"),
        level: q("level"),
        night_from: q("night_from"),
        night_to: q("night_to"),
    };
    let session = use_session();
    let start = ServerAction::<StartNightLog>::new();
    let info = Resource::new(
        move || (slug(), filter()),
        |(slug, (telescope, from, to))| get_nights(slug, telescope, from, to),
    );
    let hits = Resource::new(move || (slug(), search()), |(slug, s)| search_entries(slug, s));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Nights"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(n) => {
                        let hits = hits.await;
                        page(n, filter(), search(), hits, csrf, start).into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn page(
    n: NightsInfo,
    (telescope, from, to): (String, String, String),
    search: EntrySearch,
    hits: Result<Vec<EntryHit>, ServerFnError>,
    csrf: String,
    start: ServerAction<StartNightLog>,
) -> impl IntoView {
    let slug = n.workspace.slug.clone();
    // Each of the two GET forms carries the other's current values, so using one keeps what the other shows.
    let keep_search = hidden(vec![
        ("q", search.q.clone()),
        ("tags", search.tags.clone()),
        ("tag_mode", search.tag_mode.clone()),
        ("level", search.level.clone()),
        ("night_from", search.night_from.clone()),
        ("night_to", search.night_to.clone()),
    ]);
    let keep_filter = hidden(vec![("telescope", telescope.clone()), ("from", from.clone()), ("to", to.clone())]);
    view! {
        <Title text=crate::components::title_text(format!("Nights · {} — Meridian", n.workspace.name)) />
        <p class="muted"><a href=format!("/w/{slug}")>"← " {n.workspace.name.clone()}</a></p>
        <h1>"Nights"</h1>
        {tonight(&n, &csrf, start)}
        <section class="panel">
            <h2>"Night logs"</h2>
            <form method="get" class="form row" id="night-filter">
                {keep_search}
                <label>"Telescope"
                    <select name="telescope">
                        <option value="">"All"</option>
                        {n.tonight.iter().map(|t| view! {
                            <option value=t.telescope_id.clone() selected=t.telescope_id == telescope>{t.telescope.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"From" <input type="date" name="from" value=from /></label>
                <label>"To" <input type="date" name="to" value=to /></label>
                <button type="submit">"Show"</button>
            </form>
            {log_table(&slug, &n.logs)}
            <h3>"Time lost"</h3>
            {time_lost_table(&n.time_lost, n.time_lost_total)}
        </section>
        {search_section(&slug, search, hits, keep_filter)}
    }
}

/// Hidden form fields for the non-empty values among `pairs`.
fn hidden(pairs: Vec<(&'static str, String)>) -> impl IntoView + use<> {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
        .collect_view()
}

fn tonight(n: &NightsInfo, csrf: &str, start: ServerAction<StartNightLog>) -> impl IntoView + use<> {
    let slug = n.workspace.slug.clone();
    let rows = n
        .tonight
        .iter()
        .map(|t| {
            let what = match (&t.log_id, n.can_write) {
                (Some(id), _) => view! { <a href=format!("/w/{slug}/nights/{id}")>"Open tonight's log"</a> }.into_any(),
                (None, true) => {
                    let fields = view! {
                        <Csrf token=csrf.to_owned() />
                        <input type="hidden" name="slug" value=slug.clone() />
                        <input type="hidden" name="telescope_id" value=t.telescope_id.clone() />
                        <input type="hidden" name="night" value=t.night.clone() />
                    };
                    view! {
                        <ActionForm action=start attr:class="inline start-tonight">
                            {fields}
                            <button type="submit" class="small">"Start tonight's log"</button>
                        </ActionForm>
                    }
                    .into_any()
                }
                (None, false) => view! { <span class="muted">"No log yet"</span> }.into_any(),
            };
            view! {
                <li>
                    <strong>{t.telescope.clone()}</strong> <span class="muted">" at " {t.site.clone()}</span>
                    " · Tonight (" {t.night.clone()} ") · " {what}
                </li>
            }
        })
        .collect_view();
    let other = (n.can_write && !n.tonight.is_empty()).then(|| {
        let fields = view! { <Csrf token=csrf.to_owned() /> <input type="hidden" name="slug" value=slug.clone() /> };
        let telescopes = n
            .tonight
            .iter()
            .map(|t| view! { <option value=t.telescope_id.clone()>{t.telescope.clone()}</option> })
            .collect_view();
        view! {
            <h3>"Start a log for another night"</h3>
            <ActionForm action=start attr:class="form row" attr:id="start-night-form">
                {fields}
                <label>"Telescope" <select name="telescope_id">{telescopes}</select></label>
                <label>"Night (evening date)" <input type="date" name="night" required /></label>
                <button type="submit">"Start"</button>
            </ActionForm>
        }
    });
    let empty = n.tonight.is_empty().then(|| {
        view! {
            <p class="muted">
                "No telescopes yet. " <a href=format!("/w/{slug}/observatory")>"Add one on the observatory page"</a> "."
            </p>
        }
    });
    view! {
        <section class="panel" id="tonight">
            <h2>"Tonight"</h2>
            {empty}
            <ul class="plain">{rows}</ul>
            {action_error(move || start.value().get())}
            {other}
        </section>
    }
}

/// A table of night logs linking to their pages (also used by the workspace page).
pub fn log_table(slug: &str, logs: &[NightSummary]) -> impl IntoView + use<> {
    if logs.is_empty() {
        return view! { <p class="muted">"No night logs."</p> }.into_any();
    }
    let rows = logs
        .iter()
        .map(|l| {
            view! {
                <tr>
                    <td><a href=format!("/w/{slug}/nights/{}", l.id)>{l.night.clone()}</a></td>
                    <td>{l.telescope.clone()}</td>
                    <td>{l.site.clone()}</td>
                    <td><span class=format!("pill {}", l.status)>{l.status.clone()}</span></td>
                    <td><span class=format!("pill {}", l.visibility)>{l.visibility.clone()}</span></td>
                    <td>{l.observers.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="table" id="night-logs">
            <thead><tr><th>"Night"</th><th>"Telescope"</th><th>"Site"</th><th>"Status"</th><th>"Visibility"</th><th>"Observers"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Minutes lost per category, and the total (also used by the night page).
pub fn time_lost_table(rows: &[TimeLostRow], total: u64) -> impl IntoView + use<> {
    let rows = rows
        .iter()
        .map(|r| view! { <tr><td>{r.category.clone()}</td><td class="num">{r.minutes}</td></tr> })
        .collect_view();
    view! {
        <table class="table compact time-lost">
            <thead><tr><th>"Category"</th><th class="num">"Minutes"</th></tr></thead>
            <tbody>{rows}</tbody>
            <tfoot><tr><th>"Total"</th><th class="num">{total}</th></tr></tfoot>
        </table>
    }
}

fn search_section<K: IntoView + 'static>(
    slug: &str,
    s: EntrySearch,
    hits: Result<Vec<EntryHit>, ServerFnError>,
    keep_filter: K,
) -> impl IntoView + use<K> {
    let searched = !s.is_empty();
    let modes = ["any", "all", "none"]
        .map(|m| view! { <option value=m selected=s.tag_mode == m>{m}</option> })
        .into_iter()
        .collect_view();
    let levels = EntryLevel::ALL
        .iter()
        .map(|l| view! { <option value=l.as_str() selected=s.level == l.as_str()>{l.as_str()}</option> })
        .collect_view();
    let results = match hits {
        Err(e) => view! { <p class="alert error">{error_text(&e)}</p> }.into_any(),
        Ok(_) if !searched => ().into_any(),
        Ok(hits) if hits.is_empty() => view! { <p class="muted">"No entries match."</p> }.into_any(),
        Ok(hits) => {
            let items = hits
                .into_iter()
                .map(|h| {
                    view! {
                        <li class=format!("entry level-{}", h.level)>
                            <div class="entry-meta">
                                <a href=format!("/w/{slug}/nights/{}", h.night_log_id)>{h.night} " · " {h.telescope}</a>
                                " " {h.time_local} " "
                                <span class=format!("level {}", h.level)>{h.level.clone()}</span>
                                " " <span class="muted">{h.author}</span>
                            </div>
                            <div class="markdown" inner_html=h.body_html></div>
                            <div class="tags">{h.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> " " }).collect_view()}</div>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="timeline" id="entry-hits">{items}</ul> }.into_any()
        }
    };
    view! {
        <section class="panel">
            <h2>"Search entries"</h2>
            <form method="get" class="form row" id="entry-search">
                {keep_filter}
                <label>"Text" <input type="search" name="q" value=s.q.clone() /></label>
                <label>"Tags (comma-separated)" <input type="text" name="tags" value=s.tags.clone() /></label>
                <label>"Tags match" <select name="tag_mode">{modes}</select></label>
                <label>"Level" <select name="level"><option value="">"Any"</option>{levels}</select></label>
                <label>"From" <input type="date" name="night_from" value=s.night_from.clone() /></label>
                <label>"To" <input type="date" name="night_to" value=s.night_to.clone() /></label>
                <button type="submit">"Search"</button>
            </form>
            {results}
        </section>
    }
}
