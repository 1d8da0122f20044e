//! The file search's header conditions (`KEY=value`, `KEY=lo..hi`, `KEY>=n`, `KEY<=n`):
//! `meridian_domain::search::parse_header_condition`.
//!
//! Properties: the keyword is 1 to 72 characters of upper-case printable ASCII (spaces inside for HIERARCH) with
//! no space at either end and none of the operators' `=`, `<`, `>`; numbers are finite; a range has at least one
//! end and `min <= max`; a value is at most 1000 bytes and its number is the value read as a number; and a
//! condition written back out parses to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meridian_domain::search::{HeaderCondition, parse_header_condition};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(condition) = parse_header_condition(text) else { return };
    let keyword = condition.keyword();
    assert!(!keyword.is_empty() && keyword.len() <= 72, "keyword {keyword:?} from {text:?}");
    assert!(keyword.bytes().all(|b| b.is_ascii_graphic() || b == b' '), "keyword {keyword:?}");
    assert!(!keyword.contains(['=', '<', '>']), "keyword {keyword:?} holds an operator");
    assert!(!keyword.bytes().any(|b| b.is_ascii_lowercase()), "keyword {keyword:?} is not upper-case");
    assert_eq!(keyword.trim(), keyword, "keyword {keyword:?} is not trimmed");
    let written = match &condition {
        HeaderCondition::Range { keyword, min, max } => {
            assert!(min.is_some() || max.is_some(), "a range with no end from {text:?}");
            assert!(min.is_none_or(f64::is_finite) && max.is_none_or(f64::is_finite), "{condition:?}");
            if let (Some(lo), Some(hi)) = (min, max) {
                assert!(lo <= hi, "empty range {lo}..{hi} from {text:?}");
            }
            match (min, max) {
                (Some(lo), None) => format!("{keyword}>={lo}"),
                (None, Some(hi)) => format!("{keyword}<={hi}"),
                (Some(lo), Some(hi)) => format!("{keyword}={lo}..{hi}"),
                (None, None) => unreachable!(),
            }
        }
        HeaderCondition::Equals { keyword, text: value, number } => {
            assert!(value.len() <= 1000, "value of {} bytes", value.len());
            assert_eq!(value.trim(), value, "value not trimmed");
            assert_eq!(*number, value.parse::<f64>().ok().filter(|x| x.is_finite()), "number of {value:?}");
            format!("{keyword}={value}")
        }
    };
    let again = parse_header_condition(&written).unwrap_or_else(|e| panic!("{written:?} from {text:?}: {e}"));
    assert_eq!(again, condition, "{written:?} from {text:?}");
});
