//! The local-filesystem backend, the embedded default.
//!
//! Layout under the root: each object is the file at its key; a sidecar `.meta/<h0h1>/<sha256 of the key>.json`
//! keeps its tier, content type and SHA-256 (named by hash: a tree mirroring the keys could not hold the sidecars
//! of both `a` and `a.json/b`); `.tmp/` holds bodies being written (fsynced, then renamed into place, so an object appears
//! whole or not at all); `.uploads/<id>/` holds the parts of multipart uploads.

mod list;
mod multipart;

use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use meridian_domain::Tier;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::body::{Tally, file_stream};
use crate::keys::validate_key;
use crate::{
    BackendKind, ByteRange, ByteStream, CompletedPart, GetOutcome, ListedObject, ObjectInfo, ObjectStore,
    PendingUpload, PresignedRequest, PutOptions, PutOutcome, RestoreStatus, StorageError,
};

const TMP: &str = ".tmp";
const META: &str = ".meta";
const UPLOADS: &str = ".uploads";
/// Temporary files older than this are left-overs of a killed process, removed by `open`.
const STALE_TMP: Duration = Duration::from_secs(24 * 3600);

/// Objects as files under one root directory.
#[derive(Debug, Clone)]
pub struct FilesystemStore {
    root: PathBuf,
}

/// What a sidecar keeps beside an object's bytes.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Sidecar {
    /// For a person looking at the files; the path is the key's hash.
    #[serde(default)]
    key: String,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    tier: Tier,
    /// Hex; absent for a file placed by hand.
    #[serde(default)]
    sha256: Option<String>,
}

/// A file under `.tmp/`, removed when dropped unless it was published (renamed into place). This is what cleans
/// up after an error or a dropped `put` future.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // A drop cannot await; one unlink is short enough to do in place.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl FilesystemStore {
    /// Opens (creating when missing) a store under `root`, and removes temporary files a killed process left.
    pub async fn open(root: impl AsRef<Path>) -> Result<Self, StorageError> {
        let root = root.as_ref().to_path_buf();
        for dir in [TMP, META, UPLOADS] {
            tokio::fs::create_dir_all(root.join(dir)).await?;
        }
        let store = Self { root };
        store.remove_stale_temp_files().await?;
        Ok(store)
    }

    fn object_path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    fn sidecar_path(&self, key: &str) -> PathBuf {
        let name = hex::encode(Sha256::digest(key.as_bytes()));
        self.root.join(META).join(&name[..2]).join(format!("{name}.json"))
    }

    async fn remove_stale_temp_files(&self) -> Result<(), StorageError> {
        let mut entries = tokio::fs::read_dir(self.root.join(TMP)).await?;
        while let Some(entry) = entries.next_entry().await? {
            let stale = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|age| age > STALE_TMP);
            if stale {
                tracing::info!(path = %entry.path().display(), "removing a stale temporary file");
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
        Ok(())
    }

    async fn create_temp(&self) -> Result<(tokio::fs::File, TempFile), StorageError> {
        let path = self.root.join(TMP).join(uuid::Uuid::now_v7().simple().to_string());
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok((file, TempFile { path, armed: true }))
    }

    /// Streams `body` into a new temporary file, counting and hashing; the file is flushed and fsynced.
    async fn receive(&self, mut body: ByteStream, tally: &mut Tally) -> Result<TempFile, StorageError> {
        let (mut file, temp) = self.create_temp().await?;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(StorageError::Body)?;
            tally.update(&chunk)?;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        Ok(temp)
    }

    /// Renames a finished temporary file to `dest` (creating its directories) and makes the rename durable.
    async fn publish(&self, mut temp: TempFile, dest: &Path, key: &str) -> Result<(), StorageError> {
        let parent = dest.parent().unwrap_or(&self.root).to_path_buf();
        // A concurrent `delete` may remove an emptied directory between the two steps: one more try then.
        let mut tries = 0;
        loop {
            tokio::fs::create_dir_all(&parent).await.map_err(|e| path_conflict(e, key))?;
            match tokio::fs::rename(&temp.path, dest).await {
                Ok(()) => break,
                Err(e) if e.kind() == io::ErrorKind::NotFound && tries == 0 => tries += 1,
                Err(e) => return Err(path_conflict(e, key)),
            }
        }
        temp.armed = false;
        sync_dir(parent).await
    }

    /// Makes a finished temporary file the object at `key`, with its sidecar. The sidecar goes first: until the
    /// rename the object is the old one (or none), and a sidecar without an object is never read.
    async fn store_object(&self, temp: TempFile, key: &str, sidecar: &Sidecar) -> Result<(), StorageError> {
        self.write_sidecar(key, sidecar).await?;
        let result = self.publish(temp, &self.object_path(key), key).await;
        if result.is_err() && !tokio::fs::metadata(self.object_path(key)).await.is_ok_and(|m| m.is_file()) {
            // Nothing was there to describe: leave no orphan behind.
            let _ = tokio::fs::remove_file(self.sidecar_path(key)).await;
        }
        result
    }

    async fn read_sidecar(&self, key: &str) -> Result<Sidecar, StorageError> {
        match tokio::fs::read(self.sidecar_path(key)).await {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StorageError::Backend(format!("unreadable metadata for {key:?}: {e}"))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Sidecar::default()),
            Err(e) => Err(e.into()),
        }
    }

    async fn write_sidecar(&self, key: &str, sidecar: &Sidecar) -> Result<(), StorageError> {
        let json = serde_json::to_vec(sidecar).map_err(|e| StorageError::Backend(e.to_string()))?;
        let (mut file, temp) = self.create_temp().await?;
        file.write_all(&json).await?;
        file.flush().await?;
        file.sync_all().await?;
        self.publish(temp, &self.sidecar_path(key), key).await
    }

    /// The object's file metadata; NotFound also for a "directory" key (one that only prefixes other keys).
    async fn stat(&self, key: &str) -> Result<std::fs::Metadata, StorageError> {
        match tokio::fs::metadata(self.object_path(key)).await {
            Ok(meta) if meta.is_file() => Ok(meta),
            Ok(_) => Err(StorageError::NotFound),
            Err(e) => Err(not_found(e)),
        }
    }

    async fn info(&self, key: &str, meta: &std::fs::Metadata) -> Result<ObjectInfo, StorageError> {
        let sidecar = self.read_sidecar(key).await?;
        let last_modified = meta.modified().ok().map(DateTime::<Utc>::from);
        let etag = match &sidecar.sha256 {
            Some(sha) => format!("\"{sha}\""),
            None => format!("\"{:x}-{:x}\"", meta.len(), last_modified.map_or(0, |t| t.timestamp_micros())),
        };
        Ok(ObjectInfo {
            size: meta.len(),
            content_type: sidecar.content_type,
            tier: sidecar.tier,
            storage_class: sidecar.tier.as_str().to_owned(),
            // There is no archive here: every tier is readable at once.
            restore: RestoreStatus::NotArchived,
            last_modified,
            etag: Some(etag),
        })
    }

    /// Removes now-empty directories from `path`'s parent up to (not including) `stop`. Best effort: a
    /// directory that is not empty, or is gone already, ends it.
    async fn prune_empty_dirs(path: &Path, stop: &Path) {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == stop || !d.starts_with(stop) || tokio::fs::remove_dir(d).await.is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

/// A missing file (or a path through a file) is a missing object.
fn not_found(e: io::Error) -> StorageError {
    match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => StorageError::NotFound,
        _ => StorageError::Io(e),
    }
}

/// A filesystem cannot hold both `a` and `a/b`, which S3 can: say so instead of a bare I/O error.
fn path_conflict(e: io::Error, key: &str) -> StorageError {
    match e.kind() {
        io::ErrorKind::NotADirectory
        | io::ErrorKind::IsADirectory
        | io::ErrorKind::DirectoryNotEmpty
        | io::ErrorKind::AlreadyExists => StorageError::InvalidKey(format!(
            "{key:?} clashes with an existing key: on the filesystem a key cannot also be the prefix of a key"
        )),
        _ => StorageError::Io(e),
    }
}

async fn sync_dir(dir: PathBuf) -> Result<(), StorageError> {
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(|e| StorageError::Backend(format!("directory sync task failed: {e}")))?
        .map_err(StorageError::Io)
}

#[async_trait::async_trait]
impl ObjectStore for FilesystemStore {
    fn kind(&self) -> BackendKind {
        BackendKind::Filesystem
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn put(&self, key: &str, body: ByteStream, opts: PutOptions) -> Result<PutOutcome, StorageError> {
        validate_key(key)?;
        let mut tally = Tally::new(opts.expected_size);
        let temp = self.receive(body, &mut tally).await?;
        let outcome = tally.finish(opts.expected_sha256.as_ref())?;
        let sidecar = Sidecar {
            key: key.to_owned(),
            content_type: opts.content_type,
            tier: opts.tier,
            sha256: Some(hex::encode(outcome.sha256)),
        };
        self.store_object(temp, key, &sidecar).await?;
        Ok(outcome)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<GetOutcome, StorageError> {
        validate_key(key)?;
        // Open first and stat the open file: a concurrent replace then cannot mix two versions.
        let mut file = tokio::fs::File::open(self.object_path(key)).await.map_err(not_found)?;
        let meta = file.metadata().await?;
        if !meta.is_file() {
            return Err(StorageError::NotFound);
        }
        let info = self.info(key, &meta).await?;
        let (range, len) = match range {
            None => (None, meta.len()),
            Some(range) => {
                let (start, end) = range.resolve(meta.len())?;
                file.seek(SeekFrom::Start(start)).await?;
                (Some((start, end)), end - start + 1)
            }
        };
        Ok(GetOutcome { info, range, body: file_stream(file, len) })
    }

    async fn head(&self, key: &str) -> Result<ObjectInfo, StorageError> {
        validate_key(key)?;
        let meta = self.stat(key).await?;
        self.info(key, &meta).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(key = %key))]
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        let path = self.object_path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {}
            // A key that only prefixes others names a directory: there is no object to delete.
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        match tokio::fs::remove_file(self.sidecar_path(key)).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        Self::prune_empty_dirs(&path, &self.root).await;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(from = %from, to = %to))]
    async fn copy(&self, from: &str, to: &str, tier: Tier) -> Result<(), StorageError> {
        validate_key(from)?;
        validate_key(to)?;
        if from == to {
            return self.set_tier(from, tier).await;
        }
        let source = tokio::fs::File::open(self.object_path(from)).await.map_err(not_found)?;
        if !source.metadata().await?.is_file() {
            return Err(StorageError::NotFound);
        }
        let sidecar = Sidecar { key: to.to_owned(), tier, ..self.read_sidecar(from).await? };
        let (target, temp) = self.create_temp().await?;
        let (mut source, mut target) = (source.into_std().await, target.into_std().await);
        // std::io::copy between two files uses copy_file_range where the kernel has it.
        tokio::task::spawn_blocking(move || {
            std::io::copy(&mut source, &mut target)?;
            target.sync_all()
        })
        .await
        .map_err(|e| StorageError::Backend(format!("copy task failed: {e}")))??;
        self.store_object(temp, to, &sidecar).await
    }

    async fn set_tier(&self, key: &str, tier: Tier) -> Result<(), StorageError> {
        validate_key(key)?;
        self.stat(key).await?;
        let sidecar = Sidecar { key: key.to_owned(), tier, ..self.read_sidecar(key).await? };
        self.write_sidecar(key, &sidecar).await
    }

    async fn restore(&self, key: &str, _days: u32) -> Result<RestoreStatus, StorageError> {
        self.set_tier(key, Tier::Hot).await?;
        Ok(RestoreStatus::NotArchived)
    }

    async fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ListedObject>, StorageError> {
        crate::keys::validate_prefix(prefix)?;
        let (root, prefix, start_after) = (self.root.clone(), prefix.to_owned(), start_after.map(str::to_owned));
        tokio::task::spawn_blocking(move || list::list(&root, &prefix, start_after.as_deref(), limit))
            .await
            .map_err(|e| StorageError::Backend(format!("list task failed: {e}")))?
            .map_err(StorageError::Io)
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
        self.put_part(key, upload_id, part_number, body, size).await
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
        _key: &str,
        _expires: Duration,
        _download_name: Option<&str>,
    ) -> Result<Option<PresignedRequest>, StorageError> {
        Ok(None)
    }

    async fn presign_put(
        &self,
        _key: &str,
        _expires: Duration,
        _opts: &PutOptions,
    ) -> Result<Option<PresignedRequest>, StorageError> {
        Ok(None)
    }

    async fn presign_part(
        &self,
        _key: &str,
        _upload_id: &str,
        _part_number: u32,
        _size: u64,
        _expires: Duration,
    ) -> Result<Option<PresignedRequest>, StorageError> {
        Ok(None)
    }
}
