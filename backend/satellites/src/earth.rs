//! The observer and the Earth's orientation. Everything the search needs per instant (where the site is, which
//! way is up, where the sun is) comes from a [`Frame`] built once per request: the Earth's rotation angle is linear
//! in time over a window, polar motion and the TEME/GCRS rotation are constant over it, the sun is tabulated
//! hourly. No per-object and no per-sample work beyond a sine and a cosine.

use chrono::{DateTime, Utc};
use meridian_domain::{Elevation, Latitude, Longitude, ValidationError};
use serde::{Deserialize, Serialize};

use crate::geometry::{M3, V3, add, dot, mat_vec, quaternion_matrix, scale, sub, transpose, unit, unit_to_radec_deg};
use crate::propagator::instant;

/// An observing site on the WGS84 ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub latitude: Latitude,
    pub longitude: Longitude,
    pub elevation: Elevation,
}

impl Site {
    pub fn new(latitude: Latitude, longitude: Longitude, elevation: Elevation) -> Self {
        Self { latitude, longitude, elevation }
    }

    /// From plain numbers; the error names the field (`latitude`, `longitude`, `elevation`).
    pub fn from_degrees(latitude: f64, longitude: f64, elevation_m: f64) -> Result<Self, ValidationError> {
        Ok(Self::new(Latitude::new(latitude)?, Longitude::new(longitude)?, Elevation::new(elevation_m)?))
    }

    /// Earth-fixed position (km) and the local up, north and east unit vectors.
    fn itrf(&self) -> (V3, V3, V3, V3) {
        const A: f64 = 6378.137;
        const F: f64 = 1.0 / 298.257_223_563;
        let e2 = F * (2.0 - F);
        let (sp, cp) = self.latitude.degrees().to_radians().sin_cos();
        let (sl, cl) = self.longitude.degrees().to_radians().sin_cos();
        let h = self.elevation.metres() / 1000.0;
        let n = A / (1.0 - e2 * sp * sp).sqrt();
        let position = [(n + h) * cp * cl, (n + h) * cp * sl, (n * (1.0 - e2) + h) * sp];
        let up = [cp * cl, cp * sl, sp];
        let north = [-sp * cl, -sp * sl, cp];
        let east = [-sl, cl, 0.0];
        (position, up, north, east)
    }
}

/// Which Earth orientation to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EarthOrientation {
    /// UT1 = UTC and no polar motion: off by at most 0.9 s of Earth rotation (about 0.004 degrees for a LEO
    /// satellite overhead). Needs no file.
    #[default]
    UtcIsUt1,
    /// The IERS table installed with [`load_finals2000a`] (UT1 - UTC and polar motion).
    Iers,
}

/// Installs an IERS `finals2000A.all` file (or an excerpt of one) for [`EarthOrientation::Iers`]. Process-wide:
/// satkit keeps one table.
pub fn load_finals2000a(path: &std::path::Path) -> Result<(), ValidationError> {
    satkit::earth_orientation_params::init_from_path(path)
        .map_err(|e| ValidationError::new("earth_orientation", format!("{}: {e}", path.display())))
}

const SPEED_OF_LIGHT_KM_S: f64 = 299_792.458;

/// Earth rotation (radians per SI second) used to bound how fast the local horizon turns.
pub(crate) const EARTH_ROTATION_RAD_S: f64 = 7.292_115_9e-5;

/// Everything fixed for one request: the window origin, the Earth's rotation over the window, the site, the
/// rotation from GCRS to TEME and the sun.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) start: DateTime<Utc>,
    pub(crate) start_instant: satkit::Instant,
    pub(crate) span_s: f64,
    gmst0: f64,
    gmst_rate: f64,
    site_pef: V3,
    up_pef: V3,
    north_pef: V3,
    east_pef: V3,
    pub(crate) gcrs_to_teme: M3,
    pub(crate) teme_to_gcrs: M3,
    /// The Earth's velocity over the speed of light, GCRS (zero when aberration is not applied).
    pub(crate) aberration: V3,
    sun_teme: Vec<V3>,
}

/// The site at one instant, in TEME (km, km/s).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SiteState {
    pub(crate) position: V3,
    pub(crate) velocity: V3,
    pub(crate) up: V3,
    pub(crate) north: V3,
    pub(crate) east: V3,
}

impl Frame {
    pub(crate) fn new(
        site: &Site,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        eop: EarthOrientation,
        annual_aberration: bool,
    ) -> Self {
        let span_s = (end - start).num_microseconds().map_or(0.0, |us| us as f64 * 1e-6).max(0.0);
        let start_instant = instant(start);
        let at = |s: f64| start_instant + satkit::Duration::from_seconds(s);
        let middle = at(span_s / 2.0);
        let (position, up, north, east) = site.itrf();
        let (gmst0, gmst_rate, polar) = match eop {
            EarthOrientation::UtcIsUt1 => {
                let jd = start_instant.as_jd_utc();
                (gmst82(jd), gmst82_rate(jd), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
            }
            EarthOrientation::Iers => {
                let g0 = satkit::frametransform::gmst(&start_instant);
                let g1 = satkit::frametransform::gmst(&at(3600.0));
                let rate = (g1 - g0 + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI;
                let polar = quaternion_matrix(&satkit::frametransform::qitrf2tirs(&middle));
                (g0, rate / 3600.0, polar)
            }
        };
        let teme_to_gcrs = quaternion_matrix(&teme_to_gcrs(&middle));
        let gcrs_to_teme = transpose(&teme_to_gcrs);
        let hours = (span_s / 3600.0).ceil() as usize + 1;
        let sun_teme = (0..=hours)
            .map(|h| {
                let sun = satkit::lpephem::sun::pos_gcrf(&at(h as f64 * 3600.0));
                mat_vec(&gcrs_to_teme, [sun[0] * 1e-3, sun[1] * 1e-3, sun[2] * 1e-3])
            })
            .collect();
        // The Earth's velocity (GCRS) from the sun's apparent motion over an hour about the middle of the window.
        let aberration = if annual_aberration {
            let before = satkit::lpephem::sun::pos_gcrf(&at(span_s / 2.0 - 1800.0));
            let after = satkit::lpephem::sun::pos_gcrf(&at(span_s / 2.0 + 1800.0));
            [0, 1, 2].map(|k| -(after[k] - before[k]) * 1e-3 / 3600.0 / SPEED_OF_LIGHT_KM_S)
        } else {
            [0.0; 3]
        };
        Self {
            aberration,
            start,
            start_instant,
            span_s,
            gmst0,
            gmst_rate,
            site_pef: mat_vec(&polar, position),
            up_pef: mat_vec(&polar, up),
            north_pef: mat_vec(&polar, north),
            east_pef: mat_vec(&polar, east),
            gcrs_to_teme,
            teme_to_gcrs,
            sun_teme,
        }
    }

    pub(crate) fn time(&self, t: f64) -> DateTime<Utc> {
        self.start + chrono::Duration::microseconds((t * 1e6).round() as i64)
    }

    #[cfg(test)]
    pub(crate) fn instant(&self, t: f64) -> satkit::Instant {
        self.start_instant + satkit::Duration::from_seconds(t)
    }

    pub(crate) fn site(&self, t: f64) -> SiteState {
        let (s, c) = (self.gmst0 + self.gmst_rate * t).sin_cos();
        let rot = |v: V3| [c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]];
        let position = rot(self.site_pef);
        let velocity = [-self.gmst_rate * position[1], self.gmst_rate * position[0], 0.0];
        SiteState { position, velocity, up: rot(self.up_pef), north: rot(self.north_pef), east: rot(self.east_pef) }
    }

    /// Right ascension and declination (degrees) at which a satellite in TEME direction `direction` appears
    /// among the catalogue's stars: rotated to GCRS, and the stars' annual aberration taken off (when applied).
    pub(crate) fn sky_position(&self, direction: V3) -> (f64, f64) {
        let gcrs = mat_vec(&self.teme_to_gcrs, direction);
        unit_to_radec_deg(unit(sub(gcrs, self.aberration)))
    }

    /// The sun's geocentric position (km, TEME), interpolated in the hourly table.
    pub(crate) fn sun(&self, t: f64) -> V3 {
        let x = (t / 3600.0).clamp(0.0, (self.sun_teme.len() - 1) as f64);
        let i = (x.floor() as usize).min(self.sun_teme.len().saturating_sub(2));
        let f = x - i as f64;
        match (self.sun_teme.get(i), self.sun_teme.get(i + 1)) {
            (Some(&a), Some(&b)) => add(scale(a, 1.0 - f), scale(b, f)),
            (Some(&a), None) => a,
            _ => [1.496e8, 0.0, 0.0],
        }
    }

    /// The sun's altitude at the site, degrees (geometric, no refraction).
    pub(crate) fn sun_altitude_deg(&self, t: f64) -> f64 {
        let site = self.site(t);
        dot(unit(sub(self.sun(t), site.position)), site.up).clamp(-1.0, 1.0).asin().to_degrees()
    }
}

/// Whether a point (km, TEME) sees the sun's centre past the Earth (a sphere of the equatorial radius): the same
/// geometric test as skyfield's `is_sunlit`.
pub(crate) fn sunlit(position: V3, sun: V3) -> bool {
    const EARTH_RADIUS_KM: f64 = 6378.137;
    let towards_sun = unit(sub(sun, position));
    let b = dot(position, towards_sun);
    let c = dot(position, position) - EARTH_RADIUS_KM * EARTH_RADIUS_KM;
    if c < 0.0 {
        return false;
    }
    // The ray position + s * towards_sun (s > 0) meets the sphere when b < 0 and the discriminant is positive.
    !(b < 0.0 && b * b - c > 0.0)
}

/// TEME to GCRS: the equation of the equinoxes (TEME's mean equinox to the true one), two-term nutation, IAU 2006
/// precession; satkit's `qteme2gcrf` chain without the Earth's rotation, which cancels out of it, so no UT1 is
/// needed (0.9" at worst; it is evaluated once per request: precession and nutation move less than 0.01" per day).
fn teme_to_gcrs(t: &satkit::Instant) -> satkit::Quaternion {
    use satkit::frametransform::{eqeq, qmod2gcrf, qtod2mod_approx};
    qmod2gcrf(t) * qtod2mod_approx(t) * satkit::Quaternion::rotz(eqeq(t))
}

/// Greenwich mean sidereal time (IAU 1982, radians) at Julian date `jd` (UT1).
fn gmst82(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let seconds = 67_310.548_41 + (876_600.0 * 3600.0 + 8_640_184.812_866) * t + 0.093_104 * t * t - 6.2e-6 * t * t * t;
    (seconds.rem_euclid(86_400.0) / 240.0).to_radians()
}

/// d(GMST)/dt in radians per second of UT1.
fn gmst82_rate(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let seconds_per_century = 876_600.0 * 3600.0 + 8_640_184.812_866 + 2.0 * 0.093_104 * t - 3.0 * 6.2e-6 * t * t;
    (seconds_per_century / (36_525.0 * 86_400.0) / 240.0).to_radians()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_in_teme_matches_satkit() {
        let site = Site::from_degrees(-24.6272, -70.4042, 2635.0).expect("valid site");
        let start = DateTime::parse_from_rfc3339("2022-06-16T03:00:00Z").expect("time").with_timezone(&Utc);
        let frame = Frame::new(&site, start, start + chrono::Duration::hours(2), EarthOrientation::UtcIsUt1, true);
        let (itrf, ..) = site.itrf();
        for t in [0.0, 1234.5, 7200.0] {
            // satkit with no EOP table: UT1 = UTC, no polar motion, the same case as ours.
            let q = satkit::frametransform::qteme2itrf(&frame.instant(t)).conjugate();
            let expected = q * satkit::Vector3::from_array(itrf);
            let ours = frame.site(t).position;
            for k in 0..3 {
                assert!((ours[k] - expected[k]).abs() < 1e-4, "t={t} axis {k}: {} vs {}", ours[k], expected[k]);
            }
        }
    }

    #[test]
    fn teme_to_gcrs_is_satkits_without_ut1() {
        let t = satkit::Instant::from_unixtime(1_655_348_400.0);
        let ours = quaternion_matrix(&teme_to_gcrs(&t));
        let theirs = quaternion_matrix(&satkit::frametransform::qteme2gcrf(&t));
        for (a, b) in ours.iter().flatten().zip(theirs.iter().flatten()) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn shadow() {
        let sun = [1.496e8, 0.0, 0.0];
        assert!(sunlit([7000.0, 0.0, 0.0], sun));
        assert!(!sunlit([-7000.0, 0.0, 0.0], sun));
        assert!(sunlit([-7000.0, 6400.0, 0.0], sun));
        assert!(sunlit([0.0, 7000.0, 0.0], sun));
    }
}
