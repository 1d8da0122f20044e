//! Field-of-view crossings over a whole catalog.

use chrono::{DateTime, Utc};
use meridian_domain::ValidationError;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogObject, PropagationFailure};
use crate::earth::{EarthOrientation, Frame, Site, sunlit};
use crate::field::{Field, PreparedField};
use crate::search::{Regions, Sample, Tracker, find_transitions, minimise};

/// Longest window one request may search.
pub const MAX_WINDOW_HOURS: i64 = 24;
/// Most fields one request may hold.
pub const MAX_FIELDS: usize = 32;
/// Elements further than this from the window (before or after) are skipped by default: SGP4's error grows by a
/// few kilometres a day for low orbits, so after weeks a predicted crossing is fiction; and elements propagated
/// years ahead (decaying orbits) cost the search far more than fresh ones.
pub const DEFAULT_MAX_ELEMENT_AGE_DAYS: f64 = 30.0;
/// The code of a [`PropagationFailure`] for elements too far from the window (SGP4's own codes are 1 to 6).
pub const STALE_ELEMENTS_CODE: i32 = -1;

/// A check: one site, one or more fields, one time window.
#[derive(Debug, Clone)]
pub struct FovRequest {
    site: Site,
    fields: Vec<Field>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    earth_orientation: EarthOrientation,
    annual_aberration: bool,
    max_element_age_days: f64,
}

impl FovRequest {
    /// Checks the window (`end` after `start`, at most [`MAX_WINDOW_HOURS`]) and the fields (1 to [`MAX_FIELDS`],
    /// each valid); the error names the field (`end`, `fields`, `radius`, ...).
    pub fn new(
        site: Site,
        fields: Vec<Field>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Self, ValidationError> {
        check_window(start, end)?;
        if fields.is_empty() || fields.len() > MAX_FIELDS {
            return Err(ValidationError::new("fields", format!("must hold 1 to {MAX_FIELDS} fields")));
        }
        for field in &fields {
            field.validate()?;
        }
        Ok(Self {
            site,
            fields,
            start,
            end,
            earth_orientation: EarthOrientation::default(),
            annual_aberration: true,
            max_element_age_days: DEFAULT_MAX_ELEMENT_AGE_DAYS,
        })
    }

    #[must_use]
    pub fn with_earth_orientation(mut self, earth_orientation: EarthOrientation) -> Self {
        self.earth_orientation = earth_orientation;
        self
    }

    /// Whether the pointing is where the catalogue's stars appear (the default: the stars' annual aberration, up to
    /// 20.5", is applied to the field, as a satellite riding with the Earth shows none), or the bare geometric
    /// direction (`false`, what `(satellite - site).at(t).radec()` compares with in skyfield).
    #[must_use]
    pub fn with_annual_aberration(mut self, apply: bool) -> Self {
        self.annual_aberration = apply;
        self
    }

    /// Skip objects whose elements are more than `days` from the window (default
    /// [`DEFAULT_MAX_ELEMENT_AGE_DAYS`]); they are reported in [`FovReport::skipped`] with
    /// [`STALE_ELEMENTS_CODE`]. `f64::INFINITY` checks every object however old.
    #[must_use]
    pub fn with_max_element_age_days(mut self, days: f64) -> Self {
        self.max_element_age_days = if days.is_nan() { DEFAULT_MAX_ELEMENT_AGE_DAYS } else { days.max(0.0) };
        self
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

pub(crate) fn check_window(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), ValidationError> {
    if end <= start {
        return Err(ValidationError::new("end", "must be after start"));
    }
    if end - start > chrono::Duration::hours(MAX_WINDOW_HOURS) {
        return Err(ValidationError::new("end", format!("the window must be at most {MAX_WINDOW_HOURS} hours long")));
    }
    Ok(())
}

/// A direction on the sky (ICRS axes), degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SkyPoint {
    pub ra_deg: f64,
    pub dec_deg: f64,
}

/// The moment of smallest separation from the field's centre while inside.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClosestApproach {
    #[serde(serialize_with = "crate::serde_time::millis")]
    pub time: DateTime<Utc>,
    /// Great-circle distance from the field's centre, degrees.
    pub separation_deg: f64,
    pub position: SkyPoint,
}

/// One passage of one object through one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// Index of the field in the request.
    pub field: usize,
    pub norad_id: u32,
    pub name: Option<String>,
    /// When it entered (the window start if it was already inside).
    #[serde(serialize_with = "crate::serde_time::millis")]
    pub entry: DateTime<Utc>,
    /// When it left (the window end if it was still inside).
    #[serde(serialize_with = "crate::serde_time::millis")]
    pub exit: DateTime<Utc>,
    pub entry_position: SkyPoint,
    pub exit_position: SkyPoint,
    pub closest_approach: ClosestApproach,
    /// How fast its direction moves at closest approach, degrees per second.
    pub angular_speed_deg_per_s: f64,
    /// Distance from the site at closest approach, km.
    pub range_km: f64,
    /// Altitude above the horizon at closest approach, degrees.
    pub altitude_deg: f64,
    pub sunlit_at_entry: bool,
    pub sunlit_at_closest: bool,
    pub sunlit_at_exit: bool,
    /// Sunlit at some moment inside the field: at entry, closest approach, exit or any 30-second step between (the
    /// Earth's shadow is minutes wide, so a shorter lit spell cannot hide between the checks). What a "sunlit only"
    /// filter should use.
    pub sunlit_any: bool,
    /// The sun's altitude at the site at closest approach, degrees.
    pub sun_altitude_deg: f64,
    /// Age of the elements used at closest approach, days.
    pub element_age_days: f64,
    pub in_field_at_start: bool,
    pub in_field_at_end: bool,
}

/// What the search did, for the curious and for the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SearchStats {
    pub objects: usize,
    pub propagations: u64,
}

/// The answer to a [`FovRequest`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FovReport {
    /// Every crossing of every field, ordered by entry time (then field, then NORAD id).
    pub crossings: Vec<Crossing>,
    /// Objects that could not be propagated through the window (decayed, ...), skipped.
    pub skipped: Vec<PropagationFailure>,
    pub stats: SearchStats,
}

/// A field, clipped to the sky above the geometric horizon: a satellite below the horizon is behind the Earth.
struct FieldRegions {
    fields: Vec<PreparedField>,
}

impl Regions for FieldRegions {
    fn count(&self) -> usize {
        self.fields.len()
    }

    fn margins(&self, sample: &Sample, out: &mut [f64]) {
        let altitude = sample.altitude();
        for (field, out) in self.fields.iter().zip(out) {
            *out = field.margin(sample.direction).min(altitude);
        }
    }
}

/// Every crossing of the request's fields by the catalog's objects, on all cores.
pub fn find_crossings(catalog: &Catalog, request: &FovRequest) -> FovReport {
    let frame =
        Frame::new(&request.site, request.start, request.end, request.earth_orientation, request.annual_aberration);
    let regions = FieldRegions {
        fields: request.fields.iter().map(|f| PreparedField::new(f, &frame.gcrs_to_teme, frame.aberration)).collect(),
    };
    let results: Vec<(Result<Vec<Crossing>, PropagationFailure>, u64)> = catalog
        .objects()
        .par_iter()
        .map(|object| match stale(object, request) {
            Some(failure) => (Err(failure), 0),
            None => object_crossings(&frame, &regions, object),
        })
        .collect();
    let mut report = FovReport { crossings: Vec::new(), skipped: Vec::new(), stats: SearchStats::default() };
    for (result, propagations) in results {
        report.stats.objects += 1;
        report.stats.propagations += propagations;
        match result {
            Ok(crossings) => report.crossings.extend(crossings),
            Err(failure) => report.skipped.push(failure),
        }
    }
    report
        .crossings
        .sort_by(|a, b| a.entry.cmp(&b.entry).then(a.field.cmp(&b.field)).then(a.norad_id.cmp(&b.norad_id)));
    report
}

/// Why an object's elements are too far from the window to be worth checking, if they are.
fn stale(object: &CatalogObject, request: &FovRequest) -> Option<PropagationFailure> {
    let e = object.elements();
    let days = |t: DateTime<Utc>| (t - e.epoch).num_milliseconds() as f64 / 86_400_000.0;
    let distance = if e.epoch < request.start {
        days(request.start)
    } else if e.epoch > request.end {
        -days(request.end)
    } else {
        0.0
    };
    (distance > request.max_element_age_days).then(|| PropagationFailure {
        norad_id: e.norad_id,
        name: e.name.clone(),
        code: STALE_ELEMENTS_CODE,
        reason: format!(
            "elements are {distance:.1} days from the window (more than {:.0}): too old to predict",
            request.max_element_age_days
        ),
        at: None,
    })
}

fn object_crossings(
    frame: &Frame,
    regions: &FieldRegions,
    object: &CatalogObject,
) -> (Result<Vec<Crossing>, PropagationFailure>, u64) {
    let mut tracker = Tracker::new(frame, object);
    let result = crossings_of(&mut tracker, regions, object)
        .map_err(|(error, t)| PropagationFailure::new(object.elements(), error, Some(frame.time(t))));
    (result, tracker.propagations)
}

fn crossings_of(
    tracker: &mut Tracker<'_>,
    regions: &FieldRegions,
    object: &CatalogObject,
) -> Result<Vec<Crossing>, (crate::propagator::PropagationError, f64)> {
    let transitions = find_transitions(tracker, regions)?;
    let span = tracker.frame.span_s;
    let mut out = Vec::new();
    for (k, field) in regions.fields.iter().enumerate() {
        let mut inside = transitions.inside_at_start[k];
        let mut entry = inside.then_some(0.0);
        let mut visits = Vec::new();
        for &t in &transitions.changes[k] {
            if inside {
                visits.push((entry.unwrap_or(0.0), t));
            } else {
                entry = Some(t);
            }
            inside = !inside;
        }
        if inside {
            visits.push((entry.unwrap_or(0.0), span));
        }
        for (t_in, t_out) in visits {
            let closest = minimise(t_in, t_out, |t| Ok(field.separation(tracker.sample(t)?.direction)))?;
            let at_entry = tracker.sample(t_in)?;
            let at_exit = tracker.sample(t_out)?;
            let at_closest = tracker.sample(closest)?;
            let mut crossing = describe(tracker, object, k, field, (&at_entry, &at_closest, &at_exit), span);
            let mut t = t_in + 30.0;
            while !crossing.sunlit_any && t < t_out {
                let s = tracker.sample(t)?;
                crossing.sunlit_any = sunlit(s.position, tracker.frame.sun(t));
                t += 30.0;
            }
            out.push(crossing);
        }
    }
    Ok(out)
}

fn describe(
    tracker: &Tracker<'_>,
    object: &CatalogObject,
    field_index: usize,
    field: &PreparedField,
    (entry, closest, exit): (&Sample, &Sample, &Sample),
    span: f64,
) -> Crossing {
    let frame = tracker.frame;
    let sky = |s: &Sample| {
        let (ra_deg, dec_deg) = frame.sky_position(s.direction);
        SkyPoint { ra_deg, dec_deg }
    };
    let lit = |s: &Sample| sunlit(s.position, frame.sun(s.t));
    Crossing {
        field: field_index,
        norad_id: object.norad_id(),
        name: object.name().map(str::to_owned),
        entry: frame.time(entry.t),
        exit: frame.time(exit.t),
        entry_position: sky(entry),
        exit_position: sky(exit),
        closest_approach: ClosestApproach {
            time: frame.time(closest.t),
            separation_deg: field.separation(closest.direction).to_degrees(),
            position: sky(closest),
        },
        angular_speed_deg_per_s: closest.angular_speed().to_degrees(),
        range_km: closest.range_km,
        altitude_deg: closest.altitude().to_degrees(),
        sunlit_at_entry: lit(entry),
        sunlit_at_closest: lit(closest),
        sunlit_at_exit: lit(exit),
        sunlit_any: lit(entry) || lit(closest) || lit(exit),
        sun_altitude_deg: frame.sun_altitude_deg(closest.t),
        element_age_days: object.elements().age_days(frame.time(closest.t)),
        in_field_at_start: entry.t <= 0.0,
        in_field_at_end: exit.t >= span,
    }
}
