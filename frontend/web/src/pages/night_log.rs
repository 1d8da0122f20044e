use super::nights::time_lost_table;
use crate::api::error_text;
use crate::api::nights::{
    AddNightEntry, AddNightObservation, DeleteNightEntry, DeleteNightObservation, EditNightEntry, EntryItem,
    FlagObservation, NightHeader, NightPage, ObservationItem, QuickEntryAccess, RestoreNightEntry, SaveNightConditions,
    SetNightStatus, SetNightVisibility, TimelineItem, get_night, night_access,
};
use crate::components::{Csrf, action_error, textarea_text, use_session};
use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use meridian_domain::{EntryLevel, FrameType, QualityFlag, TimeLostCategory, Transparency};

/// The actions of the page, passed to each part.
#[derive(Clone, Copy)]
struct Actions {
    conditions: ServerAction<SaveNightConditions>,
    status: ServerAction<SetNightStatus>,
    visibility: ServerAction<SetNightVisibility>,
    add_entry: ServerAction<AddNightEntry>,
    edit_entry: ServerAction<EditNightEntry>,
    delete_entry: ServerAction<DeleteNightEntry>,
    restore_entry: ServerAction<RestoreNightEntry>,
    add_observation: ServerAction<AddNightObservation>,
    flag_observation: ServerAction<FlagObservation>,
    delete_observation: ServerAction<DeleteNightObservation>,
}

impl Actions {
    fn new() -> Self {
        Self {
            conditions: ServerAction::new(),
            status: ServerAction::new(),
            visibility: ServerAction::new(),
            add_entry: ServerAction::new(),
            edit_entry: ServerAction::new(),
            delete_entry: ServerAction::new(),
            restore_entry: ServerAction::new(),
            add_observation: ServerAction::new(),
            flag_observation: ServerAction::new(),
            delete_observation: ServerAction::new(),
        }
    }

    /// Changes whenever any of them completes (the page then reads the night again).
    fn version(self) -> usize {
        self.conditions.version().get()
            + self.status.version().get()
            + self.visibility.version().get()
            + self.add_entry.version().get()
            + self.edit_entry.version().get()
            + self.delete_entry.version().get()
            + self.restore_entry.version().get()
            + self.add_observation.version().get()
            + self.flag_observation.version().get()
            + self.delete_observation.version().get()
    }
}

/// One night log: header, conditions, time lost, the quick-entry field and the timeline of entries and
/// observations. The quick-entry form lives apart from the parts that are read again after each entry, so with
/// JavaScript it keeps its place and focus while the timeline updates.
#[component]
pub fn NightLogPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let id = move || params.read().get("id").unwrap_or_default();
    let session = use_session();
    let a = Actions::new();
    let night = Resource::new(move || (slug(), id(), a.version()), |(slug, id, _)| get_night(slug, id));
    let state = move || a.status.version().get() + a.visibility.version().get();
    let access = Resource::new(move || (slug(), id(), state()), |(slug, id, _)| night_access(slug, id));

    let body_ref = NodeRef::<Input>::new();
    Effect::new(move |_| {
        let Some(input) = body_ref.get() else { return };
        // Effects run only in the browser, once hydrated: the mark tells page tests the field is live.
        let _ = input.set_attribute("data-live", "");
        if let Some(Ok(())) = a.add_entry.value().get() {
            // Ready for the next line: the form's optional fields back to their defaults, the cursor in the field.
            if let Some(form) = input.form() {
                form.reset();
            }
            input.set_value("");
            let _ = input.focus();
        }
    });

    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match night.await {
                    Err(e) => {
                        view! {
                            <Title text="Not found — Meridian" />
                            <h1>"Not found"</h1>
                            <p class="alert error">{error_text(&e)}</p>
                        }
                            .into_any()
                    }
                    Ok(p) => top(&p, &csrf, a).into_any(),
                }
            })}
        </Transition>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match access.await {
                    Ok(QuickEntryAccess { can_add: true }) => quick_entry(slug(), id(), csrf, a, body_ref).into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match night.await {
                    Ok(p) => bottom(&p, &csrf, a).into_any(),
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
    }
}

fn hidden(name: &'static str, value: &str) -> impl IntoView + use<> {
    view! { <input type="hidden" name=name value=value.to_owned() /> }
}

/// What every form of the page carries: the CSRF token, the workspace and the object it acts on. Built before the
/// form, whose children must own what they show.
fn carry(csrf: &str, slug: &str, id: &str) -> impl IntoView + use<> {
    view! { <Csrf token=csrf.to_owned() /> {hidden("slug", slug)} {hidden("id", id)} }
}

/// `<option>`s for a closed vocabulary, `current` selected.
fn options(all: &[&'static str], current: &str) -> impl IntoView + use<> {
    all.iter().map(|v| view! { <option value=*v selected=*v == current>{v.replace('_', " ")}</option> }).collect_view()
}

fn names<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| f(*v)).collect()
}

fn top(p: &NightPage, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let h = &p.header;
    let slug = p.workspace.slug.clone();
    let api = format!("/api/v1/workspaces/{slug}/night-logs/{}", h.id);
    let open = h.status == "open";
    let status_form = p.can_write.then(|| {
        let (next, label) = if open { ("closed", "Close the night") } else { ("open", "Reopen") };
        let fields = (carry(csrf, &slug, &h.id), hidden("status", next));
        view! {
            <ActionForm action=a.status attr:class="inline" attr:id="status-form">
                {fields}
                <button type="submit" class="small secondary">{label}</button>
            </ActionForm>
        }
    });
    let publish_form = p.can_publish.then(|| {
        let public = h.visibility == "public";
        let (next, label) = if public { ("private", "Unpublish") } else { ("public", "Publish") };
        let fields = (carry(csrf, &slug, &h.id), hidden("visibility", next));
        view! {
            <ActionForm action=a.visibility attr:class="inline" attr:id="visibility-form">
                {fields}
                <button type="submit" class="small secondary">{label}</button>
            </ActionForm>
        }
    });
    view! {
        <Title text=crate::components::title_text(format!("{} · {} — Meridian", h.telescope, h.night)) />
        <p class="muted">
            <a href=format!("/w/{slug}")>"← " {p.workspace.name.clone()}</a> " · "
            <a href=format!("/w/{slug}/nights")>"Nights"</a>
        </p>
        <header class="night-head">
            <h1>{h.telescope.clone()} <span class="muted">" at " {h.site.clone()}</span></h1>
            <p class="lead">
                "Night of " <strong>{h.night.clone()}</strong> " · " {h.span.clone()} ", " {h.time_zone.clone()}
            </p>
            // A div, not a p: a form inside a p would end it in the browser's parse and break hydration.
            <div class="night-actions">
                <span class=format!("pill {}", h.status) id="night-status">{h.status.clone()}</span> " "
                <span class=format!("pill {}", h.visibility) id="night-visibility">{h.visibility.clone()}</span> " "
                {status_form} " " {publish_form} " "
                <a rel="external" href=format!("{api}/report.md")>"Report (Markdown)"</a> " · "
                <a rel="external" download="" href=format!("{api}/report.csv")>"CSV"</a>
            </div>
            {action_error(move || a.status.value().get())}
            {action_error(move || a.visibility.value().get())}
        </header>
        <div class="night-grid">
            {conditions(p, csrf, a)}
            <section class="panel">
                <h2>"Time lost"</h2>
                {time_lost_table(&p.time_lost, p.time_lost_total)}
            </section>
        </div>
    }
}

fn conditions(p: &NightPage, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let h: &NightHeader = &p.header;
    if !p.can_write {
        let facts = [
            ("Observers", h.observers.clone()),
            ("Seeing", h.seeing_arcsec.map(|s| format!("{s}″")).unwrap_or_default()),
            ("Transparency", h.transparency.clone().unwrap_or_default().replace('_', " ")),
            ("Weather", h.weather.clone()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| view! { <dt>{k}</dt> <dd class="description">{v}</dd> })
        .collect_view();
        return view! {
            <section class="panel" id="conditions">
                <h2>"Conditions"</h2>
                <dl class="facts">{facts}</dl>
                <h3>"Summary"</h3>
                <div class="markdown" inner_html=h.summary_html.clone()></div>
            </section>
        }
        .into_any();
    }
    let transparency = h.transparency.clone().unwrap_or_default();
    let transparencies = options(&names(Transparency::ALL, Transparency::as_str), &transparency);
    let fields = carry(csrf, &p.workspace.slug, &h.id);
    let (observers, weather, summary) = (h.observers.clone(), textarea_text(&h.weather), textarea_text(&h.summary));
    let seeing = h.seeing_arcsec.map(|s| s.to_string()).unwrap_or_default();
    view! {
        <section class="panel" id="conditions">
            <h2>"Conditions"</h2>
            <ActionForm action=a.conditions attr:class="form" attr:id="conditions-form">
                {fields}
                <label>"Observers" <input type="text" name="observers" maxlength="200" value=observers /></label>
                <label>"Seeing (arcsec)" <input type="text" name="seeing_arcsec" inputmode="decimal" value=seeing /></label>
                <label>"Transparency"
                    <select name="transparency"><option value="">"—"</option>{transparencies}</select>
                </label>
                <label>"Weather notes" <textarea name="weather" rows="2">{weather}</textarea></label>
                <label>"Summary (Markdown)" <textarea name="summary" rows="4">{summary}</textarea></label>
                <button type="submit">"Save conditions"</button>
            </ActionForm>
            {action_error(move || a.conditions.value().get())}
            {(!h.summary_html.is_empty()).then(|| view! {
                <h3>"Summary"</h3>
                <div class="markdown" inner_html=h.summary_html.clone()></div>
            })}
        </section>
    }
    .into_any()
}

/// The fields an entry's time, level, tags and time lost are typed in (quick entry and edit).
fn entry_fields(e: Option<&EntryItem>) -> impl IntoView + use<> {
    let level = e.map(|e| e.level.clone()).unwrap_or_else(|| "info".into());
    let category = e.and_then(|e| e.time_lost_category.clone()).unwrap_or_default();
    let (levels, categories) =
        (names(EntryLevel::ALL, EntryLevel::as_str), names(TimeLostCategory::ALL, TimeLostCategory::as_str));
    view! {
        <label>"Time (HH:MM local; empty: now)"
            <input type="text" name="time" inputmode="numeric" pattern="[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?" placeholder="22:05"
                value=e.map(|e| e.time_local.clone()).unwrap_or_default() />
        </label>
        <label>"Level" <select name="level">{options(&levels, &level)}</select></label>
        <label>"Tags (comma-separated)" <input type="text" name="tags" value=e.map(|e| e.tags.join(", ")).unwrap_or_default() /></label>
        <label>"Time lost (minutes)"
            <input type="number" name="time_lost_minutes" min="0" max="1440"
                value=e.and_then(|e| e.time_lost_minutes).map(|m| m.to_string()).unwrap_or_default() />
        </label>
        <label>"Time lost because of"
            <select name="time_lost_category"><option value="">"—"</option>{options(&categories, &category)}</select>
        </label>
    }
}

fn quick_entry(slug: String, id: String, csrf: String, a: Actions, body_ref: NodeRef<Input>) -> impl IntoView {
    let fields = carry(&csrf, &slug, &id);
    let optional = entry_fields(None);
    view! {
        <section class="panel quick-entry">
            <ActionForm action=a.add_entry attr:id="quick-entry-form" attr:class="form">
                {fields}
                <label for="quick-entry">"New entry (Markdown; Enter adds it now)"</label>
                <input type="text" name="body" id="quick-entry" node_ref=body_ref autofocus required maxlength="20000"
                    autocomplete="off" placeholder="Dome open, focus done, M42 acquired…" />
                <details>
                    <summary>"Time, level, tags, time lost"</summary>
                    <div class="form row">{optional}</div>
                </details>
                <button type="submit" class="small">"Add entry"</button>
            </ActionForm>
            {action_error(move || a.add_entry.value().get())}
        </section>
    }
}

fn bottom(p: &NightPage, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let open = p.header.status == "open";
    let items = p
        .timeline
        .iter()
        .map(|item| match item {
            TimelineItem::Entry(e) => entry(p, e, csrf, a, open).into_any(),
            TimelineItem::Observation(o) => observation(p, o, csrf, a, open).into_any(),
        })
        .collect_view();
    let add = (p.can_write && open).then(|| add_observation(p, csrf, a));
    view! {
        <section class="panel">
            <h2>"Timeline"</h2>
            {action_error(move || a.edit_entry.value().get())}
            {action_error(move || a.delete_entry.value().get())}
            {action_error(move || a.restore_entry.value().get())}
            {action_error(move || a.flag_observation.value().get())}
            {action_error(move || a.delete_observation.value().get())}
            {p.timeline.is_empty().then(|| view! { <p class="muted">"Nothing logged yet."</p> })}
            <ol class="timeline" id="timeline">{items}</ol>
        </section>
        {add}
    }
}

fn entry(p: &NightPage, e: &EntryItem, csrf: &str, a: Actions, open: bool) -> impl IntoView + use<> {
    let slug = &p.workspace.slug;
    let history = (e.version > 1).then(|| {
        let versions = e
            .history
            .iter()
            .filter(|h| h.version < e.version)
            .map(|h| {
                view! {
                    <li>
                        <span class="muted">"v" {h.version} " · " {h.edited_local.clone()} " · " {h.editor.clone()}</span>
                        <div class="version-text">{h.body.clone()}</div>
                    </li>
                }
            })
            .collect_view();
        view! {
            <details class="history">
                <summary>"edited (v" {e.version} ")"</summary>
                <ol class="versions">{versions}</ol>
            </details>
        }
    });
    let edit = (p.can_write && open && !e.deleted).then(|| {
        let fields = (carry(csrf, slug, &e.id), hidden("expected_version", &e.version.to_string()));
        let (body, optional) = (textarea_text(&e.body), entry_fields(Some(e)));
        view! {
            <details class="edit">
                <summary>"Edit"</summary>
                <ActionForm action=a.edit_entry attr:class="form">
                    {fields}
                    <label>"Text (Markdown)" <textarea name="body" rows="3" required>{body}</textarea></label>
                    <div class="form row">{optional}</div>
                    <button type="submit" class="small">"Save"</button>
                </ActionForm>
            </details>
        }
    });
    let delete = (e.can_delete && open && !e.deleted).then(|| {
        let fields = carry(csrf, slug, &e.id);
        view! {
            <ActionForm action=a.delete_entry attr:class="inline">
                {fields}
                <button type="submit" class="small danger">"Delete"</button>
            </ActionForm>
        }
    });
    let restore = (e.deleted && p.can_delete).then(|| {
        let fields = carry(csrf, slug, &e.id);
        view! {
            <ActionForm action=a.restore_entry attr:class="inline">
                {fields}
                <button type="submit" class="small">"Restore"</button>
            </ActionForm>
        }
    });
    let lost = e
        .time_lost_minutes
        .map(|m| view! { <span class="lost">{format!("{m} min lost ({})", e.time_lost_category.clone().unwrap_or_default())}</span> });
    let class = format!("entry level-{}{}", e.level, if e.deleted { " deleted" } else { "" });
    view! {
        <li class=class id=format!("entry-{}", e.id)>
            <div class="entry-meta">
                <time title=e.time_utc.clone()>{e.time_local.clone()}</time> " "
                <span class=format!("level {}", e.level)>{e.level.clone()}</span> " "
                <span class="author">{e.author.clone()}</span>
                {e.deleted.then(|| view! { " " <span class="pill deleted">"deleted"</span> })}
            </div>
            <div class="markdown body" inner_html=e.body_html.clone()></div>
            <div class="entry-facts">
                {e.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> " " }).collect_view()}
                {e.links.iter().map(|l| view! { <a href=l.clone() rel="nofollow noopener" class="small">{l.clone()}</a> " " }).collect_view()}
                {lost}
            </div>
            {history}
            <div class="entry-actions">{edit} {delete} {restore}</div>
        </li>
    }
}

fn observation(p: &NightPage, o: &ObservationItem, csrf: &str, a: Actions, open: bool) -> impl IntoView + use<> {
    let slug = &p.workspace.slug;
    let flag = (p.can_write && open).then(|| {
        let qualities = options(&names(QualityFlag::ALL, QualityFlag::as_str), &o.quality);
        let fields = carry(csrf, slug, &o.id);
        view! {
            <ActionForm action=a.flag_observation attr:class="inline">
                {fields}
                <select name="quality" aria-label="Quality">{qualities}</select>
                <button type="submit" class="small secondary">"Set"</button>
            </ActionForm>
        }
    });
    let delete = (p.can_delete && open).then(|| {
        let fields = carry(csrf, slug, &o.id);
        view! {
            <ActionForm action=a.delete_observation attr:class="inline">
                {fields}
                <button type="submit" class="small danger">"Delete"</button>
            </ActionForm>
        }
    });
    let what = [o.filter.clone(), o.instrument.clone(), o.frame_type.clone()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li class=format!("observation quality-{}", o.quality) id=format!("observation-{}", o.id)>
            <div class="entry-meta">
                <time title=o.time_utc.clone()>{o.time_local.clone()}</time> " "
                <span class="level observation">"exposure"</span> " "
                <strong>{o.target.clone()}</strong> " "
                <span class="muted">{o.position.clone()}</span>
            </div>
            <div>{format!("{} s", o.exposure_s)} " · " {what} " · quality " <span class=format!("pill {}", o.quality)>{o.quality.clone()}</span></div>
            {(!o.notes.is_empty()).then(|| view! { <div class="description muted">{o.notes.clone()}</div> })}
            <div class="entry-actions">{flag} {delete}</div>
        </li>
    }
}

fn add_observation(p: &NightPage, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let instruments = p
        .instruments
        .iter()
        .map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> })
        .collect_view();
    let frames = options(&names(FrameType::ALL, FrameType::as_str), "science");
    let qualities = options(&names(QualityFlag::ALL, QualityFlag::as_str), "ok");
    let fields = carry(csrf, &p.workspace.slug, &p.header.id);
    view! {
        <section class="panel">
            <h2>"Add an observation"</h2>
            <ActionForm action=a.add_observation attr:class="form row" attr:id="add-observation-form">
                {fields}
                <label>"Target" <input type="text" name="target_name" maxlength="200" /></label>
                <label>"RA (° or 05:35:17)" <input type="text" name="ra" /></label>
                <label>"Dec (° or -05:23:28)" <input type="text" name="dec" /></label>
                <label>"Start (HH:MM local)" <input type="text" name="start" required placeholder="22:05" /></label>
                <label>"Exposure (s)" <input type="text" name="exposure_s" required inputmode="decimal" /></label>
                <label>"Filter" <input type="text" name="filter" maxlength="200" /></label>
                <label>"Instrument" <select name="instrument_id"><option value="">"—"</option>{instruments}</select></label>
                <label>"Frame type" <select name="frame_type">{frames}</select></label>
                <label>"Quality" <select name="quality">{qualities}</select></label>
                <label>"Notes" <input type="text" name="notes" /></label>
                <button type="submit">"Add observation"</button>
            </ActionForm>
            {action_error(move || a.add_observation.value().get())}
        </section>
    }
}
