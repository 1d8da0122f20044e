//! The JSON shapes of data packages: the package, its draft with totals, versions, citations and secret links.

use crate::routes::data::types::{FileBody, FileSearchQuery};
use chrono::{DateTime, Utc};
use meridian_domain::packages::VersionMetadata;
use meridian_service::equipment::nullable;
use meridian_service::packages::{
    AddFiles, AuthorInput, Citation, DraftView, LinkView, PackageInput, PackagePage, PackageView, TierTotal,
    VersionView,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One author, in citation order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorBody {
    #[schema(schema_with = crate::schemas::author_name)]
    pub name: String,
    /// An ORCID iD (`0000-0002-1825-0097`, check digit verified) or its https://orcid.org/ URL.
    #[serde(default)]
    pub orcid: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::affiliation_opt)]
    pub affiliation: Option<String>,
}

fn authors_in(a: Vec<AuthorBody>) -> Vec<AuthorInput> {
    a.into_iter().map(|a| AuthorInput { name: a.name, orcid: a.orcid, affiliation: a.affiliation }).collect()
}

fn authors_out(a: Vec<meridian_domain::Author>) -> Vec<AuthorBody> {
    a.into_iter()
        .map(|a| AuthorBody { name: a.name, orcid: a.orcid.map(String::from), affiliation: a.affiliation })
        .collect()
}

/// A curated, versioned selection of the workspace's files.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackageBody {
    pub id: Uuid,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub authors: Vec<AuthorBody>,
    pub keywords: Vec<String>,
    /// SPDX licence identifier.
    pub licence: String,
    pub night_log_ids: Vec<Uuid>,
    pub target_ids: Vec<Uuid>,
    /// `private` (members), `link` (also secret-link holders), `public` (everyone; public workspaces only).
    pub access: String,
    /// The newest published version's number; absent before the first publish.
    pub latest_version: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PackageView> for PackageBody {
    fn from(p: PackageView) -> Self {
        Self {
            id: p.id.as_uuid(),
            title: p.title,
            description: p.description,
            authors: authors_out(p.authors),
            keywords: p.keywords,
            licence: p.licence,
            night_log_ids: p.night_log_ids,
            target_ids: p.target_ids,
            access: p.access.as_str().to_owned(),
            latest_version: p.latest_version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackagePageBody {
    pub items: Vec<PackageBody>,
    pub next_cursor: Option<String>,
}

impl From<PackagePage> for PackagePageBody {
    fn from(p: PackagePage) -> Self {
        Self { items: p.items.into_iter().map(Into::into).collect(), next_cursor: p.next_cursor }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePackageBody {
    #[schema(schema_with = crate::schemas::title)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::package_description_opt)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Option<Vec<AuthorBody>>,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::keywords_opt)]
    pub keywords: Option<Vec<String>>,
    /// SPDX licence identifier, e.g. `CC-BY-4.0`.
    pub licence: String,
    #[serde(default)]
    pub night_log_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub target_ids: Option<Vec<Uuid>>,
    /// `private` (default), `link` or `public`.
    #[serde(default)]
    #[schema(schema_with = crate::schemas::package_access_opt)]
    pub access: Option<String>,
}

impl From<CreatePackageBody> for PackageInput {
    fn from(b: CreatePackageBody) -> Self {
        Self {
            title: Some(b.title),
            description: b.description,
            authors: b.authors.map(authors_in),
            keywords: b.keywords,
            licence: Some(b.licence),
            night_log_ids: b.night_log_ids,
            target_ids: b.target_ids,
            access: b.access,
        }
    }
}

/// Changes; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePackageBody {
    #[schema(schema_with = crate::schemas::title_opt)]
    pub title: Option<String>,
    #[schema(schema_with = crate::schemas::package_description_opt)]
    pub description: Option<String>,
    pub authors: Option<Vec<AuthorBody>>,
    #[schema(schema_with = crate::schemas::keywords_opt)]
    pub keywords: Option<Vec<String>>,
    pub licence: Option<String>,
    pub night_log_ids: Option<Vec<Uuid>>,
    pub target_ids: Option<Vec<Uuid>>,
    #[schema(schema_with = crate::schemas::package_access_opt)]
    pub access: Option<String>,
}

impl From<UpdatePackageBody> for PackageInput {
    fn from(b: UpdatePackageBody) -> Self {
        Self {
            title: b.title,
            description: b.description,
            authors: b.authors.map(authors_in),
            keywords: b.keywords,
            licence: b.licence,
            night_log_ids: b.night_log_ids,
            target_ids: b.target_ids,
            access: b.access,
        }
    }
}

/// A draft's file: where it sits in the package, and the file itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftFileBody {
    pub path: String,
    pub file: FileBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierTotalBody {
    pub file_count: u64,
    pub total_bytes: u64,
}

impl From<TierTotal> for TierTotalBody {
    fn from(t: TierTotal) -> Self {
        Self { file_count: t.file_count, total_bytes: t.total_bytes }
    }
}

/// The selection the next version will freeze, with totals per tier.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftBody {
    pub files: Vec<DraftFileBody>,
    pub file_count: u64,
    pub total_bytes: u64,
    pub hot: TierTotalBody,
    pub cool: TierTotalBody,
    pub cold: TierTotalBody,
    /// What a publish would refuse now, file by file (cold files; unreleased files in a public package).
    pub blockers: Vec<String>,
}

impl From<DraftView> for DraftBody {
    fn from(d: DraftView) -> Self {
        Self {
            files: d.files.into_iter().map(|f| DraftFileBody { path: f.path, file: f.file.into() }).collect(),
            file_count: d.file_count,
            total_bytes: d.total_bytes,
            hot: d.hot.into(),
            cool: d.cool.into(),
            cold: d.cold.into(),
            blockers: d.blockers,
        }
    }
}

/// Files to add: by id, every file of a dataset, and/or every file a search finds (the file search's
/// parameters, `header` comma-separated). At most 10,000 files per package.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDraftFilesBody {
    #[serde(default)]
    #[schema(schema_with = crate::schemas::uuid_list)]
    pub file_ids: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::uuid_opt)]
    pub dataset_id: Option<String>,
    #[serde(default)]
    pub search: Option<FileSearchQuery>,
}

impl TryFrom<AddDraftFilesBody> for AddFiles {
    type Error = meridian_service::ServiceError;

    fn try_from(b: AddDraftFilesBody) -> Result<Self, Self::Error> {
        Ok(Self {
            file_ids: b.file_ids,
            dataset_id: b.dataset_id,
            search: b.search.map(TryInto::try_into).transpose()?,
        })
    }
}

/// The package's fields as published with a version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionMetadataBody {
    pub title: String,
    pub description: String,
    pub authors: Vec<AuthorBody>,
    pub keywords: Vec<String>,
    pub licence: String,
}

impl From<VersionMetadata> for VersionMetadataBody {
    fn from(m: VersionMetadata) -> Self {
        Self {
            title: m.title,
            description: m.description,
            authors: authors_out(m.authors),
            keywords: m.keywords,
            licence: m.licence,
        }
    }
}

/// An immutable published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionBody {
    pub package_id: Uuid,
    pub number: i32,
    pub published_at: DateTime<Utc>,
    pub file_count: i64,
    pub total_bytes: i64,
    /// SHA-256 of the version's `manifest.json`: the package's checksum.
    pub manifest_sha256: String,
    pub doi: Option<String>,
    pub download_count: i64,
    pub metadata: VersionMetadataBody,
}

impl From<VersionView> for VersionBody {
    fn from(v: VersionView) -> Self {
        Self {
            package_id: v.package_id.as_uuid(),
            number: v.number,
            published_at: v.published_at,
            file_count: v.file_count,
            total_bytes: v.total_bytes,
            manifest_sha256: v.manifest_sha256,
            doi: v.doi,
            download_count: v.download_count,
            metadata: v.metadata.into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionList {
    pub items: Vec<VersionBody>,
    /// The `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Set or clear a version's DOI once minted.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVersionBody {
    /// `10.prefix/suffix` (or its https://doi.org/ URL); `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub doi: Option<Option<String>>,
}

/// How to cite a version, and its DataCite metadata (schema 4.x), ready for minting a DOI.
#[derive(Debug, Serialize, ToSchema)]
pub struct CitationBody {
    pub text: String,
    #[schema(value_type = Object)]
    pub datacite: serde_json::Value,
}

impl From<Citation> for CitationBody {
    fn from(c: Citation) -> Self {
        Self { text: c.text, datacite: c.datacite }
    }
}

/// A secret link. The token appears once, in the answer that made it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkBody {
    pub id: Uuid,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Only when just made; the package is then at `/api/v1/shared/{token}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl From<LinkView> for LinkBody {
    fn from(l: LinkView) -> Self {
        Self {
            id: l.id.as_uuid(),
            label: l.label,
            created_at: l.created_at,
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
            token: l.token,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkList {
    pub items: Vec<LinkBody>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLinkBody {
    #[serde(default)]
    #[schema(schema_with = crate::schemas::link_label_opt)]
    pub label: Option<String>,
    /// The link stops working then; absent: until revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A package as a link holder sees it: the package and its published versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedPackageBody {
    pub package: PackageBody,
    pub versions: Vec<VersionBody>,
}
