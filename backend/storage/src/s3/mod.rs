//! The S3 backend (aws-sdk-s3), for AWS and S3-compatible servers (SeaweedFS, Ceph RGW).

mod copy;
mod errors;
mod multipart;
mod presign;
mod put;

use std::fmt;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    StalledStreamProtectionConfig,
};
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, GlacierJobParameters, RestoreRequest, StorageClass,
};
use chrono::{DateTime, Utc};
use meridian_domain::Tier;

use self::errors::{code_and_status, map_error};
use crate::body::from_sdk;
use crate::config::MAX_PART_SIZE;
use crate::keys::{validate_key, validate_prefix};
use crate::{
    BackendKind, ByteRange, ByteStream, CompletedPart, GetOutcome, ListedObject, ObjectInfo, ObjectStore,
    PendingUpload, PresignedRequest, PutOptions, PutOutcome, RestoreStatus, S3Config, StorageError, TierClasses,
};

const MAX_PART_NUMBER: u32 = 10_000;
/// S3 pages are at most this long.
const PAGE: usize = 1000;

/// A bucket of an S3-compatible server.
#[derive(Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    endpoint: Option<String>,
    region: String,
    classes: TierClasses,
    part_size: u64,
    concurrency: usize,
    checksums: bool,
    /// Above this size CopyObject cannot copy: UploadPartCopy takes over.
    multipart_copy_threshold: u64,
}

impl fmt::Debug for S3Store {
    // By hand: the client's configuration holds the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("classes", &self.classes)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("checksums", &self.checksums)
            .finish_non_exhaustive()
    }
}

fn client(config: &S3Config) -> Result<Client, StorageError> {
    config.validate()?;
    let credentials = match (&config.access_key_id, &config.secret_access_key) {
        (Some(id), Some(secret)) => Credentials::new(id, secret.expose(), None, None, "meridian-config"),
        _ => {
            let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
            match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
                (Some(id), Some(secret)) => Credentials::new(id, secret, var("AWS_SESSION_TOKEN"), None, "environment"),
                _ => {
                    return Err(StorageError::Config(
                        "no S3 credentials: set access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and \
                         AWS_SECRET_ACCESS_KEY"
                            .into(),
                    ));
                }
            }
        }
    };
    let mut builder = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(config.region.clone()))
        .credentials_provider(credentials)
        .force_path_style(config.path_style)
        // Checksums are ours to choose (see `checksums`): the SDK's default CRC32 on every upload would send
        // streamed bodies aws-chunked with a trailer, which older servers (Ceph 16) refuse.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        // A client uploading through us may pause; only a stalled download is an error.
        .stalled_stream_protection(StalledStreamProtectionConfig::enabled().upload_enabled(false).build());
    if let Some(endpoint) = &config.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Ok(Client::from_conf(builder.build()))
}

/// The id of the bucket lifecycle rule that aborts incomplete multipart uploads ([`S3Store::ensure_abort_rule`]).
pub const ABORT_RULE_ID: &str = "meridian-abort-incomplete-multipart-uploads";

/// Creates the bucket of `config` unless it exists already (for tests and first-time set-up).
pub async fn create_bucket(config: &S3Config) -> Result<(), StorageError> {
    let client = client(config)?;
    let mut request = client.create_bucket().bucket(&config.bucket);
    if config.region != "us-east-1" {
        let location = BucketLocationConstraint::from(config.region.as_str());
        request = request
            .create_bucket_configuration(CreateBucketConfiguration::builder().location_constraint(location).build());
    }
    match request.send().await {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.code(), Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")) => Ok(()),
        Err(e) => Err(map_error(e)),
    }
}

fn to_chrono(t: &aws_sdk_s3::primitives::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Classes whose objects must be restored before they are read (on AWS).
fn is_archive_class(class: &str) -> bool {
    matches!(class, "GLACIER" | "DEEP_ARCHIVE")
}

/// The `x-amz-restore` header: `ongoing-request="true"`, or `ongoing-request="false", expiry-date="<RFC 1123>"`.
fn restore_status(header: Option<&str>, class: &str) -> RestoreStatus {
    match header {
        Some(h) if h.replace(' ', "").contains("ongoing-request=\"true\"") => RestoreStatus::InProgress,
        Some(h) => {
            let expires_at = h
                .split_once("expiry-date=\"")
                .and_then(|(_, rest)| rest.split('"').next())
                .and_then(|date| DateTime::parse_from_rfc2822(date).ok())
                .map(|date| date.with_timezone(&Utc));
            RestoreStatus::Restored { expires_at }
        }
        None if is_archive_class(class) => RestoreStatus::Archived,
        None => RestoreStatus::NotArchived,
    }
}

/// `Content-Range: bytes 0-9/100` -> (0, 9, 100).
fn parse_content_range(header: &str) -> Option<(u64, u64, u64)> {
    let (range, total) = header.strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    Some((start.parse().ok()?, end.parse().ok()?, total.parse().ok()?))
}

/// The fields HeadObject and GetObject share.
struct Described<'a> {
    size: u64,
    content_type: Option<&'a str>,
    storage_class: Option<&'a StorageClass>,
    restore: Option<&'a str>,
    last_modified: Option<&'a aws_sdk_s3::primitives::DateTime>,
    etag: Option<&'a str>,
}

impl S3Store {
    /// Connects and checks (HeadBucket) that the bucket exists and the credentials may use it.
    pub async fn open(config: &S3Config) -> Result<Self, StorageError> {
        let store = Self {
            client: client(config)?,
            bucket: config.bucket.clone(),
            endpoint: config.endpoint.clone(),
            region: config.region.clone(),
            classes: config.classes.clone(),
            part_size: config.part_size,
            concurrency: config.concurrency,
            checksums: config.checksums,
            multipart_copy_threshold: MAX_PART_SIZE,
        };
        let where_ = || format!("bucket {:?} at {}", store.bucket, store.endpoint.as_deref().unwrap_or("AWS"));
        match store.client.head_bucket().bucket(&store.bucket).send().await {
            Ok(_) => Ok(store),
            Err(e) => Err(match code_and_status(&e) {
                (Some("NotFound" | "NoSuchBucket"), _) | (_, Some(404)) => {
                    StorageError::Config(format!("{} does not exist", where_()))
                }
                (_, Some(401 | 403)) => {
                    StorageError::Config(format!("access to {} denied: check the credentials", where_()))
                }
                _ => StorageError::Config(format!("{} cannot be reached: {}", where_(), map_error(e))),
            }),
        }
    }

    /// Makes sure the bucket aborts multipart uploads left unfinished `days` after they began (a lifecycle rule
    /// with the id [`ABORT_RULE_ID`]), keeping every other rule the bucket has. Meridian aborts what it abandons
    /// itself; this catches what a crashed server or a client that lied about its part sizes left behind, and
    /// stops incomplete uploads from costing storage for ever. Returns whether the rule had to be added.
    pub async fn ensure_abort_rule(&self, days: i32) -> Result<bool, StorageError> {
        use aws_sdk_s3::types::{
            AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus, LifecycleRule,
            LifecycleRuleFilter,
        };
        let (existing, min_size) =
            match self.client.get_bucket_lifecycle_configuration().bucket(&self.bucket).send().await {
                Ok(out) => (out.rules.unwrap_or_default(), out.transition_default_minimum_object_size),
                Err(e) if matches!(code_and_status(&e), (Some("NoSuchLifecycleConfiguration"), _) | (_, Some(404))) => {
                    (Vec::new(), None)
                }
                Err(e) => return Err(map_error(e)),
            };
        if existing.iter().any(|r| r.id() == Some(ABORT_RULE_ID)) {
            return Ok(false);
        }
        let rule = LifecycleRule::builder()
            .id(ABORT_RULE_ID)
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("").build())
            .abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder().days_after_initiation(days).build(),
            )
            .build()
            .map_err(|e| StorageError::Config(format!("lifecycle rule: {e}")))?;
        let mut rules = existing;
        rules.push(rule);
        let config = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| StorageError::Config(format!("lifecycle configuration: {e}")))?;
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(&self.bucket)
            // Kept as the operator set it (the call replaces the bucket's whole lifecycle configuration).
            .set_transition_default_minimum_object_size(min_size)
            .lifecycle_configuration(config)
            .send()
            .await
            .map_err(map_error)?;
        Ok(true)
    }

    /// Copies above `bytes` (5 GiB, S3's limit for CopyObject, unless changed here) go part by part.
    #[must_use]
    pub fn with_multipart_copy_threshold(mut self, bytes: u64) -> Self {
        self.multipart_copy_threshold = bytes;
        self
    }

    fn class_of(&self, tier: Tier) -> StorageClass {
        StorageClass::from(self.classes.class_of(tier))
    }

    fn describe(&self, d: Described<'_>) -> ObjectInfo {
        let class = d.storage_class.map_or("STANDARD", StorageClass::as_str).to_owned();
        ObjectInfo {
            size: d.size,
            content_type: d.content_type.map(str::to_owned),
            tier: self.classes.tier_of(Some(&class)),
            restore: restore_status(d.restore, &class),
            storage_class: class,
            last_modified: d.last_modified.and_then(to_chrono),
            etag: d.etag.map(str::to_owned),
        }
    }
}

fn check_part_number(part_number: u32) -> Result<i32, StorageError> {
    if (1..=MAX_PART_NUMBER).contains(&part_number) {
        Ok(i32::try_from(part_number).unwrap_or(i32::MAX))
    } else {
        Err(StorageError::InvalidPart(format!("part number {part_number} is not between 1 and {MAX_PART_NUMBER}")))
    }
}

fn size_of(len: Option<i64>) -> u64 {
    len.and_then(|l| u64::try_from(l).ok()).unwrap_or(0)
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    fn kind(&self) -> BackendKind {
        BackendKind::S3
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn put(&self, key: &str, body: ByteStream, opts: PutOptions) -> Result<PutOutcome, StorageError> {
        validate_key(key)?;
        let Some(runtime) = put::upload_runtime() else { return self.put_streamed(key, body, opts).await };
        let (store, key) = (self.clone(), key.to_owned());
        let task = runtime
            .spawn(tracing::Instrument::in_current_span(async move { store.put_streamed(&key, body, opts).await }));
        // The caller giving up (a client gone) cancels the upload there too; its guard then aborts the multipart.
        let _cancel_with_caller = put::AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(result) => result,
            Err(e) if e.is_panic() => Err(StorageError::Backend("the upload task panicked".into())),
            Err(_) => Err(StorageError::Backend("the upload was cancelled".into())),
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<GetOutcome, StorageError> {
        validate_key(key)?;
        let request = self.client.get_object().bucket(&self.bucket).key(key).set_range(range.map(ByteRange::to_header));
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) if e.code() == Some("InvalidRange") => {
                return Err(StorageError::InvalidRange { size: self.head(key).await?.size });
            }
            Err(e) => return Err(map_error(e)),
        };
        let (returned, size) = match (range, out.content_range().and_then(parse_content_range)) {
            (Some(_), Some((start, end, total))) => (Some((start, end)), total),
            // A server that ignored the range sent the whole object.
            _ => (None, size_of(out.content_length())),
        };
        let info = self.describe(Described {
            size,
            content_type: out.content_type(),
            storage_class: out.storage_class(),
            restore: out.restore(),
            last_modified: out.last_modified(),
            etag: out.e_tag(),
        });
        Ok(GetOutcome { info, range: returned, body: from_sdk(out.body) })
    }

    async fn head(&self, key: &str) -> Result<ObjectInfo, StorageError> {
        validate_key(key)?;
        let out = self.client.head_object().bucket(&self.bucket).key(key).send().await.map_err(map_error)?;
        Ok(self.describe(Described {
            size: size_of(out.content_length()),
            content_type: out.content_type(),
            storage_class: out.storage_class(),
            restore: out.restore(),
            last_modified: out.last_modified(),
            etag: out.e_tag(),
        }))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        match self.client.delete_object().bucket(&self.bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(e) => match map_error(e) {
                StorageError::NotFound => Ok(()),
                other => Err(other),
            },
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, from = %from, to = %to))]
    async fn copy(&self, from: &str, to: &str, tier: Tier) -> Result<(), StorageError> {
        validate_key(from)?;
        validate_key(to)?;
        self.copy_object(from, to, tier).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key = %key, tier = %tier))]
    async fn set_tier(&self, key: &str, tier: Tier) -> Result<(), StorageError> {
        validate_key(key)?;
        self.copy_object(key, key, tier).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn restore(&self, key: &str, days: u32) -> Result<RestoreStatus, StorageError> {
        let info = self.head(key).await?;
        match info.restore {
            RestoreStatus::InProgress | RestoreStatus::Restored { .. } => return Ok(info.restore),
            RestoreStatus::NotArchived if info.tier == Tier::Hot => return Ok(RestoreStatus::NotArchived),
            RestoreStatus::NotArchived | RestoreStatus::Archived => {}
        }
        let request = RestoreRequest::builder()
            .days(i32::try_from(days).unwrap_or(i32::MAX))
            .glacier_job_parameters(
                GlacierJobParameters::builder()
                    .tier(aws_sdk_s3::types::Tier::Standard)
                    .build()
                    .map_err(|e| StorageError::Backend(e.to_string()))?,
            )
            .build();
        match self.client.restore_object().bucket(&self.bucket).key(key).restore_request(request).send().await {
            Ok(_) => Ok(match self.head(key).await?.restore {
                // The server took the request but its HEAD does not show it yet.
                RestoreStatus::Archived | RestoreStatus::NotArchived => RestoreStatus::InProgress,
                status => status,
            }),
            Err(e) => match code_and_status(&e) {
                (Some("RestoreAlreadyInProgress"), _) => Ok(RestoreStatus::InProgress),
                (Some("NoSuchKey" | "NotFound"), _) => Err(StorageError::NotFound),
                // No RestoreObject on this server (SeaweedFS: 501 NotImplemented; Ceph 16: 405 MethodNotAllowed),
                // or the object's class is not an archive one (AWS, moto: InvalidObjectState): a copy in place
                // to the hot class.
                (Some("NotImplemented" | "MethodNotAllowed" | "InvalidObjectState"), _) | (_, Some(405 | 501)) => {
                    tracing::debug!(code = ?e.code(), "no RestoreObject here: copying to the hot class instead");
                    self.copy_object(key, key, Tier::Hot).await?;
                    Ok(RestoreStatus::NotArchived)
                }
                _ => Err(map_error(e)),
            },
        }
    }

    async fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ListedObject>, StorageError> {
        validate_prefix(prefix)?;
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        while found.len() < limit {
            let page = (limit - found.len()).min(PAGE);
            let mut request = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .max_keys(i32::try_from(page).unwrap_or(1000));
            request = match &token {
                Some(token) => request.continuation_token(token),
                None => request.set_start_after(start_after.map(str::to_owned)),
            };
            let out = request.send().await.map_err(map_error)?;
            found.extend(out.contents().iter().filter_map(|o| {
                Some(ListedObject {
                    key: o.key()?.to_owned(),
                    size: size_of(o.size()),
                    last_modified: o.last_modified().and_then(to_chrono),
                })
            }));
            match out.next_continuation_token() {
                Some(next) if out.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        found.truncate(limit);
        Ok(found)
    }

    async fn create_multipart(&self, key: &str, opts: PutOptions) -> Result<String, StorageError> {
        self.create_upload(key, opts).await
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ByteStream,
        size: u64,
    ) -> Result<String, StorageError> {
        self.send_part(key, upload_id, part_number, body, size).await
    }

    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<(CompletedPart, u64)>, StorageError> {
        self.parts(key, upload_id).await
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<(), StorageError> {
        self.complete_upload(key, upload_id, parts).await
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        self.abort_upload(key, upload_id).await
    }

    async fn list_multipart(&self, prefix: &str) -> Result<Vec<PendingUpload>, StorageError> {
        self.pending_uploads(prefix).await
    }

    async fn presign_get(
        &self,
        key: &str,
        expires: Duration,
        download_name: Option<&str>,
    ) -> Result<Option<PresignedRequest>, StorageError> {
        validate_key(key)?;
        self.presigned_get(key, expires, download_name).await.map(Some)
    }

    async fn presign_put(
        &self,
        key: &str,
        expires: Duration,
        opts: &PutOptions,
    ) -> Result<Option<PresignedRequest>, StorageError> {
        validate_key(key)?;
        self.presigned_put(key, expires, opts).await.map(Some)
    }

    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        size: u64,
        expires: Duration,
    ) -> Result<Option<PresignedRequest>, StorageError> {
        validate_key(key)?;
        let number = check_part_number(part_number)?;
        let size = i64::try_from(size).map_err(|_| StorageError::Config("a part of more than 2^63 bytes".into()))?;
        self.presigned_part(key, upload_id, number, size, expires).await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_header() {
        assert_eq!(restore_status(None, "STANDARD"), RestoreStatus::NotArchived);
        assert_eq!(restore_status(None, "STANDARD_IA"), RestoreStatus::NotArchived);
        assert_eq!(restore_status(None, "GLACIER"), RestoreStatus::Archived);
        assert_eq!(restore_status(Some("ongoing-request=\"true\""), "GLACIER"), RestoreStatus::InProgress);
        let restored =
            restore_status(Some("ongoing-request=\"false\", expiry-date=\"Fri, 21 Dec 2012 00:00:00 GMT\""), "GLACIER");
        let expected = DateTime::parse_from_rfc3339("2012-12-21T00:00:00Z").ok().map(|d| d.with_timezone(&Utc));
        assert_eq!(restored, RestoreStatus::Restored { expires_at: expected });
    }

    #[test]
    fn content_range() {
        assert_eq!(parse_content_range("bytes 0-9/100"), Some((0, 9, 100)));
        assert_eq!(parse_content_range("bytes */100"), None);
    }
}
