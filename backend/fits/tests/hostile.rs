//! Files that are broken, hostile or just odd: each gives a clear error or a warning, never a panic, and no read
//! grows with what a header claims.

use std::io::{Cursor, Write};
use std::path::Path;

use meridian_fits::{FitsError, Limits, preview_png, read_headers, read_headers_with_limits, summarize};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)).expect("test file")
}

fn card(text: &str) -> Vec<u8> {
    format!("{text:<80}").into_bytes()
}

fn header(cards: &[&str]) -> Vec<u8> {
    let mut bytes: Vec<u8> = cards.iter().flat_map(|c| card(c)).collect();
    bytes.extend(card("END"));
    bytes.resize(bytes.len().div_ceil(2880) * 2880, b' ');
    bytes
}

fn primary(naxis: &[u64]) -> Vec<u8> {
    let mut cards = vec!["SIMPLE  =                    T".to_owned(), "BITPIX  =                    8".to_owned()];
    cards.push(format!("NAXIS   = {:>20}", naxis.len()));
    for (i, n) in naxis.iter().enumerate() {
        cards.push(format!("NAXIS{:<3}= {n:>20}", i + 1));
    }
    let cards: Vec<&str> = cards.iter().map(String::as_str).collect();
    header(&cards)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

fn error(bytes: &[u8]) -> FitsError {
    read_headers(Cursor::new(bytes)).expect_err("should not read")
}

#[test]
fn malformed_files_give_clear_errors() {
    let truncated = error(&data("truncated.fits"));
    assert!(matches!(truncated, FitsError::Truncated(_)), "{truncated}");
    assert!(truncated.to_string().contains("HDU 1: the data unit should have 3200 bytes"), "{truncated}");
    let repaired = read_headers(Cursor::new(data("group_invalid.fits"))).expect("kept as written");
    assert_eq!(repaired.hdus[0].value("NAXIS"), Some(&meridian_fits::CardValue::Integer(0)));

    let no_end = error(&data("missing_end.fits"));
    assert!(matches!(no_end, FitsError::Truncated(_)) && no_end.to_string().contains("before its END"), "{no_end}");

    assert!(matches!(error(&data("not_fits.txt")), FitsError::NotFits(_)));
    assert!(matches!(error(&data("lzw.fits.Z")), FitsError::NotFits(_)), "unix compress is not read");
    assert!(matches!(error(b""), FitsError::Empty));
    assert!(matches!(error(b"SIMPLE  =                    T"), FitsError::Truncated(_)));
    assert!(matches!(error(&gzip(b"hello")), FitsError::NotFits(_)));
    let corrupt_gzip = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff];
    assert!(matches!(error(&corrupt_gzip), FitsError::Gzip(_) | FitsError::Truncated(_)));
    let mut cut_gzip = gzip(&data("observation.fits"));
    cut_gzip.truncate(cut_gzip.len() / 2);
    assert!(matches!(error(&cut_gzip), FitsError::Truncated(_)), "{}", error(&cut_gzip));
}

#[test]
fn mandatory_keywords_are_checked() {
    let bad = |cards: &[&str]| error(&header(cards)).to_string();
    assert!(bad(&["SIMPLE  =                    T", "NAXIS   =                    0"]).contains("BITPIX is missing"));
    assert!(
        bad(&["SIMPLE  =                    T", "BITPIX  =                   12", "NAXIS   = 0"]).contains("BITPIX")
    );
    assert!(
        bad(&["SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =  1000"]).contains("NAXIS")
    );
    let negative = bad(&["SIMPLE  =                    T", "BITPIX  = 8", "NAXIS   = 1", "NAXIS1  = -5"]);
    assert!(negative.contains("NAXIS1 must not be negative"), "{negative}");
    let overflow = bad(&[
        "SIMPLE  =                    T",
        "BITPIX  =                  -64",
        "NAXIS   =                    3",
        "NAXIS1  =  9223372036854775807",
        "NAXIS2  =  9223372036854775807",
        "NAXIS3  =                    2",
    ]);
    assert!(overflow.contains("overflows"), "{overflow}");
    // A data unit of 10^12 bytes claimed by 3 KB of file: read through until the file ends, then reported.
    let huge = error(&primary(&[1_000_000, 1_000_000]));
    assert!(matches!(huge, FitsError::Truncated(_)), "{huge}");
}

#[test]
fn odd_cards_are_kept_with_warnings() {
    let headers = read_headers(Cursor::new(data("garbage_cards.fits"))).expect("readable");
    let warnings = headers.warnings.join("\n");
    for word in ["LONELY", "NOTAVAL", "not printable ASCII"] {
        assert!(warnings.contains(word), "{word} not in {warnings}");
    }
    let summary = summarize(&headers);
    let summary_warnings = summary.warnings.join("\n");
    for keyword in ["EXPTIME", "DEC", "DATE-OBS"] {
        assert!(summary_warnings.contains(keyword), "{keyword} not in {summary_warnings}");
    }
    assert_eq!(summary.frame_type, Some(meridian_domain::FrameType::Bias));

    let trailing = read_headers(Cursor::new(data("trailing_bytes.fits"))).expect("readable");
    assert_eq!(trailing.hdus.len(), 1);
    assert!(trailing.warnings[0].contains("after the last HDU"), "{:?}", trailing.warnings);
}

#[test]
fn counts_are_capped() {
    let mut many = primary(&[]);
    for _ in 0..12 {
        many.extend(header(&[
            "XTENSION= 'IMAGE   '",
            "BITPIX  =                    8",
            "NAXIS   =                    0",
            "PCOUNT  =                    0",
            "GCOUNT  =                    1",
        ]));
    }
    assert_eq!(read_headers(Cursor::new(&many)).expect("13 HDUs").hdus.len(), 13);
    let limits = Limits { max_hdus: 10, ..Limits::default() };
    let err = read_headers_with_limits(Cursor::new(&many), &limits).expect_err("too many HDUs");
    assert!(matches!(err, FitsError::Limit(_)) && err.to_string().contains("10 HDUs"), "{err}");
    let exactly = Limits { max_hdus: 13, ..Limits::default() };
    assert_eq!(read_headers_with_limits(Cursor::new(&many), &exactly).expect("13 is allowed").hdus.len(), 13);
    // A second header cut short is a truncated file, not junk after the end.
    let cut = &many[..2880 + 1000];
    assert!(matches!(read_headers(Cursor::new(cut)), Err(FitsError::Truncated(_))));

    let mut endless = card("SIMPLE  =                    T");
    for i in 0..10_100 {
        endless.extend(card(&format!("KEY{i:<5}= {i:>20}")));
    }
    endless.resize(endless.len().div_ceil(2880) * 2880, b' ');
    let err = error(&endless);
    assert!(matches!(err, FitsError::Limit(_)) && err.to_string().contains("10000 cards"), "{err}");
}

#[test]
fn gzip_bombs_are_stopped() {
    // A valid header claiming 1 TB of data, followed by 40 MB of zeros, compressed about 1000:1.
    let mut bomb = primary(&[1_000_000, 1_000_000]);
    bomb.resize(40 << 20, 0);
    let compressed = gzip(&bomb);
    assert!(compressed.len() < 100_000, "{} bytes", compressed.len());

    let by_ratio = Limits { ratio_check_after: 8 << 20, ..Limits::default() };
    let err = read_headers_with_limits(Cursor::new(&compressed), &by_ratio).expect_err("a bomb");
    assert!(err.to_string().contains("gzip bomb"), "{err}");

    let by_size = Limits { max_decompressed_bytes: 4 << 20, ..Limits::default() };
    let err = read_headers_with_limits(Cursor::new(&compressed), &by_size).expect_err("too big");
    assert!(err.to_string().contains("after gzip decompression"), "{err}");
}

#[test]
fn gzip_is_told_by_its_bytes_not_its_name() {
    let plain = read_headers(Cursor::new(data("test0.fits"))).expect("plain");
    let zipped = read_headers(Cursor::new(data("test0.fits.gz"))).expect("gzip");
    assert_eq!(plain.hdus, zipped.hdus);
    assert_eq!(zipped.compression, meridian_fits::Compression::Gzip);
    assert_eq!(plain.compression, meridian_fits::Compression::None);
    let tiles = read_headers(Cursor::new(data("comp.fits"))).expect("tile-compressed");
    assert_eq!(tiles.compression, meridian_fits::Compression::Tile);
    assert_eq!(tiles.hdus[1].raw_cards.first().map(|c| c.keyword.as_str()), Some("XTENSION"));
    assert!(tiles.hdus[1].raw_cards.iter().any(|c| c.keyword == "ZCMPTYPE"));
    assert!(!tiles.hdus[1].cards.iter().any(|c| c.keyword == "ZCMPTYPE"));
}

/// xorshift64*, so the mutations are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Broken copies of the real files (bytes flipped, cards overwritten, cut short) read without panicking.
#[test]
fn mutated_files_never_panic() {
    let files = ["test0.fits", "comp.fits", "observation.fits", "random_groups.fits", "garbage_cards.fits"];
    let mutations = ["'", "= '", "= (1,", "NAXIS1  = 99999999999", "BITPIX  = -64", "XTENSION= 'BINTABLE'"];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for name in files {
        let original = data(name);
        for _ in 0..60 {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len().min(12_000));
                match rng.below(3) {
                    0 => bytes[at] = rng.next() as u8,
                    1 => {
                        let text = mutations[rng.below(mutations.len())].as_bytes();
                        let end = (at + text.len()).min(bytes.len());
                        bytes[at..end].copy_from_slice(&text[..end - at]);
                    }
                    _ => bytes.truncate(at.max(1)),
                }
            }
            if let Ok(headers) = read_headers(Cursor::new(&bytes)) {
                let _ = summarize(&headers);
            }
            let _ = preview_png(Cursor::new(&bytes), 64);
            bytes.truncate(8000);
            let _ = read_headers(Cursor::new(gzip(&bytes)));
        }
    }
}

/// Skipping data units by seeking gives the same headers, warnings and errors as reading through them.
#[test]
fn seeking_reads_the_same_as_streaming() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for entry in std::fs::read_dir(dir).expect("data") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("file");
        let streamed = read_headers(Cursor::new(&bytes));
        let seeked = meridian_fits::read_headers_seekable(Cursor::new(&bytes));
        match (streamed, seeked) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", path.display()),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", path.display()),
            (a, b) => panic!("{}: {a:?} vs {b:?}", path.display()),
        }
    }
    // Reading starts where the reader is.
    let mut shifted = b"junk".to_vec();
    shifted.extend(data("test0.fits"));
    let mut cursor = Cursor::new(&shifted);
    cursor.set_position(4);
    assert_eq!(meridian_fits::read_headers_seekable(cursor).expect("test0").hdus.len(), 5);
}

/// A seekable single-member gzip file whose trailer says the stream ends with the last header's data unit is not
/// inflated past that header: headers only, data unread (and so unchecked).
#[test]
fn a_seekable_gzip_file_is_not_inflated_past_its_last_header() {
    let mut zipped = data("observation.fits.gz");
    let (streamed, seeked) = (
        read_headers(Cursor::new(&zipped)).expect("streamed"),
        meridian_fits::read_headers_seekable(Cursor::new(&zipped)).expect("seeked"),
    );
    assert_eq!(streamed, seeked);
    // Spoil the compressed data far past the header: streaming notices, the seekable read never gets there.
    let middle = zipped.len() / 2;
    for b in &mut zipped[middle..middle + 64] {
        *b = 0xff;
    }
    assert!(read_headers(Cursor::new(&zipped)).is_err());
    assert_eq!(meridian_fits::read_headers_seekable(Cursor::new(&zipped)).expect("headers").hdus, seeked.hdus);
    // A multi-HDU gzip file is still read through: its trailer's size is not where the first data unit ends.
    let multi = data("test0.fits.gz");
    assert_eq!(meridian_fits::read_headers_seekable(Cursor::new(&multi)).expect("test0").hdus.len(), 5);
}
