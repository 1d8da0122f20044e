//! Decoding tile-compressed images (the FITS tiled image convention, FITS 4.0 §10) for previews: `RICE_1` and
//! `GZIP_1` tiles, integer images and quantized floating-point ones (no dither, `SUBTRACTIVE_DITHER_1` and `_2`).
//! Written from the standard's description. `GZIP_2`, `PLIO_1` and `HCOMPRESS_1` are not decoded: the caller gets
//! `None` and makes no preview. Every size and offset read from the table is checked against the data it points
//! into; a malformed tile is an error, never a panic.

use std::io::Read;
use std::sync::OnceLock;

use crate::FitsError;
use crate::card::{Card, CardValue};
use crate::hdu::Hdu;
use crate::pixels::Scaling;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Codec {
    Rice { block: usize, bytepix: usize },
    Gzip,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dither {
    None,
    Subtractive1,
    /// Like 1, but exact zeros are kept as zeros.
    Subtractive2,
}

/// A column of the binary table: where it sits in a row and its type letter.
#[derive(Debug, Clone, Copy)]
struct Column {
    offset: usize,
    kind: u8,
    /// For `P`/`Q` descriptors, the element type.
    element: u8,
}

/// What the table's header says about the compressed image.
#[derive(Debug)]
pub(crate) struct Layout {
    row_len: usize,
    rows: usize,
    heap: usize,
    data: Column,
    scale: Option<Column>,
    zero: Option<Column>,
    blank_column: Option<Column>,
    blank: Option<i64>,
    codec: Codec,
    zbitpix: i64,
    dither: Dither,
    dither_seed: i64,
    width: usize,
    height: usize,
    tile: (usize, usize),
}

fn get<'a>(cards: &'a [Card], keyword: &str) -> Option<&'a CardValue> {
    cards.iter().find(|c| c.keyword == keyword).map(|c| &c.value)
}

fn int(cards: &[Card], keyword: &str) -> Option<i64> {
    get(cards, keyword).and_then(CardValue::as_i64)
}

fn size(cards: &[Card], keyword: &str) -> Option<usize> {
    int(cards, keyword).and_then(|v| usize::try_from(v).ok())
}

/// The bytes one field of `TFORM` takes in a row (`1PB(12)` → 8), with its type letters.
fn column_width(tform: &str) -> Option<(usize, u8, u8)> {
    let tform = tform.trim();
    let digits = tform.bytes().take_while(u8::is_ascii_digit).count();
    let repeat: usize = if digits == 0 { 1 } else { tform[..digits].parse().ok()? };
    let rest = &tform.as_bytes()[digits..];
    let kind = *rest.first()?;
    let element = rest.get(1).copied().unwrap_or(0);
    let width = match kind {
        b'L' | b'B' | b'A' => 1,
        b'I' => 2,
        b'J' | b'E' => 4,
        b'K' | b'D' | b'C' | b'P' => 8,
        b'M' | b'Q' => 16,
        b'X' => return Some((repeat.div_ceil(8), kind, element)),
        _ => return None,
    };
    Some((repeat.checked_mul(width)?, kind, element))
}

impl Layout {
    /// `None` when the image uses something we do not decode (or the table does not describe one we can).
    pub(crate) fn of(hdu: &Hdu) -> Option<Self> {
        let cards = &hdu.raw_cards;
        let row_len = size(cards, "NAXIS1")?;
        let rows = size(cards, "NAXIS2")?;
        let heap = match size(cards, "THEAP") {
            Some(theap) => theap,
            None => row_len.checked_mul(rows)?,
        };
        let mut columns = Vec::new();
        let mut offset = 0usize;
        for n in 1..=size(cards, "TFIELDS")?.min(999) {
            let (width, kind, element) = column_width(get(cards, &format!("TFORM{n}"))?.as_str()?)?;
            let name = get(cards, &format!("TTYPE{n}")).and_then(CardValue::as_str).unwrap_or_default();
            columns.push((name.to_owned(), Column { offset, kind, element }));
            offset = offset.checked_add(width)?;
        }
        if offset > row_len {
            return None;
        }
        let column = |name: &str| columns.iter().find(|(n, _)| n == name).map(|(_, c)| *c);
        let data = column("COMPRESSED_DATA").filter(|c| matches!(c.kind, b'P' | b'Q') && c.element == b'B')?;
        let scale = column("ZSCALE").filter(|c| c.kind == b'D');
        let zero = column("ZZERO").filter(|c| c.kind == b'D');
        let blank_column = column("ZBLANK").filter(|c| c.kind == b'J');

        let zval = |name: &str| {
            cards.iter().find_map(|c| match (c.keyword.strip_prefix("ZNAME"), c.value.as_str()) {
                (Some(n), Some(found)) if found == name => int(cards, &format!("ZVAL{n}")),
                _ => None,
            })
        };
        let zbitpix = int(cards, "ZBITPIX")?;
        let codec = match get(cards, "ZCMPTYPE")?.as_str()? {
            "RICE_1" | "RICE_ONE" => Codec::Rice {
                block: usize::try_from(zval("BLOCKSIZE").unwrap_or(32)).ok().filter(|b| *b > 0)?,
                bytepix: usize::try_from(zval("BYTEPIX").unwrap_or(4)).ok().filter(|b| matches!(b, 1 | 2 | 4))?,
            },
            "GZIP_1" => Codec::Gzip,
            _ => return None,
        };
        let dither = match get(cards, "ZQUANTIZ").and_then(CardValue::as_str) {
            None | Some("NO_DITHER") => Dither::None,
            Some("SUBTRACTIVE_DITHER_1") => Dither::Subtractive1,
            Some("SUBTRACTIVE_DITHER_2") => Dither::Subtractive2,
            Some(_) => return None,
        };
        let (width, height) = (*hdu.shape.first()?, *hdu.shape.get(1)?);
        let tile = (size(cards, "ZTILE1").unwrap_or(usize::try_from(width).ok()?), size(cards, "ZTILE2").unwrap_or(1));
        if tile.0 == 0
            || tile.1 == 0
            || (3..=hdu.shape.len()).any(|n| size(cards, &format!("ZTILE{n}")).unwrap_or(1) != 1)
        {
            return None;
        }
        let quantized = zbitpix < 0 && scale.is_some() && zero.is_some();
        if zbitpix < 0 && !quantized && codec != Codec::Gzip {
            return None;
        }
        Some(Self {
            row_len,
            rows,
            heap,
            data,
            scale: if quantized { scale } else { None },
            zero: if quantized { zero } else { None },
            blank_column,
            blank: int(cards, "ZBLANK").or_else(|| int(&hdu.cards, "BLANK").filter(|_| zbitpix > 0)),
            codec,
            zbitpix,
            dither,
            dither_seed: int(cards, "ZDITHER0").unwrap_or(1),
            width: usize::try_from(width).ok()?,
            height: usize::try_from(height).ok()?,
            tile,
        })
    }

    /// Decodes every tile of `data` (the whole data unit: table and heap), handing each pixel's physical value to
    /// `each(x, y, value)`, with NaN for no value.
    pub(crate) fn decode(
        &self,
        hdu: &Hdu,
        data: &[u8],
        mut each: impl FnMut(usize, usize, f64),
    ) -> Result<(), FitsError> {
        let fail = |tile: usize, what: &str| FitsError::header(hdu.index, format!("compressed tile {tile}: {what}"));
        let tiles_x = self.width.div_ceil(self.tile.0);
        let tiles_y = self.height.div_ceil(self.tile.1);
        let tiles = tiles_x.checked_mul(tiles_y).ok_or_else(|| fail(0, "too many tiles"))?;
        if tiles > self.rows {
            return Err(fail(self.rows, "the table has fewer rows than the image has tiles"));
        }
        let heap = data.get(self.heap..).ok_or_else(|| fail(0, "THEAP points past the data"))?;
        let scaling = Scaling::of(hdu);
        let mut values: Vec<i64> = Vec::new();
        let mut raw: Vec<u8> = Vec::new();
        for t in 0..tiles {
            let row = data.get(t * self.row_len..(t + 1) * self.row_len).ok_or_else(|| fail(t, "row missing"))?;
            let (tx, ty) = (t % tiles_x, t / tiles_x);
            let tile_w = self.tile.0.min(self.width - tx * self.tile.0);
            let tile_h = self.tile.1.min(self.height - ty * self.tile.1);
            let n = tile_w * tile_h;
            if n > MAX_TILE_PIXELS {
                return Err(fail(t, "tiles of more than 16 million pixels are not decoded for previews"));
            }
            let (count, offset) = descriptor(row, self.data).ok_or_else(|| fail(t, "bad descriptor"))?;
            let compressed = offset
                .checked_add(count)
                .and_then(|end| heap.get(offset..end))
                .ok_or_else(|| fail(t, "points outside the heap"))?;
            values.clear();
            values.resize(n, 0);
            let float_raw = self.zbitpix < 0 && self.scale.is_none();
            let width = if self.zbitpix > 0 || float_raw { self.zbitpix.unsigned_abs() as usize / 8 } else { 4 };
            match self.codec {
                Codec::Rice { block, bytepix } => {
                    rice(compressed, &mut values, bytepix, block).map_err(|e| fail(t, e))?;
                }
                Codec::Gzip => {
                    inflate(compressed, n * width, &mut raw).map_err(|e| fail(t, e))?;
                    for (v, bytes) in values.iter_mut().zip(raw.chunks_exact(width)) {
                        *v = big_endian(bytes, width == 1);
                    }
                }
            }
            let blank = match self.blank_column {
                Some(c) => {
                    row.get(c.offset..c.offset + 4).map(|b| i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
                }
                None => self.blank,
            };
            let at = |k: usize| (tx * self.tile.0 + k % tile_w, ty * self.tile.1 + k / tile_w);
            if let (Some(scale), Some(zero)) = (self.scale, self.zero) {
                let scale = f64_at(row, scale).ok_or_else(|| fail(t, "ZSCALE missing"))?;
                let zero = f64_at(row, zero).ok_or_else(|| fail(t, "ZZERO missing"))?;
                let mut dither = Dithering::new(self.dither, t, self.dither_seed);
                for (k, &q) in values.iter().enumerate() {
                    let offset = dither.next();
                    let (x, y) = at(k);
                    let value = if Some(q) == blank {
                        f64::NAN
                    } else if self.dither == Dither::Subtractive2 && q == ZERO_VALUE {
                        0.0
                    } else {
                        (q as f64 - offset + 0.5) * scale + zero
                    };
                    each(x, y, scaling.physical(value));
                }
            } else if float_raw {
                for (k, &bits) in values.iter().enumerate() {
                    let (x, y) = at(k);
                    let value =
                        if width == 4 { f64::from(f32::from_bits(bits as u32)) } else { f64::from_bits(bits as u64) };
                    each(x, y, scaling.physical(value));
                }
            } else {
                for (k, &v) in values.iter().enumerate() {
                    let (x, y) = at(k);
                    each(x, y, if Some(v) == blank { f64::NAN } else { scaling.physical(v as f64) });
                }
            }
        }
        Ok(())
    }
}

/// Tiles are decoded whole; the usual tiling is a row, so this only stops a single huge tile.
const MAX_TILE_PIXELS: usize = 1 << 24;

/// The quantized value that stands for an exact zero under `SUBTRACTIVE_DITHER_2`.
const ZERO_VALUE: i64 = -2_147_483_646;

fn descriptor(row: &[u8], column: Column) -> Option<(usize, usize)> {
    let at = row.get(column.offset..)?;
    let (count, offset) = if column.kind == b'P' {
        let b = at.get(..8)?;
        (
            i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            i64::from(i32::from_be_bytes([b[4], b[5], b[6], b[7]])),
        )
    } else {
        let b = at.get(..16)?;
        let mut count = [0u8; 8];
        let mut offset = [0u8; 8];
        count.copy_from_slice(&b[..8]);
        offset.copy_from_slice(&b[8..]);
        (i64::from_be_bytes(count), i64::from_be_bytes(offset))
    };
    Some((usize::try_from(count).ok()?, usize::try_from(offset).ok()?))
}

fn f64_at(row: &[u8], column: Column) -> Option<f64> {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(row.get(column.offset..column.offset + 8)?);
    Some(f64::from_be_bytes(bytes))
}

/// A big-endian integer of 1, 2, 4 or 8 bytes; one byte is unsigned (BITPIX 8), the others signed; floats come
/// back as their bit pattern.
fn big_endian(bytes: &[u8], unsigned: bool) -> i64 {
    match *bytes {
        [b] if unsigned => i64::from(b),
        [a, b] => i64::from(i16::from_be_bytes([a, b])),
        [a, b, c, d] => i64::from(i32::from_be_bytes([a, b, c, d])),
        [a, b, c, d, e, f, g, h] => i64::from_be_bytes([a, b, c, d, e, f, g, h]),
        _ => 0,
    }
}

/// Inflates a GZIP_1 tile (gzip or bare zlib) into exactly `len` bytes; more or fewer is an error.
fn inflate(compressed: &[u8], len: usize, out: &mut Vec<u8>) -> Result<(), &'static str> {
    out.clear();
    let limit = len as u64 + 1;
    let read = if compressed.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(compressed).take(limit).read_to_end(out)
    } else {
        flate2::read::ZlibDecoder::new(compressed).take(limit).read_to_end(out)
    };
    match read {
        Ok(n) if n == len => Ok(()),
        Ok(_) => Err("the tile inflates to the wrong number of bytes"),
        Err(_) => Err("the tile's deflate stream is corrupt"),
    }
}

/// Rice decoding as the tiled image convention specifies it: per block of `block` pixels, a code selector of
/// 3/4/5 bits (for 1/2/4-byte pixels) gives the number of low bits sent verbatim after a unary high part; the
/// lowest selector means a block of equal pixels, the highest one differences sent in full. Differences are
/// zig-zag mapped and added to the previous pixel; the first pixel is sent as is.
fn rice(input: &[u8], out: &mut [i64], bytepix: usize, block: usize) -> Result<(), &'static str> {
    const ENDED: &str = "the Rice-coded data ends early";
    let (fsbits, fsmax, bbits): (i64, i64, i64) = match bytepix {
        1 => (3, 6, 8),
        2 => (4, 14, 16),
        _ => (5, 25, 32),
    };
    let mut bytes = input.iter().map(|&b| u64::from(b));
    let mut next = || bytes.next().ok_or(ENDED);
    let mut last: u32 = 0;
    for _ in 0..bytepix {
        last = (last << 8) | next()? as u32;
    }
    let mut b = next()?;
    let mut nbits: i64 = 8;
    let output = |v: u32| match bytepix {
        1 => i64::from(v as u8),
        2 => i64::from(v as u16 as i16),
        _ => i64::from(v as i32),
    };
    let unzig = |d: u64| {
        let d = d as u32;
        if d & 1 == 0 { d >> 1 } else { !(d >> 1) }
    };
    let mask = |n: i64| if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    for chunk in out.chunks_mut(block) {
        nbits -= fsbits;
        while nbits < 0 {
            b = (b << 8) | next()?;
            nbits += 8;
        }
        let fs = (b >> nbits) as i64 - 1;
        b &= mask(nbits);
        if fs > fsmax {
            return Err("invalid Rice code selector");
        }
        if fs < 0 {
            chunk.fill(output(last));
        } else if fs == fsmax {
            for o in chunk {
                let mut k = bbits - nbits;
                let mut diff = b << k;
                k -= 8;
                while k >= 0 {
                    b = next()?;
                    diff |= b << k;
                    k -= 8;
                }
                if nbits > 0 {
                    b = next()?;
                    diff |= b >> (-k);
                    b &= mask(nbits);
                } else {
                    b = 0;
                }
                last = last.wrapping_add(unzig(diff));
                *o = output(last);
            }
        } else {
            for o in chunk {
                while b == 0 {
                    nbits += 8;
                    b = next()?;
                }
                let nzero = nbits - i64::from(64 - b.leading_zeros());
                nbits -= nzero + 1;
                b ^= 1 << nbits;
                nbits -= fs;
                while nbits < 0 {
                    b = (b << 8) | next()?;
                    nbits += 8;
                }
                let diff = ((nzero as u64).wrapping_shl(fs as u32)) | (b >> nbits);
                b &= mask(nbits);
                last = last.wrapping_add(unzig(diff));
                *o = output(last);
            }
        }
    }
    Ok(())
}

/// The standard's 10,000 uniform deviates for subtractive dithering: a Park–Miller generator (a = 16807,
/// m = 2^31 - 1) from seed 1, each divided by m.
fn random_values() -> &'static [f64] {
    static VALUES: OnceLock<Vec<f64>> = OnceLock::new();
    VALUES.get_or_init(|| {
        let (a, m) = (16_807.0_f64, 2_147_483_647.0_f64);
        let mut seed = 1.0_f64;
        (0..N_RANDOM)
            .map(|_| {
                let product = a * seed;
                seed = product - m * (product / m).trunc();
                seed / m
            })
            .collect()
    })
}

const N_RANDOM: usize = 10_000;

/// The dither offsets of one tile, in pixel order: tile `t` starts from deviate `(t + ZDITHER0 - 1) mod 10000`.
struct Dithering {
    on: bool,
    seed_index: usize,
    next: usize,
}

impl Dithering {
    fn new(dither: Dither, tile: usize, zdither0: i64) -> Self {
        let start = (tile as i64 + zdither0 - 1).rem_euclid(N_RANDOM as i64) as usize;
        let next = (random_values()[start] * 500.0) as usize;
        Self { on: dither != Dither::None, seed_index: start, next }
    }

    /// The offset to subtract from the next pixel (0.5 without dithering, which the caller adds back).
    fn next(&mut self) -> f64 {
        if !self.on {
            return 0.5;
        }
        let values = random_values();
        let value = values[self.next];
        self.next += 1;
        if self.next == N_RANDOM {
            self.seed_index = (self.seed_index + 1) % N_RANDOM;
            self.next = (values[self.seed_index] * 500.0) as usize;
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_random_sequence_is_the_standards() {
        // The standard gives the generator's state after 10,000 steps as a check: 1043618065.
        let last = random_values()[N_RANDOM - 1] * 2_147_483_647.0;
        assert_eq!(last.round() as i64, 1_043_618_065);
    }

    #[test]
    fn column_widths() {
        assert_eq!(column_width("1PB(12)"), Some((8, b'P', b'B')));
        assert_eq!(column_width("1QB(1)"), Some((16, b'Q', b'B')));
        assert_eq!(column_width("D"), Some((8, b'D', 0)));
        assert_eq!(column_width("20A"), Some((20, b'A', 0)));
        assert_eq!(column_width("13X"), Some((2, b'X', 0)));
        assert_eq!(column_width("Z"), None);
    }

    #[test]
    fn broken_rice_data_is_an_error() {
        let mut out = vec![0; 100];
        assert_eq!(rice(&[], &mut out, 2, 32), Err("the Rice-coded data ends early"));
        assert!(rice(&[0, 5, 0xf0], &mut out, 2, 32).is_err(), "high-entropy block cut short");
        assert!(rice(&[0xff; 40], &mut out, 4, 32).is_err());
        // A block of equal pixels: first value 7, selector 0 (fs = -1).
        let mut four = vec![0; 4];
        assert_eq!(rice(&[0, 7, 0], &mut four, 2, 32), Ok(()));
        assert_eq!(four, vec![7; 4]);
    }
}
