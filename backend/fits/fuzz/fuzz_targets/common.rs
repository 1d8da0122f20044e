//! Shared by both targets: the first byte chooses plain or gzip input, so the gzip path is fuzzed too (a fuzzer
//! rarely finds a valid deflate stream by itself), and limits are kept small so no run is slow.

use std::io::Write;

use meridian_fits::Limits;

pub fn input(data: &[u8]) -> Vec<u8> {
    let Some((mode, rest)) = data.split_first() else { return Vec::new() };
    if mode & 1 == 0 {
        return rest.to_vec();
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = encoder.write_all(rest);
    encoder.finish().unwrap_or_default()
}

pub fn limits() -> Limits {
    Limits { max_decompressed_bytes: 64 << 20, max_preview_pixels: 16 << 20, ..Limits::default() }
}
