//! The satellite pages: the public check (anyone, no account), a workspace's planned observations, and one plan
//! with its stored check. Both checks show a sky chart of the field with each crossing's track, coloured by
//! whether the satellite is sunlit, and the table of crossings.

use crate::api::error_text;
use crate::api::satellites::{
    ChartOutline, CheckSetup, CheckView, CreatePlan, DeletePlan, PlanItem, PlanPage, PlansPage, RecheckPlan, SkyChart,
    SkyCheckForm, get_plan, get_plans, satellite_check, satellite_check_setup,
};
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

/// SVG coordinates of a tangent-plane point: east is left and north up, as on the sky.
fn svg_point((x, y): (f64, f64)) -> String {
    format!("{:.4},{:.4}", -x, -y)
}

/// The field and the tracks, on the field's tangent plane.
fn sky_chart(chart: &SkyChart) -> impl IntoView + use<> {
    let w = chart.half_width.max(0.01);
    let view_box = format!("{:.4} {:.4} {:.4} {:.4}", -w, -w, 2.0 * w, 2.0 * w);
    let stroke = w / 150.0;
    let field = match &chart.outline {
        ChartOutline::Circle { radius } => {
            view! { <circle class="field" cx="0" cy="0" r=format!("{radius:.4}") stroke-width=stroke /> }.into_any()
        }
        ChartOutline::Polygon { corners } => {
            let points = corners.iter().map(|c| svg_point(*c)).collect::<Vec<_>>().join(" ");
            view! { <polygon class="field" points=points stroke-width=stroke /> }.into_any()
        }
    };
    let light = |lit: bool| if lit { "track sunlit" } else { "track shadow" };
    let tracks = chart
        .tracks
        .iter()
        .map(|t| {
            let [a, b, c] = t.points;
            let title = format!("{} {}", t.label, t.name);
            let (lx, ly) = (-b.0, -b.1);
            view! {
                <g class="crossing">
                    <title>{title}</title>
                    <line class=light(t.sunlit_at_entry) x1=format!("{:.4}", -a.0) y1=format!("{:.4}", -a.1)
                        x2=format!("{:.4}", -b.0) y2=format!("{:.4}", -b.1) stroke-width=stroke * 2.0 />
                    <line class=light(t.sunlit_at_exit) x1=format!("{:.4}", -b.0) y1=format!("{:.4}", -b.1)
                        x2=format!("{:.4}", -c.0) y2=format!("{:.4}", -c.1) stroke-width=stroke * 2.0 />
                    <circle class=light(t.sunlit_at_closest) cx=format!("{lx:.4}") cy=format!("{ly:.4}")
                        r=stroke * 3.0 />
                    <text x=format!("{:.4}", lx + stroke * 4.0) y=format!("{ly:.4}") font-size=w / 18.0>
                        {t.label.clone()}
                    </text>
                </g>
            }
        })
        .collect_view();
    let label = w / 14.0;
    view! {
        <svg class="skychart" id="skychart" viewBox=view_box role="img"
            aria-label="The field of view with the tracks of the satellites crossing it">
            <line class="axis" x1="0" y1=-w x2="0" y2=w stroke-width=stroke / 2.0 />
            <line class="axis" x1=-w y1="0" x2=w y2="0" stroke-width=stroke / 2.0 />
            <text class="compass" x="0" y=-w + label font-size=label>"N"</text>
            <text class="compass" x=-w + label * 0.2 y=label * 0.4 font-size=label>"E"</text>
            {field}
            {tracks}
        </svg>
    }
}

/// The chart, the legend and the crossings table of a check.
fn check_result(c: &CheckView) -> impl IntoView + use<> {
    let rows = c
        .rows
        .iter()
        .map(|r| {
            view! {
                <tr class=if r.sunlit_any { "sunlit" } else { "shadow" }>
                    <td class="num">{r.norad_id}</td>
                    <td>{r.name.clone()}</td>
                    <td>{r.entry.clone()}</td>
                    <td>{r.exit.clone()}</td>
                    <td>{r.closest.clone()}</td>
                    <td class="num">{r.separation_deg.clone()}</td>
                    <td class="num">{r.speed_deg_s.clone()}</td>
                    <td class="num">{r.altitude_deg.clone()}</td>
                    <td class="num">{r.range_km.clone()}</td>
                    <td>{r.light.clone()}</td>
                    <td class="num">{r.element_age_days.clone()}</td>
                    <td>{r.note.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let summary = format!(
        "{} crossing{}{}",
        c.rows.len(),
        if c.rows.len() == 1 { "" } else { "s" },
        if c.skipped > 0 {
            format!("; {} objects skipped (their elements no longer propagate)", c.skipped)
        } else {
            String::new()
        }
    );
    view! {
        <section class="panel" id="check-result">
            <p id="crossing-count"><strong>{summary}</strong></p>
            <p class="muted" id="catalog-age">{c.catalog.clone()}
                {(!c.checked_at.is_empty()).then(|| format!(" · checked {}", c.checked_at))}</p>
            <div class="chart-row">
                {sky_chart(&c.chart)}
                <p class="legend muted">
                    <span class="swatch sunlit"></span> " sunlit (bright: a streak) "
                    <span class="swatch shadow"></span> " in the Earth's shadow" <br />
                    "East is left, north up; the dot marks closest approach to the centre."
                </p>
            </div>
            {(!c.rows.is_empty()).then(|| view! {
                <table class="table compact" id="crossings">
                    <thead><tr>
                        <th class="num">"NORAD"</th><th>"Name"</th><th>"Entry (UTC)"</th><th>"Exit"</th>
                        <th>"Closest"</th><th class="num">"Sep. (°)"</th><th class="num">"°/s"</th>
                        <th class="num">"Alt. (°)"</th><th class="num">"Range (km)"</th><th>"Light"</th>
                        <th class="num">"Elements (days)"</th><th></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })}
        </section>
    }
}

/// The public satellite check: a GET form (a check is a shareable address) and its result. Opened from a
/// workspace (`?workspace=slug`), the form starts at tonight's dark sky over its first site and takes its targets
/// by name; an example in the catalog's own epoch is always offered (a catalog may be old: the demo's is from 2022).
#[component]
pub fn SatelliteCheckPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.read().get(k).unwrap_or_default();
    let form = move || SkyCheckForm {
        lat: q("lat"),
        lon: q("lon"),
        elevation: q("elevation"),
        ra: q("ra"),
        dec: q("dec"),
        radius: q("radius"),
        width: q("width"),
        height: q("height"),
        position_angle: q("position_angle"),
        start: q("start"),
        end: q("end"),
        workspace: q("workspace"),
        target: q("target"),
    };
    let result = Resource::new(form, satellite_check);
    let setup = Resource::new(move || q("workspace"), satellite_check_setup);
    view! {
        <Title text="Satellite check — Meridian" />
        <h1>"Satellite check"</h1>
        <p class="muted">"Which satellites cross your field, and when? Every object of the catalog, propagated with \
            SGP4; entry and exit to a tenth of a second. Free, no account needed."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let asked = form();
                match setup.await {
                    Ok(s) => check_start(s, asked).into_any(),
                    Err(e) => view! { <p class="alert error">{error_text(&e)}</p> {check_form(asked, &[])} }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Checking…"</p> }>
            {move || Suspend::new(async move {
                match result.await {
                    Err(e) => view! { <p class="alert error" id="check-error">{error_text(&e)}</p> }.into_any(),
                    Ok(None) => ().into_any(),
                    Ok(Some(c)) => check_result(&c).into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form (the question asked, or the workspace's defaults before one), the catalog it checks and the example.
fn check_start(s: CheckSetup, asked: SkyCheckForm) -> impl IntoView {
    let shown = if asked.is_empty() && !s.defaults.lat.is_empty() { s.defaults.clone() } else { asked };
    let example = s.example.map(|e| {
        view! {
            <p id="satellite-example">"Try an example: "
                <a href=format!("/satellites?{}", e.query)>{e.text}</a></p>
        }
    });
    view! {
        {(!s.defaults_text.is_empty()).then(|| view! { <p id="check-defaults">{s.defaults_text.clone()}</p> })}
        {check_form(shown, &s.targets)}
        <p class="muted" id="check-catalog">{s.catalog}</p>
        {example}
    }
}

fn check_form(f: SkyCheckForm, targets: &[String]) -> impl IntoView + use<> {
    let target = (!targets.is_empty()).then(|| {
        let options = targets.iter().map(|t| view! { <option value=t.clone()></option> }).collect_view();
        view! {
            <label>"Target" <input type="text" name="target" size="12" list="workspace-targets"
                placeholder="by name" value=f.target.clone() /></label>
            <datalist id="workspace-targets">{options}</datalist>
            <span class="muted">"or"</span>
        }
    });
    view! {
        <Form method="get" action="/satellites" attr:class="form row panel" attr:id="satellite-check">
            <input type="hidden" name="workspace" value=f.workspace.clone() />
            <label>"Latitude (°N)" <input type="text" name="lat" size="9" required value=f.lat.clone() /></label>
            <label>"Longitude (°E)" <input type="text" name="lon" size="9" required value=f.lon.clone() /></label>
            <label>"Elevation (m)" <input type="text" name="elevation" size="6" value=f.elevation.clone() /></label>
            {target}
            <label>"RA (°)" <input type="text" name="ra" size="9" value=f.ra.clone() /></label>
            <label>"Dec (°)" <input type="text" name="dec" size="9" value=f.dec.clone() /></label>
            <label>"Radius (°)" <input type="text" name="radius" size="5" value=f.radius.clone() /></label>
            <label>"or width (°)" <input type="text" name="width" size="5" value=f.width.clone() /></label>
            <label>"height (°)" <input type="text" name="height" size="5" value=f.height.clone() /></label>
            <label>"PA (°)" <input type="text" name="position_angle" size="4" value=f.position_angle.clone() /></label>
            <label>"Start (UTC)" <input type="text" name="start" size="20" placeholder="2026-11-22T21:00" required value=f.start.clone() /></label>
            <label>"End (UTC)" <input type="text" name="end" size="20" placeholder="2026-11-22T22:00" required value=f.end.clone() /></label>
            <button type="submit">"Check"</button>
        </Form>
    }
}

fn plan_row(slug: &str, p: &PlanItem) -> impl IntoView + use<> {
    let found = match (p.status.as_str(), p.crossings) {
        ("done", Some(n)) => format!("{n} crossing{}", if n == 1 { "" } else { "s" }),
        ("failed", _) => "check failed".to_owned(),
        _ => "not checked yet".to_owned(),
    };
    view! {
        <tr class=if p.over { "muted" } else { "" }>
            <td><a href=format!("/w/{slug}/plans/{}", p.id)>{p.name.clone()}</a></td>
            <td>{p.telescope.clone()}</td>
            <td>{p.window.clone()}</td>
            <td>{p.field.clone()}</td>
            <td>{found}</td>
        </tr>
    }
}

/// A workspace's planned observations and the form to plan one.
#[component]
pub fn PlansPageView() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let session = use_session();
    let create = ServerAction::<CreatePlan>::new();
    let info = Resource::new(move || (slug(), create.version().get()), |(slug, _)| get_plans(slug));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Planned observations"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(p) => plans(p, csrf, create).into_any(),
                }
            })}
        </Suspense>
    }
}

fn plans(p: PlansPage, csrf: String, create: ServerAction<CreatePlan>) -> impl IntoView {
    let slug = p.workspace.slug.clone();
    let rows = p.plans.iter().map(|x| plan_row(&slug, x)).collect_view();
    let table = if p.plans.is_empty() {
        view! { <p class="muted">"Nothing planned yet."</p> }.into_any()
    } else {
        view! {
            <table class="table compact" id="plans">
                <thead><tr><th>"Plan"</th><th>"Telescope"</th><th>"Window"</th><th>"Field"</th><th>"Satellites"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let tonight = p.tonight.clone();
    let form = p.can_create.then(|| {
        let telescopes =
            p.telescopes.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view();
        let targets =
            p.targets.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view();
        let fields = view! {
            <Csrf token=csrf.clone() />
            <input type="hidden" name="slug" value=slug.clone() />
            <label>"Name" <input type="text" name="name" placeholder="the target's" /></label>
            <label>"Target" <select name="target_id"><option value="">"— coordinates —"</option>{targets}</select></label>
            <label>"RA" <input type="text" name="ra" size="10" /></label>
            <label>"Dec" <input type="text" name="dec" size="10" /></label>
            <label>"Telescope" <select name="telescope_id" required>{telescopes}</select></label>
        };
        view! {
            <h2>"Plan an observation"</h2>
            <ActionForm action=create attr:class="form row panel" attr:id="plan-form">
                {fields}
                <label>"Radius (°)" <input type="text" name="radius" size="5" /></label>
                <label>"or width (°)" <input type="text" name="width" size="5" /></label>
                <label>"height (°)" <input type="text" name="height" size="5" /></label>
                <label>"PA (°)" <input type="text" name="position_angle" size="4" /></label>
                <label>"Start (UTC)" <input type="datetime-local" name="starts_at" required value=tonight.0 /></label>
                <label>"End (UTC)" <input type="datetime-local" name="ends_at" required value=tonight.1 /></label>
                <button type="submit">"Plan and check"</button>
            </ActionForm>
            {action_error(move || create.value().get())}
        }
    });
    view! {
        <Title text=crate::components::title_text(format!("Planned observations · {} — Meridian", p.workspace.name)) />
        <p class="muted"><a href=format!("/w/{slug}")>{p.workspace.name.clone()}</a></p>
        <h1>"Planned observations"</h1>
        <p class="muted">"Each plan's satellite check runs when it is saved and again whenever the satellite catalog \
            is refreshed, until the window is over."</p>
        {table}
        {form}
    }
}

/// One plan: where, when, and its stored satellite check.
#[component]
pub fn PlanPageView() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let id = move || params.read().get("id").unwrap_or_default();
    let session = use_session();
    let recheck = ServerAction::<RecheckPlan>::new();
    let remove = ServerAction::<DeletePlan>::new();
    let info = Resource::new(move || (slug(), id(), recheck.version().get()), |(s, i, _)| get_plan(s, i));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Planned observation"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(p) => plan(p, csrf, recheck, remove).into_any(),
                }
            })}
        </Suspense>
    }
}

fn plan(
    p: PlanPage,
    csrf: String,
    recheck: ServerAction<RecheckPlan>,
    remove: ServerAction<DeletePlan>,
) -> impl IntoView {
    let slug = p.workspace.slug.clone();
    let controls = p.can_edit.then(|| {
        let hidden = view! {
            <Csrf token=csrf.clone() />
            <input type="hidden" name="slug" value=slug.clone() />
            <input type="hidden" name="id" value=p.plan.id.clone() />
        };
        let hidden2 = view! {
            <Csrf token=csrf.clone() />
            <input type="hidden" name="slug" value=slug.clone() />
            <input type="hidden" name="id" value=p.plan.id.clone() />
        };
        view! {
            <ActionForm action=recheck attr:class="inline" attr:id="recheck-form">
                {hidden}
                <button type="submit">"Check again now"</button>
            </ActionForm>
            " "
            <ActionForm action=remove attr:class="inline" attr:id="delete-plan-form">
                {hidden2}
                <button type="submit" class="danger small">"Delete"</button>
            </ActionForm>
            {action_error(move || recheck.value().get())}
            {action_error(move || remove.value().get())}
        }
    });
    let check = match (&p.check, &p.check_error) {
        (Some(c), _) => check_result(c).into_any(),
        (None, Some(e)) => {
            view! { <p class="alert error" id="check-error">{format!("The check could not run: {e}")}</p> }.into_any()
        }
        (None, None) => view! { <p class="muted">"Not checked yet."</p> }.into_any(),
    };
    view! {
        <Title text=crate::components::title_text(format!("{} · {} — Meridian", p.plan.name, p.workspace.name)) />
        <p class="muted">
            <a href=format!("/w/{slug}")>{p.workspace.name.clone()}</a> " / "
            <a href=format!("/w/{slug}/plans")>"Planned observations"</a>
        </p>
        <h1>{p.plan.name.clone()}</h1>
        <p>{p.plan.position.clone()} " · " {p.plan.field.clone()} " · " {p.plan.telescope.clone()} " at "
            {p.plan.site.clone()} " · " <span id="plan-window">{p.plan.window.clone()}</span></p>
        {(!p.notes.is_empty()).then(|| view! { <p class="muted">{p.notes.clone()}</p> })}
        {controls}
        {check}
    }
}
