//! Satellite checks as a service: the instance's catalog (imported from a file, an operator's upload or a
//! scheduled fetch; kept in the database and held in memory while its revision stands), field-of-view checks,
//! passes and catalog search for anyone, and the rechecks of planned observations after a refresh.
//!
//! The computing is `meridian-satellites`; it is CPU-bound, so it runs on the blocking pool, at most
//! [`MAX_CONCURRENT_CHECKS`] at once so a burst of public checks cannot starve the rest of the server.

use crate::jobs::{Job, PushOptions};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::ValidationError;
use meridian_satellites::{
    Catalog, CatalogError, CatalogFormat, CatalogObject, EarthOrientation, FovReport, FovRequest, MeanElements, Pass,
    PassRequest, PropagationFailure, Rejected,
};
use meridian_store::satellites::{self as store, ImportRecord, ObjectRow};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::{Mutex, Semaphore};
use uuid::Uuid;

pub use meridian_satellites as compute;

/// Checks computed at once; more wait their turn.
pub const MAX_CONCURRENT_CHECKS: usize = 2;
/// Largest catalog file accepted (CelesTrak's whole active catalog as OMM XML is about 40 MB).
pub const MAX_CATALOG_BYTES: usize = 128 * 1024 * 1024;
/// Rejected lines and failed objects kept with an import's record and returned to the importer.
const PROBLEMS_KEPT: usize = 100;

/// Settings of the satellite side.
#[derive(Debug, Clone, Default)]
pub struct SatelliteConfig {
    /// UT1 from an IERS table (installed by the server at start) or UT1 = UTC.
    pub earth_orientation: EarthOrientation,
    /// Where the scheduled fetch reads the catalog (off when `None`).
    pub catalog_url: Option<String>,
}

/// The catalog as the checks use it, with the revision (newest import) it was read at.
#[derive(Debug)]
pub struct LoadedCatalog {
    pub catalog: Catalog,
    pub revision: Option<Uuid>,
    pub imported_at: Option<DateTime<Utc>>,
    /// Stored objects whose elements no longer start SGP4.
    pub failed: Vec<PropagationFailure>,
}

impl LoadedCatalog {
    pub fn info(&self) -> CatalogInfo {
        let range = self.catalog.epoch_range();
        CatalogInfo {
            revision: self.revision,
            imported_at: self.imported_at,
            objects: self.catalog.len(),
            oldest_epoch: range.map(|r| r.0),
            newest_epoch: range.map(|r| r.1),
        }
    }
}

/// The field radius of [`Services::satellite_example`]: at a dark sky's start, an hour on a 2° field overhead
/// finds a handful of crossings in a catalog of a few thousand objects.
pub const EXAMPLE_RADIUS_DEG: f64 = 2.0;

/// An example check: where to look and when (see [`Services::satellite_example`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SatelliteExample {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub center: compute::SkyPoint,
    pub radius_deg: f64,
}

/// Which catalog a result came from: a check names it so its age can be judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CatalogInfo {
    pub revision: Option<Uuid>,
    pub imported_at: Option<DateTime<Utc>>,
    pub objects: usize,
    pub oldest_epoch: Option<DateTime<Utc>>,
    pub newest_epoch: Option<DateTime<Utc>>,
}

/// In-process state: the cached catalog and the gate on concurrent checks.
#[derive(Debug)]
pub(crate) struct SatelliteState {
    cache: Mutex<Option<Arc<LoadedCatalog>>>,
    gate: Semaphore,
}

impl Default for SatelliteState {
    fn default() -> Self {
        Self { cache: Mutex::new(None), gate: Semaphore::new(MAX_CONCURRENT_CHECKS) }
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub id: Uuid,
    pub source: String,
    pub format: String,
    pub imported_at: DateTime<Utc>,
    /// Element sets read from the file (after keeping the newest per object).
    pub objects_read: u64,
    /// Objects added or given newer elements.
    pub updated: u64,
    /// Objects whose stored elements were as new or newer.
    pub unchanged: u64,
    pub rejected: u64,
    pub failed: u64,
    /// The first rejected lines (line number and reason).
    pub rejected_lines: Vec<Rejected>,
    /// The first objects whose elements do not start SGP4 (decayed, or bad numbers); not stored.
    pub failed_objects: Vec<PropagationFailure>,
}

/// The catalog's state for the status endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogStatus {
    pub catalog: CatalogInfo,
    /// Stored objects that no longer start SGP4 (skipped by every check).
    pub failing_objects: usize,
    pub recent_imports: Vec<ImportView>,
}

/// One recorded import, for the status endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct ImportView {
    pub id: Uuid,
    pub source: String,
    pub format: String,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
    pub objects_read: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub failed: u64,
    /// The first rejected lines and failed objects (`{"rejected": [...], "failed": [...]}`).
    pub problems: serde_json::Value,
}

impl From<ImportRecord> for ImportView {
    fn from(r: ImportRecord) -> Self {
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
            problems: serde_json::from_str(&r.problems).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// One object as the catalog search shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogEntry {
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

impl CatalogEntry {
    pub fn of(o: &CatalogObject, now: DateTime<Utc>) -> Self {
        let e = o.elements();
        let (perigee_km, apogee_km) = e.perigee_apogee_km();
        Self {
            norad_id: e.norad_id,
            name: e.name.clone(),
            international_designator: e.international_designator.clone(),
            epoch: e.epoch,
            element_age_days: e.age_days(now),
            period_minutes: e.period_minutes(),
            inclination_deg: e.inclination_deg,
            perigee_km,
            apogee_km,
        }
    }
}

/// A field-of-view check's result and the catalog it used.
#[derive(Debug, Clone, Serialize)]
pub struct FovCheck {
    pub report: FovReport,
    pub catalog: CatalogInfo,
}

/// Passes of one object and the catalog entry they were computed from.
#[derive(Debug, Clone, Serialize)]
pub struct PassesCheck {
    pub object: CatalogEntry,
    pub passes: Vec<Pass>,
    pub catalog: CatalogInfo,
}

fn no_catalog() -> ServiceError {
    ServiceError::Conflict {
        field: "catalog",
        message: "no satellite catalog has been imported on this server yet; an operator imports one with \
                  `meridian satellites import FILE` or the catalog API"
            .to_owned(),
    }
}

/// Reads the format name a client gives (`tle`, `omm_json`, `omm_csv`, `omm_xml`); `None` detects it.
pub fn parse_format(name: Option<&str>) -> Result<Option<CatalogFormat>, ValidationError> {
    Ok(match name.map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("auto") => None,
        Some("tle" | "3le" | "2le") => Some(CatalogFormat::Tle),
        Some("omm_json" | "json") => Some(CatalogFormat::OmmJson),
        Some("omm_csv" | "csv") => Some(CatalogFormat::OmmCsv),
        Some("omm_xml" | "xml") => Some(CatalogFormat::OmmXml),
        Some(_) => return Err(ValidationError::new("format", "must be auto, tle, omm_json, omm_csv or omm_xml")),
    })
}

fn format_name(f: CatalogFormat) -> &'static str {
    match f {
        CatalogFormat::Tle => "tle",
        CatalogFormat::OmmJson => "omm_json",
        CatalogFormat::OmmCsv => "omm_csv",
        CatalogFormat::OmmXml => "omm_xml",
    }
}

impl Services {
    pub(crate) fn satellite_config(&self) -> &SatelliteConfig {
        &self.config().satellites
    }

    /// The catalog at its current revision, read from the database when it changed since the last call.
    pub async fn satellite_catalog(&self) -> ServiceResult<Arc<LoadedCatalog>> {
        let newest = store::newest_import(self.db()).await?;
        let revision = newest.as_ref().map(|r| r.id);
        let mut cache = self.inner.satellites.cache.lock().await;
        if let Some(c) = cache.as_ref()
            && c.revision == revision
        {
            return Ok(c.clone());
        }
        let rows = store::all_elements(self.db()).await?;
        let imported_at = newest.map(|r| r.imported_at);
        let loaded = tokio::task::spawn_blocking(move || {
            let mut sets = Vec::with_capacity(rows.len());
            for row in rows {
                match serde_json::from_str::<MeanElements>(&row) {
                    Ok(e) => sets.push(e),
                    Err(e) => tracing::warn!(error = %e, "a stored element set does not read; skipped"),
                }
            }
            let (catalog, failed) = Catalog::from_elements(sets);
            LoadedCatalog { catalog, revision, imported_at, failed }
        })
        .await
        .map_err(ServiceError::internal)?;
        let loaded = Arc::new(loaded);
        *cache = Some(loaded.clone());
        Ok(loaded)
    }

    /// Imports a catalog file for an operator (the admin API).
    pub async fn import_satellite_catalog_as(
        &self,
        actor: &Actor,
        text: String,
        format: Option<CatalogFormat>,
        source: &str,
    ) -> ServiceResult<ImportSummary> {
        let by = format!("account:{}", self.require_operator(actor)?.id);
        self.import_satellite_catalog(text, format, source, &by).await
    }

    /// Imports a catalog: every element set newer than the stored one for its object replaces it, in one
    /// transaction with the import's record; then the plans not yet over are queued for a recheck. Bad lines are
    /// reported (line and reason), not fatal, unless nothing at all reads (422 naming the first bad line).
    #[tracing::instrument(skip(self, text))]
    pub async fn import_satellite_catalog(
        &self,
        text: String,
        format: Option<CatalogFormat>,
        source: &str,
        imported_by: &str,
    ) -> ServiceResult<ImportSummary> {
        if text.len() > MAX_CATALOG_BYTES {
            return Err(ValidationError::new("catalog", format!("must be at most {MAX_CATALOG_BYTES} bytes")).into());
        }
        let parsed = tokio::task::spawn_blocking(move || {
            let format = format.unwrap_or_else(|| CatalogFormat::detect(&text));
            Catalog::parse(&text, format)
        })
        .await
        .map_err(ServiceError::internal)?
        .map_err(|e| match e {
            CatalogError::Malformed { line, reason } => {
                ValidationError::new("catalog", format!("line {line}: {reason}"))
            }
            CatalogError::Empty => ValidationError::new("catalog", "holds no element sets"),
        })?;
        if parsed.catalog.is_empty() {
            let first = parsed.rejected.first().map(|r| format!(" (line {}: {})", r.line, r.reason));
            return Err(ValidationError::new(
                "catalog",
                format!("holds no usable element sets{}", first.unwrap_or_default()),
            )
            .into());
        }
        let now = crate::now();
        let txn = meridian_store::begin_write(self.db()).await?;
        let stored = store::epochs(&txn).await?;
        let mut rows = Vec::new();
        for object in parsed.catalog.objects() {
            let e = object.elements();
            if stored.get(&e.norad_id).is_some_and(|t| *t >= e.epoch) {
                continue;
            }
            rows.push(ObjectRow {
                norad_id: e.norad_id,
                name: e.name.clone(),
                international_designator: e.international_designator.clone(),
                epoch: e.epoch,
                elements: serde_json::to_string(e).map_err(ServiceError::internal)?,
            });
        }
        let rejected_lines: Vec<Rejected> = parsed.rejected.iter().take(PROBLEMS_KEPT).cloned().collect();
        let failed_objects: Vec<PropagationFailure> = parsed.failed.iter().take(PROBLEMS_KEPT).cloned().collect();
        let objects_read = parsed.catalog.len() as u64;
        let record = ImportRecord {
            id: Uuid::now_v7(),
            source: source.chars().take(500).collect(),
            format: format_name(parsed.format).to_owned(),
            imported_by: imported_by.to_owned(),
            imported_at: now,
            objects_read,
            updated: rows.len() as u64,
            unchanged: objects_read - rows.len() as u64,
            rejected: parsed.rejected.len() as u64,
            failed: parsed.failed.len() as u64,
            problems: serde_json::json!({"rejected": rejected_lines, "failed": failed_objects}).to_string(),
        };
        store::apply_import(&txn, &record, &rows, now).await?;
        meridian_store::commit(txn).await?;
        tracing::info!(
            source = %record.source,
            objects = record.objects_read,
            updated = record.updated,
            rejected = record.rejected,
            "satellite catalog imported"
        );
        if record.updated > 0
            && let Err(e) = self
                .jobs()
                .push(
                    Job::RecheckPlans,
                    PushOptions { unique_key: Some(format!("recheck_plans@{}", record.id)), ..PushOptions::default() },
                )
                .await
        {
            tracing::warn!(error = %e, "could not queue the plans' recheck");
        }
        Ok(ImportSummary {
            id: record.id,
            source: record.source,
            format: record.format,
            imported_at: record.imported_at,
            objects_read: record.objects_read,
            updated: record.updated,
            unchanged: record.unchanged,
            rejected: record.rejected,
            failed: record.failed,
            rejected_lines,
            failed_objects,
        })
    }

    /// The scheduled fetch: reads the configured URL and imports what it holds. Off without a URL.
    pub async fn fetch_satellite_catalog(&self) -> ServiceResult<Option<ImportSummary>> {
        let Some(url) = self.satellite_config().catalog_url.clone() else {
            return Ok(None);
        };
        let text = crate::fetch::get_text(&url, MAX_CATALOG_BYTES).await?;
        self.import_satellite_catalog(text, None, &url, "scheduled fetch").await.map(Some)
    }

    pub async fn satellite_catalog_status(&self) -> ServiceResult<CatalogStatus> {
        let catalog = self.satellite_catalog().await?;
        let recent_imports = store::recent_imports(self.db(), 10).await?.into_iter().map(ImportView::from).collect();
        Ok(CatalogStatus { catalog: catalog.info(), failing_objects: catalog.failed.len(), recent_imports })
    }

    /// A check that finds crossings in the stored catalog's own epoch: at the site, from the first dark sky after
    /// the newest element set's epoch, an hour on a 2° field overhead. For a first visit (a demo's catalog may be
    /// years old, and "tonight" would then find nothing its elements can still say); `None` without a catalog or
    /// where the sun does not set then.
    pub async fn satellite_example(&self, site: &compute::Site) -> ServiceResult<Option<SatelliteExample>> {
        let catalog = self.satellite_catalog().await?;
        let Some(newest) = catalog.info().newest_epoch else {
            return Ok(None);
        };
        Ok(compute::dark_sky(site, newest, compute::DARK_SUN_ALTITUDE_DEG).map(|dark| SatelliteExample {
            starts_at: dark.at,
            ends_at: dark.at + chrono::Duration::hours(1),
            center: dark.zenith,
            radius_deg: EXAMPLE_RADIUS_DEG,
        }))
    }

    /// Objects by NORAD id (exact) or name (contains, any case), at most `limit`.
    pub async fn search_satellites(&self, query: &str, limit: usize) -> ServiceResult<Vec<CatalogEntry>> {
        let query = query.trim();
        if query.is_empty() {
            return Err(ValidationError::new("q", "must not be empty").into());
        }
        if query.chars().count() > 100 {
            return Err(ValidationError::new("q", "must be at most 100 characters").into());
        }
        let catalog = self.satellite_catalog().await?;
        let now = Utc::now();
        Ok(catalog.catalog.search(query, limit.clamp(1, 200)).into_iter().map(|o| CatalogEntry::of(o, now)).collect())
    }

    /// Every crossing of the request's fields by any catalog object.
    pub async fn satellite_fov_check(&self, request: FovRequest) -> ServiceResult<FovCheck> {
        let catalog = self.satellite_catalog().await?;
        if catalog.catalog.is_empty() {
            return Err(no_catalog());
        }
        let request = request.with_earth_orientation(self.satellite_config().earth_orientation);
        let _permit = self.inner.satellites.gate.acquire().await.map_err(ServiceError::internal)?;
        let info = catalog.info();
        let report =
            tokio::task::spawn_blocking(move || meridian_satellites::find_crossings(&catalog.catalog, &request))
                .await
                .map_err(ServiceError::internal)?;
        Ok(FovCheck { report, catalog: info })
    }

    /// Passes of one object over a site.
    pub async fn satellite_passes(&self, norad_id: u32, request: PassRequest) -> ServiceResult<PassesCheck> {
        let catalog = self.satellite_catalog().await?;
        if catalog.catalog.is_empty() {
            return Err(no_catalog());
        }
        if catalog.catalog.get(norad_id).is_none() {
            return Err(ServiceError::NotFound("satellite"));
        }
        let request = request.with_earth_orientation(self.satellite_config().earth_orientation);
        let _permit = self.inner.satellites.gate.acquire().await.map_err(ServiceError::internal)?;
        let info = catalog.info();
        let (object, passes) = tokio::task::spawn_blocking(move || {
            let object = catalog.catalog.get(norad_id).map(|o| (CatalogEntry::of(o, Utc::now()), o));
            object.map(|(entry, o)| (entry, meridian_satellites::find_passes(o, &request)))
        })
        .await
        .map_err(ServiceError::internal)?
        .ok_or(ServiceError::NotFound("satellite"))?;
        let passes = passes.map_err(|f| {
            ValidationError::new("norad_id", format!("the object's elements cannot be propagated: {}", f.reason))
        })?;
        Ok(PassesCheck { object, passes, catalog: info })
    }
}
