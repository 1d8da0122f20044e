//! Bodies, backends and the per-test context shared by the suites.

use std::io;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use futures::{StreamExt, stream};
use meridian_storage::{
    BackendKind, ByteStream, FilesystemStore, ObjectStore, S3Config, S3Store, Secret, create_bucket,
};
use sha2::{Digest, Sha256};

pub const MIB: usize = 1024 * 1024;
/// The smallest part S3 allows; the S3 stores of the tests use it, so that bodies of ~12 MiB go multipart.
pub const PART: usize = 5 * MIB;

/// What a backend (or the server behind it) does that others may not.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    /// Refuses a presigned URL that was changed (moto, a mock, accepts anything).
    pub checks_signatures: bool,
    /// Verifies `x-amz-checksum-sha256` (Ceph 16 ignores it).
    pub checks_checksums: bool,
    /// `list` returns keys in bytewise order (not SeaweedFS: see the list case of the suite).
    pub bytewise_listing: bool,
}

impl Server {
    pub const STRICT: Self = Self { checks_signatures: true, checks_checksums: true, bytewise_listing: true };
}

/// One test's view of a backend: its store, and a key prefix no other test uses.
pub struct Ctx {
    pub store: Arc<dyn ObjectStore>,
    pub prefix: String,
    pub server: Server,
    _root: Option<tempfile::TempDir>,
}

impl Ctx {
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub fn is_s3(&self) -> bool {
        self.store.kind() == BackendKind::S3
    }

    /// Removes what the test stored (S3: the bucket is shared by the run).
    pub async fn cleanup(&self) {
        if !self.is_s3() {
            return;
        }
        for upload in self.store.list_multipart(&self.prefix).await.unwrap_or_default() {
            let _ = self.store.abort_multipart(&upload.key, &upload.upload_id).await;
        }
        while let Ok(objects) = self.store.list(&self.prefix, None, 1000).await {
            if objects.is_empty() {
                break;
            }
            for object in objects {
                let _ = self.store.delete(&object.key).await;
            }
        }
    }
}

/// A filesystem store in a fresh temporary directory.
pub async fn filesystem(_test: &str) -> Option<Ctx> {
    let root = tempfile::tempdir().expect("temporary directory");
    let store = FilesystemStore::open(root.path()).await.expect("open the filesystem store");
    Some(Ctx { store: Arc::new(store), prefix: String::new(), server: Server::STRICT, _root: Some(root) })
}

/// The S3 configuration for the server named by `endpoint_var`, or None (and a note) when it is not set.
pub fn s3_config(endpoint_var: &str, test: &str) -> Option<S3Config> {
    let Ok(endpoint) = std::env::var(endpoint_var) else {
        eprintln!("{endpoint_var} is not set: skipping {test}");
        return None;
    };
    let env = |name: &str| std::env::var(name).ok();
    Some(S3Config {
        endpoint: Some(endpoint),
        region: env("AWS_REGION").unwrap_or_else(|| "us-east-1".into()),
        path_style: true,
        access_key_id: env("AWS_ACCESS_KEY_ID"),
        secret_access_key: env("AWS_SECRET_ACCESS_KEY").map(Secret::new),
        part_size: PART as u64,
        // Fewer than the parts of the big bodies: a part waits for a slot and reuses a finished part's buffer.
        concurrency: 2,
        ..S3Config::new(run_bucket())
    })
}

/// One bucket per test run, named so that runs never meet.
pub fn run_bucket() -> String {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        format!("meridian-test-{}-{}", now.as_secs(), std::process::id())
    })
    .clone()
}

/// A store on the S3 server named by `endpoint_var` (bucket created if needed), or None when it is not set.
pub async fn s3_store(endpoint_var: &str, test: &str) -> Option<S3Store> {
    let config = s3_config(endpoint_var, test)?;
    create_bucket(&config).await.expect("create the test bucket");
    Some(S3Store::open(&config).await.expect("open the S3 store"))
}

pub async fn s3_ctx(endpoint_var: &str, test: &str, server: Server) -> Option<Ctx> {
    let store = s3_store(endpoint_var, test).await?;
    Some(Ctx { store: Arc::new(store), prefix: format!("{test}/"), server, _root: None })
}

/// Reproducible bytes that do not repeat within a part (xorshift).
pub fn pattern(len: usize, seed: u64) -> Bytes {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

pub fn sha(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// `data` in chunks of uneven sizes, as a network would deliver it.
fn chunks(data: &Bytes) -> Vec<Bytes> {
    let sizes = [1_000, 65_536, 300_001, 7, 1 << 20];
    let (mut at, mut i, mut out) = (0, 0, Vec::new());
    while at < data.len() {
        let end = (at + sizes[i % sizes.len()]).min(data.len());
        out.push(data.slice(at..end));
        at = end;
        i += 1;
    }
    out
}

pub fn body(data: &Bytes) -> ByteStream {
    stream::iter(chunks(data).into_iter().map(Ok)).boxed()
}

/// The first `fail_after` bytes of `data`, then an error, as when the uploading client disconnects.
pub fn failing_body(data: &Bytes, fail_after: usize) -> ByteStream {
    let head = data.slice(..fail_after);
    stream::iter(chunks(&head).into_iter().map(Ok))
        .chain(stream::once(async { Err(io::Error::new(io::ErrorKind::ConnectionReset, "client went away")) }))
        .boxed()
}

/// The first `stall_after` bytes of `data`, then nothing ever again.
pub fn stalling_body(data: &Bytes, stall_after: usize) -> ByteStream {
    let head = data.slice(..stall_after);
    stream::iter(chunks(&head).into_iter().map(Ok)).chain(stream::pending()).boxed()
}

pub async fn read_all(mut body: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("body chunk"));
    }
    out
}
