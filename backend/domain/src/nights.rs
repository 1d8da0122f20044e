//! The observing night, the small vocabularies of a night log, and its records: night logs, their entries (and
//! the entries' versions) and observations.
//!
//! Observatories file everything under the night it happened in, and a night straddles two calendar dates. Meridian
//! follows the usual convention: a night runs from local noon at the site to the next local noon, and is named by
//! the date of its evening. Local noon is far from both dusk and dawn everywhere people observe, so no exposure is
//! ever split across two nights, and the afternoon's calibrations land in the night they prepare. Because the
//! boundary is local clock time, a night that spans a daylight-saving change is 23 or 25 hours long (22 or 26 at
//! Troll, which shifts by two hours).

use crate::ValidationError;
use crate::ids::{AccountId, EntryId, InstrumentId, NightLogId, ObservationId, TargetId, TelescopeId, WorkspaceId};
use crate::sky::SkyPosition;
use crate::tags::Tags;
use crate::values::{Description, ShortText, Visibility};
use chrono::{
    DateTime, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, SubsecRound, TimeDelta, TimeZone, Utc,
};
use serde::{Deserialize, Serialize};

/// Re-exported so callers name zones without depending on `chrono-tz` themselves.
pub use chrono_tz::Tz;

/// An IANA time-zone name that the bundled tz database knows (`Europe/Madrid`, `Atlantic/Canary`, `UTC`). Names are
/// case-sensitive, as in the database; the spelling given is kept, so a legacy alias such as `US/Mountain` stays
/// as entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(Tz);

impl TimeZoneName {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::new("time_zone", "is required"));
        }
        s.parse::<Tz>().map(Self).map_err(|_| {
            ValidationError::new("time_zone", "must be an IANA time zone name such as Europe/Madrid or America/Denver")
        })
    }

    #[must_use]
    pub const fn tz(self) -> Tz {
        self.0
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.0.name()
    }
}

impl From<Tz> for TimeZoneName {
    fn from(tz: Tz) -> Self {
        Self(tz)
    }
}
impl TryFrom<String> for TimeZoneName {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<TimeZoneName> for String {
    fn from(t: TimeZoneName) -> String {
        t.as_str().to_owned()
    }
}
impl std::fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An observing night, named by the date of its evening (see the module doc). Written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NightDate(NaiveDate);

impl NightDate {
    /// Exactly `YYYY-MM-DD`: chrono alone would also take `2024-3-5`, and a night is part of URLs and file names,
    /// where one spelling per night matters.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
        if !shaped {
            return Err(ValidationError::new("night", "must be a date written YYYY-MM-DD"));
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Self)
            .map_err(|_| ValidationError::new("night", "is not a calendar date"))
    }

    #[must_use]
    pub const fn date(self) -> NaiveDate {
        self.0
    }
}

impl From<NaiveDate> for NightDate {
    fn from(d: NaiveDate) -> Self {
        Self(d)
    }
}
impl TryFrom<String> for NightDate {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<NightDate> for String {
    fn from(n: NightDate) -> String {
        n.to_string()
    }
}
impl std::fmt::Display for NightDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// The night an instant belongs to at a site in `tz`: local times from 12:00 on belong to that date's night, earlier
/// ones to the previous evening's. Always consistent with [`night_bounds`].
#[must_use]
pub fn night_of(instant: DateTime<Utc>, tz: Tz) -> NightDate {
    NightDate(night_in(instant, &tz))
}

/// The instants a night covers at a site in `tz`, as the half-open range `[start, end)`: local noon of the night's
/// date up to local noon of the next date. Consecutive nights tile the timeline with no gap or overlap.
#[must_use]
pub fn night_bounds(night: NightDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    bounds_in(night.0, &tz)
}

const NOON: NaiveTime = match NaiveTime::from_hms_opt(12, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// Local wall-clock time at a UTC instant; `None` only at the very ends of chrono's range.
fn local_at<Z: TimeZone>(utc: NaiveDateTime, tz: &Z) -> Option<NaiveDateTime> {
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

/// When a night starts: the first instant at which the local clock reads 12:00 or later on `date`. Noon exists on
/// every real calendar day today, but the code does not rely on it. If the clock passes noon twice (set back across
/// it) the first time counts, so a night that has begun is not ended by the change; if it skips noon (set forward
/// across it, or the whole day skipped, as Samoa did on 2011-12-30) the night starts at the jump.
fn night_start<Z: TimeZone>(date: NaiveDate, tz: &Z) -> DateTime<Utc> {
    let noon = date.and_time(NOON);
    match tz.from_local_datetime(&noon) {
        MappedLocalTime::Single(t) | MappedLocalTime::Ambiguous(t, _) => t.with_timezone(&Utc),
        MappedLocalTime::None => first_instant_reaching(noon, tz),
    }
}

/// The first whole second whose local time is at least `target`, by bisection over two days either side of
/// `target` read as UTC (every offset, plus any jump, fits inside that). Transitions in the tz database fall on
/// whole seconds, so this is exact.
fn first_instant_reaching<Z: TimeZone>(target: NaiveDateTime, tz: &Z) -> DateTime<Utc> {
    let fallback = target.and_utc();
    let window = TimeDelta::hours(48);
    let (Some(lo), Some(hi)) = (target.checked_sub_signed(window), target.checked_add_signed(window)) else {
        return fallback;
    };
    let reached = |secs: i64| {
        DateTime::from_timestamp(secs, 0).and_then(|t| local_at(t.naive_utc(), tz)).is_none_or(|local| local >= target)
    };
    // Invariant: `lo` has not reached the target, `hi` has.
    let (mut lo, mut hi) = (lo.and_utc().timestamp(), hi.and_utc().timestamp());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or(fallback)
}

fn bounds_in<Z: TimeZone>(night: NaiveDate, tz: &Z) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = night_start(night, tz);
    let end = match night.succ_opt() {
        Some(next) => night_start(next, tz),
        None => start.checked_add_signed(TimeDelta::days(1)).unwrap_or(DateTime::<Utc>::MAX_UTC),
    };
    (start, end)
}

/// Decided against [`night_start`] rather than by reading the local hour, so that `night_of` and `night_bounds`
/// agree even where the clock jumps across noon.
fn night_in<Z: TimeZone>(instant: DateTime<Utc>, tz: &Z) -> NaiveDate {
    let mut night = local_at(instant.naive_utc(), tz).map_or_else(|| instant.date_naive(), |l| l.date());
    // One step back for a morning; the bounded walks only matter for zone data stranger than any real zone.
    for _ in 0..3 {
        match night.pred_opt() {
            Some(prev) if instant < night_start(night, tz) => night = prev,
            _ => break,
        }
    }
    for _ in 0..3 {
        match night.succ_opt() {
            Some(next) if night_start(next, tz) <= instant => night = next,
            _ => break,
        }
    }
    night
}

/// The instant a local clock time names within `night` at a site in `tz`: times from 12:00 are on the evening's
/// date, earlier ones on the next morning's (so `02:30` in the night of 2026-03-14 is 2026-03-15 02:30 local). A
/// time the clock skipped (a spring-forward gap) is an error naming `field`; a time it showed twice (fall-back)
/// is the first of the two. Accepts `HH:MM` or `HH:MM:SS`.
pub fn local_time_in_night(
    night: NightDate,
    tz: Tz,
    hhmm: &str,
    field: &str,
) -> Result<DateTime<Utc>, ValidationError> {
    let hhmm = hhmm.trim();
    let time = NaiveTime::parse_from_str(hhmm, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(hhmm, "%H:%M"))
        .map_err(|_| ValidationError::new(field, "must be a time written HH:MM or an RFC 3339 timestamp"))?;
    let date = if time >= NOON { Some(night.0) } else { night.0.succ_opt() };
    let local = date.ok_or_else(|| ValidationError::new(field, "is out of range"))?.and_time(time);
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) | MappedLocalTime::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        MappedLocalTime::None => {
            Err(ValidationError::new(field, format!("{local} does not exist in {} (the clocks skipped it)", tz.name())))
        }
    }
}

/// An instant given as an RFC 3339 timestamp (`2026-03-14T22:05:00Z`, any offset) or as a local clock time within
/// the night (see [`local_time_in_night`]).
pub fn instant_in_night(night: NightDate, tz: Tz, s: &str, field: &str) -> Result<DateTime<Utc>, ValidationError> {
    let s = s.trim();
    if s.len() > 10 {
        // Both databases keep microseconds; finer input would read back different from what was checked.
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc).trunc_subsecs(6)).map_err(|_| {
            ValidationError::new(field, "must be an RFC 3339 timestamp such as 2026-03-14T22:05:00Z, or HH:MM")
        })
    } else {
        local_time_in_night(night, tz, s, field)
    }
}

vocabulary!(
    /// How much a log entry matters, for filtering the night and the morning report.
    #[derive(Default)]
    EntryLevel, field = "level", {
        /// Routine: target acquired, focus done.
        #[default]
        Info = "info",
        /// Worth a look: rising humidity, a guiding hiccup.
        Warning = "warning",
        /// Something broke or cost time; what the day crew reads first.
        Problem = "problem",
    }
);

vocabulary!(
    /// Why observing time was lost; the totals per category are what observatories report.
    TimeLostCategory, field = "time_lost_category", {
        Weather = "weather",
        Technical = "technical",
        Other = "other",
    }
);

vocabulary!(
    /// What an exposure is for: science, or one of the calibrations that reduce it.
    #[derive(Default)]
    FrameType, field = "frame_type", {
        #[default]
        Science = "science",
        Bias = "bias",
        Dark = "dark",
        Flat = "flat",
        /// A wavelength-calibration lamp exposure, for spectrographs.
        Arc = "arc",
        Other = "other",
    }
);

vocabulary!(
    /// The observer's verdict on an exposure, so reductions can skip the bad ones.
    #[derive(Default)]
    QualityFlag, field = "quality", {
        #[default]
        Ok = "ok",
        Questionable = "questionable",
        Junk = "junk",
    }
);

vocabulary!(
    /// Whether a night log is still being written. Closing marks the night as reported; it can be reopened.
    #[derive(Default)]
    NightStatus, field = "status", {
        #[default]
        Open = "open",
        Closed = "closed",
    }
);

vocabulary!(
    /// Sky transparency as observers report it, from best to worst.
    Transparency, field = "transparency", {
        /// Cloudless and stable: good for absolute photometry.
        Photometric = "photometric",
        /// No visible clouds, but not photometric (haze, dust, high thin cirrus).
        Clear = "clear",
        ThinClouds = "thin_clouds",
        ThickClouds = "thick_clouds",
        /// Dome closed or sky covered.
        Overcast = "overcast",
    }
);

/// A positive physical quantity (aperture, focal length, pixel scale, seeing, exposure time) no larger than `max`;
/// rejects NaN and infinities. `allow_zero` for quantities where zero is meaningful (a bias has no exposure time).
pub fn measure(field: &str, value: f64, max: f64, allow_zero: bool) -> Result<f64, ValidationError> {
    let low_ok = if allow_zero { value >= 0.0 } else { value > 0.0 };
    if !value.is_finite() || !low_ok || value > max {
        let low = if allow_zero { "from 0" } else { "greater than 0" };
        return Err(ValidationError::new(field, format!("must be a number {low} and at most {max}")));
    }
    Ok(value)
}

/// The text of a log entry: Markdown, 1 to 20,000 characters, several lines allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EntryBody(String);

impl EntryBody {
    pub const MAX: usize = 20_000;
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::new("body", "is required"));
        }
        if s.chars().count() > Self::MAX {
            return Err(ValidationError::new("body", format!("must be at most {} characters", Self::MAX)));
        }
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(ValidationError::new("body", "contains control characters"));
        }
        Ok(Self(s.to_owned()))
    }
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for EntryBody {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<EntryBody> for String {
    fn from(b: EntryBody) -> String {
        b.0
    }
}

/// A link from a log entry to elsewhere (a ticket, a weather page, a data file): an absolute `http` or `https`
/// URL of at most 2,000 characters, without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Link(String);

impl Link {
    pub const MAX: usize = 2000;
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
        let host_ok = rest.is_some_and(|r| r.split(['/', '?', '#']).next().is_some_and(|h| !h.is_empty()));
        if !host_ok || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValidationError::new("links", format!("\"{s}\" is not an http(s) URL")));
        }
        if s.len() > Self::MAX {
            return Err(ValidationError::new("links", format!("a link is longer than {} characters", Self::MAX)));
        }
        Ok(Self(s.to_owned()))
    }
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Link {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Link> for String {
    fn from(l: Link) -> String {
        l.0
    }
}

/// At most ten links, in the order given, without repeats.
pub fn parse_links<I, S>(items: I) -> Result<Vec<Link>, ValidationError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut links: Vec<Link> = Vec::new();
    for item in items {
        let link = Link::parse(item.as_ref())?;
        if !links.contains(&link) {
            links.push(link);
        }
    }
    if links.len() > 10 {
        return Err(ValidationError::new("links", "must be at most 10 links"));
    }
    Ok(links)
}

/// Observing time lost, in whole minutes (1 to a day's 1,440), with why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLost {
    pub minutes: u32,
    pub category: TimeLostCategory,
}

impl TimeLost {
    pub const MAX_MINUTES: u32 = 1440;

    /// Minutes of time lost, checked on their own: 0 to 1,440.
    pub fn minutes(m: i64) -> Result<u32, ValidationError> {
        u32::try_from(m)
            .ok()
            .filter(|m| *m <= Self::MAX_MINUTES)
            .ok_or_else(|| ValidationError::new("time_lost_minutes", "must be from 0 to 1440"))
    }

    /// Both or neither: minutes without a category (or the reverse) is an error naming the missing one. Zero
    /// minutes means no time lost.
    pub fn parse(minutes: Option<i64>, category: Option<&str>) -> Result<Option<Self>, ValidationError> {
        let category = category.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = category {
            TimeLostCategory::parse(c)?;
        }
        match (minutes, category) {
            (None | Some(0), None) => Ok(None),
            (Some(0), Some(_)) => Ok(None),
            (None, Some(_)) => Err(ValidationError::new("time_lost_minutes", "is required with a category")),
            (Some(m), c) => {
                let minutes = Self::minutes(m)?;
                let Some(c) = c else {
                    return Err(ValidationError::new(
                        "time_lost_category",
                        "is required with time lost (weather, technical or other)",
                    ));
                };
                Ok(Some(Self { minutes, category: TimeLostCategory::parse(c)? }))
            }
        }
    }
}

/// One telescope's log of one observing night (local noon to local noon at its site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightLog {
    pub id: NightLogId,
    pub workspace_id: WorkspaceId,
    pub telescope_id: TelescopeId,
    pub night: NightDate,
    /// The night's span in UTC, `[starts_at, ends_at)`.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Who observed, as written (names, initials).
    pub observers: ShortText,
    /// Median seeing in arcseconds (FWHM), when measured.
    pub seeing_arcsec: Option<f64>,
    pub transparency: Option<Transparency>,
    /// Weather notes: wind, humidity, clouds, dome closures.
    pub weather: Description,
    /// The night's summary (Markdown), usually written in the morning.
    pub summary: Description,
    pub status: NightStatus,
    /// Private to the workspace, or public on its public page (when the workspace is public).
    pub visibility: Visibility,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a log entry says, in one version. Editing adds a version; none is ever overwritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryContent {
    pub occurred_at: DateTime<Utc>,
    pub level: EntryLevel,
    pub body: EntryBody,
    pub tags: Tags,
    pub links: Vec<Link>,
    pub time_lost: Option<TimeLost>,
}

/// A night-log entry as it stands now (its latest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub id: EntryId,
    pub workspace_id: WorkspaceId,
    pub night_log_id: NightLogId,
    pub telescope_id: TelescopeId,
    pub night: NightDate,
    pub content: EntryContent,
    /// Who wrote the first version.
    pub author_id: AccountId,
    /// 1 for an entry never edited.
    pub version: u32,
    pub edited_by: AccountId,
    pub edited_at: DateTime<Utc>,
    /// Set when the entry was deleted (soft: an admin can restore it).
    pub deleted_at: Option<DateTime<Utc>>,
    pub deleted_by: Option<AccountId>,
    pub created_at: DateTime<Utc>,
}

/// One version in an entry's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryVersion {
    pub entry_id: EntryId,
    pub version: u32,
    pub content: EntryContent,
    pub edited_by: AccountId,
    pub edited_at: DateTime<Utc>,
}

/// An exposure recorded in a night log: a science frame or a calibration. Data files attach to it (by its id)
/// when they are ingested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub id: ObservationId,
    pub workspace_id: WorkspaceId,
    pub night_log_id: NightLogId,
    /// The catalogue target, if it was one; name and position are kept even if the target goes.
    pub target_id: Option<TargetId>,
    pub target_name: ShortText,
    pub position: Option<SkyPosition>,
    pub start_at: DateTime<Utc>,
    pub exposure_s: f64,
    pub filter: ShortText,
    pub instrument_id: Option<InstrumentId>,
    pub frame_type: FrameType,
    pub quality: QualityFlag,
    pub notes: Description,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Timelike};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn night(s: &str) -> NightDate {
        NightDate::parse(s).unwrap()
    }

    /// A local wall-clock time that exists exactly once.
    fn local(tz: Tz, s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        tz.from_local_datetime(&naive).single().unwrap().with_timezone(&Utc)
    }

    fn hours(bounds: (DateTime<Utc>, DateTime<Utc>)) -> f64 {
        (bounds.1 - bounds.0).num_seconds() as f64 / 3600.0
    }

    /// Checks a night's bounds, its length, and which night the instants around both ends fall in.
    fn assert_night(tz: Tz, n: &str, start: &str, end: &str, length_h: f64) {
        let b = night_bounds(night(n), tz);
        assert_eq!(b, (utc(start), utc(end)), "{tz} {n}");
        assert_eq!(hours(b), length_h, "{tz} {n}");
        assert_eq!(night_of(b.0, tz), night(n), "{tz} {n}: start belongs to the night");
        assert_eq!(night_of(b.1 - TimeDelta::milliseconds(1), tz), night(n), "{tz} {n}: just before the end");
        assert_ne!(night_of(b.0 - TimeDelta::milliseconds(1), tz), night(n), "{tz} {n}: just before the start");
        assert_ne!(night_of(b.1, tz), night(n), "{tz} {n}: the end is the next night");
    }

    #[test]
    fn time_zone_names() {
        for ok in ["Europe/Madrid", "Atlantic/Canary", "America/Argentina/Buenos_Aires", "Antarctica/Troll", "UTC"] {
            assert_eq!(TimeZoneName::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(TimeZoneName::parse("  Asia/Tokyo ").unwrap().tz(), Tz::Asia__Tokyo);
        assert_eq!(TimeZoneName::parse("US/Mountain").unwrap().as_str(), "US/Mountain", "aliases keep their name");
        for bad in ["Mars/Olympus", "", "  ", "europe/madrid", "Europe/Madird", "+01:00", "Europe/", "Madrid"] {
            let e = TimeZoneName::parse(bad).unwrap_err();
            assert_eq!(e.field, "time_zone", "{bad}");
        }
        assert!(TimeZoneName::parse("Mars/Olympus").unwrap_err().message.contains("IANA"));
        let json = serde_json::to_string(&TimeZoneName::parse("Atlantic/Canary").unwrap()).unwrap();
        assert_eq!(json, "\"Atlantic/Canary\"");
        assert_eq!(serde_json::from_str::<TimeZoneName>(&json).unwrap().tz(), Tz::Atlantic__Canary);
        assert!(serde_json::from_str::<TimeZoneName>("\"Mars/Olympus\"").is_err());
    }

    #[test]
    fn night_dates() {
        assert_eq!(night("2024-03-30").date(), NaiveDate::from_ymd_opt(2024, 3, 30).unwrap());
        assert_eq!(night(" 2024-02-29 ").to_string(), "2024-02-29");
        for bad in
            ["", "2024-3-30", "2024-03-3", "30/03/2024", "2024-03-30T12:00", "2024/03/30", "+2024-03-30", "abcd-ef-gh"]
        {
            let e = NightDate::parse(bad).unwrap_err();
            assert_eq!((e.field.as_str(), e.message.as_str()), ("night", "must be a date written YYYY-MM-DD"), "{bad}");
        }
        for bad in ["2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "2024-04-31"] {
            let e = NightDate::parse(bad).unwrap_err();
            assert_eq!((e.field.as_str(), e.message.as_str()), ("night", "is not a calendar date"), "{bad}");
        }
        assert!(night("2024-03-30") < night("2024-03-31"));
        assert_eq!(serde_json::to_string(&night("2024-03-30")).unwrap(), "\"2024-03-30\"");
        assert_eq!(serde_json::from_str::<NightDate>("\"2024-03-30\"").unwrap(), night("2024-03-30"));
        assert!(serde_json::from_str::<NightDate>("\"2024-3-30\"").is_err());
    }

    #[test]
    fn spain_dst() {
        let madrid = Tz::Europe__Madrid;
        // Clocks go forward at 02:00 on 31 March 2024: the night of the 30th is 23 hours.
        assert_night(madrid, "2024-03-30", "2024-03-30T11:00:00Z", "2024-03-31T10:00:00Z", 23.0);
        assert_eq!(night_of(utc("2024-03-31T00:30:00Z"), madrid), night("2024-03-30"), "01:30 CET");
        assert_eq!(night_of(utc("2024-03-31T01:30:00Z"), madrid), night("2024-03-30"), "03:30 CEST");
        // Clocks go back at 03:00 on 27 October 2024: 25 hours, and both 02:30s belong to the same night.
        assert_night(madrid, "2024-10-26", "2024-10-26T10:00:00Z", "2024-10-27T11:00:00Z", 25.0);
        assert_eq!(night_of(utc("2024-10-27T00:30:00Z"), madrid), night("2024-10-26"), "first 02:30");
        assert_eq!(night_of(utc("2024-10-27T01:30:00Z"), madrid), night("2024-10-26"), "second 02:30");
        // La Palma is an hour behind the mainland and changes at the same UTC instant.
        let canary = Tz::Atlantic__Canary;
        assert_night(canary, "2024-03-30", "2024-03-30T12:00:00Z", "2024-03-31T11:00:00Z", 23.0);
        assert_night(canary, "2024-03-31", "2024-03-31T11:00:00Z", "2024-04-01T11:00:00Z", 24.0);
        assert_night(canary, "2024-10-26", "2024-10-26T11:00:00Z", "2024-10-27T12:00:00Z", 25.0);
        assert_night(canary, "2024-10-27", "2024-10-27T12:00:00Z", "2024-10-28T12:00:00Z", 24.0);
    }

    #[test]
    fn southern_hemisphere_dst() {
        // Chile changes at local midnight, in April (back) and September (forward).
        let santiago = Tz::America__Santiago;
        assert_night(santiago, "2024-04-06", "2024-04-06T15:00:00Z", "2024-04-07T16:00:00Z", 25.0);
        assert_night(santiago, "2024-09-07", "2024-09-07T16:00:00Z", "2024-09-08T15:00:00Z", 23.0);
        assert_eq!(night_of(local(santiago, "2024-09-08 01:30:00"), santiago), night("2024-09-07"));
        // Sydney: back on 7 April, forward on 6 October 2024.
        let sydney = Tz::Australia__Sydney;
        assert_night(sydney, "2024-04-06", "2024-04-06T01:00:00Z", "2024-04-07T02:00:00Z", 25.0);
        assert_night(sydney, "2024-10-05", "2024-10-05T02:00:00Z", "2024-10-06T01:00:00Z", 23.0);
        // Lord Howe Island shifts by half an hour.
        let lord_howe = Tz::Australia__Lord_Howe;
        assert_night(lord_howe, "2024-10-05", "2024-10-05T01:30:00Z", "2024-10-06T01:00:00Z", 23.5);
    }

    #[test]
    fn sites_east_and_west_of_greenwich() {
        let tokyo = Tz::Asia__Tokyo;
        assert_night(tokyo, "2024-06-01", "2024-06-01T03:00:00Z", "2024-06-02T03:00:00Z", 24.0);
        // 08:00 on 2 June in Tokyo is still 1 June in UTC, and the night of 1 June.
        assert_eq!(night_of(utc("2024-06-01T23:00:00Z"), tokyo), night("2024-06-01"));
        assert_eq!(night_of(utc("2024-06-01T02:59:00Z"), tokyo), night("2024-05-31"), "11:59 in Tokyo");

        let denver = Tz::America__Denver;
        assert_night(denver, "2024-06-01", "2024-06-01T18:00:00Z", "2024-06-02T18:00:00Z", 24.0);
        assert_night(denver, "2024-12-01", "2024-12-01T19:00:00Z", "2024-12-02T19:00:00Z", 24.0);
        // 21:00 on 1 June in Denver is already 2 June in UTC, but the night of 1 June.
        assert_eq!(night_of(utc("2024-06-02T03:00:00Z"), denver), night("2024-06-01"));

        let honolulu = Tz::Pacific__Honolulu;
        assert_night(honolulu, "2024-06-01", "2024-06-01T22:00:00Z", "2024-06-02T22:00:00Z", 24.0);
        assert_eq!(night_of(utc("2024-06-02T21:59:00Z"), honolulu), night("2024-06-01"), "11:59 HST");
        assert_eq!(night_of(utc("2024-06-02T22:01:00Z"), honolulu), night("2024-06-02"), "12:01 HST");

        // The extremes of the offset range: the same night's bounds are 25 hours apart in UTC.
        let kiritimati = night_bounds(night("2024-06-01"), Tz::Pacific__Kiritimati);
        let pago_pago = night_bounds(night("2024-06-01"), Tz::Pacific__Pago_Pago);
        assert_eq!(kiritimati.0, utc("2024-05-31T22:00:00Z"));
        assert_eq!(pago_pago.0, utc("2024-06-01T23:00:00Z"));
        assert_eq!(
            night_bounds(night("2024-06-01"), Tz::UTC),
            (utc("2024-06-01T12:00:00Z"), utc("2024-06-02T12:00:00Z"))
        );
    }

    #[test]
    fn high_latitude_sites() {
        // The midnight sun does not change the convention: a night is clock time, dark or not.
        let oslo = Tz::Europe__Oslo;
        assert_night(oslo, "2024-06-21", "2024-06-21T10:00:00Z", "2024-06-22T10:00:00Z", 24.0);
        assert_night(oslo, "2024-03-30", "2024-03-30T11:00:00Z", "2024-03-31T10:00:00Z", 23.0);
        let anchorage = Tz::America__Anchorage;
        assert_night(anchorage, "2024-03-09", "2024-03-09T21:00:00Z", "2024-03-10T20:00:00Z", 23.0);
        assert_night(anchorage, "2024-11-02", "2024-11-02T20:00:00Z", "2024-11-03T21:00:00Z", 25.0);
        // Troll station moves between +00 and +02: nights of 22 and 26 hours.
        let troll = Tz::Antarctica__Troll;
        assert_night(troll, "2024-03-30", "2024-03-30T12:00:00Z", "2024-03-31T10:00:00Z", 22.0);
        assert_night(troll, "2024-10-26", "2024-10-26T10:00:00Z", "2024-10-27T12:00:00Z", 26.0);
    }

    #[test]
    fn entries_either_side_of_noon() {
        for tz in [Tz::Atlantic__Canary, Tz::Europe__Madrid, Tz::America__Santiago, Tz::Asia__Tokyo] {
            let day = "2024-06-15";
            let at = |hms: &str| night_of(local(tz, &format!("{day} {hms}")), tz);
            assert_eq!(at("11:59:00"), night("2024-06-14"), "{tz} 11:59");
            assert_eq!(at("11:59:59.999"), night("2024-06-14"), "{tz} just before noon");
            assert_eq!(at("12:00:00"), night("2024-06-15"), "{tz} noon starts the new night");
            assert_eq!(at("12:01:00"), night("2024-06-15"), "{tz} 12:01");
            assert_eq!(at("00:00:00"), night("2024-06-14"), "{tz} midnight");
            assert_eq!(at("23:59:59"), night("2024-06-15"), "{tz} before midnight");
        }
    }

    #[test]
    fn a_skipped_calendar_day() {
        // Samoa crossed the date line: 29 December 2011 23:59:59 (-10) was followed by 31 December 00:00 (+14).
        // Noon of the 30th never happened; the night of the 30th starts at the jump and is 12 hours long.
        let apia = Tz::Pacific__Apia;
        assert_night(apia, "2011-12-29", "2011-12-29T22:00:00Z", "2011-12-30T10:00:00Z", 12.0);
        assert_night(apia, "2011-12-30", "2011-12-30T10:00:00Z", "2011-12-30T22:00:00Z", 12.0);
        assert_night(apia, "2011-12-31", "2011-12-30T22:00:00Z", "2011-12-31T22:00:00Z", 24.0);
    }

    /// A zone with a single change of offset, for putting the change where no real zone has it: across noon.
    #[derive(Debug, Clone)]
    struct OneChange {
        at: NaiveDateTime,
        before: FixedOffset,
        after: FixedOffset,
    }

    impl OneChange {
        /// Offsets in minutes east of UTC, changing at `at` (UTC).
        fn new(at: &str, before_min: i32, after_min: i32) -> Self {
            Self {
                at: NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap(),
                before: FixedOffset::east_opt(before_min * 60).unwrap(),
                after: FixedOffset::east_opt(after_min * 60).unwrap(),
            }
        }
    }

    impl TimeZone for OneChange {
        type Offset = FixedOffset;
        fn from_offset(offset: &FixedOffset) -> Self {
            Self { at: NaiveDateTime::MIN, before: *offset, after: *offset }
        }
        fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<FixedOffset> {
            self.offset_from_local_datetime(&local.and_time(NaiveTime::MIN))
        }
        fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<FixedOffset> {
            let as_before = *local - TimeDelta::seconds(self.before.local_minus_utc().into()) < self.at;
            let as_after = *local - TimeDelta::seconds(self.after.local_minus_utc().into()) >= self.at;
            match (as_before, as_after) {
                (true, true) => MappedLocalTime::Ambiguous(self.before, self.after),
                (true, false) => MappedLocalTime::Single(self.before),
                (false, true) => MappedLocalTime::Single(self.after),
                (false, false) => MappedLocalTime::None,
            }
        }
        fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
            self.offset_from_utc_datetime(&utc.and_time(NaiveTime::MIN))
        }
        fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
            if *utc < self.at { self.before } else { self.after }
        }
    }

    fn nd(s: &str) -> NaiveDate {
        night(s).date()
    }

    #[test]
    fn clock_set_forward_across_noon() {
        // At 11:30 UTC (= local 11:30) the clock jumps to 12:30: noon never happens, the night starts at the jump.
        let zone = OneChange::new("2024-06-15 11:30:00", 0, 60);
        assert_eq!(bounds_in(nd("2024-06-14"), &zone), (utc("2024-06-14T12:00:00Z"), utc("2024-06-15T11:30:00Z")));
        assert_eq!(bounds_in(nd("2024-06-15"), &zone), (utc("2024-06-15T11:30:00Z"), utc("2024-06-16T11:00:00Z")));
        assert_eq!(night_in(utc("2024-06-15T11:29:59Z"), &zone), nd("2024-06-14"));
        assert_eq!(night_in(utc("2024-06-15T11:30:00Z"), &zone), nd("2024-06-15"));
    }

    #[test]
    fn clock_set_back_across_noon() {
        // At 11:30 UTC (= local 12:30) the clock goes back to 11:30: noon happens twice, and the first one counts;
        // the second pass through 11:xx stays in the night that has begun.
        let zone = OneChange::new("2024-06-15 11:30:00", 60, 0);
        assert_eq!(bounds_in(nd("2024-06-15"), &zone), (utc("2024-06-15T11:00:00Z"), utc("2024-06-16T12:00:00Z")));
        assert_eq!(night_in(utc("2024-06-15T10:59:59Z"), &zone), nd("2024-06-14"));
        assert_eq!(night_in(utc("2024-06-15T11:00:00Z"), &zone), nd("2024-06-15"));
        let second_eleven_forty_five = utc("2024-06-15T11:45:00Z");
        assert_eq!(local_at(second_eleven_forty_five.naive_utc(), &zone).unwrap().hour(), 11);
        assert_eq!(night_in(second_eleven_forty_five, &zone), nd("2024-06-15"));
    }

    #[test]
    fn the_ends_of_time_do_not_panic() {
        for tz in [Tz::Pacific__Kiritimati, Tz::Pacific__Pago_Pago, Tz::UTC] {
            for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                let _ = night_of(t, tz);
            }
            for d in [NaiveDate::MIN, NaiveDate::MAX] {
                let (start, end) = night_bounds(NightDate::from(d), tz);
                assert!(start <= end);
            }
        }
    }

    /// Every instant lies in the night `night_of` names, nights tile the timeline, and each starts at local noon.
    #[test]
    fn every_instant_lies_in_its_night() {
        let zones = [
            Tz::UTC,
            Tz::Europe__Madrid,
            Tz::Atlantic__Canary,
            Tz::America__Santiago,
            Tz::Australia__Sydney,
            Tz::Australia__Lord_Howe,
            Tz::Asia__Tokyo,
            Tz::Asia__Kolkata,
            Tz::Asia__Kathmandu,
            Tz::America__Denver,
            Tz::Pacific__Honolulu,
            Tz::Pacific__Chatham,
            Tz::Pacific__Kiritimati,
            Tz::America__St_Johns,
            Tz::Europe__Oslo,
            Tz::America__Anchorage,
            Tz::Antarctica__Troll,
            Tz::Pacific__Apia,
        ];
        let step = TimeDelta::seconds(7919); // prime, so the samples drift through every time of day
        for tz in zones {
            let mut t = utc("2011-06-01T00:00:00Z");
            let mut checked = 0;
            while t < utc("2013-06-01T00:00:00Z") {
                let n = night_of(t, tz);
                let (start, end) = night_bounds(n, tz);
                assert!(start <= t && t < end, "{tz} {t}: night {n} is [{start}, {end})");
                let next = NightDate::from(n.date().succ_opt().unwrap());
                assert_eq!(night_bounds(next, tz).0, end, "{tz} {n}: nights tile");
                let length = hours((start, end));
                if n.date() != nd("2011-12-29") && n.date() != nd("2011-12-30") {
                    assert!((22.0..=26.0).contains(&length), "{tz} {n}: {length} h");
                    let local_start = start.with_timezone(&tz);
                    assert_eq!((local_start.date_naive(), local_start.time()), (n.date(), NOON), "{tz} {n}");
                }
                t += step;
                checked += 1;
            }
            assert!(checked > 7900, "{checked}");
        }
    }

    #[test]
    fn vocabularies() {
        fn check<T>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Result<T, ValidationError>,
            field: &str,
        ) where
            T: Copy + PartialEq + std::fmt::Debug + Serialize + serde::de::DeserializeOwned,
        {
            for &v in all {
                assert_eq!(parse(as_str(v)).unwrap(), v);
                assert_eq!(serde_json::to_value(v).unwrap(), serde_json::Value::from(as_str(v)), "{v:?}");
                assert_eq!(serde_json::from_value::<T>(as_str(v).into()).unwrap(), v);
            }
            for bad in ["", "Info", "OK", "unknown", " ok"] {
                if all.iter().all(|&v| as_str(v) != bad) {
                    assert_eq!(parse(bad).unwrap_err().field, field, "{bad}");
                }
            }
        }
        check(EntryLevel::ALL, EntryLevel::as_str, EntryLevel::parse, "level");
        check(TimeLostCategory::ALL, TimeLostCategory::as_str, TimeLostCategory::parse, "time_lost_category");
        check(FrameType::ALL, FrameType::as_str, FrameType::parse, "frame_type");
        check(QualityFlag::ALL, QualityFlag::as_str, QualityFlag::parse, "quality");
        check(NightStatus::ALL, NightStatus::as_str, NightStatus::parse, "status");

        assert_eq!(EntryLevel::ALL.len(), 3);
        assert_eq!(FrameType::ALL.len(), 6);
        assert_eq!(EntryLevel::parse("fatal").unwrap_err().message, "must be one of info, warning, problem");
        assert_eq!(FrameType::Arc.to_string(), "arc");
        assert_eq!(
            (EntryLevel::default(), FrameType::default(), QualityFlag::default(), NightStatus::default()),
            (EntryLevel::Info, FrameType::Science, QualityFlag::Ok, NightStatus::Open)
        );
    }
}

#[cfg(test)]
mod value_tests {
    use super::*;

    #[test]
    fn local_times_land_in_the_right_half_of_the_night() {
        let madrid: Tz = "Europe/Madrid".parse().unwrap();
        let night = NightDate::parse("2026-03-14").unwrap();
        let evening = local_time_in_night(night, madrid, "21:30", "occurred_at").unwrap();
        assert_eq!(evening.to_rfc3339(), "2026-03-14T20:30:00+00:00");
        let morning = local_time_in_night(night, madrid, "02:15:30", "occurred_at").unwrap();
        assert_eq!(morning.to_rfc3339(), "2026-03-15T01:15:30+00:00");
        let (start, end) = night_bounds(night, madrid);
        assert!(start <= evening && morning < end);
        assert_eq!(local_time_in_night(night, madrid, "12:00", "t").unwrap(), start);
        assert_eq!(local_time_in_night(night, madrid, "25:00", "t").unwrap_err().field, "t");
        // 2026-03-29 02:30 does not exist in Madrid: the clocks go from 02:00 to 03:00.
        let dst = NightDate::parse("2026-03-28").unwrap();
        assert!(local_time_in_night(dst, madrid, "02:30", "t").unwrap_err().message.contains("does not exist"));
        assert_eq!(
            instant_in_night(night, madrid, "2026-03-14T22:05:00+01:00", "t").unwrap().to_rfc3339(),
            "2026-03-14T21:05:00+00:00"
        );
        assert_eq!(instant_in_night(night, madrid, "yesterday", "t").unwrap_err().field, "t");
        assert_eq!(
            instant_in_night(night, madrid, "2026-03-14T22:05:00.123456789Z", "t").unwrap().to_rfc3339(),
            "2026-03-14T22:05:00.123456+00:00",
            "kept to the microsecond, as stored"
        );
    }

    #[test]
    fn measures_reject_zero_negative_nan_and_too_large() {
        assert_eq!(measure("aperture_mm", 400.0, 100_000.0, false), Ok(400.0));
        assert_eq!(measure("exposure_s", 0.0, 1e6, true), Ok(0.0));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 100_001.0] {
            assert_eq!(measure("aperture_mm", bad, 100_000.0, false).unwrap_err().field, "aperture_mm", "{bad}");
        }
    }

    #[test]
    fn entry_bodies_are_trimmed_and_bounded() {
        assert_eq!(EntryBody::parse("  dome open\n").unwrap().as_str(), "dome open");
        assert_eq!(EntryBody::parse(" \n ").unwrap_err().field, "body");
        assert!(EntryBody::parse(&"x".repeat(EntryBody::MAX + 1)).is_err());
        assert!(EntryBody::parse("bell\u{7}").is_err());
        assert!(EntryBody::parse("line one\nline two\ttab").is_ok());
    }

    #[test]
    fn links_must_be_http_urls() {
        assert!(Link::parse("https://jira.example.org/browse/OBS-12").is_ok());
        assert!(Link::parse("http://weather.example/").is_ok());
        for bad in ["javascript:alert(1)", "ftp://x", "https://", "https:// spaced.example", "example.org"] {
            assert_eq!(Link::parse(bad).unwrap_err().field, "links", "{bad}");
        }
        let many: Vec<String> = (0..11).map(|i| format!("https://e.example/{i}")).collect();
        assert!(parse_links(&many).is_err());
        assert_eq!(parse_links(["https://a.example", "https://a.example"]).unwrap().len(), 1);
    }

    #[test]
    fn time_lost_needs_minutes_and_category_together() {
        assert_eq!(TimeLost::parse(None, None), Ok(None));
        assert_eq!(TimeLost::parse(Some(0), Some("weather")), Ok(None));
        assert_eq!(
            TimeLost::parse(Some(45), Some("weather")),
            Ok(Some(TimeLost { minutes: 45, category: TimeLostCategory::Weather }))
        );
        assert_eq!(TimeLost::parse(Some(45), None).unwrap_err().field, "time_lost_category");
        assert_eq!(TimeLost::parse(None, Some("weather")).unwrap_err().field, "time_lost_minutes");
        assert_eq!(TimeLost::parse(Some(-5), Some("weather")).unwrap_err().field, "time_lost_minutes");
        assert_eq!(TimeLost::parse(Some(1441), Some("weather")).unwrap_err().field, "time_lost_minutes");
        assert_eq!(TimeLost::parse(Some(5), Some("aliens")).unwrap_err().field, "time_lost_category");
        assert_eq!(TimeLost::parse(Some(0), Some("aliens")).unwrap_err().field, "time_lost_category");
    }
}
