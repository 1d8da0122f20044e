//! Header cards: our public, serialisable form, and the reading of one 80-byte card image.
//!
//! Typing a value (logical, integer, real, quoted string with `''` escapes, `D` exponents, comment split,
//! `HIERARCH`, `CONTINUE`) is done by `fitsrs::card::Card`, after a fast path of ours for the plainest cards (see
//! [`fixed_format`]). Around it we add what it lacks: complex values (it rejects them), keyword names as astropy
//! spells them (`HIERARCH ESO DET` → `ESO DET`, blank keywords apart from `COMMENT`), the long-string (`CONTINUE`)
//! merge as astropy does it, and a guard for the one card image we found that makes it panic (a value that is a
//! lone `'`).

use fitsrs::card::{Card as FitsrsCard, Value as FitsrsValue};
use serde::{Deserialize, Serialize};

/// The bytes in one header card.
pub const CARD_LEN: usize = 80;

/// A card's value, typed as the FITS standard types it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum CardValue {
    Logical(bool),
    Integer(i64),
    Real(f64),
    /// A quoted string (trailing spaces removed, as astropy does), or the text of a commentary card.
    Text(String),
    /// `(real, imaginary)`.
    Complex(f64, f64),
    /// A keyword with an empty value field.
    Undefined,
}

impl CardValue {
    /// The value as a number, if it is one (integers widen to `f64`).
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Integer(i) => Some(*i as f64),
            Self::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The value as an integer, if it is one.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as text, if it is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// One header card. `COMMENT`, `HISTORY` and blank-keyword cards carry their text as [`CardValue::Text`];
/// a long string continued over `CONTINUE` cards is one card holding the whole string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub keyword: String,
    pub value: CardValue,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Card {
    pub(crate) fn new(keyword: &str, value: CardValue, comment: Option<String>) -> Self {
        Self { keyword: keyword.to_owned(), value, comment }
    }

    /// Commentary cards (`COMMENT`, `HISTORY`, blank) carry text, not a keyword value.
    #[must_use]
    pub fn is_commentary(&self) -> bool {
        matches!(self.keyword.as_str(), "COMMENT" | "HISTORY" | "")
    }
}

/// What one card image turned out to be.
#[derive(Debug)]
pub(crate) enum Parsed {
    End,
    Card(Card),
    /// A `CONTINUE` card: the next piece of the previous long string.
    Continue {
        text: String,
        comment: Option<String>,
    },
    /// A keyword with a value indicator whose value is not a FITS value; kept as text, with the reason.
    Invalid(Card, String),
}

/// The keyword field, trimmed; `None` if it holds anything but printable ASCII.
pub(crate) fn keyword_of(image: &[u8; CARD_LEN]) -> Option<&str> {
    let field = &image[..8];
    if field.iter().all(|b| (0x20..=0x7e).contains(b)) { std::str::from_utf8(field.trim_ascii()).ok() } else { None }
}

pub(crate) fn parse(image: &[u8; CARD_LEN]) -> Parsed {
    let keyword = keyword_of(image).unwrap_or_default();
    if keyword == "END" {
        return Parsed::End;
    }
    if matches!(keyword, "COMMENT" | "HISTORY" | "") {
        return Parsed::Card(Card::new(keyword, CardValue::Text(commentary_text(&image[8..])), None));
    }
    if keyword == "HIERARCH" {
        return parse_hierarch(image);
    }
    if keyword == "CONTINUE" {
        if lone_quote(&image[8..]) {
            return Parsed::Invalid(Card::new(keyword, CardValue::Text("'".into()), None), "unclosed string".into());
        }
        return match FitsrsCard::try_from(image) {
            Ok(FitsrsCard::Continuation { string, comment }) => {
                Parsed::Continue { text: string.unwrap_or_default(), comment: clean_comment(comment) }
            }
            _ => Parsed::Card(Card::new(keyword, CardValue::Text(commentary_text(&image[8..])), None)),
        };
    }
    if &image[8..10] != b"= " {
        // No value indicator: astropy reads such a card as commentary text, and so do we.
        return Parsed::Card(Card::new(keyword, CardValue::Text(commentary_text(&image[8..])), None));
    }
    let field = &image[10..];
    if keyword == "XTENSION" {
        // fitsrs rejects extension types it does not read (`A3DTABLE`, `FOREIGN`); we only need the name.
        return match quoted_string(field) {
            Some((text, comment)) => Parsed::Card(Card::new(keyword, CardValue::Text(text), comment)),
            None => invalid(keyword, field, "XTENSION must be a quoted string"),
        };
    }
    if let Some((value, comment)) = fixed_format(field) {
        return Parsed::Card(Card::new(keyword, value, comment));
    }
    by_fitsrs(keyword, image)
}

/// The general path for a `KEYWORD = value` card: fitsrs, and our complex numbers.
fn by_fitsrs(keyword: &str, image: &[u8; CARD_LEN]) -> Parsed {
    let field = &image[10..];
    if lone_quote(field) {
        return invalid(keyword, field, "unclosed string");
    }
    match FitsrsCard::try_from(image) {
        Ok(FitsrsCard::Value { value, .. }) => typed(keyword, field, value),
        // fitsrs has no complex numbers and errors on them.
        _ if field.trim_ascii_start().starts_with(b"(") => match complex(field) {
            Some((re, im, comment)) => Parsed::Card(Card::new(keyword, CardValue::Complex(re, im), comment)),
            None => invalid(keyword, field, "malformed complex value"),
        },
        _ => invalid(keyword, field, "not a FITS value"),
    }
}

/// The common plain cards, read without allocating on the way: `T`/`F`, a decimal integer, a real without a `D`
/// exponent, or a quoted string without `''`, each with an optional `/ comment`. Anything else (`None`) goes to
/// fitsrs. Reading a header is mostly this, and fitsrs's general parser costs about twice as much per card; tests
/// check that both give the same card wherever this one answers.
fn fixed_format(field: &[u8]) -> Option<(CardValue, Option<String>)> {
    let text = field.trim_ascii_start();
    let as_str = |bytes: &[u8]| std::str::from_utf8(bytes).ok().map(str::to_owned);
    let (value, rest) = if let Some(quoted) = text.strip_prefix(b"'") {
        let close = quoted.iter().position(|&b| b == b'\'')?;
        let after = &quoted[close + 1..];
        if after.starts_with(b"'") {
            return None;
        }
        (CardValue::Text(as_str(quoted[..close].trim_ascii_end())?), after.trim_ascii_start())
    } else {
        let end = text.iter().position(|&b| b == b'/').unwrap_or(text.len());
        let token = text[..end].trim_ascii_end();
        let number = || std::str::from_utf8(token).ok();
        let value = match token {
            b"T" => CardValue::Logical(true),
            b"F" => CardValue::Logical(false),
            _ if token.iter().all(|&b| b.is_ascii_digit() || b == b'-' || b == b'+') => {
                CardValue::Integer(number()?.parse().ok()?)
            }
            _ if token.iter().all(|&b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'E' | b'e'))
                && token.iter().any(u8::is_ascii_digit) =>
            {
                CardValue::Real(number()?.parse().ok().filter(|v: &f64| v.is_finite())?)
            }
            _ => return None,
        };
        (value, &text[end..])
    };
    let comment = match rest.strip_prefix(b"/") {
        Some(c) => Some(c.trim_ascii()).filter(|c| !c.is_empty()).and_then(as_str),
        None if rest.is_empty() => None,
        None => return None,
    };
    Some((value, comment))
}

fn parse_hierarch(image: &[u8; CARD_LEN]) -> Parsed {
    let Some(eq) = image[9..].iter().position(|&b| b == b'=').map(|i| i + 9) else {
        return Parsed::Card(Card::new("HIERARCH", CardValue::Text(commentary_text(&image[8..])), None));
    };
    let name: Vec<String> = image[9..eq]
        .split(u8::is_ascii_whitespace)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    let name = name.join(" ");
    let field = &image[eq + 1..];
    if name.is_empty() {
        return invalid("HIERARCH", field, "empty HIERARCH keyword");
    }
    if lone_quote(field) {
        return invalid(&name, field, "unclosed string");
    }
    match FitsrsCard::try_from(image) {
        Ok(FitsrsCard::Hierarch { value, .. }) => typed(&name, field, value),
        _ => invalid(&name, field, "not a FITS value"),
    }
}

fn typed(keyword: &str, field: &[u8], value: FitsrsValue) -> Parsed {
    let (value, comment) = match value {
        FitsrsValue::Integer { value, comment } => (CardValue::Integer(value), comment),
        FitsrsValue::Float { value, comment } if value.is_finite() => (CardValue::Real(value), comment),
        FitsrsValue::Logical { value, comment } => (CardValue::Logical(value), comment),
        FitsrsValue::String { value, comment } => (CardValue::Text(value.trim_end().to_owned()), comment),
        FitsrsValue::Undefined => (CardValue::Undefined, comment_after_slash(field)),
        FitsrsValue::Float { .. } | FitsrsValue::Invalid(_) => return invalid(keyword, field, "not a FITS value"),
    };
    Parsed::Card(Card::new(keyword, value, clean_comment(comment)))
}

fn invalid(keyword: &str, field: &[u8], why: &str) -> Parsed {
    let text = String::from_utf8_lossy(field).trim().to_owned();
    let reason = format!("{keyword}: {why} ({text:?}); kept as text");
    Parsed::Invalid(Card::new(keyword, CardValue::Text(text), None), reason)
}

/// Commentary text from column 9 on, trailing spaces removed, as astropy gives it.
fn commentary_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end().to_owned()
}

fn clean_comment(comment: Option<String>) -> Option<String> {
    comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty())
}

fn comment_after_slash(field: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(field);
    text.split_once('/').map(|(_, c)| c.to_owned())
}

/// fitsrs 0.4.1 slices `value[1..len-1]` for a value that starts and ends with a quote, which panics when the
/// value is a single `'`.
fn lone_quote(field: &[u8]) -> bool {
    field.trim_ascii() == b"'"
}

/// A quoted string value (with `''` for a quote) and the comment after it.
fn quoted_string(field: &[u8]) -> Option<(String, Option<String>)> {
    let text = String::from_utf8_lossy(field);
    let rest = text.trim_start().strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = rest.char_indices().peekable();
    let after = loop {
        let (i, c) = chars.next()?;
        if c == '\'' {
            if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
                value.push('\'');
            } else {
                break &rest[i + 1..];
            }
        } else {
            value.push(c);
        }
    };
    let after = after.trim();
    let comment = match after.strip_prefix('/') {
        Some(c) => clean_comment(Some(c.to_owned())),
        None if after.is_empty() => None,
        None => return None,
    };
    Some((value.trim_end().to_owned(), comment))
}

/// `(1.5, -2.0D0) / comment`.
fn complex(field: &[u8]) -> Option<(f64, f64, Option<String>)> {
    let text = String::from_utf8_lossy(field);
    let inner = text.trim_start().strip_prefix('(')?;
    let (pair, after) = inner.split_once(')')?;
    let (re, im) = pair.split_once(',')?;
    let number = |s: &str| s.trim().replace(['D', 'd'], "E").parse::<f64>().ok().filter(|v| v.is_finite());
    let after = after.trim();
    let comment = match after.strip_prefix('/') {
        Some(c) => clean_comment(Some(c.to_owned())),
        None if after.is_empty() => None,
        None => return None,
    };
    Some((number(re)?, number(im)?, comment))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(text: &str) -> [u8; CARD_LEN] {
        let mut card = [b' '; CARD_LEN];
        card[..text.len()].copy_from_slice(text.as_bytes());
        card
    }

    fn card(text: &str) -> Card {
        match parse(&image(text)) {
            Parsed::Card(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_are_typed() {
        assert_eq!(card("NAXIS   =                    2 / axes").value, CardValue::Integer(2));
        assert_eq!(card("NAXIS   =                    2 / axes").comment.as_deref(), Some("axes"));
        assert_eq!(card("EXPTIME =                1.5D2").value, CardValue::Real(150.0));
        assert_eq!(card("SIMPLE  =                    T").value, CardValue::Logical(true));
        assert_eq!(card("OBJECT  = 'M 42    '").value, CardValue::Text("M 42".into()));
        assert_eq!(card("OBJECT  = 'It''s / here' / c").value, CardValue::Text("It's / here".into()));
        assert_eq!(card("BLANKV  =").value, CardValue::Undefined);
        assert_eq!(card("CPLX    = (1.5, -2.0) / z").value, CardValue::Complex(1.5, -2.0));
        assert_eq!(card("CPLX    = (1.5, -2.0) / z").comment.as_deref(), Some("z"));
        assert_eq!(card("XTENSION= 'A3DTABLE' / old").value, CardValue::Text("A3DTABLE".into()));
        assert_eq!(card("HIERARCH ESO DET CHIP ID = 'ccd1' / x").keyword, "ESO DET CHIP ID");
        assert_eq!(card("COMMENT   two spaces").value, CardValue::Text("  two spaces".into()));
        assert_eq!(card("        free text").keyword, "");
        assert_eq!(card("DATE-OBS  1999").value, CardValue::Text("  1999".into()));
    }

    #[test]
    fn malformed_values_are_kept_as_text_not_panics() {
        for text in
            ["BAD     = '", "BAD     = abc", "BAD     = (1, x)", "BAD     = 'open", "HIERARCH X = '", "BAD     = nan"]
        {
            assert!(matches!(parse(&image(text)), Parsed::Invalid(..)), "{text}");
        }
        assert!(matches!(parse(&image("CONTINUE  '")), Parsed::Invalid(..)));
        assert!(matches!(parse(&image("END")), Parsed::End));
    }

    /// Every value card of every test file, and mutations of them, read the same by the fast path as by fitsrs.
    #[test]
    fn the_fixed_format_path_agrees_with_fitsrs() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let mut images: Vec<[u8; CARD_LEN]> = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for chunk in bytes.chunks_exact(CARD_LEN) {
                let mut card = [0u8; CARD_LEN];
                card.copy_from_slice(chunk);
                let plain = card.iter().all(|b| (0x20..=0x7e).contains(b)) && &card[8..10] == b"= ";
                if plain && keyword_of(&card) != Some("XTENSION") {
                    images.push(card);
                }
            }
        }
        let extra = [
            "A       = '   '",
            "A       = ''",
            "A       = 'x''y'",
            "A       = 1.5D3",
            "A       = +7 / c",
            "A       = -.5E-3",
            "A       = 12345678901234567890",
            "A       = 1e999",
            "A       = TRUE",
            "A       = 'a' junk",
            "A       = 1 2",
            "A       = - / x",
            "A       = 'a/b' / c/d",
            "A       = / only a comment",
            "A       = 1.0.0",
            "A       = E5",
        ];
        images.extend(extra.iter().map(|t| image(t)));
        assert!(images.len() > 1000, "{}", images.len());
        let mut fast = 0;
        for card in &images {
            let keyword = keyword_of(card).unwrap();
            if let Some((value, comment)) = fixed_format(&card[10..]) {
                fast += 1;
                let general = match by_fitsrs(keyword, card) {
                    Parsed::Card(c) => c,
                    other => panic!("{}: fitsrs gives {other:?}", String::from_utf8_lossy(card)),
                };
                assert_eq!((value, comment), (general.value, general.comment), "{}", String::from_utf8_lossy(card));
            }
        }
        assert!(fast > images.len() * 8 / 10, "{fast} of {}", images.len());
    }

    /// Why `lone_quote` exists: fitsrs 0.4.1 panics on this card. When this test fails, fitsrs has been fixed and
    /// the guard can go.
    #[test]
    fn fitsrs_still_panics_on_a_lone_quote() {
        let card = image("BAD     = '");
        let outcome = std::panic::catch_unwind(|| FitsrsCard::try_from(&card).is_ok());
        assert!(outcome.is_err(), "fitsrs no longer panics on a lone quote");
    }
}
