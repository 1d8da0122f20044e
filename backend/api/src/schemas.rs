//! Schemas that spell out what the service enforces (lengths after trimming, control characters, closed sets of
//! names, formats), for `#[schema(schema_with = …)]` and `#[param(schema_with = …)]`. The document is meant to be
//! exactly as strict as the validation: a request it allows is accepted, one it forbids is refused (Schemathesis
//! checks both ways, `infra/schemathesis.sh`).
//!
//! Patterns use only what ECMA-262, Python's `re` and Rust's `regex` read alike: character classes with `\uXXXX`
//! escapes and bounded repetition.

use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{KnownFormat, Object};

/// What `char::is_whitespace` (and so `str::trim`) takes for whitespace.
const WS: &str = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// What `char::is_control` takes for control characters (Unicode `Cc`).
const CC: &str = r"\u0000-\u001F\u007F-\u009F";
/// Control characters other than tab, line feed and carriage return (what multi-line text refuses).
const CC_BUT_LINES: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";
/// Longest bounded repetition put in a pattern: a longer one makes too big a regex for some validators.
const MAX_COUNTED: usize = 2000;

fn string(nullable: bool) -> ObjectBuilder {
    let t = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::new(Type::String) };
    ObjectBuilder::new().schema_type(t)
}

/// The pattern of text that is trimmed and then must be `min..=max` characters (`min` 0 or 1) without the
/// characters in `refused` (besides whitespace at the ends, which trimming removes).
fn trimmed_pattern(min: usize, max: usize, refused: &str) -> String {
    let edge = format!("[^{WS}{CC}]");
    let inner = format!("[^{refused}]");
    let body = match max {
        0 => String::new(),
        1 => edge,
        _ if max > MAX_COUNTED => format!("{edge}(?:{inner}*{edge})?"),
        _ => format!("{edge}(?:{inner}{{0,{}}}{edge})?", max - 2),
    };
    if min == 0 { format!("^[{WS}]*(?:{body})?[{WS}]*$") } else { format!("^[{WS}]*{body}[{WS}]*$") }
}

/// One line of text as `meridian_domain`'s `bounded_line` takes it: surrounding whitespace is trimmed, then
/// `min..=max` characters (`min` 0 or 1) without control characters.
#[must_use]
pub fn line(min: usize, max: usize, nullable: bool) -> Object {
    let b = string(nullable).pattern(Some(trimmed_pattern(min, max, CC)));
    // Too long to count in the pattern: the length bound is on the untrimmed text, a hair stricter.
    if max > MAX_COUNTED { b.max_length(Some(max)).build() } else { b.build() }
}

/// Multi-line text (Markdown) as `Description` takes it: trimmed, at most `max` characters, no control
/// characters but tab and line breaks.
#[must_use]
pub fn text(max: usize, nullable: bool) -> Object {
    let b = string(nullable).pattern(Some(trimmed_pattern(0, max, CC_BUT_LINES)));
    if max > MAX_COUNTED { b.max_length(Some(max)).build() } else { b.build() }
}

/// One of a closed set of names.
#[must_use]
pub fn one_of(names: &[&str], nullable: bool) -> Object {
    let mut values: Vec<serde_json::Value> = names.iter().map(|n| serde_json::Value::from(*n)).collect();
    if nullable {
        values.push(serde_json::Value::Null);
    }
    string(nullable).enum_values(Some(values)).build()
}

/// A UUID in its hyphenated form (what the API writes; parsing takes the other forms of the `uuid` crate too).
pub const UUID_PATTERN: &str = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";
/// An RFC 3339 date-time as chrono reads it.
pub const DATE_TIME_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$";
/// A night or a date, `YYYY-MM-DD`.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// A UUID given as text.
#[must_use]
pub fn uuid(nullable: bool) -> Object {
    string(nullable).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))).pattern(Some(UUID_PATTERN)).build()
}

/// A calendar date, `YYYY-MM-DD`.
#[must_use]
pub fn date(nullable: bool) -> Object {
    string(nullable).format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))).pattern(Some(DATE_PATTERN)).build()
}

/// Helpers named for `schema_with`, which takes a function without arguments.
macro_rules! named {
    ($($(#[$doc:meta])* $name:ident => $e:expr;)+) => {
        $($(#[$doc])* #[must_use] pub fn $name() -> Object { $e })+
    };
}

named! {
    /// A name (site, telescope, target, workspace, key, dataset...): one line, 1 to 100 characters.
    name => line(1, 100, false);
    /// As [`name`], or `null` to leave it unchanged.
    name_opt => line(1, 100, true);
    /// As [`name`], or empty or `null` for a default.
    name_or_default => line(0, 100, true);
    /// Free text (Markdown), at most 10,000 characters, or `null`.
    description_opt => text(10_000, true);
    /// A short single line that may be empty (at most 200 characters), or `null`.
    short_text_opt => line(0, 200, true);
    /// A UUID.
    uuid_req => uuid(false);
    /// A UUID, or `null`.
    uuid_opt => uuid(true);
    /// A date `YYYY-MM-DD`, or `null`.
    date_opt => date(true);
}

/// One of the names of a `meridian_domain` vocabulary (or of `Role`).
macro_rules! vocabulary {
    ($($(#[$doc:meta])* $name:ident, $opt:ident => $t:ty;)+) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name() -> Object {
                one_of(&<$t>::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(), false)
            }
            $(#[$doc])*
            /// Or `null`.
            #[must_use]
            pub fn $opt() -> Object {
                one_of(&<$t>::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(), true)
            }
        )+
    };
}

vocabulary! {
    /// `public` or `private`.
    visibility, visibility_opt => meridian_domain::Visibility;
    /// A role in a workspace.
    role, role_opt => meridian_domain::Role;
    /// An API key's scope.
    key_scope, key_scope_opt => meridian_domain::ApiKeyScope;
}

/// An e-mail address as `Email` takes it: trimmed, a dot-atom of ASCII letters, digits and
/// ``!#$%&'*+-/=?^_`{|}~`` before the `@`, dot-separated labels of letters, digits and inner hyphens after it, at
/// most 254 characters.
#[must_use]
pub fn email() -> Object {
    let atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
    let label = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
    string(false)
        .pattern(Some(format!("^[{WS}]*{atom}(?:\\.{atom})*@{label}(?:\\.{label})+[{WS}]*$")))
        .max_length(Some(254))
        .build()
}

/// A new password: 10 to 256 characters, as typed.
#[must_use]
pub fn password() -> Object {
    string(false).min_length(Some(10)).max_length(Some(256)).build()
}

/// A workspace slug: 3 to 40 lowercase letters, digits and single hyphens, starting with a letter, not ending
/// with a hyphen (a few names are reserved: 422).
#[must_use]
pub fn slug() -> Object {
    string(false).pattern(Some("^[a-z](?:-?[a-z0-9])*$")).min_length(Some(3)).max_length(Some(40)).build()
}

vocabulary! {
    /// A storage tier.
    tier, tier_opt => meridian_domain::Tier;
    /// A frame type.
    frame_type, frame_type_opt => meridian_domain::FrameType;
}

/// A SHA-256 in hex (64 digits).
#[must_use]
pub fn sha256_opt() -> Object {
    string(true).pattern(Some("^[0-9A-Fa-f]{64}$")).build()
}

/// A file name: trimmed, 1 to 255 bytes, no slashes, backslashes or control characters, not `.` or `..` (the
/// length counts UTF-8 bytes, which a schema cannot: `maxLength` counts characters).
#[must_use]
pub fn file_name() -> Object {
    let edge = format!("[^/\\\\{WS}{CC}]");
    let inner = format!("[^/\\\\{CC}]");
    string(false).pattern(Some(format!("^[{WS}]*{edge}(?:{inner}*{edge})?[{WS}]*$"))).max_length(Some(255)).build()
}

named! {
    /// A dataset's name: one line, 1 to 120 characters.
    dataset_name => line(1, 120, false);
    /// As [`dataset_name`], or `null`.
    dataset_name_opt => line(1, 120, true);
}

/// Text of at most 20,000 bytes (counted as UTF-8; `maxLength` counts characters), or `null`.
#[must_use]
pub fn long_text_opt() -> Object {
    string(true).max_length(Some(20_000)).build()
}

vocabulary! {
    /// A telescope mount.
    mount, mount_opt => meridian_domain::MountType;
}

fn array(items: Object, max_items: Option<usize>) -> utoipa::openapi::schema::Array {
    let b = utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(items);
    b.max_items(max_items).build()
}

/// Tags as `Tags` takes them: each trimmed and lower-cased, then 1 to 40 of `a-z 0-9 - _ .` starting with a
/// letter or digit; at most 20 different ones (duplicates count once, so the list itself has no bound), or
/// `null`.
#[must_use]
pub fn tags_opt() -> utoipa::openapi::schema::Array {
    let tag = string(false).pattern(Some(format!("^[{WS}]*[A-Za-z0-9][A-Za-z0-9._-]{{0,39}}[{WS}]*$"))).build();
    array(tag, None)
}

/// An instrument's filter names: up to 50, each a non-empty line of at most 200 characters, none twice, or
/// `null`.
#[must_use]
pub fn filters_opt() -> utoipa::openapi::schema::Array {
    array(line(1, 200, false), Some(50))
}

vocabulary! {
    /// A log entry's level.
    entry_level, entry_level_opt => meridian_domain::EntryLevel;
    /// A night log's status.
    night_status, night_status_opt => meridian_domain::NightStatus;
    /// The sky's transparency.
    transparency, transparency_opt => meridian_domain::Transparency;
    /// What time was lost to.
    time_lost_category, time_lost_category_opt => meridian_domain::TimeLostCategory;
    /// An observation's quality flag.
    quality, quality_opt => meridian_domain::QualityFlag;
}

/// A log entry's text: Markdown, trimmed, 1 to 20,000 characters, no control characters but tab and line breaks,
/// or `null` (on edits: unchanged).
#[must_use]
pub fn entry_body_opt() -> Object {
    string(true)
        .pattern(Some(trimmed_pattern(1, EntryBodyMax::MAX, CC_BUT_LINES)))
        .max_length(Some(EntryBodyMax::MAX))
        .build()
}
use meridian_domain::EntryBody as EntryBodyMax;

/// One of `names` in a query string, where surrounding whitespace is trimmed and an empty value means the
/// default.
#[must_use]
pub fn query_choice(names: &[&str]) -> Object {
    string(true).pattern(Some(format!("^[{WS}]*(?:{})?[{WS}]*$", names.join("|")))).build()
}

named! {
    /// `any`, `all` or `none`.
    tag_mode_opt => query_choice(&["any", "all", "none"]);
    /// `asc` or `desc`.
    order_opt => query_choice(&["asc", "desc"]);
    /// A catalog format name (`auto` or empty: detect it).
    catalog_format_opt => query_choice(&["auto", "tle", "3le", "2le", "omm_json", "json", "omm_csv", "csv", "omm_xml", "xml"]);
}

vocabulary! {
    /// Who may read a package.
    package_access, package_access_opt => meridian_domain::PackageAccess;
}

named! {
    /// A package's title: one line, 1 to 300 characters.
    title => line(1, 300, false);
    /// As [`title`], or `null`.
    title_opt => line(1, 300, true);
    /// An author's name: one line, 1 to 200 characters.
    author_name => line(1, 200, false);
    /// An author's affiliation: one line, at most 300 characters, or `null`.
    affiliation_opt => line(0, 300, true);
    /// A link's label: one line, at most 120 characters, or `null`.
    link_label_opt => line(0, 120, true);
}

/// A package's description: Markdown, at most 20,000 characters, or `null`.
#[must_use]
pub fn package_description_opt() -> Object {
    string(true).max_length(Some(20_000)).build()
}

/// Keywords: at most 30, each one line of 1 to 60 characters, or `null`.
#[must_use]
pub fn keywords_opt() -> utoipa::openapi::schema::Array {
    array(line(1, 60, false), Some(30))
}

/// Search text, trimmed, then `min..=max` characters of any kind (`min` 0 or 1).
fn search(min: usize, max: usize, nullable: bool) -> Object {
    let body = format!("[^{WS}](?:[\\s\\S]{{0,{}}}[^{WS}])?", max - 2);
    let body = if min == 0 { format!("(?:{body})?") } else { body };
    string(nullable).pattern(Some(format!("^[{WS}]*{body}[{WS}]*$"))).build()
}

named! {
    /// A text search in entries: at most 200 characters after trimming, or `null`.
    search_text_opt => search(0, 200, true);
    /// A name search in targets: at most 100 characters after trimming, or `null`.
    name_search_opt => search(0, 100, true);
}

/// A comma-separated list in a query string: pieces are trimmed and empty ones skipped; each other piece must
/// match `item` (a regex without anchors).
fn comma_list(item: &str) -> Object {
    let piece = format!("[{WS}]*(?:{item})?[{WS}]*");
    string(true).pattern(Some(format!("^{piece}(?:,{piece})*$"))).build()
}

named! {
    /// Entry levels, comma-separated (`info,warning`).
    levels_opt => comma_list("info|warning|problem");
    /// Tags, comma-separated (each as in [`tags_opt`]).
    tag_list_opt => comma_list("[A-Za-z0-9][A-Za-z0-9._-]{0,39}");
    /// One tag (as in [`tags_opt`]); empty is no filter.
    tag_query_opt => string(true).pattern(Some(format!("^[{WS}]*(?:[A-Za-z0-9][A-Za-z0-9._-]{{0,39}})?[{WS}]*$"))).build();
}

/// File ids (UUIDs).
#[must_use]
pub fn uuid_list() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new().items(uuid(false)).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern_of(v: serde_json::Value) -> String {
        v["pattern"].as_str().unwrap_or_default().to_owned()
    }

    /// `IntoParams` drops `required` for a `schema_with` parameter, so the catalog search spells its pattern as a
    /// literal: it must stay the rule's.
    #[test]
    fn the_catalog_search_pattern_is_the_rule() {
        use utoipa::IntoParams as _;
        let params = crate::routes::satellites::types::CatalogSearchQuery::into_params(|| None);
        let q = params.iter().find(|p| p.name == "q").expect("q");
        let doc = serde_json::to_value(q).expect("json");
        assert_eq!(doc["required"], true);
        assert_eq!(pattern_of(doc["schema"].clone()), pattern_of(serde_json::to_value(search(1, 100, false)).unwrap()));
    }

    #[test]
    fn long_texts_bound_their_length_outside_the_pattern() {
        let short = serde_json::to_value(line(1, 100, false)).unwrap();
        assert!(short.get("maxLength").is_none() && pattern_of(short).contains("{0,98}"));
        let long = serde_json::to_value(text(10_000, true)).unwrap();
        assert_eq!(long["maxLength"], 10_000);
        assert!(!pattern_of(long).contains('{'));
    }
}
