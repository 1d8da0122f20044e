//! Tile-compressed images (the `.fz` convention): a `BINTABLE` whose `Z` keywords describe the image inside.
//! People and archives think of the image, so the HDU reports the image's header, mapped back the way astropy's
//! `CompImageHDU.header` does it (our own code, following the convention and astropy's documented behaviour):
//! `ZBITPIX`/`ZNAXIS`/`ZNAXISn` become `BITPIX`/`NAXIS`/`NAXISn`, `ZSIMPLE`/`ZTENSION`/`ZEXTEND`/`ZBLOCKED`/
//! `ZPCOUNT`/`ZGCOUNT`/`ZHECKSUM`/`ZDATASUM` their plain names, and the table's own keywords (`TFIELDS`, `TTYPEn`,
//! `ZCMPTYPE`, `ZTILEn`, `ZNAMEn`, ...) are hidden. The table's cards stay available as `raw_cards`.

use crate::FitsError;
use crate::card::{Card, CardValue};
use crate::hdu::{Hdu, HduKind};

/// Indexed table keywords (`TTYPE3`) that belong to the table, not the image.
const TABLE_INDEXED: &[&str] = &[
    "TTYPE", "TFORM", "TUNIT", "TNULL", "TSCAL", "TZERO", "TDISP", "TBCOL", "TDIM", "TCTYP", "TCUNI", "TCRPX", "TCRVL",
    "TCDLT", "TRPOS",
];
/// Compression keywords that are dropped from the image header (their plain-named values are put back below).
const COMPRESSION: &[&str] = &[
    "ZSIMPLE", "ZTENSION", "ZBITPIX", "ZNAXIS", "ZEXTEND", "ZBLOCKED", "ZPCOUNT", "ZGCOUNT", "ZHECKSUM", "ZDATASUM",
    "ZIMAGE", "ZCMPTYPE", "ZMASKCMP", "ZQUANTIZ", "ZDITHER0", "ZBLANK", "ZSCALE", "ZZERO",
];
const COMPRESSION_INDEXED: &[&str] = &["ZNAXIS", "ZTILE", "ZNAME", "ZVAL"];
/// The structural keywords of any HDU, removed before the image's are put in.
const STRUCTURAL: &[&str] =
    &["SIMPLE", "XTENSION", "BITPIX", "NAXIS", "EXTEND", "PCOUNT", "GCOUNT", "GROUPS", "BSCALE", "BZERO", "TFIELDS"];

/// `LABEL` + a number from 1 (`TTYPE12`, `ZNAXIS2`), split; `None` for anything else.
fn indexed(keyword: &str) -> Option<(&str, u32)> {
    let digits = keyword.find(|c: char| c.is_ascii_digit())?;
    let (label, number) = keyword.split_at(digits);
    if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphabetic()) || number.starts_with('0') {
        return None;
    }
    number.trim_end().parse().ok().map(|n| (label, n))
}

fn is_table_or_compression_keyword(keyword: &str) -> bool {
    if matches!(keyword, "TFIELDS" | "THEAP" | "CHECKSUM" | "DATASUM") || COMPRESSION.contains(&keyword) {
        return true;
    }
    match indexed(keyword) {
        Some((label, _)) if label.starts_with('T') => TABLE_INDEXED.contains(&label),
        Some((label, _)) if label.starts_with(['Z', 'z']) => {
            COMPRESSION_INDEXED.contains(&label.to_ascii_uppercase().as_str())
        }
        _ => false,
    }
}

/// Turns a compressed-image table HDU into the image HDU it stands for. A table whose `Z` keywords do not describe
/// an image (missing or wrong `ZBITPIX`, `ZNAXIS`, `ZNAXISn`) stays a plain binary table.
pub(crate) fn as_image(mut table: Hdu) -> Result<Hdu, FitsError> {
    let get = |k: &str| table.cards.iter().find(|c| c.keyword == k);
    let int = |k: &str| get(k).and_then(|c| c.value.as_i64());
    let (Some(zbitpix), Some(znaxis)) = (int("ZBITPIX"), int("ZNAXIS")) else {
        table.kind = HduKind::BinTable;
        return Ok(table);
    };
    if ![8, 16, 32, 64, -32, -64].contains(&zbitpix) || !(0..=999).contains(&znaxis) {
        table.kind = HduKind::BinTable;
        return Ok(table);
    }
    let mut shape = Vec::new();
    for n in 1..=znaxis {
        match int(&format!("ZNAXIS{n}")).and_then(|v| u64::try_from(v).ok()) {
            Some(len) => shape.push(len),
            None => {
                table.kind = HduKind::BinTable;
                return Ok(table);
            }
        }
    }

    let raw = &table.cards;
    let comment_of = |k: &str| get(k).and_then(|c| c.comment.clone());
    let moved = |from: &str, to: &str| get(from).map(|c| Card::new(to, c.value.clone(), c.comment.clone()));
    let bscale = get("BSCALE").filter(|c| is_truthy(&c.value)).cloned();
    let bzero = get("BZERO").filter(|c| is_truthy(&c.value)).cloned();
    let naxis = int("NAXIS").unwrap_or(0);
    let tfields = int("TFIELDS").unwrap_or(0);
    let stripped_by_count = |k: &str| match indexed(k) {
        Some(("NAXIS", n)) => i64::from(n) <= naxis,
        Some((label, n)) => {
            matches!(label, "TFORM" | "TSCAL" | "TZERO" | "TNULL" | "TTYPE" | "TUNIT" | "TDISP" | "TDIM" | "TBCOL")
                && i64::from(n) <= tfields
        }
        None => false,
    };

    let mut cards: Vec<Card> = raw
        .iter()
        .filter(|c| {
            let k = c.keyword.as_str();
            !(STRUCTURAL.contains(&k) || k == "THEAP" || stripped_by_count(k) || is_table_or_compression_keyword(k))
        })
        .cloned()
        .collect();
    // astropy appends new cards before the trailing blank cards, which it keeps as space for them.
    let trailing_blanks = |cards: &[Card]| {
        cards.iter().rev().take_while(|c| c.keyword.is_empty() && c.value == CardValue::Text(String::new())).count()
    };
    let append = |cards: &mut Vec<Card>, card: Card| {
        let at = cards.len() - trailing_blanks(cards);
        if at < cards.len() {
            cards[at] = card;
        } else {
            cards.push(card);
        }
    };
    if let Some(c) = bscale {
        append(&mut cards, c);
    }
    if let Some(c) = bzero {
        append(&mut cards, c);
    }

    let mut head = Vec::new();
    let primary = get("ZSIMPLE").is_some();
    match moved("ZSIMPLE", "SIMPLE") {
        Some(simple) => head.push(simple),
        None => head.push(Card::new("XTENSION", CardValue::Text("IMAGE".into()), comment_of("ZTENSION"))),
    }
    head.push(Card::new("BITPIX", CardValue::Integer(zbitpix), comment_of("ZBITPIX")));
    head.push(Card::new("NAXIS", CardValue::Integer(znaxis), comment_of("ZNAXIS")));
    for (i, len) in shape.iter().enumerate() {
        let key = format!("ZNAXIS{}", i + 1);
        let value = i64::try_from(*len).unwrap_or(i64::MAX);
        head.push(Card::new(&key[1..], CardValue::Integer(value), comment_of(&key)));
    }
    // NAXISn beyond the image's NAXIS that survived the strip go.
    cards.retain(|c| !matches!(indexed(&c.keyword), Some(("NAXIS", n)) if i64::from(n) > znaxis));
    if !primary {
        head.push(moved("ZPCOUNT", "PCOUNT").unwrap_or_else(|| Card::new("PCOUNT", CardValue::Integer(0), None)));
        head.push(moved("ZGCOUNT", "GCOUNT").unwrap_or_else(|| Card::new("GCOUNT", CardValue::Integer(1), None)));
    }
    head.append(&mut cards);
    let mut cards = head;
    for (from, to) in
        [("ZEXTEND", "EXTEND"), ("ZBLOCKED", "BLOCKED"), ("ZHECKSUM", "CHECKSUM"), ("ZDATASUM", "DATASUM")]
    {
        if let Some(card) = moved(from, to) {
            match cards.iter_mut().find(|c| c.keyword == to) {
                Some(existing) => *existing = card,
                None => append(&mut cards, card),
            }
        }
    }
    // The default name of the table, not of the image: the first EXTNAME goes if it is that.
    if let Some(at) = cards.iter().position(|c| c.keyword == "EXTNAME")
        && cards[at].value == CardValue::Text("COMPRESSED_IMAGE".into())
    {
        cards.remove(at);
    }
    if zbitpix > 0 && !cards.iter().any(|c| c.keyword == "BLANK") {
        if let Some(zblank) = moved("ZBLANK", "BLANK") {
            append(&mut cards, Card::new("BLANK", zblank.value, None));
        } else if raw
            .iter()
            .any(|c| indexed(&c.keyword).is_some_and(|(l, _)| l == "TTYPE") && c.value.as_str() == Some("ZBLANK"))
        {
            append(&mut cards, Card::new("BLANK", CardValue::Integer(i64::MIN >> (64 - zbitpix)), None));
        }
    }
    let missing_blanks = trailing_blanks(raw).saturating_sub(trailing_blanks(&cards));
    cards.extend((0..missing_blanks).map(|_| Card::new("", CardValue::Text(String::new()), None)));

    // astropy names the HDU after the image's EXTNAME, else the table's.
    let extname = cards.iter().find(|c| c.keyword == "EXTNAME").and_then(|c| c.value.as_str().map(str::to_owned));
    Ok(Hdu {
        kind: HduKind::CompressedImage,
        extname: extname.or_else(|| table.extname.take()),
        bitpix: i32::try_from(zbitpix).ok(),
        shape,
        raw_cards: std::mem::take(&mut table.cards),
        cards,
        ..table
    })
}

/// astropy keeps `BSCALE`/`BZERO` only when they are set to something other than zero.
fn is_truthy(value: &CardValue) -> bool {
    match value {
        CardValue::Integer(i) => *i != 0,
        CardValue::Real(r) => *r != 0.0,
        CardValue::Logical(b) => *b,
        CardValue::Text(s) => !s.is_empty(),
        CardValue::Complex(re, im) => *re != 0.0 || *im != 0.0,
        CardValue::Undefined => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_keywords_split() {
        assert_eq!(indexed("TTYPE12"), Some(("TTYPE", 12)));
        assert_eq!(indexed("ZNAXIS2"), Some(("ZNAXIS", 2)));
        assert_eq!(indexed("NAXIS"), None);
        assert_eq!(indexed("TTYPE0"), None);
        assert_eq!(indexed("DATE-OBS"), None);
        assert!(is_table_or_compression_keyword("ZTILE1"));
        assert!(is_table_or_compression_keyword("TFORM3"));
        assert!(!is_table_or_compression_keyword("ZEROPT"));
        assert!(!is_table_or_compression_keyword("OBJECT"));
    }
}
