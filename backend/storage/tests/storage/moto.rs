//! Glacier semantics on moto (`S3_ENDPOINT_MOTO`): an archived object cannot be read until restored. moto is
//! a mock (it accepts tampered presigned URLs), so only this runs there.

use meridian_storage::{ObjectStore, PutOptions, RestoreStatus, StorageError, Tier};

use crate::support::{body, pattern, read_all, s3_store};

const ENDPOINT: &str = "S3_ENDPOINT_MOTO";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_semantics() {
    let Some(store) = s3_store(ENDPOINT, "moto restore_semantics").await else { return };
    let key = "restore_semantics/m31.fits";
    let data = pattern(20_000, 41);
    store.put(key, body(&data), PutOptions { tier: Tier::Cold, ..PutOptions::default() }).await.expect("put");
    let info = store.head(key).await.expect("head");
    assert_eq!(
        (info.tier, info.storage_class.as_str(), &info.restore),
        (Tier::Cold, "GLACIER", &RestoreStatus::Archived)
    );
    let read = store.get(key, None).await;
    assert!(matches!(read, Err(StorageError::RestoreRequired)), "{read:?}");

    let status = store.restore(key, 2).await.expect("restore");
    assert!(matches!(status, RestoreStatus::InProgress | RestoreStatus::Restored { .. }), "{status:?}");
    // moto restores at once; a real Glacier would take hours.
    let info = store.head(key).await.expect("head");
    let RestoreStatus::Restored { expires_at } = info.restore else { panic!("not restored: {:?}", info.restore) };
    let expires_at = expires_at.expect("an expiry date");
    assert!(expires_at > chrono::Utc::now() + chrono::Duration::hours(24), "{expires_at}");
    assert_eq!(info.tier, Tier::Cold, "a restored object stays in its class");
    assert_eq!(read_all(store.get(key, None).await.expect("get after restore").body).await, data);
    // Asking again while restored changes nothing.
    assert!(matches!(store.restore(key, 2).await.expect("restore again"), RestoreStatus::Restored { .. }));
    store.delete(key).await.expect("delete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cool_objects_restore_by_copy() {
    let Some(store) = s3_store(ENDPOINT, "moto cool_objects_restore_by_copy").await else { return };
    let key = "cool_objects_restore_by_copy/m31.fits";
    let data = pattern(20_000, 42);
    store.put(key, body(&data), PutOptions { tier: Tier::Cool, ..PutOptions::default() }).await.expect("put");
    // Not an archive class: RestoreObject is refused, and the object is moved to the hot class instead.
    assert_eq!(store.restore(key, 1).await.expect("restore"), RestoreStatus::NotArchived);
    let info = store.head(key).await.expect("head");
    assert_eq!((info.tier, info.restore), (Tier::Hot, RestoreStatus::NotArchived));
    assert_eq!(read_all(store.get(key, None).await.expect("get").body).await, data);
    store.delete(key).await.expect("delete");
}
