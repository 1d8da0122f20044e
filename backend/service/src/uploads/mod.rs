//! Resumable uploads: a file sent in numbered parts that can each be retried, over hours or days, straight to
//! the object store (presigned part URLs on S3) or through the API (any backend).
//!
//! Life of an upload: `create` checks name, duplicate (when the SHA-256 is declared) and quota, starts a
//! multipart upload and reserves the bytes (`open`); parts arrive in any order and may be re-sent; `complete`
//! checks every part is there with its exact size, joins them and hands the object to the `VerifyUpload` job
//! (`verifying`); the job reads the whole object once, checks size and checksum, and commits the file row
//! (`done`, with `file_id`) or deletes the object and says why (`failed`). `abort` throws everything away. The
//! upload's row stays until it expires so that a client can always ask how it ended; the cleanup job aborts
//! what was abandoned.

mod stream;

use crate::auth::Access;
use crate::data::{file_name, is_fits_name, object_key, sha_hex, storage_error, upload_content_type, uploader};
use crate::jobs::{Job, JobFailure, PushOptions};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use meridian_domain::uploads::{Upload, UploadMode, UploadStatus};
use meridian_domain::{Action, DataFileId, DatasetId, Tier, UploadId, ValidationError};
use meridian_domain::{IngestStatus, PreviewStatus};
use meridian_storage::{ByteStream, CompletedPart, PutOptions, StorageError};
use meridian_store::data::files::NewFile;
use meridian_store::uploads::{self, NewUpload, UploadChange};
use meridian_store::workspaces;
use serde::Serialize;
use sha2::Digest as _;

pub use meridian_domain::uploads::{
    DEFAULT_PART_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, part_count, part_length, part_size_for,
};
/// How long an upload may take before the cleanup job treats it as abandoned (and how long its outcome is kept).
const RESUMABLE_TTL_DAYS: i64 = 7;
/// How long a presigned part URL stays valid.
const PART_URL_SECONDS: u64 = 3600;

/// A client's token for an upload: 1 to 100 visible ASCII characters.
fn client_token(t: &str) -> ServiceResult<&str> {
    if t.is_empty() || t.len() > 100 || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ValidationError::new("client_token", "must be 1 to 100 visible ASCII characters").into());
    }
    Ok(t)
}

/// An open upload is answered to a request sent again only while it has at least a day left: one about to expire
/// would refuse the parts of a long transfer.
fn reusable_until() -> DateTime<Utc> {
    crate::now() + chrono::Duration::days(1)
}

/// What starting an upload gave: a new upload, or the caller's open one of the same file begun before.
#[derive(Debug, Clone)]
pub struct StartedUpload {
    pub upload: UploadView,
    /// False when this is an upload begun before (the request was sent again).
    pub new: bool,
}

/// What a request to start an upload asks for beyond [`uploads::SameUpload`]; an open upload that differs in any of
/// these is another upload.
#[derive(Debug, Clone, Copy)]
struct Wanted<'a> {
    sha256: Option<&'a str>,
    part_size: u64,
    release_at: Option<DateTime<Utc>>,
    content_type: &'a str,
}

impl Wanted<'_> {
    fn is(&self, u: &Upload) -> bool {
        use chrono::SubsecRound as _;
        u.sha256.as_deref() == self.sha256
            && u64::try_from(u.part_size).ok() == Some(self.part_size)
            && u.release_at.map(|t| t.trunc_subsecs(6)) == self.release_at.map(|t| t.trunc_subsecs(6))
            && u.content_type == self.content_type
    }
}

#[derive(Debug, Clone, Default)]
pub struct ResumableInput {
    pub name: Option<String>,
    pub size: Option<u64>,
    /// Hex; when given, a file with the same bytes is refused at once and the joined object must match it.
    pub sha256: Option<String>,
    pub content_type: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
    /// Bytes per part (5 MiB to 5 GiB); raised when the file would need more than 10,000 parts.
    pub part_size: Option<u64>,
    /// The client's own name for this upload: a request sent again with it is answered the upload it began.
    pub client_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedPart {
    pub number: u32,
    pub size: u64,
    pub etag: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UploadView {
    pub id: UploadId,
    pub dataset_id: DatasetId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: Option<String>,
    pub part_size: u64,
    pub part_count: u32,
    pub status: UploadStatus,
    pub error: Option<String>,
    /// The file this upload became, once `done`.
    pub file_id: Option<DataFileId>,
    /// Parts the store holds so far (while `open`): what a resuming client need not send again.
    pub parts: Vec<ReceivedPart>,
    /// Whether parts can go straight to the object store through presigned URLs (S3); otherwise they go
    /// through the API.
    pub direct: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Where to send one part: a presigned request to the object store, or `None` for the API's part route.
#[derive(Debug, Clone)]
pub struct PartTarget {
    pub number: u32,
    pub size: u64,
    pub presigned: Option<meridian_storage::PresignedRequest>,
}

fn upload_view(u: &Upload, parts: Vec<ReceivedPart>, direct: bool) -> UploadView {
    let size = u64::try_from(u.size_bytes).unwrap_or(0);
    let part_size = u64::try_from(u.part_size).unwrap_or(MIN_PART_SIZE).max(1);
    UploadView {
        id: u.id,
        dataset_id: u.dataset_id,
        name: u.name.clone(),
        content_type: u.content_type.clone(),
        size_bytes: size,
        sha256: u.sha256.clone(),
        part_size,
        part_count: part_count(size, part_size),
        status: u.status,
        error: u.error.clone(),
        file_id: u.file_id,
        parts,
        direct,
        created_at: u.created_at,
        expires_at: u.expires_at,
    }
}

impl Services {
    fn direct_uploads(&self) -> bool {
        self.storage().is_ok_and(|s| s.kind() == meridian_storage::BackendKind::S3)
    }

    /// The resumable upload `id` of this workspace (404 otherwise; the same 404 to anyone who may not upload).
    async fn resumable(&self, access: &Access, id: UploadId) -> ServiceResult<Upload> {
        access.require(Action::Upload)?;
        uploads::find(self.db(), access.workspace.id, id)
            .await?
            .filter(|u| u.mode == UploadMode::Parts)
            .ok_or(ServiceError::NotFound("upload"))
    }

    async fn received_parts(&self, u: &Upload) -> ServiceResult<Vec<ReceivedPart>> {
        let (Some(mp), UploadStatus::Open) = (&u.multipart_id, u.status) else {
            return Ok(Vec::new());
        };
        let listed = self.storage()?.list_parts(&u.object_key, mp).await.map_err(storage_error)?;
        // A server may list a re-sent part twice (SeaweedFS): the last one listed is the one that counts.
        let mut by_number = std::collections::BTreeMap::new();
        for (p, size) in listed {
            by_number.insert(p.part_number, ReceivedPart { number: p.part_number, size, etag: p.etag });
        }
        Ok(by_number.into_values().collect())
    }

    /// Starts a resumable upload into a dataset. Refused at once (nothing stored) when the name or the declared
    /// SHA-256 is already in the dataset (409) or the plan's quota would be exceeded (413). When the caller already
    /// has an open upload of the same file here (same name, size, declared checksum, part size, release date and
    /// type: a request sent again because its answer was lost), that one is answered, with the parts it has, so a
    /// retry never leaves a second upload holding quota until it expires. Only with a declared checksum or the
    /// client's token for the upload: without either, an edited file of the same name and size would be finished
    /// from the parts of the earlier one.
    pub async fn create_upload(
        &self,
        actor: &Actor,
        slug: &str,
        dataset: DatasetId,
        input: ResumableInput,
    ) -> ServiceResult<StartedUpload> {
        let (access, dataset_id) = self.upload_target(actor, slug, dataset).await?;
        Self::may_set_release(&access, input.release_at)?;
        let name = file_name(input.name.as_deref().ok_or_else(|| ValidationError::new("name", "is required"))?)?;
        let size = input.size.ok_or_else(|| ValidationError::new("size", "is required (bytes)"))?;
        let part_size = part_size_for(size, input.part_size)?;
        let declared = input.sha256.as_deref().map(str::to_ascii_lowercase);
        if let Some(d) = declared.as_deref() {
            sha_hex(d)?;
        }
        let content_type = upload_content_type(input.content_type, &name);
        let token = input.client_token.as_deref().map(client_token).transpose()?;
        let (uploader, via_key) = uploader(actor)?;
        self.refuse_duplicate(access.workspace.id, dataset_id, declared.as_deref(), &name).await?;
        let size_bytes = i64::try_from(size).unwrap_or(i64::MAX);
        // Only a declared checksum or the client's token makes a repeated request the same upload.
        let same = (declared.is_some() || token.is_some()).then(|| uploads::SameUpload {
            dataset: dataset_id,
            name: &name,
            size_bytes,
            sha256: declared.as_deref(),
            client_token: token,
            created_by: uploader,
        });
        let wanted = Wanted {
            sha256: declared.as_deref(),
            part_size,
            release_at: input.release_at,
            content_type: &content_type,
        };
        if let Some(same) = same
            && let Some(earlier) = uploads::find_open_same(self.db(), access.workspace.id, same, reusable_until())
                .await?
                .filter(|u| wanted.is(u))
        {
            return self.started_before(earlier).await;
        }
        // A cheap first look, so that an upload over quota does not even start a multipart upload.
        self.check_quota(self.db(), access.workspace.id, size).await?;

        // The upload's id is also its file's id (and so names the object): a retried job finds both.
        let id = UploadId::new();
        let key = object_key(access.workspace.id, id.file_id());
        let storage = self.storage()?;
        // Size and checksum are checked by the verifying job, the same way on every backend.
        let opts = PutOptions { content_type: Some(content_type.clone()), tier: Tier::Hot, ..PutOptions::default() };
        let multipart = storage.create_multipart(&key, opts).await.map_err(storage_error)?;
        let now = crate::now();
        let row = async {
            let txn = meridian_store::begin_write(self.db()).await?;
            workspaces::lock(&txn, access.workspace.id).await?;
            // Looked for again under the workspace's lock: the first request, still running, may just have made it.
            if let Some(same) = same
                && let Some(earlier) = uploads::find_open_same(&txn, access.workspace.id, same, reusable_until())
                    .await?
                    .filter(|u| wanted.is(u))
            {
                return Ok(Err(earlier));
            }
            self.check_quota(&txn, access.workspace.id, size).await?;
            let row = uploads::insert(
                &txn,
                access.workspace.id,
                NewUpload {
                    id,
                    dataset_id,
                    name: name.clone(),
                    content_type: content_type.clone(),
                    size_bytes,
                    sha256: declared.clone(),
                    release_at: input.release_at,
                    mode: UploadMode::Parts,
                    part_size: i64::try_from(part_size).unwrap_or(i64::MAX),
                    object_key: key.clone(),
                    multipart_id: Some(multipart.clone()),
                    client_token: token.map(str::to_owned),
                    created_by: uploader,
                    via_key,
                    expires_at: now + chrono::Duration::days(RESUMABLE_TTL_DAYS),
                },
                now,
            )
            .await?;
            meridian_store::commit(txn).await?;
            Ok::<_, ServiceError>(Ok(row))
        }
        .await;
        match row {
            Ok(Ok(row)) => {
                Ok(StartedUpload { upload: upload_view(&row, Vec::new(), self.direct_uploads()), new: true })
            }
            Ok(Err(earlier)) => {
                // No row points at this one (the cleanup job finds only multipart uploads with rows).
                if let Err(e) = storage.abort_multipart(&key, &multipart).await {
                    tracing::warn!(error = %e, key, "could not abort an unused multipart upload; its parts stay");
                }
                self.started_before(earlier).await
            }
            Err(e) => {
                // Aborted only when no row points at it: a commit whose answer was lost may have saved the row,
                // and then the multipart upload is the row's (the cleanup job aborts it when the row expires).
                if matches!(uploads::find_any(self.db(), id).await, Ok(None)) {
                    let _ = storage.abort_multipart(&key, &multipart).await;
                }
                Err(e)
            }
        }
    }

    /// An upload begun before, as its creation answers it: with the parts it has.
    async fn started_before(&self, u: Upload) -> ServiceResult<StartedUpload> {
        let parts = self.received_parts(&u).await?;
        Ok(StartedUpload { upload: upload_view(&u, parts, self.direct_uploads()), new: false })
    }

    /// The uploads of a workspace still open or being verified, newest first (to resume one from another
    /// process).
    pub async fn list_uploads(&self, actor: &Actor, slug: &str) -> ServiceResult<Vec<UploadView>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::Upload)?;
        let direct = self.direct_uploads();
        Ok(uploads::list(self.db(), access.workspace.id, UploadStatus::IN_FLIGHT)
            .await?
            .into_iter()
            .filter(|u| u.mode == UploadMode::Parts)
            .map(|u| upload_view(&u, Vec::new(), direct))
            .collect())
    }

    /// An upload with the parts received so far.
    pub async fn get_upload(&self, actor: &Actor, slug: &str, id: UploadId) -> ServiceResult<UploadView> {
        let access = self.access(actor, slug).await?;
        let u = self.resumable(&access, id).await?;
        let parts = self.received_parts(&u).await?;
        Ok(upload_view(&u, parts, self.direct_uploads()))
    }

    fn require_open(u: &Upload) -> ServiceResult<&str> {
        match (u.status, &u.multipart_id) {
            (UploadStatus::Open, Some(mp)) if u.expires_at > crate::now() => Ok(mp),
            (UploadStatus::Open, _) => {
                Err(ServiceError::Conflict { field: "status", message: "this upload has expired".to_owned() })
            }
            (s, _) => Err(ServiceError::Conflict {
                field: "status",
                message: format!("this upload is {} and takes no more parts", s.as_str()),
            }),
        }
    }

    fn check_part_number(u: &Upload, number: u32) -> ServiceResult<u64> {
        let size = u64::try_from(u.size_bytes).unwrap_or(0);
        let part_size = u64::try_from(u.part_size).unwrap_or(MIN_PART_SIZE).max(1);
        let count = part_count(size, part_size);
        if !(1..=count).contains(&number) {
            return Err(ValidationError::new("part", format!("must be between 1 and {count}")).into());
        }
        Ok(part_length(size, part_size, number))
    }

    /// Where to send the given parts: presigned PUTs to the object store on S3 (valid for an hour, the exact
    /// length signed), or `presigned: None` for the API's part route.
    pub async fn upload_part_targets(
        &self,
        actor: &Actor,
        slug: &str,
        id: UploadId,
        numbers: &[u32],
    ) -> ServiceResult<Vec<PartTarget>> {
        let access = self.access(actor, slug).await?;
        let u = self.resumable(&access, id).await?;
        let mp = Self::require_open(&u)?;
        if numbers.is_empty() || numbers.len() > 1000 {
            return Err(ValidationError::new("parts", "must name 1 to 1000 part numbers").into());
        }
        let storage = self.storage()?;
        let mut out = Vec::with_capacity(numbers.len());
        for &number in numbers {
            let size = Self::check_part_number(&u, number)?;
            let presigned = storage
                .presign_part(&u.object_key, mp, number, size, std::time::Duration::from_secs(PART_URL_SECONDS))
                .await
                .map_err(storage_error)?;
            out.push(PartTarget { number, size, presigned });
        }
        Ok(out)
    }

    /// Receives one part through the API (streamed). `size` is the request's length, which must be the part's.
    /// A part sent again replaces the earlier one.
    pub async fn put_upload_part(
        &self,
        actor: &Actor,
        slug: &str,
        id: UploadId,
        number: u32,
        size: u64,
        body: ByteStream,
    ) -> ServiceResult<ReceivedPart> {
        let access = self.access(actor, slug).await?;
        let u = self.resumable(&access, id).await?;
        let mp = Self::require_open(&u)?;
        let expected = Self::check_part_number(&u, number)?;
        if size != expected {
            return Err(ValidationError::new(
                "content-length",
                format!("part {number} has {expected} bytes; the request declared {size}"),
            )
            .into());
        }
        let etag = self.storage()?.upload_part(&u.object_key, mp, number, body, size).await.map_err(|e| match e {
            StorageError::NoSuchUpload => {
                ServiceError::Conflict { field: "status", message: "this upload was aborted".to_owned() }
            }
            other => storage_error(other),
        })?;
        Ok(ReceivedPart { number, size, etag })
    }

    /// Joins the parts and hands the object to verification (202: poll the upload until `done` or `failed`).
    /// `parts` are the etags the store answered (needed when the parts went straight to S3: some servers list
    /// every copy of a re-sent part); without them the parts the store lists are used. Completing twice answers
    /// the upload as it is.
    pub async fn complete_upload(
        &self,
        actor: &Actor,
        slug: &str,
        id: UploadId,
        parts: Option<Vec<CompletedPart>>,
    ) -> ServiceResult<UploadView> {
        let access = self.access(actor, slug).await?;
        let u = self.resumable(&access, id).await?;
        let direct = self.direct_uploads();
        if u.status != UploadStatus::Open {
            return Ok(upload_view(&u, Vec::new(), direct));
        }
        let mp = Self::require_open(&u)?.to_owned();
        let received = self.received_parts(&u).await?;
        let size = u64::try_from(u.size_bytes).unwrap_or(0);
        let part_size = u64::try_from(u.part_size).unwrap_or(MIN_PART_SIZE).max(1);
        let count = part_count(size, part_size);
        let missing: Vec<String> = (1..=count)
            .filter(|n| !received.iter().any(|p| p.number == *n && p.size == part_length(size, part_size, *n)))
            .map(|n| n.to_string())
            .collect();
        if !missing.is_empty() {
            let shown = missing.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
            let more = if missing.len() > 20 { format!(" and {} more", missing.len() - 20) } else { String::new() };
            return Err(ServiceError::Conflict {
                field: "parts",
                message: format!("parts missing or of the wrong size: {shown}{more}"),
            });
        }
        let parts = match parts {
            Some(mut given) => {
                given.sort_by_key(|p| p.part_number);
                given.dedup_by_key(|p| p.part_number);
                if given.len() != received.len() || given.iter().zip(&received).any(|(g, r)| g.part_number != r.number)
                {
                    return Err(
                        ValidationError::new("parts", format!("must list parts 1 to {count}, each once")).into()
                    );
                }
                given
            }
            None => received.iter().map(|p| CompletedPart { part_number: p.number, etag: p.etag.clone() }).collect(),
        };
        // First claim it (so a concurrent complete or abort cannot also act), then join the parts.
        let now = crate::now();
        if !uploads::transition(
            self.db(),
            u.id,
            UploadStatus::Open,
            UploadStatus::Verifying,
            UploadChange::default(),
            now,
        )
        .await?
        {
            let now = uploads::find_any(self.db(), u.id).await?.ok_or(ServiceError::NotFound("upload"))?;
            return Ok(upload_view(&now, Vec::new(), direct));
        }
        let storage = self.storage()?;
        let joined = storage.complete_multipart(&u.object_key, &mp, &parts).await;
        if let Err(StorageError::InvalidPart(m)) = joined {
            // The store refused these parts, for certain: back to open, the client may resend a part and complete
            // again.
            uploads::transition(
                self.db(),
                u.id,
                UploadStatus::Verifying,
                UploadStatus::Open,
                UploadChange::default(),
                crate::now(),
            )
            .await?;
            return Err(ValidationError::new("parts", m).into());
        }
        // Joined, or an answer we cannot trust either way (a timeout, a 5xx: the store may have joined the parts
        // and lost its answer). Either way the upload is `verifying` with its check queued, in the same
        // transaction that gives it its new life span (kept a week from now, so a client can always learn how it
        // ended): the check finds the joined object and commits it, or finds the parts unjoined and opens the
        // upload again. Whatever happened meanwhile (a sweep that found the join taking long and reopened it), a
        // join that succeeded claims the upload back. Should this transaction fail, or the server stop before it,
        // the sweep finds the upload `verifying` without a job and queues one.
        let txn = meridian_store::begin_write(self.db()).await?;
        let kept_until = crate::now() + chrono::Duration::days(RESUMABLE_TTL_DAYS);
        if !uploads::reclaim(&txn, u.id, UploadStatus::IN_FLIGHT, UploadStatus::Verifying, kept_until, crate::now())
            .await?
        {
            return Err(ServiceError::Conflict { field: "status", message: "this upload changed meanwhile".into() });
        }
        Self::queue_in(&txn, Job::VerifyUpload { upload_id: u.id }, PushOptions::default()).await?;
        meridian_store::commit(txn).await?;
        if let Err(e) = joined {
            return Err(storage_error(e));
        }
        let now = uploads::find_any(self.db(), u.id).await?.ok_or(ServiceError::NotFound("upload"))?;
        Ok(upload_view(&now, Vec::new(), direct))
    }

    /// Throws an open upload away with its parts and its reservation.
    pub async fn abort_upload(&self, actor: &Actor, slug: &str, id: UploadId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let u = self.resumable(&access, id).await?;
        match u.status {
            UploadStatus::Open => {}
            UploadStatus::Failed => {
                uploads::delete(self.db(), u.id).await?;
                return Ok(());
            }
            s => {
                return Err(ServiceError::Conflict {
                    field: "status",
                    message: format!("this upload is {}; delete its file instead", s.as_str()),
                });
            }
        }
        // Claimed first, like `complete`, so that an abort cannot pull the parts from under a completion.
        let aborted = UploadChange { error: Some("aborted".to_owned()), ..UploadChange::default() };
        if !uploads::transition(self.db(), u.id, UploadStatus::Open, UploadStatus::Failed, aborted, crate::now())
            .await?
        {
            return Err(ServiceError::Conflict { field: "status", message: "this upload is being completed".into() });
        }
        let storage = self.storage()?;
        if let Some(mp) = &u.multipart_id {
            storage.abort_multipart(&u.object_key, mp).await.map_err(storage_error)?;
        }
        uploads::delete(self.db(), u.id).await?;
        Ok(())
    }

    /// The `VerifyUpload` job: reads the joined object once, checks its size and declared checksum, and commits
    /// the file (or deletes the object and records why not). Idempotent: a retry finds `done`/`failed` and stops,
    /// or reads the object again.
    pub(crate) async fn verify_upload(&self, upload_id: UploadId) -> Result<(), JobFailure> {
        let retry = |e: &(dyn std::error::Error + 'static)| JobFailure::retry_in("", e);
        let Some(u) = uploads::find_any(self.db(), upload_id).await.map_err(|e| retry(&e))? else {
            return Ok(()); // aborted, expired or its dataset deleted
        };
        if u.status != UploadStatus::Verifying {
            return Ok(());
        }
        let storage = self.storage().map_err(|e| retry(&e))?;
        let got = match storage.get(&u.object_key, None).await {
            Ok(g) => g,
            Err(StorageError::NotFound) => return self.unjoined_upload(&u).await,
            Err(e) => return Err(retry(&e)),
        };
        let mut hasher = sha2::Sha256::new();
        let mut size = 0_u64;
        let mut body = got.body;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| retry(&e))?;
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        let sha = hex::encode(hasher.finalize());
        let declared_size = u64::try_from(u.size_bytes).unwrap_or(0);
        if size != declared_size {
            return self
                .fail_upload(&u, format!("the parts joined to {size} bytes; {declared_size} were declared"))
                .await;
        }
        if u.sha256.as_deref().is_some_and(|d| d != sha) {
            return self.fail_upload(&u, format!("the bytes have SHA-256 {sha}, not the declared one")).await;
        }
        let fits = is_fits_name(&u.name);
        let file_id = u.id.file_id();
        let row = NewFile {
            id: file_id,
            dataset_id: u.dataset_id,
            name: u.name.clone(),
            content_type: u.content_type.clone(),
            size_bytes: u.size_bytes,
            sha256: sha,
            object_key: u.object_key.clone(),
            tier: Tier::Hot,
            uploaded_by: u.created_by,
            uploaded_via_key: u.via_key,
            release_at: u.release_at,
            ingest_status: if fits { IngestStatus::Pending } else { IngestStatus::None },
            preview_status: if fits { PreviewStatus::Pending } else { PreviewStatus::None },
        };
        let ws = u.workspace_id;
        let kept_until = crate::now() + chrono::Duration::days(RESUMABLE_TTL_DAYS);
        let refused = match self.commit_file(ws, u.id, row, Some(kept_until)).await {
            Ok(_) => return Ok(()),
            Err(ServiceError::DuplicateFile { id, name }) => {
                format!("the same bytes are already in the dataset as {name:?} (id {id})")
            }
            Err(ServiceError::Conflict { message, .. }) => message,
            Err(e) => return Err(retry(&e)),
        };
        // Refused, unless another run of this job committed the file meanwhile (then its id is taken and the
        // upload is `done`): only an upload still being verified may be failed, and its object deleted.
        match uploads::find_any(self.db(), u.id).await.map_err(|e| retry(&e))? {
            Some(now) if now.status == UploadStatus::Verifying => self.fail_upload(&u, refused).await,
            _ => Ok(()),
        }
    }

    /// The verifying job found no joined object. If the multipart upload is still there, the server stopped
    /// between claiming the upload and joining its parts: the parts are kept and the upload is open again for the
    /// client to complete once more. Otherwise the bytes are gone and the upload has failed.
    async fn unjoined_upload(&self, u: &Upload) -> Result<(), JobFailure> {
        let retry = |e: &(dyn std::error::Error + 'static)| JobFailure::retry_in("", e);
        let storage = self.storage().map_err(|e| retry(&e))?;
        if let Some(mp) = &u.multipart_id {
            match storage.list_parts(&u.object_key, mp).await {
                Ok(_) => {
                    let again = UploadChange {
                        error: Some(
                            "the server stopped before the parts were joined; complete the upload again".into(),
                        ),
                        ..UploadChange::default()
                    };
                    uploads::transition(
                        self.db(),
                        u.id,
                        UploadStatus::Verifying,
                        UploadStatus::Open,
                        again,
                        crate::now(),
                    )
                    .await
                    .map_err(|e| retry(&e))?;
                    return Ok(());
                }
                Err(StorageError::NoSuchUpload | StorageError::NotFound) => {}
                Err(e) => return Err(retry(&e)),
            }
        }
        self.fail_upload(u, "the joined object is missing from storage".to_owned()).await
    }

    /// Fails an upload that is being verified, then deletes its object. In this order: once the upload is
    /// `failed` nothing else may commit it, so the object is nobody's; a crash before the delete leaves an object
    /// without a row, which the cleanup removes.
    async fn fail_upload(&self, u: &Upload, reason: String) -> Result<(), JobFailure> {
        let retry = |e: &(dyn std::error::Error + 'static)| JobFailure::retry_in("", e);
        let change = UploadChange { error: Some(reason), ..UploadChange::default() };
        if !uploads::transition(self.db(), u.id, UploadStatus::Verifying, UploadStatus::Failed, change, crate::now())
            .await
            .map_err(|e| retry(&e))?
        {
            return Ok(());
        }
        self.storage().map_err(|e| retry(&e))?.delete(&u.object_key).await.map_err(|e| retry(&e))?;
        Ok(())
    }
}
