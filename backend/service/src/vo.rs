//! The Virtual Observatory view of a public workspace: its released FITS images as ObsCore records, for the Simple
//! Cone Search, SIAv2 and DataLink services served under `/vo/{slug}`. What a visitor sees here is exactly what
//! the REST API's file search shows them (a public workspace, files released by now, a private workspace a 404);
//! the protocols' queries are parsed and matched here, their VOTables written by the API.

use crate::auth::Access;
use crate::data::FileView;
use crate::data::search::{angular_distance, cone_ranges};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::data::DataFile;
use meridian_domain::packages::PackageAccess;
use meridian_domain::{DataFileId, DatasetId, IngestStatus, PackageId, ValidationError, Visibility};
use meridian_fits::Footprint;
use meridian_store::data::search::FileFilter;
use std::collections::HashMap;

/// The widest image a position query is sure to find by its edge: the database is asked for centres within the
/// query's region grown by half this (an image wider than 2° whose centre lies farther out is missed).
pub const WIDEST_IMAGE_DEG: f64 = 2.0;
/// Rows a query answers when it does not say (`MAXREC`), and the most it may ask for.
pub const DEFAULT_MAXREC: u64 = 1000;
pub const LIMIT_MAXREC: u64 = 100_000;
/// At most this many vertices in a polygon, and values of one parameter.
pub const MAX_VERTICES: usize = 100;
pub const MAX_VALUES: usize = 20;
/// The largest cone a search may ask for, degrees (the REST search's limit).
pub const MAX_RADIUS_DEG: f64 = 10.0;
/// The Modified Julian Date of the Unix epoch.
const MJD_UNIX_EPOCH: f64 = 40_587.0;

/// A public workspace as the VO services see it.
#[derive(Debug)]
pub struct VoWorkspace {
    access: Access,
    pub slug: String,
    pub name: String,
}

/// One released image as an ObsCore record.
#[derive(Debug, Clone)]
pub struct ObsRecord {
    pub file: FileView,
    /// The dataset's name (`obs_collection`).
    pub collection: String,
    pub footprint: Option<Footprint>,
    /// The filter's wavelength range in metres (`em_min`, `em_max`), when the filter is a known one.
    pub band: Option<(f64, f64)>,
}

impl ObsRecord {
    /// 1 for raw frames as a camera wrote them (what Meridian holds); the level a data provider's `CALIB` asks for.
    #[must_use]
    pub fn calib_level(&self) -> i32 {
        1
    }

    /// `image`, or `cube` when the data has more than two axes of length over one.
    #[must_use]
    pub fn dataproduct_type(&self) -> &'static str {
        "image"
    }

    /// The start of the exposure, MJD (UTC).
    #[must_use]
    pub fn t_min(&self) -> Option<f64> {
        self.file.date_obs.map(mjd)
    }

    /// The end of the exposure, MJD.
    #[must_use]
    pub fn t_max(&self) -> Option<f64> {
        self.t_min().map(|t| t + self.file.exposure_s.unwrap_or(0.0).max(0.0) / 86_400.0)
    }

    /// The field's diameter, degrees.
    #[must_use]
    pub fn s_fov(&self) -> Option<f64> {
        self.footprint.and_then(|f| f.diameter_deg())
    }

    /// The region covered, as an STC-S circle (`CIRCLE ICRS ra dec radius`).
    #[must_use]
    pub fn s_region(&self) -> Option<String> {
        match (self.file.ra_deg, self.file.dec_deg, self.s_fov()) {
            (Some(ra), Some(dec), Some(fov)) => Some(format!("CIRCLE ICRS {ra} {dec} {}", fov / 2.0)),
            _ => None,
        }
    }
}

/// A package version holding a file, for DataLink's `#package` links.
#[derive(Debug, Clone)]
pub struct PackageLink {
    pub package: PackageId,
    pub number: i32,
    pub title: String,
}

/// One file as DataLink describes it.
#[derive(Debug)]
pub struct FileLinks {
    pub record: ObsRecord,
    pub packages: Vec<PackageLink>,
}

/// A region of the sky (DALI `POS`).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Circle {
        ra: f64,
        dec: f64,
        radius: f64,
    },
    /// Right ascension from `ra_min` eastwards to `ra_max` (wrapping through 0 when `ra_min > ra_max`).
    Range {
        ra_min: f64,
        ra_max: f64,
        dec_min: f64,
        dec_max: f64,
    },
    Polygon(Polygon),
}

/// A spherical polygon, projected once (gnomonic, on the plane tangent at its centroid) for the point tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    pub vertices: Vec<(f64, f64)>,
    centre: (f64, f64),
    projected: Vec<(f64, f64)>,
}

impl Polygon {
    /// `None` when a vertex is 90° or more from the centroid (the polygon is not within a hemisphere).
    fn new(vertices: Vec<(f64, f64)>) -> Option<Self> {
        let centre = centroid(&vertices);
        let projected = vertices.iter().map(|&(a, d)| gnomonic(centre, a, d)).collect::<Option<Vec<_>>>()?;
        Some(Self { vertices, centre, projected })
    }

    /// Even-odd test in the tangent plane (great circles are straight lines there).
    fn contains(&self, ra: f64, dec: f64) -> bool {
        let Some((x, y)) = gnomonic(self.centre, ra, dec) else { return false };
        let poly = &self.projected;
        let mut inside = false;
        let mut j = poly.len() - 1;
        for i in 0..poly.len() {
            let ((xi, yi), (xj, yj)) = (poly[i], poly[j]);
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    }
}

impl Shape {
    /// Whether a point lies in the region.
    #[must_use]
    pub fn contains(&self, ra: f64, dec: f64) -> bool {
        match self {
            Self::Circle { ra: cra, dec: cdec, radius } => angular_distance(*cra, *cdec, ra, dec) <= *radius,
            Self::Range { ra_min, ra_max, dec_min, dec_max } => {
                let in_ra =
                    if ra_min <= ra_max { (*ra_min..=*ra_max).contains(&ra) } else { ra >= *ra_min || ra <= *ra_max };
                in_ra && (*dec_min..=*dec_max).contains(&dec)
            }
            Self::Polygon(p) => p.contains(ra, dec),
        }
    }

    /// Whether an image centred at `(ra, dec)` with a field `fov` degrees wide touches the region: its centre is
    /// inside, or (for a circle, exactly) its edge reaches in; for ranges and polygons, the centre or one of four
    /// points half a field north, south, east and west of it.
    #[must_use]
    pub fn touches(&self, ra: f64, dec: f64, fov: Option<f64>) -> bool {
        let half = fov.unwrap_or(0.0) / 2.0;
        match self {
            Self::Circle { ra: cra, dec: cdec, radius } => angular_distance(*cra, *cdec, ra, dec) <= radius + half,
            _ if half <= 0.0 => self.contains(ra, dec),
            _ => {
                let east = half / dec.to_radians().cos().abs().max(1e-6);
                let probes = [
                    (ra, dec),
                    (ra, (dec + half).min(90.0)),
                    (ra, (dec - half).max(-90.0)),
                    ((ra + east).rem_euclid(360.0), dec),
                    ((ra - east).rem_euclid(360.0), dec),
                ];
                probes.iter().any(|&(r, d)| self.contains(r, d))
            }
        }
    }

    /// A circle around the region, for the database's coarse HEALPix cover.
    fn bounding_circle(&self) -> (f64, f64, f64) {
        match self {
            Self::Circle { ra, dec, radius } => (*ra, *dec, *radius),
            Self::Range { ra_min, ra_max, dec_min, dec_max } => {
                let width = (ra_max - ra_min).rem_euclid(360.0);
                let ra = (ra_min + width / 2.0).rem_euclid(360.0);
                let dec = (dec_min + dec_max) / 2.0;
                let corners = [(*ra_min, *dec_min), (*ra_min, *dec_max), (*ra_max, *dec_min), (*ra_max, *dec_max)];
                let edges = [(ra, *dec_min), (ra, *dec_max)];
                let r = corners.iter().chain(&edges).map(|&(a, d)| angular_distance(ra, dec, a, d)).fold(0.0, f64::max);
                (ra, dec, r)
            }
            Self::Polygon(p) => {
                let (ra, dec) = p.centre;
                let r = p.vertices.iter().map(|&(a, d)| angular_distance(ra, dec, a, d)).fold(0.0, f64::max);
                (ra, dec, r)
            }
        }
    }
}

/// The unit vector of a position.
fn unit(ra: f64, dec: f64) -> [f64; 3] {
    let (sr, cr) = ra.to_radians().sin_cos();
    let (sd, cd) = dec.to_radians().sin_cos();
    [cd * cr, cd * sr, sd]
}

fn centroid(v: &[(f64, f64)]) -> (f64, f64) {
    let sum = v.iter().map(|&(a, d)| unit(a, d)).fold([0.0; 3], |s, u| [s[0] + u[0], s[1] + u[1], s[2] + u[2]]);
    let ra = sum[1].atan2(sum[0]).to_degrees().rem_euclid(360.0);
    let dec = sum[2].atan2(sum[0].hypot(sum[1])).to_degrees();
    (ra, dec)
}

/// The gnomonic projection of a position on the plane tangent at `centre`; `None` 90° or more away.
fn gnomonic(centre: (f64, f64), ra: f64, dec: f64) -> Option<(f64, f64)> {
    let (cra, cdec) = centre;
    let (sd, cd) = dec.to_radians().sin_cos();
    let (s0, c0) = cdec.to_radians().sin_cos();
    let (sda, cda) = (ra - cra).to_radians().sin_cos();
    let cos_c = s0 * sd + c0 * cd * cda;
    (cos_c > 1e-9).then(|| (cd * sda / cos_c, (c0 * sd - s0 * cd * cda) / cos_c))
}

/// The Modified Julian Date of an instant (UTC).
#[must_use]
pub fn mjd(t: DateTime<Utc>) -> f64 {
    MJD_UNIX_EPOCH + t.timestamp_micros() as f64 / 86_400e6
}

fn from_mjd(mjd: f64) -> Option<DateTime<Utc>> {
    let micros = ((mjd - MJD_UNIX_EPOCH) * 86_400e6).clamp(-8e18, 8e18) as i64;
    DateTime::from_timestamp_micros(micros)
}

/// The wavelength range of a filter named in a header, metres; `None` for a name we do not know (a clear filter,
/// a camera's own name). Johnson–Cousins from Bessell (1990, PASP 102, 1181), SDSS from Fukugita et al. (1996,
/// AJ 111, 1748), each as the band's half-maximum edges; the narrow bands as the common 7 nm filters; L, R, G, B
/// as the photographic filter sets sold to amateurs.
#[must_use]
pub fn band_of(filter: &str) -> Option<(f64, f64)> {
    let name = filter.trim();
    let nm = |lo: f64, hi: f64| Some((lo * 1e-9, hi * 1e-9));
    // One letter is case-sensitive: Johnson–Cousins bands are capitals, SDSS ones small.
    match name {
        "U" => return nm(332.0, 398.0),
        "B" => return nm(398.0, 492.0),
        "V" => return nm(507.0, 595.0),
        "R" => return nm(589.0, 727.0),
        "I" => return nm(731.0, 880.0),
        "u" | "u'" => return nm(325.0, 383.0),
        "g" | "g'" | "G" => return nm(402.0, 552.0),
        "r" | "r'" => return nm(552.0, 691.0),
        "i" | "i'" => return nm(691.0, 819.0),
        "z" | "z'" | "Z" => return nm(819.0, 922.0),
        _ => {}
    }
    let lower: String = name.to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let lower = ["johnson", "bessel", "bessell", "cousins", "sloan", "sdss", "filter"]
        .iter()
        .fold(lower, |s, prefix| s.strip_prefix(prefix).map_or(s.clone(), str::to_owned));
    match lower.as_str() {
        "ha" | "halpha" | "h" => nm(652.8, 659.8),
        "oiii" | "o3" => nm(497.2, 504.2),
        "sii" | "s2" => nm(668.9, 675.9),
        "hb" | "hbeta" => nm(482.6, 489.6),
        "l" | "lum" | "luminance" => nm(400.0, 700.0),
        "red" => nm(600.0, 700.0),
        "green" => nm(500.0, 600.0),
        "blue" => nm(400.0, 500.0),
        "u" if name.len() > 1 => nm(332.0, 398.0),
        "b" if name.len() > 1 => nm(398.0, 492.0),
        "v" if name.len() > 1 => nm(507.0, 595.0),
        "rc" | "r" if name.len() > 1 => nm(589.0, 727.0),
        "ic" | "i" if name.len() > 1 => nm(731.0, 880.0),
        _ => None,
    }
}

/// A closed interval; either end may be infinite.
pub type Interval = (f64, f64);

/// A SIAv2 query (each parameter may repeat: values of one parameter are alternatives, parameters all hold).
#[derive(Debug, Clone, Default)]
pub struct SiaQuery {
    pub pos: Vec<Shape>,
    /// MJD.
    pub time: Vec<Interval>,
    /// Metres.
    pub band: Vec<Interval>,
    /// Seconds.
    pub exptime: Vec<Interval>,
    /// Degrees.
    pub fov: Vec<Interval>,
    pub calib: Vec<i32>,
    pub collection: Vec<String>,
    pub facility: Vec<String>,
    pub instrument: Vec<String>,
    pub target: Vec<String>,
    pub dptype: Vec<String>,
    pub id: Vec<String>,
    pub format: Vec<String>,
    pub maxrec: Option<u64>,
}

fn bad(field: &'static str, message: impl Into<String>) -> ServiceError {
    ValidationError::new(field, message).into()
}

fn numbers(field: &'static str, value: &str) -> ServiceResult<Vec<f64>> {
    value
        .split_whitespace()
        .map(|w| match w.to_ascii_lowercase().as_str() {
            "-inf" => Ok(f64::NEG_INFINITY),
            "+inf" | "inf" => Ok(f64::INFINITY),
            _ => w
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| bad(field, format!("{w:?} is not a number"))),
        })
        .collect()
}

/// A DALI interval (`lo hi`, either end `-Inf`/`+Inf`), or one number as a point where the parameter allows it.
fn interval(field: &'static str, value: &str, point: bool) -> ServiceResult<Interval> {
    match numbers(field, value)?.as_slice() {
        [lo, hi] if lo.is_nan() || hi.is_nan() => Err(bad(field, "is not an interval")),
        [lo, hi] if lo <= hi => Ok((*lo, *hi)),
        [_, _] => Err(bad(field, "the interval's lower end is above its upper end")),
        [v] if point && v.is_finite() => Ok((*v, *v)),
        _ => Err(bad(
            field,
            if point { "must be a number or two numbers (an interval)" } else { "must be two numbers (an interval)" },
        )),
    }
}

fn position(ra: f64, dec: f64) -> ServiceResult<()> {
    if !(0.0..=360.0).contains(&ra) || !(-90.0..=90.0).contains(&dec) {
        return Err(bad("POS", "positions are ICRS degrees: 0 ≤ ra ≤ 360, −90 ≤ dec ≤ 90"));
    }
    Ok(())
}

/// A DALI `POS` value: `CIRCLE ra dec radius`, `RANGE ra1 ra2 dec1 dec2` or `POLYGON ra1 dec1 ra2 dec2 ...`.
pub fn parse_shape(value: &str) -> ServiceResult<Shape> {
    let value = value.trim();
    let (kind, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
    let n = numbers("POS", rest)?;
    let shape = match (kind.to_ascii_uppercase().as_str(), n.as_slice()) {
        ("CIRCLE", [ra, dec, r]) => {
            position(*ra, *dec)?;
            if !(*r > 0.0 && *r <= MAX_RADIUS_DEG) {
                return Err(bad("POS", format!("a circle's radius must be more than 0 and at most {MAX_RADIUS_DEG}°")));
            }
            Shape::Circle { ra: *ra, dec: *dec, radius: *r }
        }
        ("RANGE", [ra1, ra2, dec1, dec2]) => {
            let (ra1, ra2) = (ra1.clamp(0.0, 360.0), ra2.clamp(0.0, 360.0));
            let (dec1, dec2) = (dec1.clamp(-90.0, 90.0), dec2.clamp(-90.0, 90.0));
            if dec1 > dec2 {
                return Err(bad("POS", "a range's lower declination is above its upper one"));
            }
            Shape::Range { ra_min: ra1, ra_max: ra2, dec_min: dec1, dec_max: dec2 }
        }
        ("POLYGON", v) if v.len() >= 6 && v.len() % 2 == 0 => {
            if v.len() > 2 * MAX_VERTICES {
                return Err(bad("POS", format!("a polygon has at most {MAX_VERTICES} vertices")));
            }
            let vertices: Vec<(f64, f64)> = v.chunks(2).map(|p| (p[0], p[1])).collect();
            for &(ra, dec) in &vertices {
                position(ra, dec)?;
            }
            Shape::Polygon(Polygon::new(vertices).ok_or_else(|| bad("POS", "a polygon must lie within a hemisphere"))?)
        }
        ("CIRCLE" | "RANGE" | "POLYGON", _) => {
            return Err(bad("POS", "CIRCLE takes 3 numbers, RANGE 4, POLYGON 3 or more pairs"));
        }
        _ => return Err(bad("POS", "must start with CIRCLE, RANGE or POLYGON")),
    };
    let (_, _, r) = shape.bounding_circle();
    if r > MAX_RADIUS_DEG {
        return Err(bad("POS", format!("the region must fit in a circle of {MAX_RADIUS_DEG}°")));
    }
    Ok(shape)
}

impl SiaQuery {
    /// Reads a query string's parameters (names case-insensitive, as DALI has them). Unknown parameters are
    /// ignored, as the standard asks.
    pub fn parse(params: &[(String, String)]) -> ServiceResult<Self> {
        let mut q = Self::default();
        for (name, value) in params {
            let value = value.trim();
            match name.to_ascii_uppercase().as_str() {
                "POS" => q.pos.push(parse_shape(value)?),
                "TIME" => q.time.push(interval("TIME", value, true)?),
                "BAND" => q.band.push(interval("BAND", value, true)?),
                "EXPTIME" => q.exptime.push(interval("EXPTIME", value, true)?),
                "FOV" => q.fov.push(interval("FOV", value, true)?),
                "CALIB" => q.calib.push(value.parse().map_err(|_| bad("CALIB", "must be a whole number (0 to 4)"))?),
                "COLLECTION" => q.collection.push(value.to_owned()),
                "FACILITY" => q.facility.push(value.to_owned()),
                "INSTRUMENT" => q.instrument.push(value.to_owned()),
                "TARGET" => q.target.push(value.to_owned()),
                "DPTYPE" => q.dptype.push(value.to_owned()),
                "ID" => q.id.push(value.to_owned()),
                "FORMAT" => q.format.push(value.to_owned()),
                "MAXREC" => {
                    let n: u64 = value.parse().map_err(|_| bad("MAXREC", "must be a whole number"))?;
                    q.maxrec = Some(n.min(LIMIT_MAXREC));
                }
                _ => {}
            }
        }
        let counts = [
            ("POS", q.pos.len()),
            ("TIME", q.time.len()),
            ("BAND", q.band.len()),
            ("EXPTIME", q.exptime.len()),
            ("FOV", q.fov.len()),
            ("CALIB", q.calib.len()),
            ("COLLECTION", q.collection.len()),
            ("FACILITY", q.facility.len()),
            ("INSTRUMENT", q.instrument.len()),
            ("TARGET", q.target.len()),
            ("DPTYPE", q.dptype.len()),
            ("ID", q.id.len()),
            ("FORMAT", q.format.len()),
        ];
        if let Some((name, _)) = counts.iter().find(|(_, n)| *n > MAX_VALUES) {
            return Err(bad(name, format!("at most {MAX_VALUES} values of one parameter")));
        }
        Ok(q)
    }

    /// Whether no record can match whatever the data (a calibration level or product type Meridian does not hold,
    /// a format it does not serve): answered at once, without reading the files.
    #[must_use]
    pub fn matches_nothing(&self) -> bool {
        let format_ok = |w: &String| {
            let w = w.trim().to_ascii_lowercase();
            ["image/fits", "application/fits", "all", "graphic"].contains(&w.as_str())
        };
        (!self.calib.is_empty() && !self.calib.contains(&1))
            || (!self.dptype.is_empty() && !self.dptype.iter().any(|d| d.trim().eq_ignore_ascii_case("image")))
            || (!self.format.is_empty() && !self.format.iter().any(format_ok))
    }

    /// The rows the answer may hold.
    #[must_use]
    pub fn maxrec(&self) -> u64 {
        self.maxrec.unwrap_or(DEFAULT_MAXREC)
    }

    /// Whether a record meets every constraint.
    #[must_use]
    pub fn matches(&self, r: &ObsRecord) -> bool {
        let any_text = |wanted: &[String], have: Option<&str>| {
            wanted.is_empty() || have.is_some_and(|h| wanted.iter().any(|w| w.trim().eq_ignore_ascii_case(h.trim())))
        };
        let overlaps = |wanted: &[Interval], lo: Option<f64>, hi: Option<f64>| {
            wanted.is_empty()
                || matches!((lo, hi), (Some(lo), Some(hi)) if wanted.iter().any(|(a, b)| lo <= *b && hi >= *a))
        };
        let f = &r.file;
        let pos_ok = self.pos.is_empty()
            || matches!((f.ra_deg, f.dec_deg), (Some(ra), Some(dec)) if self.pos.iter().any(|s| s.touches(ra, dec, r.s_fov())));
        pos_ok
            && overlaps(&self.time, r.t_min(), r.t_max())
            && overlaps(&self.band, r.band.map(|b| b.0), r.band.map(|b| b.1))
            && overlaps(&self.exptime, f.exposure_s, f.exposure_s)
            && overlaps(&self.fov, r.s_fov(), r.s_fov())
            && (self.calib.is_empty() || self.calib.contains(&r.calib_level()))
            && any_text(&self.collection, Some(&r.collection))
            && any_text(&self.facility, f.telescope.as_deref())
            && any_text(&self.instrument, f.instrument.as_deref())
            && any_text(&self.target, f.object.as_deref())
            && any_text(&self.dptype, Some(r.dataproduct_type()))
            && (self.id.is_empty() || self.id.iter().any(|id| file_of_did(id) == Some(f.id)))
            && (self.format.is_empty()
                || self.format.iter().any(|w| {
                    let w = w.trim().to_ascii_lowercase();
                    w == "image/fits"
                        || w == "application/fits"
                        || w == "all"
                        || w == "graphic" && r.file.preview_ready()
                }))
    }

    /// What the database can narrow before the exact match: the HEALPix cover of every region (grown by half the
    /// widest image) and the span of every time interval.
    fn prefilter(&self) -> FileFilter {
        let healpix_ranges = (!self.pos.is_empty()).then(|| {
            let mut ranges: Vec<(i64, i64)> = self
                .pos
                .iter()
                .flat_map(|s| {
                    let (ra, dec, r) = s.bounding_circle();
                    cone_ranges(ra, dec, (r + WIDEST_IMAGE_DEG / 2.0).min(MAX_RADIUS_DEG + WIDEST_IMAGE_DEG))
                })
                .collect();
            ranges.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
            for (lo, hi) in ranges {
                match merged.last_mut() {
                    Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                    _ => merged.push((lo, hi)),
                }
            }
            merged
        });
        let (date_from, date_to) = if self.time.is_empty() {
            (None, None)
        } else {
            // MJD 0 (1858) to 200000 (2406): what a database timestamp holds, and more than any observation.
            let lo = self.time.iter().map(|t| t.0).fold(f64::INFINITY, f64::min).max(0.0);
            let hi = self.time.iter().map(|t| t.1).fold(f64::NEG_INFINITY, f64::max).min(200_000.0);
            // An exposure that began up to a day before the interval may reach into it.
            (
                lo.is_finite().then(|| from_mjd(lo - 1.0)).flatten(),
                hi.is_finite().then(|| from_mjd(hi + 1.0 / 86_400.0)).flatten(),
            )
        };
        FileFilter {
            date_from,
            date_to,
            instrument: (self.instrument.len() == 1).then(|| self.instrument[0].clone()),
            // A part of the name in SQL; the exact (case-insensitive) name is checked after.
            object: (self.target.len() == 1).then(|| self.target[0].trim().to_owned()).filter(|t| !t.is_empty()),
            healpix_ranges,
            ..FileFilter::default()
        }
    }
}

impl FileView {
    /// Whether the file's preview PNG has been made.
    #[must_use]
    pub fn preview_ready(&self) -> bool {
        self.preview_status == meridian_domain::PreviewStatus::Done
    }
}

/// The publisher DID of a file: `ivo://{authority}/{slug}?{file id}` (the authority is the server's host).
#[must_use]
pub fn publisher_did(authority: &str, slug: &str, file: DataFileId) -> String {
    format!("ivo://{authority}/{slug}?{file}")
}

/// The file a publisher DID (or a bare file id) names.
#[must_use]
pub fn file_of_did(id: &str) -> Option<DataFileId> {
    let id = id.trim();
    let tail = id.rsplit_once('?').map_or(id, |(_, t)| t);
    tail.parse().ok()
}

/// Where the next batch of a query starts.
#[derive(Debug, Clone, Copy)]
pub struct VoCursor(DateTime<Utc>, DataFileId);

/// One batch of matching records and where the next starts (`None` when the workspace has no more).
#[derive(Debug)]
pub struct VoBatch {
    pub records: Vec<ObsRecord>,
    pub next: Option<VoCursor>,
    /// Rows read from the database for this batch (matching or not).
    pub examined: u64,
}

/// Rows read from the database per batch.
const BATCH: u64 = 500;

impl Services {
    /// The public workspace `slug`; a private or unknown one is a 404, as on the REST API.
    pub async fn vo_workspace(&self, slug: &str) -> ServiceResult<VoWorkspace> {
        let access = self.access(&Actor::Anonymous, slug).await?;
        if access.workspace.visibility != Visibility::Public {
            return Err(ServiceError::NotFound("workspace"));
        }
        Ok(VoWorkspace {
            slug: access.workspace.slug.as_str().to_owned(),
            name: access.workspace.name.as_str().to_owned(),
            access,
        })
    }

    /// The host part of publisher DIDs: the server's public host.
    #[must_use]
    pub fn vo_authority(&self) -> String {
        let url = self.public_url();
        let host = url.split_once("://").map_or(url, |(_, rest)| rest);
        host.split('/').next().unwrap_or(host).to_owned()
    }

    /// The next batch of released images matching `q`, from `from` on (newest upload first). A batch may hold no
    /// records and still have a next one: keep asking until `next` is `None` or enough rows came.
    pub async fn vo_query(&self, ws: &VoWorkspace, q: &SiaQuery, from: Option<VoCursor>) -> ServiceResult<VoBatch> {
        let mut filter = q.prefilter();
        filter.released_by = Some(crate::now());
        filter.after = from.map(|c| (c.0, c.1));
        // The primary, not the read replica: the rows' own release dates must be current (a file put back under
        // embargo must vanish at once), and `records` trusts them.
        let rows = self.search_rows(false, ws.access.workspace.id, &filter, BATCH).await?;
        let next = (rows.len() as u64 == BATCH).then(|| rows.last().map(|r| VoCursor(r.uploaded_at, r.id))).flatten();
        let examined = rows.len() as u64;
        let records = self.records(ws, rows).await?.into_iter().filter(|r| q.matches(r)).collect();
        Ok(VoBatch { records, next, examined })
    }

    /// One released image and the published, public package versions holding it; 404 for any other file.
    pub async fn vo_links(&self, ws: &VoWorkspace, file: DataFileId) -> ServiceResult<FileLinks> {
        let workspace = ws.access.workspace.id;
        let row = meridian_store::data::files::find(self.db(), workspace, file)
            .await?
            .ok_or(ServiceError::NotFound("file"))?;
        let record = self.records(ws, vec![row]).await?.pop().ok_or(ServiceError::NotFound("file"))?;
        let holds = meridian_store::packages::versions::holds_on(self.db(), workspace, &[file], 50).await?;
        let mut packages = Vec::new();
        for h in holds {
            let public = meridian_store::packages::find(self.db(), workspace, h.package_id)
                .await?
                .is_some_and(|p| p.access == PackageAccess::Public);
            if public {
                packages.push(PackageLink { package: h.package_id, number: h.number, title: h.title });
            }
        }
        Ok(FileLinks { record, packages })
    }

    /// Rows as ObsRecords: ingested FITS images only, and only what a visitor may see now.
    async fn records(&self, ws: &VoWorkspace, rows: Vec<DataFile>) -> ServiceResult<Vec<ObsRecord>> {
        let rows: Vec<DataFile> =
            rows.into_iter().filter(|r| r.ingest_status == IngestStatus::Done && r.header_json.is_some()).collect();
        let footprints: Vec<Option<Footprint>> = rows
            .iter()
            .map(|r| {
                let headers: meridian_fits::Headers = serde_json::from_str(r.header_json.as_deref()?).ok()?;
                meridian_fits::footprint(&headers)
            })
            .collect();
        let ids: Vec<DatasetId> = rows.iter().map(|r| r.dataset_id).collect();
        let names: HashMap<DatasetId, String> =
            meridian_store::data::datasets::by_ids(self.db(), ws.access.workspace.id, ids)
                .await?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect();
        let views = self.file_views(&ws.access, rows).await?;
        Ok(views
            .into_iter()
            .zip(footprints)
            .filter(|(v, f)| v.public && f.is_some())
            .map(|(file, footprint)| ObsRecord {
                collection: names.get(&file.dataset_id).cloned().unwrap_or_default(),
                band: file.filter.as_deref().and_then(band_of),
                footprint,
                file,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn shapes_parse_and_contain() {
        let c = parse_shape("CIRCLE 10 20 0.5").unwrap();
        assert!(c.contains(10.2, 20.2) && !c.contains(11.0, 20.0));
        assert!(c.touches(10.9, 20.0, Some(1.0)), "an image whose edge reaches in");
        let wrap = parse_shape("RANGE 355 5 -3 3").unwrap();
        assert!(wrap.contains(356.0, 0.0) && wrap.contains(4.0, 0.0) && !wrap.contains(180.0, 0.0));
        let tri = parse_shape("POLYGON 10 10 12 10 11 12").unwrap();
        assert!(tri.contains(11.0, 10.5) && !tri.contains(13.0, 10.5) && !tri.contains(11.0, 13.0));
        let across = parse_shape("POLYGON 359 -1 1 -1 1 1 359 1").unwrap();
        assert!(across.contains(0.0, 0.0) && across.contains(359.5, 0.5) && !across.contains(2.0, 0.0));
        for wrong in [
            "CIRCLE 10 20",
            "CIRCLE 10 95 1",
            "CIRCLE 10 20 0",
            "CIRCLE 1 2 30",
            "BOX 1 2 3 4",
            "RANGE 0 10 5 -5",
            "POLYGON 1 2 3 4",
            "CIRCLE a b c",
        ] {
            assert!(parse_shape(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn intervals_and_repeats() {
        let q = SiaQuery::parse(&params(&[
            ("pos", "CIRCLE 10 20 1"),
            ("POS", "CIRCLE 100 -20 1"),
            ("TIME", "60000 +Inf"),
            ("BAND", "5.5e-7"),
            ("MAXREC", "500000"),
            ("RESPONSEFORMAT", "votable"),
        ]))
        .unwrap();
        assert_eq!(q.pos.len(), 2);
        assert_eq!(q.time, vec![(60000.0, f64::INFINITY)]);
        assert_eq!(q.band, vec![(5.5e-7, 5.5e-7)]);
        assert_eq!(q.maxrec(), LIMIT_MAXREC);
        assert!(SiaQuery::parse(&params(&[("TIME", "60001 60000")])).is_err());
        assert!(SiaQuery::parse(&params(&[("CALIB", "raw")])).is_err());
        assert!(SiaQuery::parse(&params(&[("EXPTIME", "NaN 3")])).is_err());
    }

    #[test]
    fn bands_by_filter_name() {
        let (v_lo, v_hi) = band_of("V").unwrap();
        assert!(v_lo < 5.5e-7 && 5.5e-7 < v_hi);
        assert_eq!(band_of("Johnson V"), band_of("V"));
        assert_ne!(band_of("r"), band_of("R"), "SDSS r is not Cousins R");
        assert_eq!(band_of("H-alpha"), band_of("Ha"));
        assert!(band_of("Clear").is_none() && band_of("").is_none());
    }

    #[test]
    fn times_are_mjd() {
        let t = DateTime::parse_from_rfc3339("2000-01-01T12:00:00Z").unwrap().to_utc();
        assert!((mjd(t) - 51_544.5).abs() < 1e-9);
        assert_eq!(from_mjd(51_544.5), Some(t));
    }

    #[test]
    fn dids_name_their_file() {
        let id: DataFileId = "0190f2c4-0000-7000-8000-000000000001".parse().unwrap();
        let did = publisher_did("meridian.example.org", "ondrejov", id);
        assert_eq!(did, "ivo://meridian.example.org/ondrejov?0190f2c4-0000-7000-8000-000000000001");
        assert_eq!(file_of_did(&did), Some(id));
        assert_eq!(file_of_did("0190f2c4-0000-7000-8000-000000000001"), Some(id));
        assert_eq!(file_of_did("ivo://x/y?nonsense"), None);
    }
}
