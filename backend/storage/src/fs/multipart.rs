//! Multipart uploads on the filesystem, with S3's rules: parts numbered 1 to 10,000, a part re-sent under
//! the same number replaces the earlier one, every part but the last at least 5 MiB, completion in ascending order.
//!
//! `.uploads/<id>/upload.json` holds the key and options; each part is the file `<number>-<sha256 hex>`, whose
//! hash is also its etag, so a part and its etag are renamed into place together.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use meridian_domain::Tier;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use super::{FilesystemStore, Sidecar, UPLOADS, sync_dir};
use crate::body::Tally;
use crate::config::MIN_PART_SIZE;
use crate::keys::validate_key;
use crate::{ByteStream, CompletedPart, PendingUpload, PutOptions, StorageError};

const MAX_PART_NUMBER: u32 = 10_000;
const UPLOAD_FILE: &str = "upload.json";

#[derive(Debug, Serialize, Deserialize)]
struct Upload {
    key: String,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    tier: Tier,
    #[serde(default)]
    expected_size: Option<u64>,
    /// Hex.
    #[serde(default)]
    expected_sha256: Option<String>,
    initiated: DateTime<Utc>,
}

/// A part on disk.
#[derive(Debug)]
struct Part {
    number: u32,
    sha256_hex: String,
    size: u64,
    path: PathBuf,
    modified: Option<std::time::SystemTime>,
}

impl Part {
    fn etag(&self) -> String {
        format!("\"{}\"", self.sha256_hex)
    }
}

fn part_name(number: u32, sha256_hex: &str) -> String {
    format!("{number:05}-{sha256_hex}")
}

fn parse_part_name(name: &str) -> Option<(u32, &str)> {
    let (number, hash) = name.split_once('-')?;
    let valid_hash = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    Some((number.parse().ok()?, hash)).filter(|_| valid_hash && number.len() == 5)
}

/// Upload ids are ours (a UUID in hex): anything else cannot name an upload, and never reaches a path.
fn check_upload_id(upload_id: &str) -> Result<(), StorageError> {
    if upload_id.len() == 32 && upload_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(StorageError::NoSuchUpload)
    }
}

fn check_part_number(part_number: u32) -> Result<(), StorageError> {
    if (1..=MAX_PART_NUMBER).contains(&part_number) {
        Ok(())
    } else {
        Err(StorageError::InvalidPart(format!("part number {part_number} is not between 1 and {MAX_PART_NUMBER}")))
    }
}

impl FilesystemStore {
    fn upload_dir(&self, upload_id: &str) -> PathBuf {
        self.root.join(UPLOADS).join(upload_id)
    }

    /// The upload's record, which must be for `key`.
    async fn load_upload(&self, key: &str, upload_id: &str) -> Result<Upload, StorageError> {
        validate_key(key)?;
        check_upload_id(upload_id)?;
        let bytes = match tokio::fs::read(self.upload_dir(upload_id).join(UPLOAD_FILE)).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StorageError::NoSuchUpload),
            Err(e) => return Err(e.into()),
        };
        let upload: Upload = serde_json::from_slice(&bytes)
            .map_err(|e| StorageError::Backend(format!("unreadable upload record {upload_id}: {e}")))?;
        if upload.key != key {
            return Err(StorageError::NoSuchUpload);
        }
        Ok(upload)
    }

    /// The parts on disk, by number; of two files for one number (a retry racing its cleanup) the newer wins.
    async fn read_parts(&self, upload_id: &str) -> Result<Vec<Part>, StorageError> {
        let dir = self.upload_dir(upload_id);
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StorageError::NoSuchUpload),
            Err(e) => return Err(e.into()),
        };
        let mut parts: Vec<Part> = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let Ok(name) = entry.file_name().into_string() else { continue };
            let Some((number, hash)) = parse_part_name(&name) else { continue };
            let Ok(meta) = entry.metadata().await else { continue };
            let part = Part {
                number,
                sha256_hex: hash.to_owned(),
                size: meta.len(),
                path: entry.path(),
                modified: meta.modified().ok(),
            };
            match parts.iter_mut().find(|p| p.number == number) {
                Some(existing) if existing.modified < part.modified => *existing = part,
                Some(_) => {}
                None => parts.push(part),
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    pub(super) async fn create_upload(&self, key: &str, opts: PutOptions) -> Result<String, StorageError> {
        validate_key(key)?;
        let upload_id = uuid::Uuid::now_v7().simple().to_string();
        let upload = Upload {
            key: key.to_owned(),
            content_type: opts.content_type,
            tier: opts.tier,
            expected_size: opts.expected_size,
            expected_sha256: opts.expected_sha256.map(hex::encode),
            initiated: Utc::now(),
        };
        let json = serde_json::to_vec(&upload).map_err(|e| StorageError::Backend(e.to_string()))?;
        let dir = self.upload_dir(&upload_id);
        tokio::fs::create_dir_all(&dir).await?;
        // The record appears whole (written aside, then renamed), so a half-written one never names an upload.
        let (mut file, mut temp) = self.create_temp().await?;
        file.write_all(&json).await?;
        file.flush().await?;
        file.sync_all().await?;
        tokio::fs::rename(&temp.path, dir.join(UPLOAD_FILE)).await?;
        temp.armed = false;
        sync_dir(dir).await?;
        Ok(upload_id)
    }

    pub(super) async fn put_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ByteStream,
        size: u64,
    ) -> Result<String, StorageError> {
        check_part_number(part_number)?;
        self.load_upload(key, upload_id).await?;
        let mut tally = Tally::new(Some(size));
        let temp = self.receive(body, &mut tally).await?;
        let outcome = tally.finish(None)?;
        let sha256_hex = hex::encode(outcome.sha256);
        let dir = self.upload_dir(upload_id);
        let name = part_name(part_number, &sha256_hex);
        let mut temp = temp;
        match tokio::fs::rename(&temp.path, dir.join(&name)).await {
            Ok(()) => temp.armed = false,
            // Aborted (or completed) while the part was arriving.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(StorageError::NoSuchUpload),
            Err(e) => return Err(e.into()),
        }
        // The retried part replaces the earlier one under the same number.
        let mut entries = tokio::fs::read_dir(&dir).await?;
        while let Some(entry) = entries.next_entry().await? {
            let Ok(other) = entry.file_name().into_string() else { continue };
            if other != name && parse_part_name(&other).is_some_and(|(n, _)| n == part_number) {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
        sync_dir(dir).await?;
        Ok(format!("\"{sha256_hex}\""))
    }

    pub(super) async fn parts(&self, key: &str, upload_id: &str) -> Result<Vec<(CompletedPart, u64)>, StorageError> {
        self.load_upload(key, upload_id).await?;
        let parts = self.read_parts(upload_id).await?;
        Ok(parts.iter().map(|p| (CompletedPart { part_number: p.number, etag: p.etag() }, p.size)).collect())
    }

    pub(super) async fn complete_upload(
        &self,
        key: &str,
        upload_id: &str,
        requested: &[CompletedPart],
    ) -> Result<(), StorageError> {
        let upload = self.load_upload(key, upload_id).await?;
        if requested.is_empty() {
            return Err(StorageError::InvalidPart("no parts given".into()));
        }
        if requested.windows(2).any(|w| w[0].part_number >= w[1].part_number) {
            return Err(StorageError::InvalidPart("parts must be listed in ascending order of number".into()));
        }
        let on_disk = self.read_parts(upload_id).await?;
        let mut chosen = Vec::with_capacity(requested.len());
        for (i, wanted) in requested.iter().enumerate() {
            let etag = wanted.etag.trim_matches('"');
            let part = on_disk
                .iter()
                .find(|p| p.number == wanted.part_number && p.sha256_hex.eq_ignore_ascii_case(etag))
                .ok_or_else(|| {
                    StorageError::InvalidPart(format!(
                        "part {} with etag {} was not uploaded",
                        wanted.part_number, wanted.etag
                    ))
                })?;
            if i + 1 < requested.len() && part.size < MIN_PART_SIZE {
                return Err(StorageError::InvalidPart(format!(
                    "part {} is {} bytes: every part but the last must be at least 5 MiB",
                    part.number, part.size
                )));
            }
            chosen.push(part.path.clone());
        }

        let (file, temp) = self.create_temp().await?;
        let file = file.into_std().await;
        let expected_size = upload.expected_size;
        let tally = tokio::task::spawn_blocking(move || concatenate(&chosen, file, expected_size))
            .await
            .map_err(|e| StorageError::Backend(format!("concatenation task failed: {e}")))??;
        let expected_sha256 = upload.expected_sha256.as_deref().map(parse_sha256).transpose()?;
        let outcome = tally.finish(expected_sha256.as_ref())?;

        let sidecar = Sidecar {
            key: key.to_owned(),
            content_type: upload.content_type,
            tier: upload.tier,
            sha256: Some(hex::encode(outcome.sha256)),
        };
        self.store_object(temp, key, &sidecar).await?;
        // The object is in place: a failure to tidy up must not report the upload as failed.
        if let Err(e) = tokio::fs::remove_dir_all(self.upload_dir(upload_id)).await {
            tracing::warn!(upload_id, error = %e, "could not remove a completed upload's parts");
        }
        Ok(())
    }

    pub(super) async fn abort_upload(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        if check_upload_id(upload_id).is_err() {
            // Not an id we issue: there is nothing to abort.
            return Ok(());
        }
        match self.load_upload(key, upload_id).await {
            Ok(_) => {}
            Err(StorageError::NoSuchUpload) if tokio::fs::metadata(self.upload_dir(upload_id)).await.is_err() => {
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        match tokio::fs::remove_dir_all(self.upload_dir(upload_id)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn pending_uploads(&self, prefix: &str) -> Result<Vec<PendingUpload>, StorageError> {
        crate::keys::validate_prefix(prefix)?;
        let mut entries = tokio::fs::read_dir(self.root.join(UPLOADS)).await?;
        let mut pending = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let Ok(upload_id) = entry.file_name().into_string() else { continue };
            if check_upload_id(&upload_id).is_err() {
                continue;
            }
            // A directory without its record is an upload being created or removed.
            let Ok(bytes) = tokio::fs::read(entry.path().join(UPLOAD_FILE)).await else { continue };
            let Ok(upload) = serde_json::from_slice::<Upload>(&bytes) else { continue };
            if upload.key.starts_with(prefix) {
                pending.push(PendingUpload { key: upload.key, upload_id, initiated: Some(upload.initiated) });
            }
        }
        pending.sort_by(|a, b| (&a.key, a.initiated).cmp(&(&b.key, b.initiated)));
        Ok(pending)
    }
}

/// Appends the parts to `out`, hashing as it goes; fsyncs `out`.
fn concatenate(parts: &[PathBuf], mut out: std::fs::File, expected_size: Option<u64>) -> Result<Tally, StorageError> {
    let mut tally = Tally::new(expected_size);
    let mut buf = vec![0; 1024 * 1024];
    for path in parts {
        let mut part = open_part(path)?;
        loop {
            let n = part.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or_default();
            tally.update(chunk)?;
            out.write_all(chunk)?;
        }
    }
    out.sync_all()?;
    Ok(tally)
}

fn open_part(path: &Path) -> Result<std::fs::File, StorageError> {
    std::fs::File::open(path).map_err(|e| match e.kind() {
        // Replaced by a retry or removed by an abort since we looked.
        io::ErrorKind::NotFound => StorageError::InvalidPart("a part changed during completion".into()),
        _ => StorageError::Io(e),
    })
}

fn parse_sha256(hex_digest: &str) -> Result<[u8; 32], StorageError> {
    let mut out = [0; 32];
    hex::decode_to_slice(hex_digest, &mut out)
        .map_err(|e| StorageError::Backend(format!("unreadable checksum in an upload record: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn part_names_roundtrip() {
        let hash = hex::encode(Sha256::digest(b"x"));
        let name = part_name(42, &hash);
        assert_eq!(parse_part_name(&name), Some((42, hash.as_str())));
        assert_eq!(parse_part_name("upload.json"), None);
        assert_eq!(parse_part_name("00001-abc"), None);
        assert!(check_upload_id("../../etc").is_err());
        assert!(check_upload_id(&uuid::Uuid::now_v7().simple().to_string()).is_ok());
    }
}
