//! Two- and three-line element sets: `parse_tle` (a whole file), `parse_pair` / `parse_pair_unverified` (the
//! first two lines) and `decode_alpha5`.
//!
//! The first byte picks the mode: even, the rest is the file as is; odd, every line that looks like line 1 or 2
//! of a TLE gets its checksum (column 69) set right first, so the fuzzer gets past the checksum to the columns.
//!
//! Properties: every element set read has its fields finite and in their physical ranges, a catalog number and an
//! epoch the format can express; every rejected record names a line of the file and a reason; a pair that passes
//! with its checksums passes without them, unchanged; Alpha-5 numbers decode to 0..=339999 and encode back.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use meridian_satellites::{decode_alpha5, parse_pair, parse_pair_unverified, parse_tle};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let text = if mode & 1 == 1 { common::fix_tle_checksums(text) } else { text.to_owned() };

    let (sets, rejected) = parse_tle(&text);
    for e in &sets {
        common::check_tle_elements(e, &text);
    }
    common::check_rejected(&rejected, text.lines().count(), &text);

    let mut lines = text.lines();
    if let (Some(l1), Some(l2)) = (lines.next(), lines.next()) {
        if let Ok(e) = parse_pair(l1, l2) {
            common::check_tle_elements(&e, &text);
            assert_eq!(parse_pair_unverified(l1, l2).as_ref(), Ok(&e), "checksum-free parse differs");
        }
        if let Ok(e) = parse_pair_unverified(l1, l2) {
            common::check_tle_elements(&e, &text);
        }
        if let Some(id) = l1.get(2..7).and_then(decode_alpha5) {
            assert!(id <= 339_999, "{id} from {:?}", &l1[2..7]);
        }
    }

    // Alpha-5 both ways, for a number taken from the input.
    let n = data.iter().fold(0u32, |acc, &b| acc.wrapping_mul(31).wrapping_add(u32::from(b))) % 340_000;
    let encoded = encode_alpha5(n);
    assert_eq!(decode_alpha5(&encoded), Some(n), "{n} encoded as {encoded}");
});

/// 0..=99999 as five digits, 100000..=339999 as a letter (I and O skipped) and four digits.
fn encode_alpha5(n: u32) -> String {
    if n < 100_000 {
        return format!("{n:05}");
    }
    let letters = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    let letter = letters.as_bytes()[(n / 10_000 - 10) as usize] as char;
    format!("{letter}{:04}", n % 10_000)
}
