//! Publishing a draft as an immutable, numbered version (manifest, checksums, the files held), and reading
//! versions: lists, landing pages, manifests and single files.

use super::drafts::blockers;
use super::{
    DraftFile, LANDING_VERSIONS, Publishable, Reader, Seen, VersionFileDownload, VersionLanding, VersionPage,
    VersionView, read_json, version_view, view,
};
use crate::auth::Access;
use crate::data::{object_key, storage_error};
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::packages::{Manifest, ManifestFile, PackageVersion, VersionMetadata};
use meridian_domain::{Action, DataFileId, PackageAccess, PackageId, Visibility};
use meridian_store::packages as store;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;

impl Services {
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
        actor.require_verified()?;
        let ws = access.workspace.id;
        let pid = p.id;
        let storage = self.storage()?;
        let package_access = p.access;
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
            let number = store::versions::last_number(&txn, ws, pid).await? + 1;
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
                authors: p.authors.clone(),
                keywords: p.keywords.clone(),
                licence: p.licence.clone(),
            };
            let row = store::versions::insert(
                &txn,
                ws,
                pid,
                store::versions::NewVersion {
                    number,
                    metadata: metadata.clone(),
                    manifest: manifest_json,
                    manifest_sha256,
                    total_bytes: i64::try_from(total_bytes).unwrap_or(i64::MAX),
                    file_count: i64::try_from(checked.version_files.len()).unwrap_or(i64::MAX),
                    published_by: by,
                },
                &checked.version_files,
                now,
            )
            .await?;
            meridian_store::commit(txn).await?;
            return version_view(&row);
        }
        Err(ServiceError::Conflict {
            field: "draft",
            message: "the draft kept changing while it was being published; publish again".to_owned(),
        })
    }

    /// For a public reader, refuses bytes of files that are not released now (checked at every read, not only at
    /// publishing: a release date can move back into the future).
    pub(super) async fn refuse_embargoed(&self, s: &Seen, files: &[DataFileId]) -> ServiceResult<()> {
        if !s.by_public_access {
            return Ok(());
        }
        let rows = self.file_rows(s.workspace, files).await?;
        let public = s.package.access == PackageAccess::Public;
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
        let rows = store::drafts::files(conn, ws, pid).await?;
        if rows.is_empty() {
            return Err(ServiceError::PublishBlocked {
                reason: "the draft is empty; add files first".to_owned(),
                files: Vec::new(),
            });
        }
        let paths: HashMap<DataFileId, String> = rows.iter().map(|(d, _)| (d.file_id, d.path.clone())).collect();
        let file_rows: Vec<_> = rows.into_iter().map(|(_, f)| f).collect();
        let mut files: Vec<DraftFile> = self
            .file_views(access, file_rows)
            .await?
            .into_iter()
            .map(|file| DraftFile { path: paths.get(&file.id).cloned().unwrap_or_default(), file })
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
            .map(|f| store::versions::NewVersionFile {
                file_id: f.file.id,
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
        // This list's cursor is the version number itself (not base64, as it always was).
        let page = meridian_domain::PageRequest {
            limit: meridian_domain::Limit::parse(limit)?,
            after: cursor.filter(|c| !c.is_empty()).map(str::to_owned),
        };
        let limit = page.limit.get();
        let rows = store::versions::list(self.db(), s.workspace, s.package.id, &page).await?;
        let more = rows.len() > limit as usize;
        let items = rows.iter().take(limit as usize).map(version_view).collect::<ServiceResult<Vec<_>>>()?;
        let next_cursor = if more { items.last().map(|v| meridian_store::page::key(&v.number)) } else { None };
        Ok(VersionPage { items, next_cursor })
    }

    pub(super) async fn version_of(&self, s: &Seen, number: i32) -> ServiceResult<PackageVersion> {
        store::versions::find(self.db(), s.workspace, s.package.id, number)
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
        let pid = s.package.id;
        let versions = store::versions::numbers(self.db(), s.workspace, pid, LANDING_VERSIONS).await?;
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
        let vid = v.id;
        let f =
            store::versions::file_at(self.db(), s.workspace, vid, path).await?.ok_or(ServiceError::NotFound("file"))?;
        self.refuse_embargoed(&s, &[f.file_id]).await.map_err(|e| match e {
            ServiceError::Forbidden(_) => ServiceError::NotFound("file"),
            other => other,
        })?;
        let size = u64::try_from(f.size_bytes).unwrap_or(0);
        let range = crate::data::parse_range(range_header, size)?;
        let object = self.storage()?.get(&f.object_key, range).await.map_err(storage_error)?;
        if range.is_none_or(|r| r.start == 0) {
            store::versions::count_download(self.db(), s.workspace, vid).await?;
        }
        Ok(VersionFileDownload { path: f.path, size, sha256: f.sha256, object })
    }
}
