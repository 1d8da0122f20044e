//! Mean orbital elements, whatever format they came in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One object's SGP4 mean elements (TEME, Kozai mean motion as published in TLEs and OMMs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanElements {
    /// NORAD catalog number (Alpha-5 numbers are decoded: `A0000` is 100000).
    pub norad_id: u32,
    /// Object name (line 0 of a 3-line TLE, `OBJECT_NAME` of an OMM), when given.
    pub name: Option<String>,
    /// International designator (`98067A`, or `1998-067A` in OMMs), as written.
    pub international_designator: Option<String>,
    /// Epoch of the elements, UTC.
    pub epoch: DateTime<Utc>,
    /// Mean motion, revolutions per day.
    pub mean_motion: f64,
    pub eccentricity: f64,
    pub inclination_deg: f64,
    /// Right ascension of the ascending node, degrees.
    pub raan_deg: f64,
    pub arg_of_perigee_deg: f64,
    pub mean_anomaly_deg: f64,
    /// B* drag term, 1 / Earth radii.
    pub bstar: f64,
    /// First derivative of the mean motion divided by two, revolutions per day².
    pub mean_motion_dot: f64,
    /// Second derivative of the mean motion divided by six, revolutions per day³.
    pub mean_motion_ddot: f64,
    /// Element set number, when given.
    pub element_set_no: Option<u32>,
    /// Revolution number at epoch, when given.
    pub rev_at_epoch: Option<u32>,
}

impl MeanElements {
    /// Age of the elements at `at`, in days (negative when the epoch is after `at`).
    pub fn age_days(&self, at: DateTime<Utc>) -> f64 {
        (at - self.epoch).num_microseconds().map_or(f64::NAN, |us| us as f64 / 86_400e6)
    }

    /// Orbital period, minutes.
    pub fn period_minutes(&self) -> f64 {
        1440.0 / self.mean_motion
    }

    /// Perigee and apogee altitude above a spherical Earth (WGS72 radius), km, from the mean motion.
    pub fn perigee_apogee_km(&self) -> (f64, f64) {
        let a = semi_major_axis_km(self.mean_motion);
        (a * (1.0 - self.eccentricity) - EARTH_RADIUS_KM, a * (1.0 + self.eccentricity) - EARTH_RADIUS_KM)
    }
}

/// WGS72, the model SGP4 element sets are fitted with.
pub(crate) const MU_KM3_S2: f64 = 398_600.8;
pub(crate) const EARTH_RADIUS_KM: f64 = 6378.135;

/// Semi-major axis (km) for a mean motion in revolutions per day.
pub(crate) fn semi_major_axis_km(mean_motion_rev_per_day: f64) -> f64 {
    let n = mean_motion_rev_per_day * std::f64::consts::TAU / 86_400.0;
    (MU_KM3_S2 / (n * n)).cbrt()
}
