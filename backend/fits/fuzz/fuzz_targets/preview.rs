#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = common::input(data);
    let _ = meridian_fits::preview_png_with_limits(bytes.as_slice(), 64, &common::limits());
});
