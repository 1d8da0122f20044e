use crate::api::equipment::{
    DeleteInstrument, DeleteSite, DeleteTelescope, InstrumentInfo, ObservatoryInfo, SaveInstrument, SaveSite,
    SaveTelescope, SiteInfo, TelescopeInfo, get_observatory,
};
use crate::api::error_text;
use crate::components::{Csrf, action_error, textarea_text, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const MOUNTS: [&str; 4] = ["equatorial", "altaz", "fork", "other"];

/// An optional number as a form value: empty when there is none.
fn opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The actions of the page, passed to each part.
#[derive(Clone, Copy)]
struct Actions {
    save_site: ServerAction<SaveSite>,
    delete_site: ServerAction<DeleteSite>,
    save_telescope: ServerAction<SaveTelescope>,
    delete_telescope: ServerAction<DeleteTelescope>,
    save_instrument: ServerAction<SaveInstrument>,
    delete_instrument: ServerAction<DeleteInstrument>,
}

/// Sites, telescopes and instruments of a workspace: readable by anyone who may see them, editable by members
/// whose role creates, edits or deletes data.
#[component]
pub fn ObservatoryPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let session = use_session();
    let a = Actions {
        save_site: ServerAction::new(),
        delete_site: ServerAction::new(),
        save_telescope: ServerAction::new(),
        delete_telescope: ServerAction::new(),
        save_instrument: ServerAction::new(),
        delete_instrument: ServerAction::new(),
    };
    let version = move || {
        a.save_site.version().get()
            + a.delete_site.version().get()
            + a.save_telescope.version().get()
            + a.delete_telescope.version().get()
            + a.save_instrument.version().get()
            + a.delete_instrument.version().get()
    };
    let info = Resource::new(move || (slug(), version()), |(slug, _)| get_observatory(slug));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Observatory"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(o) => page(o, csrf, a).into_any(),
                }
            })}
        </Suspense>
    }
}

fn page(o: ObservatoryInfo, csrf: String, a: Actions) -> impl IntoView {
    let slug = o.workspace.slug.clone();
    view! {
        <Title text=crate::components::title_text(format!("Observatory · {} — Meridian", o.workspace.name)) />
        <p class="muted"><a href=format!("/w/{slug}")>"← " {o.workspace.name.clone()}</a></p>
        <h1>"Observatory"</h1>
        {sites(&o, &csrf, a)}
        {telescopes(&o, &csrf, a)}
        {instruments(&o, &csrf, a)}
    }
}

/// A one-button form that deletes the object `id` with `action` (each action is its own type, hence a macro).
macro_rules! delete_form {
    ($action:expr, $csrf:expr, $slug:expr, $id:expr) => {{
        let (csrf, slug, id) = ($csrf.to_owned(), $slug.to_owned(), $id.to_owned());
        view! {
            <ActionForm action=$action attr:class="inline">
                <Csrf token=csrf />
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value=id />
                <button type="submit" class="small danger">"Delete"</button>
            </ActionForm>
        }
    }};
}

fn site_fields(csrf: &str, slug: &str, s: Option<&SiteInfo>) -> impl IntoView + use<> {
    let v = |f: fn(&SiteInfo) -> String| s.map(f).unwrap_or_default();
    view! {
        <Csrf token=csrf.to_owned() />
        <input type="hidden" name="slug" value=slug.to_owned() />
        <input type="hidden" name="id" value=v(|s| s.id.clone()) />
        <label>"Name" <input type="text" name="name" required maxlength="100" value=v(|s| s.name.clone()) /></label>
        <label>"Latitude (° N, or 28:45:38)" <input type="text" name="latitude" required value=v(|s| s.latitude.to_string()) /></label>
        <label>"Longitude (° E, or -17:52:54)" <input type="text" name="longitude" required value=v(|s| s.longitude.to_string()) /></label>
        <label>"Elevation (m)" <input type="text" name="elevation_m" required value=v(|s| s.elevation_m.to_string()) /></label>
        <label>"Time zone (IANA)" <input type="text" name="time_zone" required placeholder="Atlantic/Canary" value=v(|s| s.time_zone.clone()) /></label>
        <label>"Description" <textarea name="description" rows="2">{textarea_text(&v(|s| s.description.clone()))}</textarea></label>
    }
}

fn sites(o: &ObservatoryInfo, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let slug = o.workspace.slug.clone();
    let (can_edit, can_delete) = (o.can_edit, o.can_delete);
    let rows = o
        .sites
        .iter()
        .map(|s| {
            let edit = can_edit.then(|| {
                let fields = site_fields(csrf, &slug, Some(s));
                view! {
                    <details>
                        <summary>"Edit"</summary>
                        <ActionForm action=a.save_site attr:class="form">
                            {fields}
                            <button type="submit">"Save"</button>
                        </ActionForm>
                    </details>
                }
            });
            let delete = can_delete.then(|| delete_form!(a.delete_site, csrf, slug, s.id));
            view! {
                <tr>
                    <td>{s.name.clone()} <div class="muted small">{s.description.clone()}</div></td>
                    <td>{format!("{:.4}°, {:.4}°", s.latitude, s.longitude)}</td>
                    <td>{format!("{} m", s.elevation_m)}</td>
                    <td>{s.time_zone.clone()}</td>
                    <td>{edit} {delete}</td>
                </tr>
            }
        })
        .collect_view();
    let create = o.can_create.then(|| {
        let fields = site_fields(csrf, &slug, None);
        view! {
            <h3>"Add a site"</h3>
            <ActionForm action=a.save_site attr:class="form" attr:id="add-site-form">
                {fields}
                <button type="submit">"Add site"</button>
            </ActionForm>
        }
    });
    view! {
        <section class="panel">
            <h2>"Sites"</h2>
            <table class="table" id="sites">
                <thead><tr><th>"Site"</th><th>"Position"</th><th>"Elevation"</th><th>"Time zone"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {action_error(move || a.save_site.value().get())}
            {action_error(move || a.delete_site.value().get())}
            {create}
        </section>
    }
}

fn telescope_fields(csrf: &str, slug: &str, sites: &[SiteInfo], t: Option<&TelescopeInfo>) -> impl IntoView + use<> {
    let v = |f: fn(&TelescopeInfo) -> String| t.map(f).unwrap_or_default();
    let current_site = v(|t| t.site_id.clone());
    let site_options = sites
        .iter()
        .map(|s| view! { <option value=s.id.clone() selected=s.id == current_site>{s.name.clone()}</option> })
        .collect_view();
    let current_mount = t.and_then(|t| t.mount.clone()).unwrap_or_default();
    let mount_options =
        MOUNTS.iter().map(|m| view! { <option value=*m selected=*m == current_mount>{*m}</option> }).collect_view();
    view! {
        <Csrf token=csrf.to_owned() />
        <input type="hidden" name="slug" value=slug.to_owned() />
        <input type="hidden" name="id" value=v(|t| t.id.clone()) />
        <label>"Name" <input type="text" name="name" required maxlength="100" value=v(|t| t.name.clone()) /></label>
        <label>"Site" <select name="site_id">{site_options}</select></label>
        <label>"Aperture (mm)" <input type="text" name="aperture_mm" value=v(|t| opt(t.aperture_mm)) /></label>
        <label>"Focal length (mm)" <input type="text" name="focal_length_mm" value=v(|t| opt(t.focal_length_mm)) /></label>
        <label>"Mount" <select name="mount"><option value="">"—"</option>{mount_options}</select></label>
        <label>"Description" <textarea name="description" rows="2">{textarea_text(&v(|t| t.description.clone()))}</textarea></label>
    }
}

fn telescopes(o: &ObservatoryInfo, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let slug = o.workspace.slug.clone();
    let (can_edit, can_delete) = (o.can_edit, o.can_delete);
    let rows = o
        .telescopes
        .iter()
        .map(|t| {
            let edit = can_edit.then(|| {
                let fields = telescope_fields(csrf, &slug, &o.sites, Some(t));
                view! {
                    <details>
                        <summary>"Edit"</summary>
                        <ActionForm action=a.save_telescope attr:class="form">
                            {fields}
                            <button type="submit">"Save"</button>
                        </ActionForm>
                    </details>
                }
            });
            let delete = can_delete.then(|| delete_form!(a.delete_telescope, csrf, slug, t.id));
            view! {
                <tr>
                    <td>{t.name.clone()} <div class="muted small">{t.description.clone()}</div></td>
                    <td>{t.site_name.clone()}</td>
                    <td>{t.aperture_mm.map(|v| format!("{v} mm")).unwrap_or_default()}</td>
                    <td>{t.focal_length_mm.map(|v| format!("{v} mm")).unwrap_or_default()}</td>
                    <td>{t.mount.clone().unwrap_or_default()}</td>
                    <td>{edit} {delete}</td>
                </tr>
            }
        })
        .collect_view();
    let create = (o.can_create && !o.sites.is_empty()).then(|| {
        let fields = telescope_fields(csrf, &slug, &o.sites, None);
        view! {
            <h3>"Add a telescope"</h3>
            <ActionForm action=a.save_telescope attr:class="form" attr:id="add-telescope-form">
                {fields}
                <button type="submit">"Add telescope"</button>
            </ActionForm>
        }
    });
    view! {
        <section class="panel">
            <h2>"Telescopes"</h2>
            <table class="table" id="telescopes">
                <thead><tr><th>"Telescope"</th><th>"Site"</th><th>"Aperture"</th><th>"Focal length"</th><th>"Mount"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {action_error(move || a.save_telescope.value().get())}
            {action_error(move || a.delete_telescope.value().get())}
            {create}
        </section>
    }
}

fn instrument_fields(
    csrf: &str,
    slug: &str,
    telescopes: &[TelescopeInfo],
    i: Option<&InstrumentInfo>,
) -> impl IntoView + use<> {
    let v = |f: fn(&InstrumentInfo) -> String| i.map(f).unwrap_or_default();
    let current = v(|i| i.telescope_id.clone());
    let options = telescopes
        .iter()
        .map(|t| view! { <option value=t.id.clone() selected=t.id == current>{t.name.clone()}</option> })
        .collect_view();
    view! {
        <Csrf token=csrf.to_owned() />
        <input type="hidden" name="slug" value=slug.to_owned() />
        <input type="hidden" name="id" value=v(|i| i.id.clone()) />
        <label>"Name" <input type="text" name="name" required maxlength="100" value=v(|i| i.name.clone()) /></label>
        <label>"Telescope" <select name="telescope_id">{options}</select></label>
        <label>"Detector" <input type="text" name="detector" maxlength="200" value=v(|i| i.detector.clone()) /></label>
        <label>"Pixel scale (″/px)" <input type="text" name="pixel_scale_arcsec" value=v(|i| opt(i.pixel_scale_arcsec)) /></label>
        <label>"Field (′, width)" <input type="text" name="field_width_arcmin" size="6" value=v(|i| opt(i.field_width_arcmin)) /></label>
        <label>"× height (′)" <input type="text" name="field_height_arcmin" size="6" value=v(|i| opt(i.field_height_arcmin)) /></label>
        <label>"Filters (comma-separated)" <input type="text" name="filters" value=v(|i| i.filters.join(", ")) /></label>
        <label>"Description" <textarea name="description" rows="2">{textarea_text(&v(|i| i.description.clone()))}</textarea></label>
    }
}

fn instruments(o: &ObservatoryInfo, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let slug = o.workspace.slug.clone();
    let (can_edit, can_delete) = (o.can_edit, o.can_delete);
    let rows = o
        .instruments
        .iter()
        .map(|i| {
            let edit = can_edit.then(|| {
                let fields = instrument_fields(csrf, &slug, &o.telescopes, Some(i));
                view! {
                    <details>
                        <summary>"Edit"</summary>
                        <ActionForm action=a.save_instrument attr:class="form">
                            {fields}
                            <button type="submit">"Save"</button>
                        </ActionForm>
                    </details>
                }
            });
            let delete = can_delete.then(|| delete_form!(a.delete_instrument, csrf, slug, i.id));
            view! {
                <tr>
                    <td>{i.name.clone()} <div class="muted small">{i.detector.clone()}</div></td>
                    <td>{i.telescope_name.clone()}</td>
                    <td>{i.pixel_scale_arcsec.map(|v| format!("{v}″/px")).unwrap_or_default()}
                        {i.field_width_arcmin.zip(i.field_height_arcmin).map(|(w, h)| format!(" · {w}′ × {h}′"))}</td>
                    <td>{i.filters.join(", ")}</td>
                    <td>{edit} {delete}</td>
                </tr>
            }
        })
        .collect_view();
    let create = (o.can_create && !o.telescopes.is_empty()).then(|| {
        let fields = instrument_fields(csrf, &slug, &o.telescopes, None);
        view! {
            <h3>"Add an instrument"</h3>
            <ActionForm action=a.save_instrument attr:class="form" attr:id="add-instrument-form">
                {fields}
                <button type="submit">"Add instrument"</button>
            </ActionForm>
        }
    });
    view! {
        <section class="panel">
            <h2>"Instruments"</h2>
            <table class="table" id="instruments">
                <thead><tr><th>"Instrument"</th><th>"Telescope"</th><th>"Pixel scale"</th><th>"Filters"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {action_error(move || a.save_instrument.value().get())}
            {action_error(move || a.delete_instrument.value().get())}
            {create}
        </section>
    }
}
