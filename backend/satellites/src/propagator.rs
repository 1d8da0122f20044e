//! SGP4 through satkit, initialised once per object and reused for every time asked.

use chrono::{DateTime, Utc};
use satkit::sgp4::{self, GravConst, OpsMode, SGP4InitArgs, SGP4Source, SatRec};
use satkit::{Duration, Instant};

use crate::elements::MeanElements;
use crate::geometry::V3;

/// WGS72 constants and Vallado's "improved" operation mode: what python-sgp4 (and so skyfield) and Vallado's
/// verification output use.
const GRAVITY: GravConst = GravConst::WGS72;
const OPS_MODE: OpsMode = OpsMode::IMPROVED;

/// Why SGP4 gave no state: Vallado's error codes (1 eccentricity, 2 mean motion, 3 perturbed eccentricity,
/// 4 semi-latus rectum, 6 decayed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("SGP4 error {code}: {}", describe(*.code))]
pub struct PropagationError {
    pub code: i32,
}

fn describe(code: i32) -> &'static str {
    match code {
        1 => "mean elements out of range (eccentricity >= 1 or < 0, or semi-major axis < 0.95 Earth radii)",
        2 => "mean motion is negative",
        3 => "perturbed eccentricity out of range",
        4 => "semi-latus rectum is negative",
        6 => "orbit decayed",
        _ => "initialisation failed",
    }
}

/// An initialised SGP4 record. Cloning copies the initialisation (about 1 KB), so each worker thread propagates
/// its own copy without locks.
#[derive(Debug, Clone)]
pub(crate) struct Sgp4 {
    epoch: Instant,
    args: SGP4InitArgs,
    satrec: Option<SatRec>,
}

impl SGP4Source for Sgp4 {
    fn epoch(&self) -> Instant {
        self.epoch
    }

    fn satrec_mut(&mut self) -> &mut Option<SatRec> {
        &mut self.satrec
    }

    fn sgp4_init_args(&self) -> sgp4::Result<SGP4InitArgs> {
        Ok(self.args)
    }
}

impl Sgp4 {
    /// Initialises SGP4 and propagates once to the epoch, so a set that cannot start is caught here.
    pub(crate) fn new(e: &MeanElements) -> Result<Self, PropagationError> {
        let epoch = instant(e.epoch);
        let args = SGP4InitArgs::from_mean_elements(
            epoch,
            e.bstar,
            e.mean_motion,
            e.mean_motion_dot,
            e.mean_motion_ddot,
            e.eccentricity,
            e.inclination_deg,
            e.raan_deg,
            e.arg_of_perigee_deg,
            e.mean_anomaly_deg,
        );
        let mut sgp4 = Self { epoch, args, satrec: None };
        sgp4.at_minutes(0.0)?;
        Ok(sgp4)
    }

    pub(crate) fn epoch(&self) -> Instant {
        self.epoch
    }

    /// TEME position (km) and velocity (km/s) `tsince` minutes after the epoch.
    pub(crate) fn at_minutes(&mut self, tsince: f64) -> Result<(V3, V3), PropagationError> {
        self.at(self.epoch + Duration::from_seconds(tsince * 60.0))
    }

    /// TEME position (km) and velocity (km/s) at `t`.
    pub(crate) fn at(&mut self, t: Instant) -> Result<(V3, V3), PropagationError> {
        let state = sgp4::sgp4_full(self, &[t], GRAVITY, OPS_MODE).map_err(|e| match e {
            sgp4::Error::SatRecInit(code) => PropagationError { code: i32::from(code) },
            sgp4::Error::Source(_) => PropagationError { code: -1 },
        })?;
        if let Some(&code) = state.errcode.first()
            && code != sgp4::SGP4Error::SGP4Success
        {
            return Err(PropagationError { code: i32::from(code) });
        }
        let p = [state.pos[(0, 0)] * 1e-3, state.pos[(1, 0)] * 1e-3, state.pos[(2, 0)] * 1e-3];
        let v = [state.vel[(0, 0)] * 1e-3, state.vel[(1, 0)] * 1e-3, state.vel[(2, 0)] * 1e-3];
        if p.iter().chain(v.iter()).all(|x| x.is_finite()) { Ok((p, v)) } else { Err(PropagationError { code: -1 }) }
    }
}

/// A UTC time as satkit's `Instant` (microsecond resolution).
pub(crate) fn instant(t: DateTime<Utc>) -> Instant {
    Instant::from_unixtime_microseconds(t.timestamp_micros())
}
