//! Validated values. Each has a private field and a `parse` constructor: once built, it is known to be valid.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// Names that would clash with routes or confuse people.
const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "dashboard",
    "demo",
    "help",
    "login",
    "logout",
    "me",
    "new",
    "pkg",
    "public",
    "settings",
    "sign-in",
    "sign-out",
    "sign-up",
    "static",
    "support",
    "system",
    "w",
    "www",
    "healthz",
    "readyz",
];

/// A workspace's URL name: 3-40 characters, lowercase ASCII letters, digits and single hyphens, starting with a
/// letter and not ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub const MIN: usize = 3;
    pub const MAX: usize = 40;

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let err = |m: &str| Err(ValidationError::new("slug", m));
        if s.len() < Self::MIN || s.len() > Self::MAX {
            return err("must be 3 to 40 characters long");
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return err("may contain only lowercase letters a-z, digits and hyphens");
        }
        if !s.as_bytes()[0].is_ascii_lowercase() {
            return err("must start with a letter");
        }
        if s.ends_with('-') || s.contains("--") {
            return err("must not end with a hyphen or contain two in a row");
        }
        if RESERVED_SLUGS.contains(&s) {
            return err("is reserved");
        }
        Ok(Self(s.to_owned()))
    }

    /// A valid slug derived from free text (a name or an e-mail's local part); may still be taken.
    #[must_use]
    pub fn derive_from(text: &str) -> Self {
        let mut out = String::new();
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            if out.len() >= Self::MAX - 6 {
                break;
            }
        }
        let trimmed = out.trim_matches('-');
        let mut s = if trimmed.starts_with(|c: char| c.is_ascii_lowercase()) {
            trimmed.to_owned()
        } else {
            format!("w-{trimmed}")
        };
        s = s.trim_end_matches('-').to_owned();
        while s.len() < Self::MIN {
            s.push('x');
        }
        match Self::parse(&s) {
            Ok(slug) => slug,
            Err(_) => Self(format!("{s}-space")),
        }
    }

    /// This slug with a numeric suffix, for finding a free one.
    #[must_use]
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let keep = self.0.len().min(Self::MAX - suffix.len());
        let base = self.0[..keep].trim_end_matches('-');
        Self(format!("{base}{suffix}"))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}
impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, trimmed and lowercased: a plain `local@domain` (an RFC 5322 dot-atom of ASCII letters,
/// digits and `!#$%&'*+-/=?^_`{|}~` before the `@`; dot-separated labels of letters, digits and inner hyphens
/// after it, international domains in their `xn--` form). Nothing a mail library could read as a display name or
/// a second address (`Ann <ann@x.org>`, quotes, brackets, commas), so one mailbox has exactly one spelling here and
/// limits per address hold. Whether anybody reads it is what the confirmation mail checks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim().to_lowercase();
        let err = |m: &str| Err(ValidationError::new("email", m));
        if s.is_empty() {
            return err("is required");
        }
        if s.len() > Self::MAX {
            return err("must be at most 254 characters");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err("must contain an @");
        };
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
        if local.is_empty() || local.split('.').any(|atom| atom.is_empty() || !atom.chars().all(atext)) {
            return err("is not a valid address (letters, digits and !#$%&'*+-/=?^_`{|}~ before the @)");
        }
        let label = |l: &str| {
            !l.is_empty()
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !domain.contains('.') || !domain.split('.').all(label) {
            return err("must have a domain such as example.org");
        }
        Ok(Self(s))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Email> for String {
    fn from(s: Email) -> String {
        s.0
    }
}
impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trimmed single-line text with a length range, counted in characters.
fn bounded_line(field: &str, s: &str, min: usize, max: usize) -> Result<String, ValidationError> {
    let s = s.trim();
    let n = s.chars().count();
    if n < min {
        return Err(ValidationError::new(field, "is required"));
    }
    if n > max {
        return Err(ValidationError::new(field, format!("must be at most {max} characters")));
    }
    if s.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "must be a single line of text"));
    }
    Ok(s.to_owned())
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX: usize = $max;
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                bounded_line($field, s, $min, $max).map(Self)
            }
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(s: $name) -> String {
                s.0
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_value!(
    /// A person's display name.
    DisplayName, "display_name", 1, 100
);
text_value!(
    /// A workspace's name.
    WorkspaceName, "name", 1, 100
);
text_value!(
    /// An API key's label.
    KeyName, "name", 1, 100
);
text_value!(
    /// The name of a site, telescope, instrument, target or target list; unique among its kind in a workspace.
    Name, "name", 1, 100
);
text_value!(
    /// A short single line that may be empty: a detector's model, the observers of a night, a filter.
    ShortText, "text", 0, 200
);

/// Free text (Markdown), possibly several lines, at most 10,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Description(String);

impl Description {
    pub const MAX: usize = 10_000;
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.chars().count() > Self::MAX {
            return Err(ValidationError::new("description", "must be at most 10000 characters"));
        }
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(ValidationError::new("description", "contains control characters"));
        }
        Ok(Self(s.to_owned()))
    }
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for Description {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Description> for String {
    fn from(s: Description) -> String {
        s.0
    }
}

/// A new password as typed: 10 to 256 characters. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN: usize = 10;
    pub const MAX: usize = 256;
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let n = s.chars().count();
        if n < Self::MIN {
            return Err(ValidationError::new("password", "must be at least 10 characters"));
        }
        if n > Self::MAX {
            return Err(ValidationError::new("password", "must be at most 256 characters"));
        }
        Ok(Self(s.to_owned()))
    }
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}
impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

vocabulary!(
    /// Who can see a workspace's profile and public page.
    #[derive(Default)]
    Visibility, field = "visibility", {
        /// Anyone, including anonymous visitors, sees the profile and whatever is marked public.
        Public = "public",
        /// Only members know it exists.
        #[default]
        Private = "private",
    }
);

vocabulary!(
    /// A personal space (one per account, created with it) or an organisation (an observatory portal).
    WorkspaceKind, field = "kind", {
        Personal = "personal",
        Organization = "organization",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["abc", "la-palma-obs", "obs1", "a23456789012345678901234567890123456789x"] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "Abc",
            "1abc",
            "abc-",
            "a--b",
            "with space",
            "über",
            "admin",
            "api",
            "a234567890123456789012345678901234567890x",
        ] {
            assert_eq!(Slug::parse(bad).map_err(|e| e.field), Err("slug".to_owned()), "{bad}");
        }
    }

    #[test]
    fn derived_slugs_are_valid() {
        for text in [
            "Observatoire de Haute-Provence",
            "42",
            "",
            "--",
            "Åsa",
            "admin",
            "x",
            "Roque de los Muchachos Observatory, La Palma",
        ] {
            let s = Slug::derive_from(text);
            assert!(Slug::parse(s.as_str()).is_ok(), "{text} -> {s}");
        }
        assert_eq!(Slug::derive_from("La Palma Obs").as_str(), "la-palma-obs");
        let long = Slug::parse("a23456789012345678901234567890123456789x").unwrap_or_else(|e| panic!("{e}"));
        let s = long.with_suffix(12);
        assert!(Slug::parse(s.as_str()).is_ok(), "{s}");
        assert!(s.as_str().ends_with("-12"));
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse("  Ann@Example.ORG ").map(|e| e.0), Ok("ann@example.org".to_owned()));
        for bad in ["", "ann", "ann@", "@x.org", "ann@localhost", "a b@x.org", "a@b@c.org", "a@x..org"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        // What a mail library would read as a display name, a comment or a second address: one mailbox, one
        // spelling.
        for bad in [
            "1<v@x.org>",
            "<v@x.org>",
            "\"v\"@x.org",
            "v@x.org,w@y.org",
            "v(c)@x.org",
            ".v@x.org",
            "v.@x.org",
            "v..w@x.org",
            "v@-x.org",
            "v@x-.org",
            "v@[127.0.0.1]",
            "v@x.org;",
            "ü@x.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        for good in ["o'brien+obs@x.org", "a.b-c_d@sub.xn--bcher-kva.example", "x{y}@a1.org"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        assert!(Email::parse(&format!("{}@x.org", "a".repeat(250))).is_err());
    }

    #[test]
    fn text_values() {
        assert_eq!(DisplayName::parse("  Ann  ").map(|n| n.0), Ok("Ann".to_owned()));
        assert_eq!(DisplayName::parse("   ").unwrap_err().field, "display_name");
        assert!(WorkspaceName::parse(&"x".repeat(101)).is_err());
        assert!(WorkspaceName::parse(&"é".repeat(100)).is_ok());
        assert!(WorkspaceName::parse("a\nb").is_err());
        assert!(Description::parse("line one\nline two").is_ok());
        assert!(Description::parse(&"x".repeat(10_001)).is_err());
    }

    #[test]
    fn passwords_are_bounded_and_redacted() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"p".repeat(257)).is_err());
        let p = Password::parse("correct horse battery").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<Slug>("\"Bad Slug\"").is_err());
        assert!(serde_json::from_str::<Slug>("\"good-slug\"").is_ok());
        assert!(serde_json::from_str::<Visibility>("\"public\"").is_ok());
    }
}
