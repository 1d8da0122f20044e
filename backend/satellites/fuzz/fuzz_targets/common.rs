//! Shared by the targets: what every element set read from any format must satisfy, and what every rejected
//! record must say.

#![allow(dead_code)]

use chrono::Datelike;
use meridian_satellites::{MeanElements, Rejected};

/// Physical ranges (what `check_ranges` promises) and finite numbers everywhere, so that nothing downstream (SGP4,
/// JSON reports, the database) ever sees an infinity or a NaN.
pub fn check_elements(e: &MeanElements, from: &str) {
    let ranges = [
        ("inclination", e.inclination_deg, 0.0, 180.0),
        ("raan", e.raan_deg, 0.0, 360.0),
        ("argument of perigee", e.arg_of_perigee_deg, 0.0, 360.0),
        ("mean anomaly", e.mean_anomaly_deg, 0.0, 360.0),
        ("eccentricity", e.eccentricity, 0.0, 0.999_999_9),
        ("mean motion", e.mean_motion, f64::MIN_POSITIVE, 20.0),
    ];
    for (field, value, min, max) in ranges {
        assert!(value.is_finite() && (min..=max).contains(&value), "{field} {value} from {from:?}");
    }
    for (field, value) in
        [("bstar", e.bstar), ("mean motion dot", e.mean_motion_dot), ("mean motion ddot", e.mean_motion_ddot)]
    {
        assert!(value.is_finite(), "{field} {value} from {from:?}");
    }
    let (perigee, apogee) = e.perigee_apogee_km();
    assert!(perigee.is_finite() && apogee.is_finite() && perigee <= apogee, "{perigee} {apogee} from {from:?}");
    assert!(e.period_minutes().is_finite() && e.period_minutes() > 0.0);
    // Names are trimmed and not empty (no name is `None`); an OMM's may hold any text its format can quote (a line
    // break in CSV, JSON or XML).
    if let Some(name) = &e.name {
        assert!(!name.is_empty() && name.trim() == name, "name {name:?} is empty or not trimmed");
    }
}

/// An element set read from a TLE: also the catalog-number and epoch ranges the format can express.
pub fn check_tle_elements(e: &MeanElements, from: &str) {
    check_elements(e, from);
    assert!(e.norad_id <= 339_999, "catalog number {} from {from:?}", e.norad_id);
    assert!((1957..=2056).contains(&e.epoch.year()), "epoch {} from {from:?}", e.epoch);
    if let Some(name) = &e.name {
        assert!(!name.contains('\n'), "name {name:?} is not one line of the file");
    }
    if let Some(d) = &e.international_designator {
        assert!(!d.is_empty() && d.trim() == d, "designator {d:?}");
    }
}

/// Rejected records name a line of the file (from 1) and a reason.
pub fn check_rejected(rejected: &[Rejected], max_line: usize, from: &str) {
    for r in rejected {
        assert!(r.line >= 1 && r.line <= max_line, "{r} outside lines 1..={max_line} of {from:?}");
        assert!(!r.reason.is_empty(), "no reason at line {}", r.line);
    }
}

/// The most lines a reader can count in `text`: every LF, and every CR not before an LF (the CSV reader ends lines
/// there too), plus one for the last line (an empty file has line 1).
pub fn line_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}

/// Sets column 69 of every line that starts like line 1 or 2 and is long enough to the checksum of columns 1-68.
pub fn fix_tle_checksums(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let body_trimmed = body.trim_end_matches(['\r', ' ', '\t']);
        if (body_trimmed.starts_with("1 ") || body_trimmed.starts_with("2 "))
            && body_trimmed.len() >= 68
            && body_trimmed.is_char_boundary(68)
        {
            let head = &body_trimmed[..68];
            let sum: u32 = head
                .bytes()
                .map(|b| match b {
                    b'0'..=b'9' => u32::from(b - b'0'),
                    b'-' => 1,
                    _ => 0,
                })
                .sum();
            let tail = body_trimmed.get(69..).unwrap_or("");
            out.push_str(head);
            out.push(char::from(b'0' + (sum % 10) as u8));
            out.push_str(tail);
        } else {
            out.push_str(body);
        }
        out.push_str(end);
    }
    out
}
