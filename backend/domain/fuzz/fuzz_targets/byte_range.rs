//! The HTTP `Range` header against a file of a given size: `meridian_domain::search::parse_byte_range`.
//!
//! The input is either a raw header (any text) or a well-formed `bytes=a-b` built from numbers, for which the
//! answer is checked against RFC 9110 section 14.1.2 written out independently.
//!
//! Properties: a returned range lies inside the file (`start <= end < size`), never panics or overflows; for
//! well-formed single ranges the answer is the RFC's.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use meridian_domain::search::{RangeSpec, Unsatisfiable, parse_byte_range};

#[derive(Debug, Arbitrary)]
enum Input {
    Raw { header: Option<String>, size: u64 },
    Numbers { first: Option<u64>, last: Option<u64>, size: Size, spaces: bool },
}

/// Sizes near the interesting edges as often as anywhere.
#[derive(Debug, Arbitrary)]
enum Size {
    Small(u8),
    Any(u64),
    NearMax(u8),
}

impl Size {
    fn get(&self) -> u64 {
        match *self {
            Size::Small(n) => u64::from(n),
            Size::Any(n) => n,
            Size::NearMax(n) => u64::MAX - u64::from(n),
        }
    }
}

fuzz_target!(|input: Input| {
    match input {
        Input::Raw { header, size } => {
            check_inside(parse_byte_range(header.as_deref(), size), size, header.as_deref());
        }
        Input::Numbers { first, last, size, spaces } => {
            let size = size.get();
            let text = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
            let header = if spaces {
                format!(" bytes= {} - {} ", text(first), text(last))
            } else {
                format!("bytes={}-{}", text(first), text(last))
            };
            let got = parse_byte_range(Some(&header), size);
            check_inside(got, size, Some(&header));
            assert_eq!(got, rfc(first, last, size), "{header:?} against {size} bytes");
        }
    }
});

fn check_inside(result: Result<Option<RangeSpec>, Unsatisfiable>, size: u64, header: Option<&str>) {
    if let Ok(Some(RangeSpec { start, end })) = result {
        assert!(start < size, "start {start} outside {size} bytes for {header:?}");
        if let Some(end) = end {
            assert!(start <= end && end < size, "{start}-{end} outside {size} bytes for {header:?}");
        }
    }
}

/// RFC 9110 14.1.2 for one `bytes=` range: `first-last` (last clipped to the file), `first-` (to the end),
/// `-suffix` (the last `suffix` bytes, the whole file when longer); unsatisfiable when the first byte lies past
/// the end, `last < first`, or the suffix is empty. `-` alone is no range.
fn rfc(first: Option<u64>, last: Option<u64>, size: u64) -> Result<Option<RangeSpec>, Unsatisfiable> {
    match (first, last) {
        (None, None) => Ok(None),
        (None, Some(suffix)) => {
            if suffix == 0 || size == 0 {
                Err(Unsatisfiable)
            } else {
                Ok(Some(RangeSpec { start: size - suffix.min(size), end: None }))
            }
        }
        (Some(first), last) => {
            if first >= size || last.is_some_and(|l| l < first) {
                Err(Unsatisfiable)
            } else {
                Ok(Some(RangeSpec { start: first, end: last.map(|l| l.min(size - 1)) }))
            }
        }
    }
}
