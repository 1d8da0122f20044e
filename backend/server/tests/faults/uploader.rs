//! `meridian upload --watch` as a telescope computer runs it, through everything that happens to one: files
//! appearing while it runs, a file still being written, the server stopped and started again mid-upload, the
//! uploader itself killed and started again. Every file arrives exactly once, byte-identical; a second run sends
//! nothing.

use crate::harness::*;
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const MIB: usize = 1024 * 1024;

fn uploader(base: &str, key: &str, dataset: &str, dir: &Path, log: &Path) -> Child {
    let out = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("uploader log");
    Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args(["upload", "--server", base, "--dataset", dataset, "--settle-secs", "1", "--poll-secs", "0.1"])
        // 8 MiB/s: a 28 MiB file takes 3.5 s, so the interruptions below land in the middle of it.
        .args(["--part-size", "5242880", "--jobs", "2", "--max-rate", "8", "--watch"])
        .arg(dir)
        .env("MERIDIAN_API_KEY", key)
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .spawn()
        .expect("start meridian upload")
}

fn log_has(log: &Path, text: &str) -> bool {
    std::fs::read_to_string(log).unwrap_or_default().contains(text)
}

async fn wait_log(log: &Path, text: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while !log_has(log, text) {
        assert!(tokio::time::Instant::now() < deadline, "the uploader never said {text:?}:\n{}", tail(log));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_files_arrive_once_through_restarts_of_the_server_and_the_uploader() {
    let inst = Instance::new("uploader").await;
    let port = free_port();
    let mut server = inst.start_on(port).await;
    let base = server.base.clone();
    let mut api = Api::new(&base);
    let dataset = api.owner_with_dataset("telescope").await;
    inst.confirm("owner-of-telescope@example.org").await;
    let r = api.post("/api/v1/workspaces/telescope/api-keys", json!({"name": "dome pc", "scope": "upload"})).await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let key = r.body["secret"].as_str().expect("secret").to_owned();

    let dir = inst.dir.path().join("incoming");
    std::fs::create_dir_all(&dir).expect("incoming");
    let log = inst.dir.path().join("uploader.log");
    let mut expected: Vec<(String, Vec<u8>)> = Vec::new();
    // One file before it starts.
    put_after(&dir, "flat_001.fits", pattern(3 * MIB, 1), &mut expected);
    let mut up = uploader(&base, &key, &dataset, &dir, &log);
    wait_log(&log, "flat_001.fits: sent").await;

    // A file still being written: 6 MiB in 300 KiB steps, 0.1 s apart (the settle time is 1 s), and a partial
    // name that is never sent.
    std::fs::write(dir.join("ignored.part"), b"half").expect("write");
    let slow = pattern(6 * MIB, 2);
    {
        use std::io::Write as _;
        let mut f = std::fs::File::create(dir.join("m42_slow.fits")).expect("create");
        for chunk in slow.chunks(300 * 1024) {
            f.write_all(chunk).expect("write");
            f.flush().expect("flush");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    expected.push(("m42_slow.fits".to_owned(), slow));
    wait_log(&log, "m42_slow.fits: sent").await;

    // The server stopped mid-upload (after the first of six parts) and started again on the same address.
    let big = pattern(28 * MIB, 3);
    std::fs::write(dir.join("m42_big.fits"), &big).expect("write");
    expected.push(("m42_big.fits".to_owned(), big));
    wait_log(&log, "m42_big.fits: 1/6 parts").await;
    server.terminate();
    tokio::time::sleep(Duration::from_secs(2)).await;
    server = inst.start_on(port).await;
    wait_log(&log, "m42_big.fits: sent").await;

    // The uploader killed mid-upload (SIGKILL: nothing of it runs after) and started again.
    let bigger = pattern(28 * MIB, 4);
    std::fs::write(dir.join("m42_bigger.fits"), &bigger).expect("write");
    expected.push(("m42_bigger.fits".to_owned(), bigger));
    wait_log(&log, "m42_bigger.fits: 2/6 parts").await;
    up.kill().expect("kill the uploader");
    up.wait().expect("reap");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(".meridian-upload.json")).expect("the state file"))
            .expect("json");
    let entry = state["files"]
        .as_object()
        .and_then(|files| files.iter().find(|(k, _)| k.ends_with("m42_bigger.fits")))
        .map(|(_, v)| v.clone())
        .expect("the killed upload is remembered");
    assert_eq!(entry["outcome"], "sending", "killed half-way: {entry}");
    let half_sent = entry["upload"].as_str().expect("its upload id").to_owned();
    let mut up = uploader(&base, &key, &dataset, &dir, &log);
    wait_log(&log, "m42_bigger.fits: sent").await;
    let r = api.get(&format!("/api/v1/workspaces/telescope/uploads/{half_sent}")).await;
    assert_eq!(r.body["status"], "done", "the same upload was resumed and finished: {}", r.body);
    // A file appearing after the restart.
    put_after(&dir, "bias_001.fits", pattern(MIB, 5), &mut expected);
    wait_log(&log, "bias_001.fits: sent").await;

    // SIGTERM ends it with a summary.
    let sent = Command::new("kill").args(["-TERM", &up.id().to_string()]).status().expect("kill -TERM");
    assert!(sent.success());
    let status = up.wait().expect("reap");
    assert!(status.success(), "{status}:\n{}", tail(&log));
    assert!(log_has(&log, "failed") && log_has(&log, "0 failed"), "{}", tail(&log));

    // Every file exactly once, byte for byte; nothing else (no partial name, no state file).
    let listed = api.get(&format!("/api/v1/workspaces/telescope/datasets/{dataset}/files?limit=200")).await;
    let items = listed.body["items"].as_array().expect("items").clone();
    let mut names: Vec<String> = items.iter().map(|f| f["name"].as_str().unwrap_or("").to_owned()).collect();
    names.sort();
    let mut want: Vec<String> = expected.iter().map(|(n, _)| n.clone()).collect();
    want.sort();
    assert_eq!(names, want, "each file once:\n{}", tail(&log));
    for (name, data) in &expected {
        let f = items.iter().find(|f| f["name"] == name.as_str()).expect("listed");
        assert_eq!(f["sha256"], sha(data), "{name}");
        let got = api
            .send(api.request(
                reqwest::Method::GET,
                &format!("/api/v1/workspaces/telescope/files/{}/content", f["id"].as_str().unwrap_or("")),
            ))
            .await
            .expect("download");
        assert_eq!(got.raw.len(), data.len(), "{name}");
        assert!(got.raw.as_ref() == data.as_slice(), "{name}: the bytes differ");
    }

    // Sent files are not sent again: a one-shot run over the same files with a fresh state file finds them all on
    // the server by checksum.
    let again = Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args(["upload", "--server", &base, "--dataset", &dataset, "--state"])
        .arg(inst.dir.path().join("fresh-state.json"))
        .args(expected.iter().map(|(n, _)| dir.join(n)))
        .env("MERIDIAN_API_KEY", &key)
        .output()
        .expect("run meridian upload");
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{said}");
    assert!(
        said.contains("sent 0 file(s)") && said.contains(&format!("{} already on the server", expected.len())),
        "{said}"
    );
    let listed = api.get(&format!("/api/v1/workspaces/telescope/datasets/{dataset}/files?limit=200")).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(expected.len()));
    drop(server);
    let (clean, report) = inst.verify();
    assert!(clean, "{report}");
}

fn put_after(dir: &Path, name: &str, data: Vec<u8>, expected: &mut Vec<(String, Vec<u8>)>) {
    std::fs::write(dir.join(name), &data).expect("write");
    expected.push((name.to_owned(), data));
}
