//! The server side of the satellite pages: form text becomes a check request; crossings become table rows and a
//! chart projected on the field's tangent plane (gnomonic, like the field's own rectangle).

use super::equipment::{invalid, not_found_status, number};
use super::{actor, all_rows, fail, form_caller, services, workspace_info};
use crate::api::satellites::{
    ChartOutline, ChartTrack, CheckExample, CheckSetup, CheckView, CrossingRow, PlanItem, PlanPage, PlansPage,
    SkyChart, SkyCheckForm,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use meridian_domain::planning::FieldOfView;
use meridian_domain::{Action, PlannedObservationId, TargetId, TelescopeId};
use meridian_service::ServiceError;
use meridian_service::equipment::Coordinate;
use meridian_service::planning::{CreatePlan, PlanView, stored_report};
use meridian_service::satellites::CatalogInfo;
use meridian_service::satellites::compute::{Crossing, Field, FovReport, FovRequest, Site};
use meridian_service::targets::TargetQuery;
use meridian_service::workspaces::WorkspaceView;

/// Gnomonic projection about (`ra0`, `dec0`), degrees in and out: x toward the east, y toward the north.
pub(crate) fn project(ra0: f64, dec0: f64, ra: f64, dec: f64) -> (f64, f64) {
    let (sd0, cd0) = dec0.to_radians().sin_cos();
    let (sd, cd) = dec.to_radians().sin_cos();
    let (sda, cda) = (ra - ra0).to_radians().sin_cos();
    let cos_c = (sd0 * sd + cd0 * cd * cda).max(1e-6);
    let x = cd * sda / cos_c;
    let y = (cd0 * sd - sd0 * cd * cda) / cos_c;
    (x.to_degrees(), y.to_degrees())
}

/// A field's outline on its own tangent plane.
pub(crate) fn outline(field: FieldOfView) -> (ChartOutline, f64) {
    match field {
        FieldOfView::Circle { radius_deg } => {
            // A cone's edge is a circle of tangent-plane radius tan(r).
            let r = radius_deg.to_radians().tan().to_degrees();
            (ChartOutline::Circle { radius: r }, r)
        }
        FieldOfView::Rectangle { width_deg, height_deg, position_angle_deg } => {
            let (hw, hh) = ((width_deg / 2.0).to_radians().tan(), (height_deg / 2.0).to_radians().tan());
            let (sp, cp) = position_angle_deg.to_radians().sin_cos();
            // The height axis points at the position angle (north through east); the width axis is 90° from it.
            let up = (sp, cp);
            let across = (cp, -sp);
            let corner = |a: f64, b: f64| {
                ((a * hw * across.0 + b * hh * up.0).to_degrees(), (a * hw * across.1 + b * hh * up.1).to_degrees())
            };
            let corners = vec![corner(-1.0, -1.0), corner(1.0, -1.0), corner(1.0, 1.0), corner(-1.0, 1.0)];
            let reach = hw.hypot(hh).to_degrees();
            (ChartOutline::Polygon { corners }, reach)
        }
    }
}

fn hms(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S%.3f").to_string()
}

fn catalog_text(c: &CatalogInfo, window_start: DateTime<Utc>) -> String {
    match (c.oldest_epoch, c.newest_epoch) {
        (Some(old), Some(new)) => {
            #[expect(clippy::cast_precision_loss, reason = "days for reading")]
            let age = (window_start - new).num_seconds() as f64 / 86_400.0;
            format!(
                "{} objects; elements from {} to {} (the newest {:.1} days {} the window)",
                c.objects,
                old.format("%Y-%m-%d"),
                new.format("%Y-%m-%d"),
                age.abs(),
                if age >= 0.0 { "before" } else { "after" }
            )
        }
        _ => "no catalog".to_owned(),
    }
}

fn row(c: &Crossing) -> CrossingRow {
    let light = match (c.sunlit_at_entry, c.sunlit_at_exit) {
        (true, true) => "sunlit",
        (false, false) if c.sunlit_any => "sunlit for a while",
        (false, false) => "in shadow",
        (true, false) => "enters shadow",
        (false, true) => "leaves shadow",
    };
    let note = match (c.in_field_at_start, c.in_field_at_end) {
        (true, true) => "in the field all window",
        (true, false) => "already in the field at the start",
        (false, true) => "still in the field at the end",
        (false, false) => "",
    };
    CrossingRow {
        norad_id: c.norad_id,
        name: c.name.clone().unwrap_or_default(),
        entry: hms(c.entry),
        exit: hms(c.exit),
        closest: hms(c.closest_approach.time),
        separation_deg: format!("{:.3}", c.closest_approach.separation_deg),
        speed_deg_s: format!("{:.3}", c.angular_speed_deg_per_s),
        altitude_deg: format!("{:.1}", c.altitude_deg),
        range_km: format!("{:.0}", c.range_km),
        light: light.to_owned(),
        sunlit_any: c.sunlit_any,
        element_age_days: format!("{:.1}", c.element_age_days),
        note: note.to_owned(),
    }
}

/// The view of a report for one field centred at (`ra0`, `dec0`).
fn check_view(
    ra0: f64,
    dec0: f64,
    field: FieldOfView,
    crossings: &[Crossing],
    skipped: usize,
    catalog: String,
    checked_at: String,
) -> CheckView {
    let (outline, reach) = outline(field);
    let tracks = crossings
        .iter()
        .map(|c| {
            let p = |s: &meridian_service::satellites::compute::SkyPoint| project(ra0, dec0, s.ra_deg, s.dec_deg);
            ChartTrack {
                label: c.norad_id.to_string(),
                name: c.name.clone().unwrap_or_default(),
                points: [p(&c.entry_position), p(&c.closest_approach.position), p(&c.exit_position)],
                sunlit_at_entry: c.sunlit_at_entry,
                sunlit_at_closest: c.sunlit_at_closest,
                sunlit_at_exit: c.sunlit_at_exit,
            }
        })
        .collect();
    CheckView {
        chart: SkyChart { half_width: reach * 1.25, outline, tracks },
        rows: crossings.iter().map(row).collect(),
        skipped,
        catalog,
        checked_at,
    }
}

fn required(field: &str, s: &str) -> Result<f64, ServerFnError> {
    number(field, s)?.ok_or_else(|| invalid(field, "is required"))
}

fn time(field: &str, s: &str) -> Result<DateTime<Utc>, ServerFnError> {
    let s = s.trim();
    // `datetime-local` inputs send `2026-11-22T21:00` (taken as UTC); RFC 3339 is read as given.
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").map(|t| t.and_utc()))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").map(|t| t.and_utc()))
        .map_err(|_| invalid(field, "must be a UTC date and time (2026-11-22T21:00)"))
}

fn field_of(radius: &str, width: &str, height: &str, pa: &str) -> Result<FieldOfView, ServerFnError> {
    match (number("radius", radius)?, number("width", width)?, number("height", height)?) {
        (Some(radius_deg), _, _) => Ok(FieldOfView::Circle { radius_deg }),
        (None, Some(width_deg), Some(height_deg)) => Ok(FieldOfView::Rectangle {
            width_deg,
            height_deg,
            position_angle_deg: number("position_angle", pa)?.unwrap_or(0.0),
        }),
        _ => Err(invalid("radius", "give a radius, or a width and a height")),
    }
}

pub async fn satellite_check(form: SkyCheckForm) -> Result<Option<CheckView>, ServerFnError> {
    if form.is_empty() {
        return Ok(None);
    }
    // Anonymous visitors share the public allowance, like the API (`actor` counts the call).
    actor().await?;
    let site = Site::from_degrees(
        required("lat", &form.lat)?,
        required("lon", &form.lon)?,
        number("elevation", &form.elevation)?.unwrap_or(0.0),
    )
    .map_err(|e| fail(e.into()))?;
    let (ra0, dec0) = if form.ra.trim().is_empty() && form.dec.trim().is_empty() && !form.target.trim().is_empty() {
        target_position(&form.workspace, &form.target).await?
    } else {
        (required("ra", &form.ra)?, required("dec", &form.dec)?)
    };
    let fov = field_of(&form.radius, &form.width, &form.height, &form.position_angle)?;
    let center = meridian_domain::SkyPosition::new(
        meridian_domain::RightAscension::new(ra0).map_err(|e| fail(e.into()))?,
        meridian_domain::Declination::new(dec0).map_err(|e| fail(e.into()))?,
    );
    let field = match fov {
        FieldOfView::Circle { radius_deg } => Field::circle(center, radius_deg),
        FieldOfView::Rectangle { width_deg, height_deg, position_angle_deg } => {
            Field::rectangle(center, width_deg, height_deg, position_angle_deg)
        }
    }
    .map_err(|e| fail(e.into()))?;
    let (start, end) = (time("start", &form.start)?, time("end", &form.end)?);
    let request = FovRequest::new(site, vec![field], start, end).map_err(|e| fail(e.into()))?;
    let check = services()?.satellite_fov_check(request).await.map_err(fail)?;
    let FovReport { crossings, skipped, .. } = check.report;
    Ok(Some(check_view(
        ra0,
        dec0,
        fov,
        &crossings,
        skipped.len(),
        catalog_text(&check.catalog, start),
        Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
    )))
}

/// A workspace target's position, by its name (any case), among the targets the caller may see there.
async fn target_position(slug: &str, name: &str) -> Result<(f64, f64), ServerFnError> {
    let name = name.trim();
    let unknown = || invalid("target", "is not a target of this workspace (give RA and Dec instead)");
    if slug.trim().is_empty() {
        return Err(invalid("target", "needs a workspace: give RA and Dec instead"));
    }
    let actor = actor().await?;
    let query = TargetQuery { q: Some(name.to_owned()), tag: None };
    let found = match services()?.list_targets(&actor, slug.trim(), &query, &all_rows()).await {
        Ok(page) => page.items,
        Err(ServiceError::NotFound(_) | ServiceError::Forbidden(_) | ServiceError::Unauthenticated) => {
            return Err(unknown());
        }
        Err(e) => return Err(fail(e)),
    };
    let t = found.iter().find(|t| t.name.as_str().eq_ignore_ascii_case(name)).ok_or_else(unknown)?;
    Ok((t.position.ra.degrees(), t.position.dec.degrees()))
}

/// Where the example looks when the check was not opened from a workspace with a site: the Roque de los
/// Muchachos observatory on La Palma (28.7606° N, 17.8816° W, 2326 m).
const EXAMPLE_SITE: (&str, f64, f64, f64) = ("La Palma", 28.7606, -17.8816, 2326.0);

fn minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

pub async fn check_setup(workspace: String) -> Result<CheckSetup, ServerFnError> {
    use meridian_service::satellites::compute::{DARK_SUN_ALTITUDE_DEG, dark_sky};
    let services = services()?;
    let actor = actor().await?;
    let slug = workspace.trim();
    // The workspace's first site, and the targets the visitor may see there; a workspace the visitor cannot see
    // (or none) leaves the form empty, as if opened directly.
    let mut site = None;
    let mut targets = Vec::new();
    if !slug.is_empty() {
        let all = all_rows();
        if let Ok(access) = services.access(&actor, slug).await
            && let Ok(sites) = services.list_sites(&actor, slug, &all).await
            && let Some(s) = sites.items.into_iter().next()
        {
            site = Some((format!("{} ({})", s.name, access.workspace.name), s));
            let query = TargetQuery { q: None, tag: None };
            if let Ok(t) = services.list_targets(&actor, slug, &query, &all).await {
                targets = t.items.into_iter().map(|t| t.name.to_string()).collect();
            }
        }
    }
    let catalog_info = services.satellite_catalog_status().await.map_err(fail)?.catalog;
    let (site_name, at) = match &site {
        Some((name, s)) => (name.clone(), Site::new(s.latitude, s.longitude, s.elevation)),
        None => {
            let (name, lat, lon, elevation) = EXAMPLE_SITE;
            (name.to_owned(), Site::from_degrees(lat, lon, elevation).map_err(|e| fail(e.into()))?)
        }
    };
    let coords = |s: &Site| {
        (format!("{}", s.latitude.degrees()), format!("{}", s.longitude.degrees()), format!("{}", s.elevation.metres()))
    };
    let (lat, lon, elevation) = coords(&at);
    let example = services.satellite_example(&at).await.map_err(fail)?.map(|e| {
        let start = e.starts_at.format("%Y-%m-%dT%H:%M").to_string();
        let mut query = format!(
            "lat={lat}&lon={lon}&elevation={elevation}&ra={:.3}&dec={:.3}&radius={}&start={start}&end={}",
            e.center.ra_deg,
            e.center.dec_deg,
            e.radius_deg,
            minute(e.ends_at),
        );
        if site.is_some() {
            query.push_str(&format!("&workspace={slug}"));
        }
        let text = format!(
            "{site_name}, {} – {} UTC, {}° overhead (the catalog's own epoch)",
            e.starts_at.format("%Y-%m-%d %H:%M"),
            e.ends_at.format("%H:%M"),
            e.radius_deg
        );
        CheckExample { query, text }
    });
    let (defaults, defaults_text) = match &site {
        Some(_) => match dark_sky(&at, Utc::now(), DARK_SUN_ALTITUDE_DEG) {
            Some(dark) => (
                SkyCheckForm {
                    lat,
                    lon,
                    elevation,
                    ra: format!("{:.3}", dark.zenith.ra_deg),
                    dec: format!("{:.3}", dark.zenith.dec_deg),
                    radius: "1".into(),
                    start: minute(dark.at),
                    end: minute(dark.at + chrono::Duration::hours(1)),
                    workspace: slug.to_owned(),
                    ..SkyCheckForm::default()
                },
                format!("{site_name}: tonight from {} UTC, overhead", dark.at.format("%H:%M")),
            ),
            None => (
                SkyCheckForm {
                    lat,
                    lon,
                    elevation,
                    radius: "1".into(),
                    workspace: slug.to_owned(),
                    ..Default::default()
                },
                format!("{site_name}: the sun does not set far enough tonight"),
            ),
        },
        None => (SkyCheckForm::default(), String::new()),
    };
    Ok(CheckSetup {
        example,
        defaults,
        defaults_text,
        targets,
        catalog: match (catalog_info.oldest_epoch, catalog_info.newest_epoch) {
            (Some(old), Some(new)) => format!(
                "{} objects; elements from {} to {}",
                catalog_info.objects,
                old.format("%Y-%m-%d"),
                new.format("%Y-%m-%d")
            ),
            _ => "No satellite catalog has been imported yet.".to_owned(),
        },
    })
}

fn plan_item(v: &PlanView, now: DateTime<Utc>) -> PlanItem {
    let p = &v.plan;
    let field = match p.field {
        FieldOfView::Circle { radius_deg } => format!("circle r {radius_deg:.2}°"),
        FieldOfView::Rectangle { width_deg, height_deg, position_angle_deg } => {
            format!("rectangle {width_deg:.2}° × {height_deg:.2}° at PA {position_angle_deg:.0}°")
        }
    };
    let crossings = stored_report(&p.check).map(|r| r.crossings.len());
    PlanItem {
        id: p.id.to_string(),
        name: p.name.to_string(),
        telescope: v.telescope_name.to_string(),
        site: v.site.name.to_string(),
        window: format!("{} – {} UTC", p.starts_at.format("%Y-%m-%d %H:%M"), p.ends_at.format("%H:%M")),
        field,
        position: format!("RA {:.4}° Dec {:+.4}°", p.position.ra.degrees(), p.position.dec.degrees()),
        status: p.check.status.as_str().to_owned(),
        crossings,
        over: p.ends_at <= now,
    }
}

pub async fn plans_page(slug: String) -> Result<PlansPage, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let all = all_rows();
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let plans = services.list_plans(&actor, &slug, false, &all).await?;
        let telescopes = services.list_telescopes(&actor, &slug, None, &all).await?;
        let targets = services.list_targets(&actor, &slug, &TargetQuery { q: None, tag: None }, &all).await?;
        let sites = services.list_sites(&actor, &slug, &all).await?;
        Ok::<_, ServiceError>((access, plans, telescopes, targets, sites))
    };
    let (access, plans, telescopes, targets, sites) = read.await.inspect_err(not_found_status).map_err(fail)?;
    let now = Utc::now();
    let tonight = sites
        .items
        .first()
        .and_then(|s| {
            let site = Site::new(s.latitude, s.longitude, s.elevation);
            meridian_service::satellites::compute::dark_sky(
                &site,
                now,
                meridian_service::satellites::compute::DARK_SUN_ALTITUDE_DEG,
            )
        })
        .map(|d| (minute(d.at), minute(d.at + chrono::Duration::hours(1))))
        .unwrap_or_default();
    Ok(PlansPage {
        can_create: access.can(Action::CreateData),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        plans: plans.items.iter().map(|p| plan_item(p, now)).collect(),
        telescopes: telescopes
            .items
            .into_iter()
            .map(|t| (t.telescope.id.to_string(), format!("{} ({})", t.telescope.name, t.site_name)))
            .collect(),
        targets: targets.items.into_iter().map(|t| (t.id.to_string(), t.name.to_string())).collect(),
        tonight,
    })
}

pub async fn plan_page(slug: String, id: String) -> Result<PlanPage, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let id: PlannedObservationId =
        id.trim().parse().map_err(|_| fail(ServiceError::NotFound("planned observation")))?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let plan = services.get_plan(&actor, &slug, id).await?;
        Ok::<_, ServiceError>((access, plan))
    };
    let (access, view) = read.await.inspect_err(not_found_status).map_err(fail)?;
    let item = plan_item(&view, Utc::now());
    let p = &view.plan;
    let check = match stored_report(&p.check) {
        Some(report) => {
            let catalog = CatalogInfo {
                revision: p.check.catalog_import,
                imported_at: None,
                objects: 0,
                oldest_epoch: p.check.catalog_oldest,
                newest_epoch: p.check.catalog_newest,
            };
            let text = catalog_text(&catalog, p.starts_at);
            // The stored check does not keep the object count; the epochs say how old the elements were.
            let text = text.split_once("; ").map_or(text.clone(), |(_, rest)| format!("Catalog: {rest}"));
            Some(check_view(
                p.position.ra.degrees(),
                p.position.dec.degrees(),
                p.field,
                &report.crossings,
                report.skipped.len(),
                text,
                p.check.checked_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default(),
            ))
        }
        _ => None,
    };
    Ok(PlanPage {
        can_edit: access.can(Action::EditData),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        notes: p.notes.as_str().to_owned(),
        check_error: p.check.error.clone(),
        check,
        plan: item,
    })
}

/// The create form's fields, as typed.
#[derive(Debug)]
pub struct PlanFormFields {
    pub name: String,
    pub target_id: String,
    pub ra: String,
    pub dec: String,
    pub telescope_id: String,
    pub radius: String,
    pub width: String,
    pub height: String,
    pub position_angle: String,
    pub starts_at: String,
    pub ends_at: String,
}

pub async fn create_plan(csrf: String, slug: String, f: PlanFormFields) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let given = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let target_id = match given(&f.target_id) {
        Some(t) => Some(t.parse::<TargetId>().map_err(|_| invalid("target_id", "choose one from the list"))?),
        None => None,
    };
    let telescope_id: TelescopeId =
        f.telescope_id.trim().parse().map_err(|_| invalid("telescope_id", "choose one from the list"))?;
    let input = CreatePlan {
        name: given(&f.name),
        target_id,
        ra: given(&f.ra).map(Coordinate::Text),
        dec: given(&f.dec).map(Coordinate::Text),
        telescope_id,
        instrument_id: None,
        field: Some(field_of(&f.radius, &f.width, &f.height, &f.position_angle)?),
        starts_at: time("starts_at", &f.starts_at)?,
        ends_at: time("ends_at", &f.ends_at)?,
        notes: None,
    };
    services.create_plan(&actor, &slug, input).await.map(drop).map_err(fail)
}

pub async fn recheck_plan(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let id: PlannedObservationId =
        id.trim().parse().map_err(|_| fail(ServiceError::NotFound("planned observation")))?;
    services.recheck_plan(&actor, &slug, id).await.map(drop).map_err(fail)
}

pub async fn delete_plan(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let id: PlannedObservationId =
        id.trim().parse().map_err(|_| fail(ServiceError::NotFound("planned observation")))?;
    services.delete_plan(&actor, &slug, id).await.map_err(fail)?;
    leptos_actix::redirect(&format!("/w/{slug}/plans"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_puts_east_and_north_where_the_sky_has_them() {
        let (x, y) = project(10.0, 20.0, 10.0, 20.0);
        assert!(x.abs() < 1e-12 && y.abs() < 1e-12);
        let (x, y) = project(10.0, 20.0, 10.0, 21.0);
        assert!(x.abs() < 1e-9 && (y - 1.0).abs() < 1e-3, "{x} {y}");
        let (x, _) = project(10.0, 20.0, 11.0, 20.0);
        assert!(x > 0.9 && x < 1.0, "one degree of RA at dec 20 is cos(20) degrees east: {x}");
        // Across RA 0/360 the points stay together.
        let (a, _) = project(359.9, 0.0, 0.1, 0.0);
        assert!((a - 0.2).abs() < 1e-3, "{a}");
    }

    #[test]
    fn a_rectangle_at_position_angle_90_lies_east_west() {
        let field = FieldOfView::Rectangle { width_deg: 1.0, height_deg: 4.0, position_angle_deg: 90.0 };
        let (ChartOutline::Polygon { corners }, reach) = outline(field) else { panic!("a polygon") };
        let max_x = corners.iter().map(|c| c.0.abs()).fold(0.0, f64::max);
        let max_y = corners.iter().map(|c| c.1.abs()).fold(0.0, f64::max);
        assert!(max_x > 1.9 && max_y < 0.6, "{corners:?}");
        assert!(reach > 2.0);
    }
}
