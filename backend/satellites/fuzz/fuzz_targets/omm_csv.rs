//! Orbit Mean-elements Messages as CSV: `parse_omm_csv`, a header row of OMM keys and a record a line; a
//! rejected record is numbered by its line.
//!
//! Properties: every element set read has its fields finite and in their physical ranges; every rejected record
//! and a file refused as a whole name a line (or record) that exists, and a reason.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use meridian_satellites::{CatalogError, parse_omm_csv};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let max_line = common::line_count(text);
    match parse_omm_csv(text) {
        Ok((sets, rejected)) => {
            for e in &sets {
                common::check_elements(e, text);
            }
            common::check_rejected(&rejected, max_line, text);
        }
        Err(CatalogError::Malformed { line, reason }) => {
            assert!(line >= 1 && line <= max_line, "line {line} of {max_line}: {reason}");
            assert!(!reason.is_empty());
        }
        Err(CatalogError::Empty) => {}
    }
});
