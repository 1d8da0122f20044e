//! Streamed uploads: one PutObject for a body that fits in a part, else a multipart upload with up to
//! `concurrency` parts in flight. The SHA-256 of the whole body is computed on the way; the expected size and
//! checksum are checked before the upload is completed, so a wrong body never becomes visible.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::task::JoinSet;

use super::errors::map_error;
use super::{MAX_PART_NUMBER, S3Store};
use crate::body::Tally;
use crate::config::MAX_PART_SIZE;
use crate::{ByteStream, PutOptions, PutOutcome, StorageError};

type PartResult = Result<CompletedPart, StorageError>;

/// Where streamed uploads run: a small multi-threaded runtime of their own, not the caller's thread. A web
/// server's request handlers share one thread per worker; an upload there did the whole-body SHA-256, cutting the
/// parts and driving every part's request on that one thread, and ran at a third of `aws s3 cp` with a core idle.
/// `None` if its threads cannot be started (the upload then runs where it is called).
pub(super) fn upload_runtime() -> Option<&'static tokio::runtime::Runtime> {
    static RUNTIME: std::sync::OnceLock<Option<tokio::runtime::Runtime>> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads)
                .thread_name("s3-upload")
                .enable_all()
                .build()
                .inspect_err(|e| tracing::warn!(error = %e, "no upload runtime; uploads run on the caller's thread"))
                .ok()
        })
        .as_ref()
}

/// Cancels a spawned task when dropped (a finished task is not affected).
pub(super) struct AbortOnDrop(pub(super) tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Room beyond a part for the chunk that crosses its end (request bodies arrive in chunks of tens of KiB).
const CHUNK_SLACK: usize = 256 * 1024;

/// Aborts a multipart upload unless disarmed: when dropped (the `put` future dropped because the client went
/// away) it spawns the abort, since a drop cannot await.
pub(super) struct AbortGuard {
    client: Client,
    bucket: String,
    key: String,
    upload_id: String,
    armed: bool,
}

impl AbortGuard {
    pub(super) fn new(client: &Client, bucket: &str, key: &str, upload_id: &str) -> Self {
        Self {
            client: client.clone(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            upload_id: upload_id.to_owned(),
            armed: true,
        }
    }

    pub(super) fn disarm(mut self) {
        self.armed = false;
    }

    /// Aborts now and waits for the answer.
    pub(super) async fn abort(mut self) {
        self.armed = false;
        abort(self.client.clone(), self.bucket.clone(), self.key.clone(), self.upload_id.clone()).await;
        let (client, bucket, key, upload_id) =
            (self.client.clone(), self.bucket.clone(), self.key.clone(), self.upload_id.clone());
        tokio::spawn(abort_again_later(client, bucket, key, upload_id));
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (client, bucket, key, upload_id) =
            (self.client.clone(), self.bucket.clone(), self.key.clone(), self.upload_id.clone());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    abort(client.clone(), bucket.clone(), key.clone(), upload_id.clone()).await;
                    abort_again_later(client, bucket, key, upload_id).await;
                });
            }
            Err(_) => tracing::warn!(%key, %upload_id, "multipart upload left pending: no runtime to abort it"),
        }
    }
}

async fn abort(client: Client, bucket: String, key: String, upload_id: String) {
    let result = client.abort_multipart_upload().bucket(bucket).key(&key).upload_id(&upload_id).send().await;
    match result.map_err(map_error) {
        Ok(_) | Err(StorageError::NoSuchUpload) => tracing::debug!(%key, %upload_id, "multipart upload aborted"),
        Err(e) => tracing::warn!(%key, %upload_id, error = %e, "could not abort a multipart upload"),
    }
}

/// A part request cut off at the moment of the abort may still land after it, and some servers (Ceph RGW under
/// load) then list the upload again: abort once more a little later. Aborting an aborted upload is harmless.
async fn abort_again_later(client: Client, bucket: String, key: String, upload_id: String) {
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    abort(client, bucket, key, upload_id).await;
}

/// Where parts go.
#[derive(Clone)]
struct Target {
    client: Client,
    bucket: String,
    key: String,
    upload_id: String,
    checksums: bool,
}

/// One part, sent with its own SHA-256 when checksums are on.
async fn upload_part(target: Target, number: i32, data: Bytes) -> PartResult {
    let checksum = target.checksums.then(|| BASE64.encode(Sha256::digest(&data)));
    let out = target
        .client
        .upload_part()
        .bucket(target.bucket)
        .key(target.key)
        .upload_id(target.upload_id)
        .part_number(number)
        .content_length(i64::try_from(data.len()).unwrap_or(i64::MAX))
        .set_checksum_sha256(checksum.clone())
        .body(SdkByteStream::from(data))
        .send()
        .await
        .map_err(map_error)?;
    Ok(CompletedPart::builder().part_number(number).set_e_tag(out.e_tag).set_checksum_sha256(checksum).build())
}

impl S3Store {
    /// The part size for a body: the configured one, or larger when an announced size would need more than
    /// 10,000 parts.
    fn part_size_for(&self, expected_size: Option<u64>) -> usize {
        let needed = expected_size.map_or(0, |size| size.div_ceil(u64::from(MAX_PART_NUMBER)));
        usize::try_from(self.part_size.max(needed).min(MAX_PART_SIZE)).unwrap_or(usize::MAX)
    }

    pub(super) async fn put_streamed(
        &self,
        key: &str,
        mut body: ByteStream,
        opts: PutOptions,
    ) -> Result<PutOutcome, StorageError> {
        let part_size = self.part_size_for(opts.expected_size);
        let mut tally = Tally::new(opts.expected_size);
        // Sized once: a buffer left to grow by doubling holds up to twice a part, per part in flight.
        let first = opts
            .expected_size
            .and_then(|s| usize::try_from(s).ok())
            .map_or(CHUNK_SLACK, |s| s.saturating_add(1))
            .min(part_size + CHUNK_SLACK);
        let mut buffer = BytesMut::with_capacity(first);
        // Read one byte past a part to know whether a single PutObject will do.
        while buffer.len() <= part_size {
            match body.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    tally.update(&chunk)?;
                    buffer.extend_from_slice(&chunk);
                }
                None => {
                    let outcome = tally.finish(opts.expected_sha256.as_ref())?;
                    self.put_single(key, buffer.freeze(), &opts, &outcome).await?;
                    return Ok(outcome);
                }
            }
        }
        let reader = PartReader { body, ended: false, buffer, tally, part_size };
        self.put_multipart(key, reader, opts).await
    }

    async fn put_single(
        &self,
        key: &str,
        data: Bytes,
        opts: &PutOptions,
        outcome: &PutOutcome,
    ) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(i64::try_from(data.len()).unwrap_or(i64::MAX))
            .set_content_type(opts.content_type.clone())
            .storage_class(self.class_of(opts.tier))
            // The server checks the whole body against it.
            .set_checksum_sha256(self.checksums.then(|| BASE64.encode(outcome.sha256)))
            .body(SdkByteStream::from(data))
            .send()
            .await
            .map_err(map_error)?;
        Ok(())
    }

    async fn put_multipart(&self, key: &str, reader: PartReader, opts: PutOptions) -> Result<PutOutcome, StorageError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .set_content_type(opts.content_type.clone())
            .storage_class(self.class_of(opts.tier))
            .set_checksum_algorithm(self.checksums.then_some(ChecksumAlgorithm::Sha256))
            .send()
            .await
            .map_err(map_error)?;
        let upload_id = created
            .upload_id
            .ok_or_else(|| StorageError::Backend("CreateMultipartUpload returned no upload id".into()))?;
        // Declared before the parts in flight: on a drop, locals go in reverse order, so the part uploads are
        // cancelled first and the abort is sent after them.
        let guard = AbortGuard::new(&self.client, &self.bucket, key, &upload_id);
        let mut in_flight = JoinSet::new();
        let target = Target {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            upload_id: upload_id.clone(),
            checksums: self.checksums,
        };
        let result = async {
            let (tally, mut parts) = self.send_parts(reader, &target, &mut in_flight).await?;
            let outcome = tally.finish(opts.expected_sha256.as_ref())?;
            parts.sort_by_key(|p| p.part_number());
            self.client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                .send()
                .await
                .map_err(map_error)?;
            Ok(outcome)
        }
        .await;
        match result {
            Ok(outcome) => {
                guard.disarm();
                Ok(outcome)
            }
            Err(e) => {
                in_flight.shutdown().await;
                guard.abort().await;
                Err(e)
            }
        }
    }

    /// Cuts the body into parts and uploads them, at most `concurrency` at once; returns when every part is in.
    async fn send_parts(
        &self,
        mut reader: PartReader,
        target: &Target,
        in_flight: &mut JoinSet<PartResult>,
    ) -> Result<(Tally, Vec<CompletedPart>), StorageError> {
        let mut parts = Vec::new();
        let mut number: u32 = 0;
        while let Some(data) = reader.next_part().await? {
            while in_flight.len() >= self.concurrency {
                parts.push(joined(in_flight.join_next().await)?);
            }
            number += 1;
            if number > MAX_PART_NUMBER {
                return Err(StorageError::Backend(format!(
                    "the body needs more than {MAX_PART_NUMBER} parts of {} bytes: raise part_size",
                    reader.part_size
                )));
            }
            let number = i32::try_from(number).unwrap_or(i32::MAX);
            in_flight.spawn(upload_part(target.clone(), number, data));
        }
        while !in_flight.is_empty() {
            parts.push(joined(in_flight.join_next().await)?);
        }
        Ok((reader.tally, parts))
    }
}

/// The body, cut into parts of `part_size` (the last one shorter), counted and hashed on the way.
struct PartReader {
    body: ByteStream,
    /// A finished stream must not be polled again.
    ended: bool,
    buffer: BytesMut,
    tally: Tally,
    part_size: usize,
}

impl PartReader {
    async fn next_part(&mut self) -> Result<Option<Bytes>, StorageError> {
        // The previous part was split off this buffer and is in flight: this part gets an allocation of its own,
        // of exactly the size it needs.
        let want = self.part_size + CHUNK_SLACK;
        if !self.ended && self.buffer.capacity() < want {
            self.buffer.reserve(want - self.buffer.len());
        }
        while !self.ended && self.buffer.len() < self.part_size {
            match self.body.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    self.tally.update(&chunk)?;
                    self.buffer.extend_from_slice(&chunk);
                }
                None => self.ended = true,
            }
        }
        if self.buffer.is_empty() {
            return Ok(None);
        }
        let take = self.part_size.min(self.buffer.len());
        Ok(Some(self.buffer.split_to(take).freeze()))
    }
}

fn joined(next: Option<Result<PartResult, tokio::task::JoinError>>) -> PartResult {
    match next {
        Some(Ok(result)) => result,
        Some(Err(e)) => Err(StorageError::Backend(format!("part upload task failed: {e}"))),
        None => Err(StorageError::Backend("no part upload to wait for".into())),
    }
}
