//! Server-side copies: to another key, or onto the same key to change its storage class. Up to 5 GiB one
//! CopyObject does it; above, a multipart upload of UploadPartCopy ranges.

use std::fmt::Write as _;

use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, MetadataDirective, StorageClass};
use futures::{StreamExt, TryStreamExt};
use meridian_domain::Tier;

use super::errors::map_error;
use super::put::AbortGuard;
use super::{MAX_PART_NUMBER, S3Store, size_of};
use crate::StorageError;
use crate::config::{MAX_PART_SIZE, MIB};

/// Parts of a multipart copy are at least this large (fewer requests), unless the threshold is set lower.
const COPY_PART_SIZE: u64 = 512 * MIB;

/// `x-amz-copy-source`: the bucket and the key, percent-encoded (all but unreserved characters and `/`).
fn copy_source(bucket: &str, key: &str) -> String {
    let mut out = format!("{bucket}/");
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

impl S3Store {
    pub(super) async fn copy_object(&self, from: &str, to: &str, tier: Tier) -> Result<(), StorageError> {
        let source = self.client.head_object().bucket(&self.bucket).key(from).send().await.map_err(map_error)?;
        let size = size_of(source.content_length());
        let class = self.class_of(tier);
        if size > self.multipart_copy_threshold {
            return self.copy_in_parts(from, to, &source, size, class).await;
        }
        let mut request = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(copy_source(&self.bucket, from))
            .storage_class(class);
        if from == to {
            // A copy onto itself must change something: REPLACE, carrying the content type and metadata over
            // (SeaweedFS also needs REPLACE to take the new class).
            request = request
                .metadata_directive(MetadataDirective::Replace)
                .set_content_type(source.content_type().map(str::to_owned))
                .set_metadata(source.metadata().cloned())
                .set_cache_control(source.cache_control().map(str::to_owned))
                .set_content_disposition(source.content_disposition().map(str::to_owned))
                .set_content_encoding(source.content_encoding().map(str::to_owned))
                .set_content_language(source.content_language().map(str::to_owned));
        }
        request.send().await.map_err(map_error)?;
        Ok(())
    }

    async fn copy_in_parts(
        &self,
        from: &str,
        to: &str,
        source: &HeadObjectOutput,
        size: u64,
        class: StorageClass,
    ) -> Result<(), StorageError> {
        let part_size = COPY_PART_SIZE
            .min(self.multipart_copy_threshold)
            .max(self.part_size)
            .max(size.div_ceil(u64::from(MAX_PART_NUMBER)))
            .min(MAX_PART_SIZE);
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(to)
            .storage_class(class)
            .set_content_type(source.content_type().map(str::to_owned))
            .set_metadata(source.metadata().cloned())
            .set_cache_control(source.cache_control().map(str::to_owned))
            .set_content_disposition(source.content_disposition().map(str::to_owned))
            .set_content_encoding(source.content_encoding().map(str::to_owned))
            .set_content_language(source.content_language().map(str::to_owned))
            .send()
            .await
            .map_err(map_error)?;
        let upload_id = created
            .upload_id
            .ok_or_else(|| StorageError::Backend("CreateMultipartUpload returned no upload id".into()))?;
        let guard = AbortGuard::new(&self.client, &self.bucket, to, &upload_id);

        let copy_source = copy_source(&self.bucket, from);
        // Every range from the version we looked at: a source replaced meanwhile fails the copy.
        let etag = source.e_tag().map(str::to_owned);
        let ranges = (0..size.div_ceil(part_size)).map(|i| {
            let start = i * part_size;
            (i32::try_from(i + 1).unwrap_or(i32::MAX), start, (start + part_size).min(size) - 1)
        });
        let copied: Result<Vec<CompletedPart>, StorageError> = futures::stream::iter(ranges)
            .map(|(number, start, end)| {
                let request = self
                    .client
                    .upload_part_copy()
                    .bucket(&self.bucket)
                    .key(to)
                    .upload_id(&upload_id)
                    .part_number(number)
                    .copy_source(&copy_source)
                    .copy_source_range(format!("bytes={start}-{end}"))
                    .set_copy_source_if_match(etag.clone());
                async move {
                    let out = request.send().await.map_err(map_error)?;
                    let etag = out.copy_part_result().and_then(|r| r.e_tag()).map(str::to_owned);
                    Ok(CompletedPart::builder().part_number(number).set_e_tag(etag).build())
                }
            })
            .buffer_unordered(self.concurrency)
            .try_collect()
            .await;
        let completed = match copied {
            Ok(mut parts) => {
                parts.sort_by_key(|p| p.part_number());
                self.client
                    .complete_multipart_upload()
                    .bucket(&self.bucket)
                    .key(to)
                    .upload_id(&upload_id)
                    .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
                    .send()
                    .await
                    .map_err(map_error)
            }
            Err(e) => Err(e),
        };
        match completed {
            Ok(_) => {
                guard.disarm();
                Ok(())
            }
            Err(e) => {
                guard.abort().await;
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_is_percent_encoded() {
        assert_eq!(copy_source("b", "ws/a b/é+x.fits"), "b/ws/a%20b/%C3%A9%2Bx.fits");
    }
}
