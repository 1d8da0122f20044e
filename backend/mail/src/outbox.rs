//! The outbox transport: each message becomes a `.eml` file (the whole RFC 5322 message) in a folder.

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::error::SendError;

/// Writes `email` to `<dir>/<UTC time>-<id>.eml` and returns the path. The file appears whole or not at all: it
/// is written under a hidden temporary name in the same folder, flushed to disk, then renamed. Files are readable
/// by their owner only (they hold single-use secret links).
pub(crate) async fn write(dir: &Path, email: &lettre::Message, message_id: &str) -> Result<PathBuf, SendError> {
    let name = file_name(message_id);
    let path = dir.join(&name);
    let temporary = dir.join(format!(".{name}.tmp"));
    let failed = |what: &str, e: io::Error| SendError::Transient(format!("outbox {}: {what}: {e}", dir.display()));

    create_dir(dir).await.map_err(|e| failed("cannot create the folder", e))?;
    if let Err(e) = write_new(&temporary, &email.formatted()).await {
        // Best effort: a leftover hidden temporary file is harmless, the error that matters is `e`.
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(failed("cannot write the message", e));
    }
    if let Err(e) = tokio::fs::rename(&temporary, &path).await {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(failed("cannot move the message into place", e));
    }
    Ok(path)
}

/// `20250506T203000.123Z-<the Message-ID's random part>.eml`: sorted by time, unique, and findable from the
/// `Message-ID` header.
fn file_name(message_id: &str) -> String {
    let unique = message_id.trim_start_matches('<').split('@').next().unwrap_or_default();
    let unique: String = unique.chars().filter(char::is_ascii_alphanumeric).collect();
    let unique = if unique.is_empty() { uuid::Uuid::new_v4().simple().to_string() } else { unique };
    format!("{}-{unique}.eml", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"))
}

async fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await
}

async fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}
