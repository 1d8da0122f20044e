//! The byte stream under the FITS structure: plain, or gzip detected by its magic bytes (never by a file name),
//! decompressed as it is read and watched for bombs. Nothing here buffers more than one chunk.

use std::io::{self, Read, Seek, SeekFrom};

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
/// Moves a plain seekable stream forward without reading; set only when the reader is `Seek`.
type Seeker<R> = fn(&mut R, i64) -> io::Result<()>;

#[derive(Debug)]
pub(crate) struct Input<R> {
    stream: Stream<R>,
    limits: Limits,
    /// Bytes of (decompressed) FITS consumed so far.
    position: u64,
    scratch: Vec<u8>,
    /// For a plain stream that can seek: how to skip, and where it ends.
    seek: Option<(Seeker<R>, u64)>,
    /// For a seekable single-member gzip file: its uncompressed size mod 2^32, from the gzip trailer.
    gzip_size: Option<u32>,
    /// The rest of the stream is known to hold nothing more (see [`Input::skip`]).
    ended: bool,
}

impl<R: Read> Input<R> {
    /// Looks at the first two bytes to tell gzip from plain FITS.
    pub(crate) fn open(mut reader: R, limits: Limits) -> Result<Self, FitsError> {
        let magic = read_magic(&mut reader)?;
        let prefixed = io::Cursor::new(magic.clone()).chain(reader);
        Ok(Self::new(prefixed, &magic, limits, None))
    }

    fn new(prefixed: Prefixed<R>, magic: &[u8], limits: Limits, seek: Option<(Seeker<R>, u64)>) -> Self {
        let (stream, seek) = if magic == [0x1f, 0x8b] {
            (Stream::Gzip(Box::new(MultiGzDecoder::new(Counting { inner: prefixed, count: 0 }))), None)
        } else {
            (Stream::Plain(prefixed), seek)
        };
        Self { stream, limits, position: 0, scratch: Vec::new(), seek, gzip_size: None, ended: false }
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
        if self.ended {
            return Ok(0);
        }
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

    /// Reads through `n` bytes without keeping them (or seeks past them); returns how many there were before the
    /// stream ended.
    pub(crate) fn skip(&mut self, n: u64) -> Result<u64, FitsError> {
        // A gzip file whose uncompressed size ends exactly here has nothing after this data unit: no need to
        // inflate it just to find the end.
        if let Some(size) = self.gzip_size
            && self.position.checked_add(n).is_some_and(|end| end as u32 == size)
        {
            self.position += n;
            self.ended = true;
            return Ok(n);
        }
        if let (Some((seek, end)), Stream::Plain(stream)) = (self.seek, &mut self.stream) {
            let skipped = n.min(end.saturating_sub(self.position));
            let offset =
                i64::try_from(skipped).map_err(|_| FitsError::Limit("a data unit beyond 2^63 bytes".into()))?;
            seek(stream.get_mut().1, offset)?;
            self.position += skipped;
            return Ok(skipped);
        }
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

impl<R: Read + Seek> Input<R> {
    /// Like [`Input::open`], but a plain stream skips data units by seeking instead of reading them.
    pub(crate) fn open_seekable(mut reader: R, limits: Limits) -> Result<Self, FitsError> {
        let start = reader.stream_position()?;
        let end = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(start))?;
        let magic = read_magic(&mut reader)?;
        let gzip_size = if magic == [0x1f, 0x8b] { gzip_size(&mut reader, start, end)? } else { None };
        reader.seek(SeekFrom::Start(start))?;
        let seeker: Seeker<R> = |r, offset| r.seek_relative(offset);
        let mut input =
            Self::new(io::Cursor::new(Vec::new()).chain(reader), &magic, limits, Some((seeker, end - start)));
        input.gzip_size = gzip_size;
        Ok(input)
    }
}

/// The uncompressed size (mod 2^32) a gzip file's trailer gives, when it can be trusted to be the whole file's:
/// the trailer belongs to the last member only, so files whose header has an extra field (BGZF and other
/// many-member formats set one) are left out. A plain concatenation of gzip members whose last member happens to
/// be exactly as long as the stream up to an HDU boundary would fool this; no FITS writer makes such files.
fn gzip_size<R: Read + Seek>(reader: &mut R, start: u64, end: u64) -> Result<Option<u32>, FitsError> {
    const FEXTRA: u8 = 0x04;
    if end.saturating_sub(start) < 18 {
        return Ok(None);
    }
    let mut head = [0u8; 4];
    reader.seek(SeekFrom::Start(start))?;
    reader.read_exact(&mut head)?;
    if head[2] != 8 || head[3] & FEXTRA != 0 {
        return Ok(None);
    }
    let mut trailer = [0u8; 4];
    reader.seek(SeekFrom::Start(end - 4))?;
    reader.read_exact(&mut trailer)?;
    Ok(Some(u32::from_le_bytes(trailer)))
}

/// The first two bytes (fewer if the stream is shorter).
fn read_magic<R: Read>(reader: &mut R) -> Result<Vec<u8>, FitsError> {
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
    Ok(magic[..got].to_vec())
}
