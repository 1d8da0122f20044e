//! Presigned requests (SigV4 query signing): a client talks to the object store directly until they expire.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::{PresignedRequest as SdkPresigned, PresigningConfig};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};

use super::S3Store;
use super::errors::map_error;
use crate::{PresignedRequest, PutOptions, StorageError};

/// The signing window, starting now.
fn window(expires: Duration) -> Result<(PresigningConfig, DateTime<Utc>), StorageError> {
    let now = SystemTime::now();
    let config = PresigningConfig::builder()
        .start_time(now)
        .expires_in(expires)
        .build()
        .map_err(|e| StorageError::Config(format!("presigned request lifetime: {e}")))?;
    Ok((config, DateTime::<Utc>::from(now + expires)))
}

fn ours(method: &'static str, request: &SdkPresigned, expires_at: DateTime<Utc>) -> PresignedRequest {
    PresignedRequest {
        method,
        url: request.uri().to_owned(),
        headers: request.headers().map(|(name, value)| (name.to_owned(), value.to_owned())).collect(),
        expires_at,
    }
}

/// `Content-Disposition` for a download under `name`: an ASCII fallback and the exact name (RFC 6266 / 5987).
pub(super) fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| if c == ' ' || (c.is_ascii_graphic() && !"\"\\/".contains(c)) { c } else { '_' })
        .collect();
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

impl S3Store {
    pub(super) async fn presigned_get(
        &self,
        key: &str,
        expires: Duration,
        download_name: Option<&str>,
    ) -> Result<PresignedRequest, StorageError> {
        let (config, expires_at) = window(expires)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_response_content_disposition(download_name.map(attachment))
            .presigned(config)
            .await
            .map_err(map_error)?;
        Ok(ours("GET", &request, expires_at))
    }

    pub(super) async fn presigned_put(
        &self,
        key: &str,
        expires: Duration,
        opts: &PutOptions,
    ) -> Result<PresignedRequest, StorageError> {
        let (config, expires_at) = window(expires)?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .set_content_type(opts.content_type.clone())
            .storage_class(self.class_of(opts.tier))
            .set_content_length(opts.expected_size.and_then(|size| i64::try_from(size).ok()))
            .set_checksum_sha256(opts.expected_sha256.map(|sha| BASE64.encode(sha)))
            .presigned(config)
            .await
            .map_err(map_error)?;
        Ok(ours("PUT", &request, expires_at))
    }

    pub(super) async fn presigned_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: i32,
        size: i64,
        expires: Duration,
    ) -> Result<PresignedRequest, StorageError> {
        let (config, expires_at) = window(expires)?;
        let request = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number)
            .content_length(size)
            .presigned(config)
            .await
            .map_err(map_error)?;
        Ok(ours("PUT", &request, expires_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names() {
        assert_eq!(
            attachment("m31 \"r\".fits"),
            "attachment; filename=\"m31 _r_.fits\"; filename*=UTF-8''m31%20%22r%22.fits"
        );
        assert_eq!(attachment("é.fits"), "attachment; filename=\"_.fits\"; filename*=UTF-8''%C3%A9.fits");
    }
}
