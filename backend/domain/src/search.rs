//! Small parsers of what a client sends to find and read files: header conditions of a file search and the HTTP
//! `Range` header. Pure, so that they can be fuzzed on their own (`fuzz/`).

use crate::ValidationError;

/// A header condition of a file search.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderCondition {
    /// The keyword holds this text (case-insensitive) or, when the text is a number, this number.
    Equals { keyword: String, text: String, number: Option<f64> },
    /// The keyword's number lies in `[min, max]` (either end open).
    Range { keyword: String, min: Option<f64>, max: Option<f64> },
}

impl HeaderCondition {
    /// The (upper-case) keyword the condition is about.
    #[must_use]
    pub fn keyword(&self) -> &str {
        match self {
            Self::Equals { keyword, .. } | Self::Range { keyword, .. } => keyword,
        }
    }
}

/// Longest FITS keyword we search for: HIERARCH keywords can take most of a card's 80 characters.
const MAX_KEYWORD: usize = 72;

/// Parses a header condition: `KEY=value`, `KEY=lo..hi`, `KEY>=n`, `KEY<=n`.
pub fn parse_header_condition(s: &str) -> Result<HeaderCondition, ValidationError> {
    let bad = || ValidationError::new("header", "must be KEYWORD=value, KEYWORD=min..max, KEYWORD>=n or KEYWORD<=n");
    let num = |v: &str, field: &str| -> Result<Option<f64>, ValidationError> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| ValidationError::new("header", format!("{field} bound {v:?} is not a number")))
    };
    // Printable ASCII (spaces inside, for HIERARCH) but not the operators: no FITS keyword holds `=`, `<` or `>`,
    // and `EXPTIME > =5` is a mistyped `>=`, not a condition on the keyword `EXPTIME >`.
    let keyword = |k: &str| -> Result<String, ValidationError> {
        let k = k.trim().to_ascii_uppercase();
        if k.is_empty()
            || k.len() > MAX_KEYWORD
            || !k.chars().all(|c| (c.is_ascii_graphic() && !matches!(c, '=' | '<' | '>')) || c == ' ')
        {
            return Err(bad());
        }
        Ok(k)
    };
    // `KEY>=` and `KEY<=` need their number, as `KEY=..` needs one of its ends.
    if let Some((k, v)) = s.split_once(">=") {
        return Ok(HeaderCondition::Range {
            keyword: keyword(k)?,
            min: Some(num(v, "lower")?.ok_or_else(bad)?),
            max: None,
        });
    }
    if let Some((k, v)) = s.split_once("<=") {
        return Ok(HeaderCondition::Range {
            keyword: keyword(k)?,
            min: None,
            max: Some(num(v, "upper")?.ok_or_else(bad)?),
        });
    }
    let (k, v) = s.split_once('=').ok_or_else(bad)?;
    let keyword = keyword(k)?;
    if let Some((lo, hi)) = v.split_once("..") {
        let (min, max) = (num(lo, "lower")?, num(hi, "upper")?);
        if min.is_none() && max.is_none() {
            return Err(bad());
        }
        if let (Some(lo), Some(hi)) = (min, max)
            && hi < lo
        {
            return Err(ValidationError::new("header", format!("the range {lo}..{hi} is empty")));
        }
        return Ok(HeaderCondition::Range { keyword, min, max });
    }
    let text = v.trim().to_owned();
    if text.len() > 1000 {
        return Err(ValidationError::new("header", "a value is at most 1000 characters"));
    }
    let number = text.parse::<f64>().ok().filter(|x| x.is_finite());
    Ok(HeaderCondition::Equals { keyword, text, number })
}

/// The bytes a `Range` header selects: `start..=end` (`end` `None`: to the last byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeSpec {
    pub start: u64,
    pub end: Option<u64>,
}

/// A `Range` that no byte of the file satisfies (HTTP 416).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// One byte range of a `Range` header against a file of `size` bytes (`bytes=a-b`, `bytes=a-`, `bytes=-n`);
/// `Ok(None)` serves the whole file (no header, another unit, several ranges: RFC 9110 lets a server ignore
/// those). A returned range always lies inside the file.
pub fn parse_byte_range(header: Option<&str>, size: u64) -> Result<Option<RangeSpec>, Unsatisfiable> {
    let Some(spec) = header.and_then(|v| v.trim().strip_prefix("bytes=")) else { return Ok(None) };
    let Some((a, b)) = spec.split_once('-').filter(|_| !spec.contains(',')) else { return Ok(None) };
    let number = |s: &str| s.parse::<u64>().map_err(|_| Unsatisfiable);
    let range = match (a.trim(), b.trim()) {
        ("", "") => return Ok(None),
        ("", n) => {
            let n = number(n)?;
            if n == 0 || size == 0 {
                return Err(Unsatisfiable);
            }
            RangeSpec { start: size.saturating_sub(n), end: None }
        }
        (a, b) => {
            let start = number(a)?;
            let end = if b.is_empty() { None } else { Some(number(b)?) };
            if start >= size || end.is_some_and(|e| e < start) {
                return Err(Unsatisfiable);
            }
            RangeSpec { start, end: end.map(|e| e.min(size - 1)) }
        }
    };
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_conditions_parse() {
        assert_eq!(
            parse_header_condition("exptime=10..30").unwrap(),
            HeaderCondition::Range { keyword: "EXPTIME".into(), min: Some(10.0), max: Some(30.0) }
        );
        assert_eq!(
            parse_header_condition("FILTER=R").unwrap(),
            HeaderCondition::Equals { keyword: "FILTER".into(), text: "R".into(), number: None }
        );
        assert_eq!(
            parse_header_condition("AIRMASS<=1.5").unwrap(),
            HeaderCondition::Range { keyword: "AIRMASS".into(), min: None, max: Some(1.5) }
        );
        assert!(parse_header_condition("EXPTIME=..").is_err());
        assert!(parse_header_condition("EXPTIME=a..b").is_err());
        assert!(parse_header_condition("EXPTIME=30..10").is_err(), "an empty range");
        assert!(parse_header_condition("novalue").is_err());
        assert!(parse_header_condition("=5").is_err());
        assert!(parse_header_condition("EXPTIME>=inf").is_err());
    }

    /// Found by fuzzing (`fuzz/`, target `header_condition`): `> =O` was the keyword `>` equal to `O`, which is
    /// written back as `>=O` (a different condition); `EXPTIME > =5` was a condition on the keyword `EXPTIME >`.
    #[test]
    fn keywords_hold_no_operator_characters() {
        for s in ["> =O  ", "EXPTIME > =5", "EXPTIME< =5", "A=B>=5", "A<B=1", "A>B<=2"] {
            assert!(parse_header_condition(s).is_err(), "{s}");
        }
        assert_eq!(
            parse_header_condition("ESO DET CHIP TEMP=-120..").unwrap(),
            HeaderCondition::Range { keyword: "ESO DET CHIP TEMP".into(), min: Some(-120.0), max: None }
        );
        assert_eq!(
            parse_header_condition("OBJECT=a<b=c").unwrap(),
            HeaderCondition::Equals { keyword: "OBJECT".into(), text: "a<b=c".into(), number: None }
        );
    }

    /// Found by fuzzing (`fuzz/`, target `header_condition`): `KEY<=` and `KEY>=` without a number gave a range
    /// with neither end (any number matched), where `KEY=..` is refused.
    #[test]
    fn a_bound_without_its_number_is_refused() {
        for s in ["AIRMASS<SS<=", "AIRMASS<=", "AIRMASS>=", "AIRMASS>=  ", "AIRMASS<= "] {
            assert!(parse_header_condition(s).is_err(), "{s}");
        }
        assert_eq!(
            parse_header_condition("AIRMASS>= 1.2").unwrap(),
            HeaderCondition::Range { keyword: "AIRMASS".into(), min: Some(1.2), max: None }
        );
    }

    #[test]
    fn ranges_parse_within_the_file() {
        let r = |h: &str, size| parse_byte_range(Some(h), size);
        assert_eq!(r("bytes=0-9", 100), Ok(Some(RangeSpec { start: 0, end: Some(9) })));
        assert_eq!(r("bytes=90-", 100), Ok(Some(RangeSpec { start: 90, end: None })));
        assert_eq!(r("bytes=-10", 100), Ok(Some(RangeSpec { start: 90, end: None })));
        assert_eq!(r("bytes=-1000", 100), Ok(Some(RangeSpec { start: 0, end: None })));
        assert_eq!(r("bytes=10-1000", 100), Ok(Some(RangeSpec { start: 10, end: Some(99) })));
        assert_eq!(r("bytes=100-", 100), Err(Unsatisfiable));
        assert_eq!(r("bytes=5-4", 100), Err(Unsatisfiable));
        assert_eq!(r("bytes=-0", 100), Err(Unsatisfiable));
        assert_eq!(r("bytes=0-0", 0), Err(Unsatisfiable));
        assert_eq!(r("bytes=x-1", 100), Err(Unsatisfiable));
        assert_eq!(r("bytes=0-1,5-6", 100), Ok(None), "several ranges: the whole file");
        assert_eq!(r("items=0-1", 100), Ok(None));
        assert_eq!(parse_byte_range(None, 100), Ok(None));
    }
}
