//! The filesystem backend: the suite, and what its files on disk must look like.

use std::path::Path;
use std::time::Duration;

use meridian_storage::{FilesystemStore, ObjectStore, PutOptions, StorageConfig, StorageError};

use crate::support::{MIB, body, pattern, stalling_body};

mod suite {
    conformance!(crate::support::filesystem);
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn open_through_the_config() {
    let root = tempfile::tempdir().expect("temporary directory");
    let config = StorageConfig::Filesystem { root: root.path().join("objects") };
    let store = meridian_storage::open(&config).await.expect("open");
    store.put("k", body(&pattern(5, 1)), PutOptions::default()).await.expect("put");
    assert!(root.path().join("objects/k").is_file());
}

#[tokio::test]
async fn failed_and_dropped_puts_leave_no_temporary_files() {
    let root = tempfile::tempdir().expect("temporary directory");
    let store = FilesystemStore::open(root.path()).await.expect("open");
    let data = pattern(3 * MIB, 2);
    let wrong = PutOptions { expected_sha256: Some([0; 32]), ..PutOptions::default() };
    assert!(store.put("a/b", body(&data), wrong).await.is_err());
    let put = store.put("a/c", stalling_body(&data, MIB), PutOptions::default());
    assert!(tokio::time::timeout(Duration::from_millis(300), put).await.is_err());
    assert!(names(&root.path().join(".tmp")).is_empty(), "{:?}", names(&root.path().join(".tmp")));
    assert!(!root.path().join("a/b").exists() && !root.path().join("a/c").exists());
}

#[tokio::test]
async fn layout_stays_out_of_listings_and_delete_prunes_directories() {
    let root = tempfile::tempdir().expect("temporary directory");
    let store = FilesystemStore::open(root.path()).await.expect("open");
    store.put("x/y/z", body(&pattern(5, 3)), PutOptions::default()).await.expect("put");
    let id = store.create_multipart("x/up", PutOptions::default()).await.expect("create");
    store.upload_part("x/up", &id, 1, body(&pattern(5, 4)), 5).await.expect("part");
    let keys: Vec<String> = store.list("", None, 100).await.expect("list").into_iter().map(|o| o.key).collect();
    assert_eq!(keys, ["x/y/z"]);
    assert_eq!(names(root.path()), [".meta", ".tmp", ".uploads", "x"]);

    store.delete("x/y/z").await.expect("delete");
    assert_eq!(names(root.path()), [".meta", ".tmp", ".uploads"], "emptied directories are removed");
    store.abort_multipart("x/up", &id).await.expect("abort");
    assert!(names(&root.path().join(".uploads")).is_empty());
}

#[tokio::test]
async fn a_key_cannot_be_both_an_object_and_a_prefix() {
    let root = tempfile::tempdir().expect("temporary directory");
    let store = FilesystemStore::open(root.path()).await.expect("open");
    store.put("a", body(&pattern(5, 5)), PutOptions::default()).await.expect("put a");
    let below = store.put("a/b", body(&pattern(5, 6)), PutOptions::default()).await;
    assert!(matches!(below, Err(StorageError::InvalidKey(_))), "{below:?}");
    store.put("c/d", body(&pattern(5, 7)), PutOptions::default()).await.expect("put c/d");
    let above = store.put("c", body(&pattern(5, 8)), PutOptions::default()).await;
    assert!(matches!(above, Err(StorageError::InvalidKey(_))), "{above:?}");
    // The refused keys left no sidecar behind: one each for "a" and "c/d".
    let sidecars: usize =
        names(&root.path().join(".meta")).iter().map(|d| names(&root.path().join(".meta").join(d)).len()).sum();
    assert_eq!(sidecars, 2);
    // The prefix is no object.
    assert!(matches!(store.head("c").await, Err(StorageError::NotFound)));
    store.delete("c").await.expect("nothing to delete");
    assert!(store.head("c/d").await.is_ok());
}

#[tokio::test]
async fn a_part_too_small_cannot_come_first() {
    let root = tempfile::tempdir().expect("temporary directory");
    let store = FilesystemStore::open(root.path()).await.expect("open");
    let id = store.create_multipart("k", PutOptions::default()).await.expect("create");
    let e1 = store.upload_part("k", &id, 1, body(&pattern(10, 1)), 10).await.expect("part 1");
    let e2 = store.upload_part("k", &id, 2, body(&pattern(10, 2)), 10).await.expect("part 2");
    let parts = |a: &str, b: &str| {
        [
            meridian_storage::CompletedPart { part_number: 1, etag: a.to_owned() },
            meridian_storage::CompletedPart { part_number: 2, etag: b.to_owned() },
        ]
    };
    let result = store.complete_multipart("k", &id, &parts(&e1, &e2)).await;
    assert!(matches!(result, Err(StorageError::InvalidPart(_))), "{result:?}");
    let result = store.complete_multipart("k", &id, &parts(&e2, &e1)).await;
    assert!(matches!(result, Err(StorageError::InvalidPart(_))), "wrong etags: {result:?}");
    // Parts out of order in the completion list.
    let reversed = [parts(&e1, &e2)[1].clone(), parts(&e1, &e2)[0].clone()];
    assert!(matches!(store.complete_multipart("k", &id, &reversed).await, Err(StorageError::InvalidPart(_))));
    // The last part alone may be small.
    store.complete_multipart("k", &id, &parts(&e1, &e2)[..1]).await.expect("one small part");
    assert_eq!(store.head("k").await.expect("head").size, 10);
}
