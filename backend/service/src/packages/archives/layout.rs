//! A package version as one archive, streamed from object storage as it is read: each object's bytes pass
//! through once, never gathered on disk or in memory. Memory grows with the number of files (their names and
//! sizes), not with their bytes.
//!
//! Tar: the layout is fully determined by the manifest (a 512-byte ustar header per entry, the data, zeros to
//! the next 512-byte boundary, two zero blocks at the end), so the length is known before the first byte and any
//! byte range maps onto header segments and object sub-ranges: downloads resume.
//!
//! Zip: stored (uncompressed) entries with data descriptors, since the CRC-32 is only known once an entry's bytes
//! have passed; ZIP64 fields where a size or an offset needs them. The length is known in advance (it does not
//! depend on the CRCs), but ranges are not offered: the descriptors after each entry and the central directory
//! hold CRCs of bytes not read yet.

use bytes::Bytes;
use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use futures::StreamExt as _;
use meridian_storage::{ByteRange, ByteStream, ObjectStore};
use std::sync::Arc;

const BLOCK: u64 = 512;

/// Where an entry's bytes come from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// Generated (manifest.json, SHA256SUMS).
    Memory(Bytes),
    /// An object of the store, of this many bytes.
    Object { key: String, size: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub path: String,
    pub source: Source,
}

impl Entry {
    fn size(&self) -> u64 {
        match &self.source {
            Source::Memory(b) => b.len() as u64,
            Source::Object { size, .. } => *size,
        }
    }
}

/// Whether a path fits a ustar header: at most 100 bytes, or split at a `/` into a prefix of at most 155 bytes
/// and a name of at most 100.
pub(crate) fn fits_ustar(path: &str) -> bool {
    let b = path.as_bytes();
    if b.len() <= 100 {
        return true;
    }
    b.iter().enumerate().any(|(i, c)| *c == b'/' && i <= 155 && b.len() - i - 1 <= 100 && i + 1 < b.len())
}

fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

// ------------------------------------------------------------------------------------------------------ tar

/// A tar archive's layout: every entry is header, data, padding, in order.
#[derive(Debug, Clone)]
pub(crate) struct TarLayout {
    entries: Arc<Vec<Entry>>,
    mtime: u64,
}

impl TarLayout {
    pub(crate) fn new(entries: Vec<Entry>, mtime: DateTime<Utc>) -> Self {
        Self { entries: Arc::new(entries), mtime: u64::try_from(mtime.timestamp()).unwrap_or(0) }
    }

    /// The archive's length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.entries.iter().map(|e| BLOCK + e.size() + padding(e.size())).sum::<u64>() + 2 * BLOCK
    }

    fn header(&self, e: &Entry) -> std::io::Result<[u8; 512]> {
        let mut h = tar::Header::new_ustar();
        h.set_path(&e.path)?;
        h.set_size(e.size());
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(self.mtime);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        let mut out = [0_u8; 512];
        out.copy_from_slice(h.as_bytes());
        Ok(out)
    }

    /// The bytes `start..=end` of the archive (both within it), as a stream that opens each object only when it
    /// is reached and reads only the part of it the range covers.
    pub(crate) fn stream(&self, storage: Arc<dyn ObjectStore>, start: u64, end: u64) -> ByteStream {
        enum Piece {
            Bytes(Bytes),
            Object { key: String, from: u64, to: u64, size: u64 },
            Header { index: usize, from: usize, to: usize },
        }
        let mut pieces = Vec::new();
        let mut at = 0_u64;
        // Adds the part of the segment [at, at + len) inside the range.
        let overlap = |at: u64, len: u64| -> Option<(u64, u64)> {
            let (a, b) = (at.max(start), (at + len).min(end + 1));
            (len > 0 && a < b).then(|| (a - at, b - at - 1))
        };
        for (index, e) in self.entries.iter().enumerate() {
            let size = e.size();
            if let Some((a, b)) = overlap(at, BLOCK) {
                pieces.push(Piece::Header { index, from: a as usize, to: b as usize });
            }
            at += BLOCK;
            if let Some((a, b)) = overlap(at, size) {
                pieces.push(match &e.source {
                    Source::Memory(m) => Piece::Bytes(m.slice(a as usize..=b as usize)),
                    Source::Object { key, size } => Piece::Object { key: key.clone(), from: a, to: b, size: *size },
                });
            }
            at += size;
            let pad = padding(size);
            if let Some((a, b)) = overlap(at, pad) {
                pieces.push(Piece::Bytes(Bytes::from(vec![0_u8; (b - a + 1) as usize])));
            }
            at += pad;
        }
        if let Some((a, b)) = overlap(at, 2 * BLOCK) {
            pieces.push(Piece::Bytes(Bytes::from(vec![0_u8; (b - a + 1) as usize])));
        }
        let this = self.clone();
        futures::stream::iter(pieces)
            .then(move |p| {
                let storage = storage.clone();
                let this = this.clone();
                async move {
                    let one = |r: std::io::Result<Bytes>| futures::stream::once(async move { r }).boxed();
                    match p {
                        Piece::Bytes(b) => one(Ok(b)),
                        Piece::Header { index, from, to } => {
                            one(this.header(&this.entries[index]).map(|h| Bytes::copy_from_slice(&h[from..=to])))
                        }
                        Piece::Object { key, from, to, size } => {
                            let range = (from > 0 || to + 1 < size).then(|| ByteRange::new(from, to));
                            match storage.get(&key, range).await {
                                Ok(got) => exact(got.body, to - from + 1),
                                Err(e) => one(Err(std::io::Error::other(e.to_string()))),
                            }
                        }
                    }
                }
            })
            .flatten()
            .boxed()
    }
}

/// Passes `body` through, failing the stream if it does not carry exactly `expected` bytes (a shorter object
/// would shift every later entry of the archive).
fn exact(body: ByteStream, expected: u64) -> ByteStream {
    let mut seen = 0_u64;
    let mut checked = false;
    body.map(Some)
        .chain(futures::stream::once(async { None }))
        .filter_map(move |item| {
            let out = match item {
                Some(Ok(b)) => {
                    seen += b.len() as u64;
                    if seen > expected {
                        Some(Err(std::io::Error::other("an object is longer than its recorded size")))
                    } else {
                        Some(Ok(b))
                    }
                }
                Some(Err(e)) => Some(Err(e)),
                None if !checked && seen != expected => {
                    checked = true;
                    Some(Err(std::io::Error::other("an object is shorter than its recorded size")))
                }
                None => None,
            };
            futures::future::ready(out)
        })
        .boxed()
}

// ------------------------------------------------------------------------------------------------------ zip

const U32_MAX: u64 = 0xFFFF_FFFF;

/// A zip archive of stored entries with data descriptors (see the module doc).
#[derive(Debug, Clone)]
pub(crate) struct ZipLayout {
    entries: Arc<Vec<Entry>>,
    dos_time: u16,
    dos_date: u16,
}

struct CentralRecord {
    crc: u32,
    size: u64,
    offset: u64,
}

impl ZipLayout {
    pub(crate) fn new(entries: Vec<Entry>, mtime: DateTime<Utc>) -> Self {
        let year = u16::try_from(mtime.year().clamp(1980, 2107) - 1980).unwrap_or(0);
        let dos_date =
            (year << 9) | (u16::try_from(mtime.month()).unwrap_or(1) << 5) | u16::try_from(mtime.day()).unwrap_or(1);
        let dos_time = (u16::try_from(mtime.hour()).unwrap_or(0) << 11)
            | (u16::try_from(mtime.minute()).unwrap_or(0) << 5)
            | u16::try_from(mtime.second() / 2).unwrap_or(0);
        Self { entries: Arc::new(entries), dos_time, dos_date }
    }

    fn local_len(e: &Entry) -> u64 {
        30 + e.path.len() as u64 + if e.size() >= U32_MAX { 20 } else { 0 }
    }

    fn descriptor_len(e: &Entry) -> u64 {
        if e.size() >= U32_MAX { 24 } else { 16 }
    }

    fn central_len(e: &Entry, offset: u64) -> u64 {
        let mut extra = 0;
        if e.size() >= U32_MAX {
            extra += 16;
        }
        if offset >= U32_MAX {
            extra += 8;
        }
        46 + e.path.len() as u64 + if extra > 0 { 4 + extra } else { 0 }
    }

    /// The archive's length: it depends on names and sizes only.
    pub(crate) fn len(&self) -> u64 {
        let mut offset = 0;
        let mut central = 0;
        for e in self.entries.iter() {
            central += Self::central_len(e, offset);
            offset += Self::local_len(e) + e.size() + Self::descriptor_len(e);
        }
        let zip64 = Self::needs_zip64_end(self.entries.len(), offset, central);
        offset + central + if zip64 { 56 + 20 } else { 0 } + 22
    }

    fn needs_zip64_end(count: usize, cd_offset: u64, cd_size: u64) -> bool {
        count >= 0xFFFF || cd_offset >= U32_MAX || cd_size >= U32_MAX
    }

    fn local_header(&self, e: &Entry) -> Bytes {
        let big = e.size() >= U32_MAX;
        let mut h = Vec::with_capacity(Self::local_len(e) as usize);
        h.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
        h.extend_from_slice(&(if big { 45_u16 } else { 20 }).to_le_bytes());
        // Bit 3: sizes and CRC follow the data; bit 11: the name is UTF-8.
        h.extend_from_slice(&0x0808_u16.to_le_bytes());
        h.extend_from_slice(&0_u16.to_le_bytes());
        h.extend_from_slice(&self.dos_time.to_le_bytes());
        h.extend_from_slice(&self.dos_date.to_le_bytes());
        h.extend_from_slice(&0_u32.to_le_bytes());
        let s = if big { u32::MAX } else { 0 };
        h.extend_from_slice(&s.to_le_bytes());
        h.extend_from_slice(&s.to_le_bytes());
        h.extend_from_slice(&u16::try_from(e.path.len()).unwrap_or(u16::MAX).to_le_bytes());
        h.extend_from_slice(&(if big { 20_u16 } else { 0 }).to_le_bytes());
        h.extend_from_slice(e.path.as_bytes());
        if big {
            h.extend_from_slice(&1_u16.to_le_bytes());
            h.extend_from_slice(&16_u16.to_le_bytes());
            h.extend_from_slice(&[0_u8; 16]);
        }
        Bytes::from(h)
    }

    fn descriptor(e: &Entry, crc: u32) -> Bytes {
        let mut d = Vec::with_capacity(24);
        d.extend_from_slice(&0x0807_4b50_u32.to_le_bytes());
        d.extend_from_slice(&crc.to_le_bytes());
        if e.size() >= U32_MAX {
            d.extend_from_slice(&e.size().to_le_bytes());
            d.extend_from_slice(&e.size().to_le_bytes());
        } else {
            let s = u32::try_from(e.size()).unwrap_or(u32::MAX);
            d.extend_from_slice(&s.to_le_bytes());
            d.extend_from_slice(&s.to_le_bytes());
        }
        Bytes::from(d)
    }

    fn central_directory(&self, records: &[CentralRecord], cd_offset: u64) -> Bytes {
        let mut c = Vec::new();
        for (e, r) in self.entries.iter().zip(records) {
            let big = r.size >= U32_MAX;
            let far = r.offset >= U32_MAX;
            let mut extra = Vec::new();
            if big {
                extra.extend_from_slice(&r.size.to_le_bytes());
                extra.extend_from_slice(&r.size.to_le_bytes());
            }
            if far {
                extra.extend_from_slice(&r.offset.to_le_bytes());
            }
            let zip64 = big || far;
            c.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
            // Made by: Unix, spec 4.5; needed: 4.5 with ZIP64, else 2.0.
            c.extend_from_slice(&0x032d_u16.to_le_bytes());
            c.extend_from_slice(&(if zip64 { 45_u16 } else { 20 }).to_le_bytes());
            c.extend_from_slice(&0x0808_u16.to_le_bytes());
            c.extend_from_slice(&0_u16.to_le_bytes());
            c.extend_from_slice(&self.dos_time.to_le_bytes());
            c.extend_from_slice(&self.dos_date.to_le_bytes());
            c.extend_from_slice(&r.crc.to_le_bytes());
            let s = if big { u32::MAX } else { u32::try_from(r.size).unwrap_or(u32::MAX) };
            c.extend_from_slice(&s.to_le_bytes());
            c.extend_from_slice(&s.to_le_bytes());
            c.extend_from_slice(&u16::try_from(e.path.len()).unwrap_or(u16::MAX).to_le_bytes());
            let extra_len = if extra.is_empty() { 0 } else { extra.len() + 4 };
            c.extend_from_slice(&u16::try_from(extra_len).unwrap_or(0).to_le_bytes());
            c.extend_from_slice(&0_u16.to_le_bytes()); // comment
            c.extend_from_slice(&0_u16.to_le_bytes()); // disk
            c.extend_from_slice(&0_u16.to_le_bytes()); // internal attributes
            c.extend_from_slice(&(0o100_644_u32 << 16).to_le_bytes());
            let o = if far { u32::MAX } else { u32::try_from(r.offset).unwrap_or(u32::MAX) };
            c.extend_from_slice(&o.to_le_bytes());
            c.extend_from_slice(e.path.as_bytes());
            if !extra.is_empty() {
                c.extend_from_slice(&1_u16.to_le_bytes());
                c.extend_from_slice(&u16::try_from(extra.len()).unwrap_or(0).to_le_bytes());
                c.extend_from_slice(&extra);
            }
        }
        let cd_size = c.len() as u64;
        let count = self.entries.len() as u64;
        let zip64 = Self::needs_zip64_end(self.entries.len(), cd_offset, cd_size);
        if zip64 {
            let eocd64_at = cd_offset + cd_size;
            c.extend_from_slice(&0x0606_4b50_u32.to_le_bytes());
            c.extend_from_slice(&44_u64.to_le_bytes());
            c.extend_from_slice(&0x032d_u16.to_le_bytes());
            c.extend_from_slice(&45_u16.to_le_bytes());
            c.extend_from_slice(&0_u32.to_le_bytes());
            c.extend_from_slice(&0_u32.to_le_bytes());
            c.extend_from_slice(&count.to_le_bytes());
            c.extend_from_slice(&count.to_le_bytes());
            c.extend_from_slice(&cd_size.to_le_bytes());
            c.extend_from_slice(&cd_offset.to_le_bytes());
            c.extend_from_slice(&0x0706_4b50_u32.to_le_bytes());
            c.extend_from_slice(&0_u32.to_le_bytes());
            c.extend_from_slice(&eocd64_at.to_le_bytes());
            c.extend_from_slice(&1_u32.to_le_bytes());
        }
        let n16 = if zip64 { u16::MAX } else { u16::try_from(count).unwrap_or(u16::MAX) };
        let clamp32 = |v: u64| if zip64 { u32::MAX } else { u32::try_from(v).unwrap_or(u32::MAX) };
        c.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
        c.extend_from_slice(&0_u16.to_le_bytes());
        c.extend_from_slice(&0_u16.to_le_bytes());
        c.extend_from_slice(&n16.to_le_bytes());
        c.extend_from_slice(&n16.to_le_bytes());
        c.extend_from_slice(&clamp32(cd_size).to_le_bytes());
        c.extend_from_slice(&clamp32(cd_offset).to_le_bytes());
        c.extend_from_slice(&0_u16.to_le_bytes());
        Bytes::from(c)
    }

    /// The whole archive as a stream; each object is opened when its entry is reached.
    pub(crate) fn stream(&self, storage: Arc<dyn ObjectStore>) -> ByteStream {
        struct State {
            layout: ZipLayout,
            storage: Arc<dyn ObjectStore>,
            next: usize,
            offset: u64,
            body: Option<(ByteStream, crc32fast::Hasher)>,
            records: Vec<CentralRecord>,
            finished: bool,
        }
        let state = State {
            layout: self.clone(),
            storage,
            next: 0,
            offset: 0,
            body: None,
            records: Vec::with_capacity(self.entries.len()),
            finished: false,
        };
        futures::stream::unfold(state, |mut s| async move {
            if s.finished {
                return None;
            }
            if let Some((body, crc)) = s.body.as_mut() {
                match body.next().await {
                    Some(Ok(b)) => {
                        crc.update(&b);
                        return Some((Ok(b), s));
                    }
                    Some(Err(e)) => {
                        s.finished = true;
                        return Some((Err(e), s));
                    }
                    None => {
                        let (_, crc) = s.body.take()?;
                        let crc = crc.finalize();
                        let e = &s.layout.entries[s.next - 1];
                        let d = ZipLayout::descriptor(e, crc);
                        s.offset += e.size() + d.len() as u64;
                        if let Some(r) = s.records.last_mut() {
                            r.crc = crc;
                        }
                        return Some((Ok(d), s));
                    }
                }
            }
            if let Some(e) = s.layout.entries.get(s.next).cloned() {
                s.next += 1;
                let header = s.layout.local_header(&e);
                s.records.push(CentralRecord { crc: 0, size: e.size(), offset: s.offset });
                s.offset += header.len() as u64;
                let body = match &e.source {
                    Source::Memory(m) => {
                        let m = m.clone();
                        futures::stream::once(async move { Ok(m) }).boxed()
                    }
                    Source::Object { size: 0, .. } => futures::stream::empty().boxed(),
                    Source::Object { key, size } => match s.storage.get(key, None).await {
                        Ok(got) => exact(got.body, *size),
                        Err(err) => {
                            s.finished = true;
                            return Some((Err(std::io::Error::other(err.to_string())), s));
                        }
                    },
                };
                s.body = Some((body, crc32fast::Hasher::new()));
                return Some((Ok(header), s));
            }
            s.finished = true;
            let cd = s.layout.central_directory(&s.records, s.offset);
            Some((Ok(cd), s))
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ustar_fits() {
        assert!(fits_ustar(&"a".repeat(100)));
        assert!(!fits_ustar(&"a".repeat(101)));
        assert!(fits_ustar(&format!("{}/{}", "d".repeat(150), "f".repeat(90))));
        assert!(!fits_ustar(&format!("{}/{}", "d".repeat(160), "f".repeat(60))));
    }

    /// ZIP64 for real: an entry over 4 GiB (a sparse object on the filesystem backend, with a few marked bytes)
    /// between small ones, so both a ZIP64 size and a ZIP64 offset (the entry after it) are needed. The archive
    /// is written sparsely (runs of zeros become holes), then `unzip -t` checks every CRC and Python's `zipfile`
    /// reads the central directory: sizes, offsets, and the big entry's CRC against one computed from the source.
    /// Runs on the SQLite pass only (nothing here touches a database; it reads 4 GiB twice).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_entry_over_4_gib_makes_a_valid_zip64_archive() {
        use std::io::{Seek as _, SeekFrom, Write as _};
        if std::env::var_os("TEST_DATABASE_URL").is_some() {
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let store = meridian_storage::FilesystemStore::open(dir.path().join("store")).await.expect("store");
        let big: u64 = (1 << 32) + 3 * 1024 * 1024 + 12_345;
        std::fs::create_dir_all(dir.path().join("store/ws")).expect("dir");
        {
            let mut f = std::fs::File::create(dir.path().join("store/ws/big.raw")).expect("object");
            f.set_len(big).expect("sparse");
            for (at, mark) in [(0, &b"FIRST"[..]), ((1 << 32) - 2, b"ACROSS"), (big - 4, b"LAST")] {
                f.seek(SeekFrom::Start(at)).expect("seek");
                f.write_all(mark).expect("mark");
            }
        }
        let entries = vec![
            Entry { path: "manifest.json".into(), source: Source::Memory(Bytes::from_static(b"{\"files\": 2}")) },
            Entry { path: "data/big.raw".into(), source: Source::Object { key: "ws/big.raw".into(), size: big } },
            Entry { path: "data/after.txt".into(), source: Source::Memory(Bytes::from_static(b"after the big one")) },
        ];
        let layout = ZipLayout::new(entries, Utc::now());
        let announced = layout.len();
        let store: Arc<dyn ObjectStore> = Arc::new(store);
        let mut body = layout.stream(store);
        let out_path = dir.path().join("out.zip");
        let mut out = std::fs::File::create(&out_path).expect("out");
        let mut written: u64 = 0;
        static ZEROS: [u8; 4096] = [0; 4096];
        while let Some(chunk) = body.next().await {
            let chunk = chunk.expect("chunk");
            // Compared a block at a time (memcmp): a byte loop over 4 GiB is slow in an unoptimised test build.
            if chunk.chunks(ZEROS.len()).all(|c| c == &ZEROS[..c.len()]) {
                out.seek(SeekFrom::Current(i64::try_from(chunk.len()).expect("len"))).expect("hole");
            } else {
                out.write_all(&chunk).expect("write");
            }
            written += chunk.len() as u64;
        }
        out.set_len(written).expect("length");
        drop(out);
        assert_eq!(written, announced, "the announced Content-Length is what streams");
        assert!(written > big + 150, "{written}");

        let run = |cmd: &mut std::process::Command| {
            let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?} (is it installed?): {e}"));
            let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            assert!(o.status.success(), "{cmd:?}: {text}");
            text
        };
        let tested = run(std::process::Command::new("unzip").arg("-t").arg(&out_path));
        assert!(tested.contains("No errors detected"), "{tested}");
        let script = r#"
import sys, zipfile, zlib
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    print(i.filename, i.file_size, i.header_offset, i.CRC)
crc = 0
with open(sys.argv[2], 'rb') as f:
    while True:
        b = f.read(1 << 24)
        if not b:
            break
        crc = zlib.crc32(b, crc)
print('source', crc)
print(z.read('data/after.txt').decode())
"#;
        let listing = run(std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&out_path)
            .arg(dir.path().join("store/ws/big.raw")));
        let lines: Vec<Vec<&str>> = listing.lines().map(|l| l.split(' ').collect()).collect();
        assert_eq!(lines[0][..3], ["manifest.json", "12", "0"], "{listing}");
        assert_eq!(lines[1][..2], ["data/big.raw", big.to_string().as_str()], "{listing}");
        let after_offset: u64 = lines[2][2].parse().expect("offset");
        assert_eq!(lines[2][..2], ["data/after.txt", "17"], "{listing}");
        assert!(after_offset > big, "the entry after the big one sits beyond 4 GiB (a ZIP64 offset): {listing}");
        assert_eq!(lines[3], ["source", lines[1][3]], "the big entry's CRC is the source file's: {listing}");
        assert_eq!(lines[4].join(" "), "after the big one", "{listing}");
    }

    #[test]
    fn tar_length_counts_headers_padding_and_end() {
        let e = |n: usize| Entry { path: format!("f{n}"), source: Source::Memory(Bytes::from(vec![1_u8; n])) };
        let t = TarLayout::new(vec![e(0), e(1), e(512), e(513)], Utc::now());
        assert_eq!(t.len(), 4 * 512 + 512 + 512 + 1024 + 1024);
    }
}
