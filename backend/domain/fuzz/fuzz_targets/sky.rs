//! Sexagesimal and decimal coordinates as people type them: `RightAscension`, `Declination`, `Latitude`,
//! `Longitude`, `Elevation` and `SkyPosition::parse`. The input is text; up to the first newline it is the right
//! ascension, after it the declination (every parser also reads each half, and the whole).
//!
//! Properties: every parsed value is finite and inside its range; what is printed parses back to the same place;
//! latitude and declination (one notation) agree; a leading minus negates; separations lie in [0, 180].

#![no_main]

use libfuzzer_sys::fuzz_target;
use meridian_domain::{Declination, Elevation, Latitude, Longitude, RightAscension, SkyPosition};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (ra_text, dec_text) = text.split_once('\n').unwrap_or((text, text));
    for s in [text, ra_text, dec_text] {
        check_one(s);
    }
    let both = SkyPosition::parse(ra_text, dec_text);
    let ra = RightAscension::parse(ra_text);
    let dec = Declination::parse(dec_text);
    match (&both, &ra, &dec) {
        (Ok(p), Ok(ra), Ok(dec)) => assert!(p.ra == *ra && p.dec == *dec),
        (Err(e), Err(_), _) => assert_eq!(e.field, "ra"),
        (Err(e), Ok(_), Err(_)) => assert_eq!(e.field, "dec"),
        _ => panic!("SkyPosition::parse disagrees with its parts: {both:?} {ra:?} {dec:?}"),
    }
    if let (Ok(a), Ok(b)) = (SkyPosition::parse(ra_text, dec_text), SkyPosition::parse(dec_text, dec_text)) {
        let d = a.angular_separation_deg(&b);
        assert!(d.is_finite() && (0.0..=180.0).contains(&d), "separation {d}");
        assert!((d - b.angular_separation_deg(&a)).abs() < 1e-9, "symmetric");
        assert_eq!(a.angular_separation_deg(&a), 0.0);
    }
});

fn check_one(s: &str) {
    if let Ok(ra) = RightAscension::parse(s) {
        let deg = ra.degrees();
        assert!(deg.is_finite() && (0.0..360.0).contains(&deg), "ra {deg} from {s:?}");
        assert!(!deg.is_sign_negative(), "ra -0 from {s:?}");
        let hms = ra.to_hms();
        assert_hms(&hms);
        let back = RightAscension::parse(&hms).unwrap_or_else(|e| panic!("{hms} from {s:?} does not parse: {e}"));
        let diff = (back.degrees() - deg).abs();
        let diff = diff.min(360.0 - diff);
        assert!(diff <= 15.0 * 0.005 / 3600.0 + 1e-9, "ra {deg} printed {hms} reads back as {}", back.degrees());
    }
    let dec = Declination::parse(s);
    if let Ok(dec) = &dec {
        let deg = dec.degrees();
        assert!(deg.is_finite() && (-90.0..=90.0).contains(&deg), "dec {deg} from {s:?}");
        let dms = dec.to_dms();
        assert_dms(&dms);
        let back = Declination::parse(&dms).unwrap_or_else(|e| panic!("{dms} from {s:?} does not parse: {e}"));
        assert!((back.degrees() - deg).abs() <= 0.05 / 3600.0 + 1e-9, "dec {deg} printed {dms} reads back differently");
        sign_agrees(s, deg);
    }
    // One parser for both: same text, same degrees, same acceptance.
    let lat = Latitude::parse(s);
    assert_eq!(lat.as_ref().map(|l| l.degrees()).ok(), dec.as_ref().map(|d| d.degrees()).ok(), "lat vs dec: {s:?}");
    if let Ok(lat) = &lat {
        assert!(lat.degrees().is_finite() && (-90.0..=90.0).contains(&lat.degrees()));
    }
    if let Ok(lon) = Longitude::parse(s) {
        let deg = lon.degrees();
        assert!(deg.is_finite() && (-180.0..=180.0).contains(&deg), "lon {deg} from {s:?}");
        if deg.abs() <= 90.0 {
            assert_eq!(lat.as_ref().map(|l| l.degrees()).ok(), Some(deg), "lon {deg} but lat {lat:?} from {s:?}");
        }
        sign_agrees(s, deg);
    }
    if let Ok(e) = Elevation::parse(s) {
        let m = e.metres();
        assert!(m.is_finite() && (Elevation::MIN..=Elevation::MAX).contains(&m), "elevation {m} from {s:?}");
    }
    // A leading minus negates whatever the rest reads as (when the rest has no sign of its own).
    let trimmed = s.trim();
    if !trimmed.starts_with(['-', '+', '−']) && !trimmed.is_empty() {
        let negated = format!("-{trimmed}");
        let plain = Declination::parse(trimmed).map(|d| d.degrees()).ok();
        let minus = Declination::parse(&negated).map(|d| d.degrees()).ok();
        assert_eq!(plain.map(|v| if v == 0.0 { 0.0 } else { -v }), minus, "{trimmed:?} vs {negated:?}");
        let plain = Longitude::parse(trimmed).map(|d| d.degrees()).ok();
        let minus = Longitude::parse(&negated).map(|d| d.degrees()).ok();
        // 180 < x <= 360 is refused with a hint but -x is simply out of range: both fail either way.
        assert_eq!(plain.map(|v| if v == 0.0 { 0.0 } else { -v }), minus, "{trimmed:?} vs {negated:?}");
    }
}

/// The sign of the value is the sign written in front (none or `+`: not negative).
fn sign_agrees(s: &str, deg: f64) {
    let negative = s.trim().starts_with(['-', '−']);
    if negative {
        assert!(deg <= 0.0, "{deg} from {s:?}");
    } else {
        assert!(deg >= 0.0, "{deg} from {s:?}");
    }
    assert!(!deg.is_sign_negative() || deg != 0.0, "-0 from {s:?}");
}

/// `HH:MM:SS.ss`, each part in range.
fn assert_hms(hms: &str) {
    let parts: Vec<&str> = hms.split(':').collect();
    assert_eq!(parts.len(), 3, "{hms}");
    let h: u32 = parts[0].parse().unwrap_or(99);
    let m: u32 = parts[1].parse().unwrap_or(99);
    let sec: f64 = parts[2].parse().unwrap_or(99.0);
    assert!(h < 24 && m < 60 && sec < 60.0 && parts[0].len() == 2 && parts[1].len() == 2, "{hms}");
}

/// `±DD:MM:SS.s`, each part in range.
fn assert_dms(dms: &str) {
    assert!(dms.starts_with(['+', '-']), "{dms}");
    let parts: Vec<&str> = dms[1..].split(':').collect();
    assert_eq!(parts.len(), 3, "{dms}");
    let d: u32 = parts[0].parse().unwrap_or(99);
    let m: u32 = parts[1].parse().unwrap_or(99);
    let sec: f64 = parts[2].parse().unwrap_or(99.0);
    assert!(d <= 90 && m < 60 && sec < 60.0, "{dms}");
    assert!(d < 90 || (m == 0 && sec == 0.0), "{dms}");
}
