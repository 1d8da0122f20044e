//! Bounds on what a hostile file can make us do. Every loop over file-controlled counts is capped here, and every
//! size derived from header values is computed with checked arithmetic before it is trusted.

use serde::{Deserialize, Serialize};

/// Caps applied while reading; [`Limits::default`] suits uploads to a portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// HDUs read before giving up (the primary counts).
    pub max_hdus: usize,
    /// Cards in one header, up to and including `END`.
    pub max_cards_per_hdu: usize,
    /// Bytes after gzip decompression, in all.
    pub max_decompressed_bytes: u64,
    /// Decompressed-to-compressed ratio above which a gzip stream is taken for a bomb, once at least
    /// [`Limits::ratio_check_after`] bytes have come out. Deflate cannot exceed about 1032:1, and only long runs of
    /// one byte value get near it; real images stay far below. The margin covers the decoder reading its input
    /// ahead (up to 32 KiB), which makes the measured ratio lower than the true one early in a stream.
    pub max_gzip_ratio: u64,
    /// Decompressed bytes before the ratio is checked (small streams may have any ratio).
    pub ratio_check_after: u64,
    /// Pixels in an image decoded for a preview.
    pub max_preview_pixels: u64,
    /// Bytes of a tile-compressed image's data unit, which a preview reads into memory whole.
    pub max_compressed_image_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_hdus: 1000,
            max_cards_per_hdu: 10_000,
            max_decompressed_bytes: 16 << 30,
            max_gzip_ratio: 500,
            ratio_check_after: 64 << 20,
            max_preview_pixels: 200_000_000,
            max_compressed_image_bytes: 1 << 30,
        }
    }
}
