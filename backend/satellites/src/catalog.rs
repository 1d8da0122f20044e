//! A catalog: the newest element set of each object, initialised and ready to propagate.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::elements::MeanElements;
use crate::omm::{parse_omm_csv, parse_omm_json, parse_omm_xml};
use crate::propagator::{PropagationError, Sgp4};
use crate::tle::parse_tle;

/// A record that could not be read. `line` is the line number in the file (from 1); for OMM JSON it is the
/// record's position in the array (from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub line: usize,
    pub reason: String,
}

impl Rejected {
    pub(crate) fn new(line: usize, reason: impl Into<String>) -> Self {
        Self { line, reason: reason.into() }
    }
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// A file that cannot be read as a whole (not JSON, not XML, no CSV header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("no element sets found")]
    Empty,
}

/// The formats [`Catalog::parse`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CatalogFormat {
    /// Two- or three-line element sets.
    Tle,
    OmmJson,
    OmmCsv,
    OmmXml,
}

impl CatalogFormat {
    /// Guesses the format from the first non-blank character and the first line.
    pub fn detect(text: &str) -> Self {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('[') || trimmed.starts_with('{') {
            Self::OmmJson
        } else if trimmed.starts_with('<') {
            Self::OmmXml
        } else if trimmed.lines().next().is_some_and(|l| l.to_ascii_uppercase().contains("NORAD_CAT_ID")) {
            Self::OmmCsv
        } else {
            Self::Tle
        }
    }
}

/// An object whose elements could not start SGP4 (or failed in a check: see the reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropagationFailure {
    pub norad_id: u32,
    pub name: Option<String>,
    /// Vallado's SGP4 error code (6 = decayed).
    pub code: i32,
    pub reason: String,
    /// When it failed, if at a given time (None: at initialisation).
    #[serde(serialize_with = "crate::serde_time::millis_option")]
    pub at: Option<DateTime<Utc>>,
}

impl PropagationFailure {
    pub(crate) fn new(elements: &MeanElements, error: PropagationError, at: Option<DateTime<Utc>>) -> Self {
        Self {
            norad_id: elements.norad_id,
            name: elements.name.clone(),
            code: error.code,
            reason: error.to_string(),
            at,
        }
    }
}

/// One catalog object: elements plus the initialised propagator.
#[derive(Debug, Clone)]
pub struct CatalogObject {
    elements: MeanElements,
    pub(crate) sgp4: Sgp4,
    /// Upper bound of the TEME speed (km/s) over the orbit, from perigee, with a margin for SGP4's perturbations.
    pub(crate) max_speed_km_s: f64,
}

impl CatalogObject {
    /// Initialises SGP4 for these elements.
    pub fn new(elements: MeanElements) -> Result<Self, PropagationFailure> {
        let sgp4 = Sgp4::new(&elements).map_err(|e| PropagationFailure::new(&elements, e, None))?;
        let max_speed_km_s = speed_bound_km_s(&elements);
        Ok(Self { elements, sgp4, max_speed_km_s })
    }

    pub fn elements(&self) -> &MeanElements {
        &self.elements
    }

    pub fn norad_id(&self) -> u32 {
        self.elements.norad_id
    }

    pub fn name(&self) -> Option<&str> {
        self.elements.name.as_deref()
    }

    /// Position (km) and velocity (km/s) in TEME at `t`.
    pub fn teme_state(&self, t: DateTime<Utc>) -> Result<([f64; 3], [f64; 3]), PropagationError> {
        self.sgp4.clone().at(crate::propagator::instant(t))
    }
}

/// Vis-viva at perigee from the mean elements, plus 10 % and 0.2 km/s for SGP4's short-period terms and drag; the
/// search checks every propagated speed against it and widens it when exceeded.
fn speed_bound_km_s(e: &MeanElements) -> f64 {
    use crate::elements::{MU_KM3_S2, semi_major_axis_km};
    let a = semi_major_axis_km(e.mean_motion);
    let perigee = (a * (1.0 - e.eccentricity)).max(6000.0);
    (MU_KM3_S2 * (2.0 / perigee - 1.0 / a)).sqrt() * 1.1 + 0.2
}

/// What reading a file gave: the catalog, the rejected records, and the objects that could not start SGP4.
#[derive(Debug)]
pub struct CatalogImport {
    pub catalog: Catalog,
    pub format: CatalogFormat,
    pub rejected: Vec<Rejected>,
    pub failed: Vec<PropagationFailure>,
    /// Element sets dropped because the same object had a newer (or equal) epoch.
    pub superseded: usize,
}

/// Satellites ready to propagate, one per NORAD id (the newest elements), ordered by NORAD id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    objects: Vec<CatalogObject>,
}

impl Catalog {
    /// Reads `text` in the given format (see [`CatalogFormat::detect`]).
    pub fn parse(text: &str, format: CatalogFormat) -> Result<CatalogImport, CatalogError> {
        let (sets, rejected) = match format {
            CatalogFormat::Tle => parse_tle(text),
            CatalogFormat::OmmJson => parse_omm_json(text)?,
            CatalogFormat::OmmCsv => parse_omm_csv(text)?,
            CatalogFormat::OmmXml => parse_omm_xml(text)?,
        };
        if sets.is_empty() && rejected.is_empty() {
            return Err(CatalogError::Empty);
        }
        let count = sets.len();
        let (catalog, failed) = Self::from_elements(sets);
        let superseded = count - catalog.len() - failed.len();
        Ok(CatalogImport { catalog, format, rejected, failed, superseded })
    }

    /// Keeps the newest elements per object and initialises SGP4 for each (on all cores). Objects whose elements
    /// cannot start SGP4 are returned apart.
    pub fn from_elements(sets: Vec<MeanElements>) -> (Self, Vec<PropagationFailure>) {
        use rayon::prelude::*;
        let mut newest: HashMap<u32, MeanElements> = HashMap::with_capacity(sets.len());
        for e in sets {
            match newest.get(&e.norad_id) {
                Some(kept) if kept.epoch >= e.epoch => {}
                _ => {
                    newest.insert(e.norad_id, e);
                }
            }
        }
        let mut sets: Vec<MeanElements> = newest.into_values().collect();
        sets.sort_by_key(|e| e.norad_id);
        let results: Vec<Result<CatalogObject, PropagationFailure>> =
            sets.into_par_iter().map(CatalogObject::new).collect();
        let mut objects = Vec::with_capacity(results.len());
        let mut failed = Vec::new();
        for r in results {
            match r {
                Ok(o) => objects.push(o),
                Err(f) => failed.push(f),
            }
        }
        (Self { objects }, failed)
    }

    pub fn objects(&self) -> &[CatalogObject] {
        &self.objects
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn get(&self, norad_id: u32) -> Option<&CatalogObject> {
        self.objects.binary_search_by_key(&norad_id, CatalogObject::norad_id).ok().map(|i| &self.objects[i])
    }

    /// Objects whose name contains `query` (case-insensitive), or whose NORAD id is `query`; at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&CatalogObject> {
        let query = query.trim();
        if let Ok(id) = query.parse::<u32>() {
            return self.get(id).into_iter().collect();
        }
        let needle = query.to_lowercase();
        self.objects
            .iter()
            .filter(|o| o.name().is_some_and(|n| n.to_lowercase().contains(&needle)))
            .take(limit)
            .collect()
    }

    /// Oldest and newest element epoch, `None` when empty.
    pub fn epoch_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let epochs = self.objects.iter().map(|o| o.elements.epoch);
        Some((epochs.clone().min()?, epochs.max()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "ISS (ZARYA)
1 25544U 98067A   22165.98291539  .00007389  00000+0  13721-3 0  9995
2 25544  51.6447 342.5501 0004194 242.9750 255.0959 15.50021518344998
";
    const NEW: &str = "ISS (ZARYA)
1 25544U 98067A   22166.98291539  .00007389  00000+0  13721-3 0  9996
2 25544  51.6447 342.5501 0004194 242.9750 255.0959 15.50021518344998
";
    const OMM: &str = r#"[{"OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A","EPOCH":"2022-06-15T23:35:23.889696",
        "MEAN_MOTION":15.50021518,"ECCENTRICITY":0.0004194,"INCLINATION":51.6447,"RA_OF_ASC_NODE":342.5501,
        "ARG_OF_PERICENTER":242.975,"MEAN_ANOMALY":255.0959,"EPHEMERIS_TYPE":0,"NORAD_CAT_ID":25544,
        "BSTAR":0.00013721,"MEAN_MOTION_DOT":7.389e-5,"MEAN_MOTION_DDOT":0}]"#;

    #[test]
    fn newest_elements_win_in_either_order() {
        for text in [format!("{OLD}{NEW}"), format!("{NEW}{OLD}")] {
            let import = Catalog::parse(&text, CatalogFormat::detect(&text)).expect("parses");
            assert_eq!(import.catalog.len(), 1);
            assert_eq!(import.superseded, 1);
            let iss = import.catalog.get(25544).expect("kept");
            assert_eq!(iss.elements().epoch.format("%j").to_string(), "166");
        }
    }

    #[test]
    fn tle_and_omm_of_the_same_elements_propagate_alike() {
        let tle = Catalog::parse(NEW, CatalogFormat::detect(NEW)).expect("TLE").catalog;
        let omm = Catalog::parse(OMM, CatalogFormat::detect(OMM)).expect("OMM").catalog;
        let t = tle.get(25544).expect("ISS").elements().epoch + chrono::Duration::hours(5);
        let (a, _) = tle.get(25544).expect("ISS").teme_state(t).expect("propagates");
        let (b, _) = omm.get(25544).expect("ISS").teme_state(t).expect("propagates");
        let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
        assert!(d < 1e-3, "{d} km apart");
    }

    #[test]
    fn formats_are_detected() {
        assert_eq!(CatalogFormat::detect(NEW), CatalogFormat::Tle);
        assert_eq!(CatalogFormat::detect(OMM), CatalogFormat::OmmJson);
        assert_eq!(CatalogFormat::detect("<?xml version=\"1.0\"?><ndm/>"), CatalogFormat::OmmXml);
        assert_eq!(CatalogFormat::detect("OBJECT_NAME,NORAD_CAT_ID,EPOCH\n"), CatalogFormat::OmmCsv);
    }

    #[test]
    fn alpha5_objects_and_search() {
        let line1 = "1 A0001U 98067A   22166.98291539  .00007389  00000+0  13721-3 0  999";
        let line2 = "2 A0001  51.6447 342.5501 0004194 242.9750 255.0959 15.50021518344998";
        let with_checksum = |l: &str| {
            let sum: u32 =
                l.bytes().map(|b| if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b == b'-') }).sum();
            format!("{l}{}", sum % 10)
        };
        let text = format!("FUTURE SAT\n{}\n{}", with_checksum(line1), with_checksum(&line2[..68]));
        let import = Catalog::parse(&text, CatalogFormat::Tle).expect("parses");
        assert!(import.rejected.is_empty(), "{:?}", import.rejected);
        assert_eq!(import.catalog.objects()[0].norad_id(), 100_001);
        assert_eq!(import.catalog.search("future", 10).len(), 1);
        assert_eq!(import.catalog.search("100001", 10).len(), 1);
    }
}
