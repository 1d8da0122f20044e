//! Uploads in one request: the body streams to the object store while its SHA-256 is taken, within a reservation
//! of its bytes; and what every upload ends with: the file committed only while its reservation stands.

use crate::auth::Access;
use crate::data::{
    FileView, UPLOAD_TTL_HOURS, UploadMeta, file_name, is_fits_name, object_key, sha_hex, storage_error,
    upload_content_type, uploader,
};
use crate::jobs::{Job, PushOptions};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::data::DataFile;
use meridian_domain::uploads::{UploadMode, UploadStatus};
use meridian_domain::{Action, DataFileId, DatasetId, IngestStatus, PreviewStatus, Tier, UploadId, WorkspaceId};
use meridian_storage::{ByteStream, PutOptions};
use meridian_store::data as store;
use meridian_store::data::files::NewFile;
use meridian_store::uploads::NewUpload;
use meridian_store::{uploads, workspaces};

impl Services {
    /// Streams one file into a dataset. Refused before any byte is stored when the name or declared checksum is
    /// already there (409) or the plan's quota would be exceeded (413).
    pub async fn upload_file(
        &self,
        actor: &Actor,
        slug: &str,
        dataset: DatasetId,
        meta: UploadMeta,
        body: ByteStream,
    ) -> ServiceResult<FileView> {
        let (access, dataset_id) = self.upload_target(actor, slug, dataset).await?;
        Self::may_set_release(&access, meta.release_at)?;
        let name = file_name(&meta.name)?;
        let fits = is_fits_name(&name);
        let declared = meta.sha256.as_deref().map(|s| s.to_ascii_lowercase());
        let expected_sha256 = declared.as_deref().map(sha_hex).transpose()?;
        let (uploader, via_key) = uploader(actor)?;
        let content_type = upload_content_type(meta.content_type, &name);
        self.refuse_duplicate(access.workspace.id, dataset_id, declared.as_deref(), &name).await?;

        // Reserve the bytes (quota checked under the workspace's write lock, so two uploads cannot both fit the
        // last gigabyte).
        let upload_id = UploadId::new();
        let file_id = DataFileId::new();
        let key = object_key(access.workspace.id, file_id);
        let now = crate::now();
        {
            let txn = meridian_store::begin_write(self.db()).await?;
            workspaces::lock(&txn, access.workspace.id).await?;
            self.check_quota(&txn, access.workspace.id, meta.size).await?;
            uploads::insert(
                &txn,
                access.workspace.id,
                NewUpload {
                    id: upload_id,
                    dataset_id,
                    name: name.clone(),
                    content_type: content_type.clone(),
                    size_bytes: i64::try_from(meta.size).unwrap_or(i64::MAX),
                    sha256: declared.clone(),
                    release_at: meta.release_at,
                    mode: UploadMode::Stream,
                    part_size: 0,
                    object_key: key.clone(),
                    multipart_id: None,
                    client_token: None,
                    created_by: uploader,
                    via_key,
                    expires_at: now + chrono::Duration::hours(UPLOAD_TTL_HOURS),
                },
                now,
            )
            .await?;
            meridian_store::commit(txn).await?;
        }
        let storage = self.storage()?;
        let put = storage
            .put(
                &key,
                body,
                PutOptions {
                    content_type: Some(content_type.clone()),
                    tier: Tier::Hot,
                    expected_size: Some(meta.size),
                    expected_sha256,
                },
            )
            .await;
        let outcome = match put {
            Ok(o) => o,
            Err(e) => {
                uploads::delete_if(self.db(), upload_id, UploadStatus::Open).await?;
                return Err(storage_error(e));
            }
        };
        let sha = hex::encode(outcome.sha256);
        let row = NewFile {
            id: file_id,
            dataset_id,
            name,
            content_type,
            size_bytes: i64::try_from(outcome.size).unwrap_or(i64::MAX),
            sha256: sha.clone(),
            object_key: key.clone(),
            tier: Tier::Hot,
            uploaded_by: uploader,
            uploaded_via_key: via_key,
            release_at: meta.release_at,
            ingest_status: if fits { IngestStatus::Pending } else { IngestStatus::None },
            preview_status: if fits { PreviewStatus::Pending } else { PreviewStatus::None },
        };
        let inserted = self.commit_file(access.workspace.id, upload_id, row, None).await;
        let file = match inserted {
            Ok(f) => f,
            Err(e) => {
                // Refused for certain (a duplicate, a name taken, the reservation gone): the row did not land and
                // the object must not outlive it (a failed delete leaves an object no row points to, which the
                // cleanup job removes). Any other failure may have happened after the commit landed (a connection
                // lost during COMMIT): the object stays, and the cleanup removes it only if no row points to it.
                let refused = matches!(
                    e,
                    ServiceError::Conflict { .. } | ServiceError::DuplicateFile { .. } | ServiceError::Validation(_)
                );
                if refused && let Err(d) = storage.delete(&key).await {
                    tracing::warn!(error = %d, "could not delete the object of a refused upload");
                }
                if let Err(d) = uploads::delete_if(self.db(), upload_id, UploadStatus::Open).await {
                    tracing::warn!(error = %d, "could not drop the reservation of a refused upload; it expires");
                }
                return Err(e);
            }
        };
        Ok(self.file_views(&access, vec![file]).await?.remove(0))
    }

    /// A release date given with an upload publishes the file when it comes (perhaps at once, in a public
    /// workspace): only a caller who may edit data may set one. An `upload` key may add files but not release
    /// them, so a key kept on a telescope computer cannot make embargoed data public.
    pub(crate) fn may_set_release(access: &Access, release_at: Option<DateTime<Utc>>) -> ServiceResult<()> {
        if release_at.is_some() {
            access.require(Action::EditData).map_err(|e| match e {
                ServiceError::Forbidden(_) => ServiceError::Forbidden(
                    "this key may upload files but not set their release date; a member who may edit data sets it",
                ),
                other => other,
            })?;
        }
        Ok(())
    }

    /// The workspace and dataset an upload goes to, for someone allowed to upload (404 for an unknown dataset).
    pub(crate) async fn upload_target(
        &self,
        actor: &Actor,
        slug: &str,
        dataset: DatasetId,
    ) -> ServiceResult<(Access, DatasetId)> {
        let access = self.access(actor, slug).await?;
        access.require(Action::Upload)?;
        let dataset_id = dataset;
        store::datasets::find(self.db(), access.workspace.id, dataset_id)
            .await?
            .ok_or(ServiceError::NotFound("dataset"))?;
        Ok((access, dataset_id))
    }

    pub(crate) async fn refuse_duplicate(
        &self,
        ws: WorkspaceId,
        dataset: DatasetId,
        sha: Option<&str>,
        name: &str,
    ) -> ServiceResult<()> {
        if let Some(existing) = store::files::find_same(self.db(), ws, dataset, sha, Some(name)).await? {
            if sha.is_some_and(|s| s == existing.sha256) {
                return Err(ServiceError::DuplicateFile { id: existing.id, name: existing.name });
            }
            return Err(ServiceError::Conflict {
                field: "name",
                message: format!("this dataset already has a file named {:?} (id {})", existing.name, existing.id),
            });
        }
        Ok(())
    }

    /// Inserts the file row, ends the upload's reservation and queues the file's ingest (FITS) in one
    /// transaction. The reservation goes (a streamed upload), or turns `done` pointing at the file and is kept
    /// until `keep_until` (a resumable one, whose client polls it). Nothing commits unless the reservation is still
    /// there in the state this caller left it (`open` while streaming, `verifying` for a resumable one): a
    /// reservation that expired or was finished by someone else refuses the file (409), and the caller then owns
    /// the object. A file with the same bytes (found now that the checksum is known) is a 409 naming it.
    pub(crate) async fn commit_file(
        &self,
        ws: WorkspaceId,
        upload: UploadId,
        row: NewFile,
        keep_until: Option<DateTime<Utc>>,
    ) -> ServiceResult<DataFile> {
        if let Some(existing) = store::files::find_same(self.db(), ws, row.dataset_id, Some(&row.sha256), None).await? {
            return Err(ServiceError::DuplicateFile { id: existing.id, name: existing.name });
        }
        let txn = meridian_store::begin_write(self.db()).await?;
        let dataset = row.dataset_id;
        let sha = row.sha256.clone();
        let ingest = row.ingest_status == IngestStatus::Pending;
        let now = crate::now();
        let file = match store::files::insert(&txn, ws, row, now).await {
            Ok(f) => f,
            Err(meridian_store::StoreError::Conflict { field: "sha256" }) => {
                drop(txn);
                let existing = store::files::find_same(self.db(), ws, dataset, Some(&sha), None).await?;
                return Err(match existing {
                    Some(e) => ServiceError::DuplicateFile { id: e.id, name: e.name },
                    None => {
                        ServiceError::Conflict { field: "sha256", message: "the same file was just uploaded".into() }
                    }
                });
            }
            Err(e) => return Err(e.into()),
        };
        let kept = match keep_until {
            Some(until) => {
                let done = uploads::UploadChange { file: Some(file.id), expires_at: Some(until), ..Default::default() };
                uploads::transition(&txn, upload, UploadStatus::Verifying, UploadStatus::Done, done, now).await?
            }
            None => uploads::delete_if(&txn, upload, UploadStatus::Open).await?,
        };
        if !kept {
            // Dropping the transaction rolls the file row back.
            return Err(ServiceError::Conflict {
                field: "upload",
                message: "this upload's reservation expired or was finished elsewhere; send the file again".into(),
            });
        }
        if ingest {
            Self::queue_in(&txn, Job::IngestFile { file_id: file.id }, PushOptions::default()).await?;
        }
        meridian_store::commit(txn).await?;
        Ok(file)
    }
}
