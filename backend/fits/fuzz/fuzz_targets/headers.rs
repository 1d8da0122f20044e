#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = common::input(data);
    if let Ok(headers) = meridian_fits::read_headers_with_limits(bytes.as_slice(), &common::limits()) {
        let _ = meridian_fits::summarize(&headers);
    }
});
