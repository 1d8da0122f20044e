//! Bodies in flight: hashing and size checks while streaming, and the adapters between our `ByteStream`,
//! files and aws-sdk-s3's bodies.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::{ByteStream, PutOutcome, StorageError};

/// Reads are served in chunks of this size.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// Counts and hashes a body as it passes, refusing it as soon as it is longer than announced.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    hasher: Sha256,
    size: u64,
    expected_size: Option<u64>,
}

impl Tally {
    pub(crate) fn new(expected_size: Option<u64>) -> Self {
        Self { hasher: Sha256::new(), size: 0, expected_size }
    }

    pub(crate) fn update(&mut self, chunk: &[u8]) -> Result<(), StorageError> {
        self.size += chunk.len() as u64;
        if let Some(expected) = self.expected_size
            && self.size > expected
        {
            return Err(StorageError::SizeMismatch { expected, actual: self.size });
        }
        self.hasher.update(chunk);
        Ok(())
    }

    /// The body has ended: checks the announced size and checksum.
    pub(crate) fn finish(self, expected_sha256: Option<&[u8; 32]>) -> Result<PutOutcome, StorageError> {
        if let Some(expected) = self.expected_size
            && self.size != expected
        {
            return Err(StorageError::SizeMismatch { expected, actual: self.size });
        }
        let sha256: [u8; 32] = self.hasher.finalize().into();
        if expected_sha256.is_some_and(|expected| *expected != sha256) {
            return Err(StorageError::ChecksumMismatch);
        }
        Ok(PutOutcome { size: self.size, sha256 })
    }
}

/// Streams `len` bytes of an open file from its current position, in chunks of [`READ_CHUNK`].
pub(crate) fn file_stream(file: tokio::fs::File, len: u64) -> ByteStream {
    futures::stream::try_unfold((file, len), |(mut file, remaining)| async move {
        if remaining == 0 {
            return Ok(None);
        }
        let want = usize::try_from(remaining).map_or(READ_CHUNK, |r| r.min(READ_CHUNK));
        let mut chunk = vec![0; want];
        let n = file.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file ended early"));
        }
        chunk.truncate(n);
        Ok(Some((Bytes::from(chunk), (file, remaining - n as u64))))
    })
    .boxed()
}

/// Where [`SizedBody`] leaves the reason it failed, for the caller to report instead of the SDK's wrapping.
pub(crate) type FailureSlot = Arc<Mutex<Option<StorageError>>>;

pub(crate) fn take_failure(slot: &FailureSlot) -> Option<StorageError> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// Our stream as an `http_body` 1.x body of exactly `size` bytes (what S3 is told in Content-Length), for
/// aws-sdk-s3's `ByteStream::from_body_1_x`. A stream that is longer or shorter, or fails, ends the request
/// with an error and leaves the reason in the slot.
pub(crate) struct SizedBody {
    // In a Mutex only to be Sync, as the SDK wants; never locked (`get_mut`).
    stream: Mutex<ByteStream>,
    size: u64,
    sent: u64,
    failure: FailureSlot,
}

impl SizedBody {
    pub(crate) fn new(stream: ByteStream, size: u64) -> (Self, FailureSlot) {
        let failure = FailureSlot::default();
        (Self { stream: Mutex::new(stream), size, sent: 0, failure: failure.clone() }, failure)
    }

    fn fail(&mut self, error: StorageError) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        let message = error.to_string();
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
        Poll::Ready(Some(Err(io::Error::other(message))))
    }
}

impl http_body::Body for SizedBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let stream = this.stream.get_mut().unwrap_or_else(PoisonError::into_inner);
        match Pin::new(stream).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                this.sent += chunk.len() as u64;
                if this.sent > this.size {
                    return this.fail(StorageError::SizeMismatch { expected: this.size, actual: this.sent });
                }
                Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
            }
            Poll::Ready(Some(Err(e))) => this.fail(StorageError::Body(e)),
            Poll::Ready(None) if this.sent < this.size => {
                this.fail(StorageError::SizeMismatch { expected: this.size, actual: this.sent })
            }
            Poll::Ready(None) => Poll::Ready(None),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.size)
    }
}

impl std::fmt::Debug for SizedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SizedBody").field("size", &self.size).field("sent", &self.sent).finish_non_exhaustive()
    }
}

/// aws-sdk-s3's response body as our stream.
pub(crate) fn from_sdk(body: aws_sdk_s3::primitives::ByteStream) -> ByteStream {
    futures::stream::try_unfold(body, |mut body| async move {
        match body.try_next().await {
            Ok(Some(chunk)) => Ok(Some((chunk, body))),
            Ok(None) => Ok(None),
            Err(e) => Err(io::Error::other(e)),
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_checks_size_and_checksum() {
        let mut tally = Tally::new(Some(3));
        tally.update(b"ab").expect("within size");
        assert!(matches!(tally.update(b"cd"), Err(StorageError::SizeMismatch { expected: 3, actual: 4 })));

        let mut tally = Tally::new(Some(5));
        tally.update(b"abc").expect("within size");
        assert!(matches!(tally.finish(None), Err(StorageError::SizeMismatch { expected: 5, actual: 3 })));

        let mut tally = Tally::new(None);
        tally.update(b"abc").expect("no limit");
        let sha: [u8; 32] = Sha256::digest(b"abc").into();
        assert_eq!(tally.finish(Some(&sha)).expect("matches"), PutOutcome { size: 3, sha256: sha });

        let mut tally = Tally::new(None);
        tally.update(b"abd").expect("no limit");
        assert!(matches!(tally.finish(Some(&sha)), Err(StorageError::ChecksumMismatch)));
    }
}
