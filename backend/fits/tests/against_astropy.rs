//! Our reading of every file in tests/data/ against astropy's (tests/data/expected.json, written by
//! tests/expected.py): every card of every HDU, the summary, and zscale limits.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use meridian_fits::{Card, CardValue, Headers, Summary, image_zscale, read_headers, summarize};
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).expect("tests/data/expected.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn read(name: &str) -> Result<Headers, meridian_fits::FitsError> {
    read_headers(BufReader::new(File::open(data_dir().join(name)).expect("test file")))
}

fn close(a: f64, b: f64, relative: f64) -> bool {
    a == b || (a - b).abs() <= relative * a.abs().max(b.abs())
}

/// Compares one card; returns a description of the difference.
fn card_difference(ours: &Card, (keyword, value): (&str, &Value)) -> Option<String> {
    if ours.keyword != keyword {
        return Some(format!("keyword {:?} != astropy's {keyword:?}", ours.keyword));
    }
    let same = match (&ours.value, value) {
        (CardValue::Undefined, Value::Null) => true,
        (CardValue::Logical(a), Value::Bool(b)) => a == b,
        (CardValue::Integer(a), Value::Number(b)) if b.is_i64() => Some(*a) == b.as_i64(),
        (CardValue::Real(a), Value::Number(b)) if b.is_f64() => b.as_f64().is_some_and(|b| close(*a, b, 1e-9)),
        (CardValue::Text(a), Value::String(b)) => a == b,
        (CardValue::Complex(re, im), Value::Object(o)) if o.contains_key("complex") => {
            let pair = &o["complex"];
            close(*re, pair[0].as_f64().unwrap_or(f64::NAN), 1e-9)
                && close(*im, pair[1].as_f64().unwrap_or(f64::NAN), 1e-9)
        }
        // astropy refuses to give the value of an unparsable card; we keep its text.
        (CardValue::Text(_), Value::Object(o)) if o.contains_key("invalid") => true,
        _ => false,
    };
    (!same).then(|| format!("{keyword}: {:?} != astropy's {value}", ours.value))
}

fn compare_headers(name: &str, ours: &Headers, expected: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let hdus = expected["hdus"].as_array().expect("hdus");
    if ours.hdus.len() != hdus.len() {
        problems.push(format!("{name}: {} HDUs, astropy {}", ours.hdus.len(), hdus.len()));
    }
    for (hdu, exp) in ours.hdus.iter().zip(hdus) {
        let kind = serde_json::to_value(&hdu.kind).expect("kind");
        if kind != exp["kind"] {
            problems.push(format!("{name} HDU {}: kind {kind} != astropy's {}", hdu.index, exp["kind"]));
        }
        if hdu.index > 0 {
            let ours_name = hdu.extname.as_deref().unwrap_or("");
            if ours_name != exp["name"].as_str().unwrap_or("") {
                problems.push(format!("{name} HDU {}: name {ours_name:?} != astropy's {}", hdu.index, exp["name"]));
            }
        }
        let cards = exp["cards"].as_array().expect("cards");
        if hdu.cards.len() != cards.len() {
            problems.push(format!("{name} HDU {}: {} cards, astropy {}", hdu.index, hdu.cards.len(), cards.len()));
        }
        for (card, exp) in hdu.cards.iter().zip(cards) {
            let keyword = exp[0].as_str().unwrap_or_default();
            if let Some(d) = card_difference(card, (keyword, &exp[1])) {
                problems.push(format!("{name} HDU {}: {d}", hdu.index));
            }
        }
    }
    problems
}

fn compare_summary(name: &str, ours: &Summary, exp: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |field: &str, same: bool, ours: String| {
        if !same {
            problems.push(format!("{name} summary {field}: {ours} != astropy's {}", exp[field]));
        }
    };
    let date_same = match (ours.date_obs, exp["date_obs"].as_str()) {
        (None, None) => true,
        (Some(a), Some(b)) => DateTime::parse_from_rfc3339(&format!("{b}Z"))
            .is_ok_and(|b| (a - b.to_utc()).num_microseconds().is_some_and(|us| us.abs() <= 1000)),
        _ => false,
    };
    check("date_obs", date_same, format!("{:?}", ours.date_obs));
    for (field, value) in [
        ("object", &ours.object),
        ("filter", &ours.filter),
        ("instrument", &ours.instrument),
        ("telescope", &ours.telescope),
    ] {
        check(field, value.as_deref() == exp[field].as_str(), format!("{value:?}"));
    }
    for (field, value) in [("ra_deg", ours.ra_deg), ("dec_deg", ours.dec_deg), ("exposure_s", ours.exposure_s)] {
        let same = match (value, exp[field].as_f64()) {
            (None, None) => true,
            (Some(a), Some(b)) => close(a, b, 1e-9),
            _ => false,
        };
        check(field, same, format!("{value:?}"));
    }
    let frame = ours.frame_type.map(|f| f.as_str());
    check("frame_type", frame == exp["frame_type"].as_str(), format!("{frame:?}"));
    let image = serde_json::to_value(ours.image).expect("image");
    check("image", image == exp["image"], image.to_string());
    problems
}

/// Where we differ from astropy on purpose (tests/hostile.rs checks what we do instead).
const KNOWN: &[(&str, &str)] = &[
    (
        "group_invalid.fits",
        "a random-groups header with NAXIS = 0: astropy repairs it as it reads (inserts NAXIS1, sets NAXIS = 1); \
         we report the cards that are in the file",
    ),
    (
        "truncated.fits",
        "the file ends inside the last data unit: astropy gives the headers and complains only when the data is \
         read; we refuse the file, since an upload cut short should be noticed at ingest",
    ),
];

#[test]
fn headers_and_summaries_match_astropy() {
    let expected = expected();
    let files = expected["files"].as_object().expect("files");
    assert!(files.len() >= 30, "expected.json describes {} files", files.len());
    let mut problems = Vec::new();
    for (name, exp) in files {
        if KNOWN.iter().any(|(known, _)| known == name) {
            continue;
        }
        let ours = read(name);
        match (ours, exp.get("error")) {
            (Ok(_), Some(error)) => problems.push(format!("{name}: we read it, astropy did not ({error})")),
            (Err(_), Some(_)) => {}
            (Err(e), None) => problems.push(format!("{name}: we failed ({e}), astropy read it")),
            (Ok(headers), None) => {
                problems.extend(compare_headers(name, &headers, exp));
                problems.extend(compare_summary(name, &summarize(&headers), &exp["summary"]));
            }
        }
    }
    assert!(problems.is_empty(), "{} differences from astropy:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn zscale_limits_match_astropy_within_one_percent() {
    let expected = expected();
    let mut compared = 0;
    for (name, exp) in expected["files"].as_object().expect("files") {
        let Some(limits) = exp.get("zscale").and_then(Value::as_array) else { continue };
        let file = BufReader::new(File::open(data_dir().join(name)).expect("file"));
        let ours = image_zscale(file).expect("readable").expect("an image");
        let (low, high) = (limits[0].as_f64().expect("low"), limits[1].as_f64().expect("high"));
        assert!(close(ours.low, low, 0.01), "{name}: low {} != astropy's {low}", ours.low);
        assert!(close(ours.high, high, 0.01), "{name}: high {} != astropy's {high}", ours.high);
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} images compared");
}
