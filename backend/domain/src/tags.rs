//! Tags on log entries and targets. They are normalised on the way in (trimmed, lowercased) so `Dome` and `dome `
//! are one tag, and kept to a URL- and query-safe alphabet because they appear in filters (`?tags=dome,seeing`).

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// What the error messages promise; one sentence so the form can show it under the field.
const ALLOWED: &str =
    "may contain only letters a-z, digits, '-', '_' and '.' (no spaces), starting with a letter or digit";

/// One tag: 1 to 40 characters of `a-z`, `0-9`, `-`, `_`, `.`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub const MAX: usize = 40;

    /// Trims and lowercases, then checks. Messages quote the tag, since it usually arrives in a list.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let tag = s.trim().to_lowercase();
        let err = |m: String| Err(ValidationError::new("tags", m));
        if tag.is_empty() {
            return err("must not contain an empty tag".to_owned());
        }
        if tag.chars().count() > Self::MAX {
            return err(format!("\"{tag}\" is longer than {} characters", Self::MAX));
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.');
        let starts_well = tag.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !tag.chars().all(allowed) || !starts_well {
            return err(format!("\"{tag}\": tags {ALLOWED}"));
        }
        Ok(Self(tag))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Tag> for String {
    fn from(t: Tag) -> String {
        t.0
    }
}
impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A set of at most 20 tags, sorted and without duplicates (after normalisation), so that two entries with the same
/// tags compare equal and store the same way whatever order they were typed in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Tags(Vec<Tag>);

impl Tags {
    pub const MAX: usize = 20;

    /// Every item must be a valid tag; the limit counts distinct tags, so `["Dome", "dome"]` is one.
    pub fn parse<I, S>(items: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut tags = items.into_iter().map(|s| Tag::parse(s.as_ref())).collect::<Result<Vec<_>, _>>()?;
        tags.sort_unstable();
        tags.dedup();
        if tags.len() > Self::MAX {
            return Err(ValidationError::new("tags", format!("must be at most {} different tags", Self::MAX)));
        }
        Ok(Self(tags))
    }

    /// Comma-separated text as typed in a form field or a query string (`dome, seeing,`); empty pieces are skipped,
    /// so a trailing comma is harmless.
    pub fn parse_comma_separated(s: &str) -> Result<Self, ValidationError> {
        Self::parse(s.split(',').filter(|piece| !piece.trim().is_empty()))
    }

    #[must_use]
    pub fn as_slice(&self) -> &[Tag] {
        &self.0
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Tag> {
        self.0.iter()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[must_use]
    pub fn contains(&self, tag: &Tag) -> bool {
        self.0.binary_search(tag).is_ok()
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = &'a Tag;
    type IntoIter = std::slice::Iter<'a, Tag>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
impl TryFrom<Vec<String>> for Tags {
    type Error = ValidationError;
    fn try_from(items: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(items)
    }
}
impl From<Tags> for Vec<String> {
    fn from(t: Tags) -> Vec<String> {
        t.0.into_iter().map(String::from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> Tag {
        Tag::parse(s).unwrap()
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(tag("  Dome ").as_str(), "dome");
        assert_eq!(tag("SEEING").as_str(), "seeing");
        for ok in ["a", "9", "ccd-2", "fw_1", "v1.2", "2024b", "a-", "x.", &"a".repeat(40)] {
            assert_eq!(tag(ok).as_str(), ok);
        }
    }

    #[test]
    fn bad_tags_name_the_field_and_what_is_allowed() {
        let e = Tag::parse("with space").unwrap_err();
        assert_eq!(e.field, "tags");
        assert!(e.message.contains("\"with space\""), "{}", e.message);
        assert!(e.message.contains("letters a-z, digits, '-', '_' and '.'"), "{}", e.message);
        assert!(e.message.contains("no spaces"), "{}", e.message);
        for bad in
            ["", "   ", "-dome", "_x", ".hidden", "dome!", "a/b", "a,b", "tag#1", "naïve", "ÜBER", "日本", "a\tb"]
        {
            assert_eq!(Tag::parse(bad).unwrap_err().field, "tags", "{bad:?}");
        }
        assert!(Tag::parse(&"a".repeat(41)).unwrap_err().message.contains("longer than 40"));
        assert_eq!(Tag::parse("").unwrap_err().message, "must not contain an empty tag");
    }

    #[test]
    fn sets_dedupe_after_normalising_and_sort() {
        let t = Tags::parse(["Seeing", "dome", " seeing ", "DOME", "ccd"]).unwrap();
        let names: Vec<&str> = t.iter().map(Tag::as_str).collect();
        assert_eq!(names, ["ccd", "dome", "seeing"]);
        assert_eq!(t.len(), 3);
        assert!(t.contains(&tag("dome")));
        assert!(!t.contains(&tag("wind")));
        assert_eq!(t, Tags::parse(["dome", "ccd", "seeing"]).unwrap(), "order does not matter");
        assert!(Tags::parse(Vec::<String>::new()).unwrap().is_empty());
        assert_eq!(Tags::parse(["ok", "with space"]).unwrap_err().field, "tags");
    }

    #[test]
    fn at_most_twenty_distinct_tags() {
        let twenty: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
        assert_eq!(Tags::parse(&twenty).unwrap().len(), 20);
        let mut with_duplicates = twenty.clone();
        with_duplicates.extend(twenty.iter().map(|t| t.to_uppercase()));
        assert_eq!(Tags::parse(&with_duplicates).unwrap().len(), 20, "duplicates do not count");
        let mut too_many = twenty;
        too_many.push("t20".to_owned());
        let e = Tags::parse(&too_many).unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("tags", "must be at most 20 different tags"));
    }

    #[test]
    fn comma_separated_input() {
        let t = Tags::parse_comma_separated(" Dome, seeing,,ccd-2, ").unwrap();
        assert_eq!(Vec::<String>::from(t), ["ccd-2", "dome", "seeing"]);
        assert!(Tags::parse_comma_separated("").unwrap().is_empty());
        assert_eq!(Tags::parse_comma_separated("dome, bad tag").unwrap_err().field, "tags");
    }

    #[test]
    fn serde_validates_and_normalises() {
        let t: Tags = serde_json::from_str(r#"["Wind", "dome", "wind"]"#).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"["dome","wind"]"#);
        assert!(serde_json::from_str::<Tags>(r#"["with space"]"#).is_err());
        assert!(serde_json::from_str::<Tag>(r#""-x""#).is_err());
        assert_eq!(serde_json::from_str::<Tag>(r#""X""#).unwrap().as_str(), "x");
    }
}
