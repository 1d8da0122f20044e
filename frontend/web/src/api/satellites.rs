//! Server functions of the satellite pages: the public check (anyone), a workspace's planned observations and one
//! plan with its stored check. Charts arrive projected (tangent-plane degrees), so the page only draws.
#![expect(clippy::too_many_arguments, reason = "a server function takes one argument per form field")]

use super::WorkspaceInfo;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The public check's form, as typed (a GET form: a check is a shareable address).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SkyCheckForm {
    pub lat: String,
    pub lon: String,
    pub elevation: String,
    pub ra: String,
    pub dec: String,
    pub radius: String,
    pub width: String,
    pub height: String,
    pub position_angle: String,
    pub start: String,
    pub end: String,
    /// The workspace the check was opened from (its first site and tonight are the form's defaults).
    pub workspace: String,
    /// A target of that workspace, by name, instead of RA and Dec.
    pub target: String,
}

impl SkyCheckForm {
    /// Nothing asked yet (the page shows only the form).
    pub fn is_empty(&self) -> bool {
        [&self.ra, &self.dec, &self.target, &self.start].iter().all(|v| v.trim().is_empty())
    }
}

/// A ready check whose catalog has crossings to show: the query of the page's address, and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckExample {
    /// `lat=…&lon=…&…&end=…`
    pub query: String,
    /// `Hill Top, 2022-06-17 20:42–21:42 UTC, 2° overhead (the catalog's own epoch)`
    pub text: String,
}

/// What the public check offers before a check: an example in the catalog's epoch, and, when opened from a
/// workspace, the form filled in for tonight at its first site, with its targets by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckSetup {
    pub example: Option<CheckExample>,
    /// The form's values before anything is asked (empty without a workspace).
    pub defaults: SkyCheckForm,
    /// `Hill Top (Demo Observatory), tonight from 20:43 UTC`, when there are defaults.
    pub defaults_text: String,
    /// Names of the workspace's targets the visitor may see.
    pub targets: Vec<String>,
    /// `5018 objects; elements from 2022-05-20 to 2022-06-17`, or that there is no catalog.
    pub catalog: String,
}

/// The setup of the public check, opened from `workspace` (a slug, or empty).
#[server(prefix = "/fn", endpoint = "satellite_check_setup")]
pub async fn satellite_check_setup(workspace: String) -> Result<CheckSetup, ServerFnError> {
    crate::ssr::satellites::check_setup(workspace).await
}

/// A field's outline on the chart: a circle's radius, or a polygon's corners (tangent-plane degrees, x to the
/// east = left on the sky, y to the north = up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ChartOutline {
    Circle { radius: f64 },
    Polygon { corners: Vec<(f64, f64)> },
}

/// One crossing's track on the chart: entry, closest approach, exit; each half coloured by whether the satellite
/// was sunlit at its end point (entry, exit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartTrack {
    pub label: String,
    pub name: String,
    pub points: [(f64, f64); 3],
    pub sunlit_at_entry: bool,
    pub sunlit_at_closest: bool,
    pub sunlit_at_exit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkyChart {
    /// Half the chart's width in tangent-plane degrees.
    pub half_width: f64,
    pub outline: ChartOutline,
    pub tracks: Vec<ChartTrack>,
}

/// A row of the crossings table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossingRow {
    pub norad_id: u32,
    pub name: String,
    /// `03:01:54.893` UTC (the date is the window's).
    pub entry: String,
    pub exit: String,
    pub closest: String,
    pub separation_deg: String,
    pub speed_deg_s: String,
    pub altitude_deg: String,
    pub range_km: String,
    /// `sunlit`, `in shadow`, or `enters shadow` / `leaves shadow`.
    pub light: String,
    pub sunlit_any: bool,
    pub element_age_days: String,
    /// `already in the field at the start`, `still in at the end`, or empty.
    pub note: String,
}

/// A computed check, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckView {
    pub chart: SkyChart,
    pub rows: Vec<CrossingRow>,
    /// Objects skipped because their elements no longer propagate.
    pub skipped: usize,
    /// `5018 objects; elements from 2022-05-20 to 2022-06-17 (newest 1.2 days before the window)`.
    pub catalog: String,
    /// `2026-11-22 07:40 UTC`, for a stored check.
    pub checked_at: String,
}

/// Runs the public check for the form (nothing when the form is empty).
#[server(prefix = "/fn", endpoint = "satellite_check")]
pub async fn satellite_check(form: SkyCheckForm) -> Result<Option<CheckView>, ServerFnError> {
    crate::ssr::satellites::satellite_check(form).await
}

/// A plan in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanItem {
    pub id: String,
    pub name: String,
    pub telescope: String,
    pub site: String,
    /// `2026-11-22 21:00 – 22:00 UTC`
    pub window: String,
    /// `circle r 0.50°` / `rectangle 1.00° × 0.50° at PA 30°`
    pub field: String,
    /// `RA 242.1743° Dec −28.2117°`
    pub position: String,
    pub status: String,
    /// Crossings found by the stored check (when done).
    pub crossings: Option<usize>,
    pub over: bool,
}

/// A workspace's plans page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlansPage {
    pub workspace: WorkspaceInfo,
    pub can_create: bool,
    pub plans: Vec<PlanItem>,
    /// (id, name) for the create form.
    pub telescopes: Vec<(String, String)>,
    pub targets: Vec<(String, String)>,
    /// The form's window before anything is typed: tonight's first hour of dark sky at the workspace's first
    /// site (`2026-12-06T18:40`, UTC, as `datetime-local` wants), or empty.
    pub tonight: (String, String),
}

#[server(prefix = "/fn", endpoint = "plans")]
pub async fn get_plans(slug: String) -> Result<PlansPage, ServerFnError> {
    crate::ssr::satellites::plans_page(slug).await
}

/// One plan's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPage {
    pub workspace: WorkspaceInfo,
    pub plan: PlanItem,
    pub notes: String,
    pub can_edit: bool,
    pub check: Option<CheckView>,
    pub check_error: Option<String>,
}

#[server(prefix = "/fn", endpoint = "plan")]
pub async fn get_plan(slug: String, id: String) -> Result<PlanPage, ServerFnError> {
    crate::ssr::satellites::plan_page(slug, id).await
}

/// Makes a plan from the form: a target from the list, or RA and Dec; a circle (radius) or a rectangle.
#[server(prefix = "/fn", endpoint = "create_plan")]
pub async fn create_plan(
    csrf_token: String,
    slug: String,
    name: String,
    target_id: String,
    ra: String,
    dec: String,
    telescope_id: String,
    radius: String,
    width: String,
    height: String,
    position_angle: String,
    starts_at: String,
    ends_at: String,
) -> Result<(), ServerFnError> {
    crate::ssr::satellites::create_plan(
        csrf_token,
        slug,
        crate::ssr::satellites::PlanFormFields {
            name,
            target_id,
            ra,
            dec,
            telescope_id,
            radius,
            width,
            height,
            position_angle,
            starts_at,
            ends_at,
        },
    )
    .await
}

/// Runs a plan's check again now.
#[server(prefix = "/fn", endpoint = "recheck_plan")]
pub async fn recheck_plan(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::satellites::recheck_plan(csrf_token, slug, id).await
}

#[server(prefix = "/fn", endpoint = "delete_plan")]
pub async fn delete_plan(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::satellites::delete_plan(csrf_token, slug, id).await
}
