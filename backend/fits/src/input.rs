//! The byte stream under the FITS structure: plain, or gzip detected by its magic bytes (never by a file name),
//! decompressed as it is read and watched for bombs. Nothing here buffers more than one chunk.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use crate::{Compression, FitsError, Limits};

/// Data units are read through (not kept) in chunks of this size.
const SKIP_CHUNK: usize = 64 * 1024;

/// Counts the compressed bytes the gzip decoder pulls, for the bomb ratio.
#[derive(Debug)]
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count = self.count.saturating_add(n as u64);
        Ok(n)
    }
}

/// The first bytes, already read to look at the magic, put back in front of the rest.
type Prefixed<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

#[derive(Debug)]
enum Stream<R> {
    Plain(Prefixed<R>),
    Gzip(Box<MultiGzDecoder<Counting<Prefixed<R>>>>),
}

/// A forward-only source of FITS bytes with its position, so headers can report where they broke.
#[derive(Debug)]
pub(crate) struct Input<R> {
    stream: Stream<R>,
    limits: Limits,
    /// Bytes of (decompressed) FITS consumed so far.
    position: u64,
    scratch: Vec<u8>,
}

impl<R: Read> Input<R> {
    /// Looks at the first two bytes to tell gzip from plain FITS.
    pub(crate) fn open(mut reader: R, limits: Limits) -> Result<Self, FitsError> {
        let mut magic = [0u8; 2];
        let mut got = 0;
        while got < magic.len() {
            match reader.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        if got == 0 {
            return Err(FitsError::Empty);
        }
        let prefixed = io::Cursor::new(magic[..got].to_vec()).chain(reader);
        let stream = if magic == [0x1f, 0x8b] {
            Stream::Gzip(Box::new(MultiGzDecoder::new(Counting { inner: prefixed, count: 0 })))
        } else {
            Stream::Plain(prefixed)
        };
        Ok(Self { stream, limits, position: 0, scratch: Vec::new() })
    }

    pub(crate) fn compression_is_gzip(&self) -> bool {
        matches!(self.stream, Stream::Gzip(_))
    }

    pub(crate) fn compression(&self) -> Compression {
        if self.compression_is_gzip() { Compression::Gzip } else { Compression::None }
    }

    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// Fills `buf` as far as the stream allows; fewer bytes than asked means the stream ended.
    pub(crate) fn fill(&mut self, buf: &mut [u8]) -> Result<usize, FitsError> {
        let mut got = 0;
        while got < buf.len() {
            let read = match &mut self.stream {
                Stream::Plain(r) => r.read(&mut buf[got..]),
                Stream::Gzip(r) => r.read(&mut buf[got..]),
            };
            match read {
                Ok(0) => break,
                Ok(n) => {
                    got += n;
                    self.position = self.position.saturating_add(n as u64);
                    self.check_bomb()?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if self.compression_is_gzip() => {
                    return Err(match e.kind() {
                        io::ErrorKind::UnexpectedEof => FitsError::Truncated("the gzip stream ends early".into()),
                        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => FitsError::Gzip(e.to_string()),
                        _ => FitsError::Io(e),
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(got)
    }

    /// Reads through `n` bytes without keeping them; returns how many there were before the stream ended.
    pub(crate) fn skip(&mut self, n: u64) -> Result<u64, FitsError> {
        if self.scratch.is_empty() {
            self.scratch = vec![0; SKIP_CHUNK];
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut left = n;
        let result = loop {
            if left == 0 {
                break Ok(n);
            }
            let want = usize::try_from(left.min(SKIP_CHUNK as u64)).unwrap_or(SKIP_CHUNK);
            match self.fill(&mut scratch[..want]) {
                Ok(got) if got < want => break Ok(n - left + got as u64),
                Ok(got) => left -= got as u64,
                Err(e) => break Err(e),
            }
        };
        self.scratch = scratch;
        result
    }

    fn check_bomb(&self) -> Result<(), FitsError> {
        let Stream::Gzip(decoder) = &self.stream else {
            return Ok(());
        };
        let out = self.position;
        if out > self.limits.max_decompressed_bytes {
            return Err(FitsError::Limit(format!(
                "more than {} bytes after gzip decompression",
                self.limits.max_decompressed_bytes
            )));
        }
        let compressed = decoder.get_ref().count.max(1);
        if out > self.limits.ratio_check_after && out / compressed > self.limits.max_gzip_ratio {
            return Err(FitsError::Limit(format!(
                "gzip stream expands more than {}:1 ({compressed} bytes became {out}); refusing a likely gzip bomb",
                self.limits.max_gzip_ratio
            )));
        }
        Ok(())
    }
}
