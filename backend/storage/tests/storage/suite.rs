//! The conformance suite: what every backend must do, written against `&dyn ObjectStore` only.

use std::time::Duration;

use bytes::Bytes;
use meridian_storage::{
    ByteRange, CompletedPart, ObjectStore, PutOptions, PutOutcome, RestoreStatus, StorageError, Tier,
};

use crate::support::{Ctx, MIB, PART, body, failing_body, pattern, read_all, sha, stalling_body};

async fn assert_absent(store: &dyn ObjectStore, key: &str) {
    assert!(matches!(store.head(key).await, Err(StorageError::NotFound)), "{key} should not exist");
    assert!(matches!(store.get(key, None).await, Err(StorageError::NotFound)), "{key} should not be readable");
}

async fn assert_no_pending_upload(ctx: &Ctx, key: &str) {
    let pending = ctx.store.list_multipart(&ctx.prefix).await.expect("list multipart uploads");
    assert!(pending.iter().all(|u| u.key != key), "pending upload left for {key}: {pending:?}");
}

async fn content(store: &dyn ObjectStore, key: &str) -> Vec<u8> {
    read_all(store.get(key, None).await.expect("get").body).await
}

pub async fn put_get_roundtrip(ctx: &Ctx) {
    let store = &*ctx.store;
    let key = ctx.key("night/2026-01-05/m31.txt");
    let data = pattern(100_000, 1);
    let opts = PutOptions { content_type: Some("text/plain".into()), ..PutOptions::default() };
    let outcome = store.put(&key, body(&data), opts).await.expect("put");
    assert_eq!(outcome, PutOutcome { size: 100_000, sha256: sha(&data) });

    let info = store.head(&key).await.expect("head");
    assert_eq!(info.size, 100_000);
    assert_eq!(info.content_type.as_deref(), Some("text/plain"));
    assert_eq!(info.tier, Tier::Hot);
    assert_eq!(info.restore, RestoreStatus::NotArchived);
    assert!(info.etag.as_deref().is_some_and(|e| e.starts_with('"')), "etag {:?}", info.etag);
    assert!(info.last_modified.is_some());

    let got = store.get(&key, None).await.expect("get");
    assert_eq!(got.range, None);
    assert_eq!(got.info.size, 100_000);
    assert_eq!(got.info.content_type.as_deref(), Some("text/plain"));
    assert_eq!(read_all(got.body).await, data);

    // Announced size and checksum that hold.
    let exact = PutOptions { expected_size: Some(100_000), expected_sha256: Some(sha(&data)), ..PutOptions::default() };
    store.put(&key, body(&data), exact).await.expect("put with the right size and checksum");

    // Overwriting replaces the bytes and the options (without a content type the server may pick one:
    // SeaweedFS guesses, AWS says binary/octet-stream).
    let newer = pattern(10, 2);
    store.put(&key, body(&newer), PutOptions::default()).await.expect("overwrite");
    assert_eq!(content(store, &key).await, newer);
    assert_ne!(store.head(&key).await.expect("head").content_type.as_deref(), Some("text/plain"));

    let empty = ctx.key("empty");
    let outcome = store.put(&empty, body(&Bytes::new()), PutOptions::default()).await.expect("empty put");
    assert_eq!(outcome, PutOutcome { size: 0, sha256: sha(b"") });
    assert_eq!(store.head(&empty).await.expect("head").size, 0);
    assert!(content(store, &empty).await.is_empty());
}

pub async fn multipart_put(ctx: &Ctx) {
    let store = &*ctx.store;
    // Longer than two parts and not a multiple of one: three parts, the last short.
    let key = ctx.key("big.fits");
    let data = pattern(12 * MIB + 123, 3);
    let opts = PutOptions {
        content_type: Some("application/fits".into()),
        tier: Tier::Cool,
        expected_size: Some(data.len() as u64),
        expected_sha256: Some(sha(&data)),
    };
    let outcome = store.put(&key, body(&data), opts).await.expect("multipart put");
    assert_eq!(outcome, PutOutcome { size: data.len() as u64, sha256: sha(&data) });
    let info = store.head(&key).await.expect("head");
    assert_eq!((info.size, info.tier), (data.len() as u64, Tier::Cool));
    assert_eq!(info.content_type.as_deref(), Some("application/fits"));
    assert_eq!(sha(&content(store, &key).await), sha(&data));

    // A range across the first part boundary.
    let got = store.get(&key, Some(ByteRange::new(PART as u64 - 10, PART as u64 + 9))).await.expect("range");
    assert_eq!(got.range, Some((PART as u64 - 10, PART as u64 + 9)));
    assert_eq!(read_all(got.body).await, data.slice(PART - 10..PART + 10));

    // Exactly one part (one request) and exactly two (no empty third part).
    for (name, len) in [("one-part", PART), ("two-parts", 2 * PART)] {
        let key = ctx.key(name);
        let data = pattern(len, len as u64);
        let outcome = store.put(&key, body(&data), PutOptions::default()).await.expect("put");
        assert_eq!(outcome.size, len as u64);
        assert_eq!(sha(&content(store, &key).await), sha(&data), "{name}");
    }
    assert_no_pending_upload(ctx, &key).await;
}

pub async fn mismatches_store_nothing(ctx: &Ctx) {
    let store = &*ctx.store;
    let small = pattern(1000, 4);
    let large = pattern(12 * MIB, 5);
    let wrong_sha = sha(b"something else");
    for (name, data) in [("small", &small), ("large", &large)] {
        let len = data.len() as u64;
        let key = ctx.key(name);
        let cases = [
            (PutOptions { expected_size: Some(len - 1), ..PutOptions::default() }, "size too small"),
            (PutOptions { expected_size: Some(len + 1), ..PutOptions::default() }, "size too large"),
            (PutOptions { expected_sha256: Some(wrong_sha), ..PutOptions::default() }, "checksum"),
        ];
        for (opts, what) in cases {
            let result = store.put(&key, body(data), opts).await;
            match what {
                "checksum" => {
                    assert!(matches!(result, Err(StorageError::ChecksumMismatch)), "{name} {what}: {result:?}")
                }
                _ => assert!(matches!(result, Err(StorageError::SizeMismatch { .. })), "{name} {what}: {result:?}"),
            }
            assert_absent(store, &key).await;
            assert_no_pending_upload(ctx, &key).await;
        }
    }

    // A refused overwrite leaves the object that was there.
    let key = ctx.key("kept");
    store.put(&key, body(&small), PutOptions::default()).await.expect("first version");
    let refused = PutOptions { expected_sha256: Some(wrong_sha), ..PutOptions::default() };
    assert!(store.put(&key, body(&large), refused).await.is_err());
    assert_eq!(content(store, &key).await, small);
}

pub async fn failing_body_stores_nothing(ctx: &Ctx) {
    let store = &*ctx.store;
    let data = pattern(12 * MIB, 6);
    for (name, fail_after) in [("small", 1000), ("large", 7 * MIB), ("late", 12 * MIB - 1)] {
        let key = ctx.key(name);
        let result = store.put(&key, failing_body(&data, fail_after), PutOptions::default()).await;
        assert!(
            matches!(&result, Err(StorageError::Body(e)) if e.kind() == std::io::ErrorKind::ConnectionReset),
            "{result:?}"
        );
        assert_absent(store, &key).await;
        assert_no_pending_upload(ctx, &key).await;
    }
}

pub async fn dropped_put_stores_nothing(ctx: &Ctx) {
    let store = &*ctx.store;
    let data = pattern(12 * MIB, 7);
    let key = ctx.key("abandoned");
    // Two parts are sent, then the client goes silent and the request is dropped.
    let put = store.put(&key, stalling_body(&data, 11 * MIB), PutOptions::default());
    assert!(tokio::time::timeout(Duration::from_secs(3), put).await.is_err(), "the put should still be waiting");
    assert_absent(store, &key).await;
    // The abort runs in a task of its own and a busy server may list the upload for a while after it: wait for
    // it to go (bounded: a minute at most, which a loaded Ceph in CI has needed more than 5 s of).
    for _ in 0..600 {
        let pending = store.list_multipart(&ctx.prefix).await.expect("list multipart uploads");
        if pending.iter().all(|u| u.key != key) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_no_pending_upload(ctx, &key).await;
}

pub async fn ranges(ctx: &Ctx) {
    let store = &*ctx.store;
    let key = ctx.key("ranged");
    let data = pattern(1000, 8);
    store.put(&key, body(&data), PutOptions::default()).await.expect("put");
    let cases = [
        (ByteRange::new(10, 19), (10, 19)),
        (ByteRange::new(0, 999), (0, 999)),
        (ByteRange::starting_at(990), (990, 999)),
        (ByteRange::new(995, 5000), (995, 999)),
        (ByteRange::new(0, 0), (0, 0)),
    ];
    for (range, (start, end)) in cases {
        let got = store.get(&key, Some(range)).await.expect("ranged get");
        assert_eq!(got.range, Some((start, end)), "{range:?}");
        assert_eq!(got.info.size, 1000, "the whole object's size");
        assert_eq!(read_all(got.body).await, data.slice(start as usize..=end as usize), "{range:?}");
    }
    for range in [ByteRange::starting_at(1000), ByteRange::new(2000, 3000)] {
        let result = store.get(&key, Some(range)).await;
        assert!(matches!(result, Err(StorageError::InvalidRange { size: 1000 })), "{range:?}: {result:?}");
    }
}

pub async fn head_and_idempotent_delete(ctx: &Ctx) {
    let store = &*ctx.store;
    let key = ctx.key("a/b/c.fits");
    assert_absent(store, &key).await;
    store.delete(&key).await.expect("deleting a missing key is fine");
    store.put(&key, body(&pattern(10, 9)), PutOptions::default()).await.expect("put");
    assert_eq!(store.head(&key).await.expect("head").size, 10);
    store.delete(&key).await.expect("delete");
    assert_absent(store, &key).await;
    store.delete(&key).await.expect("deleting twice is fine");
    assert!(store.list(&ctx.prefix, None, 10).await.expect("list").is_empty());
}

pub async fn copy_to_another_key(ctx: &Ctx) {
    let store = &*ctx.store;
    let (from, to) = (ctx.key("raw/m31.fits"), ctx.key("archive/m31.fits"));
    let data = pattern(70_000, 10);
    let opts = PutOptions { content_type: Some("application/fits".into()), ..PutOptions::default() };
    store.put(&from, body(&data), opts).await.expect("put");
    store.copy(&from, &to, Tier::Cool).await.expect("copy");
    let copied = store.head(&to).await.expect("head copy");
    assert_eq!((copied.size, copied.tier), (70_000, Tier::Cool));
    assert_eq!(copied.content_type.as_deref(), Some("application/fits"));
    assert_eq!(content(store, &to).await, data);
    let source = store.head(&from).await.expect("head source");
    assert_eq!(source.tier, Tier::Hot);
    assert!(matches!(store.copy(&ctx.key("missing"), &to, Tier::Hot).await, Err(StorageError::NotFound)));
}

pub async fn list_with_prefix_start_after_limit(ctx: &Ctx) {
    let store = &*ctx.store;
    let names = ["p/b/1", "p/a/3", "p/a/1", "p/a-x", "p/ab", "p/a/2", "q/1"];
    for (i, name) in names.iter().enumerate() {
        store.put(&ctx.key(name), body(&pattern(i + 1, i as u64)), PutOptions::default()).await.expect("put");
    }
    let list = |prefix: &'static str, after: Option<&'static str>, limit: usize| async move {
        let after = after.map(|a| ctx.key(a));
        let found = store.list(&ctx.key(prefix), after.as_deref(), limit).await.expect("list");
        found.into_iter().map(|o| o.key.strip_prefix(&ctx.prefix).unwrap_or_default().to_owned()).collect::<Vec<_>>()
    };
    // Page by page, one key at a time, every key comes exactly once, in the order of a full listing.
    let all = list("p/", None, 100).await;
    let mut paged: Vec<String> = Vec::new();
    loop {
        let after = paged.last().map(|k| ctx.key(k));
        let page = store.list(&ctx.key("p/"), after.as_deref(), 1).await.expect("list");
        let Some(next) = page.first() else { break };
        paged.push(next.key.strip_prefix(&ctx.prefix).unwrap_or_default().to_owned());
        assert!(paged.len() <= all.len(), "paging does not end: {paged:?}");
    }
    assert_eq!(paged, all);
    if !ctx.server.bytewise_listing {
        // SeaweedFS lists a directory's keys before a sibling that sorts between ("p/a/1" before "p/a-x"): the
        // order below only holds for keys without characters that sort below '/'.
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, ["p/a-x", "p/a/1", "p/a/2", "p/a/3", "p/ab", "p/b/1"]);
        return;
    }
    // Bytewise order: '-' < '/' < 'b'.
    assert_eq!(all, ["p/a-x", "p/a/1", "p/a/2", "p/a/3", "p/ab", "p/b/1"]);
    assert_eq!(list("p/a/", None, 100).await, ["p/a/1", "p/a/2", "p/a/3"]);
    assert_eq!(list("p/a/", None, 2).await, ["p/a/1", "p/a/2"]);
    assert_eq!(list("p/a/", Some("p/a/2"), 100).await, ["p/a/3"]);
    assert_eq!(list("p/a", None, 100).await, ["p/a-x", "p/a/1", "p/a/2", "p/a/3", "p/ab"]);
    assert_eq!(list("p/", Some("p/a/"), 3).await, ["p/a/1", "p/a/2", "p/a/3"]);
    assert_eq!(list("p/", Some("p/a0"), 100).await, ["p/ab", "p/b/1"]);
    assert_eq!(list("p/", None, 0).await, Vec::<String>::new());
    assert_eq!(list("z/", None, 10).await, Vec::<String>::new());

    let listed = store.list(&ctx.key("p/a/"), None, 1).await.expect("list");
    assert_eq!(listed.first().map(|o| o.size), Some(3), "size of p/a/1");
    assert!(listed.first().is_some_and(|o| o.last_modified.is_some()));
}

pub async fn explicit_multipart(ctx: &Ctx) {
    let store = &*ctx.store;
    let key = ctx.key("uploaded.fits");
    let opts = PutOptions { content_type: Some("application/fits".into()), ..PutOptions::default() };
    let id = store.create_multipart(&key, opts).await.expect("create");
    let pending = store.list_multipart(&ctx.prefix).await.expect("list uploads");
    assert!(pending.iter().any(|u| u.key == key && u.upload_id == id), "{pending:?}");

    let (part1, part2, wrong1) = (pattern(PART, 11), pattern(MIB, 12), pattern(PART, 13));
    // Out of order, and part 1 sent twice: the second one counts.
    let etag2 = store.upload_part(&key, &id, 2, body(&part2), part2.len() as u64).await.expect("part 2");
    let stale = store.upload_part(&key, &id, 1, body(&wrong1), wrong1.len() as u64).await.expect("part 1");
    if ctx.is_s3() {
        // SeaweedFS keeps both uploads of part 1, with times in seconds: a second apart, the newer one is known.
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let etag1 = store.upload_part(&key, &id, 1, body(&part1), part1.len() as u64).await.expect("part 1 again");
    assert_ne!(stale, etag1);
    let parts = store.list_parts(&key, &id).await.expect("list parts");
    let expected_parts = vec![
        (CompletedPart { part_number: 1, etag: etag1.clone() }, PART as u64),
        (CompletedPart { part_number: 2, etag: etag2.clone() }, MIB as u64),
    ];
    assert_eq!(parts, expected_parts);

    // A body shorter than announced is refused.
    let short = store.upload_part(&key, &id, 3, body(&pattern(10, 1)), 20).await;
    assert!(matches!(short, Err(StorageError::SizeMismatch { expected: 20, actual: 10 })), "{short:?}");
    assert!(matches!(
        store.upload_part(&key, &id, 0, body(&part2), MIB as u64).await,
        Err(StorageError::InvalidPart(_))
    ));

    let completed = [CompletedPart { part_number: 1, etag: etag1 }, CompletedPart { part_number: 2, etag: etag2 }];
    store.complete_multipart(&key, &id, &completed).await.expect("complete");
    let mut whole = part1.to_vec();
    whole.extend_from_slice(&part2);
    assert_eq!(sha(&content(store, &key).await), sha(&whole));
    let info = store.head(&key).await.expect("head");
    assert_eq!(info.size, (PART + MIB) as u64);
    assert_eq!(info.content_type.as_deref(), Some("application/fits"));
    assert_no_pending_upload(ctx, &key).await;

    // Aborted: its parts are gone and the id no longer works.
    let key = ctx.key("abandoned.fits");
    let id = store.create_multipart(&key, PutOptions::default()).await.expect("create");
    let etag = store.upload_part(&key, &id, 1, body(&part2), MIB as u64).await.expect("part");
    store.abort_multipart(&key, &id).await.expect("abort");
    let listed = store.list_parts(&key, &id).await;
    assert!(matches!(listed, Err(StorageError::NoSuchUpload)), "{listed:?}");
    let again = store.upload_part(&key, &id, 2, body(&part2), MIB as u64).await;
    assert!(matches!(again, Err(StorageError::NoSuchUpload)), "{again:?}");
    let completed = store.complete_multipart(&key, &id, &[CompletedPart { part_number: 1, etag }]).await;
    assert!(matches!(completed, Err(StorageError::NoSuchUpload)), "{completed:?}");
    store.abort_multipart(&key, &id).await.expect("aborting twice is fine");
    assert_absent(store, &key).await;
    assert_no_pending_upload(ctx, &key).await;
}

pub async fn presigned_requests(ctx: &Ctx) {
    let store = &*ctx.store;
    let key = ctx.key("presigned.fits");
    let hour = Duration::from_secs(3600);
    if !ctx.is_s3() {
        assert!(store.presign_get(&key, hour, None).await.expect("presign get").is_none());
        assert!(store.presign_put(&key, hour, &PutOptions::default()).await.expect("presign put").is_none());
        assert!(store.presign_part(&key, "id", 1, 10, hour).await.expect("presign part").is_none());
        return;
    }
    let http = reqwest::Client::new();
    let send = |request: &meridian_storage::PresignedRequest, data: Option<Bytes>| {
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).expect("method");
        let mut builder = http.request(method, &request.url);
        for (name, value) in &request.headers {
            // reqwest sets the length from the body itself.
            if !name.eq_ignore_ascii_case("content-length") {
                builder = builder.header(name, value);
            }
        }
        if let Some(data) = data {
            builder = builder.body(data);
        }
        builder.send()
    };

    // PUT, with the type, class, size and checksum signed in.
    let data = pattern(50_000, 14);
    let opts = PutOptions {
        content_type: Some("application/fits".into()),
        tier: Tier::Cool,
        expected_size: Some(50_000),
        expected_sha256: Some(sha(&data)),
    };
    let put = store.presign_put(&key, hour, &opts).await.expect("presign put").expect("S3 presigns");
    assert_eq!(put.method, "PUT");
    assert!(put.expires_at > chrono::Utc::now() + chrono::Duration::minutes(59));
    let response = send(&put, Some(data.clone())).await.expect("presigned PUT");
    assert!(response.status().is_success(), "presigned PUT: {}", response.status());
    let info = store.head(&key).await.expect("head");
    assert_eq!((info.size, info.tier), (50_000, Tier::Cool));
    assert_eq!(info.content_type.as_deref(), Some("application/fits"));

    // GET, as an attachment.
    let get = store.presign_get(&key, hour, Some("M31 r-band.fits")).await.expect("presign").expect("S3 presigns");
    let response = send(&get, None).await.expect("presigned GET");
    assert!(response.status().is_success(), "presigned GET: {}", response.status());
    let disposition = response.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(disposition.starts_with("attachment;") && disposition.contains("M31 r-band.fits"), "{disposition}");
    assert_eq!(response.bytes().await.expect("body"), data);

    if ctx.server.checks_signatures {
        // A URL changed after signing (a longer life, another key, a forged signature) is refused.
        let longer = get.url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200");
        let other_key = get.url.replace("presigned.fits", "other.fits");
        let forged = match get.url.find("X-Amz-Signature=") {
            Some(at) => {
                let i = at + "X-Amz-Signature=".len();
                let flipped = if get.url.as_bytes().get(i) == Some(&b'0') { "1" } else { "0" };
                format!("{}{flipped}{}", &get.url[..i], &get.url[i + 1..])
            }
            None => panic!("no signature in {}", get.url),
        };
        for url in [longer, other_key, forged] {
            assert_ne!(url, get.url);
            let tampered = meridian_storage::PresignedRequest { url, ..get.clone() };
            let status = send(&tampered, None).await.expect("tampered GET").status();
            assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
        }
    }
    if ctx.server.checks_checksums {
        // The signed checksum holds the body: another body of the same size is refused.
        let other = pattern(50_000, 15);
        let status = send(&put, Some(other)).await.expect("PUT of another body").status();
        assert!(status.is_client_error(), "another body under the signed checksum: {status}");
        assert_eq!(content(store, &key).await, data);
    }

    // Parts, sent straight to the store and completed through it.
    let key = ctx.key("presigned-parts.fits");
    let id = store.create_multipart(&key, PutOptions::default()).await.expect("create");
    let (part1, part2) = (pattern(PART, 16), pattern(1000, 17));
    let mut completed = Vec::new();
    for (number, data) in [(1, &part1), (2, &part2)] {
        let size = data.len() as u64;
        let request =
            store.presign_part(&key, &id, number, size, hour).await.expect("presign part").expect("S3 presigns");
        let signed: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert!(signed.iter().any(|n| n.eq_ignore_ascii_case("content-length")), "length is signed: {signed:?}");
        // A longer body under the same signature is refused: a client cannot store past what it reserved.
        let mut longer = data.to_vec();
        longer.extend_from_slice(&[0; 4096]);
        let status = send(&request, Some(longer.into())).await.expect("longer part PUT").status();
        assert!(status.is_client_error(), "a part longer than signed: {status}");
        let response = send(&request, Some(data.clone())).await.expect("presigned part PUT");
        assert!(response.status().is_success(), "part {number}: {}", response.status());
        let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_owned();
        completed.push(CompletedPart { part_number: number, etag });
    }
    store.complete_multipart(&key, &id, &completed).await.expect("complete");
    let mut whole = part1.to_vec();
    whole.extend_from_slice(&part2);
    assert_eq!(content(store, &key).await, whole);
}

pub async fn set_tier_and_restore(ctx: &Ctx) {
    let store = &*ctx.store;
    let key = ctx.key("tiered.fits");
    let data = pattern(30_000, 18);
    let opts = PutOptions { content_type: Some("application/fits".into()), ..PutOptions::default() };
    store.put(&key, body(&data), opts).await.expect("put");
    for tier in [Tier::Cool, Tier::Cold] {
        store.set_tier(&key, tier).await.expect("set tier");
        let info = store.head(&key).await.expect("head");
        assert_eq!(info.tier, tier);
        assert_eq!(info.content_type.as_deref(), Some("application/fits"), "content type kept");
        if ctx.is_s3() {
            let class = if tier == Tier::Cool { "STANDARD_IA" } else { "GLACIER" };
            assert_eq!(info.storage_class, class);
        }
        assert_eq!(content(store, &key).await, data, "bytes intact in {tier}");
    }
    let status = store.restore(&key, 1).await.expect("restore");
    assert_eq!(status, RestoreStatus::NotArchived);
    let info = store.head(&key).await.expect("head");
    assert_eq!((info.tier, info.restore), (Tier::Hot, RestoreStatus::NotArchived));
    assert_eq!(content(store, &key).await, data);
    assert!(matches!(store.set_tier(&ctx.key("missing"), Tier::Cool).await, Err(StorageError::NotFound)));
}

pub async fn invalid_keys_refused(ctx: &Ctx) {
    let store = &*ctx.store;
    for key in ["", "/abs", "a//b", "a/", "../up", "a/../b", "./a", ".tmp/x", ".meta/y", "a\\b", "nul\0"] {
        let refused = |r: Result<(), StorageError>| matches!(r, Err(StorageError::InvalidKey(_)));
        assert!(refused(store.put(key, body(&pattern(1, 1)), PutOptions::default()).await.map(drop)), "put {key:?}");
        assert!(refused(store.get(key, None).await.map(drop)), "get {key:?}");
        assert!(refused(store.head(key).await.map(drop)), "head {key:?}");
        assert!(refused(store.delete(key).await), "delete {key:?}");
        assert!(refused(store.create_multipart(key, PutOptions::default()).await.map(drop)), "multipart {key:?}");
        assert!(refused(store.copy("fine", key, Tier::Hot).await), "copy {key:?}");
    }
    assert!(matches!(store.list("../", None, 10).await, Err(StorageError::InvalidKey(_))));
}
