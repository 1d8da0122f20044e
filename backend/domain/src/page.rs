//! Keyset pagination: a page is "the next `limit` items after this cursor", never an offset.

use crate::ValidationError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// How many items a page holds: 1 to 200, 50 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    pub const DEFAULT: u32 = 50;
    pub const MAX: u32 = 200;

    pub fn parse(n: Option<u32>) -> Result<Self, ValidationError> {
        match n {
            None => Ok(Self(Self::DEFAULT)),
            Some(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            Some(_) => Err(ValidationError::new("limit", "must be between 1 and 200")),
        }
    }

    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

/// An opaque position in an ordered list: the sort key of the last item already returned.
/// Clients must treat it as a string to hand back; its content may change between versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(String);

impl Cursor {
    /// Encodes a sort key.
    #[must_use]
    pub fn encode(key: &str) -> Self {
        Self(URL_SAFE_NO_PAD.encode(key.as_bytes()))
    }

    /// The sort key this cursor carries.
    pub fn decode(&self) -> Result<String, ValidationError> {
        URL_SAFE_NO_PAD
            .decode(self.0.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| ValidationError::new("cursor", "is not a cursor this server issued"))
    }

    #[must_use]
    pub fn parse(s: &str) -> Self {
        Self(s.to_owned())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated page request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: Limit,
    /// The decoded sort key after which to continue.
    pub after: Option<String>,
}

impl PageRequest {
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ValidationError> {
        Ok(Self {
            limit: Limit::parse(limit)?,
            after: cursor.filter(|c| !c.is_empty()).map(|c| Cursor::parse(c).decode()).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert_eq!(Limit::parse(None).map(Limit::get), Ok(50));
        assert_eq!(Limit::parse(Some(200)).map(Limit::get), Ok(200));
        assert!(Limit::parse(Some(0)).is_err());
        assert!(Limit::parse(Some(201)).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor::encode("0193a1b2-0000-7000-8000-000000000001");
        assert_eq!(c.decode().as_deref(), Ok("0193a1b2-0000-7000-8000-000000000001"));
        assert_eq!(PageRequest::parse(None, Some("!!!")).unwrap_err().field, "cursor");
        assert_eq!(PageRequest::parse(Some(10), Some("")).map(|p| p.after), Ok(None));
    }
}

/// One page of a list and the cursor for the next, absent on the last page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Wraps the rows of a keyset query that asked for `limit` rows; a full page may have a successor.
    pub fn from_rows(items: Vec<T>, limit: Limit, key: impl Fn(&T) -> String) -> Self {
        let full = u32::try_from(items.len()).is_ok_and(|n| n >= limit.get());
        let next_cursor = if full { items.last().map(|last| Cursor::encode(&key(last))) } else { None };
        Self { items, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}
