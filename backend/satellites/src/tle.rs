//! Two- and three-line element sets, column by column (Space-Track's fixed format), Alpha-5 catalog numbers,
//! checksums verified. A bad record is reported with its line number and reason; the others are still read.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::catalog::Rejected;
use crate::elements::MeanElements;

/// Reads every element set in `text`. Lines are numbered from 1; blank lines and `#` comments are skipped. A line
/// that is neither line 1 nor line 2 of a TLE is taken as the name line of the next record.
pub fn parse_tle(text: &str) -> (Vec<MeanElements>, Vec<Rejected>) {
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    let mut name: Option<(usize, String)> = None;
    let mut line1: Option<(usize, &str)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches(['\r', ' ', '\t']);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("1 ") && line.len() >= 64 {
            if let Some((n, _)) = line1.take() {
                rejected.push(Rejected::new(n, "line 1 is not followed by its line 2"));
            }
            line1 = Some((number, line));
        } else if line.starts_with("2 ") && line.len() >= 63 {
            let Some((n1, l1)) = line1.take() else {
                rejected.push(Rejected::new(number, "line 2 without a line 1 before it"));
                name = None;
                continue;
            };
            let record_name = name.take().filter(|(n, _)| *n + 1 == n1).map(|(_, s)| s);
            match parse_pair_checked(l1, line, true) {
                Ok(mut elements) => {
                    elements.name = record_name;
                    out.push(elements);
                }
                Err((which, reason)) => rejected.push(Rejected::new(if which == 1 { n1 } else { number }, reason)),
            }
        } else {
            if let Some((n, _)) = line1.take() {
                rejected.push(Rejected::new(n, "line 1 is not followed by its line 2"));
            }
            if line.starts_with("1 ") || line.starts_with("2 ") {
                rejected.push(Rejected::new(number, format!("TLE line too short ({} characters)", line.len())));
                name = None;
                continue;
            }
            // A name line with nothing but whitespace after its `0 ` names nothing (as an empty OMM name).
            let cleaned = line.strip_prefix("0 ").unwrap_or(line).trim();
            name = (!cleaned.is_empty()).then(|| (number, cleaned.to_owned()));
        }
    }
    if let Some((n, _)) = line1 {
        rejected.push(Rejected::new(n, "line 1 is not followed by its line 2"));
    }
    (out, rejected)
}

type LineError = (u8, String);

/// Why a line 1 / line 2 pair was refused: which of the two lines (1 or 2) and the reason (naming the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLE line {line}: {reason}")]
pub struct TleError {
    pub line: u8,
    pub reason: String,
}

/// Parses one line 1 / line 2 pair, checksums verified.
pub fn parse_pair(line1: &str, line2: &str) -> Result<MeanElements, TleError> {
    parse_pair_checked(line1, line2, true).map_err(|(line, reason)| TleError { line, reason })
}

/// As [`parse_pair`] without the checksum test: for published test sets whose checksums are known to be wrong
/// (Vallado's verification file has some). Never for catalogs.
pub fn parse_pair_unverified(line1: &str, line2: &str) -> Result<MeanElements, TleError> {
    parse_pair_checked(line1, line2, false).map_err(|(line, reason)| TleError { line, reason })
}

fn parse_pair_checked(line1: &str, line2: &str, verify: bool) -> Result<MeanElements, (u8, String)> {
    let l1 = Columns::new(line1, 1)?;
    let l2 = Columns::new(line2, 2)?;
    if verify {
        l1.checksum()?;
        l2.checksum()?;
    }
    let norad_id = l1.catalog_number()?;
    let norad2 = l2.catalog_number()?;
    if norad2 != norad_id {
        return Err((2, format!("catalog number {norad2} differs from line 1's {norad_id}")));
    }
    let designator = l1.get(9, 17)?.trim();
    let epoch = l1.epoch()?;
    let mean_motion_dot = l1.number(33, 43, "first derivative of mean motion")?;
    let mean_motion_ddot = l1.implied_decimal(44, 52, "second derivative of mean motion")?;
    let bstar = l1.implied_decimal(53, 61, "B* drag term")?;
    let element_set_no = l1.get(64, 68).ok().and_then(|s| s.trim().parse().ok());

    let inclination_deg = l2.number(8, 16, "inclination")?;
    let raan_deg = l2.number(17, 25, "right ascension of the ascending node")?;
    let ecc_text = l2.get(26, 33)?.trim();
    if ecc_text.is_empty() || !ecc_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err((2, format!("eccentricity: '{ecc_text}' is not 7 digits")));
    }
    let eccentricity = format!("0.{ecc_text}").parse::<f64>().map_err(|e| (2, format!("eccentricity: {e}")))?;
    let arg_of_perigee_deg = l2.number(34, 42, "argument of perigee")?;
    let mean_anomaly_deg = l2.number(43, 51, "mean anomaly")?;
    let mean_motion = l2.number(52, 63, "mean motion")?;
    let rev_at_epoch = l2.get(63, 68).ok().and_then(|s| s.trim().parse().ok());

    let elements = MeanElements {
        norad_id,
        name: None,
        international_designator: (!designator.is_empty()).then(|| designator.to_owned()),
        epoch,
        mean_motion,
        eccentricity,
        inclination_deg,
        raan_deg,
        arg_of_perigee_deg,
        mean_anomaly_deg,
        bstar,
        mean_motion_dot,
        mean_motion_ddot,
        element_set_no,
        rev_at_epoch,
    };
    check_ranges(&elements).map_err(|reason| (2, reason))?;
    Ok(elements)
}

/// Physical ranges, so a typo in a column is caught here and not as a strange orbit later.
pub(crate) fn check_ranges(e: &MeanElements) -> Result<(), String> {
    let checks: [(&str, f64, f64, f64); 6] = [
        ("inclination", e.inclination_deg, 0.0, 180.0),
        ("right ascension of the ascending node", e.raan_deg, 0.0, 360.0),
        ("argument of perigee", e.arg_of_perigee_deg, 0.0, 360.0),
        ("mean anomaly", e.mean_anomaly_deg, 0.0, 360.0),
        ("eccentricity", e.eccentricity, 0.0, 0.999_999_9),
        ("mean motion", e.mean_motion, f64::MIN_POSITIVE, 20.0),
    ];
    for (field, value, min, max) in checks {
        if !value.is_finite() || value < min || value > max {
            return Err(format!("{field}: {value} is outside {min}..={max}"));
        }
    }
    Ok(())
}

struct Columns<'a> {
    text: &'a str,
    which: u8,
}

impl<'a> Columns<'a> {
    fn new(text: &'a str, which: u8) -> Result<Self, LineError> {
        if !text.is_ascii() {
            return Err((which, "line has non-ASCII characters".to_owned()));
        }
        if text.len() < 68 {
            return Err((which, format!("line is {} characters long, expected 69", text.len())));
        }
        Ok(Self { text, which })
    }

    /// Columns `from..to`, 0-based, end exclusive (TLE documentation counts from 1: column 1 is index 0).
    fn get(&self, from: usize, to: usize) -> Result<&'a str, LineError> {
        self.text
            .get(from..to.min(self.text.len()))
            .ok_or_else(|| (self.which, format!("columns {}-{to} missing", from + 1)))
    }

    fn checksum(&self) -> Result<(), LineError> {
        let Some(expected) = self.text.as_bytes().get(68).filter(|b| b.is_ascii_digit()).map(|b| u32::from(b - b'0'))
        else {
            return Err((self.which, "checksum (column 69) missing".to_owned()));
        };
        let sum: u32 = self.text.as_bytes()[..68]
            .iter()
            .map(|&b| match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                b'-' => 1,
                _ => 0,
            })
            .sum();
        if sum % 10 == expected {
            Ok(())
        } else {
            Err((self.which, format!("checksum mismatch: column 69 says {expected}, the line sums to {}", sum % 10)))
        }
    }

    fn catalog_number(&self) -> Result<u32, LineError> {
        let text = self.get(2, 7)?.trim();
        decode_alpha5(text).ok_or_else(|| (self.which, format!("catalog number '{text}' is not a number or Alpha-5")))
    }

    fn number(&self, from: usize, to: usize, field: &str) -> Result<f64, LineError> {
        let text = self.get(from, to)?.trim();
        let value: f64 = text.parse().map_err(|_| (self.which, format!("{field}: '{text}' is not a number")))?;
        if value.is_finite() { Ok(value) } else { Err((self.which, format!("{field}: '{text}' is not finite"))) }
    }

    /// `" 12345-3"` means 0.12345e-3; the sign of the mantissa is optional, the exponent's sign is not.
    fn implied_decimal(&self, from: usize, to: usize, field: &str) -> Result<f64, LineError> {
        let text = self.get(from, to)?.trim();
        let bad = || (self.which, format!("{field}: '{text}' is not an implied-decimal number"));
        if text.is_empty() {
            return Ok(0.0);
        }
        let (mantissa, exponent) = match text.rfind(['-', '+']) {
            Some(i) if i > 0 => (&text[..i], &text[i..]),
            _ => (text, "0"),
        };
        let (sign, digits) = match mantissa.strip_prefix('-') {
            Some(rest) => (-1.0, rest),
            None => (1.0, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let digits = digits.trim();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(bad());
        }
        let digits = digits.strip_prefix('.').unwrap_or(digits);
        let m: f64 = format!("0.{digits}").parse().map_err(|_| bad())?;
        let e: i32 = exponent.parse().map_err(|_| bad())?;
        // A huge exponent overflows to infinity (or NaN, times a zero mantissa): no drag term is that.
        let value = sign * m * 10f64.powi(e);
        if value.is_finite() { Ok(value) } else { Err(bad()) }
    }

    fn epoch(&self) -> Result<DateTime<Utc>, LineError> {
        let year_text = self.get(18, 20)?;
        let day_text = self.get(20, 32)?.trim();
        let yy: i32 =
            year_text.trim().parse().map_err(|_| (1, format!("epoch year: '{year_text}' is not a number")))?;
        let day: f64 = day_text.parse().map_err(|_| (1, format!("epoch day: '{day_text}' is not a number")))?;
        // The two-digit-year convention of the TLE format: 57..99 are 1957..1999.
        let year = if yy < 57 { 2000 + yy } else { 1900 + yy };
        if !(1.0..367.0).contains(&day) {
            return Err((1, format!("epoch day: {day} is outside 1..367")));
        }
        epoch_from_year_day(year, day).ok_or_else(|| (1, format!("epoch: day {day} of {year} does not exist")))
    }
}

/// UTC instant of fractional day-of-year `day` (1.0 = January 1, 00:00) of `year`, to the microsecond.
pub(crate) fn epoch_from_year_day(year: i32, day: f64) -> Option<DateTime<Utc>> {
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?.and_utc();
    let micros = ((day - 1.0) * 86_400e6).round() as i64;
    let epoch = jan1 + Duration::microseconds(micros);
    (epoch.format("%Y").to_string() == year.to_string()).then_some(epoch)
}

/// Decodes a 5-character catalog number: digits, or Alpha-5 (a letter for the ten-thousands, I and O skipped, so
/// `A0000` = 100000 and `Z9999` = 339999).
pub fn decode_alpha5(text: &str) -> Option<u32> {
    let text = text.trim();
    if !text.is_ascii() {
        return None;
    }
    let first = text.chars().next()?;
    if first.is_ascii_digit() {
        return text.parse().ok().filter(|_| text.bytes().all(|b| b.is_ascii_digit()));
    }
    let rest = &text[1..];
    if rest.len() != 4 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let letter = first.to_ascii_uppercase();
    if !letter.is_ascii_uppercase() || letter == 'I' || letter == 'O' {
        return None;
    }
    let mut value = u32::from(letter as u8 - b'A') + 10;
    if letter > 'I' {
        value -= 1;
    }
    if letter > 'O' {
        value -= 1;
    }
    Some(value * 10_000 + rest.parse::<u32>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS0: &str = "ISS (ZARYA)";
    const ISS1: &str = "1 25544U 98067A   22166.98291539  .00007389  00000+0  13721-3 0  9996";
    const ISS2: &str = "2 25544  51.6447 342.5501 0004194 242.9750 255.0959 15.50021518344998";

    #[test]
    fn alpha5() {
        assert_eq!(decode_alpha5("25544"), Some(25544));
        assert_eq!(decode_alpha5("A0000"), Some(100_000));
        assert_eq!(decode_alpha5("H9999"), Some(179_999));
        assert_eq!(decode_alpha5("J0000"), Some(180_000));
        assert_eq!(decode_alpha5("P0000"), Some(230_000));
        assert_eq!(decode_alpha5("Z9999"), Some(339_999));
        assert_eq!(decode_alpha5("I0000"), None);
        assert_eq!(decode_alpha5("O1234"), None);
        assert_eq!(decode_alpha5("1x345"), None);
        assert_eq!(decode_alpha5("é1234"), None);
        assert_eq!(decode_alpha5(""), None);
    }

    #[test]
    fn three_line_record() {
        let text = format!("{ISS0}\n{ISS1}\n{ISS2}\n");
        let (sets, rejected) = parse_tle(&text);
        assert!(rejected.is_empty(), "{rejected:?}");
        let iss = &sets[0];
        assert_eq!(iss.norad_id, 25544);
        assert_eq!(iss.name.as_deref(), Some(ISS0));
        assert_eq!(iss.international_designator.as_deref(), Some("98067A"));
        assert!((iss.bstar - 0.13721e-3).abs() < 1e-12);
        assert!((iss.eccentricity - 0.0004194).abs() < 1e-12);
        assert_eq!(iss.epoch.format("%Y-%m-%d").to_string(), "2022-06-15");
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_kept() {
        let bad_checksum = ISS2.replace("44998", "44990");
        let text = format!("{ISS0}\n{ISS1}\n{bad_checksum}\nNEXT\n{ISS1}\n{ISS2}\n2 garbage\n");
        let (sets, rejected) = parse_tle(&text);
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0].name.as_deref(), Some("NEXT"));
        assert_eq!(rejected.len(), 2, "{rejected:?}");
        assert_eq!(rejected[0].line, 3);
        assert!(rejected[0].reason.contains("checksum"), "{}", rejected[0].reason);
        assert_eq!(rejected[1].line, 7);
    }

    #[test]
    fn implied_decimals() {
        let c = Columns { text: "x 12345-3 -12345-3  00000+0 +5-1", which: 1 };
        assert!((c.implied_decimal(1, 9, "f").expect("parses") - 0.12345e-3).abs() < 1e-15);
        assert!((c.implied_decimal(9, 18, "f").expect("parses") + 0.12345e-3).abs() < 1e-15);
        assert_eq!(c.implied_decimal(18, 27, "f").expect("parses"), 0.0);
        assert!((c.implied_decimal(27, 32, "f").expect("parses") - 0.05).abs() < 1e-15);
    }

    /// Found by fuzzing (`fuzz/`, target `tle`): `0 ` and whitespace that the line's end trimming keeps (vertical
    /// tab, form feed, no-break space) named the next record "" instead of nothing.
    #[test]
    fn a_name_line_of_only_whitespace_names_nothing() {
        for blank in ["0 \u{b}\u{b}", "0 \u{c}", "0 \u{a0}"] {
            let (sets, rejected) = parse_tle(&format!("{blank}\n{ISS1}\n{ISS2}\n"));
            assert!(rejected.is_empty(), "{rejected:?}");
            assert_eq!(sets[0].name, None, "{blank:?}");
        }
    }

    /// Found by fuzzing (`fuzz/`, target `tle`): an exponent beyond f64's range made the second derivative of the
    /// mean motion NaN (`00+88888`: 0 × ∞) or B* infinite, and the element set was accepted with it.
    #[test]
    fn implied_decimals_that_overflow_are_refused() {
        let c = Columns { text: "x 00+88888 12345+99 -1+309 1-99999", which: 1 };
        assert!(c.implied_decimal(1, 10, "f").is_err(), "0 times 10^88888");
        assert!((c.implied_decimal(10, 19, "f").expect("finite") - 0.12345e99).abs() < 1e84);
        assert!(c.implied_decimal(19, 26, "f").is_err(), "-0.1e309 overflows");
        assert_eq!(c.implied_decimal(26, 34, "f").expect("underflows to zero"), 0.0);
        let line1 = "1 36397U 10046A   22166.91172727 -.0000024000+88888888888888888880 68";
        let line2 = "2 36397   0.0129 327.8129 0002277 127.0445  61.3251  1.0026971880.  500-3";
        let error = parse_pair(line1, line2).expect_err("refused");
        assert_eq!(error.line, 1);
        assert!(error.reason.contains("second derivative of mean motion"), "{}", error.reason);
        let (sets, rejected) = parse_tle(&format!("T(IS-16)\n{line1}\n{line2}\n"));
        assert!(sets.is_empty(), "{sets:?}");
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 2);
    }
}
