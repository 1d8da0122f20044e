//! Data packages: what is stored of them (packages, versions with their manifests and files, drafts, secret
//! links) and their values: who may read a package, its authors (ORCID iDs checked), its licence (SPDX), paths of
//! files inside the archive, and the limits on the free-text fields.

use crate::{AccountId, DataFileId, NightLogId, PackageId, PackageLinkId, PackageVersionId, TargetId};
use crate::{ValidationError, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

vocabulary!(
    /// Who may read a package's published versions.
    #[derive(Default)]
    PackageAccess, field = "access", {
        /// The workspace's members (and its keys that read).
        #[default]
        Private = "private",
        /// Also whoever holds one of its secret links.
        Link = "link",
        /// Everyone, listed on the workspace's public page.
        Public = "public",
    }
);

pub const TITLE_MAX: usize = 300;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const AUTHORS_MAX: usize = 100;
pub const NAME_MAX: usize = 200;
pub const AFFILIATION_MAX: usize = 300;
pub const KEYWORDS_MAX: usize = 30;
pub const KEYWORD_MAX: usize = 60;
pub const PATH_MAX: usize = 240;

/// A package's title: 1 to 300 characters, no control characters.
pub fn package_title(s: &str) -> Result<String, ValidationError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > TITLE_MAX || t.chars().any(char::is_control) {
        return Err(ValidationError::new("title", format!("must be 1 to {TITLE_MAX} characters")));
    }
    Ok(t.to_owned())
}

/// A package's Markdown description: at most 20,000 characters.
pub fn package_description(s: &str) -> Result<String, ValidationError> {
    if s.chars().count() > DESCRIPTION_MAX {
        return Err(ValidationError::new("description", format!("must be at most {DESCRIPTION_MAX} characters")));
    }
    Ok(s.to_owned())
}

/// Keywords: at most 30, each 1 to 60 characters; duplicates (ignoring case) are dropped, order kept.
pub fn package_keywords(items: &[String]) -> Result<Vec<String>, ValidationError> {
    if items.len() > KEYWORDS_MAX {
        return Err(ValidationError::new("keywords", format!("at most {KEYWORDS_MAX} keywords")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for k in items {
        let k = k.trim();
        if k.is_empty() || k.chars().count() > KEYWORD_MAX || k.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "keywords",
                format!("each keyword must be 1 to {KEYWORD_MAX} characters"),
            ));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(k)) {
            out.push(k.to_owned());
        }
    }
    Ok(out)
}

/// An ORCID iD (`0000-0002-1825-0097`): four groups of four digits, the last character a check digit (or `X`)
/// over the other fifteen, ISO 7064 MOD 11-2. A full `https://orcid.org/` URL is accepted and reduced to the iD.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Orcid(String);

impl Orcid {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let err = |m: &str| Err(ValidationError::new("orcid", m));
        let s = s.trim();
        let id = s
            .strip_prefix("https://orcid.org/")
            .or_else(|| s.strip_prefix("http://orcid.org/"))
            .or_else(|| s.strip_prefix("orcid.org/"))
            .unwrap_or(s);
        let b = id.as_bytes();
        let shape = b.len() == 19
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 9 | 14 => *c == b'-',
                18 => c.is_ascii_digit() || *c == b'X',
                _ => c.is_ascii_digit(),
            });
        if !shape {
            return err("must look like 0000-0002-1825-0097");
        }
        let digits = b.iter().filter(|c| **c != b'-').copied().collect::<Vec<u8>>();
        let mut total: u32 = 0;
        for d in &digits[..15] {
            total = (total + u32::from(d - b'0')) * 2;
        }
        let check = (12 - total % 11) % 11;
        let expected = if check == 10 { b'X' } else { b'0' + u8::try_from(check).unwrap_or(0) };
        if digits[15] != expected {
            return err("has a wrong check digit (ISO 7064 MOD 11-2); check the iD for a typo");
        }
        Ok(Self(id.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The iD as the URL ORCID asks people to show.
    #[must_use]
    pub fn url(&self) -> String {
        format!("https://orcid.org/{}", self.0)
    }
}

impl TryFrom<String> for Orcid {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Orcid> for String {
    fn from(o: Orcid) -> Self {
        o.0
    }
}

/// One author of a package, in citation order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orcid: Option<Orcid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
}

impl Author {
    /// Checks one author given as text; `index` names it in errors (`authors[2].orcid`).
    pub fn parse(
        index: usize,
        name: &str,
        orcid: Option<&str>,
        affiliation: Option<&str>,
    ) -> Result<Self, ValidationError> {
        let field = |f: &str| format!("authors[{index}].{f}");
        let name = name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
            return Err(ValidationError::new(field("name"), format!("must be 1 to {NAME_MAX} characters")));
        }
        let orcid = orcid
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(Orcid::parse)
            .transpose()
            .map_err(|e| e.for_field(&field("orcid")))?;
        let affiliation = affiliation.map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
        if affiliation.as_ref().is_some_and(|a| a.chars().count() > AFFILIATION_MAX || a.chars().any(char::is_control))
        {
            return Err(ValidationError::new(
                field("affiliation"),
                format!("must be at most {AFFILIATION_MAX} characters"),
            ));
        }
        Ok(Self { name: name.to_owned(), orcid, affiliation })
    }
}

/// Licences people choose for data, by SPDX identifier. Anything else must at least look like one (`LicenseRef-`
/// ids are for licences SPDX does not list).
const SPDX_IDS: &[&str] = &[
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-3.0",
    "CC-BY-SA-3.0",
    "CC-PDDC",
    "ODbL-1.0",
    "ODC-By-1.0",
    "PDDL-1.0",
    "OGL-UK-3.0",
    "etalab-2.0",
    "DL-DE-BY-2.0",
    "MIT",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "LGPL-3.0-only",
    "MPL-2.0",
    "Unlicense",
];

/// An SPDX licence identifier from the common list (matched ignoring case, stored as SPDX spells it), or a
/// `LicenseRef-...` of the user's own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SpdxId(String);

impl SpdxId {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if let Some(known) = SPDX_IDS.iter().find(|k| k.eq_ignore_ascii_case(s)) {
            return Ok(Self((*known).to_owned()));
        }
        if let Some(rest) = s.strip_prefix("LicenseRef-")
            && !rest.is_empty()
            && rest.len() <= 60
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        {
            return Ok(Self(s.to_owned()));
        }
        Err(ValidationError::new(
            "licence",
            "must be an SPDX licence identifier such as CC-BY-4.0 or CC0-1.0 (or LicenseRef-<name>)",
        ))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The licence's page at spdx.org (none for a `LicenseRef-`).
    #[must_use]
    pub fn url(&self) -> Option<String> {
        (!self.0.starts_with("LicenseRef-")).then(|| format!("https://spdx.org/licenses/{}.html", self.0))
    }
}

impl TryFrom<String> for SpdxId {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<SpdxId> for String {
    fn from(o: SpdxId) -> Self {
        o.0
    }
}

/// A file's path inside a package archive: `/`-separated, relative, no empty, `.` or `..` parts, no control
/// characters or backslashes, at most 240 bytes (the archive formats' limits stay simple well below that).
/// `manifest.json` and `SHA256SUMS` at the top are the archive's own.
pub fn package_path(s: &str) -> Result<String, ValidationError> {
    let err = |m: &str| Err(ValidationError::new("path", m));
    if s.is_empty() || s.len() > PATH_MAX {
        return err("must be 1 to 240 bytes");
    }
    if s.chars().any(|c| c.is_control() || c == '\\') || s.split('/').any(|p| p.is_empty() || p == "." || p == "..") {
        return err("must be a relative path of plain names separated by / (no empty, . or .. parts)");
    }
    if s == "manifest.json" || s == "SHA256SUMS" {
        return err("manifest.json and SHA256SUMS are reserved for the archive's own files");
    }
    Ok(s.to_owned())
}

// ------------------------------------------------------------------------------------------ what is stored

/// A data package: a citable selection of files with its descriptive fields, published in numbered versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub id: PackageId,
    pub workspace_id: WorkspaceId,
    pub title: String,
    pub description: String,
    pub authors: Vec<Author>,
    pub keywords: Vec<String>,
    pub licence: String,
    pub night_log_ids: Vec<NightLogId>,
    pub target_ids: Vec<TargetId>,
    pub access: PackageAccess,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The package's descriptive fields as published with a version (citations never change afterwards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionMetadata {
    pub title: String,
    pub description: String,
    pub authors: Vec<Author>,
    pub keywords: Vec<String>,
    pub licence: String,
}

/// One published version of a package. Its manifest is kept as the exact bytes served (its SHA-256 is the
/// package's checksum); lists leave it empty.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageVersion {
    pub id: PackageVersionId,
    pub package_id: PackageId,
    pub workspace_id: WorkspaceId,
    pub number: i32,
    pub metadata: VersionMetadata,
    pub manifest: String,
    pub manifest_sha256: String,
    pub total_bytes: i64,
    pub file_count: i64,
    pub published_at: DateTime<Utc>,
    pub published_by: AccountId,
    pub doi: Option<String>,
    pub download_count: i64,
}

/// One file of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The manifest as stored and served (and put into every archive as `manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub package_id: PackageId,
    pub title: String,
    pub version: i32,
    pub licence: String,
    pub published_at: DateTime<Utc>,
    pub file_count: u64,
    pub total_bytes: u64,
    pub files: Vec<ManifestFile>,
}

/// A file frozen into a version, in archive order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFile {
    pub version_id: PackageVersionId,
    pub seq: i32,
    pub file_id: DataFileId,
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub object_key: String,
}

/// A file chosen for the next version, at its path in the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftEntry {
    pub package_id: PackageId,
    pub file_id: DataFileId,
    pub path: String,
    pub added_at: DateTime<Utc>,
}

/// A secret link that opens a package to whoever holds it; only its token's hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageLink {
    pub id: PackageLinkId,
    pub package_id: PackageId,
    pub workspace_id: WorkspaceId,
    pub label: String,
    pub token_hash: String,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A published version that holds a file: which package (title) and which version number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub file_id: DataFileId,
    pub package_id: PackageId,
    pub title: String,
    pub number: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orcid_check_digits() {
        // ORCID's own examples, one ending in X.
        assert!(Orcid::parse("0000-0002-1825-0097").is_ok());
        assert!(Orcid::parse("0000-0001-5109-3700").is_ok());
        assert!(Orcid::parse("0000-0002-1694-233X").is_ok());
        assert_eq!(
            Orcid::parse("https://orcid.org/0000-0002-1825-0097").map(|o| o.url()).ok().as_deref(),
            Some("https://orcid.org/0000-0002-1825-0097")
        );
        assert!(Orcid::parse("0000-0002-1825-0098").is_err());
        assert!(Orcid::parse("0000-0002-1694-2330").is_err());
        assert!(Orcid::parse("0000000218250097").is_err());
        assert!(Orcid::parse("0000-0002-1825-009").is_err());
    }

    #[test]
    fn spdx_ids() {
        assert_eq!(SpdxId::parse("cc-by-4.0").map(String::from).ok().as_deref(), Some("CC-BY-4.0"));
        assert!(SpdxId::parse("LicenseRef-Observatory-Data-1").is_ok());
        assert!(SpdxId::parse("Beerware-ish").is_err());
        assert!(SpdxId::parse("LicenseRef-").is_err());
    }

    #[test]
    fn paths() {
        assert!(package_path("raw/2026-11-21/m31_001.fits").is_ok());
        for bad in ["", "/abs", "a//b", "a/../b", "./a", "a\\b", "manifest.json", "a/\u{7}"] {
            assert!(package_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn authors_name_their_field() {
        let e = Author::parse(2, "Ada", Some("0000-0002-1825-0098"), None).err().map(|e| e.field);
        assert_eq!(e.as_deref(), Some("authors[2].orcid"));
        assert_eq!(Author::parse(0, " ", None, None).err().map(|e| e.field).as_deref(), Some("authors[0].name"));
    }

    #[test]
    fn keywords_dedupe() {
        let k = package_keywords(&["M31".into(), "m31".into(), "photometry".into()]).ok();
        assert_eq!(k, Some(vec!["M31".to_owned(), "photometry".to_owned()]));
    }
}
