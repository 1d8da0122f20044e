#![doc = include_str!("../README.md")]

mod card;
mod compressed;
mod error;
mod hdu;
mod input;
mod limits;
mod pixels;
mod preview;
mod reader;
mod summary;
mod zscale;

use std::io::Read;

use serde::{Deserialize, Serialize};

pub use card::{Card, CardValue};
pub use error::FitsError;
pub use hdu::{Hdu, HduKind};
pub use limits::Limits;
pub use preview::{MAX_PREVIEW_SIDE, image_zscale, preview_png, preview_png_with_limits};
pub use summary::{ImageInfo, Summary, summarize};
pub use zscale::{ZScale, zscale};

/// How the file was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    None,
    /// The whole file is a gzip stream (`.fits.gz`).
    Gzip,
    /// At least one HDU is a tile-compressed image (`.fz`); may come on top of nothing else.
    Tile,
}

/// Every HDU's header in a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headers {
    pub hdus: Vec<Hdu>,
    pub compression: Compression,
    /// What was odd but readable: unparsable values kept as text, bytes after the last HDU, missing padding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Reads every header of a FITS stream (plain, gzip or with tile-compressed images), with [`Limits::default`].
/// Data units are read through in bounded chunks and never kept.
pub fn read_headers<R: Read>(reader: R) -> Result<Headers, FitsError> {
    read_headers_with_limits(reader, &Limits::default())
}

/// [`read_headers`] with explicit limits.
pub fn read_headers_with_limits<R: Read>(reader: R, limits: &Limits) -> Result<Headers, FitsError> {
    let mut walker = reader::Walker::new(reader, *limits)?;
    let mut hdus = Vec::new();
    while let Some(hdu) = walker.next_header()? {
        walker.skip_data(&hdu)?;
        hdus.push(hdu);
    }
    let compression = match walker.compression() {
        Compression::None if hdus.iter().any(|h| h.kind == HduKind::CompressedImage) => Compression::Tile,
        other => other,
    };
    Ok(Headers { hdus, compression, warnings: walker.warnings })
}
