//! Crossings against the independent skyfield + sgp4 brute force in `reference/` (see `make_reference.py`):
//! none missed, none extra (but grazes under 0.1 s), entry and exit within 0.5 s, closest separation within
//! 0.005 degrees; the other quantities within the stated tolerances.

use std::path::Path;

use chrono::{DateTime, Utc};
use meridian_domain::{Declination, RightAscension, SkyPosition};
use meridian_satellites::{
    Catalog, CatalogFormat, Crossing, EarthOrientation, Field, FovRequest, PassRequest, Site, find_crossings,
    find_passes, load_finals2000a,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
    passes: Vec<PassCase>,
}

#[derive(Deserialize)]
struct PassCase {
    name: String,
    norad_id: u32,
    site: SiteDef,
    start: DateTime<Utc>,
    hours: i64,
    min_altitude_deg: f64,
    passes: Vec<ExpectedPass>,
}

#[derive(Deserialize, Debug)]
struct ExpectedPass {
    rise_s: Option<f64>,
    culmination_s: Option<f64>,
    culmination_altitude_deg: Option<f64>,
    set_s: Option<f64>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    site: SiteDef,
    start: DateTime<Utc>,
    minutes: i64,
    fields: Vec<FieldDef>,
    skipped: Vec<u32>,
    crossings: Vec<Expected>,
}

#[derive(Deserialize)]
struct SiteDef {
    lat_deg: f64,
    lon_deg: f64,
    elevation_m: f64,
}

#[derive(Deserialize)]
struct FieldDef {
    shape: String,
    ra_deg: f64,
    dec_deg: f64,
    radius_deg: Option<f64>,
    width_deg: Option<f64>,
    height_deg: Option<f64>,
    position_angle_deg: Option<f64>,
}

#[derive(Deserialize, Debug)]
struct Expected {
    field: usize,
    norad_id: u32,
    entry_s: f64,
    exit_s: f64,
    in_field_at_start: bool,
    in_field_at_end: bool,
    closest_s: f64,
    closest_separation_deg: f64,
    angular_speed_deg_per_s: f64,
    range_km: f64,
    altitude_deg: f64,
    sunlit_at_closest: bool,
    sun_altitude_deg: f64,
}

fn seconds(start: DateTime<Utc>, t: DateTime<Utc>) -> f64 {
    (t - start).num_microseconds().expect("small") as f64 * 1e-6
}

fn field(def: &FieldDef) -> Field {
    let center =
        SkyPosition::new(RightAscension::new(def.ra_deg).expect("ra"), Declination::new(def.dec_deg).expect("dec"));
    match def.shape.as_str() {
        "circle" => Field::circle(center, def.radius_deg.expect("radius")).expect("valid circle"),
        _ => Field::rectangle(
            center,
            def.width_deg.expect("width"),
            def.height_deg.expect("height"),
            def.position_angle_deg.expect("position angle"),
        )
        .expect("valid rectangle"),
    }
}

fn setup() -> (Catalog, Reference) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    load_finals2000a(&data.join("finals2000A-2022.all")).expect("IERS excerpt loads");
    let text = std::fs::read_to_string(data.join("catalog_stellarium_0.22.2.tle")).expect("catalog");
    let catalog = Catalog::parse(&text, CatalogFormat::Tle).expect("catalog parses").catalog;
    let reference: Reference = serde_json::from_str(include_str!("reference/crossings.json")).expect("reference JSON");
    (catalog, reference)
}

#[test]
fn passes_match_the_skyfield_reference() {
    let (catalog, reference) = setup();
    let mut problems = Vec::new();
    let mut compared = 0;
    for case in &reference.passes {
        let site = Site::from_degrees(case.site.lat_deg, case.site.lon_deg, case.site.elevation_m).expect("site");
        let end = case.start + chrono::Duration::hours(case.hours);
        let request = PassRequest::new(site, case.start, end, case.min_altitude_deg)
            .expect("request")
            .with_earth_orientation(EarthOrientation::Iers);
        let object = catalog.get(case.norad_id).expect("object in the catalog");
        let ours = find_passes(object, &request).expect("propagates");
        if ours.len() != case.passes.len() {
            problems.push(format!("{}: {:#?}, reference {:#?}", case.name, ours, case.passes));
            continue;
        }
        for (got, want) in ours.iter().zip(&case.passes) {
            let at = |t: DateTime<Utc>| seconds(case.start, t);
            let pairs =
                [("rise", got.rise.map(|p| at(p.time)), want.rise_s), ("set", got.set.map(|p| at(p.time)), want.set_s)];
            for (what, a, b) in pairs {
                match (a, b) {
                    (Some(a), Some(b)) if (a - b).abs() <= 0.5 => {}
                    (None, None) => {}
                    _ => problems.push(format!("{}: {what} {a:?} vs reference {b:?}", case.name)),
                }
            }
            // The maximum of a long pass (hours, Molniya) is flat: its time is loosely defined, its altitude is not.
            let long = want.set_s.unwrap_or(86_400.0) - want.rise_s.unwrap_or(0.0) > 1800.0;
            let time_tolerance = if long { 60.0 } else { 2.0 };
            if let (Some(t), Some(alt)) = (want.culmination_s, want.culmination_altitude_deg)
                && ((at(got.culmination.time) - t).abs() > time_tolerance
                    || (got.culmination.altitude_deg - alt).abs() > 0.01)
            {
                problems
                    .push(format!("{}: culmination {:?} vs reference {t} s, {alt} deg", case.name, got.culmination));
            }
            compared += 1;
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(compared >= 8, "only {compared} passes compared");
    eprintln!("{compared} passes agree with the reference");
}

#[test]
fn crossings_match_the_skyfield_reference() {
    let (catalog, reference) = setup();

    let mut problems = Vec::new();
    let mut matched = 0;
    let mut worst = [0.0_f64; 3];
    for case in &reference.cases {
        let site = Site::from_degrees(case.site.lat_deg, case.site.lon_deg, case.site.elevation_m).expect("site");
        let fields: Vec<Field> = case.fields.iter().map(field).collect();
        let end = case.start + chrono::Duration::minutes(case.minutes);
        let request = FovRequest::new(site, fields, case.start, end)
            .expect("request")
            .with_earth_orientation(EarthOrientation::Iers);
        let report = find_crossings(&catalog, &request);

        let mut skipped: Vec<u32> = report.skipped.iter().map(|s| s.norad_id).collect();
        skipped.sort_unstable();
        if skipped != case.skipped {
            problems.push(format!("{}: skipped {skipped:?}, reference {:?}", case.name, case.skipped));
        }

        let mut ours: Vec<Option<&Crossing>> = report.crossings.iter().map(Some).collect();
        for want in &case.crossings {
            let found = ours.iter_mut().find(|c| {
                c.is_some_and(|c| {
                    c.field == want.field
                        && c.norad_id == want.norad_id
                        && (seconds(case.start, c.entry) - want.entry_s).abs() < 5.0
                })
            });
            let Some(slot) = found else {
                if want.exit_s - want.entry_s >= 0.1 {
                    problems.push(format!("{}: missed {want:?}", case.name));
                }
                continue;
            };
            let got = slot.take().expect("found a Some");
            matched += 1;
            let label = format!("{} field {} NORAD {}", case.name, want.field, want.norad_id);
            let entry = seconds(case.start, got.entry);
            let exit = seconds(case.start, got.exit);
            let closest = seconds(case.start, got.closest_approach.time);
            let checks = [
                ("entry", entry, want.entry_s, 0.5),
                ("exit", exit, want.exit_s, 0.5),
                ("closest separation", got.closest_approach.separation_deg, want.closest_separation_deg, 0.005),
                ("altitude", got.altitude_deg, want.altitude_deg, 0.02),
                ("range", got.range_km, want.range_km, 2.0_f64.max(want.range_km * 1e-4)),
                ("sun altitude", got.sun_altitude_deg, want.sun_altitude_deg, 0.05),
                (
                    "angular speed",
                    got.angular_speed_deg_per_s,
                    want.angular_speed_deg_per_s,
                    0.02 * want.angular_speed_deg_per_s + 1e-4,
                ),
            ];
            worst[0] = worst[0].max((entry - want.entry_s).abs());
            worst[1] = worst[1].max((exit - want.exit_s).abs());
            worst[2] = worst[2].max((got.closest_approach.separation_deg - want.closest_separation_deg).abs());
            for (what, a, b, tolerance) in checks {
                // Closest-approach quantities depend on when the minimum is: compare them only when the minimum is
                // well defined (not a crossing where the separation barely changes).
                let timing_sensitive = matches!(what, "altitude" | "range" | "sun altitude" | "angular speed");
                if timing_sensitive && (closest - want.closest_s).abs() > 1.0 {
                    continue;
                }
                if (a - b).abs() > tolerance {
                    problems.push(format!("{label}: {what} {a} vs reference {b} (tolerance {tolerance})"));
                }
            }
            if got.in_field_at_start != want.in_field_at_start || got.in_field_at_end != want.in_field_at_end {
                problems.push(format!("{label}: in-field at start/end differ"));
            }
            if got.sunlit_at_closest != want.sunlit_at_closest {
                problems.push(format!(
                    "{label}: sunlit at closest {} vs {}",
                    got.sunlit_at_closest, want.sunlit_at_closest
                ));
            }
        }
        for extra in ours.into_iter().flatten() {
            let duration = seconds(extra.entry, extra.exit);
            if duration >= 0.1 {
                problems.push(format!("{}: extra crossing {extra:?}", case.name));
            }
        }
    }
    assert!(matched > 20, "only {matched} crossings compared");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    eprintln!(
        "{matched} crossings agree with the reference; worst entry {:.4} s, exit {:.4} s, closest separation {:.5} deg",
        worst[0], worst[1], worst[2]
    );
}
