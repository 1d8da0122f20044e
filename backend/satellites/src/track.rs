//! Where one object appears from a site at given times: for drawing a crossing's track on a sky chart, or for a
//! table of positions.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::catalog::{CatalogObject, PropagationFailure};
use crate::earth::{EarthOrientation, Frame, Site, sunlit};
use crate::search::Tracker;

/// Most times one call may ask for.
pub const MAX_TRACK_POINTS: usize = 10_000;

/// One object seen from the site at one time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrackPoint {
    #[serde(serialize_with = "crate::serde_time::millis")]
    pub time: DateTime<Utc>,
    /// Where it appears among the catalogue's stars (ICRS, the stars' annual aberration taken into account, as for
    /// fields), degrees.
    pub ra_deg: f64,
    pub dec_deg: f64,
    pub altitude_deg: f64,
    /// From north through east, degrees.
    pub azimuth_deg: f64,
    pub range_km: f64,
    pub sunlit: bool,
}

/// The object's apparent position from `site` at each of `times` (at most [`MAX_TRACK_POINTS`]; more are ignored).
pub fn observe(
    object: &CatalogObject,
    site: &Site,
    times: &[DateTime<Utc>],
    earth_orientation: EarthOrientation,
) -> Result<Vec<TrackPoint>, PropagationFailure> {
    let times = &times[..times.len().min(MAX_TRACK_POINTS)];
    let (Some(&first), Some(&last)) = (times.iter().min(), times.iter().max()) else {
        return Ok(Vec::new());
    };
    let frame = Frame::new(site, first, last, earth_orientation, true);
    let mut tracker = Tracker::new(&frame, object);
    times
        .iter()
        .map(|&time| {
            let t = (time - first).num_microseconds().map_or(0.0, |us| us as f64 * 1e-6);
            let s = tracker
                .sample(t)
                .map_err(|(error, _)| PropagationFailure::new(object.elements(), error, Some(time)))?;
            let (ra_deg, dec_deg) = frame.sky_position(s.direction);
            Ok(TrackPoint {
                time,
                ra_deg,
                dec_deg,
                altitude_deg: s.altitude().to_degrees(),
                azimuth_deg: s.azimuth().to_degrees(),
                range_km: s.range_km,
                sunlit: sunlit(s.position, frame.sun(t)),
            })
        })
        .collect()
}
