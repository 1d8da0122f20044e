//! One header-data unit: what kind it is, its shape, its cards, and the size of the data unit that follows,
//! computed from the mandatory keywords with checked arithmetic.

use serde::{Deserialize, Serialize};

use crate::card::{Card, CardValue};
use crate::{FitsError, compressed};

/// What an HDU holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HduKind {
    Primary,
    Image,
    BinTable,
    AsciiTable,
    /// A tile-compressed image (a `BINTABLE` with `ZIMAGE = T`); its cards are those of the image.
    CompressedImage,
    /// Any other `XTENSION` value (`A3DTABLE`, `FOREIGN`, ...), as written.
    Other(String),
}

/// One header-data unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hdu {
    /// 0 for the primary HDU.
    pub index: usize,
    pub kind: HduKind,
    pub extname: Option<String>,
    /// `BITPIX`; for a compressed image, the image's (`ZBITPIX`).
    pub bitpix: Option<i32>,
    /// `NAXIS1`, `NAXIS2`, ... in FITS order (the fastest-varying axis first); for a compressed image, `ZNAXISn`.
    pub shape: Vec<u64>,
    /// Every card in file order, `END` excluded. For a compressed image, the header of the image as astropy's
    /// `CompImageHDU.header` shows it.
    pub cards: Vec<Card>,
    /// For a compressed image only: the binary table's cards as they are in the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raw_cards: Vec<Card>,
    /// Bytes in the data unit as stored (before padding to 2880), from the mandatory keywords.
    pub data_bytes: u64,
}

impl Hdu {
    /// The first card with this keyword (commentary cards are never matched by a value keyword).
    #[must_use]
    pub fn card(&self, keyword: &str) -> Option<&Card> {
        self.cards.iter().find(|c| c.keyword == keyword)
    }

    /// The value of the first card with this keyword.
    #[must_use]
    pub fn value(&self, keyword: &str) -> Option<&CardValue> {
        self.card(keyword).map(|c| &c.value)
    }

    /// A 2-D image (or a cube whose further axes are all 1) with pixels.
    #[must_use]
    pub fn is_2d_image(&self) -> bool {
        matches!(self.kind, HduKind::Primary | HduKind::Image | HduKind::CompressedImage)
            && self.shape.len() >= 2
            && self.shape[..2].iter().all(|&n| n > 0)
            && self.shape[2..].iter().all(|&n| n == 1)
            && !self.is_random_groups()
    }

    pub(crate) fn is_random_groups(&self) -> bool {
        self.kind == HduKind::Primary
            && self.shape.first() == Some(&0)
            && self.value("GROUPS") == Some(&CardValue::Logical(true))
    }
}

/// The most axes the standard allows.
const MAX_NAXIS: i64 = 999;

/// Builds the HDU from its cards (as read, `CONTINUE` merged) and checks the mandatory keywords.
pub(crate) fn build(index: usize, cards: Vec<Card>) -> Result<Hdu, FitsError> {
    let err = |m: String| FitsError::header(index, m);
    let first = |k: &str| cards.iter().find(|c| c.keyword == k).map(|c| &c.value);
    let integer = |k: &str| -> Result<Option<i64>, FitsError> {
        match first(k) {
            None => Ok(None),
            Some(CardValue::Integer(v)) => Ok(Some(*v)),
            Some(other) => Err(err(format!("{k} must be an integer, not {other:?}"))),
        }
    };
    let required = |k: &str| integer(k)?.ok_or_else(|| err(format!("the mandatory keyword {k} is missing")));

    let kind = if index == 0 {
        HduKind::Primary
    } else {
        match cards.first() {
            Some(Card { keyword, value: CardValue::Text(x), .. }) if keyword == "XTENSION" => match x.as_str() {
                "IMAGE" | "IUEIMAGE" => HduKind::Image,
                "BINTABLE" if first("ZIMAGE") == Some(&CardValue::Logical(true)) => HduKind::CompressedImage,
                "BINTABLE" => HduKind::BinTable,
                "TABLE" => HduKind::AsciiTable,
                other => HduKind::Other(other.to_owned()),
            },
            _ => return Err(err("an extension header must start with XTENSION".into())),
        }
    };

    let bitpix = required("BITPIX")?;
    if ![8, 16, 32, 64, -32, -64].contains(&bitpix) {
        return Err(err(format!("BITPIX must be 8, 16, 32, 64, -32 or -64, not {bitpix}")));
    }
    let naxis = required("NAXIS")?;
    if !(0..=MAX_NAXIS).contains(&naxis) {
        return Err(err(format!("NAXIS must be between 0 and {MAX_NAXIS}, not {naxis}")));
    }
    let mut shape = Vec::new();
    for n in 1..=naxis {
        let key = format!("NAXIS{n}");
        let len = required(&key)?;
        shape.push(u64::try_from(len).map_err(|_| err(format!("{key} must not be negative, not {len}")))?);
    }
    let groups = index == 0 && shape.first() == Some(&0) && first("GROUPS") == Some(&CardValue::Logical(true));
    let (pcount, gcount) = if index > 0 || groups {
        let count = |k: &str, default: i64| -> Result<u64, FitsError> {
            let v = integer(k)?.unwrap_or(default);
            u64::try_from(v).map_err(|_| err(format!("{k} must not be negative, not {v}")))
        };
        (count("PCOUNT", 0)?, count("GCOUNT", 1)?)
    } else {
        (0, 1)
    };
    let data_bytes = data_unit_bytes(bitpix, &shape, groups, pcount, gcount)
        .ok_or_else(|| err("the data unit size given by BITPIX, NAXISn, PCOUNT and GCOUNT overflows".into()))?;

    let extname = match first("EXTNAME") {
        Some(CardValue::Text(name)) => Some(name.clone()),
        _ => None,
    };
    let bitpix = i32::try_from(bitpix).ok();
    let hdu = Hdu { index, kind, extname, bitpix, shape, cards, raw_cards: Vec::new(), data_bytes };
    if hdu.kind == HduKind::CompressedImage { compressed::as_image(hdu) } else { Ok(hdu) }
}

/// `|BITPIX| × GCOUNT × (PCOUNT + NAXIS1 × ... × NAXISn) / 8` (FITS 4.0, eq. 2), `None` on overflow. Random groups
/// leave out `NAXIS1`, which is 0; with no axes the product is 0.
fn data_unit_bytes(bitpix: i64, shape: &[u64], groups: bool, pcount: u64, gcount: u64) -> Option<u64> {
    let axes = if groups { &shape[1..] } else { shape };
    let elements = if shape.is_empty() { 0 } else { axes.iter().try_fold(1u64, |acc, &n| acc.checked_mul(n))? };
    let bits = bitpix.unsigned_abs().checked_mul(gcount)?.checked_mul(pcount.checked_add(elements)?)?;
    Some(bits / 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_unit_sizes_follow_the_standard_and_never_overflow() {
        assert_eq!(data_unit_bytes(16, &[512, 512], false, 0, 1), Some(512 * 512 * 2));
        assert_eq!(data_unit_bytes(8, &[], false, 0, 1), Some(0));
        assert_eq!(data_unit_bytes(-32, &[0, 3, 2], true, 5, 7), Some(4 * 7 * (5 + 6)));
        assert_eq!(data_unit_bytes(8, &[100, 10], false, 300, 1), Some(1300));
        assert_eq!(data_unit_bytes(-64, &[u64::MAX, 2], false, 0, 1), None);
        assert_eq!(data_unit_bytes(64, &[1 << 40, 1 << 30], false, 0, 1), None);
        assert_eq!(data_unit_bytes(8, &[1], false, u64::MAX, 1), None);
    }
}
