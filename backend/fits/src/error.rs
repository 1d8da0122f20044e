//! One error type for everything this crate reads. Messages name the HDU (0 = primary) and, where it helps, the
//! card, so an uploader can be told what is wrong with the file rather than that "it failed".

/// Why a file could not be read as FITS.
#[derive(Debug, thiserror::Error)]
pub enum FitsError {
    /// The underlying reader failed (not the file's fault).
    #[error("reading the file failed: {0}")]
    Io(#[from] std::io::Error),
    /// The file is empty.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not a FITS file (or a gzip-compressed one).
    #[error("not a FITS file: {0}")]
    NotFits(String),
    /// The file ends inside a header or a data unit.
    #[error("the file is truncated: {0}")]
    Truncated(String),
    /// A header breaks the FITS rules in a way that stops us reading on.
    #[error("HDU {hdu}: {message}")]
    Header { hdu: usize, message: String },
    /// The gzip stream is corrupt.
    #[error("the gzip stream is corrupt: {0}")]
    Gzip(String),
    /// One of [`Limits`](crate::Limits) was exceeded; the file may be valid but is not read.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// Encoding the preview failed.
    #[error("writing the preview PNG failed: {0}")]
    Png(String),
}

impl FitsError {
    pub(crate) fn header(hdu: usize, message: impl Into<String>) -> Self {
        Self::Header { hdu, message: message.into() }
    }
}
