//! Data packages: a curated selection of a workspace's files (the draft), published as immutable, numbered
//! versions with a manifest (every file's path, size and SHA-256; the manifest's own SHA-256 is the package
//! checksum), downloaded as one streamed archive (tar with ranges, zip), shared by secret links or made public,
//! and cited (text and DataCite metadata).
//!
//! Who may do what: members read everything (drafts included), `EditData` edits, publishes and manages links,
//! `DeleteData` deletes a package. Outsiders read the published versions of a `public` package of a public
//! workspace; a secret link opens a `link` or `public` package's versions to whoever holds it. A published version
//! holds its files: they cannot be deleted or made cold while it exists (`ServiceError::HeldByPackage`).

use crate::auth::Access;
use crate::data::{FileQuery, FileView, object_key, storage_error};
use crate::package_archive::{Entry, Source, TarLayout, ZipLayout, fits_ustar};
use crate::{Actor, ServiceError, ServiceResult, Services};
use bytes::Bytes;
use chrono::{DateTime, Datelike as _, Utc};
use meridian_domain::data::DataFile;
use meridian_domain::packages::{package_description, package_keywords, package_path, package_title};
use meridian_domain::{
    Action, Author, DataFileId, DatasetId, PackageAccess, PackageId, PackageLinkId, PackageVersionId, SpdxId, Tier,
    ValidationError, Visibility, WorkspaceId,
};
use meridian_storage::{ByteStream, GetOutcome};
use meridian_store::data::{datasets, files};
use meridian_store::packages::{self as store, PackageFields, PackageRow, VersionRow};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The manifest as stored and served (and put into every archive as `manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// The package's descriptive fields as published with a version (citations never change afterwards).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionMetadata {
    pub title: String,
    pub description: String,
    pub authors: Vec<Author>,
    pub keywords: Vec<String>,
    pub licence: String,
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
    package: PackageRow,
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
    serde_json::from_str(s).map_err(|_| ServiceError::internal(format!("corrupt stored value: packages.{field}")))
}

fn to_json<T: Serialize>(v: &T) -> ServiceResult<String> {
    serde_json::to_string(v).map_err(ServiceError::internal)
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

fn id_list(field: &str, ids: &[Uuid]) -> ServiceResult<String> {
    if ids.len() > 100 {
        return Err(bad(field, "at most 100 ids"));
    }
    let mut seen = HashSet::new();
    let ids: Vec<Uuid> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    to_json(&ids)
}

fn view(p: PackageRow, latest: Option<i32>) -> ServiceResult<PackageView> {
    Ok(PackageView {
        id: PackageId::from_uuid(p.id),
        authors: read_json("authors", &p.authors)?,
        keywords: read_json("keywords", &p.keywords)?,
        night_log_ids: read_json("night_log_ids", &p.night_log_ids)?,
        target_ids: read_json("target_ids", &p.target_ids)?,
        access: PackageAccess::parse(&p.access).unwrap_or_default(),
        title: p.title,
        description: p.description,
        licence: p.licence,
        latest_version: latest,
        created_at: p.created_at.to_utc(),
        updated_at: p.updated_at.to_utc(),
    })
}

fn version_view(v: &VersionRow) -> ServiceResult<VersionView> {
    Ok(VersionView {
        package_id: PackageId::from_uuid(v.package_id),
        number: v.number,
        published_at: v.published_at.to_utc(),
        file_count: v.file_count,
        total_bytes: v.total_bytes,
        manifest_sha256: v.manifest_sha256.clone(),
        doi: v.doi.clone(),
        download_count: v.download_count,
        metadata: read_json("metadata", &v.metadata)?,
    })
}

fn link_view(l: store::LinkRow, token: Option<String>) -> LinkView {
    LinkView {
        id: PackageLinkId::from_uuid(l.id),
        label: l.label,
        created_at: l.created_at.to_utc(),
        expires_at: l.expires_at.map(|t| t.to_utc()),
        revoked_at: l.revoked_at.map(|t| t.to_utc()),
        token,
    }
}

/// A DOI as `10.NNNN/suffix` (registrant code of four or more digits; a `https://doi.org/` URL is reduced to that).
fn parse_doi(s: &str) -> ServiceResult<String> {
    let s = s.trim();
    let d = s.strip_prefix("https://doi.org/").or_else(|| s.strip_prefix("doi:")).unwrap_or(s);
    let ok = d.starts_with("10.")
        && d.len() <= 200
        && d.split_once('/').is_some_and(|(p, x)| {
            p.len() >= 7 && p[3..].bytes().all(|b| b.is_ascii_digit() || b == b'.') && !x.is_empty()
        })
        && !d.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(d.to_owned()) } else { Err(bad("doi", "must be a DOI such as 10.5281/zenodo.12345")) }
}

/// The default path of a file in a package: `dataset/file`.
fn default_path(dataset: &str, file: &str) -> String {
    let d: String = dataset.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    let p = format!("{}/{file}", d.trim());
    if package_path(&p).is_ok() && fits_ustar(&p) { p } else { file.to_owned() }
}

fn blockers(files: &[DraftFile], access: PackageAccess) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        if f.file.tier == Tier::Cold {
            out.push(format!("{} (cold: restore it first)", f.path));
        } else if access == PackageAccess::Public && !f.file.public {
            out.push(format!("{} (not released: a public package may hold released files only)", f.path));
        }
    }
    out
}

fn citation_year(v: &VersionView) -> i32 {
    v.published_at.year()
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
    version_files: Vec<store::NewVersionFile>,
}

// ------------------------------------------------------------------------------------------------ use cases

impl Services {
    /// The package as a reader may see it: 404 for what they may not know of.
    async fn seen(&self, reader: &Reader<'_>) -> ServiceResult<Seen> {
        match reader {
            Reader::Caller { actor, slug, package } => self.seen_in(actor, slug, *package).await,
            Reader::Cited { actor, package } => {
                let id = *package;
                let ws = store::workspace_of_package(self.db(), id).await?.ok_or(ServiceError::NotFound("package"))?;
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
                let (_, p) = store::live_link_by_hash(self.db(), &hash, now, now - self.config().share_link_max_age)
                    .await?
                    .ok_or(ServiceError::NotFound("package"))?;
                // A package made private again closes its links at once.
                if p.access == PackageAccess::Private.as_str() {
                    return Err(ServiceError::NotFound("package"));
                }
                let ws = WorkspaceId::from_uuid(p.workspace_id);
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
        let p =
            store::find_package(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("package"))?;
        let member = access.can(Action::ViewWorkspace);
        let public = p.access == PackageAccess::Public.as_str() && access.workspace.visibility == Visibility::Public;
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
    ) -> ServiceResult<(Access, PackageRow)> {
        let access = self.access(actor, slug).await?;
        let p =
            store::find_package(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("package"))?;
        let public = p.access == PackageAccess::Public.as_str();
        access.require_on(public, action, "package")?;
        Ok((access, p))
    }

    fn fields(&self, base: Option<&PackageRow>, input: PackageInput) -> ServiceResult<PackageFields> {
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
        let authors_json = match (input.authors, base) {
            (Some(a), _) => to_json(&authors(&a)?)?,
            (None, Some(b)) => b.authors.clone(),
            (None, None) => "[]".to_owned(),
        };
        let keywords_json = match (input.keywords, base) {
            (Some(k), _) => to_json(&package_keywords(&k)?)?,
            (None, Some(b)) => b.keywords.clone(),
            (None, None) => "[]".to_owned(),
        };
        let licence = match (input.licence, base) {
            (Some(l), _) => String::from(SpdxId::parse(&l)?),
            (None, Some(b)) => b.licence.clone(),
            (None, None) => return Err(bad("licence", "is required (an SPDX id such as CC-BY-4.0)")),
        };
        let night_log_ids_json = match (input.night_log_ids, base) {
            (Some(i), _) => id_list("night_log_ids", &i)?,
            (None, Some(b)) => b.night_log_ids.clone(),
            (None, None) => "[]".to_owned(),
        };
        let target_ids_json = match (input.target_ids, base) {
            (Some(i), _) => id_list("target_ids", &i)?,
            (None, Some(b)) => b.target_ids.clone(),
            (None, None) => "[]".to_owned(),
        };
        let access = match (input.access, base) {
            (Some(a), _) => PackageAccess::parse(&a)?.as_str().to_owned(),
            (None, Some(b)) => b.access.clone(),
            (None, None) => PackageAccess::Private.as_str().to_owned(),
        };
        Ok(PackageFields {
            title,
            description,
            authors_json,
            keywords_json,
            licence,
            night_log_ids_json,
            target_ids_json,
            access,
        })
    }

    /// A public package needs a public workspace, and every file of its versions released.
    async fn check_public(&self, access: &Access, package: PackageId, fields: &PackageFields) -> ServiceResult<()> {
        if fields.access != PackageAccess::Public.as_str() {
            return Ok(());
        }
        if access.workspace.visibility != Visibility::Public {
            return Err(bad("access", "a public package needs a public workspace; share it by link instead"));
        }
        let held = store::package_file_ids(self.db(), access.workspace.id, package).await?;
        let first_version: HashMap<Uuid, i32> = held.iter().copied().collect();
        let ids: Vec<Uuid> = held.iter().map(|(f, _)| *f).collect();
        let rows = self.file_rows(access.workspace.id, &ids).await?;
        let unreleased: Vec<String> = self
            .file_views(access, rows)
            .await?
            .into_iter()
            .filter(|fv| !fv.public)
            .map(|fv| {
                let n = first_version.get(&fv.id.as_uuid()).copied().unwrap_or(0);
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

    async fn file_rows(&self, ws: WorkspaceId, ids: &[Uuid]) -> ServiceResult<Vec<DataFile>> {
        let ids: Vec<DataFileId> = ids.iter().copied().map(DataFileId::from).collect();
        Ok(files::by_ids(self.db(), ws, &ids).await?)
    }

    #[tracing::instrument(skip(self, actor, input), fields(slug = %slug))]
    pub async fn create_package(&self, actor: &Actor, slug: &str, input: PackageInput) -> ServiceResult<PackageView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let by = crate::nights::writer(actor)?;
        let fields = self.fields(None, input)?;
        if fields.access == PackageAccess::Public.as_str() && access.workspace.visibility != Visibility::Public {
            return Err(bad("access", "a public package needs a public workspace; share it by link instead"));
        }
        let row = store::insert_package(self.db(), access.workspace.id, fields, by.as_uuid(), crate::now()).await?;
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
        let only: Option<&[&str]> = if access.can(Action::ViewWorkspace) {
            None
        } else if access.workspace.visibility == Visibility::Public {
            Some(&["public"])
        } else {
            access.require(Action::ViewWorkspace)?;
            None
        };
        let after = cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| c.parse::<Uuid>().map_err(|_| bad("cursor", "is not a cursor this server issued")))
            .transpose()?;
        let limit = u64::from(limit.unwrap_or(50).clamp(1, 200));
        let rows = store::list_packages(self.db(), access.workspace.id, only, after, limit + 1).await?;
        let more = rows.len() as u64 > limit;
        let ids: Vec<Uuid> = rows.iter().take(limit as usize).map(|p| p.id).collect();
        let latest = store::last_version_numbers(self.db(), access.workspace.id, &ids).await?;
        let mut items = Vec::new();
        for p in rows.into_iter().take(limit as usize) {
            let n = latest.get(&p.id).copied();
            items.push(view(p, n)?);
        }
        let next_cursor = if more { items.last().map(|p| p.id.to_string()) } else { None };
        Ok(PackagePage { items, next_cursor })
    }

    pub async fn get_package(&self, reader: &Reader<'_>) -> ServiceResult<PackageView> {
        let s = self.seen(reader).await?;
        let latest = store::last_version_number(self.db(), s.workspace, PackageId::from_uuid(s.package.id)).await?;
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
        let pid = PackageId::from_uuid(p.id);
        let fields = self.fields(Some(&p), input)?;
        self.check_public(&access, pid, &fields).await?;
        store::update_package(self.db(), access.workspace.id, pid, fields, crate::now()).await?;
        let p =
            store::find_package(self.db(), access.workspace.id, pid).await?.ok_or(ServiceError::NotFound("package"))?;
        let latest = store::last_version_number(self.db(), access.workspace.id, pid).await?;
        view(p, (latest > 0).then_some(latest))
    }

    /// Deletes a package with its versions and links; the files stay in their datasets.
    pub async fn delete_package(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<()> {
        let (access, p) = self.package_for(actor, slug, id, Action::DeleteData).await?;
        store::delete_package(self.db(), access.workspace.id, PackageId::from_uuid(p.id)).await?;
        Ok(())
    }

    // -------------------------------------------------------------------------------------------- the draft

    async fn draft_of(&self, access: &Access, p: &PackageRow) -> ServiceResult<DraftView> {
        let rows = store::draft_files(self.db(), access.workspace.id, PackageId::from_uuid(p.id)).await?;
        let paths: HashMap<Uuid, String> = rows.iter().map(|(d, _)| (d.file_id, d.path.clone())).collect();
        let views = self.file_views(access, rows.into_iter().map(|(_, f)| f).collect()).await?;
        let mut files: Vec<DraftFile> = views
            .into_iter()
            .map(|file| DraftFile { path: paths.get(&file.id.as_uuid()).cloned().unwrap_or_default(), file })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut totals = [TierTotal::default(); 3];
        for f in &files {
            let t = &mut totals[match f.file.tier {
                Tier::Hot => 0,
                Tier::Cool => 1,
                Tier::Cold => 2,
            }];
            t.file_count += 1;
            t.total_bytes += u64::try_from(f.file.size_bytes).unwrap_or(0);
        }
        let access_setting = PackageAccess::parse(&p.access).unwrap_or_default();
        Ok(DraftView {
            blockers: blockers(&files, access_setting),
            file_count: files.len() as u64,
            total_bytes: totals.iter().map(|t| t.total_bytes).sum(),
            hot: totals[0],
            cool: totals[1],
            cold: totals[2],
            files,
        })
    }

    pub async fn get_draft(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::ViewWorkspace).await?;
        self.draft_of(&access, &p).await
    }

    /// Adds files to the draft (by id, a whole dataset, or a search), each at `dataset/name`; files already in
    /// the draft stay where they are.
    #[tracing::instrument(skip(self, actor, add), fields(slug = %slug, package = %id))]
    pub async fn add_to_draft(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        add: AddFiles,
    ) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let ws = access.workspace.id;
        let pid = PackageId::from_uuid(p.id);
        let mut wanted: Vec<DataFile> = Vec::new();
        for f in &add.file_ids {
            let fid = f.parse::<DataFileId>().map_err(|_| bad("file_ids", format!("{f:?} is not a file id")))?;
            let row = files::find(self.db(), ws, fid)
                .await?
                .ok_or_else(|| bad("file_ids", format!("{f} is not a file of this workspace")))?;
            wanted.push(row);
        }
        let mut queries = Vec::new();
        if let Some(d) = &add.dataset_id {
            d.parse::<DatasetId>().map_err(|_| bad("dataset_id", "is not a dataset id"))?;
            let d = d.parse::<DatasetId>().map_err(|_| ServiceError::NotFound("dataset"))?;
            queries.push(FileQuery { dataset: Some(d), ..FileQuery::default() });
        }
        if let Some(q) = add.search.clone() {
            queries.push(q);
        }
        for mut q in queries {
            q.limit = Some(200);
            q.cursor = None;
            loop {
                let page = self.search_files(actor, slug, q.clone()).await.map_err(|e| match e {
                    ServiceError::NotFound("dataset") => bad("dataset_id", "is not a dataset of this workspace"),
                    other => other,
                })?;
                let ids: Vec<Uuid> = page.items.iter().map(|f| f.id.as_uuid()).collect();
                wanted.extend(self.file_rows(ws, &ids).await?);
                if wanted.len() > MAX_FILES {
                    return Err(bad("files", format!("a package holds at most {MAX_FILES} files")));
                }
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
        }
        if wanted.is_empty() {
            return Err(bad("file_ids", "name files, a dataset or a search to add"));
        }
        let dataset_ids = wanted.iter().map(|f| f.dataset_id);
        let datasets: HashMap<DatasetId, String> =
            datasets::by_ids(self.db(), ws, dataset_ids).await?.into_iter().map(|d| (d.id, d.name)).collect();
        let txn = meridian_store::begin_write(self.db()).await?;
        let existing = store::draft_files(&txn, ws, pid).await?;
        let have: HashSet<Uuid> = existing.iter().map(|(d, _)| d.file_id).collect();
        let mut seen = HashSet::new();
        let new: Vec<(Uuid, String)> = wanted
            .iter()
            .filter(|f| !have.contains(&f.id.as_uuid()) && seen.insert(f.id))
            .map(|f| (f.id.as_uuid(), default_path(datasets.get(&f.dataset_id).map_or("", String::as_str), &f.name)))
            .collect();
        if existing.len() + new.len() > MAX_FILES {
            return Err(bad("files", format!("a package holds at most {MAX_FILES} files")));
        }
        let mut paths: HashSet<&str> = existing.iter().map(|(d, _)| d.path.as_str()).collect();
        for (_, path) in &new {
            if package_path(path).is_err() || !fits_ustar(path) {
                return Err(bad(
                    "path",
                    format!("{path:?} cannot be a path in an archive (too long, or not a plain name)"),
                ));
            }
            if !paths.insert(path.as_str()) {
                return Err(ServiceError::Conflict {
                    field: "path",
                    message: format!("two files would sit at {path:?} in the package; rename one first"),
                });
            }
        }
        store::add_draft_files(&txn, ws, pid, &new, crate::now()).await?;
        txn.commit().await.map_err(ServiceError::internal)?;
        self.draft_of(&access, &p).await
    }

    pub async fn remove_from_draft(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        file_ids: &[String],
    ) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let ids = file_ids
            .iter()
            .map(|f| f.parse::<Uuid>().map_err(|_| bad("file_ids", format!("{f:?} is not a file id"))))
            .collect::<ServiceResult<Vec<_>>>()?;
        store::remove_draft_files(self.db(), access.workspace.id, PackageId::from_uuid(p.id), &ids).await?;
        self.draft_of(&access, &p).await
    }

    /// Makes the draft the last version's selection again.
    pub async fn reset_draft(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let pid = PackageId::from_uuid(p.id);
        let Some(v) = store::latest_version(self.db(), access.workspace.id, pid).await? else {
            return Err(ServiceError::Conflict { field: "version", message: "nothing published yet".to_owned() });
        };
        let txn = meridian_store::begin_write(self.db()).await?;
        store::reset_draft_to_version(&txn, access.workspace.id, pid, PackageVersionId::from_uuid(v.id), crate::now())
            .await?;
        txn.commit().await.map_err(ServiceError::internal)?;
        self.draft_of(&access, &p).await
    }

    // -------------------------------------------------------------------------------------------- publishing

    /// Freezes the draft into the next version: the manifest, the version's rows and the manifest's checksum
    /// commit together or not at all. Every object is first confirmed present with its recorded size (HEAD,
    /// up to 10,000 of them, outside any transaction, so no writer waits on storage); then a short transaction
    /// re-reads the draft under the workspace's lock and writes the version only if the draft is still exactly
    /// what was checked. A draft that changed meanwhile is checked again (three tries). Nothing is half-written at
    /// any point: a server stopped half-way leaves the draft as it was and no version.
    #[tracing::instrument(skip(self, actor), fields(slug = %slug, package = %id))]
    pub async fn publish_package(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<VersionView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let by = crate::nights::writer(actor)?;
        let ws = access.workspace.id;
        let pid = PackageId::from_uuid(p.id);
        let storage = self.storage()?;
        let package_access = PackageAccess::parse(&p.access).unwrap_or_default();
        for _ in 0..3 {
            let checked = self.publishable(&access, pid, package_access, self.db()).await?;
            let missing = futures::StreamExt::collect::<Vec<_>>(futures::StreamExt::buffered(
                futures::stream::iter(checked.version_files.iter().map(|f| {
                    let storage = storage.clone();
                    async move {
                        match storage.head(&f.object_key).await {
                            Ok(info) if info.size == u64::try_from(f.size_bytes).unwrap_or(0) => None,
                            Ok(_) => Some(format!("{} (its stored size differs from the record)", f.path)),
                            Err(meridian_storage::StorageError::NotFound) => {
                                Some(format!("{} (its bytes are missing from storage)", f.path))
                            }
                            Err(e) => Some(format!("{} (storage: {e})", f.path)),
                        }
                    }
                })),
                16,
            ))
            .await
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
            if !missing.is_empty() {
                return Err(ServiceError::PublishBlocked {
                    reason: "these files cannot be read from storage; nothing was published".to_owned(),
                    files: missing,
                });
            }

            let txn = meridian_store::begin_write(self.db()).await?;
            meridian_store::workspaces::lock(&txn, ws).await?;
            let now_checked = self.publishable(&access, pid, package_access, &txn).await?;
            if now_checked.version_files != checked.version_files {
                // Files added, removed or renamed since the check: check the draft as it is now.
                continue;
            }
            let number = store::last_version_number(&txn, ws, pid).await? + 1;
            let now = crate::now();
            let manifest_files: Vec<ManifestFile> = checked
                .version_files
                .iter()
                .map(|f| ManifestFile {
                    path: f.path.clone(),
                    size: u64::try_from(f.size_bytes).unwrap_or(0),
                    sha256: f.sha256.clone(),
                })
                .collect();
            let total_bytes: u64 = manifest_files.iter().map(|f| f.size).sum();
            let manifest = Manifest {
                package_id: pid,
                title: p.title.clone(),
                version: number,
                licence: p.licence.clone(),
                published_at: now,
                file_count: manifest_files.len() as u64,
                total_bytes,
                files: manifest_files,
            };
            let manifest_json = serde_json::to_string_pretty(&manifest).map_err(ServiceError::internal)?;
            let manifest_sha256 = hex::encode(Sha256::digest(manifest_json.as_bytes()));
            let metadata = VersionMetadata {
                title: p.title.clone(),
                description: p.description.clone(),
                authors: read_json("authors", &p.authors)?,
                keywords: read_json("keywords", &p.keywords)?,
                licence: p.licence.clone(),
            };
            let row = store::insert_version(
                &txn,
                ws,
                pid,
                store::NewVersion {
                    number,
                    metadata: to_json(&metadata)?,
                    manifest: manifest_json,
                    manifest_sha256,
                    total_bytes: i64::try_from(total_bytes).unwrap_or(i64::MAX),
                    file_count: i64::try_from(checked.version_files.len()).unwrap_or(i64::MAX),
                    published_by: by.as_uuid(),
                },
                &checked.version_files,
                now,
            )
            .await?;
            txn.commit().await.map_err(ServiceError::internal)?;
            return version_view(&row);
        }
        Err(ServiceError::Conflict {
            field: "draft",
            message: "the draft kept changing while it was being published; publish again".to_owned(),
        })
    }

    /// For a public reader, refuses bytes of files that are not released now (checked at every read, not only at
    /// publishing: a release date can move back into the future).
    async fn refuse_embargoed(&self, s: &Seen, files: &[Uuid]) -> ServiceResult<()> {
        if !s.by_public_access {
            return Ok(());
        }
        let rows = self.file_rows(s.workspace, files).await?;
        let public = s.package.access == PackageAccess::Public.as_str();
        let ws =
            meridian_store::workspaces::find(self.db(), s.workspace).await?.ok_or(ServiceError::NotFound("package"))?;
        let releases = self.dataset_releases(s.workspace, &rows).await?;
        let now = crate::now();
        let withheld = rows.len() < files.len()
            || rows.iter().any(|r| {
                let release = r.release_at.or_else(|| releases.get(&r.dataset_id).copied().flatten());
                !(public && ws.visibility == Visibility::Public && release.is_some_and(|t| t <= now))
            });
        if withheld {
            return Err(ServiceError::Forbidden(
                "a file of this version is under embargo again; the version can be downloaded once it is released",
            ));
        }
        Ok(())
    }

    /// The draft's files as a version would hold them (sorted by path), or why it cannot be published.
    async fn publishable(
        &self,
        access: &Access,
        pid: PackageId,
        package_access: PackageAccess,
        conn: &impl meridian_store::ConnectionTrait,
    ) -> ServiceResult<Publishable> {
        let ws = access.workspace.id;
        let rows = store::draft_files(conn, ws, pid).await?;
        if rows.is_empty() {
            return Err(ServiceError::PublishBlocked {
                reason: "the draft is empty; add files first".to_owned(),
                files: Vec::new(),
            });
        }
        let paths: HashMap<Uuid, String> = rows.iter().map(|(d, _)| (d.file_id, d.path.clone())).collect();
        let file_rows: Vec<_> = rows.into_iter().map(|(_, f)| f).collect();
        let mut files: Vec<DraftFile> = self
            .file_views(access, file_rows)
            .await?
            .into_iter()
            .map(|file| DraftFile { path: paths.get(&file.id.as_uuid()).cloned().unwrap_or_default(), file })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let blocked = blockers(&files, package_access);
        if !blocked.is_empty() {
            return Err(ServiceError::PublishBlocked {
                reason: "these files cannot be published".to_owned(),
                files: blocked,
            });
        }
        let version_files = files
            .iter()
            .map(|f| store::NewVersionFile {
                file_id: f.file.id.as_uuid(),
                path: f.path.clone(),
                size_bytes: f.file.size_bytes,
                sha256: f.file.sha256.clone(),
                object_key: object_key(ws, f.file.id),
            })
            .collect();
        Ok(Publishable { version_files })
    }

    /// A page of the package's published versions, newest first (`cursor`: the last number of the page before).
    pub async fn list_versions(
        &self,
        reader: &Reader<'_>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> ServiceResult<VersionPage> {
        let s = self.seen(reader).await?;
        let limit = meridian_domain::Limit::parse(limit)?.get();
        let before = cursor
            .filter(|c| !c.is_empty())
            .map(|c| c.parse::<i32>().map_err(|_| bad("cursor", "is not a cursor this server issued")))
            .transpose()?;
        let rows = store::list_versions(
            self.db(),
            s.workspace,
            PackageId::from_uuid(s.package.id),
            before,
            u64::from(limit) + 1,
        )
        .await?;
        let more = rows.len() > limit as usize;
        let items = rows.iter().take(limit as usize).map(version_view).collect::<ServiceResult<Vec<_>>>()?;
        let next_cursor = if more { items.last().map(|v| v.number.to_string()) } else { None };
        Ok(VersionPage { items, next_cursor })
    }

    async fn version_of(&self, s: &Seen, number: i32) -> ServiceResult<VersionRow> {
        store::find_version(self.db(), s.workspace, PackageId::from_uuid(s.package.id), number)
            .await?
            .ok_or(ServiceError::NotFound("version"))
    }

    pub async fn get_version(&self, reader: &Reader<'_>, number: i32) -> ServiceResult<VersionView> {
        let s = self.seen(reader).await?;
        version_view(&self.version_of(&s, number).await?)
    }

    /// A version's landing page: the package, the version (`None`: the newest), the others, its files and
    /// citation. 404 when nothing is published.
    pub async fn version_landing(&self, reader: &Reader<'_>, number: Option<i32>) -> ServiceResult<VersionLanding> {
        let s = self.seen(reader).await?;
        let pid = PackageId::from_uuid(s.package.id);
        let versions = store::version_numbers(self.db(), s.workspace, pid, LANDING_VERSIONS).await?;
        let wanted = match number {
            Some(n) => n,
            None => versions.first().map(|v| v.0).ok_or(ServiceError::NotFound("version"))?,
        };
        let row = &self.version_of(&s, wanted).await?;
        let manifest: Manifest = read_json("manifest", &row.manifest)?;
        let version = version_view(row)?;
        let citation = Self::citation_of(&version, self.public_url());
        let latest = versions.first().map(|v| v.0);
        Ok(VersionLanding {
            workspace_slug: s.slug,
            workspace_name: s.workspace_name,
            package: view(s.package, latest)?,
            version,
            versions,
            files: manifest.files,
            citation,
        })
    }

    /// The manifest exactly as published (its SHA-256 is `manifest_sha256`).
    pub async fn version_manifest(&self, reader: &Reader<'_>, number: i32) -> ServiceResult<String> {
        let s = self.seen(reader).await?;
        Ok(self.version_of(&s, number).await?.manifest)
    }

    /// A version as one archive; `range_header` is honoured for tar (a zip is always whole).
    #[tracing::instrument(skip(self, reader, range_header))]
    pub async fn download_archive(
        &self,
        reader: &Reader<'_>,
        number: i32,
        format: ArchiveFormat,
        range_header: Option<&str>,
    ) -> ServiceResult<ArchiveDownload> {
        let s = self.seen(reader).await?;
        let v = self.version_of(&s, number).await?;
        let vid = PackageVersionId::from_uuid(v.id);
        let files = store::version_files(self.db(), s.workspace, vid).await?;
        self.refuse_embargoed(&s, &files.iter().map(|f| f.file_id).collect::<Vec<_>>()).await?;
        let sums: String = files.iter().map(|f| format!("{}  {}\n", f.sha256, f.path)).collect();
        let mut entries = vec![
            Entry { path: "manifest.json".to_owned(), source: Source::Memory(Bytes::from(v.manifest.clone())) },
            Entry { path: "SHA256SUMS".to_owned(), source: Source::Memory(Bytes::from(sums)) },
        ];
        entries.extend(files.into_iter().map(|f| Entry {
            path: f.path,
            source: Source::Object { key: f.object_key, size: u64::try_from(f.size_bytes).unwrap_or(0) },
        }));
        let storage = self.storage()?;
        let slugged: String = s
            .package
            .title
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .take(60)
            .collect();
        let base = format!("{}-v{number}", slugged.trim_matches('-'));
        let mtime = v.published_at.to_utc();
        let out = match format {
            ArchiveFormat::Tar => {
                let layout = TarLayout::new(entries, mtime);
                let size = layout.len();
                let range = crate::data::parse_range(range_header, size)?;
                let (start, end) = match range {
                    Some(r) => {
                        let (a, b) = r.resolve(size).map_err(|_| ServiceError::RangeNotSatisfiable { size })?;
                        (a, b)
                    }
                    None => (0, size - 1),
                };
                ArchiveDownload {
                    file_name: format!("{base}.tar"),
                    content_type: "application/x-tar",
                    size,
                    range: range.map(|_| (start, end)),
                    manifest_sha256: v.manifest_sha256.clone(),
                    body: layout.stream(storage, start, end),
                }
            }
            ArchiveFormat::Zip => {
                let layout = ZipLayout::new(entries, mtime);
                ArchiveDownload {
                    file_name: format!("{base}.zip"),
                    content_type: "application/zip",
                    size: layout.len(),
                    range: None,
                    manifest_sha256: v.manifest_sha256.clone(),
                    body: layout.stream(storage),
                }
            }
        };
        if out.range.is_none_or(|(a, _)| a == 0) {
            store::count_download(self.db(), s.workspace, vid).await?;
        }
        Ok(out)
    }

    /// One file of a version, by its path in the package, with an optional byte range.
    pub async fn download_version_file(
        &self,
        reader: &Reader<'_>,
        number: i32,
        path: &str,
        range_header: Option<&str>,
    ) -> ServiceResult<VersionFileDownload> {
        let s = self.seen(reader).await?;
        let v = self.version_of(&s, number).await?;
        let vid = PackageVersionId::from_uuid(v.id);
        let f =
            store::version_file_at(self.db(), s.workspace, vid, path).await?.ok_or(ServiceError::NotFound("file"))?;
        self.refuse_embargoed(&s, &[f.file_id]).await.map_err(|e| match e {
            ServiceError::Forbidden(_) => ServiceError::NotFound("file"),
            other => other,
        })?;
        let size = u64::try_from(f.size_bytes).unwrap_or(0);
        let range = crate::data::parse_range(range_header, size)?;
        let object = self.storage()?.get(&f.object_key, range).await.map_err(storage_error)?;
        if range.is_none_or(|r| r.start == 0) {
            store::count_download(self.db(), s.workspace, vid).await?;
        }
        Ok(VersionFileDownload { path: f.path, size, sha256: f.sha256, object })
    }

    // -------------------------------------------------------------------------------------------- citation

    /// The citation text and DataCite (schema 4.x) metadata of a version.
    pub async fn version_citation(&self, reader: &Reader<'_>, number: i32) -> ServiceResult<Citation> {
        let s = self.seen(reader).await?;
        let v = version_view(&self.version_of(&s, number).await?)?;
        Ok(Self::citation_of(&v, self.public_url()))
    }

    /// The citation of a version; it points at the version's landing page (`/packages/{id}/versions/{n}`), or its
    /// DOI once minted.
    fn citation_of(v: &VersionView, base_url: &str) -> Citation {
        let m = &v.metadata;
        let names: Vec<&str> = m.authors.iter().map(|a| a.name.as_str()).collect();
        let who = match names.as_slice() {
            [] => PUBLISHER.to_owned(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{}, & {last}", rest.join(", ")),
        };
        let url = format!("{base_url}/packages/{}/versions/{}", v.package_id, v.number);
        let locator = v.doi.as_ref().map_or(url.clone(), |d| format!("https://doi.org/{d}"));
        let text = format!(
            "{who} ({}). {} (Version {}) [Data set]. {PUBLISHER}. {locator}",
            citation_year(v),
            m.title,
            v.number
        );
        let creators: Vec<serde_json::Value> = m
            .authors
            .iter()
            .map(|a| {
                let mut c = serde_json::json!({ "name": a.name, "nameType": "Personal" });
                if let Some(o) = &a.orcid {
                    c["nameIdentifiers"] = serde_json::json!([{
                        "nameIdentifier": o.url(),
                        "nameIdentifierScheme": "ORCID",
                        "schemeUri": "https://orcid.org"
                    }]);
                }
                if let Some(af) = &a.affiliation {
                    c["affiliation"] = serde_json::json!([{ "name": af }]);
                }
                c
            })
            .collect();
        let licence = SpdxId::parse(&m.licence).ok();
        let mut rights = serde_json::json!({
            "rights": m.licence,
            "rightsIdentifier": m.licence.to_lowercase(),
            "rightsIdentifierScheme": "SPDX",
            "schemeUri": "https://spdx.org/licenses/"
        });
        if let Some(u) = licence.as_ref().and_then(SpdxId::url) {
            rights["rightsUri"] = serde_json::json!(u);
        }
        let mut datacite = serde_json::json!({
            "schemaVersion": "http://datacite.org/schema/kernel-4",
            "creators": creators,
            "titles": [{ "title": m.title }],
            "publisher": { "name": PUBLISHER },
            "publicationYear": citation_year(v).to_string(),
            "types": { "resourceTypeGeneral": "Dataset", "resourceType": "Data package" },
            "subjects": m.keywords.iter().map(|k| serde_json::json!({ "subject": k })).collect::<Vec<_>>(),
            "dates": [{ "date": v.published_at.format("%Y-%m-%d").to_string(), "dateType": "Issued" }],
            "sizes": [format!("{} bytes", v.total_bytes), format!("{} files", v.file_count)],
            "formats": ["application/x-tar", "application/zip"],
            "version": v.number.to_string(),
            "rightsList": [rights],
            "descriptions": if m.description.is_empty() { serde_json::json!([]) } else {
                serde_json::json!([{ "description": m.description, "descriptionType": "Abstract" }])
            },
            "url": url,
            "alternateIdentifiers": [{ "alternateIdentifier": v.manifest_sha256, "alternateIdentifierType": "SHA-256 of manifest.json" }],
        });
        if let Some(d) = &v.doi {
            datacite["doi"] = serde_json::json!(d);
            datacite["identifiers"] = serde_json::json!([{ "identifier": d, "identifierType": "DOI" }]);
        } else {
            datacite["identifiers"] = serde_json::json!([{ "identifier": url, "identifierType": "URL" }]);
        }
        Citation { text, datacite }
    }

    /// Records the DOI minted for a version (`None` clears it).
    pub async fn set_version_doi(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        number: i32,
        doi: Option<&str>,
    ) -> ServiceResult<VersionView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let pid = PackageId::from_uuid(p.id);
        let v = store::find_version(self.db(), access.workspace.id, pid, number)
            .await?
            .ok_or(ServiceError::NotFound("version"))?;
        let doi = doi.map(parse_doi).transpose()?;
        store::set_version_doi(self.db(), access.workspace.id, PackageVersionId::from_uuid(v.id), doi).await?;
        let v = store::find_version(self.db(), access.workspace.id, pid, number)
            .await?
            .ok_or(ServiceError::NotFound("version"))?;
        version_view(&v)
    }

    // -------------------------------------------------------------------------------------------- links

    /// Makes a secret link; its token is in the answer and nowhere else (only its hash is kept).
    pub async fn create_package_link(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        label: Option<String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> ServiceResult<LinkView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let by = crate::nights::writer(actor)?;
        let label = label.unwrap_or_default().trim().to_owned();
        if label.chars().count() > 120 || label.chars().any(char::is_control) {
            return Err(bad("label", "must be at most 120 characters"));
        }
        let now = crate::now();
        if expires_at.is_some_and(|t| t <= now) {
            return Err(bad("expires_at", "must be in the future"));
        }
        let latest = now + self.config().share_link_max_age;
        if expires_at.is_some_and(|t| t > latest) {
            return Err(bad(
                "expires_at",
                format!(
                    "must be within {} days (links expire; make a new one later)",
                    self.config().share_link_max_age.num_days()
                ),
            ));
        }
        // A link without a date lasts as long as links may.
        let expires_at = Some(expires_at.unwrap_or(latest));
        let token = format!("mpk_{}", crate::secrets::random_token(24));
        let link = store::NewLink {
            label,
            token_hash: crate::secrets::token_hash(&token),
            expires_at,
            created_by: by.as_uuid(),
        };
        let row =
            store::insert_link(self.db(), access.workspace.id, PackageId::from_uuid(p.id), link, crate::now()).await?;
        Ok(link_view(row, Some(token)))
    }

    pub async fn list_package_links(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<Vec<LinkView>> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        Ok(store::list_links(self.db(), access.workspace.id, PackageId::from_uuid(p.id))
            .await?
            .into_iter()
            .map(|l| link_view(l, None))
            .collect())
    }

    /// Revokes a link; it stops working with the next request.
    pub async fn revoke_package_link(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        link: PackageLinkId,
    ) -> ServiceResult<()> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        if !store::revoke_link(self.db(), access.workspace.id, PackageId::from_uuid(p.id), link, crate::now()).await? {
            return Err(ServiceError::NotFound("link"));
        }
        Ok(())
    }

    // -------------------------------------------------------------------------------------------- holds

    /// Refuses (409, naming the package version) when a published version holds any of `files`.
    pub(crate) async fn refuse_if_held(&self, ws: WorkspaceId, files: &[(Uuid, String)]) -> ServiceResult<()> {
        let ids: Vec<Uuid> = files.iter().map(|(i, _)| *i).collect();
        if let Some(h) = store::holds_on(self.db(), ws, &ids, 1).await?.into_iter().next() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dois() {
        assert_eq!(parse_doi("https://doi.org/10.5281/zenodo.12345").ok().as_deref(), Some("10.5281/zenodo.12345"));
        assert!(parse_doi("10.1/x").is_err());
        assert!(parse_doi("10.1234/").is_err());
        assert!(parse_doi("11.1234/abc").is_err());
    }

    #[test]
    fn default_paths() {
        assert_eq!(default_path("M31 night", "a.fits"), "M31 night/a.fits");
        assert_eq!(default_path("x/y", "a.fits"), "x_y/a.fits");
        assert_eq!(default_path(&"d".repeat(300), "a.fits"), "a.fits");
    }
}
