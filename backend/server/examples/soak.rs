//! The soak test's load: a bounded mixed workload against one running Meridian (see `infra/soak.sh`, which
//! starts the server and samples its memory, file descriptors and database connections meanwhile).
//!
//!   cargo run --example soak -- BASE_URL SECONDS [USERS]
//!
//! Each virtual user signs in, then until the time is up: writes a night-log entry, uploads a file (64 KiB to
//! 1 MiB) and downloads it back (checksum compared), searches the files, lists entries, downloads the package
//! archive, and signs in again every 25 rounds. Every answer must be a success; the program prints one line of
//! counts per kind and exits 1 on any error.

#![expect(clippy::print_stdout, reason = "a command-line program reports on stdout")]

use serde_json::{Value, json};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "soak test password";

#[derive(Default)]
struct Tally {
    ok: BTreeMap<&'static str, u64>,
    errors: Vec<String>,
}

#[derive(Clone)]
struct User {
    http: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

impl User {
    async fn sign_in(http: &reqwest::Client, base: &str, email: &str) -> Result<Self, String> {
        let r = http
            .post(format!("{base}/api/v1/sessions"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("sign-in: {}", r.status()));
        }
        let mut cookie = Vec::new();
        let mut csrf = String::new();
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let Some((name, value)) = v.to_str().ok().and_then(|s| s.split(';').next()).and_then(|s| s.split_once('='))
            else {
                continue;
            };
            if name.ends_with("meridian_csrf") {
                csrf = value.to_owned();
            }
            cookie.push(format!("{name}={value}"));
        }
        Ok(Self { http: http.clone(), base: base.to_owned(), cookie: cookie.join("; "), csrf })
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .timeout(Duration::from_secs(60))
    }

    async fn json(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut r = self.req(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if status.is_success() { Ok(v) } else { Err(format!("{path}: {status} {v}")) }
    }

    async fn bytes(&self, path: &str) -> Result<bytes::Bytes, String> {
        let r = self.req(reqwest::Method::GET, path).send().await.map_err(|e| format!("{path}: {e}"))?;
        if !r.status().is_success() {
            return Err(format!("{path}: {}", r.status()));
        }
        r.bytes().await.map_err(|e| format!("{path}: {e}"))
    }
}

fn bytes_for(user: usize, round: u64) -> Vec<u8> {
    let len = 64 * 1024 + ((round as usize * 7919 + user * 104_729) % (960 * 1024));
    test_bytes::pattern(len, round << 16 | user as u64)
}

#[path = "../tests/common/bytes.rs"]
mod test_bytes;

/// One workspace with a site, a telescope, tonight's night log, a dataset and a published package.
async fn set_up(http: &reqwest::Client, base: &str, users: usize) -> Result<(String, String, String), String> {
    for u in 0..users {
        let r = http
            .post(format!("{base}/api/v1/accounts"))
            .json(&json!({"email": format!("soak{u}@example.org"), "password": PASSWORD, "display_name": format!("Soak {u}")}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("sign-up {u}: {}", r.status()));
        }
    }
    let owner = User::sign_in(http, base, "soak0@example.org").await?;
    owner.json(reqwest::Method::POST, "/api/v1/workspaces", Some(json!({"slug": "soak", "name": "Soak"}))).await?;
    for u in 1..users {
        owner
            .json(
                reqwest::Method::POST,
                "/api/v1/workspaces/soak/members",
                Some(json!({"email": format!("soak{u}@example.org"), "role": "admin"})),
            )
            .await?;
    }
    let site = owner
        .json(
            reqwest::Method::POST,
            "/api/v1/workspaces/soak/sites",
            Some(json!({"name": "Site", "latitude": 28.76, "longitude": -17.88, "elevation_m": 2396, "time_zone": "Atlantic/Canary"})),
        )
        .await?;
    let scope = owner
        .json(
            reqwest::Method::POST,
            "/api/v1/workspaces/soak/telescopes",
            Some(json!({"name": "T1", "site_id": site["id"], "aperture_mm": 400, "mount": "altaz"})),
        )
        .await?;
    let log = owner
        .json(reqwest::Method::POST, "/api/v1/workspaces/soak/night-logs", Some(json!({"telescope_id": scope["id"]})))
        .await?;
    let ds =
        owner.json(reqwest::Method::POST, "/api/v1/workspaces/soak/datasets", Some(json!({"name": "Raw"}))).await?;
    let ds_id = ds["id"].as_str().unwrap_or_default().to_owned();
    for i in 0..8_u64 {
        let b = bytes_for(99, i);
        let r = owner
            .req(reqwest::Method::PUT, &format!("/api/v1/workspaces/soak/datasets/{ds_id}/files/seed{i}.raw"))
            .body(b)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("seed upload: {}", r.status()));
        }
    }
    let pkg = owner
        .json(
            reqwest::Method::POST,
            "/api/v1/workspaces/soak/packages",
            Some(json!({"title": "Soak", "licence": "CC-BY-4.0"})),
        )
        .await?;
    let pkg_id = pkg["id"].as_str().unwrap_or_default().to_owned();
    owner
        .json(
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/soak/packages/{pkg_id}/draft/files"),
            Some(json!({"dataset_id": ds_id})),
        )
        .await?;
    owner
        .json(reqwest::Method::POST, &format!("/api/v1/workspaces/soak/packages/{pkg_id}/versions"), Some(json!({})))
        .await?;
    Ok((log["id"].as_str().unwrap_or_default().to_owned(), ds_id, pkg_id))
}

async fn run_user(
    n: usize,
    base: String,
    ids: (String, String, String),
    until: Instant,
    tally: Arc<Mutex<Tally>>,
) -> Result<(), String> {
    let http = reqwest::Client::new();
    let email = format!("soak{n}@example.org");
    let mut user = User::sign_in(&http, &base, &email).await?;
    let (log, ds, pkg) = ids;
    let mut round = 0_u64;
    let count = |kind: &'static str| *tally.lock().expect("tally").ok.entry(kind).or_default() += 1;
    while Instant::now() < until {
        round += 1;
        if round.is_multiple_of(25) {
            user = User::sign_in(&http, &base, &email).await?;
            count("sign_in");
        }
        user.json(
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/soak/night-logs/{log}/entries"),
            Some(json!({"body": format!("round {round} of user {n}"), "tags": ["soak"]})),
        )
        .await?;
        count("entry");
        let b = bytes_for(n, round);
        let sha = hex::encode(sha2::Sha256::digest(&b));
        let name = format!("u{n}-r{round}.raw");
        let r = user
            .req(reqwest::Method::PUT, &format!("/api/v1/workspaces/soak/datasets/{ds}/files/{name}?sha256={sha}"))
            .body(b)
            .send()
            .await
            .map_err(|e| format!("upload: {e}"))?;
        let status = r.status();
        let f: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("upload: {status} {f}"));
        }
        count("upload");
        let id = f["id"].as_str().unwrap_or_default().to_owned();
        let got = user.bytes(&format!("/api/v1/workspaces/soak/files/{id}/content")).await?;
        if hex::encode(sha2::Sha256::digest(&got)) != sha {
            return Err(format!("download of {name}: the bytes differ"));
        }
        count("download");
        user.json(reqwest::Method::GET, &format!("/api/v1/workspaces/soak/files?name=u{n}-&limit=20"), None).await?;
        count("search");
        user.json(reqwest::Method::GET, "/api/v1/workspaces/soak/entries?tag=soak&limit=20", None).await?;
        count("list_entries");
        if round.is_multiple_of(5) {
            let tar = user.bytes(&format!("/api/v1/workspaces/soak/packages/{pkg}/versions/1/archive.tar")).await?;
            if tar.len() < 8 * 64 * 1024 {
                return Err(format!("archive of {} bytes", tar.len()));
            }
            count("archive");
        }
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(base), Some(seconds)) = (args.get(1), args.get(2).and_then(|s| s.parse::<u64>().ok())) else {
        eprintln!("usage: soak BASE_URL SECONDS [USERS]");
        std::process::exit(2);
    };
    let users = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(6_usize);
    let http = reqwest::Client::new();
    let ids = match set_up(&http, base, users).await {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("set-up failed: {e}");
            std::process::exit(1);
        }
    };
    let until = Instant::now() + Duration::from_secs(seconds);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let tasks: Vec<_> = (0..users)
        .map(|n| {
            let (base, ids, tally) = (base.clone(), ids.clone(), tally.clone());
            tokio::spawn(async move {
                if let Err(e) = run_user(n, base, ids, until, tally.clone()).await {
                    tally.lock().expect("tally").errors.push(format!("user {n}: {e}"));
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let tally = tally.lock().expect("tally");
    let counts: Vec<String> = tally.ok.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("soak: {} ({} errors)", counts.join(" "), tally.errors.len());
    for e in &tally.errors {
        println!("error: {e}");
    }
    if !tally.errors.is_empty() {
        std::process::exit(1);
    }
}
