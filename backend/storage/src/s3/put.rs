//! Streamed uploads: one PutObject for a body that fits in a part, else a multipart upload with up to
//! `concurrency` parts in flight. The SHA-256 of the whole body is computed on the way; the expected size and
//! checksum are checked before the upload is completed, so a wrong body never becomes visible.
//!
//! What the server verifies (with `checksums` on): PutObject carries the body's SHA-256 (computed anyway);
//! each part its CRC32C (`x-amz-checksum-crc32c`). The checksum header is signed, so the payload itself is sent
//! unsigned (`UNSIGNED-PAYLOAD`): signing it would hash every byte with SHA-256 once more for the same
//! protection. Without SHA-NI a SHA-256 pass costs a core about 250 MB/s; the whole-body hash is the one we keep
//! (it is the file's recorded checksum), CRC32C runs at several GB/s. With `checksums` off the SDK signs the
//! payload as usual, which is then what makes the server check the bytes.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::task::JoinSet;

use super::errors::map_error;
use super::{MAX_PART_NUMBER, S3Store};
use crate::body::Tally;
use crate::config::MAX_PART_SIZE;
use crate::{ByteStream, PutOptions, PutOutcome, StorageError};

/// A part that is in, and its bytes back for the next part.
type PartResult = Result<(CompletedPart, Bytes), StorageError>;

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

/// The CRC32C of a part as S3 wants it in `x-amz-checksum-crc32c`: the 4 bytes big-endian, base64.
fn crc32c_base64(data: &[u8]) -> String {
    let crc = u32::try_from(crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32Iscsi, data)).unwrap_or(u32::MAX);
    BASE64.encode(crc.to_be_bytes())
}

/// One part, sent with its own CRC32C when checksums are on (and then unsigned: see the module's note).
async fn upload_part(target: Target, number: i32, data: Bytes) -> PartResult {
    let checksum = target.checksums.then(|| crc32c_base64(&data));
    let request = target
        .client
        .upload_part()
        .bucket(target.bucket)
        .key(target.key)
        .upload_id(target.upload_id)
        .part_number(number)
        .content_length(i64::try_from(data.len()).unwrap_or(i64::MAX))
        .set_checksum_crc32_c(checksum.clone())
        // A handle of our own to the buffer: once the request is done it is the only one, and the buffer is
        // used again for a later part.
        .body(SdkByteStream::from(data.clone()));
    let out = if target.checksums {
        request.customize().disable_payload_signing().send().await
    } else {
        request.send().await
    }
    .map_err(map_error)?;
    let part = CompletedPart::builder().part_number(number).set_e_tag(out.e_tag).set_checksum_crc32_c(checksum).build();
    Ok((part, data))
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
        body: ByteStream,
        opts: PutOptions,
    ) -> Result<PutOutcome, StorageError> {
        let part_size = self.part_size_for(opts.expected_size);
        let mut reader = PartReader::new(body, Tally::new(opts.expected_size), part_size);
        // A body announced smaller than a part gets a buffer of its size.
        let capacity = opts.expected_size.and_then(|s| usize::try_from(s).ok()).map_or(part_size, |s| s.min(part_size));
        let first = reader.fill(BytesMut::with_capacity(capacity)).await?;
        if reader.at_end().await? {
            let outcome = reader.tally.finish(opts.expected_sha256.as_ref())?;
            self.put_single(key, first.freeze(), &opts, &outcome).await?;
            return Ok(outcome);
        }
        self.put_multipart(key, reader, first, opts).await
    }

    async fn put_single(
        &self,
        key: &str,
        data: Bytes,
        opts: &PutOptions,
        outcome: &PutOutcome,
    ) -> Result<(), StorageError> {
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(i64::try_from(data.len()).unwrap_or(i64::MAX))
            .set_content_type(opts.content_type.clone())
            .storage_class(self.class_of(opts.tier))
            // The server checks the whole body against it.
            .set_checksum_sha256(self.checksums.then(|| BASE64.encode(outcome.sha256)))
            .body(SdkByteStream::from(data));
        if self.checksums { request.customize().disable_payload_signing().send().await } else { request.send().await }
            .map_err(map_error)?;
        Ok(())
    }

    async fn put_multipart(
        &self,
        key: &str,
        reader: PartReader,
        first: BytesMut,
        opts: PutOptions,
    ) -> Result<PutOutcome, StorageError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .set_content_type(opts.content_type.clone())
            .storage_class(self.class_of(opts.tier))
            .set_checksum_algorithm(self.checksums.then_some(ChecksumAlgorithm::Crc32C))
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
            let (tally, mut parts) = self.send_parts(reader, first, &target, &mut in_flight).await?;
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
    /// The part being read is the one more buffer: `concurrency + 1` part buffers at most, used over and over.
    async fn send_parts(
        &self,
        mut reader: PartReader,
        first: BytesMut,
        target: &Target,
        in_flight: &mut JoinSet<PartResult>,
    ) -> Result<(Tally, Vec<CompletedPart>), StorageError> {
        let mut parts = Vec::new();
        let mut number: u32 = 0;
        let mut next = Some(first);
        loop {
            let data = match next.take() {
                Some(data) => data,
                None => {
                    let buffer = reader.spare.pop().unwrap_or_else(|| BytesMut::with_capacity(reader.part_size));
                    reader.fill(buffer).await?
                }
            };
            if data.is_empty() {
                break;
            }
            while in_flight.len() >= self.concurrency {
                let (part, buffer) = joined(in_flight.join_next().await)?;
                parts.push(part);
                reader.recycle(buffer);
            }
            number += 1;
            if number > MAX_PART_NUMBER {
                return Err(StorageError::Backend(format!(
                    "the body needs more than {MAX_PART_NUMBER} parts of {} bytes: raise part_size",
                    reader.part_size
                )));
            }
            let number = i32::try_from(number).unwrap_or(i32::MAX);
            in_flight.spawn(upload_part(target.clone(), number, data.freeze()));
        }
        while !in_flight.is_empty() {
            parts.push(joined(in_flight.join_next().await)?.0);
        }
        Ok((reader.tally, parts))
    }
}

/// The body, cut into parts of `part_size` (the last one shorter), counted and hashed on the way.
///
/// Each part is a buffer of exactly `part_size`; a chunk that crosses a part's end is split (without a copy) and
/// its rest begins the next part. Buffers of parts that are in come back through `recycle`: an upload allocates
/// its `concurrency + 1` buffers once. Freed and allocated again for every part, they were left behind by the
/// allocator in its per-thread arenas, and a 1 GiB upload grew the server by twice what it had in flight.
struct PartReader {
    body: ByteStream,
    /// A finished stream must not be polled again.
    ended: bool,
    /// The rest of a chunk that crossed the end of the last part.
    pending: Option<Bytes>,
    tally: Tally,
    part_size: usize,
    spare: Vec<BytesMut>,
}

impl PartReader {
    fn new(body: ByteStream, tally: Tally, part_size: usize) -> Self {
        Self { body, ended: false, pending: None, tally, part_size, spare: Vec::new() }
    }

    /// The next chunk of the body, counted and hashed; `None` at its end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, StorageError> {
        if let Some(chunk) = self.pending.take() {
            return Ok(Some(chunk));
        }
        if self.ended {
            return Ok(None);
        }
        match self.body.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(StorageError::Body)?;
                self.tally.update(&chunk)?;
                Ok(Some(chunk))
            }
            None => {
                self.ended = true;
                Ok(None)
            }
        }
    }

    /// Fills `buffer` (empty) with the next part: `part_size` bytes, fewer only at the end of the body.
    async fn fill(&mut self, mut buffer: BytesMut) -> Result<BytesMut, StorageError> {
        while buffer.len() < self.part_size {
            let Some(mut chunk) = self.next_chunk().await? else { break };
            let room = self.part_size - buffer.len();
            if chunk.len() > room {
                self.pending = Some(chunk.split_off(room));
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(buffer)
    }

    /// Whether the body has no byte left (reads ahead one chunk to know).
    async fn at_end(&mut self) -> Result<bool, StorageError> {
        loop {
            match self.next_chunk().await? {
                None => return Ok(true),
                Some(chunk) if chunk.is_empty() => {}
                Some(chunk) => {
                    self.pending = Some(chunk);
                    return Ok(false);
                }
            }
        }
    }

    /// Takes back the buffer of a part that is in, if nothing else holds it any more.
    fn recycle(&mut self, data: Bytes) {
        if let Ok(mut buffer) = data.try_into_mut()
            && buffer.capacity() >= self.part_size
        {
            buffer.clear();
            self.spare.push(buffer);
        }
    }
}

fn joined(next: Option<Result<PartResult, tokio::task::JoinError>>) -> PartResult {
    match next {
        Some(Ok(result)) => result,
        Some(Err(e)) => Err(StorageError::Backend(format!("part upload task failed: {e}"))),
        None => Err(StorageError::Backend("no part upload to wait for".into())),
    }
}

#[cfg(test)]
mod tests {
    use bytes::{Bytes, BytesMut};
    use futures::StreamExt;

    use super::{PartReader, crc32c_base64};
    use crate::body::Tally;

    /// A reader over `total` bytes (0, 1, 2, … wrapping) arriving in chunks of `chunk` bytes.
    fn reader_over(total: usize, chunk: usize, part_size: usize) -> (PartReader, Vec<u8>) {
        let body: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
        let chunks: Vec<std::io::Result<Bytes>> = body.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        (PartReader::new(futures::stream::iter(chunks).boxed(), Tally::new(None), part_size), body)
    }

    #[tokio::test]
    async fn parts_are_cut_at_the_part_size_whatever_the_chunks() {
        // Chunks of 7 bytes against parts of 10: most chunks cross a part's end.
        let (mut reader, body) = reader_over(45, 7, 10);
        let mut parts = Vec::new();
        loop {
            let part = reader.fill(BytesMut::with_capacity(10)).await.unwrap();
            if part.is_empty() {
                break;
            }
            parts.push(part);
        }
        assert_eq!(parts.iter().map(BytesMut::len).collect::<Vec<_>>(), [10, 10, 10, 10, 5]);
        assert_eq!(parts.concat(), body);
        assert!(reader.at_end().await.unwrap());
        assert_eq!(reader.tally.finish(None).unwrap().size, 45);
    }

    #[tokio::test]
    async fn a_body_of_exactly_one_part_is_at_its_end_after_it() {
        let (mut reader, _) = reader_over(10, 4, 10);
        assert_eq!(reader.fill(BytesMut::with_capacity(10)).await.unwrap().len(), 10);
        assert!(reader.at_end().await.unwrap());
        let (mut reader, _) = reader_over(11, 4, 10);
        assert_eq!(reader.fill(BytesMut::with_capacity(10)).await.unwrap().len(), 10);
        assert!(!reader.at_end().await.unwrap(), "one byte is left");
        assert_eq!(&reader.fill(BytesMut::new()).await.unwrap()[..], [10]);
    }

    #[tokio::test]
    async fn a_part_buffer_is_used_again_once_nothing_else_holds_it() {
        let (mut reader, _) = reader_over(30, 3, 10);
        let part = reader.fill(BytesMut::with_capacity(10)).await.unwrap().freeze();
        let address = part.as_ptr();
        let held = part.clone(); // as a request still in flight would hold it
        reader.recycle(part);
        assert!(reader.spare.is_empty(), "a buffer still held elsewhere is not reused");
        reader.recycle(held);
        let again = reader.spare.pop().expect("the last handle gives the buffer back");
        assert!(again.is_empty() && again.capacity() >= 10);
        assert_eq!(again.as_ptr(), address, "the same allocation comes back");
        let part = reader.fill(again).await.unwrap();
        assert_eq!(part.as_ptr(), address);
        assert_eq!(&part[..], (10..20).collect::<Vec<u8>>());
    }

    #[test]
    fn part_checksums_are_crc32c_big_endian_in_base64() {
        // The CRC-32C check value (RFC 3720, B.4): "123456789" gives 0xE3069283.
        assert_eq!(crc32c_base64(b"123456789"), "4waSgw==");
        assert_eq!(crc32c_base64(b""), "AAAAAA==");
    }
}
