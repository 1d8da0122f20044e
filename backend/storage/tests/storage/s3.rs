//! The S3 backend on SeaweedFS (`S3_ENDPOINT`): the suite, and what is only S3's.

use meridian_storage::{ObjectStore, PutOptions, S3Config, StorageConfig, StorageError, Tier};

use crate::support::{MIB, Server, body, pattern, read_all, s3_config, s3_store, sha};

const ENDPOINT: &str = "S3_ENDPOINT";

async fn ctx(test: &str) -> Option<crate::support::Ctx> {
    // SeaweedFS lists its filer tree, not in bytewise order.
    let server = Server { bytewise_listing: false, ..Server::STRICT };
    crate::support::s3_ctx(ENDPOINT, test, server).await
}

mod suite {
    conformance!(super::ctx);
}

#[tokio::test]
async fn open_checks_the_bucket() {
    let Some(config) = s3_config(ENDPOINT, "open_checks_the_bucket") else { return };
    let missing = S3Config { bucket: format!("{}-missing", config.bucket), ..config.clone() };
    let error = meridian_storage::open(&StorageConfig::S3(missing)).await.expect_err("no such bucket");
    assert!(matches!(&error, StorageError::Config(m) if m.contains("does not exist")), "{error}");

    let wrong_secret = S3Config { secret_access_key: Some(meridian_storage::Secret::new("not-the-secret")), ..config };
    meridian_storage::create_bucket(&S3Config { ..wrong_secret.clone() }).await.ok();
    let error = meridian_storage::open(&StorageConfig::S3(wrong_secret)).await.expect_err("bad secret");
    let shown = format!("{error} {error:?}");
    assert!(matches!(error, StorageError::Config(_)), "{shown}");
    assert!(!shown.contains("not-the-secret"), "{shown}");
}

#[tokio::test]
async fn debug_output_hides_the_secret() {
    let Some(store) = s3_store(ENDPOINT, "debug_output_hides_the_secret").await else { return };
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default();
    let shown = format!("{store:?}");
    assert!(shown.contains("S3Store") && (secret.is_empty() || !shown.contains(&secret)), "{shown}");
    let Some(config) = s3_config(ENDPOINT, "debug_output_hides_the_secret") else { return };
    let shown = format!("{config:?}");
    assert!(shown.contains("[redacted]") && (secret.is_empty() || !shown.contains(&secret)), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_copies_go_part_by_part() {
    let Some(store) = s3_store(ENDPOINT, "large_copies_go_part_by_part").await else { return };
    // With the threshold at one part, a 12 MiB object is copied as three UploadPartCopy ranges.
    let store = store.with_multipart_copy_threshold(5 * MIB as u64);
    let (from, to) = ("large_copies_go_part_by_part/a", "large_copies_go_part_by_part/b");
    let data = pattern(12 * MIB + 5, 21);
    let opts = PutOptions { content_type: Some("application/fits".into()), ..PutOptions::default() };
    store.put(from, body(&data), opts).await.expect("put");
    store.copy(from, to, Tier::Cool).await.expect("copy in parts");
    store.set_tier(from, Tier::Cold).await.expect("set tier in parts");
    for (key, tier) in [(to, Tier::Cool), (from, Tier::Cold)] {
        let got = store.get(key, None).await.expect("get");
        assert_eq!((got.info.tier, got.info.size), (tier, data.len() as u64));
        assert_eq!(got.info.content_type.as_deref(), Some("application/fits"));
        assert_eq!(sha(&read_all(got.body).await), sha(&data));
    }
    for key in [from, to] {
        store.delete(key).await.expect("delete");
    }
}

#[tokio::test]
async fn the_bucket_aborts_incomplete_uploads_by_rule() {
    let Some(store) = s3_store(ENDPOINT, "the_bucket_aborts_incomplete_uploads").await else { return };
    store.ensure_abort_rule(8).await.expect("add the rule");
    assert!(!store.ensure_abort_rule(8).await.expect("look again"), "found the second time, not added twice");
}
