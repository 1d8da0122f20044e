//! Orbit Mean-elements Messages as JSON: `parse_omm_json`, an array of OMM objects (or one object); a rejected
//! record is numbered by its place in the array.
//!
//! Properties: every element set read has its fields finite and in their physical ranges; every rejected record
//! and a file refused as a whole name a line (or record) that exists, and a reason.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use meridian_satellites::{CatalogError, parse_omm_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let max_line = common::line_count(text);
    match parse_omm_json(text) {
        Ok((sets, rejected)) => {
            for e in &sets {
                common::check_elements(e, text);
            }
            common::check_rejected(&rejected, sets.len() + rejected.len(), text);
        }
        Err(CatalogError::Malformed { line, reason }) => {
            assert!(line >= 1 && line <= max_line, "line {line} of {max_line}: {reason}");
            assert!(!reason.is_empty());
        }
        Err(CatalogError::Empty) => {}
    }
});
