//! The JSON shapes of satellite checks, the satellite catalog and planned observations. Times of crossings and
//! passes are RFC 3339 UTC with milliseconds, as the command line prints them.

use crate::routes::common::CoordinateInput;
use chrono::{DateTime, SecondsFormat, Utc};
use meridian_domain::planning::FieldOfView;
use meridian_domain::{InstrumentId, Page, TargetId, TelescopeId, ValidationError};
use meridian_service::planning::{CreatePlan, PlanView, UpdatePlan};
use meridian_service::satellites::compute::{
    ClosestApproach, Crossing, Field, FovReport, Pass, PassPoint, PropagationFailure, Rejected, Site, SkyPoint,
};
use meridian_service::satellites::{
    CatalogEntry, CatalogInfo, CatalogStatus, FovCheck, ImportSummary, ImportView, PassesCheck,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

fn ms(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

// ---- Requests -----------------------------------------------------------------------------------------------

/// Where the observer stands (WGS84).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SiteInput {
    /// Geodetic latitude, degrees north (-90 to 90).
    pub latitude: f64,
    /// Longitude, degrees east (-180 to 360).
    pub longitude: f64,
    /// Height above the ellipsoid, metres.
    #[serde(default)]
    #[schema(minimum = -500, maximum = 9000)]
    pub elevation_m: f64,
}

impl SiteInput {
    pub fn to_site(&self) -> Result<Site, ValidationError> {
        Site::from_degrees(self.latitude, self.longitude, self.elevation_m)
    }
}

/// A field's shape: a circle, or a rectangle on the tangent plane (the height axis at `position_angle_deg` from
/// north through east).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum FieldShapeInput {
    Circle {
        /// Degrees, more than 0 and at most 10.
        #[schema(exclusive_minimum = 0, maximum = 10)]
        radius_deg: f64,
    },
    Rectangle {
        #[schema(exclusive_minimum = 0, maximum = 20)]
        width_deg: f64,
        #[schema(exclusive_minimum = 0, maximum = 20)]
        height_deg: f64,
        #[serde(default)]
        position_angle_deg: f64,
    },
}

impl From<FieldShapeInput> for FieldOfView {
    fn from(f: FieldShapeInput) -> Self {
        match f {
            FieldShapeInput::Circle { radius_deg } => FieldOfView::Circle { radius_deg },
            FieldShapeInput::Rectangle { width_deg, height_deg, position_angle_deg } => {
                FieldOfView::Rectangle { width_deg, height_deg, position_angle_deg }
            }
        }
    }
}

impl From<FieldOfView> for FieldShapeInput {
    fn from(f: FieldOfView) -> Self {
        match f {
            FieldOfView::Circle { radius_deg } => FieldShapeInput::Circle { radius_deg },
            FieldOfView::Rectangle { width_deg, height_deg, position_angle_deg } => {
                FieldShapeInput::Rectangle { width_deg, height_deg, position_angle_deg }
            }
        }
    }
}

/// One field: its centre (ICRS, degrees or sexagesimal text; RA text is hours) and its shape.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FieldInput {
    pub ra: CoordinateInput,
    pub dec: CoordinateInput,
    #[serde(flatten)]
    pub shape: FieldShapeInput,
}

impl FieldInput {
    pub fn to_field(&self) -> Result<Field, ValidationError> {
        use meridian_domain::{Declination, RightAscension, SkyPosition};
        let ra = match &self.ra {
            CoordinateInput::Degrees(v) => RightAscension::new(*v)?,
            CoordinateInput::Text(s) => RightAscension::parse(s)?,
        };
        let dec = match &self.dec {
            CoordinateInput::Degrees(v) => Declination::new(*v)?,
            CoordinateInput::Text(s) => Declination::parse(s)?,
        };
        let center = SkyPosition::new(ra, dec);
        match self.shape {
            FieldShapeInput::Circle { radius_deg } => Field::circle(center, radius_deg),
            FieldShapeInput::Rectangle { width_deg, height_deg, position_angle_deg } => {
                Field::rectangle(center, width_deg, height_deg, position_angle_deg)
            }
        }
    }
}

/// A field-of-view check: which catalog objects cross the fields between `start` and `end` (at most 24 hours).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FovCheckBody {
    pub site: SiteInput,
    /// 1 to 32 fields; they share one propagation of the catalog.
    #[schema(min_items = 1, max_items = 32)]
    pub fields: Vec<FieldInput>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Skip objects whose elements are more than this many days from the window (default 30, at most 365);
    /// they are listed in `skipped` with code -1.
    pub max_element_age_days: Option<f64>,
}

/// Passes of one object over a site.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PassesQuery {
    /// The object's NORAD catalog number.
    pub norad_id: u32,
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// Metres above the ellipsoid (default 0).
    #[serde(default)]
    #[param(minimum = -500, maximum = 9000)]
    pub elevation_m: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Degrees (default 10).
    #[param(minimum = -5, maximum = 89)]
    pub min_altitude_deg: Option<f64>,
}

/// Catalog search by NORAD number (exact) or name (contains, any case).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogSearchQuery {
    /// Part of a name, or a NORAD id: 1 to 100 characters after trimming.
    #[param(
        pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000](?:[\s\S]{0,98}[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000])?[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub q: String,
    /// At most this many (1 to 200, default 20).
    #[param(minimum = 0, maximum = 9223372036854775807.0)]
    pub limit: Option<usize>,
}

/// Import options for the catalog upload (the body is the file itself).
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogImportQuery {
    /// `auto` (default), `tle`, `omm_json`, `omm_csv` or `omm_xml`.
    #[param(schema_with = crate::schemas::catalog_format_opt)]
    pub format: Option<String>,
    /// What to record as the source (a file name or URL).
    pub source: Option<String>,
}

// ---- Results ------------------------------------------------------------------------------------------------

/// A direction on the sky, degrees (ICRS axes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkyPointBody {
    pub ra_deg: f64,
    pub dec_deg: f64,
}

impl From<SkyPoint> for SkyPointBody {
    fn from(p: SkyPoint) -> Self {
        Self { ra_deg: p.ra_deg, dec_deg: p.dec_deg }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClosestApproachBody {
    /// RFC 3339 UTC, milliseconds.
    pub time: String,
    /// From the field's centre, degrees.
    pub separation_deg: f64,
    pub position: SkyPointBody,
}

impl From<ClosestApproach> for ClosestApproachBody {
    fn from(c: ClosestApproach) -> Self {
        Self { time: ms(c.time), separation_deg: c.separation_deg, position: c.position.into() }
    }
}

/// One passage of one object through one field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CrossingBody {
    /// Index of the field in the request (from 0).
    pub field: usize,
    pub norad_id: u32,
    pub name: Option<String>,
    /// When it entered (the window start when already inside), RFC 3339 UTC with milliseconds.
    pub entry: String,
    /// When it left (the window end when still inside).
    pub exit: String,
    pub entry_position: SkyPointBody,
    pub exit_position: SkyPointBody,
    pub closest_approach: ClosestApproachBody,
    /// Degrees per second at closest approach.
    pub angular_speed_deg_per_s: f64,
    /// Km from the site at closest approach.
    pub range_km: f64,
    /// Altitude at closest approach, degrees.
    pub altitude_deg: f64,
    pub sunlit_at_entry: bool,
    pub sunlit_at_closest: bool,
    pub sunlit_at_exit: bool,
    /// Sunlit at any moment inside the field.
    pub sunlit_any: bool,
    /// The sun's altitude at the site at closest approach, degrees.
    pub sun_altitude_deg: f64,
    /// Age of the elements used, days.
    pub element_age_days: f64,
    pub in_field_at_start: bool,
    pub in_field_at_end: bool,
}

impl From<Crossing> for CrossingBody {
    fn from(c: Crossing) -> Self {
        Self {
            field: c.field,
            norad_id: c.norad_id,
            name: c.name,
            entry: ms(c.entry),
            exit: ms(c.exit),
            entry_position: c.entry_position.into(),
            exit_position: c.exit_position.into(),
            closest_approach: c.closest_approach.into(),
            angular_speed_deg_per_s: c.angular_speed_deg_per_s,
            range_km: c.range_km,
            altitude_deg: c.altitude_deg,
            sunlit_at_entry: c.sunlit_at_entry,
            sunlit_at_closest: c.sunlit_at_closest,
            sunlit_at_exit: c.sunlit_at_exit,
            sunlit_any: c.sunlit_any,
            sun_altitude_deg: c.sun_altitude_deg,
            element_age_days: c.element_age_days,
            in_field_at_start: c.in_field_at_start,
            in_field_at_end: c.in_field_at_end,
        }
    }
}

/// An object skipped because its elements do not propagate (decayed, ...).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkippedBody {
    pub norad_id: u32,
    pub name: Option<String>,
    /// SGP4's error code (6: decayed).
    pub code: i32,
    pub reason: String,
    pub at: Option<String>,
}

impl From<PropagationFailure> for SkippedBody {
    fn from(f: PropagationFailure) -> Self {
        Self { norad_id: f.norad_id, name: f.name, code: f.code, reason: f.reason, at: f.at.map(ms) }
    }
}

/// The catalog a result was computed with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogInfoBody {
    /// The catalog's revision (its newest import's id); absent before any import.
    pub revision: Option<Uuid>,
    pub imported_at: Option<DateTime<Utc>>,
    pub objects: usize,
    pub oldest_epoch: Option<DateTime<Utc>>,
    pub newest_epoch: Option<DateTime<Utc>>,
}

impl From<CatalogInfo> for CatalogInfoBody {
    fn from(c: CatalogInfo) -> Self {
        Self {
            revision: c.revision,
            imported_at: c.imported_at,
            objects: c.objects,
            oldest_epoch: c.oldest_epoch,
            newest_epoch: c.newest_epoch,
        }
    }
}

/// Every crossing of the requested fields, in time order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FovReportBody {
    pub crossings: Vec<CrossingBody>,
    pub skipped: Vec<SkippedBody>,
    /// Objects searched and SGP4 propagations made.
    pub objects_checked: usize,
    pub propagations: u64,
    pub catalog: CatalogInfoBody,
}

impl FovReportBody {
    pub fn of(report: FovReport, catalog: CatalogInfo) -> Self {
        Self {
            crossings: report.crossings.into_iter().map(Into::into).collect(),
            skipped: report.skipped.into_iter().map(Into::into).collect(),
            objects_checked: report.stats.objects,
            propagations: report.stats.propagations,
            catalog: catalog.into(),
        }
    }
}

impl From<FovCheck> for FovReportBody {
    fn from(c: FovCheck) -> Self {
        Self::of(c.report, c.catalog)
    }
}

/// One object of the catalog.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogEntryBody {
    pub norad_id: u32,
    pub name: Option<String>,
    pub international_designator: Option<String>,
    pub epoch: DateTime<Utc>,
    pub element_age_days: f64,
    pub period_minutes: f64,
    pub inclination_deg: f64,
    pub perigee_km: f64,
    pub apogee_km: f64,
}

impl From<CatalogEntry> for CatalogEntryBody {
    fn from(e: CatalogEntry) -> Self {
        Self {
            norad_id: e.norad_id,
            name: e.name,
            international_designator: e.international_designator,
            epoch: e.epoch,
            element_age_days: e.element_age_days,
            period_minutes: e.period_minutes,
            inclination_deg: e.inclination_deg,
            perigee_km: e.perigee_km,
            apogee_km: e.apogee_km,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogSearchBody {
    pub items: Vec<CatalogEntryBody>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassPointBody {
    pub time: String,
    pub altitude_deg: f64,
    /// From north through east.
    pub azimuth_deg: f64,
    pub range_km: f64,
    pub sunlit: bool,
}

impl From<PassPoint> for PassPointBody {
    fn from(p: PassPoint) -> Self {
        Self {
            time: ms(p.time),
            altitude_deg: p.altitude_deg,
            azimuth_deg: p.azimuth_deg,
            range_km: p.range_km,
            sunlit: p.sunlit,
        }
    }
}

/// One pass: `rise` is absent when already up at the start, `set` when still up at the end (a geostationary
/// object in view has neither).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassBody {
    pub rise: Option<PassPointBody>,
    pub culmination: PassPointBody,
    pub set: Option<PassPointBody>,
}

impl From<Pass> for PassBody {
    fn from(p: Pass) -> Self {
        Self { rise: p.rise.map(Into::into), culmination: p.culmination.into(), set: p.set.map(Into::into) }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassesBody {
    pub object: CatalogEntryBody,
    pub passes: Vec<PassBody>,
    pub catalog: CatalogInfoBody,
}

impl From<PassesCheck> for PassesBody {
    fn from(c: PassesCheck) -> Self {
        Self {
            object: c.object.into(),
            passes: c.passes.into_iter().map(Into::into).collect(),
            catalog: c.catalog.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedLineBody {
    pub line: usize,
    pub reason: String,
}

impl From<Rejected> for RejectedLineBody {
    fn from(r: Rejected) -> Self {
        Self { line: r.line, reason: r.reason }
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportSummaryBody {
    pub id: Uuid,
    pub source: String,
    pub format: String,
    pub imported_at: DateTime<Utc>,
    pub objects_read: u64,
    /// Objects added or given newer elements.
    pub updated: u64,
    /// Objects whose stored elements were as new or newer.
    pub unchanged: u64,
    pub rejected: u64,
    pub failed: u64,
    /// The first rejected lines (line number, reason).
    pub rejected_lines: Vec<RejectedLineBody>,
    /// The first objects whose elements do not start SGP4 (not stored).
    pub failed_objects: Vec<SkippedBody>,
}

impl From<ImportSummary> for ImportSummaryBody {
    fn from(s: ImportSummary) -> Self {
        Self {
            id: s.id,
            source: s.source,
            format: s.format,
            imported_at: s.imported_at,
            objects_read: s.objects_read,
            updated: s.updated,
            unchanged: s.unchanged,
            rejected: s.rejected,
            failed: s.failed,
            rejected_lines: s.rejected_lines.into_iter().map(Into::into).collect(),
            failed_objects: s.failed_objects.into_iter().map(Into::into).collect(),
        }
    }
}

/// One recorded import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportRecordBody {
    pub id: Uuid,
    pub source: String,
    pub format: String,
    /// `command line`, `scheduled fetch` or `account:<id>`.
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
    pub objects_read: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub failed: u64,
}

impl From<ImportView> for ImportRecordBody {
    fn from(r: ImportView) -> Self {
        Self {
            id: r.id,
            source: r.source,
            format: r.format,
            imported_by: r.imported_by,
            imported_at: r.imported_at,
            objects_read: r.objects_read,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
            failed: r.failed,
        }
    }
}

/// The catalog's state: size, element epochs, recent imports.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogStatusBody {
    pub catalog: CatalogInfoBody,
    /// Stored objects that no longer propagate (skipped by checks).
    pub failing_objects: usize,
    pub recent_imports: Vec<ImportRecordBody>,
}

impl From<CatalogStatus> for CatalogStatusBody {
    fn from(s: CatalogStatus) -> Self {
        Self {
            catalog: s.catalog.into(),
            failing_objects: s.failing_objects,
            recent_imports: s.recent_imports.into_iter().map(Into::into).collect(),
        }
    }
}

// ---- Planned observations -------------------------------------------------------------------------------------

/// A new planned observation: `target_id`, or `ra` and `dec`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreatePlanBody {
    /// Defaults to the target's name (or the coordinates).
    #[schema(schema_with = crate::schemas::name_or_default)]
    pub name: Option<String>,
    pub target_id: Option<Uuid>,
    pub ra: Option<CoordinateInput>,
    pub dec: Option<CoordinateInput>,
    pub telescope_id: Uuid,
    pub instrument_id: Option<Uuid>,
    /// Defaults to the instrument's field of view.
    pub field: Option<FieldShapeInput>,
    pub starts_at: DateTime<Utc>,
    /// At most 24 hours after `starts_at`.
    pub ends_at: DateTime<Utc>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub notes: Option<String>,
}

impl From<CreatePlanBody> for CreatePlan {
    fn from(b: CreatePlanBody) -> Self {
        Self {
            name: b.name,
            target_id: b.target_id.map(TargetId::from_uuid),
            ra: b.ra.map(Into::into),
            dec: b.dec.map(Into::into),
            telescope_id: TelescopeId::from_uuid(b.telescope_id),
            instrument_id: b.instrument_id.map(InstrumentId::from_uuid),
            field: b.field.map(Into::into),
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            notes: b.notes,
        }
    }
}

/// Plan changes; absent fields stay. A target takes its position; coordinates detach the plan from its target.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UpdatePlanBody {
    #[schema(schema_with = crate::schemas::name_opt)]
    pub name: Option<String>,
    pub target_id: Option<Uuid>,
    pub ra: Option<CoordinateInput>,
    pub dec: Option<CoordinateInput>,
    pub telescope_id: Option<Uuid>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "meridian_service::equipment::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub instrument_id: Option<Option<Uuid>>,
    pub field: Option<FieldShapeInput>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub notes: Option<String>,
}

impl From<UpdatePlanBody> for UpdatePlan {
    fn from(b: UpdatePlanBody) -> Self {
        Self {
            name: b.name,
            target_id: b.target_id.map(TargetId::from_uuid),
            ra: b.ra.map(Into::into),
            dec: b.dec.map(Into::into),
            telescope_id: b.telescope_id.map(TelescopeId::from_uuid),
            instrument_id: b.instrument_id.map(|i| i.map(InstrumentId::from_uuid)),
            field: b.field.map(Into::into),
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            notes: b.notes,
        }
    }
}

/// A plan's stored satellite check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanCheckBody {
    /// `pending`, `done` or `failed`.
    pub status: String,
    pub error: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    /// The catalog revision used and its element epochs.
    pub catalog_revision: Option<Uuid>,
    pub catalog_oldest_epoch: Option<DateTime<Utc>>,
    pub catalog_newest_epoch: Option<DateTime<Utc>>,
    /// Present when `done`.
    pub crossings: Option<Vec<CrossingBody>>,
    pub skipped: Option<Vec<SkippedBody>>,
}

/// A planned observation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanBody {
    pub id: Uuid,
    pub name: String,
    pub target_id: Option<Uuid>,
    pub ra_deg: f64,
    pub dec_deg: f64,
    pub telescope_id: Uuid,
    pub telescope_name: String,
    pub site_id: Uuid,
    pub site_name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub elevation_m: f64,
    pub instrument_id: Option<Uuid>,
    pub field: FieldShapeInput,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub notes: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub check: PlanCheckBody,
}

impl From<PlanView> for PlanBody {
    fn from(v: PlanView) -> Self {
        let p = v.plan;
        let (crossings, skipped) = match meridian_service::planning::stored_report(&p.check) {
            Some(r) => (
                Some(r.crossings.into_iter().map(Into::into).collect()),
                Some(r.skipped.into_iter().map(Into::into).collect()),
            ),
            None => (None, None),
        };
        Self {
            id: p.id.as_uuid(),
            name: p.name.to_string(),
            target_id: p.target_id.map(|t| t.as_uuid()),
            ra_deg: p.position.ra.degrees(),
            dec_deg: p.position.dec.degrees(),
            telescope_id: p.telescope_id.as_uuid(),
            telescope_name: v.telescope_name.to_string(),
            site_id: v.site.id.as_uuid(),
            site_name: v.site.name.to_string(),
            latitude: v.site.latitude.degrees(),
            longitude: v.site.longitude.degrees(),
            elevation_m: v.site.elevation.metres(),
            instrument_id: p.instrument_id.map(|i| i.as_uuid()),
            field: p.field.into(),
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            notes: p.notes.as_str().to_owned(),
            created_by: p.created_by.as_uuid(),
            created_at: p.created_at,
            updated_at: p.updated_at,
            check: PlanCheckBody {
                status: p.check.status.as_str().to_owned(),
                error: p.check.error,
                checked_at: p.check.checked_at,
                catalog_revision: p.check.catalog_import,
                catalog_oldest_epoch: p.check.catalog_oldest,
                catalog_newest_epoch: p.check.catalog_newest,
                crossings,
                skipped,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<PlanBody>,
    pub next_cursor: Option<String>,
}

impl From<Page<PlanView>> for PlanList {
    fn from(p: Page<PlanView>) -> Self {
        Self {
            items: p.items.into_iter().map(Into::into).collect(),
            next_cursor: p.next_cursor.map(|c| c.as_str().to_owned()),
        }
    }
}

/// Listing plans.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanListQuery {
    /// Only plans not yet over.
    #[serde(default)]
    pub upcoming: bool,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
