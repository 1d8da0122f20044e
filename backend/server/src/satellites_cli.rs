//! `meridian satellites ...`: satellite checks from the command line. With `--catalog FILE` nothing else is needed
//! (no server, no database); without it the catalog stored in the database (as configured) is used.

use crate::config::Config;
use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use meridian_domain::{Declination, RightAscension, SkyPosition};
use meridian_service::satellites::compute::{
    Catalog, CatalogObject, EarthOrientation, Field, FovReport, FovRequest, Pass, PassRequest, Site, find_crossings,
    find_passes, load_finals2000a,
};
use meridian_service::satellites::{CatalogEntry, LoadedCatalog, parse_format};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, clap::Subcommand)]
pub enum SatellitesCommand {
    /// Every catalog object that crosses a field of view in a time window.
    Fov(FovArgs),
    /// Rises, culminations and sets of one object over a site.
    Passes(PassesArgs),
    /// Import a catalog file (TLE, or OMM as JSON, CSV or XML) into the database: newer elements replace older.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    /// A catalog file (TLE or OMM); without it, the catalog stored in the database.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// The site's geodetic latitude, degrees north.
    #[arg(long, allow_hyphen_values = true)]
    pub lat: f64,
    /// The site's longitude, degrees east.
    #[arg(long, allow_hyphen_values = true)]
    pub lon: f64,
    /// Height above the WGS84 ellipsoid, metres.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub elevation: f64,
    /// Start of the window (RFC 3339, for example 2026-11-22T21:00:00Z).
    #[arg(long)]
    pub start: DateTime<Utc>,
    /// End of the window (at most 24 hours after the start).
    #[arg(long)]
    pub end: DateTime<Utc>,
    /// An IERS finals2000A.all file for UT1 and polar motion (default: UT1 = UTC).
    #[arg(long)]
    pub earth_orientation: Option<PathBuf>,
    /// Print JSON (times in RFC 3339 UTC with milliseconds) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct FovArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The field's centre: right ascension (ICRS), degrees.
    #[arg(long, allow_hyphen_values = true)]
    pub ra: f64,
    /// The field's centre: declination (ICRS), degrees.
    #[arg(long, allow_hyphen_values = true)]
    pub dec: f64,
    /// A circular field's radius, degrees.
    #[arg(long, conflicts_with_all = ["width", "height"], required_unless_present_all = ["width", "height"])]
    pub radius: Option<f64>,
    /// A rectangular field's width, degrees.
    #[arg(long, requires = "height")]
    pub width: Option<f64>,
    /// A rectangular field's height (along the position angle), degrees.
    #[arg(long, requires = "width")]
    pub height: Option<f64>,
    /// The position angle of the height axis, degrees from north through east.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub position_angle: f64,
    /// Skip objects whose elements are more than this many days from the window (reported as skipped).
    #[arg(long, default_value_t = meridian_service::satellites::compute::DEFAULT_MAX_ELEMENT_AGE_DAYS)]
    pub max_element_age: f64,
}

#[derive(Debug, clap::Args)]
pub struct PassesArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The object's NORAD catalog number.
    #[arg(long)]
    pub norad: u32,
    /// Passes are counted above this altitude, degrees.
    #[arg(long, default_value_t = 10.0, allow_hyphen_values = true)]
    pub min_altitude: f64,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The catalog file.
    pub file: PathBuf,
    /// `auto` (default), `tle`, `omm_json`, `omm_csv` or `omm_xml`.
    #[arg(long)]
    pub format: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Bad input: printed as `error: <field>: <reason>` with exit status 2 by `main`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(e: meridian_domain::ValidationError) -> anyhow::Error {
    UsageError(format!("{}: {}", e.field, e.message)).into()
}

fn read_catalog(path: &Path) -> anyhow::Result<Catalog> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let format = meridian_service::satellites::compute::CatalogFormat::detect(&text);
    let import = Catalog::parse(&text, format).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    if import.catalog.is_empty() {
        let first = import.rejected.first().map(|r| format!(" (line {}: {})", r.line, r.reason)).unwrap_or_default();
        anyhow::bail!(UsageError(format!("catalog: {} holds no usable element sets{first}", path.display())));
    }
    for r in import.rejected.iter().take(5) {
        tracing::warn!(line = r.line, reason = %r.reason, "catalog line rejected");
    }
    Ok(import.catalog)
}

/// The catalog named on the command line, or the stored one (which needs the configured database).
async fn catalog(args: &SiteArgs, config: &Config) -> anyhow::Result<Arc<LoadedCatalog>> {
    if let Some(path) = &args.catalog {
        let catalog = read_catalog(path)?;
        return Ok(Arc::new(LoadedCatalog { catalog, revision: None, imported_at: None, failed: Vec::new() }));
    }
    let state = crate::State::open(config, config.auto_migrate).await?;
    let loaded = state.services.satellite_catalog().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if loaded.catalog.is_empty() {
        anyhow::bail!(UsageError(
            "no catalog: give --catalog FILE, or import one first with `meridian satellites import FILE`".into()
        ));
    }
    Ok(loaded)
}

fn site(args: &SiteArgs) -> anyhow::Result<(Site, EarthOrientation)> {
    let site = Site::from_degrees(args.lat, args.lon, args.elevation).map_err(usage)?;
    let eo = match &args.earth_orientation {
        Some(path) => {
            load_finals2000a(path).map_err(usage)?;
            EarthOrientation::Iers
        }
        None => EarthOrientation::UtcIsUt1,
    };
    Ok((site, eo))
}

fn millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub async fn fov(args: &FovArgs, config: &Config) -> anyhow::Result<()> {
    let (site, eo) = site(&args.site)?;
    let center =
        SkyPosition::new(RightAscension::new(args.ra).map_err(usage)?, Declination::new(args.dec).map_err(usage)?);
    let field = match (args.radius, args.width, args.height) {
        (Some(r), _, _) => Field::circle(center, r),
        (None, Some(w), Some(h)) => Field::rectangle(center, w, h, args.position_angle),
        _ => return Err(UsageError("give --radius, or --width and --height".into()).into()),
    }
    .map_err(usage)?;
    let request = FovRequest::new(site, vec![field], args.site.start, args.site.end)
        .map_err(usage)?
        .with_earth_orientation(eo)
        .with_max_element_age_days(args.max_element_age);
    let loaded = catalog(&args.site, config).await?;
    let report = tokio::task::spawn_blocking(move || find_crossings(&loaded.catalog, &request)).await?;
    print_fov(&report, args.site.json)
}

fn print_fov(report: &FovReport, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>6}  {:<24} {:<24} {:<24} {:>9} {:>8} {:>7}  lit",
        "NORAD", "name", "entry (UTC)", "exit (UTC)", "sep (°)", "°/s", "alt (°)"
    )?;
    for c in &report.crossings {
        writeln!(
            out,
            "{:>6}  {:<24} {:<24} {:<24} {:>9.4} {:>8.4} {:>7.2}  {}{}{}",
            c.norad_id,
            c.name.as_deref().unwrap_or("").chars().take(24).collect::<String>(),
            millis(c.entry),
            millis(c.exit),
            c.closest_approach.separation_deg,
            c.angular_speed_deg_per_s,
            c.altitude_deg,
            if c.sunlit_at_closest { "sunlit" } else { "shadow" },
            if c.in_field_at_start { ", in field at start" } else { "" },
            if c.in_field_at_end { ", in field at end" } else { "" },
        )?;
    }
    writeln!(
        out,
        "{} crossing(s); {} object(s) checked, {} skipped (no propagation)",
        report.crossings.len(),
        report.stats.objects,
        report.skipped.len()
    )?;
    Ok(())
}

#[derive(serde::Serialize)]
struct PassesOut<'a> {
    object: CatalogEntry,
    passes: &'a [Pass],
}

pub async fn passes(args: &PassesArgs, config: &Config) -> anyhow::Result<()> {
    let (site, eo) = site(&args.site)?;
    let request = PassRequest::new(site, args.site.start, args.site.end, args.min_altitude)
        .map_err(usage)?
        .with_earth_orientation(eo);
    let loaded = catalog(&args.site, config).await?;
    let norad = args.norad;
    let (entry, passes) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let object: &CatalogObject =
            loaded.catalog.get(norad).ok_or_else(|| UsageError(format!("norad: no object {norad} in the catalog")))?;
        let passes = find_passes(object, &request)
            .map_err(|f| UsageError(format!("norad: the object's elements cannot be propagated: {}", f.reason)))?;
        Ok((CatalogEntry::of(object, Utc::now()), passes))
    })
    .await??;
    let mut out = std::io::stdout().lock();
    if args.site.json {
        serde_json::to_writer_pretty(&mut out, &PassesOut { object: entry, passes: &passes })?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {} (elements {:.1} days old)",
        entry.norad_id,
        entry.name.unwrap_or_default(),
        entry.element_age_days
    )?;
    let at = |p: Option<&meridian_service::satellites::compute::PassPoint>| match p {
        Some(p) => format!("{} az {:>5.1}", millis(p.time), p.azimuth_deg),
        None => "(before/after the window)".to_owned(),
    };
    for p in &passes {
        writeln!(
            out,
            "rise {:<34} culmination {} alt {:>5.1}  set {}",
            at(p.rise.as_ref()),
            millis(p.culmination.time),
            p.culmination.altitude_deg,
            at(p.set.as_ref())
        )?;
    }
    writeln!(out, "{} pass(es)", passes.len())?;
    Ok(())
}

pub async fn import(args: &ImportArgs, config: &Config) -> anyhow::Result<()> {
    let format = parse_format(args.format.as_deref()).map_err(usage)?;
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let state = crate::State::open(config, config.auto_migrate).await?;
    let summary = state
        .services
        .import_satellite_catalog(text, format, &args.file.display().to_string(), "command line")
        .await
        .map_err(|e| match e {
            meridian_service::ServiceError::Validation(v) => usage(v),
            e => anyhow::anyhow!("{e}"),
        })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &summary)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "imported {} ({}): {} object(s) read, {} added or updated, {} unchanged, {} line(s) rejected, {} failed",
        summary.source,
        summary.format,
        summary.objects_read,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        summary.failed
    )?;
    for r in &summary.rejected_lines {
        writeln!(out, "  line {}: {}", r.line, r.reason)?;
    }
    for f in &summary.failed_objects {
        writeln!(out, "  {} {}: {}", f.norad_id, f.name.as_deref().unwrap_or(""), f.reason)?;
    }
    Ok(())
}
