//! Storage classes on Ceph RGW (`S3_ENDPOINT_CEPH`), which keeps each class in a placement of its own and
//! has no RestoreObject (Ceph 16): set_tier moves the bytes, restore falls back to a copy.

use meridian_storage::{ObjectStore, PutOptions, RestoreStatus, Tier};

use crate::support::{MIB, Server, body, pattern, read_all, s3_store, sha};

const ENDPOINT: &str = "S3_ENDPOINT_CEPH";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tier_transitions() {
    let Some(store) = s3_store(ENDPOINT, "ceph tier_transitions").await else { return };
    let key = "tier_transitions/m31.fits";
    // Multipart, so the class change copies a multipart object.
    let data = pattern(6 * MIB, 31);
    let opts = PutOptions { content_type: Some("application/fits".into()), ..PutOptions::default() };
    store.put(key, body(&data), opts).await.expect("put");
    let info = store.head(key).await.expect("head");
    assert_eq!((info.tier, info.storage_class.as_str()), (Tier::Hot, "STANDARD"));

    for (tier, class) in [(Tier::Cool, "STANDARD_IA"), (Tier::Cold, "GLACIER")] {
        store.set_tier(key, tier).await.expect("set tier");
        let info = store.head(key).await.expect("head");
        assert_eq!((info.tier, info.storage_class.as_str()), (tier, class));
        assert_eq!(info.content_type.as_deref(), Some("application/fits"));
        let got = store.get(key, None).await.expect("get");
        assert_eq!(sha(&read_all(got.body).await), sha(&data), "bytes intact in {class}");
    }

    let status = store.restore(key, 1).await.expect("restore");
    assert_eq!(status, RestoreStatus::NotArchived, "Ceph 16 has no RestoreObject: copied back instead");
    let info = store.head(key).await.expect("head");
    assert_eq!(
        (info.tier, info.storage_class.as_str(), info.restore),
        (Tier::Hot, "STANDARD", RestoreStatus::NotArchived)
    );
    assert_eq!(sha(&read_all(store.get(key, None).await.expect("get").body).await), sha(&data));
    store.delete(key).await.expect("delete");
}

async fn ctx(test: &str) -> Option<crate::support::Ctx> {
    // Ceph 16 predates the flexible checksums (x-amz-checksum-*): it stores without checking them.
    let server = Server { checks_checksums: false, ..Server::STRICT };
    crate::support::s3_ctx(ENDPOINT, test, server).await
}

mod suite {
    conformance!(super::ctx);
}
