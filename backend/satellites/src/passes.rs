//! Passes of one object over a site: rise, culmination and set above a minimum altitude.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::catalog::{CatalogObject, PropagationFailure};
use crate::earth::{EarthOrientation, Frame, Site, sunlit};
use crate::fov::check_window;
use crate::search::{Regions, Sample, Tracker, find_transitions, minimise};
use meridian_domain::ValidationError;

/// One object, one site, one window, a minimum altitude.
#[derive(Debug, Clone)]
pub struct PassRequest {
    site: Site,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    min_altitude_deg: f64,
    earth_orientation: EarthOrientation,
}

impl PassRequest {
    /// The window must be at most [`crate::MAX_WINDOW_HOURS`] long; `min_altitude_deg` in [-5, 89] (the field
    /// named `min_altitude`).
    pub fn new(
        site: Site,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        min_altitude_deg: f64,
    ) -> Result<Self, ValidationError> {
        check_window(start, end)?;
        if !(-5.0..=89.0).contains(&min_altitude_deg) {
            return Err(ValidationError::new("min_altitude", "must be between -5 and 89 degrees"));
        }
        Ok(Self { site, start, end, min_altitude_deg, earth_orientation: EarthOrientation::default() })
    }

    #[must_use]
    pub fn with_earth_orientation(mut self, earth_orientation: EarthOrientation) -> Self {
        self.earth_orientation = earth_orientation;
        self
    }
}

/// Where the object is at one moment of a pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PassPoint {
    #[serde(serialize_with = "crate::serde_time::millis")]
    pub time: DateTime<Utc>,
    pub altitude_deg: f64,
    /// From north through east, degrees.
    pub azimuth_deg: f64,
    pub range_km: f64,
    pub sunlit: bool,
}

/// One pass. `rise` is `None` when the object was already up at the window start, `set` when it is still up at the
/// end; a geostationary object in view has one pass with neither.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pass {
    pub rise: Option<PassPoint>,
    /// Highest point within the window.
    pub culmination: PassPoint,
    pub set: Option<PassPoint>,
}

struct AboveAltitude(f64);

impl Regions for AboveAltitude {
    fn count(&self) -> usize {
        1
    }

    fn margins(&self, sample: &Sample, out: &mut [f64]) {
        out[0] = sample.altitude() - self.0;
    }
}

/// The passes of `object` over the request's site, in time order.
pub fn find_passes(object: &CatalogObject, request: &PassRequest) -> Result<Vec<Pass>, PropagationFailure> {
    let frame = Frame::new(&request.site, request.start, request.end, request.earth_orientation, false);
    let mut tracker = Tracker::new(&frame, object);
    passes_of(&mut tracker, request.min_altitude_deg.to_radians())
        .map_err(|(error, t)| PropagationFailure::new(object.elements(), error, Some(frame.time(t))))
}

fn passes_of(
    tracker: &mut Tracker<'_>,
    min_altitude: f64,
) -> Result<Vec<Pass>, (crate::propagator::PropagationError, f64)> {
    let transitions = find_transitions(tracker, &AboveAltitude(min_altitude))?;
    let span = tracker.frame.span_s;
    let mut up = transitions.inside_at_start[0];
    let mut rise = up.then_some(None);
    let mut spans = Vec::new();
    for &t in &transitions.changes[0] {
        if up {
            spans.push((rise.flatten(), Some(t)));
        } else {
            rise = Some(Some(t));
        }
        up = !up;
    }
    if up {
        spans.push((rise.flatten(), None));
    }
    let mut passes = Vec::new();
    for (t_rise, t_set) in spans {
        let lo = t_rise.unwrap_or(0.0);
        let hi = t_set.unwrap_or(span);
        let top = minimise(lo, hi, |t| Ok(-tracker.sample(t)?.altitude()))?;
        let mut point = |t: f64| -> Result<PassPoint, (crate::propagator::PropagationError, f64)> {
            let s = tracker.sample(t)?;
            Ok(PassPoint {
                time: tracker.frame.time(t),
                altitude_deg: s.altitude().to_degrees(),
                azimuth_deg: s.azimuth().to_degrees(),
                range_km: s.range_km,
                sunlit: sunlit(s.position, tracker.frame.sun(t)),
            })
        };
        let rise = t_rise.map(&mut point).transpose()?;
        let culmination = point(top)?;
        let set = t_set.map(&mut point).transpose()?;
        passes.push(Pass { rise, culmination, set });
    }
    Ok(passes)
}
