#![doc = include_str!("../README.md")]

mod catalog;
mod earth;
mod elements;
mod field;
mod fov;
mod geometry;
mod night;
mod omm;
mod passes;
mod propagator;
mod search;
mod serde_time;
mod tle;
mod track;

pub use catalog::{Catalog, CatalogError, CatalogFormat, CatalogImport, CatalogObject, PropagationFailure, Rejected};
pub use earth::{EarthOrientation, Site, load_finals2000a};
pub use elements::MeanElements;
pub use field::{Field, FieldShape, MAX_FIELD_RADIUS_DEG};
pub use fov::{
    ClosestApproach, Crossing, DEFAULT_MAX_ELEMENT_AGE_DAYS, FovReport, FovRequest, MAX_FIELDS, MAX_WINDOW_HOURS,
    STALE_ELEMENTS_CODE, SearchStats, SkyPoint, find_crossings,
};
pub use night::{DARK_SUN_ALTITUDE_DEG, DarkSky, dark_sky};
pub use omm::{parse_omm_csv, parse_omm_json, parse_omm_xml};
pub use passes::{Pass, PassPoint, PassRequest, find_passes};
pub use propagator::PropagationError;
pub use tle::{TleError, decode_alpha5, parse_pair, parse_pair_unverified, parse_tle};
pub use track::{MAX_TRACK_POINTS, TrackPoint, observe};

/// Propagates raw elements with SGP4 to `tsince_minutes` after their epoch: TEME position (km) and velocity
/// (km/s). For checks against published SGP4 output; the search keeps its own initialised copies.
pub fn propagate_minutes(
    elements: &MeanElements,
    tsince_minutes: f64,
) -> Result<([f64; 3], [f64; 3]), PropagationError> {
    propagator::Sgp4::new(elements)?.at_minutes(tsince_minutes)
}
