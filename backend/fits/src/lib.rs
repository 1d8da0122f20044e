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
mod tiles;
mod write;
mod zscale;

use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};

pub use card::{Card, CardValue};
pub use error::FitsError;
pub use hdu::{Hdu, HduKind};
pub use limits::Limits;
pub use preview::{MAX_PREVIEW_SIDE, image_zscale, preview_png, preview_png_with_limits};
pub use summary::{Footprint, ImageInfo, Summary, footprint, summarize};
pub use write::primary_i16;
pub use zscale::{ZScale, zscale};

/// How the file was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    None,
    /// The whole file is a gzip stream (`.fits.gz`).
    Gzip,
    /// At least one HDU is a tile-compressed image (`.fz`), and the file is not gzip-compressed as a whole.
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
    headers_of(reader::Walker::new(reader, *limits)?)
}

/// [`read_headers`] for a reader that can seek (a file): data units of a plain FITS file are skipped by seeking
/// rather than read through. Reading starts at the reader's current position.
pub fn read_headers_seekable<R: Read + Seek>(reader: R) -> Result<Headers, FitsError> {
    read_headers_seekable_with_limits(reader, &Limits::default())
}

/// [`read_headers_seekable`] with explicit limits.
pub fn read_headers_seekable_with_limits<R: Read + Seek>(reader: R, limits: &Limits) -> Result<Headers, FitsError> {
    headers_of(reader::Walker::seekable(reader, *limits)?)
}

fn headers_of<R: Read>(mut walker: reader::Walker<R>) -> Result<Headers, FitsError> {
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
