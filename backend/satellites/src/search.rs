//! The search: follow one object through the window and find every time its topocentric direction enters or
//! leaves a region (a field, the sky above an altitude).
//!
//! Why it can skip: a region's margin `g` (signed angular distance to its edge, see `PreparedField::margin`)
//! changes no faster than the direction to the satellite turns, plus the Earth's rotation for the horizon. The
//! direction turns at `|v_rel⊥| / d <= V / d`, where `V` bounds the satellite's speed plus the site's, and the
//! range can shrink no faster than `V`, so `d(t) >= d0 - V t`. Integrating, after `t` seconds the margin has moved
//! by at most `ln(d0 / (d0 - V t)) + ω_E t`. Solving that for `|g|` gives a step during which the object provably
//! cannot cross any edge. Far objects (below the horizon, thousands of km away) take steps of minutes; close
//! ones near a field take short ones. An interval between two samples is proven empty when the safe steps from
//! both ends cover it; otherwise it is halved, down to 50 ms (shorter grazes are ignored) or, when the sign
//! differs, down to 2 ms around the crossing time.

use crate::catalog::CatalogObject;
use crate::earth::{EARTH_ROTATION_RAD_S, Frame, SiteState};
use crate::geometry::{V3, dot, norm, scale, sub};
use crate::propagator::{PropagationError, Sgp4};

/// Crossing times are bracketed to this width (seconds) and reported at the middle.
const ROOT_WIDTH_S: f64 = 0.002;
/// Intervals shorter than this that start and end on the same side of an edge are not searched: a visit inside
/// them would last less than this.
const GRAZE_WIDTH_S: f64 = 0.05;
/// The march never steps less than this; shorter proofs are left to the halving.
const MIN_STEP_S: f64 = 1.0;
/// Bound of the site's speed in an inertial frame (km/s): the equator at 9 km elevation.
const SITE_SPEED_KM_S: f64 = 0.466;

/// One propagated instant of one object, seen from the site.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub(crate) t: f64,
    pub(crate) position: V3,
    pub(crate) velocity: V3,
    pub(crate) site: SiteState,
    /// Unit vector from the site to the satellite (TEME).
    pub(crate) direction: V3,
    pub(crate) range_km: f64,
}

impl Sample {
    pub(crate) fn altitude(&self) -> f64 {
        dot(self.direction, self.site.up).clamp(-1.0, 1.0).asin()
    }

    /// Azimuth from north through east, radians in [0, 2π).
    pub(crate) fn azimuth(&self) -> f64 {
        dot(self.direction, self.site.east)
            .atan2(dot(self.direction, self.site.north))
            .rem_euclid(std::f64::consts::TAU)
    }

    /// Rate at which the direction turns, radians per second.
    pub(crate) fn angular_speed(&self) -> f64 {
        let relative = sub(self.velocity, self.site.velocity);
        let across = sub(relative, scale(self.direction, dot(relative, self.direction)));
        norm(across) / self.range_km
    }
}

/// Regions on the sky, each with a signed margin (radians, positive inside).
pub(crate) trait Regions {
    fn count(&self) -> usize;
    fn margins(&self, sample: &Sample, out: &mut [f64]);
}

/// One object being followed through the window.
pub(crate) struct Tracker<'a> {
    pub(crate) frame: &'a Frame,
    sgp4: Sgp4,
    /// Speed bound of the satellite (km/s), widened if a sample ever exceeds it.
    satellite_speed: f64,
    /// Minutes from the element epoch to the window start.
    epoch_offset_min: f64,
    pub(crate) propagations: u64,
}

impl<'a> Tracker<'a> {
    pub(crate) fn new(frame: &'a Frame, object: &CatalogObject) -> Self {
        let sgp4 = object.sgp4.clone();
        let epoch_offset_min = (frame.start_instant - sgp4.epoch()).as_seconds() / 60.0;
        Self { frame, sgp4, satellite_speed: object.max_speed_km_s, epoch_offset_min, propagations: 0 }
    }

    pub(crate) fn sample(&mut self, t: f64) -> Result<Sample, (PropagationError, f64)> {
        self.propagations += 1;
        let (position, velocity) = self.sgp4.at_minutes(self.epoch_offset_min + t / 60.0).map_err(|e| (e, t))?;
        let speed = norm(velocity);
        if speed > self.satellite_speed {
            self.satellite_speed = speed * 1.1;
        }
        let site = self.frame.site(t);
        let relative = sub(position, site.position);
        let range_km = norm(relative);
        Ok(Sample { t, position, velocity, site, direction: scale(relative, 1.0 / range_km), range_km })
    }

    /// Seconds from `sample` during which a margin of `margin` radians (absolute value) cannot reach zero.
    fn safe_step(&self, sample: &Sample, margin: f64) -> f64 {
        let margin = margin.abs();
        let v = self.satellite_speed + SITE_SPEED_KM_S;
        let reach = |g: f64| sample.range_km / v * -(-g).exp_m1();
        let first = reach(margin);
        reach((margin - EARTH_ROTATION_RAD_S * first).max(0.0))
    }
}

/// Where each region's state changes: per region, whether the object was inside at the start, and the times
/// (seconds from the window start) it changed, in order; the state alternates from the start state.
#[derive(Debug, Clone)]
pub(crate) struct Transitions {
    pub(crate) inside_at_start: Vec<bool>,
    pub(crate) changes: Vec<Vec<f64>>,
}

pub(crate) fn find_transitions(
    tracker: &mut Tracker<'_>,
    regions: &impl Regions,
) -> Result<Transitions, (PropagationError, f64)> {
    let n = regions.count();
    let span = tracker.frame.span_s;
    let mut a = tracker.sample(0.0)?;
    let mut ga = vec![0.0; n];
    regions.margins(&a, &mut ga);
    let inside_at_start: Vec<bool> = ga.iter().map(|&g| g > 0.0).collect();
    let mut changes = vec![Vec::new(); n];
    let mut gb = vec![0.0; n];
    while a.t < span {
        let step = ga.iter().map(|&g| tracker.safe_step(&a, g)).fold(f64::INFINITY, f64::min);
        let t = (a.t + step.max(MIN_STEP_S)).min(span);
        let b = tracker.sample(t)?;
        regions.margins(&b, &mut gb);
        explore(tracker, regions, (&a, &ga), (&b, &gb), &mut changes)?;
        a = b;
        std::mem::swap(&mut ga, &mut gb);
    }
    Ok(Transitions { inside_at_start, changes })
}

/// Finds the state changes inside (a, b], in time order, halving where the bound cannot prove there are none.
fn explore(
    tracker: &mut Tracker<'_>,
    regions: &impl Regions,
    (a, ga): (&Sample, &[f64]),
    (b, gb): (&Sample, &[f64]),
    changes: &mut [Vec<f64>],
) -> Result<(), (PropagationError, f64)> {
    let width = b.t - a.t;
    let mut split = false;
    for k in 0..ga.len() {
        let (inside_a, inside_b) = (ga[k] > 0.0, gb[k] > 0.0);
        if inside_a != inside_b {
            if width <= ROOT_WIDTH_S {
                changes[k].push(a.t + width / 2.0);
            } else {
                split = true;
            }
        } else if width > GRAZE_WIDTH_S && tracker.safe_step(a, ga[k]) + tracker.safe_step(b, gb[k]) < width {
            split = true;
        }
    }
    if split {
        let m = tracker.sample(a.t + width / 2.0)?;
        let mut gm = vec![0.0; ga.len()];
        regions.margins(&m, &mut gm);
        explore(tracker, regions, (a, ga), (&m, &gm), changes)?;
        explore(tracker, regions, (&m, &gm), (b, gb), changes)?;
    }
    Ok(())
}

/// Minimises `f` over [lo, hi]: a scan (8 points, or one a minute on long intervals), then golden-section search
/// around the best point.
pub(crate) fn minimise(
    lo: f64,
    hi: f64,
    mut f: impl FnMut(f64) -> Result<f64, (PropagationError, f64)>,
) -> Result<f64, (PropagationError, f64)> {
    if hi - lo <= ROOT_WIDTH_S {
        return Ok((lo + hi) / 2.0);
    }
    // At least every minute, so a long pass with several maxima (a Molniya orbit) is scanned finely enough.
    let scan = ((hi - lo) / 60.0).ceil().clamp(8.0, 1440.0) as usize;
    let h = (hi - lo) / scan as f64;
    let mut best = (lo, f(lo)?);
    for i in 1..=scan {
        let t = lo + h * i as f64;
        let v = f(t)?;
        if v < best.1 {
            best = (t, v);
        }
    }
    let (mut a, mut b) = ((best.0 - h).max(lo), (best.0 + h).min(hi));
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c)?, f(d)?);
    while b - a > 0.005 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c)?;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d)?;
        }
    }
    let t = (a + b) / 2.0;
    Ok(if f(t)? <= best.1 { t } else { best.0 })
}
