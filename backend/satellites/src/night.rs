//! When the sky gets dark at a site, and what is overhead then: where a check "tonight" starts, and where an
//! example check in a catalog's own epoch looks.

use crate::earth::{EarthOrientation, Frame, Site};
use crate::fov::SkyPoint;
use chrono::{DateTime, Duration, Utc};

/// The sun's altitude (degrees) below which the sky counts as dark for a satellite check: the end of nautical
/// twilight. Faint stars are out, and satellites a few hundred kilometres up are still sunlit: the hour when
/// streaks are most likely.
pub const DARK_SUN_ALTITUDE_DEG: f64 = -12.0;

/// How far ahead [`dark_sky`] looks: a day and a half covers every night outside the polar summer.
const LOOKAHEAD_HOURS: i64 = 36;
/// The coarse step of the search (the sun moves at most about 1.25° in altitude in it), then halved to a second.
const STEP_S: f64 = 300.0;

/// A dark sky at a site: from when, and the point overhead then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DarkSky {
    pub at: DateTime<Utc>,
    pub zenith: SkyPoint,
}

/// The first moment at or after `from` (within a day and a half) when the sun is below `sun_altitude_deg` at the
/// site, with the zenith's right ascension and declination then (the catalog's frame, like a check's field).
/// `None` when the sun stays up (or not low enough) all that time, as in a polar summer.
#[must_use]
pub fn dark_sky(site: &Site, from: DateTime<Utc>, sun_altitude_deg: f64) -> Option<DarkSky> {
    let end = from + Duration::hours(LOOKAHEAD_HOURS);
    let frame = Frame::new(site, from, end, EarthOrientation::UtcIsUt1, false);
    let dark = |t: f64| frame.sun_altitude_deg(t) < sun_altitude_deg;
    let mut t = 0.0;
    let at = loop {
        if dark(t) {
            break t;
        }
        t += STEP_S;
        if t > frame.span_s {
            return None;
        }
    };
    // Dark at `at`, not at `at - STEP_S` (unless it was dark from the start): halve the step down to a second.
    let (mut light, mut dark_at) = ((at - STEP_S).max(0.0), at);
    if at > 0.0 {
        while dark_at - light > 1.0 {
            let mid = (light + dark_at) / 2.0;
            if dark(mid) { dark_at = mid } else { light = mid }
        }
    }
    let (ra_deg, dec_deg) = frame.sky_position(frame.site(dark_at).up);
    Some(DarkSky { at: frame.time(dark_at.ceil()), zenith: SkyPoint { ra_deg, dec_deg } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn hill_top() -> Site {
        Site::from_degrees(37.2236, -2.5463, 2168.0).unwrap()
    }

    #[test]
    fn a_june_evening_in_southern_spain_is_dark_at_about_twenty_to_nine_utc() {
        // Sunset near 19:35 UTC on 2022-06-17 at 37°N 2.5°W; nautical twilight ends about 20:45 UTC.
        let from = Utc.with_ymd_and_hms(2022, 6, 17, 12, 0, 0).unwrap();
        let dark = dark_sky(&hill_top(), from, DARK_SUN_ALTITUDE_DEG).unwrap();
        let earliest = Utc.with_ymd_and_hms(2022, 6, 17, 20, 25, 0).unwrap();
        let latest = Utc.with_ymd_and_hms(2022, 6, 17, 21, 5, 0).unwrap();
        assert!(dark.at > earliest && dark.at < latest, "{}", dark.at);
        // Overhead: the declination is the latitude (geodetic vs. geocentric: a fraction of a degree) and the
        // right ascension the local sidereal time, about 14h12m = 213°.
        assert!((dark.zenith.dec_deg - 37.2).abs() < 0.5, "{:?}", dark.zenith);
        assert!((dark.zenith.ra_deg - 213.0).abs() < 3.0, "{:?}", dark.zenith);
    }

    #[test]
    fn a_sky_dark_already_is_dark_from_the_start() {
        let from = Utc.with_ymd_and_hms(2022, 6, 17, 23, 30, 0).unwrap();
        let dark = dark_sky(&hill_top(), from, DARK_SUN_ALTITUDE_DEG).unwrap();
        assert_eq!(dark.at, from);
    }

    #[test]
    fn the_arctic_summer_has_no_dark_sky() {
        let svalbard = Site::from_degrees(78.2232, 15.6267, 520.0).unwrap();
        let from = Utc.with_ymd_and_hms(2022, 6, 17, 0, 0, 0).unwrap();
        assert_eq!(dark_sky(&svalbard, from, DARK_SUN_ALTITUDE_DEG), None);
        // The same place in December is dark at once.
        let winter = Utc.with_ymd_and_hms(2022, 12, 17, 12, 0, 0).unwrap();
        assert!(dark_sky(&svalbard, winter, DARK_SUN_ALTITUDE_DEG).is_some());
    }
}
