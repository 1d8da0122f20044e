//! From header cards to observation metadata. Every field is optional and nothing here fails: a value we cannot
//! read becomes a warning naming its keyword, and the next keyword in line is tried.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use meridian_domain::{Declination, FrameType, RightAscension};
use serde::{Deserialize, Serialize};

use crate::Headers;
use crate::card::CardValue;
use crate::hdu::{Hdu, HduKind};

/// Where the first 2-D image is and how big it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub hdu: usize,
    pub width: u64,
    pub height: u64,
    pub bitpix: i32,
}

/// The observation a file records, as far as its headers say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub date_obs: Option<DateTime<Utc>>,
    pub object: Option<String>,
    pub ra_deg: Option<f64>,
    pub dec_deg: Option<f64>,
    pub exposure_s: Option<f64>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub telescope: Option<String>,
    pub frame_type: Option<FrameType>,
    pub image: Option<ImageInfo>,
    /// One line per keyword that was present but could not be read.
    pub warnings: Vec<String>,
}

/// The keywords are looked up in the primary header, then in the first image extension.
#[must_use]
pub fn summarize(headers: &Headers) -> Summary {
    let first_image = headers.hdus.iter().skip(1).find(|h| matches!(h.kind, HduKind::Image | HduKind::CompressedImage));
    let sources: Vec<&Hdu> = headers.hdus.first().into_iter().chain(first_image).collect();
    let mut lookup = Lookup { sources, warnings: Vec::new() };

    let summary = Summary {
        date_obs: lookup.date_obs(),
        object: lookup.text(&["OBJECT"]),
        ra_deg: lookup.angle(
            &["RA", "OBJCTRA"],
            |s| RightAscension::parse(s).map(RightAscension::degrees),
            |v| RightAscension::new(v).map(RightAscension::degrees),
        ),
        dec_deg: lookup.angle(
            &["DEC", "OBJCTDEC"],
            |s| Declination::parse(s).map(Declination::degrees),
            |v| Declination::new(v).map(Declination::degrees),
        ),
        exposure_s: lookup.number(&["EXPTIME", "EXPOSURE"]),
        filter: lookup.text(&["FILTER", "FILTER1", "FILTNAM"]),
        instrument: lookup.text(&["INSTRUME"]),
        telescope: lookup.text(&["TELESCOP"]),
        frame_type: lookup.text(&["IMAGETYP", "OBSTYPE"]).map(|t| frame_type(&t)),
        image: headers.hdus.iter().find(|h| h.is_2d_image()).map(|h| ImageInfo {
            hdu: h.index,
            width: h.shape[0],
            height: h.shape[1],
            bitpix: h.bitpix.unwrap_or_default(),
        }),
        warnings: Vec::new(),
    };
    Summary { warnings: lookup.warnings, ..summary }
}

/// The sky a 2-D image covers, as far as its header says: its size in pixels and, when the header gives it, the
/// mean pixel scale in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    pub width: u64,
    pub height: u64,
    pub scale_deg: Option<f64>,
}

impl Footprint {
    /// The diameter of the circle around the image, degrees (ObsCore's `s_fov`).
    #[must_use]
    pub fn diameter_deg(&self) -> Option<f64> {
        let (w, h) = (self.width as f64, self.height as f64);
        // At most the whole sky (a scale read from a broken header must not make an image cover everything).
        self.scale_deg.map(|s| (s * w.hypot(h)).min(180.0))
    }
}

/// The first 2-D image's footprint. The scale comes from the WCS (`CD` matrix, else `CDELT`), else a plate scale in
/// arcseconds per pixel (`PIXSCALE`, `SECPIX`, `SCALE`), else the pixel size and focal length that camera software
/// (MaxIm DL, N.I.N.A., SharpCap) writes: `XPIXSZ` micrometres (binning included) over `FOCALLEN` millimetres.
#[must_use]
pub fn footprint(headers: &Headers) -> Option<Footprint> {
    let hdu = headers.hdus.iter().find(|h| h.is_2d_image())?;
    let primary = headers.hdus.first();
    let number = |keyword: &str| {
        [Some(hdu), primary]
            .into_iter()
            .flatten()
            .find_map(|h| match h.value(keyword)? {
                CardValue::Text(s) => s.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            })
            .filter(|n| n.is_finite())
    };
    let positive = |v: f64| (v.is_finite() && v > 0.0 && v < 180.0).then_some(v);
    let wcs = match (number("CD1_1"), number("CD1_2"), number("CD2_1"), number("CD2_2")) {
        (Some(a), b, c, Some(d)) => positive((a * d - b.unwrap_or(0.0) * c.unwrap_or(0.0)).abs().sqrt()),
        _ => match (number("CDELT1"), number("CDELT2")) {
            (Some(a), Some(b)) => positive((a * b).abs().sqrt()),
            (Some(a), None) | (None, Some(a)) => positive(a.abs()),
            (None, None) => None,
        },
    };
    let plate = || ["PIXSCALE", "SECPIX", "SCALE"].into_iter().find_map(number).and_then(|a| positive(a / 3600.0));
    let camera = || {
        let pixel_um = number("XPIXSZ")?;
        let focal_mm = number("FOCALLEN")?;
        positive((pixel_um * 1e-3 / focal_mm).atan().to_degrees())
    };
    Some(Footprint { width: hdu.shape[0], height: hdu.shape[1], scale_deg: wcs.or_else(plate).or_else(camera) })
}

/// `IMAGETYP`/`OBSTYPE` words as written by MaxIm DL, IRAF, NOAO and most observatory software.
fn frame_type(text: &str) -> FrameType {
    match text.trim().to_ascii_lowercase().as_str() {
        "light frame" | "light" | "object" | "science" => FrameType::Science,
        "bias frame" | "bias" | "zero" => FrameType::Bias,
        "dark frame" | "dark" => FrameType::Dark,
        "flat field" | "flat frame" | "flat" | "skyflat" | "domeflat" => FrameType::Flat,
        "arc" | "comp" | "lamp" => FrameType::Arc,
        _ => FrameType::Other,
    }
}

struct Lookup<'a> {
    sources: Vec<&'a Hdu>,
    warnings: Vec<String>,
}

impl Lookup<'_> {
    fn value(&self, keyword: &str) -> Option<&CardValue> {
        self.sources.iter().find_map(|h| h.value(keyword)).filter(|v| !matches!(v, CardValue::Undefined))
    }

    fn warn(&mut self, keyword: &str, value: &CardValue, what: &str) {
        self.warnings.push(format!("{keyword}: {} is not {what}", describe(value)));
    }

    /// The first of `keywords` with non-empty text (numbers are written out as text).
    fn text(&mut self, keywords: &[&str]) -> Option<String> {
        for keyword in keywords {
            let Some(value) = self.value(keyword).cloned() else { continue };
            match value {
                CardValue::Text(s) if !s.trim().is_empty() => return Some(s.trim().to_owned()),
                CardValue::Text(_) => {}
                CardValue::Integer(i) => return Some(i.to_string()),
                CardValue::Real(r) => return Some(r.to_string()),
                other => self.warn(keyword, &other, "text"),
            }
        }
        None
    }

    fn number(&mut self, keywords: &[&str]) -> Option<f64> {
        for keyword in keywords {
            let Some(value) = self.value(keyword).cloned() else { continue };
            let number = match &value {
                CardValue::Text(s) => s.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            };
            match number.filter(|n| n.is_finite()) {
                Some(n) => return Some(n),
                None => self.warn(keyword, &value, "a number"),
            }
        }
        None
    }

    /// Degrees from a number, or from text in the notations [`RightAscension::parse`] and [`Declination::parse`]
    /// accept (`05 35 17.3` and `05:35:17.3` are hours for right ascension).
    fn angle<E: std::fmt::Display>(
        &mut self,
        keywords: &[&str],
        from_text: impl Fn(&str) -> Result<f64, E>,
        from_degrees: impl Fn(f64) -> Result<f64, E>,
    ) -> Option<f64> {
        for keyword in keywords {
            let Some(value) = self.value(keyword).cloned() else { continue };
            let parsed = match &value {
                CardValue::Text(s) if s.trim().is_empty() => continue,
                CardValue::Text(s) => from_text(s.trim()),
                other => match other.as_f64() {
                    Some(v) => from_degrees(v),
                    None => {
                        self.warn(keyword, &value, "an angle");
                        continue;
                    }
                },
            };
            match parsed {
                Ok(degrees) => return Some(degrees),
                Err(e) => self.warnings.push(format!("{keyword}: {} is not an angle ({e})", describe(&value))),
            }
        }
        None
    }

    /// `DATE-OBS` (ISO date or date-time, or the pre-2000 `DD/MM/YY`), a date alone completed by `TIME-OBS` or
    /// `UT`; else `MJD-OBS`.
    fn date_obs(&mut self) -> Option<DateTime<Utc>> {
        if let Some(value) = self.value("DATE-OBS").cloned() {
            match value.as_str().and_then(parse_fits_date) {
                Some(FitsDate::DateTime(t)) => return Some(t.and_utc()),
                Some(FitsDate::Date(day)) => return Some(self.with_time_of_day(day).and_utc()),
                None => self.warn("DATE-OBS", &value, "a FITS date"),
            }
        }
        if let Some(value) = self.value("MJD-OBS").cloned() {
            match value.as_f64().and_then(from_mjd) {
                Some(t) => return Some(t),
                None => self.warn("MJD-OBS", &value, "a modified Julian date"),
            }
        }
        None
    }

    fn with_time_of_day(&mut self, day: NaiveDate) -> NaiveDateTime {
        for keyword in ["TIME-OBS", "UT"] {
            let Some(value) = self.value(keyword).cloned() else { continue };
            match value.as_str().and_then(|s| parse_time_of_day(s.trim())) {
                Some(time) => return day.and_time(time),
                None => self.warn(keyword, &value, "a time of day (hh:mm:ss)"),
            }
        }
        day.and_time(NaiveTime::MIN)
    }
}

fn describe(value: &CardValue) -> String {
    match value {
        CardValue::Text(s) => format!("{s:?}"),
        CardValue::Integer(i) => i.to_string(),
        CardValue::Real(r) => r.to_string(),
        CardValue::Logical(b) => if *b { "T" } else { "F" }.to_owned(),
        CardValue::Complex(re, im) => format!("({re}, {im})"),
        CardValue::Undefined => "an empty value".to_owned(),
    }
}

#[derive(Debug, PartialEq)]
enum FitsDate {
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

/// `2021-03-04`, `2021-03-04T05:06:07.89`, or the old `04/03/21` (day/month/year of the 1900s, FITS 4.0 §9.1.1).
fn parse_fits_date(text: &str) -> Option<FitsDate> {
    let text = text.trim().trim_end_matches('Z');
    if let Some((day, rest)) = text.split_once('/') {
        let (month, year) = rest.split_once('/')?;
        let [day, month, year] = [day, month, year].map(|s| s.trim().parse::<u32>().ok());
        let year = i32::try_from(year?).ok().filter(|y| (0..100).contains(y))? + 1900;
        return NaiveDate::from_ymd_opt(year, month?, day?).map(FitsDate::Date);
    }
    if let Some((date, time)) = text.split_once('T') {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        return Some(FitsDate::DateTime(date.and_time(parse_time_of_day(time)?)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(FitsDate::Date)
}

/// `hh:mm:ss` with optional fraction; `hh:mm` also seen.
fn parse_time_of_day(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").or_else(|_| NaiveTime::parse_from_str(text, "%H:%M")).ok()
}

/// MJD 0 is 1858-11-17T00:00:00; days are taken as 86400 s (UTC leap seconds ignored).
fn from_mjd(mjd: f64) -> Option<DateTime<Utc>> {
    if !mjd.is_finite() || !(-1e6..1e6).contains(&mjd) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1858, 11, 17)?.and_time(NaiveTime::MIN).and_utc();
    let micros = (mjd * 86_400e6).round() as i64;
    epoch.checked_add_signed(Duration::microseconds(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_form() {
        let dt = |s: &str| match parse_fits_date(s) {
            Some(FitsDate::DateTime(t)) => t.to_string(),
            Some(FitsDate::Date(d)) => d.to_string(),
            None => "none".into(),
        };
        assert_eq!(dt("2021-03-04T05:06:07.5"), "2021-03-04 05:06:07.500");
        assert_eq!(dt("2021-03-04"), "2021-03-04");
        assert_eq!(dt("04/03/97"), "1997-03-04");
        assert_eq!(dt("31/02/97"), "none");
        assert_eq!(dt("yesterday"), "none");
        assert_eq!(from_mjd(51544.5).map(|t| t.to_rfc3339()).as_deref(), Some("2000-01-01T12:00:00+00:00"));
    }

    #[test]
    fn footprints_from_the_wcs_a_plate_scale_or_the_camera() {
        let of = |cards: &[(&str, &str)]| {
            let bytes = crate::primary_i16(cards, 40, 30, &[0; 1200]);
            footprint(&crate::read_headers(&bytes[..]).expect("headers")).expect("an image")
        };
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9 * b.abs().max(1.0));
        let cd = of(&[("CD1_1", "-0.0005"), ("CD1_2", "0.0"), ("CD2_1", "0.0"), ("CD2_2", "0.0005")]);
        assert_eq!((cd.width, cd.height), (40, 30));
        assert!(close(cd.scale_deg, 0.0005), "{cd:?}");
        assert!(close(cd.diameter_deg(), 0.0005 * 50.0), "{cd:?}");
        assert!(close(of(&[("CDELT1", "-0.001"), ("CDELT2", "0.001")]).scale_deg, 0.001));
        assert!(close(of(&[("PIXSCALE", "1.8")]).scale_deg, 0.0005));
        // 3.76 µm pixels at 530 mm: 1.463 arcsec per pixel.
        let camera = of(&[("XPIXSZ", "3.76"), ("FOCALLEN", "530.0")]).scale_deg.expect("a scale") * 3600.0;
        assert!((camera - 1.4633).abs() < 1e-3, "{camera}");
        assert_eq!(of(&[("FOCALLEN", "530.0")]).scale_deg, None, "a focal length alone says nothing");
        assert_eq!(of(&[("CDELT1", "0.0"), ("CDELT2", "0.0")]).scale_deg, None, "a zero scale is none");
    }

    #[test]
    fn frame_types_map_case_insensitively() {
        assert_eq!(frame_type("Light Frame"), FrameType::Science);
        assert_eq!(frame_type("ZERO"), FrameType::Bias);
        assert_eq!(frame_type("Dark Frame"), FrameType::Dark);
        assert_eq!(frame_type("domeflat"), FrameType::Flat);
        assert_eq!(frame_type("COMP"), FrameType::Arc);
        assert_eq!(frame_type("focus"), FrameType::Other);
    }
}
