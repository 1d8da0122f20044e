//! The service keeps headers and summaries as JSON: they come back as they went in.

use std::io::Cursor;
use std::path::Path;

use meridian_fits::{CardValue, Headers, Summary, read_headers, summarize};

#[test]
fn headers_and_summaries_round_trip_through_json() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("data") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("file");
        let Ok(headers) = read_headers(Cursor::new(bytes)) else { continue };
        let json = serde_json::to_string(&headers).expect("serialises");
        let back: Headers = serde_json::from_str(&json).expect("deserialises");
        for (a, b) in back.hdus.iter().flat_map(|h| &h.cards).zip(headers.hdus.iter().flat_map(|h| &h.cards)) {
            assert_eq!(a, b, "{}", path.display());
        }
        assert!(back == headers, "{}", path.display());
        let summary = summarize(&headers);
        let json = serde_json::to_string(&summary).expect("serialises");
        assert_eq!(serde_json::from_str::<Summary>(&json).expect("deserialises"), summary);
        files += 1;
    }
    assert!(files > 30, "{files}");
}

#[test]
fn card_values_have_a_readable_json_form() {
    let json = |v: &CardValue| serde_json::to_string(v).expect("serialises");
    assert_eq!(json(&CardValue::Integer(2)), r#"{"type":"integer","value":2}"#);
    assert_eq!(json(&CardValue::Text("M 42".into())), r#"{"type":"text","value":"M 42"}"#);
    assert_eq!(json(&CardValue::Complex(1.5, -2.0)), r#"{"type":"complex","value":[1.5,-2.0]}"#);
    assert_eq!(json(&CardValue::Undefined), r#"{"type":"undefined"}"#);
}
