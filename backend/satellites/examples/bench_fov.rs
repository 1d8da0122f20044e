//! Timings for the figures: catalog parse + initialisation, one 0.5-degree field over an hour, ten fields
//! in one request. Run in release: `cargo run --release -p meridian-satellites --example bench_fov [CATALOG]`.

use std::io::Write;
use std::time::Instant;

use chrono::{DateTime, Utc};
use meridian_domain::{Declination, RightAscension, SkyPosition};
use meridian_satellites::{Catalog, CatalogFormat, Field, FovRequest, Site, find_crossings};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/catalog_stellarium_0.22.2.tle").to_owned());
    let text = std::fs::read_to_string(&path)?;
    let mut out = std::io::stdout().lock();

    let started = Instant::now();
    let import = Catalog::parse(&text, CatalogFormat::detect(&text))?;
    let parse_s = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "catalog: {} objects ({} rejected, {} failed to initialise) parsed and initialised in {:.3} s",
        import.catalog.len(),
        import.rejected.len(),
        import.failed.len(),
        parse_s
    )?;
    let catalog = import.catalog;

    // Cerro Pachón, the pointing near the zenith at the window start.
    let site = Site::from_degrees(-30.2407, -70.7366, 2715.0)?;
    let start: DateTime<Utc> = "2022-06-16T03:00:00Z".parse()?;
    let end = start + chrono::Duration::hours(1);
    let at = |ra: f64, dec: f64| -> anyhow::Result<SkyPosition> {
        Ok(SkyPosition::new(RightAscension::new(ra)?, Declination::new(dec)?))
    };

    let one = FovRequest::new(site, vec![Field::circle(at(240.0, -30.0)?, 0.5)?], start, end)?;
    let ten = FovRequest::new(
        site,
        (0..10)
            .map(|k| {
                Field::circle(at(200.0 + 8.0 * f64::from(k), -60.0 + 7.0 * f64::from(k))?, 0.5).map_err(Into::into)
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
        start,
        end,
    )?;

    let day = FovRequest::new(
        site,
        vec![Field::circle(at(240.0, -30.0)?, 0.5)?],
        start,
        start + chrono::Duration::hours(24),
    )?;
    let wide = FovRequest::new(site, vec![Field::circle(at(240.0, -30.0)?, 5.0)?], start, end)?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) as f64;
    for (label, request) in [
        ("one 0.5-degree field, 1 h", &one),
        ("ten 0.5-degree fields, 1 h", &ten),
        ("one 5-degree field, 1 h", &wide),
        ("one 0.5-degree field, 24 h", &day),
    ] {
        // One warm-up, then the best of five (the machine is shared).
        let _ = find_crossings(&catalog, request);
        let mut best = f64::INFINITY;
        let mut report = None;
        for _ in 0..5 {
            let started = Instant::now();
            let r = find_crossings(&catalog, request);
            best = best.min(started.elapsed().as_secs_f64());
            report = Some(r);
        }
        let report = report.ok_or_else(|| anyhow::anyhow!("no run"))?;
        let mut ids: Vec<u32> = report.crossings.iter().map(|c| c.norad_id).collect();
        ids.dedup();
        writeln!(
            out,
            "{label}: {:.3} s, {} crossings (NORAD {ids:?}), {} skipped, {} propagations ({:.1} per object, {:.2} M per \
             CPU second including the search around them)",
            best,
            report.crossings.len(),
            report.skipped.len(),
            report.stats.propagations,
            report.stats.propagations as f64 / report.stats.objects as f64,
            report.stats.propagations as f64 / (best * cores) / 1e6
        )?;
    }

    // Raw SGP4 speed on one core, through the public API (each call also copies the object's 1 KB SGP4 record).
    let started = Instant::now();
    let mut count = 0u64;
    for object in catalog.objects() {
        for minute in 0..60 {
            if object.teme_state(start + chrono::Duration::minutes(minute)).is_ok() {
                count += 1;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "SGP4 on one core: {count} propagations in {elapsed:.3} s = {:.2} M/s",
        count as f64 / elapsed / 1e6
    )?;
    Ok(())
}
