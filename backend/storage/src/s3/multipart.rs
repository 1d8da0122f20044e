//! Multipart uploads as the caller drives them (the parts of `put` are in `put`): S3's protocol, with the
//! answers of servers that differ made alike.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_sdk_s3::types::CompletedMultipartUpload;

use super::errors::{map_error, map_upload_error};
use super::{S3Store, check_part_number, size_of, to_chrono};
use crate::body::{SizedBody, take_failure};
use crate::keys::{validate_key, validate_prefix};
use crate::{ByteStream, CompletedPart, PendingUpload, PutOptions, StorageError};

impl S3Store {
    pub(super) async fn create_upload(&self, key: &str, opts: PutOptions) -> Result<String, StorageError> {
        validate_key(key)?;
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .set_content_type(opts.content_type)
            .storage_class(self.class_of(opts.tier))
            .send()
            .await
            .map_err(map_error)?;
        out.upload_id.ok_or_else(|| StorageError::Backend("CreateMultipartUpload returned no upload id".into()))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key = %key, part = part_number))]
    pub(super) async fn send_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ByteStream,
        size: u64,
    ) -> Result<String, StorageError> {
        validate_key(key)?;
        let number = check_part_number(part_number)?;
        let (body, failure) = SizedBody::new(body, size);
        let result = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(i64::try_from(size).unwrap_or(i64::MAX))
            .body(SdkByteStream::from_body_1_x(body))
            .send()
            .await;
        // The body's own failure (a short, long or broken stream) says more than the SDK's wrapping of it.
        if let Some(e) = take_failure(&failure) {
            return Err(e);
        }
        let out = result.map_err(map_upload_error)?;
        out.e_tag.ok_or_else(|| StorageError::Backend("UploadPart returned no etag".into()))
    }

    pub(super) async fn parts(&self, key: &str, upload_id: &str) -> Result<Vec<(CompletedPart, u64)>, StorageError> {
        validate_key(key)?;
        type Uploaded = (String, u64, Option<aws_sdk_s3::primitives::DateTime>);
        let mut by_number: BTreeMap<u32, Vec<Uploaded>> = BTreeMap::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.take())
                .send()
                .await
                .map_err(map_upload_error)?;
            for part in out.parts() {
                let (Some(number), Some(etag)) = (part.part_number(), part.e_tag()) else { continue };
                let uploaded = (etag.to_owned(), size_of(part.size()), part.last_modified().copied());
                by_number.entry(u32::try_from(number).unwrap_or_default()).or_default().push(uploaded);
            }
            match out.next_part_number_marker() {
                Some(next) if out.is_truncated() == Some(true) => marker = Some(next.to_owned()),
                _ => break,
            }
        }
        // SeaweedFS lists every upload of a re-sent part: the newest is the part. Its times are in whole seconds,
        // so of two uploads within one second neither is known to be the part: it is left out, and a resuming
        // client sends it once more rather than completing with the wrong bytes.
        let mut parts = Vec::with_capacity(by_number.len());
        for (part_number, uploads) in by_number {
            let newest = uploads.iter().map(|u| u.2).max().flatten();
            let mut latest = uploads.into_iter().filter(|u| u.2 == newest);
            let Some((etag, size, _)) = latest.next() else { continue };
            if latest.any(|other| other.0 != etag) {
                tracing::debug!(part_number, "two uploads of one part in the same second: left out");
                continue;
            }
            parts.push((CompletedPart { part_number, etag }, size));
        }
        Ok(parts)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key = %key))]
    pub(super) async fn complete_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<(), StorageError> {
        validate_key(key)?;
        if parts.is_empty() {
            return Err(StorageError::InvalidPart("no parts given".into()));
        }
        let mut completed = Vec::with_capacity(parts.len());
        for part in parts {
            completed.push(
                aws_sdk_s3::types::CompletedPart::builder()
                    .part_number(check_part_number(part.part_number)?)
                    .e_tag(&part.etag)
                    .build(),
            );
        }
        let result = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(completed)).build())
            .send()
            .await;
        match result.map_err(map_upload_error) {
            Ok(_) => Ok(()),
            // Ceph answers the completion of an aborted upload with a 500 ("completion already in progress").
            Err(e @ (StorageError::Backend(_) | StorageError::Unavailable(_))) => {
                match self.parts(key, upload_id).await {
                    Err(StorageError::NoSuchUpload) => Err(StorageError::NoSuchUpload),
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    pub(super) async fn abort_upload(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        match self.client.abort_multipart_upload().bucket(&self.bucket).key(key).upload_id(upload_id).send().await {
            Ok(_) => Ok(()),
            Err(e) => match map_upload_error(e) {
                StorageError::NoSuchUpload | StorageError::NotFound => Ok(()),
                other => Err(other),
            },
        }
    }

    pub(super) async fn pending_uploads(&self, prefix: &str) -> Result<Vec<PendingUpload>, StorageError> {
        validate_prefix(prefix)?;
        let mut pending = Vec::new();
        let mut markers: (Option<String>, Option<String>) = (None, None);
        loop {
            let out = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_key_marker(markers.0.take())
                .set_upload_id_marker(markers.1.take())
                .send()
                .await
                .map_err(map_error)?;
            for upload in out.uploads() {
                let (Some(key), Some(upload_id)) = (upload.key(), upload.upload_id()) else { continue };
                pending.push(PendingUpload {
                    key: key.to_owned(),
                    upload_id: upload_id.to_owned(),
                    initiated: upload.initiated().and_then(to_chrono),
                });
            }
            if out.is_truncated() != Some(true) || out.next_key_marker().is_none() {
                break;
            }
            markers = (out.next_key_marker().map(str::to_owned), out.next_upload_id_marker().map(str::to_owned));
        }
        pending.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(pending)
    }
}
