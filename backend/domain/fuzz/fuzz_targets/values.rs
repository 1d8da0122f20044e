//! The validated values clients send as text: slugs, e-mail addresses, names, descriptions, passwords, tags, links,
//! pagination cursors, ORCID iDs, SPDX licences, package paths and keywords, and the small vocabularies. The input
//! is text; each parser reads the whole of it and the list parsers (tags, links, keywords) its lines.
//!
//! Properties: a value that parses keeps the invariants its type documents, and parsing what it holds gives it back
//! (so a stored value always reads back); derived slugs are always valid; a cursor that decodes is the one encoding
//! of its key.

#![no_main]

use libfuzzer_sys::fuzz_target;
use meridian_domain::packages::{package_keywords, package_path, package_title};
use meridian_domain::{
    Cursor, Description, DisplayName, Email, EntryBody, EntryLevel, FrameType, KeyName, Link, MountType, Name, Orcid,
    PageRequest, Password, QualityFlag, Role, ShortText, Slug, SpdxId, Tag, Tags, TimeLost, WorkspaceName, parse_links,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();

    slugs(text);
    if let Ok(e) = Email::parse(text) {
        let s = e.as_str();
        assert!(!s.is_empty() && s.len() <= Email::MAX, "{s:?}");
        assert_eq!(s.matches('@').count(), 1, "{s:?}");
        assert!(!e.local_part().is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control()), "{s:?}");
        assert_eq!(Email::parse(s).as_ref(), Ok(&e), "e-mail {s:?} does not read back");
    }
    text_values(text);
    if let Ok(p) = Password::parse(text) {
        assert!((Password::MIN..=Password::MAX).contains(&p.expose().chars().count()));
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
    }
    tags(text, &lines);
    links(&lines);
    cursors(text);
    packages(text, &lines);
    vocabularies(text);
});

fn slugs(text: &str) {
    if let Ok(slug) = Slug::parse(text) {
        assert_eq!(slug.as_str(), text);
        assert_slug(slug.as_str());
    }
    let derived = Slug::derive_from(text);
    assert_slug(derived.as_str());
    assert!(Slug::parse(derived.as_str()).is_ok(), "derived slug {derived} from {text:?} is refused");
    let n = u32::try_from(text.len()).unwrap_or(u32::MAX).wrapping_mul(2_654_435_761);
    for suffix in [1, n, u32::MAX] {
        let with = derived.with_suffix(suffix);
        assert!(Slug::parse(with.as_str()).is_ok(), "{with} ({derived} with {suffix}) is refused");
        assert!(with.as_str().ends_with(&format!("-{suffix}")), "{with}");
    }
}

fn assert_slug(s: &str) {
    assert!((Slug::MIN..=Slug::MAX).contains(&s.len()), "{s:?}");
    assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{s:?}");
    assert!(s.as_bytes()[0].is_ascii_lowercase() && !s.ends_with('-') && !s.contains("--"), "{s:?}");
}

fn text_values(text: &str) {
    fn line<T: PartialEq + std::fmt::Debug>(
        parsed: Result<T, meridian_domain::ValidationError>,
        as_str: fn(&T) -> &str,
        parse: fn(&str) -> Result<T, meridian_domain::ValidationError>,
        min: usize,
        max: usize,
    ) {
        if let Ok(v) = parsed {
            let s = as_str(&v);
            assert_eq!(s.trim(), s, "{s:?} is not trimmed");
            assert!((min..=max).contains(&s.chars().count()), "{s:?}");
            assert!(!s.chars().any(char::is_control), "{s:?} has control characters");
            assert_eq!(parse(s).as_ref(), Ok(&v), "{s:?} does not read back");
        }
    }
    line(DisplayName::parse(text), DisplayName::as_str, DisplayName::parse, 1, 100);
    line(WorkspaceName::parse(text), WorkspaceName::as_str, WorkspaceName::parse, 1, 100);
    line(KeyName::parse(text), KeyName::as_str, KeyName::parse, 1, 100);
    line(Name::parse(text), Name::as_str, Name::parse, 1, 100);
    line(ShortText::parse(text), ShortText::as_str, ShortText::parse, 0, 200);
    line(package_title(text), String::as_str, package_title, 1, 300);
    if let Ok(d) = Description::parse(text) {
        assert!(d.as_str().chars().count() <= Description::MAX);
        assert_eq!(Description::parse(d.as_str()).as_ref(), Ok(&d));
    }
    if let Ok(b) = EntryBody::parse(text) {
        assert!(!b.as_str().is_empty() && b.as_str().chars().count() <= EntryBody::MAX);
        assert_eq!(EntryBody::parse(b.as_str()).as_ref(), Ok(&b));
    }
}

fn tags(text: &str, lines: &[String]) {
    if let Ok(tag) = Tag::parse(text) {
        assert_tag(tag.as_str());
        assert_eq!(Tag::parse(tag.as_str()).as_ref(), Ok(&tag));
    }
    for tags in [Tags::parse(lines), Tags::parse_comma_separated(text)] {
        let Ok(tags) = tags else { continue };
        assert!(tags.len() <= Tags::MAX);
        let names: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "not sorted and distinct: {names:?}");
        for name in &names {
            assert_tag(name);
            assert!(tags.contains(&Tag::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))));
        }
        assert_eq!(Tags::parse(&names).as_ref(), Ok(&tags), "tags do not read back");
    }
}

fn assert_tag(s: &str) {
    assert!(!s.is_empty() && s.chars().count() <= Tag::MAX, "{s:?}");
    assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')));
    assert!(s.as_bytes()[0].is_ascii_alphanumeric(), "{s:?}");
}

fn links(lines: &[String]) {
    for l in lines {
        if let Ok(link) = Link::parse(l) {
            let s = link.as_str();
            assert!(s.starts_with("https://") || s.starts_with("http://"), "{s:?}");
            assert!(s.len() <= Link::MAX && !s.chars().any(|c| c.is_whitespace() || c.is_control()), "{s:?}");
            assert_eq!(Link::parse(s).as_ref(), Ok(&link));
        }
    }
    if let Ok(links) = parse_links(lines) {
        assert!(links.len() <= 10);
        for (i, a) in links.iter().enumerate() {
            assert!(!links[i + 1..].contains(a), "repeated link {a:?}");
        }
    }
}

fn cursors(text: &str) {
    assert_eq!(Cursor::encode(text).decode().as_deref(), Ok(text), "cursor round trip");
    if let Ok(key) = Cursor::parse(text).decode() {
        assert_eq!(Cursor::encode(&key).as_str(), text, "{text:?} decodes but is not the encoding of its key");
    }
    let (limit, cursor) = match text.split_once('\n') {
        Some((n, c)) => (n.trim().parse::<u32>().ok(), Some(c)),
        None => (None, Some(text)),
    };
    if let Ok(page) = PageRequest::parse(limit, cursor) {
        assert!((1..=200).contains(&page.limit.get()));
        if let Some(after) = &page.after {
            assert_eq!(Cursor::encode(after).as_str(), cursor.unwrap_or_default());
        }
    }
}

fn packages(text: &str, lines: &[String]) {
    if let Ok(o) = Orcid::parse(text) {
        let s = o.as_str();
        assert_eq!(s.len(), 19, "{s:?}");
        assert_eq!(Orcid::parse(s).as_ref(), Ok(&o));
        assert_eq!(Orcid::parse(&o.url()).as_ref(), Ok(&o));
    }
    if let Ok(id) = SpdxId::parse(text) {
        assert_eq!(SpdxId::parse(id.as_str()).as_ref(), Ok(&id));
        assert_eq!(id.url().is_none(), id.as_str().starts_with("LicenseRef-"));
    }
    if let Ok(path) = package_path(text) {
        assert_eq!(path, text);
        assert!(!path.is_empty() && path.len() <= 240 && !path.starts_with('/') && !path.contains('\\'));
        assert!(path.split('/').all(|p| !p.is_empty() && p != "." && p != ".."), "{path:?}");
    }
    if let Ok(keywords) = package_keywords(lines) {
        assert!(keywords.len() <= 30 && keywords.len() <= lines.len());
        for (i, k) in keywords.iter().enumerate() {
            assert!(!k.is_empty() && k.chars().count() <= 60 && k.trim() == k, "{k:?}");
            assert!(!keywords[i + 1..].iter().any(|o| o.eq_ignore_ascii_case(k)), "repeated keyword {k:?}");
        }
        assert_eq!(package_keywords(&keywords).as_ref(), Ok(&keywords));
    }
}

fn vocabularies(text: &str) {
    if let Ok(v) = EntryLevel::parse(text) {
        assert_eq!(v.as_str(), text);
    }
    if let Ok(v) = FrameType::parse(text) {
        assert_eq!(v.as_str(), text);
    }
    if let Ok(v) = QualityFlag::parse(text) {
        assert_eq!(v.as_str(), text);
    }
    if let Ok(v) = MountType::parse(text) {
        assert_eq!(v.as_str(), text);
    }
    if let Ok(v) = Role::parse(text) {
        assert_eq!(v.as_str(), text);
    }
    let minutes = i64::try_from(text.len()).unwrap_or(i64::MAX) - 8;
    if let Ok(Some(lost)) = TimeLost::parse(Some(minutes), Some(text)) {
        assert!((1..=TimeLost::MAX_MINUTES).contains(&lost.minutes));
        assert_eq!(lost.category.as_str(), text.trim());
    }
}
