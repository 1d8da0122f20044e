//! The arithmetic of uploads in parts: `meridian_domain::uploads::{part_size_for, part_count, part_length}`.
//!
//! Properties: a part size chosen by `part_size_for` keeps to S3's rules (5 MiB to 5 GiB, at most 10,000 parts)
//! and is the requested size or else the smallest whole number of MiB that fits; it is refused only when the
//! request is out of bounds or the file too big. For any size and part size (whenever the count fits a `u32`),
//! the parts `1..=part_count` cover the file exactly: all but the last are whole, the last is 1 to part-size
//! bytes (0 for an empty file), and there is nothing before part 1 or after the last. Never a panic or overflow.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use meridian_domain::uploads::{
    DEFAULT_PART_SIZE, MAX_PART_SIZE, MAX_PARTS, MIB, MIN_PART_SIZE, part_count, part_length, part_size_for,
};

#[derive(Debug, Arbitrary)]
struct Input {
    size: Number,
    requested: Option<Number>,
    part_size: Number,
}

/// Numbers near the edges that matter (MiB multiples, S3's limits, u64::MAX) as often as anywhere.
#[derive(Debug, Arbitrary)]
enum Number {
    Any(u64),
    Mib(u32, i8),
    NearMax(u16),
    NearLimit(u16, i16),
}

impl Number {
    fn get(&self) -> u64 {
        match *self {
            Number::Any(n) => n,
            Number::Mib(m, d) => u64::from(m).wrapping_mul(MIB).wrapping_add_signed(i64::from(d)),
            Number::NearMax(d) => u64::MAX - u64::from(d),
            Number::NearLimit(which, d) => {
                let base = [MIN_PART_SIZE, MAX_PART_SIZE, MAX_PART_SIZE * MAX_PARTS, MIN_PART_SIZE * MAX_PARTS]
                    [usize::from(which % 4)];
                base.wrapping_add_signed(i64::from(d))
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let size = input.size.get();
    let requested = input.requested.as_ref().map(Number::get);
    match part_size_for(size, requested) {
        Ok(part) => {
            assert!((MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part), "part size {part}");
            let wanted = requested.unwrap_or(DEFAULT_PART_SIZE);
            assert!(part >= wanted, "{part} below the requested {wanted}");
            if part != wanted {
                assert_eq!(part % MIB, 0, "raised part size {part} is not whole MiB");
                assert!(size.div_ceil(part - MIB) > MAX_PARTS, "{part} is not the smallest that fits {size}");
            }
            let count = part_count(size, part);
            assert!(u64::from(count) <= MAX_PARTS, "{count} parts of {part} for {size}");
            covers(size, part);
        }
        Err(e) => {
            let wanted = requested.unwrap_or(DEFAULT_PART_SIZE);
            let in_bounds = (MIN_PART_SIZE..=MAX_PART_SIZE).contains(&wanted);
            // In bounds, only a file too big for 10,000 parts of 5 GiB is refused.
            assert!(!in_bounds || size > MAX_PART_SIZE * MAX_PARTS, "refused {size} bytes in parts of {wanted}: {e}");
        }
    }
    covers(size, input.part_size.get());
});

/// Parts 1..=count of `part` bytes (0 counts as 1, as `part_count` documents) cover `size` bytes exactly (checked
/// without summing billions of parts).
fn covers(size: u64, part: u64) {
    let count = part_count(size, part);
    assert!(count >= 1, "no parts");
    let unit = part.max(1);
    if size.div_ceil(unit) > u64::from(u32::MAX) {
        // More parts than a u32 counts: the count saturates (callers only pass sizes from part_size_for).
        assert_eq!(count, u32::MAX);
        return;
    }
    assert_eq!(u64::from(count), size.div_ceil(unit).max(1), "{count} parts of {part} for {size}");
    assert_eq!(part_length(size, part, 0), 0, "part 0");
    if count < u32::MAX {
        assert_eq!(part_length(size, part, count + 1), 0, "a part after the last");
    }
    let last = part_length(size, part, count);
    // Every part before the last is whole (checking the first, the one before the last and a middle one).
    for n in [1, count / 2, count - 1] {
        if (1..count).contains(&n) {
            assert_eq!(part_length(size, part, n), unit, "part {n} of {count} ({part}, {size})");
        }
    }
    let whole = u128::from(count - 1) * u128::from(unit);
    assert_eq!(whole + u128::from(last), u128::from(size), "{count} parts of {part} for {size}: last {last}");
    if size == 0 {
        assert_eq!(last, 0);
    } else {
        assert!(last >= 1 && last <= unit, "last part {last} of {part} for {size}");
    }
    // Small cases: add them all up.
    if count <= 64 {
        let total: u128 = (1..=count).map(|n| u128::from(part_length(size, part, n))).sum();
        assert_eq!(total, u128::from(size));
    }
}
