//! Places on Earth and on the sky. Coordinates arrive typed by people in several notations (decimal degrees,
//! sexagesimal hours for right ascension, degrees-arcminutes-arcseconds for declination); each type accepts them
//! all and keeps one canonical form, degrees as `f64`, so storage, comparison and arithmetic never guess a unit.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// Why a coordinate string did not parse; each type words the message for its own field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AngleError {
    /// Not a notation we understand.
    Syntax,
    /// The minutes part was 60 or more.
    Minutes,
    /// The seconds part was 60 or more.
    Seconds,
}

/// Unit markers accepted after each of the (up to three) components.
type Markers = [&'static [char]; 3];

/// `5h35m17.3s`. A lone `d`/`°` is allowed on a single number so `83.82°` reads as degrees.
const HOUR_MARKERS: Markers = [&['h', 'd', '°'], &['m'], &['s']];
/// `-5d23m28s`, `-5°23′28″`, `-5°23'28"`.
const DEGREE_MARKERS: Markers = [&['d', '°'], &['m', '\'', '′'], &['s', '"', '″']];

/// A coordinate as typed, split up but not yet combined.
#[derive(Debug)]
struct Sexagesimal {
    negative: bool,
    /// One (a decimal number) to three (whole, minutes, seconds) components.
    parts: Vec<f64>,
    /// The marker after the first component, if any (`h` tells hours from degrees).
    first_marker: Option<char>,
}

impl Sexagesimal {
    /// The components combined: `a + b/60 + c/3600`, signed.
    fn value(&self) -> f64 {
        let magnitude = self.parts.iter().rev().fold(0.0, |acc, p| p + acc / 60.0);
        if self.negative { -magnitude } else { magnitude }
    }
}

/// Splits `"−05 23 28"`, `"-5d23m28s"`, `"05:35:17.3"` or `"83.8221"` into sign and components. Separators are
/// `:`, whitespace, or the unit markers of each position; all but the last component must be whole numbers, and
/// minutes and seconds must be below 60. The sign is read from the text, not from the first component, so
/// `-00:30:00` is minus half a degree.
fn split_sexagesimal(input: &str, markers: &Markers) -> Result<Sexagesimal, AngleError> {
    let lower = input.trim().to_lowercase();
    let mut rest = lower.as_str();
    let mut negative = false;
    if let Some(c) = rest.chars().next()
        && matches!(c, '-' | '+' | '−')
    {
        negative = c != '+';
        rest = rest[c.len_utf8()..].trim_start();
    }

    let mut texts: Vec<&str> = Vec::with_capacity(3);
    let mut first_marker = None;
    loop {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if end == 0 || texts.len() == 3 {
            return Err(AngleError::Syntax);
        }
        texts.push(&rest[..end]);
        let position = texts.len() - 1;
        let after_number = &rest[end..];
        let trimmed = after_number.trim_start();
        let Some(c) = trimmed.chars().next() else {
            break;
        };
        let separated_by_space = trimmed.len() < after_number.len();
        if markers[position].contains(&c) {
            if position == 0 {
                first_marker = Some(c);
            }
            rest = trimmed[c.len_utf8()..].trim_start();
            if rest.is_empty() {
                break;
            }
        } else if c == ':' {
            rest = trimmed[1..].trim_start();
        } else if separated_by_space {
            rest = trimmed;
        } else {
            return Err(AngleError::Syntax);
        }
    }

    let last = texts.len() - 1;
    let mut parts = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        if i < last && text.contains('.') {
            return Err(AngleError::Syntax);
        }
        let value: f64 = text.parse().map_err(|_| AngleError::Syntax)?;
        if i > 0 && value >= 60.0 {
            return Err(if i == 1 { AngleError::Minutes } else { AngleError::Seconds });
        }
        parts.push(value);
    }
    // Hours and degrees markers only make sense on the first part; a multi-part RA in degrees is not supported.
    Ok(Sexagesimal { negative, parts, first_marker })
}

/// Degrees from decimal or degrees-arcminutes-arcseconds text, for latitude, longitude and declination.
fn parse_degrees(input: &str) -> Result<f64, AngleError> {
    split_sexagesimal(input, &DEGREE_MARKERS).map(|s| s.value())
}

/// `-0.0` and `0.0` compare equal but print differently; keep one.
fn positive_zero(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v }
}

macro_rules! float_serde {
    ($name:ident) => {
        impl TryFrom<f64> for $name {
            type Error = ValidationError;
            fn try_from(v: f64) -> Result<Self, Self::Error> {
                Self::new(v)
            }
        }
        impl From<$name> for f64 {
            fn from(v: $name) -> f64 {
                v.0
            }
        }
    };
}

/// A finite value inside the allowed range (the caller says which, and in what words), with -0 made +0.
fn in_range(field: &str, value: f64, allowed: bool, range: &str) -> Result<f64, ValidationError> {
    if !value.is_finite() {
        return Err(ValidationError::new(field, "must be a finite number"));
    }
    if !allowed {
        return Err(ValidationError::new(field, range.to_owned()));
    }
    Ok(positive_zero(value))
}

/// Degrees from decimal or sexagesimal text, with `syntax` as the message for text that is neither.
fn degrees_from(field: &str, s: &str, syntax: &str) -> Result<f64, ValidationError> {
    parse_degrees(s).map_err(|e| {
        ValidationError::new(
            field,
            match e {
                AngleError::Syntax => syntax,
                AngleError::Minutes => "arcminutes must be below 60",
                AngleError::Seconds => "arcseconds must be below 60",
            },
        )
    })
}

/// A site's geodetic latitude in degrees, north positive, -90 to 90.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Latitude(f64);

impl Latitude {
    const FIELD: &'static str = "latitude";

    pub fn new(degrees: f64) -> Result<Self, ValidationError> {
        let ok = (-90.0..=90.0).contains(&degrees);
        in_range(Self::FIELD, degrees, ok, "must be between -90 and 90 degrees (north positive)").map(Self)
    }

    /// Decimal degrees (`28.7606`) or degrees, arcminutes and arcseconds (`28:45:38`, `28°45′38″`, `-24 37 38`).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::new(degrees_from(Self::FIELD, s, "must be degrees, such as 28.7606 or 28:45:38 (north positive)")?)
    }

    #[must_use]
    pub const fn degrees(self) -> f64 {
        self.0
    }
}
float_serde!(Latitude);

impl std::fmt::Display for Latitude {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A site's longitude in degrees, east positive, -180 to 180. Values written 0-360 east are rejected rather than
/// wrapped: a site entered as 200 is as likely to be a typo as a west longitude, and the site is not moved silently.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Longitude(f64);

impl Longitude {
    const FIELD: &'static str = "longitude";

    pub fn new(degrees: f64) -> Result<Self, ValidationError> {
        if degrees > 180.0 && degrees <= 360.0 {
            return Err(ValidationError::new(
                Self::FIELD,
                format!(
                    "must be between -180 and 180 degrees (east positive); {degrees} east is written {}",
                    ((degrees - 360.0) * 1e9).round() / 1e9
                ),
            ));
        }
        let ok = (-180.0..=180.0).contains(&degrees);
        in_range(Self::FIELD, degrees, ok, "must be between -180 and 180 degrees (east positive)").map(Self)
    }

    /// Decimal degrees (`-17.8792`) or degrees, arcminutes and arcseconds (`-17:52:45`, `-17°52′45″`).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::new(degrees_from(Self::FIELD, s, "must be degrees, such as -17.8792 or -17:52:45 (east positive)")?)
    }

    #[must_use]
    pub const fn degrees(self) -> f64 {
        self.0
    }
}
float_serde!(Longitude);

impl std::fmt::Display for Longitude {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A site's height above sea level in metres, -500 (the shores of the Dead Sea) to 9000 (above Everest), which
/// catches feet typed for metres at the highest observatories.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Elevation(f64);

impl Elevation {
    const FIELD: &'static str = "elevation_m";
    pub const MIN: f64 = -500.0;
    pub const MAX: f64 = 9000.0;

    pub fn new(metres: f64) -> Result<Self, ValidationError> {
        let ok = (Self::MIN..=Self::MAX).contains(&metres);
        in_range(Self::FIELD, metres, ok, "must be between -500 and 9000 metres").map(Self)
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let metres: f64 = s
            .trim()
            .parse()
            .map_err(|_| ValidationError::new(Self::FIELD, "must be a number of metres, such as 2396"))?;
        Self::new(metres)
    }

    #[must_use]
    pub const fn metres(self) -> f64 {
        self.0
    }
}
float_serde!(Elevation);

impl std::fmt::Display for Elevation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Right ascension in degrees, 0 (inclusive) to 360 (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct RightAscension(f64);

impl RightAscension {
    const FIELD: &'static str = "ra";

    pub fn new(degrees: f64) -> Result<Self, ValidationError> {
        let ok = (0.0..360.0).contains(&degrees);
        in_range(Self::FIELD, degrees, ok, "must be at least 0 and below 360 degrees (0h to 24h)").map(Self)
    }

    /// A single number is degrees (`83.8221`, `83.8221°`), or hours with an `h` (`5.5881h`); two or three parts
    /// are hours, minutes and seconds of time (`05:35:17.3`, `5h35m17.3s`, `05 35 17.3`). A bare `5.5` is therefore
    /// 5.5 degrees, not hours: catalogues and FITS headers give RA in degrees.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        const SYNTAX: &str = "must be degrees (83.8221) or hours as 05:35:17.3, 5h35m17.3s or 05 35 17.3";
        let err = |m: &str| ValidationError::new(Self::FIELD, m);
        let parsed = split_sexagesimal(s, &HOUR_MARKERS).map_err(|e| {
            err(match e {
                AngleError::Syntax => SYNTAX,
                AngleError::Minutes => "minutes must be below 60",
                AngleError::Seconds => "seconds must be below 60",
            })
        })?;
        let degrees_marker = matches!(parsed.first_marker, Some('d' | '°'));
        if parsed.parts.len() == 1 && parsed.first_marker != Some('h') {
            return Self::new(parsed.value());
        }
        if degrees_marker {
            return Err(err(SYNTAX));
        }
        if parsed.parts[0] >= 24.0 {
            return Err(err("hours must be below 24"));
        }
        Self::new(parsed.value() * 15.0)
    }

    #[must_use]
    pub const fn degrees(self) -> f64 {
        self.0
    }

    #[must_use]
    pub fn hours(self) -> f64 {
        self.0 / 15.0
    }

    /// `05:35:17.30`: hours, minutes and seconds of time to a hundredth of a second, wrapping at 24h so rounding
    /// never prints `24:00:00.00`.
    #[must_use]
    pub fn to_hms(self) -> String {
        const DAY: u64 = 24 * 3600 * 100;
        let mut centis = (self.hours() * 3600.0 * 100.0).round() as u64;
        if centis >= DAY {
            centis -= DAY;
        }
        let (h, rest) = (centis / 360_000, centis % 360_000);
        let (m, rest) = (rest / 6000, rest % 6000);
        format!("{h:02}:{m:02}:{:02}.{:02}", rest / 100, rest % 100)
    }
}
float_serde!(RightAscension);

/// Sexagesimal, as astronomers read it.
impl std::fmt::Display for RightAscension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hms())
    }
}

/// Declination in degrees, -90 to 90.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Declination(f64);

impl Declination {
    const FIELD: &'static str = "dec";

    pub fn new(degrees: f64) -> Result<Self, ValidationError> {
        let ok = (-90.0..=90.0).contains(&degrees);
        in_range(Self::FIELD, degrees, ok, "must be between -90 and 90 degrees").map(Self)
    }

    /// Decimal degrees (`-5.3911`) or degrees, arcminutes and arcseconds (`-05:23:28`, `-5d23m28s`, `−05 23 28`,
    /// `-5°23′28″`). The sign belongs to the whole value: `-00:30:00` is -0.5 degrees.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        const SYNTAX: &str =
            "must be degrees (-5.3911) or degrees, arcminutes and arcseconds as -05:23:28, -5d23m28s or -05 23 28";
        Self::new(degrees_from(Self::FIELD, s, SYNTAX)?)
    }

    #[must_use]
    pub const fn degrees(self) -> f64 {
        self.0
    }

    /// `-05:23:28.0`: signed degrees, arcminutes and arcseconds to a tenth of an arcsecond. The sign is decided after
    /// rounding, so a value that rounds to zero prints `+00:00:00.0`.
    #[must_use]
    pub fn to_dms(self) -> String {
        let tenths = (self.0.abs() * 36_000.0).round() as u64;
        let sign = if self.0 < 0.0 && tenths > 0 { '-' } else { '+' };
        let (d, rest) = (tenths / 36_000, tenths % 36_000);
        let (m, rest) = (rest / 600, rest % 600);
        format!("{sign}{d:02}:{m:02}:{:02}.{}", rest / 10, rest % 10)
    }
}
float_serde!(Declination);

/// Sexagesimal, as astronomers read it.
impl std::fmt::Display for Declination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_dms())
    }
}

/// A direction on the sky (equatorial coordinates; the equinox is the caller's convention, ICRS in practice).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SkyPosition {
    pub ra: RightAscension,
    pub dec: Declination,
}

impl SkyPosition {
    #[must_use]
    pub const fn new(ra: RightAscension, dec: Declination) -> Self {
        Self { ra, dec }
    }

    /// Parses both coordinates, reporting the first bad one under its own field (`ra` or `dec`).
    pub fn parse(ra: &str, dec: &str) -> Result<Self, ValidationError> {
        Ok(Self { ra: RightAscension::parse(ra)?, dec: Declination::parse(dec)? })
    }

    /// Great-circle distance in degrees, 0 to 180. Uses Vincenty's formula (an `atan2` of the two components),
    /// which unlike the plain cosine law stays accurate for tiny separations (arcseconds, for cross-matching) and
    /// unlike haversine also near 180 degrees. RA differences are taken through sine and cosine, so positions
    /// either side of RA 0/360 come out close.
    #[must_use]
    pub fn angular_separation_deg(&self, other: &SkyPosition) -> f64 {
        let (ra1, dec1) = (self.ra.0.to_radians(), self.dec.0.to_radians());
        let (ra2, dec2) = (other.ra.0.to_radians(), other.dec.0.to_radians());
        let d_ra = ra2 - ra1;
        let (sin_d_ra, cos_d_ra) = d_ra.sin_cos();
        let (sin1, cos1) = dec1.sin_cos();
        let (sin2, cos2) = dec2.sin_cos();
        let a = cos2 * sin_d_ra;
        let b = cos1 * sin2 - sin1 * cos2 * cos_d_ra;
        let numerator = a.hypot(b);
        let denominator = sin1 * sin2 + cos1 * cos2 * cos_d_ra;
        numerator.atan2(denominator).to_degrees()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    fn field<T: std::fmt::Debug>(r: Result<T, ValidationError>) -> String {
        r.expect_err("should be rejected").field
    }

    #[test]
    fn latitude_range_and_notations() {
        for ok in [-90.0, -24.6272, 0.0, 28.7606, 90.0] {
            assert_eq!(Latitude::new(ok).unwrap().degrees(), ok);
        }
        for bad in [90.000_001, -91.0, 91.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(field(Latitude::new(bad)), "latitude", "{bad}");
        }
        assert!(close(Latitude::parse("28:45:36").unwrap().degrees(), 28.76, 1e-12));
        assert!(close(Latitude::parse("28°45′36″").unwrap().degrees(), 28.76, 1e-12));
        assert!(close(Latitude::parse(" -24 37 38 ").unwrap().degrees(), -(24.0 + 37.0 / 60.0 + 38.0 / 3600.0), 1e-12));
        assert!(close(Latitude::parse("−0:30").unwrap().degrees(), -0.5, 1e-12));
        assert_eq!(Latitude::parse("19.8207").unwrap().degrees(), 19.8207);
        for bad in ["", "north", "91", "NaN", "inf", "1e1", "28:60", "28:45:60", "28.5:10"] {
            assert_eq!(field(Latitude::parse(bad)), "latitude", "{bad}");
        }
        assert_eq!(Latitude::parse("28:61").unwrap_err().message, "arcminutes must be below 60");
        assert_eq!(Latitude::parse("-0").unwrap().degrees().to_string(), "0");
    }

    #[test]
    fn longitude_range_and_zero_to_360_hint() {
        for ok in [-180.0, -17.8792, 0.0, 155.4681, 180.0] {
            assert_eq!(Longitude::new(ok).unwrap().degrees(), ok);
        }
        for bad in [180.5, -180.5, 360.0, 400.0, -400.0, f64::NAN, f64::INFINITY] {
            assert_eq!(field(Longitude::new(bad)), "longitude", "{bad}");
        }
        let e = Longitude::new(342.1208).unwrap_err();
        assert!(e.message.contains("-180 and 180"), "{}", e.message);
        assert!(e.message.ends_with("written -17.8792"), "suggests the west longitude: {}", e.message);
        assert!(close(Longitude::parse("-17:52:45").unwrap().degrees(), -17.879_166_666, 1e-8));
        assert_eq!(field(Longitude::parse("200")), "longitude");
        assert_eq!(field(Longitude::parse("17W")), "longitude");
    }

    #[test]
    fn elevation_range() {
        for ok in [-500.0, -430.5, 0.0, 2396.0, 4205.0, 9000.0] {
            assert_eq!(Elevation::new(ok).unwrap().metres(), ok);
        }
        for bad in [-500.1, 9000.1, 13_796.0, f64::NAN, f64::INFINITY] {
            assert_eq!(field(Elevation::new(bad)), "elevation_m", "{bad}");
        }
        assert_eq!(Elevation::parse(" 2396 ").unwrap().metres(), 2396.0);
        for bad in ["", "2396m", "NaN", "inf", "-infinity", "1e9"] {
            assert_eq!(field(Elevation::parse(bad)), "elevation_m", "{bad}");
        }
    }

    #[test]
    fn right_ascension_notations() {
        let m42 = 15.0 * (5.0 + 35.0 / 60.0 + 17.3 / 3600.0);
        for s in ["05:35:17.3", "5:35:17.3", "5h35m17.3s", "5h 35m 17.3s", "5H35M17.3S", "05 35 17.3", "  05 35  17.3 "]
        {
            assert!(close(RightAscension::parse(s).unwrap().degrees(), m42, 1e-9), "{s}");
        }
        assert!(close(RightAscension::parse("5h35m17.3").unwrap().degrees(), m42, 1e-9));
        assert!(close(RightAscension::parse("05:35.5").unwrap().degrees(), 15.0 * (5.0 + 35.5 / 60.0), 1e-9));
        assert!(close(RightAscension::parse("5.5h").unwrap().degrees(), 82.5, 1e-12));
        assert_eq!(RightAscension::parse("83.8221").unwrap().degrees(), 83.8221);
        assert_eq!(RightAscension::parse("83.8221°").unwrap().degrees(), 83.8221);
        assert_eq!(RightAscension::parse("83.8221d").unwrap().degrees(), 83.8221);
        assert_eq!(RightAscension::parse("0").unwrap().degrees(), 0.0);
        assert_eq!(RightAscension::parse("-0").unwrap().degrees().to_string(), "0");
        assert!(close(RightAscension::parse("23:59:59.99").unwrap().degrees(), 359.999_958, 1e-6));
    }

    #[test]
    fn right_ascension_rejections() {
        for bad in [
            "",
            "400",
            "360",
            "-1",
            "-00:30:00",
            "24:00:00",
            "25:00:00",
            "05:60:00",
            "05:35:60",
            "05:35:17.3:1",
            "5.5:35:17",
            "05::35",
            "05:35:",
            "5d35m17s",
            "5h35s",
            "5x35",
            "NaN",
            "inf",
            "1e2",
            "five",
        ] {
            assert_eq!(field(RightAscension::parse(bad)), "ra", "{bad}");
        }
        assert_eq!(RightAscension::parse("05:60:00").unwrap_err().message, "minutes must be below 60");
        assert_eq!(RightAscension::parse("05:35:60").unwrap_err().message, "seconds must be below 60");
        assert_eq!(RightAscension::parse("24:00:00").unwrap_err().message, "hours must be below 24");
        for bad in [400.0, 360.0, -0.001, f64::NAN, f64::INFINITY] {
            assert_eq!(field(RightAscension::new(bad)), "ra", "{bad}");
        }
    }

    #[test]
    fn declination_notations_and_sign() {
        let orion = -(5.0 + 23.0 / 60.0 + 28.0 / 3600.0);
        for s in ["-05:23:28", "-5:23:28", "-5d23m28s", "-5° 23′ 28″", "-5°23'28\"", "−05 23 28", "- 05 23 28"]
        {
            assert!(close(Declination::parse(s).unwrap().degrees(), orion, 1e-12), "{s}");
        }
        assert!(close(Declination::parse("+05:23:28").unwrap().degrees(), -orion, 1e-12));
        assert!(close(Declination::parse("05 23 28").unwrap().degrees(), -orion, 1e-12));
        // The sign is on the text, not on a zero degrees part.
        assert!(close(Declination::parse("-00:30:00").unwrap().degrees(), -0.5, 1e-12));
        assert!(close(Declination::parse("−0 30 0").unwrap().degrees(), -0.5, 1e-12));
        assert!(close(Declination::parse("-0d30m").unwrap().degrees(), -0.5, 1e-12));
        assert!(close(Declination::parse("+00:30:00").unwrap().degrees(), 0.5, 1e-12));
        assert_eq!(Declination::parse("-5.3911").unwrap().degrees(), -5.3911);
        assert_eq!(Declination::parse("90").unwrap().degrees(), 90.0);
        assert_eq!(Declination::parse("-90:00:00").unwrap().degrees(), -90.0);
    }

    #[test]
    fn declination_rejections() {
        for bad in [
            "",
            "91",
            "-91",
            "90:00:01",
            "-90:00:00.1",
            "10:60:00",
            "10:30:60",
            "10h30m",
            "--5",
            "5-",
            "1:2:3:4",
            "NaN",
            "abc",
        ] {
            assert_eq!(field(Declination::parse(bad)), "dec", "{bad}");
        }
        assert_eq!(Declination::parse("10:60:00").unwrap_err().message, "arcminutes must be below 60");
        assert_eq!(Declination::parse("10:30:60").unwrap_err().message, "arcseconds must be below 60");
        assert_eq!(Declination::parse("91").unwrap_err().message, "must be between -90 and 90 degrees");
        for bad in [91.0, -90.5, f64::NAN, f64::NEG_INFINITY] {
            assert_eq!(field(Declination::new(bad)), "dec", "{bad}");
        }
    }

    #[test]
    fn sexagesimal_printing_round_trips() {
        let ra = RightAscension::parse("05:35:17.3").unwrap();
        assert_eq!(ra.to_hms(), "05:35:17.30");
        assert_eq!(ra.to_string(), "05:35:17.30");
        assert_eq!(RightAscension::new(359.999_999_9).unwrap().to_hms(), "00:00:00.00", "wraps, never 24h");
        assert_eq!(RightAscension::new(0.0).unwrap().to_hms(), "00:00:00.00");
        let dec = Declination::parse("-05:23:28").unwrap();
        assert_eq!(dec.to_dms(), "-05:23:28.0");
        assert_eq!(Declination::parse("-00:30:00").unwrap().to_dms(), "-00:30:00.0");
        assert_eq!(Declination::new(-0.000_000_1).unwrap().to_dms(), "+00:00:00.0");
        assert_eq!(Declination::new(90.0).unwrap().to_dms(), "+90:00:00.0");
        assert_eq!(Declination::new(12.999_999_99).unwrap().to_dms(), "+13:00:00.0", "carries 59.99..");
        for i in 0..2000 {
            let deg = f64::from(i) * 0.179_9;
            let ra = RightAscension::new(deg).unwrap();
            let back = RightAscension::parse(&ra.to_hms()).unwrap();
            assert!(close(back.degrees(), deg, 15.0 * 0.005 / 3600.0 + 1e-9) || back.degrees() == 0.0, "{deg}");
            let dec_deg = f64::from(i) * 0.09 - 90.0;
            let dec = Declination::new(dec_deg).unwrap();
            let back = Declination::parse(&dec.to_dms()).unwrap();
            assert!(close(back.degrees(), dec_deg, 0.05 / 3600.0 + 1e-9), "{dec_deg} {}", dec.to_dms());
        }
    }

    #[test]
    fn serde_uses_degrees_and_validates() {
        let pos = SkyPosition::parse("05:35:17.3", "-05:23:28").unwrap();
        let json = serde_json::to_value(pos).unwrap();
        assert!(close(json["ra"].as_f64().unwrap(), 83.822_083, 1e-6));
        assert_eq!(serde_json::from_value::<SkyPosition>(json).unwrap(), pos);
        assert!(serde_json::from_str::<SkyPosition>(r#"{"ra": 400, "dec": 0}"#).is_err());
        assert!(serde_json::from_str::<SkyPosition>(r#"{"ra": 10, "dec": 91}"#).is_err());
        assert!(serde_json::from_str::<Latitude>("91").is_err());
        assert!(serde_json::from_str::<Longitude>("-17.88").is_ok());
        assert!(serde_json::from_str::<Elevation>("9001").is_err());
        assert_eq!(SkyPosition::parse("400", "0").unwrap_err().field, "ra");
        assert_eq!(SkyPosition::parse("0", "91").unwrap_err().field, "dec");
    }

    /// Independent reference: the haversine formula, good away from 180 degrees.
    fn haversine(a: &SkyPosition, b: &SkyPosition) -> f64 {
        let (ra1, dec1, ra2, dec2) =
            (a.ra.0.to_radians(), a.dec.0.to_radians(), b.ra.0.to_radians(), b.dec.0.to_radians());
        let h = ((dec2 - dec1) / 2.0).sin().powi(2) + dec1.cos() * dec2.cos() * ((ra2 - ra1) / 2.0).sin().powi(2);
        (2.0 * h.sqrt().asin()).to_degrees()
    }

    fn pos(ra: f64, dec: f64) -> SkyPosition {
        SkyPosition::new(RightAscension::new(ra).unwrap(), Declination::new(dec).unwrap())
    }

    #[test]
    fn angular_separation() {
        assert_eq!(pos(10.0, 20.0).angular_separation_deg(&pos(10.0, 20.0)), 0.0);
        assert!(close(pos(359.9, 0.0).angular_separation_deg(&pos(0.1, 0.0)), 0.2, 1e-9), "across RA 0/360");
        assert!(close(
            pos(359.0, 45.0).angular_separation_deg(&pos(1.0, 45.0)),
            haversine(&pos(359.0, 45.0), &pos(1.0, 45.0)),
            1e-9
        ));
        assert!(close(pos(0.0, 90.0).angular_separation_deg(&pos(180.0, 90.0)), 0.0, 1e-9), "the pole is one point");
        assert!(close(pos(0.0, 90.0).angular_separation_deg(&pos(123.0, -90.0)), 180.0, 1e-9));
        assert!(close(pos(0.0, 0.0).angular_separation_deg(&pos(180.0, 0.0)), 180.0, 1e-9), "antipodes");
        assert!(close(pos(0.0, 0.0).angular_separation_deg(&pos(90.0, 0.0)), 90.0, 1e-9));
        assert!(close(pos(0.0, 0.0).angular_separation_deg(&pos(0.0, -30.0)), 30.0, 1e-9));
        // One arcsecond on the equator survives the arithmetic.
        let arcsec = 1.0 / 3600.0;
        assert!(close(pos(200.0, 0.0).angular_separation_deg(&pos(200.0 + arcsec, 0.0)), arcsec, 1e-12));
        // Betelgeuse to Rigel: about 18.6 degrees.
        let betelgeuse = SkyPosition::parse("05:55:10.31", "+07:24:25.4").unwrap();
        let rigel = SkyPosition::parse("05:14:32.27", "-08:12:05.9").unwrap();
        let d = betelgeuse.angular_separation_deg(&rigel);
        assert!(close(d, 18.6, 0.05), "{d}");
        assert!(close(d, rigel.angular_separation_deg(&betelgeuse), 1e-12), "symmetric");
        // Agrees with haversine on a spread of pairs.
        for i in 0..500 {
            let a = pos(f64::from(i * 37 % 360), f64::from(i * 13 % 180) - 89.5);
            let b = pos(f64::from(i * 101 % 360), f64::from(i * 7 % 180) - 89.5);
            let (v, h) = (a.angular_separation_deg(&b), haversine(&a, &b));
            assert!((0.0..=180.0).contains(&v));
            if h < 170.0 {
                assert!(close(v, h, 1e-7), "{a:?} {b:?}: {v} vs {h}");
            }
        }
    }
}
