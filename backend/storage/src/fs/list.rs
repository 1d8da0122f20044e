//! Listing keys in S3's order (bytewise) by walking the tree, without reading more than one page needs.
//!
//! Within a directory, a file sorts by its name and a subdirectory by its name plus `/` (every key below it
//! starts so). Visiting entries in that order, depth first, yields the keys in bytewise order, so the walk can
//! stop at `limit` and skip whole subdirectories that lie before `start_after` or outside `prefix`.

use std::io;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::ListedObject;
use crate::keys::validate_key;

pub(super) fn list(
    root: &Path,
    prefix: &str,
    start_after: Option<&str>,
    limit: usize,
) -> io::Result<Vec<ListedObject>> {
    let mut found = Vec::new();
    if limit > 0 {
        walk(root, "", prefix, start_after, limit, &mut found)?;
    }
    Ok(found)
}

fn walk(
    dir: &Path,
    base: &str,
    prefix: &str,
    start_after: Option<&str>,
    limit: usize,
    found: &mut Vec<ListedObject>,
) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // Removed while we walk (a delete pruning an emptied directory): nothing there any more.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut children = Vec::new();
    for entry in entries {
        let entry = entry?;
        // Names that cannot be keys: not UTF-8, or the reserved `.tmp`, `.meta`, `.uploads` at the root.
        let Ok(name) = entry.file_name().into_string() else { continue };
        if base.is_empty() && name.starts_with('.') {
            continue;
        }
        let meta = match std::fs::metadata(entry.path()) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let key = if meta.is_dir() { format!("{base}{name}/") } else { format!("{base}{name}") };
        children.push((key, name, meta));
    }
    children.sort_unstable_by(|a, b| a.0.cmp(&b.0));

    for (key, name, meta) in children {
        if found.len() >= limit {
            break;
        }
        if meta.is_dir() {
            // Only a directory that can hold keys with the prefix, and keys after `start_after`.
            let may_match = key.starts_with(prefix) || prefix.starts_with(&key);
            let all_before = start_after.is_some_and(|after| after > key.as_str() && !after.starts_with(&key));
            if may_match && !all_before {
                walk(&dir.join(name), &key, prefix, start_after, limit, found)?;
            }
        } else if meta.is_file()
            && key.starts_with(prefix)
            && start_after.is_none_or(|after| key.as_str() > after)
            && validate_key(&key).is_ok()
        {
            let last_modified = meta.modified().ok().map(DateTime::<Utc>::from);
            found.push(ListedObject { key, size: meta.len(), last_modified });
        }
    }
    Ok(())
}
