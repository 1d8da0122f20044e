//! Times in reports are written as RFC 3339 UTC with milliseconds (`2022-06-16T03:12:45.123Z`), the form the
//! command line and the API promise.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

pub(crate) fn millis<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

pub(crate) fn millis_option<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => millis(t, s),
        None => s.serialize_none(),
    }
}
