//! S3 answers as `StorageError`s.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::StorageError;

/// The error code and HTTP status of a failed request, when the server answered.
pub(super) fn code_and_status<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> (Option<&str>, Option<u16>) {
    (err.code(), err.raw_response().map(|r| r.status().as_u16()))
}

/// Maps the error of a request about a multipart upload: a 404 there means the upload is gone (Ceph answers
/// ListParts without the NoSuchUpload code).
pub(super) fn map_upload_error<E>(err: SdkError<E, HttpResponse>) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match map_error(err) {
        StorageError::NotFound => StorageError::NoSuchUpload,
        other => other,
    }
}

/// Maps an SDK error. The message is the SDK's own (codes, request ids): it never holds credentials.
pub(super) fn map_error<E>(err: SdkError<E, HttpResponse>) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let message = || err.message().unwrap_or_default().to_owned();
    match code_and_status(&err) {
        (Some("NoSuchUpload"), _) => StorageError::NoSuchUpload,
        (Some("NoSuchKey" | "NotFound"), _) | (None, Some(404)) => StorageError::NotFound,
        (Some("InvalidObjectState"), _) => StorageError::RestoreRequired,
        (Some(code @ ("InvalidPart" | "InvalidPartOrder" | "EntityTooSmall")), _) => {
            StorageError::InvalidPart(format!("{code}: {}", message()))
        }
        (Some("BadDigest" | "InvalidDigest" | "XAmzContentSHA256Mismatch" | "XAmzContentChecksumMismatch"), _) => {
            StorageError::ChecksumMismatch
        }
        (Some("NoSuchBucket"), _) => StorageError::Config("the bucket does not exist".into()),
        (code, Some(status @ (500 | 502 | 503 | 504))) => {
            StorageError::Unavailable(format!("{} (HTTP {status}): {}", code.unwrap_or("error"), message()))
        }
        (code, Some(status)) => {
            StorageError::Backend(format!("{} (HTTP {status}): {}", code.unwrap_or("error"), message()))
        }
        // No answer: connection refused or reset, a timeout; the chain of causes says which.
        (_, None)
            if matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)) =>
        {
            StorageError::Unavailable(DisplayErrorContext(&err).to_string())
        }
        (_, None) => StorageError::Backend(DisplayErrorContext(&err).to_string()),
    }
}
