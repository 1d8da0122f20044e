//! Integration tests: one conformance suite (`suite`) run on every backend, plus what only one backend shows.
//! The filesystem always runs; S3 servers run when their endpoint is in the environment (see
//! `infra/devservices.sh`): `S3_ENDPOINT` (SeaweedFS), `S3_ENDPOINT_CEPH` (Ceph RGW, tiers),
//! `S3_ENDPOINT_MOTO` (moto, Glacier restore), with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_REGION`.

/// One test per suite case on the backend that `$ctx` (an async fn taking the test's name) sets up.
macro_rules! conformance {
    ($ctx:path) => {
        conformance!(
            $ctx;
            put_get_roundtrip,
            multipart_put,
            mismatches_store_nothing,
            failing_body_stores_nothing,
            dropped_put_stores_nothing,
            ranges,
            head_and_idempotent_delete,
            copy_to_another_key,
            list_with_prefix_start_after_limit,
            explicit_multipart,
            presigned_requests,
            set_tier_and_restore,
            invalid_keys_refused,
        );
    };
    ($ctx:path; $($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(ctx) = $ctx(stringify!($case)).await else { return };
                crate::suite::$case(&ctx).await;
                ctx.cleanup().await;
            }
        )+
    };
}

mod ceph;
mod filesystem;
mod moto;
mod s3;
mod suite;
mod support;
