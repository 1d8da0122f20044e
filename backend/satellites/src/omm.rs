//! Orbit Mean-elements Messages as CelesTrak and Space-Track publish them (GP data): JSON (an array of flat
//! objects), CSV (a header row of the same keys) and XML (the CCSDS NDM/XML layout). Keys are the CCSDS names
//! (`OBJECT_NAME`, `NORAD_CAT_ID`, `EPOCH`, `MEAN_MOTION`, ...). Values may be numbers or strings (Space-Track
//! quotes everything).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::events::Event;

use crate::catalog::{CatalogError, Rejected};
use crate::elements::MeanElements;
use crate::tle::{check_ranges, decode_alpha5};

/// Reads a JSON array of OMM objects (or a single object). Record `n` (from 1) is reported as "record n".
pub fn parse_omm_json(text: &str) -> Result<(Vec<MeanElements>, Vec<Rejected>), CatalogError> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| CatalogError::Malformed { line: e.line(), reason: format!("JSON: {e}") })?;
    let records = match value {
        serde_json::Value::Array(items) => items,
        object @ serde_json::Value::Object(_) => vec![object],
        _ => return Err(CatalogError::Malformed { line: 1, reason: "expected an array of OMM objects".into() }),
    };
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    for (index, record) in records.into_iter().enumerate() {
        let number = index + 1;
        let serde_json::Value::Object(map) = record else {
            rejected.push(Rejected::new(number, "not a JSON object"));
            continue;
        };
        let fields: HashMap<String, String> = map
            .into_iter()
            .filter_map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((k.to_ascii_uppercase(), text))
            })
            .collect();
        match from_fields(&fields) {
            Ok(e) => out.push(e),
            Err(reason) => rejected.push(Rejected::new(number, reason)),
        }
    }
    Ok((out, rejected))
}

/// Reads CSV with a header row. Lines are numbered as in the file (the header is line 1).
pub fn parse_omm_csv(text: &str) -> Result<(Vec<MeanElements>, Vec<Rejected>), CatalogError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CatalogError::Malformed { line: 1, reason: format!("CSV header: {e}") })?
        .iter()
        .map(str::to_ascii_uppercase)
        .collect();
    for required in ["NORAD_CAT_ID", "EPOCH", "MEAN_MOTION"] {
        if !headers.iter().any(|h| h == required) {
            return Err(CatalogError::Malformed { line: 1, reason: format!("CSV header has no {required} column") });
        }
    }
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                rejected.push(Rejected::new(line, format!("CSV: {e}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line() as usize);
        let fields: HashMap<String, String> =
            headers.iter().cloned().zip(row.iter().map(str::to_owned)).filter(|(_, v)| !v.is_empty()).collect();
        match from_fields(&fields) {
            Ok(e) => out.push(e),
            Err(reason) => rejected.push(Rejected::new(line, reason)),
        }
    }
    Ok((out, rejected))
}

/// Reads NDM/XML: every `<omm>` element is one record; its leaf elements are the keys. Reported by the line its
/// `<omm>` starts on.
pub fn parse_omm_xml(text: &str) -> Result<(Vec<MeanElements>, Vec<Rejected>), CatalogError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    // The reader's position is where the previous event ended; the event itself starts after any whitespace.
    let line_of = |pos: u64| {
        let bytes = text.as_bytes();
        let mut end = (pos as usize).min(bytes.len());
        while end < bytes.len() && bytes[end].is_ascii_whitespace() {
            end += 1;
        }
        bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
    };
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    let mut current: Option<(usize, HashMap<String, String>)> = None;
    let mut leaf: Option<String> = None;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| CatalogError::Malformed { line: line_of(position), reason: format!("XML: {e}") })?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_ascii_uppercase();
                if name == "OMM" {
                    current = Some((line_of(position), HashMap::new()));
                }
                leaf = Some(name);
            }
            Event::Text(t) => {
                if let (Some((_, fields)), Some(name)) = (current.as_mut(), leaf.as_ref()) {
                    fields.entry(name.clone()).or_default().push_str(t.xml10_content().trim());
                }
            }
            Event::GeneralRef(r) => {
                if let (Some((_, fields)), Some(name)) = (current.as_mut(), leaf.as_ref()) {
                    let text = match r.xml10_content().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "?",
                    };
                    fields.entry(name.clone()).or_default().push_str(text);
                }
            }
            Event::End(end) => {
                leaf = None;
                if end.local_name().as_ref().eq_ignore_ascii_case("omm")
                    && let Some((line, fields)) = current.take()
                {
                    match from_fields(&fields) {
                        Ok(e) => out.push(e),
                        Err(reason) => rejected.push(Rejected::new(line, reason)),
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((out, rejected))
}

fn from_fields(fields: &HashMap<String, String>) -> Result<MeanElements, String> {
    let text = |key: &str| fields.get(key).map(String::as_str).filter(|s| !s.trim().is_empty());
    let number = |key: &str| -> Result<f64, String> {
        let value = text(key).ok_or_else(|| format!("{key} missing"))?;
        value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{key}: '{value}' is not a number"))
    };
    let optional = |key: &str| -> Result<f64, String> { if text(key).is_some() { number(key) } else { Ok(0.0) } };
    if let Some(theory) = text("MEAN_ELEMENT_THEORY")
        && !theory.trim().eq_ignore_ascii_case("SGP4")
    {
        return Err(format!("MEAN_ELEMENT_THEORY: '{theory}' is not SGP4"));
    }
    if let Some(kind) = text("EPHEMERIS_TYPE")
        && !matches!(kind.trim(), "0" | "2")
    {
        return Err(format!("EPHEMERIS_TYPE: {kind} is not SGP4 (0 or 2)"));
    }
    let id_text = text("NORAD_CAT_ID").ok_or("NORAD_CAT_ID missing")?;
    let norad_id = decode_alpha5(id_text)
        .filter(|_| id_text.trim().len() <= 5)
        .or_else(|| id_text.trim().parse().ok())
        .ok_or_else(|| format!("NORAD_CAT_ID: '{id_text}' is not a catalog number"))?;
    let epoch_text = text("EPOCH").ok_or("EPOCH missing")?;
    let epoch = parse_epoch(epoch_text).ok_or_else(|| format!("EPOCH: '{epoch_text}' is not an ISO 8601 time"))?;
    let elements = MeanElements {
        norad_id,
        name: text("OBJECT_NAME").map(|s| s.trim().to_owned()),
        international_designator: text("OBJECT_ID").map(|s| s.trim().to_owned()),
        epoch,
        mean_motion: number("MEAN_MOTION")?,
        eccentricity: number("ECCENTRICITY")?,
        inclination_deg: number("INCLINATION")?,
        raan_deg: number("RA_OF_ASC_NODE")?,
        arg_of_perigee_deg: number("ARG_OF_PERICENTER")?,
        mean_anomaly_deg: number("MEAN_ANOMALY")?,
        bstar: optional("BSTAR")?,
        mean_motion_dot: optional("MEAN_MOTION_DOT")?,
        mean_motion_ddot: optional("MEAN_MOTION_DDOT")?,
        element_set_no: text("ELEMENT_SET_NO").and_then(|s| s.trim().parse().ok()),
        rev_at_epoch: text("REV_AT_EPOCH").and_then(|s| s.trim().parse().ok()),
    };
    check_ranges(&elements)?;
    Ok(elements)
}

/// `2022-06-15T23:35:23.889696`, with or without a trailing `Z`, or a date-time with an offset.
fn parse_epoch(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let bare = text.strip_suffix('Z').unwrap_or(text);
    NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(bare, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"[{"OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A","EPOCH":"2022-06-15T23:35:23.889696",
        "MEAN_MOTION":15.50021518,"ECCENTRICITY":0.0004194,"INCLINATION":51.6447,"RA_OF_ASC_NODE":342.5501,
        "ARG_OF_PERICENTER":242.975,"MEAN_ANOMALY":255.0959,"EPHEMERIS_TYPE":0,"CLASSIFICATION_TYPE":"U",
        "NORAD_CAT_ID":25544,"ELEMENT_SET_NO":999,"REV_AT_EPOCH":34499,"BSTAR":0.00013721,
        "MEAN_MOTION_DOT":7.389e-5,"MEAN_MOTION_DDOT":0},
        {"OBJECT_NAME":"BROKEN","NORAD_CAT_ID":"1","EPOCH":"yesterday","MEAN_MOTION":"15"}]"#;

    #[test]
    fn json_records_and_a_bad_one() {
        let (sets, rejected) = parse_omm_json(JSON).expect("valid JSON");
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0].norad_id, 25544);
        assert_eq!(sets[0].international_designator.as_deref(), Some("1998-067A"));
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 2);
        assert!(rejected[0].reason.contains("EPOCH"), "{}", rejected[0].reason);
    }

    #[test]
    fn csv_records() {
        let text = "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,\
MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT
ISS (ZARYA),1998-067A,2022-06-15T23:35:23.889696,15.50021518,.0004194,51.6447,342.5501,242.975,255.0959,0,U,25544,999,34499,.00013721,7.389e-5,0
BAD,1998-067A,2022-06-15T23:35:23.889696,abc,.0004194,51.6447,342.5501,242.975,255.0959,0,U,25545,999,34499,.00013721,7.389e-5,0
";
        let (sets, rejected) = parse_omm_csv(text).expect("valid CSV");
        assert_eq!(sets.len(), 1);
        assert!((sets[0].mean_motion - 15.50021518).abs() < 1e-12);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 3);
        assert!(rejected[0].reason.contains("MEAN_MOTION"), "{}", rejected[0].reason);
    }

    #[test]
    fn xml_records() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<omm id="CCSDS_OMM_VERS" version="2.0">
<header><CREATION_DATE/><ORIGINATOR/></header>
<body><segment><metadata><OBJECT_NAME>ISS (ZARYA)</OBJECT_NAME><OBJECT_ID>1998-067A</OBJECT_ID>
<CENTER_NAME>EARTH</CENTER_NAME><REF_FRAME>TEME</REF_FRAME><TIME_SYSTEM>UTC</TIME_SYSTEM>
<MEAN_ELEMENT_THEORY>SGP4</MEAN_ELEMENT_THEORY></metadata>
<data><meanElements><EPOCH>2022-06-15T23:35:23.889696</EPOCH><MEAN_MOTION>15.50021518</MEAN_MOTION>
<ECCENTRICITY>.0004194</ECCENTRICITY><INCLINATION>51.6447</INCLINATION><RA_OF_ASC_NODE>342.5501</RA_OF_ASC_NODE>
<ARG_OF_PERICENTER>242.9750</ARG_OF_PERICENTER><MEAN_ANOMALY>255.0959</MEAN_ANOMALY></meanElements>
<tleParameters><EPHEMERIS_TYPE>0</EPHEMERIS_TYPE><CLASSIFICATION_TYPE>U</CLASSIFICATION_TYPE>
<NORAD_CAT_ID>25544</NORAD_CAT_ID><ELEMENT_SET_NO>999</ELEMENT_SET_NO><REV_AT_EPOCH>34499</REV_AT_EPOCH>
<BSTAR>.13721E-3</BSTAR><MEAN_MOTION_DOT>.7389E-4</MEAN_MOTION_DOT><MEAN_MOTION_DDOT>0</MEAN_MOTION_DDOT>
</tleParameters></data></segment></body></omm>
<omm id="CCSDS_OMM_VERS" version="2.0"><body><segment><metadata><OBJECT_NAME>NO EPOCH</OBJECT_NAME></metadata>
<data><tleParameters><NORAD_CAT_ID>5</NORAD_CAT_ID></tleParameters></data></segment></body></omm>
</ndm>"#;
        let (sets, rejected) = parse_omm_xml(text).expect("valid XML");
        assert_eq!(sets.len(), 1, "{rejected:?}");
        assert_eq!(sets[0].name.as_deref(), Some("ISS (ZARYA)"));
        assert!((sets[0].bstar - 0.13721e-3).abs() < 1e-15);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 15);
    }
}
