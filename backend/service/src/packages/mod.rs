//! Data packages: a curated selection of a workspace's files (the draft), published as immutable, numbered
//! versions with a manifest (every file's path, size and SHA-256; the manifest's own SHA-256 is the package
//! checksum), downloaded as one streamed archive (tar with ranges, zip), shared by secret links or made public,
//! and cited (text and DataCite metadata).
//!
//! Who may do what: members read everything (drafts included), `EditData` edits, publishes and manages links,
//! `DeleteData` deletes a package. Outsiders read the published versions of a `public` package of a public
//! workspace; a secret link opens a `link` or `public` package's versions to whoever holds it. A published version
//! holds its files: they cannot be deleted or made cold while it exists (`ServiceError::HeldByPackage`).

mod archives;
mod citation;
mod drafts;
mod links;
mod versions;

use crate::auth::Access;
use crate::data::{FileQuery, FileView};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::data::DataFile;
use meridian_domain::packages::{ManifestFile, Package, PackageVersion, VersionMetadata};
use meridian_domain::packages::{package_description, package_keywords, package_title};
use meridian_domain::{
    Action, Author, DataFileId, PackageAccess, PackageId, PackageLinkId, SpdxId, ValidationError, Visibility,
    WorkspaceId,
};
use meridian_storage::{ByteStream, GetOutcome};
use meridian_store::data::files;
use meridian_store::packages::{self as store, PackageFields};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The most files one package may hold (its manifest and central directory stay small in memory).
pub const MAX_FILES: usize = 10_000;
/// The publisher named in citations.
const PUBLISHER: &str = "Meridian";

// ------------------------------------------------------------------------------------------------ values

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthorInput {
    pub name: String,
    pub orcid: Option<String>,
    pub affiliation: Option<String>,
}

/// A package's fields; on update, `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PackageInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub authors: Option<Vec<AuthorInput>>,
    pub keywords: Option<Vec<String>>,
    pub licence: Option<String>,
    pub night_log_ids: Option<Vec<Uuid>>,
    pub target_ids: Option<Vec<Uuid>>,
    pub access: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageView {
    pub id: PackageId,
    pub title: String,
    pub description: String,
    pub authors: Vec<Author>,
    pub keywords: Vec<String>,
    pub licence: String,
    pub night_log_ids: Vec<Uuid>,
    pub target_ids: Vec<Uuid>,
    pub access: PackageAccess,
    pub latest_version: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackagePage {
    pub items: Vec<PackageView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftFile {
    pub path: String,
    pub file: FileView,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct TierTotal {
    pub file_count: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftView {
    pub files: Vec<DraftFile>,
    pub file_count: u64,
    pub total_bytes: u64,
    pub hot: TierTotal,
    pub cool: TierTotal,
    pub cold: TierTotal,
    /// Files a publish would refuse now, with the reason (cold, or unreleased in a public package).
    pub blockers: Vec<String>,
}

/// What to add to a draft: files by id, every file of a dataset, or every file a search finds.
#[derive(Debug, Clone, Default)]
pub struct AddFiles {
    pub file_ids: Vec<String>,
    pub dataset_id: Option<String>,
    pub search: Option<FileQuery>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub package_id: PackageId,
    pub number: i32,
    pub published_at: DateTime<Utc>,
    pub file_count: i64,
    pub total_bytes: i64,
    /// SHA-256 of `manifest.json`: the package's own checksum.
    pub manifest_sha256: String,
    pub doi: Option<String>,
    pub download_count: i64,
    pub metadata: VersionMetadata,
}

#[derive(Debug, Clone, Serialize)]
pub struct Citation {
    pub text: String,
    pub datacite: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub id: PackageLinkId,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Only when just made: the secret is never stored.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Tar,
    Zip,
}

/// An archive ready to stream.
pub struct ArchiveDownload {
    pub file_name: String,
    pub content_type: &'static str,
    /// The whole archive's length.
    pub size: u64,
    /// The bytes served (start, end inclusive) when a range was asked for and can be served.
    pub range: Option<(u64, u64)>,
    pub manifest_sha256: String,
    pub body: ByteStream,
}

impl std::fmt::Debug for ArchiveDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveDownload").field("file_name", &self.file_name).field("size", &self.size).finish()
    }
}

/// One file of a version, ready to stream.
#[derive(Debug)]
pub struct VersionFileDownload {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub object: GetOutcome,
}

/// Who reads a package: someone in a workspace (member or outsider), someone following a citation (the
/// package's id alone: its address stays the same whatever the workspace is called), or the holder of a secret
/// link. The first two see what the workspace shows them; the link holder what the link opens.
#[derive(Debug, Clone)]
pub enum Reader<'a> {
    Caller { actor: &'a Actor, slug: &'a str, package: PackageId },
    Cited { actor: &'a Actor, package: PackageId },
    Link { token: &'a str },
}

/// What a reader may see of one package.
struct Seen {
    workspace: WorkspaceId,
    slug: String,
    workspace_name: String,
    package: Package,
    /// Read by an outsider only because the package is public: its files' bytes are served only while they are
    /// released (a file put back under embargo after publishing is withheld at once).
    by_public_access: bool,
}

/// Everything a version's landing page shows.
#[derive(Debug, Clone, Serialize)]
pub struct VersionLanding {
    pub workspace_slug: String,
    pub workspace_name: String,
    pub package: PackageView,
    pub version: VersionView,
    /// Every version's number and publication time, newest first.
    pub versions: Vec<(i32, DateTime<Utc>)>,
    /// The manifest's files, in its order.
    pub files: Vec<ManifestFile>,
    pub citation: Citation,
}

// ------------------------------------------------------------------------------------------------ helpers

fn bad(field: &str, message: impl Into<String>) -> ServiceError {
    ValidationError::new(field, message).into()
}

fn read_json<T: serde::de::DeserializeOwned>(field: &str, s: &str) -> ServiceResult<T> {
    serde_json::from_str(s).map_err(|e| ServiceError::internal_while(format!("reading stored packages.{field}"), e))
}

fn authors(input: &[AuthorInput]) -> ServiceResult<Vec<Author>> {
    if input.len() > meridian_domain::packages::AUTHORS_MAX {
        return Err(bad("authors", format!("at most {} authors", meridian_domain::packages::AUTHORS_MAX)));
    }
    input
        .iter()
        .enumerate()
        .map(|(i, a)| Author::parse(i, &a.name, a.orcid.as_deref(), a.affiliation.as_deref()).map_err(Into::into))
        .collect()
}

/// At most 100 ids, each once (in the order first given).
fn id_list<T: From<Uuid>>(field: &str, ids: &[Uuid]) -> ServiceResult<Vec<T>> {
    if ids.len() > 100 {
        return Err(bad(field, "at most 100 ids"));
    }
    let mut seen = HashSet::new();
    Ok(ids.iter().copied().filter(|i| seen.insert(*i)).map(T::from).collect())
}

fn view(p: Package, latest: Option<i32>) -> ServiceResult<PackageView> {
    Ok(PackageView {
        id: p.id,
        authors: p.authors,
        keywords: p.keywords,
        night_log_ids: p.night_log_ids.into_iter().map(Uuid::from).collect(),
        target_ids: p.target_ids.into_iter().map(Uuid::from).collect(),
        access: p.access,
        title: p.title,
        description: p.description,
        licence: p.licence,
        latest_version: latest,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

fn version_view(v: &PackageVersion) -> ServiceResult<VersionView> {
    Ok(VersionView {
        package_id: v.package_id,
        number: v.number,
        published_at: v.published_at,
        file_count: v.file_count,
        total_bytes: v.total_bytes,
        manifest_sha256: v.manifest_sha256.clone(),
        doi: v.doi.clone(),
        download_count: v.download_count,
        metadata: v.metadata.clone(),
    })
}

/// A landing page lists at most this many versions (newest first); the API pages through all of them.
const LANDING_VERSIONS: u64 = 1000;

/// A page of versions.
#[derive(Debug, Clone, Serialize)]
pub struct VersionPage {
    pub items: Vec<VersionView>,
    /// The `cursor` for the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// A draft checked for publishing.
struct Publishable {
    version_files: Vec<store::versions::NewVersionFile>,
}

// ------------------------------------------------------------------------------------------------ use cases

impl Services {
    /// The package as a reader may see it: 404 for what they may not know of.
    async fn seen(&self, reader: &Reader<'_>) -> ServiceResult<Seen> {
        match reader {
            Reader::Caller { actor, slug, package } => self.seen_in(actor, slug, *package).await,
            Reader::Cited { actor, package } => {
                let id = *package;
                let ws = store::workspace_of(self.db(), id).await?.ok_or(ServiceError::NotFound("package"))?;
                let w =
                    meridian_store::workspaces::find(self.db(), ws).await?.ok_or(ServiceError::NotFound("package"))?;
                // The same rules as through the workspace, whose private existence stays hidden (404 either way).
                self.seen_in(actor, w.slug.as_str(), id).await.map_err(|e| match e {
                    ServiceError::NotFound(_) => ServiceError::NotFound("package"),
                    other => other,
                })
            }
            Reader::Link { token } => {
                let hash = crate::secrets::token_hash(token);
                let now = crate::now();
                let (_, p) = store::links::live_by_hash(self.db(), &hash, now, now - self.config().share_link_max_age)
                    .await?
                    .ok_or(ServiceError::NotFound("package"))?;
                // A package made private again closes its links at once.
                if p.access == PackageAccess::Private {
                    return Err(ServiceError::NotFound("package"));
                }
                let ws = p.workspace_id;
                let w =
                    meridian_store::workspaces::find(self.db(), ws).await?.ok_or(ServiceError::NotFound("package"))?;
                Ok(Seen {
                    workspace: ws,
                    slug: w.slug.to_string(),
                    workspace_name: w.name.to_string(),
                    package: p,
                    by_public_access: false,
                })
            }
        }
    }

    async fn seen_in(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<Seen> {
        let access = self.access(actor, slug).await?;
        let p = store::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("package"))?;
        let member = access.can(Action::ViewWorkspace);
        let public = p.access == PackageAccess::Public && access.workspace.visibility == Visibility::Public;
        if !member && !public {
            return Err(ServiceError::NotFound("package"));
        }
        Ok(Seen {
            by_public_access: !member,
            workspace: access.workspace.id,
            slug: access.workspace.slug.to_string(),
            workspace_name: access.workspace.name.to_string(),
            package: p,
        })
    }

    /// The package for a member who may do `action` (404 / 401 / 403 as `Access::require_on`).
    async fn package_for(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        action: Action,
    ) -> ServiceResult<(Access, Package)> {
        let access = self.access(actor, slug).await?;
        let p = store::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("package"))?;
        let public = p.access == PackageAccess::Public;
        access.require_on(public, action, "package")?;
        Ok((access, p))
    }

    fn fields(&self, base: Option<&Package>, input: PackageInput) -> ServiceResult<PackageFields> {
        let title = match (input.title, base) {
            (Some(t), _) => package_title(&t)?,
            (None, Some(b)) => b.title.clone(),
            (None, None) => return Err(bad("title", "is required")),
        };
        let description = match (input.description, base) {
            (Some(d), _) => package_description(&d)?,
            (None, Some(b)) => b.description.clone(),
            (None, None) => String::new(),
        };
        let authors = match (input.authors, base) {
            (Some(a), _) => authors(&a)?,
            (None, Some(b)) => b.authors.clone(),
            (None, None) => Vec::new(),
        };
        let keywords = match (input.keywords, base) {
            (Some(k), _) => package_keywords(&k)?,
            (None, Some(b)) => b.keywords.clone(),
            (None, None) => Vec::new(),
        };
        let licence = match (input.licence, base) {
            (Some(l), _) => String::from(SpdxId::parse(&l)?),
            (None, Some(b)) => b.licence.clone(),
            (None, None) => return Err(bad("licence", "is required (an SPDX id such as CC-BY-4.0)")),
        };
        let night_log_ids = match (input.night_log_ids, base) {
            (Some(i), _) => id_list("night_log_ids", &i)?,
            (None, Some(b)) => b.night_log_ids.clone(),
            (None, None) => Vec::new(),
        };
        let target_ids = match (input.target_ids, base) {
            (Some(i), _) => id_list("target_ids", &i)?,
            (None, Some(b)) => b.target_ids.clone(),
            (None, None) => Vec::new(),
        };
        let access = match (input.access, base) {
            (Some(a), _) => PackageAccess::parse(&a)?,
            (None, Some(b)) => b.access,
            (None, None) => PackageAccess::Private,
        };
        Ok(PackageFields { title, description, authors, keywords, licence, night_log_ids, target_ids, access })
    }

    /// A public package needs a public workspace, and every file of its versions released.
    async fn check_public(&self, access: &Access, package: PackageId, fields: &PackageFields) -> ServiceResult<()> {
        if fields.access != PackageAccess::Public {
            return Ok(());
        }
        if access.workspace.visibility != Visibility::Public {
            return Err(bad("access", "a public package needs a public workspace; share it by link instead"));
        }
        let held = store::versions::file_ids(self.db(), access.workspace.id, package).await?;
        let first_version: HashMap<DataFileId, i32> = held.iter().copied().collect();
        let ids: Vec<DataFileId> = held.iter().map(|(f, _)| *f).collect();
        let rows = self.file_rows(access.workspace.id, &ids).await?;
        let unreleased: Vec<String> = self
            .file_views(access, rows)
            .await?
            .into_iter()
            .filter(|fv| !fv.public)
            .map(|fv| {
                let n = first_version.get(&fv.id).copied().unwrap_or(0);
                format!("{} (version {n})", fv.name)
            })
            .collect();
        if unreleased.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::PublishBlocked {
                reason: "a public package may hold released files only; these are not released".to_owned(),
                files: unreleased,
            })
        }
    }

    async fn file_rows(&self, ws: WorkspaceId, ids: &[DataFileId]) -> ServiceResult<Vec<DataFile>> {
        Ok(files::by_ids(self.db(), ws, ids).await?)
    }

    #[tracing::instrument(skip(self, actor, input), fields(slug = %slug))]
    pub async fn create_package(&self, actor: &Actor, slug: &str, input: PackageInput) -> ServiceResult<PackageView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let by = crate::nights::writer(actor)?;
        let fields = self.fields(None, input)?;
        if fields.access == PackageAccess::Public && access.workspace.visibility != Visibility::Public {
            return Err(bad("access", "a public package needs a public workspace; share it by link instead"));
        }
        let row = store::insert(self.db(), access.workspace.id, fields, by, crate::now()).await?;
        view(row, None)
    }

    /// Members see every package; outsiders the public ones of a public workspace. Oldest first.
    pub async fn list_packages(
        &self,
        actor: &Actor,
        slug: &str,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> ServiceResult<PackagePage> {
        let access = self.access(actor, slug).await?;
        let only: Option<&[PackageAccess]> = if access.can(Action::ViewWorkspace) {
            None
        } else if access.workspace.visibility == Visibility::Public {
            Some(&[PackageAccess::Public])
        } else {
            access.require(Action::ViewWorkspace)?;
            None
        };
        // This list's cursor is the key itself (not base64, as it always was), and its limit is clamped.
        let page = meridian_domain::PageRequest {
            limit: meridian_domain::Limit::parse(Some(limit.unwrap_or(50).clamp(1, 200)))?,
            after: cursor.filter(|c| !c.is_empty()),
        };
        let limit = u64::from(page.limit.get());
        let reads = self.db();
        let rows = store::list(reads, access.workspace.id, only, &page).await?;
        let more = rows.len() as u64 > limit;
        let ids: Vec<PackageId> = rows.iter().take(limit as usize).map(|p| p.id).collect();
        let latest = store::versions::last_numbers(reads, access.workspace.id, &ids).await?;
        let mut items = Vec::new();
        for p in rows.into_iter().take(limit as usize) {
            let n = latest.get(&p.id).copied();
            items.push(view(p, n)?);
        }
        let next_cursor = if more { items.last().map(|p| meridian_store::page::id_key(p.id)) } else { None };
        Ok(PackagePage { items, next_cursor })
    }

    pub async fn get_package(&self, reader: &Reader<'_>) -> ServiceResult<PackageView> {
        let s = self.seen(reader).await?;
        let latest = store::versions::last_number(self.db(), s.workspace, s.package.id).await?;
        view(s.package, (latest > 0).then_some(latest))
    }

    #[tracing::instrument(skip(self, actor, input), fields(slug = %slug, package = %id))]
    pub async fn update_package(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        input: PackageInput,
    ) -> ServiceResult<PackageView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let pid = p.id;
        let fields = self.fields(Some(&p), input)?;
        self.check_public(&access, pid, &fields).await?;
        store::update(self.db(), access.workspace.id, pid, fields, crate::now()).await?;
        let p = store::find(self.db(), access.workspace.id, pid).await?.ok_or(ServiceError::NotFound("package"))?;
        let latest = store::versions::last_number(self.db(), access.workspace.id, pid).await?;
        view(p, (latest > 0).then_some(latest))
    }

    /// Deletes a package with its versions and links; the files stay in their datasets.
    pub async fn delete_package(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<()> {
        let (access, p) = self.package_for(actor, slug, id, Action::DeleteData).await?;
        store::delete(self.db(), access.workspace.id, p.id).await?;
        Ok(())
    }

    // -------------------------------------------------------------------------------------------- holds

    /// Refuses (409, naming the package version) when a published version holds any of `files`.
    pub(crate) async fn refuse_if_held(&self, ws: WorkspaceId, files: &[(DataFileId, String)]) -> ServiceResult<()> {
        let ids: Vec<DataFileId> = files.iter().map(|(i, _)| *i).collect();
        if let Some(h) = store::versions::holds_on(self.db(), ws, &ids, 1).await?.into_iter().next() {
            let file = files.iter().find(|(i, _)| *i == h.file_id).map(|(_, n)| n.clone()).unwrap_or_default();
            return Err(ServiceError::HeldByPackage {
                file,
                package: h.title,
                package_id: h.package_id,
                version: h.number,
            });
        }
        Ok(())
    }
}
