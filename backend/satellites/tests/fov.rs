//! The crossing search's contract beyond the reference numbers: validation naming fields, the JSON shape, time
//! order, decayed objects reported rather than fatal, and several fields sharing one request.

use chrono::{DateTime, Utc};
use meridian_domain::{Declination, RightAscension, SkyPosition};
use meridian_satellites::{Catalog, CatalogFormat, EarthOrientation, Field, FovRequest, Site, find_crossings, observe};

fn at(ra: f64, dec: f64) -> SkyPosition {
    SkyPosition::new(RightAscension::new(ra).expect("ra"), Declination::new(dec).expect("dec"))
}

fn start() -> DateTime<Utc> {
    "2022-06-16T03:00:00Z".parse().expect("time")
}

fn site() -> Site {
    Site::from_degrees(-30.2407, -70.7366, 2715.0).expect("site")
}

#[test]
fn bad_requests_name_the_field() {
    let field = Field::circle(at(240.0, -30.0), 0.5).expect("field");
    let s = start();
    let err = |r: Result<FovRequest, meridian_domain::ValidationError>| r.expect_err("invalid").field;
    assert_eq!(err(FovRequest::new(site(), vec![field], s, s - chrono::Duration::minutes(1))), "end");
    assert_eq!(err(FovRequest::new(site(), vec![field], s, s + chrono::Duration::hours(25))), "end");
    assert_eq!(err(FovRequest::new(site(), vec![], s, s + chrono::Duration::hours(1))), "fields");
    assert_eq!(Field::circle(at(240.0, -30.0), 0.0).expect_err("zero radius").field, "radius");
    assert_eq!(Field::circle(at(240.0, -30.0), 11.0).expect_err("huge radius").field, "radius");
}

#[test]
fn one_request_many_fields_json_and_skips() {
    let text = include_str!("data/catalog_stellarium_0.22.2.tle");
    let catalog = Catalog::parse(text, CatalogFormat::detect(text)).expect("catalog").catalog;
    assert_eq!(catalog.len(), 5018);
    let fields: Vec<Field> = (0..6)
        .map(|k| Field::circle(at(200.0 + 10.0 * f64::from(k), -50.0 + 8.0 * f64::from(k)), 2.0).expect("field"))
        .collect();
    let request =
        FovRequest::new(site(), fields.clone(), start(), start() + chrono::Duration::minutes(30)).expect("request");
    let report = find_crossings(&catalog, &request);
    assert!(report.crossings.len() > 5, "{} crossings", report.crossings.len());
    assert!(report.crossings.windows(2).all(|w| w[0].entry <= w[1].entry), "time order");
    assert!(
        report.crossings.iter().all(|c| c.sunlit_any >= (c.sunlit_at_entry || c.sunlit_at_closest || c.sunlit_at_exit))
    );
    // The same fields one at a time find the same crossings.
    for (k, field) in fields.into_iter().enumerate() {
        let alone =
            FovRequest::new(site(), vec![field], start(), start() + chrono::Duration::minutes(30)).expect("request");
        let single = find_crossings(&catalog, &alone);
        let shared: Vec<_> = report.crossings.iter().filter(|c| c.field == k).map(|c| (c.norad_id, c.entry)).collect();
        let separate: Vec<_> = single.crossings.iter().map(|c| (c.norad_id, c.entry)).collect();
        // Bracketed to 2 ms either way; the brackets differ when other fields add samples.
        assert_eq!(shared.len(), separate.len(), "field {k}");
        for ((id_a, t_a), (id_b, t_b)) in shared.iter().zip(&separate) {
            assert_eq!(id_a, id_b, "field {k}");
            assert!((*t_a - *t_b).num_microseconds().expect("small").abs() < 5_000, "field {k}: {t_a} vs {t_b}");
        }
    }
    // Objects that decay are reported, with a reason, not fatal: the shared catalog's three, a day later.
    assert!(report.skipped.iter().all(|s| s.code != 0 && !s.reason.is_empty()), "{:?}", report.skipped);
    let later = start() + chrono::Duration::days(1);
    let request = FovRequest::new(
        site(),
        vec![Field::circle(at(240.0, -30.0), 1.0).expect("field")],
        later,
        later + chrono::Duration::minutes(10),
    )
    .expect("request");
    let mut skipped: Vec<u32> = find_crossings(&catalog, &request).skipped.iter().map(|s| s.norad_id).collect();
    skipped.sort_unstable();
    assert_eq!(skipped, [44306, 45258, 50164]);

    // The track of a crossing, as a chart would draw it, agrees with the crossing.
    let crossing = &report.crossings[1];
    let object = catalog.get(crossing.norad_id).expect("in the catalog");
    let times = [crossing.entry, crossing.closest_approach.time, crossing.exit];
    let track = observe(object, &site(), &times, EarthOrientation::UtcIsUt1).expect("propagates");
    let closest = &track[1];
    assert!((closest.ra_deg - crossing.closest_approach.position.ra_deg).abs() < 1e-6, "{closest:?}");
    assert!((closest.dec_deg - crossing.closest_approach.position.dec_deg).abs() < 1e-6, "{closest:?}");
    assert!((closest.altitude_deg - crossing.altitude_deg).abs() < 1e-6);
    assert_eq!(closest.sunlit, crossing.sunlit_at_closest);
    assert!((track[0].ra_deg - crossing.entry_position.ra_deg).abs() < 1e-6);

    let json = serde_json::to_value(&report).expect("serialises");
    let first = &json["crossings"][0];
    for key in [
        "norad_id",
        "name",
        "entry",
        "exit",
        "closest_approach",
        "angular_speed_deg_per_s",
        "sunlit_at_closest",
        "sun_altitude_deg",
        "element_age_days",
        "in_field_at_start",
        "in_field_at_end",
    ] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
    let entry = first["entry"].as_str().expect("a string");
    assert!(entry.ends_with('Z') && entry.len() == "2022-06-16T03:00:00.000Z".len(), "{entry}");
    assert!(first["closest_approach"]["separation_deg"].is_number());
}
