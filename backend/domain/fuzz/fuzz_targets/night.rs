//! The observing night: `NightDate::parse`, `TimeZoneName::parse`, `local_time_in_night`, `instant_in_night`,
//! `night_of` and `night_bounds`, in every zone of the tz database.
//!
//! Properties: a night date is written back exactly as `YYYY-MM-DD`; a zone name reads back as itself; every
//! instant lies inside the bounds of the night `night_of` names, and consecutive nights tile the timeline; a local
//! clock time given for a night lands inside that night; a timestamp keeps whole microseconds.

#![no_main]

use arbitrary::Arbitrary;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use libfuzzer_sys::fuzz_target;
use meridian_domain::{NightDate, TimeZoneName, Tz, instant_in_night, local_time_in_night, night_bounds, night_of};

#[derive(Debug, Arbitrary)]
struct Input {
    zone: u16,
    /// Seconds from 1970 for `night_of`; folded into chrono's range.
    instant: i64,
    /// Days from 1970 for the night of a local time.
    night: i32,
    /// Text for the date, zone, local-time and timestamp parsers.
    text: String,
}

fuzz_target!(|input: Input| {
    let tz: Tz = chrono_tz::TZ_VARIANTS[usize::from(input.zone) % chrono_tz::TZ_VARIANTS.len()];
    let text = input.text.as_str();

    if let Ok(night) = NightDate::parse(text) {
        assert_eq!(night.to_string(), text.trim());
        assert_eq!(NightDate::parse(&night.to_string()), Ok(night));
    }
    if let Ok(zone) = TimeZoneName::parse(text) {
        assert_eq!(zone.as_str(), text.trim());
        assert_eq!(TimeZoneName::parse(zone.as_str()), Ok(zone));
    }

    // Every instant lies in its night; the next night starts where this one ends.
    let span = DateTime::<Utc>::MAX_UTC.timestamp() - DateTime::<Utc>::MIN_UTC.timestamp();
    let secs = DateTime::<Utc>::MIN_UTC.timestamp() + input.instant.rem_euclid(span);
    if let Some(t) = DateTime::from_timestamp(secs, 0) {
        let night = night_of(t, tz);
        let (start, end) = night_bounds(night, tz);
        assert!(start <= end, "{tz} {night}: [{start}, {end})");
        // At chrono's first and last day an instant may belong to a night outside its range, which has no date:
        // `night_of` then names the first or last day (only in the years -262143 and +262142; the unit tests check
        // that the ends do not panic).
        if night.date() > NaiveDate::MIN && night.date() < NaiveDate::MAX {
            assert!(start <= t && t < end, "{tz} {t}: night {night} is [{start}, {end})");
        }
        if let Some(next) = night.date().succ_opt() {
            assert_eq!(night_bounds(NightDate::from(next), tz).0, end, "{tz} {night}: nights do not tile");
        }
    }

    // A clock time named within a night lies in that night.
    let Some(date) = NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(TimeDelta::days(i64::from(input.night) % 3_000_000)))
    else {
        return;
    };
    let night = NightDate::from(date);
    let (start, end) = night_bounds(night, tz);
    if let Ok(t) = local_time_in_night(night, tz, text, "t") {
        assert!(start <= t && t < end, "{tz} {night} {text:?}: {t} outside [{start}, {end})");
        assert_eq!(night_of(t, tz), night, "{tz} {night} {text:?}: {t}");
    }
    if let Ok(t) = instant_in_night(night, tz, text, "t") {
        assert_eq!(t.timestamp_subsec_nanos() % 1000, 0, "{text:?} kept finer than microseconds: {t}");
    }
});
