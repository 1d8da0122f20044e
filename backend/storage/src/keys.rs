//! Object keys: the same rules on every backend, so that a key accepted by one works on the other.

use crate::StorageError;

/// S3's limit on a key's length, in bytes.
const MAX_KEY_BYTES: usize = 1024;

/// Checks an object key: a relative, `/`-separated path of non-empty segments, none `.` or `..`, without
/// backslash or NUL, at most 1024 bytes. Keys starting with `.` are reserved (the filesystem backend keeps its
/// temporary files, metadata and uploads there).
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    let refuse = |why: &str| Err(StorageError::InvalidKey(format!("{why}: {key:?}")));
    if key.is_empty() {
        return refuse("empty key");
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(StorageError::InvalidKey(format!("longer than {MAX_KEY_BYTES} bytes")));
    }
    if key.starts_with('/') {
        return refuse("must be relative (no leading '/')");
    }
    if key.starts_with('.') {
        return refuse("keys starting with '.' are reserved");
    }
    if key.contains('\\') || key.contains('\0') {
        return refuse("backslash and NUL are not allowed");
    }
    for segment in key.split('/') {
        match segment {
            "" => return refuse("empty path segment"),
            "." | ".." => return refuse("'.' and '..' segments are not allowed"),
            _ => {}
        }
    }
    Ok(())
}

/// Checks a listing prefix: like a key, but it may be empty and may end with `/` (or in the middle of a segment).
pub(crate) fn validate_prefix(prefix: &str) -> Result<(), StorageError> {
    if prefix.is_empty() {
        return Ok(());
    }
    // A prefix such as "a/b/" or "a/fi" is valid when it extended by one character is a valid key.
    let probe = if prefix.ends_with('/') { format!("{prefix}x") } else { prefix.to_owned() };
    validate_key(&probe).map_err(|_| StorageError::InvalidKey(format!("invalid prefix: {prefix:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_keys_pass() {
        for key in ["a", "ws/0193/file.fits", "a b/c-d_e.f", "x/.hidden", "données/é.fits", "a..b/c"] {
            assert!(validate_key(key).is_ok(), "{key}");
        }
    }

    #[test]
    fn bad_keys_are_refused() {
        let long = "a".repeat(1025);
        for key in ["", "/abs", "a//b", "a/", "../x", "a/../b", "a/./b", ".", ".tmp/x", ".meta", "a\\b", "a\0b", &long]
        {
            assert!(matches!(validate_key(key), Err(StorageError::InvalidKey(_))), "{key:?}");
        }
    }

    #[test]
    fn prefixes() {
        for prefix in ["", "a", "a/", "a/b/", "a/fi"] {
            assert!(validate_prefix(prefix).is_ok(), "{prefix}");
        }
        for prefix in ["/", "../", ".tmp/", "a//", "a/../"] {
            assert!(validate_prefix(prefix).is_err(), "{prefix}");
        }
    }
}
