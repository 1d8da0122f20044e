//! Passes over a site: rise and set at the minimum altitude, culmination above it, geostationary objects that
//! never set.

use chrono::{DateTime, Utc};
use meridian_satellites::{Catalog, CatalogFormat, PassRequest, Site, find_passes};

fn catalog() -> Catalog {
    let text = include_str!("data/catalog_stellarium_0.22.2.tle");
    Catalog::parse(text, CatalogFormat::Tle).expect("catalog parses").catalog
}

#[test]
fn iss_passes_rise_and_set_at_the_minimum_altitude() {
    let catalog = catalog();
    let iss = catalog.get(25544).expect("ISS in the catalog");
    let site = Site::from_degrees(48.8566, 2.3522, 35.0).expect("Paris");
    let start: DateTime<Utc> = "2022-06-16T00:00:00Z".parse().expect("time");
    let request = PassRequest::new(site, start, start + chrono::Duration::hours(24), 10.0).expect("request");
    let passes = find_passes(iss, &request).expect("ISS propagates");
    // 15.5 orbits a day, visible from 49 N on several consecutive orbits twice a day.
    assert!((3..=10).contains(&passes.len()), "{} passes", passes.len());
    for pass in &passes {
        let rise = pass.rise.expect("no pass is in progress at midnight");
        let set = pass.set.expect("nor at the end");
        assert!((rise.altitude_deg - 10.0).abs() < 0.01, "{rise:?}");
        assert!((set.altitude_deg - 10.0).abs() < 0.01, "{set:?}");
        assert!(pass.culmination.altitude_deg > 10.0);
        assert!(rise.time < pass.culmination.time && pass.culmination.time < set.time);
        let minutes = (set.time - rise.time).num_seconds() as f64 / 60.0;
        assert!((0.5..12.0).contains(&minutes), "{minutes} min above 10 degrees");
    }
    for pair in passes.windows(2) {
        assert!(pair[0].culmination.time < pair[1].culmination.time, "in time order");
    }
}

#[test]
fn a_geostationary_object_in_view_never_sets() {
    let catalog = catalog();
    // Any object with a period of a sidereal day, low inclination and eccentricity, seen from the longitude it
    // hovers over.
    let geo = catalog
        .objects()
        .iter()
        .find(|o| {
            let e = o.elements();
            (e.mean_motion - 1.0027).abs() < 0.001 && e.inclination_deg < 0.1 && e.eccentricity < 0.001
        })
        .expect("a geostationary object");
    let start: DateTime<Utc> = "2022-06-16T00:00:00Z".parse().expect("time");
    let (position, _) = geo.teme_state(start).expect("propagates");
    // Sub-satellite longitude: TEME right ascension minus Greenwich sidereal time (about 264.6 degrees here).
    let ra = position[1].atan2(position[0]).to_degrees();
    let gmst = 264.64;
    let lon = (ra - gmst + 540.0).rem_euclid(360.0) - 180.0;
    let site = Site::from_degrees(0.0, lon, 0.0).expect("site below it");
    let request = PassRequest::new(site, start, start + chrono::Duration::hours(24), 20.0).expect("request");
    let passes = find_passes(geo, &request).expect("propagates");
    assert_eq!(passes.len(), 1, "{passes:?}");
    assert!(passes[0].rise.is_none() && passes[0].set.is_none());
    assert!(passes[0].culmination.altitude_deg > 80.0, "{:?}", passes[0].culmination);
}

#[test]
fn bad_requests_name_the_field() {
    let site = Site::from_degrees(10.0, 10.0, 0.0).expect("site");
    let start: DateTime<Utc> = "2022-06-16T00:00:00Z".parse().expect("time");
    assert_eq!(PassRequest::new(site, start, start, 10.0).expect_err("empty window").field, "end");
    assert_eq!(
        PassRequest::new(site, start, start + chrono::Duration::days(3), 10.0).expect_err("too long").field,
        "end"
    );
    assert_eq!(
        PassRequest::new(site, start, start + chrono::Duration::hours(1), 95.0).expect_err("altitude").field,
        "min_altitude"
    );
    assert_eq!(Site::from_degrees(95.0, 0.0, 0.0).expect_err("latitude").field, "latitude");
}
