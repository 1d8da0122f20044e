//! `meridian upload`: files from a telescope computer into a dataset with no person present. Each file goes up as
//! a resumable upload (parts through the API, or straight to S3 when the server hands out presigned part URLs),
//! with its SHA-256 sent first so the server refuses a second copy of bytes it already holds. What was sent is
//! remembered in a state file written before and after each step, so a restart neither sends a file twice nor
//! forgets one half-sent: an open upload resumes with the parts the server lacks; one that completed while the
//! uploader was down is found done. Every request is retried with back-off through network and server outages.
//! `--watch DIR` keeps looking at a directory and sends each new file once it has stopped growing.

use anyhow::{Context as _, anyhow, bail};
use clap::Args;
use meridian_domain::uploads::UploadStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

/// How long a watched file whose upload failed waits before it is tried again.
const RETRY_FAILED: Duration = Duration::from_secs(60);

/// Part URLs asked for at once.
const PART_URL_BATCH: usize = 8;

/// The state file's name in a watched directory (never uploaded itself).
pub const STATE_FILE: &str = ".meridian-upload.json";

#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The Meridian server, e.g. `https://meridian.example.org`.
    #[arg(long, env = "MERIDIAN_SERVER")]
    pub server: String,
    /// An API key of the workspace with the `upload` (or `write`) scope (or `MERIDIAN_API_KEY`, which keeps it out
    /// of the process list).
    #[arg(long, env = "MERIDIAN_API_KEY", hide_env_values = true)]
    pub key: String,
    /// The dataset the files go into (its id).
    #[arg(long)]
    pub dataset: String,
    /// The workspace's slug; by default the key's own.
    #[arg(long)]
    pub workspace: Option<String>,
    /// Watch this directory: send each new file once its size and time have stopped changing, until SIGINT or
    /// SIGTERM. Names starting with `.` and ending in `.part`, `.tmp` or `~` are left alone.
    #[arg(long, conflicts_with = "files")]
    pub watch: Option<PathBuf>,
    /// Seconds a file must stay unchanged before it is sent (watching).
    #[arg(long, default_value_t = 5.0)]
    pub settle_secs: f64,
    /// Seconds between looks at the watched directory.
    #[arg(long, default_value_t = 1.0)]
    pub poll_secs: f64,
    /// Where what was sent is remembered [default: `.meridian-upload.json` in the watched directory, else in the
    /// current one].
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Files sent at once.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// Bytes per part (5 MiB to 5 GiB) [default: the server's].
    #[arg(long)]
    pub part_size: Option<u64>,
    /// Attempts per request before giving up on a file [default: 12, unlimited when watching].
    #[arg(long)]
    pub retries: Option<u32>,
    /// At most this many MiB per second in all (a thin uplink shared with the observatory's other traffic).
    #[arg(long)]
    pub max_rate: Option<f64>,
    /// Only the summary, no progress lines.
    #[arg(long)]
    pub quiet: bool,
    /// The files to send.
    pub files: Vec<PathBuf>,
}

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
enum Outcome {
    /// Started (or being retried): `upload` is the server's upload id once it has one.
    Sending,
    Sent {
        file_id: String,
    },
    /// The server already held the same bytes.
    AlreadyThere {
        file_id: Option<String>,
    },
    Failed {
        reason: String,
    },
}

/// One file as remembered.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    size: u64,
    /// Modification time, nanoseconds since the epoch: with the size, whether the file is the one remembered.
    modified_ns: u128,
    sha256: String,
    upload: Option<String>,
    #[serde(flatten)]
    outcome: Outcome,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Keyed by `{dataset}:{absolute path}`.
    files: BTreeMap<String, Entry>,
}

/// The state file, written whole to a temporary file and renamed over the old one at each change. A lock file
/// beside it keeps a second uploader (an overlapping cron run) from sharing it.
struct StateFile {
    path: PathBuf,
    state: Mutex<State>,
    _lock: std::fs::File,
}

impl StateFile {
    fn open(path: PathBuf) -> anyhow::Result<Self> {
        let lock_path = path.with_extension("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("creating {}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            bail!("another meridian upload is using {} (its lock is {})", path.display(), lock_path.display());
        }
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not an upload state file; move it away", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Self { path, state: Mutex::new(state), _lock: lock })
    }

    fn get(&self, key: &str) -> Option<Entry> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).files.get(key).cloned()
    }

    fn put(&self, key: &str, entry: Entry) -> anyhow::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.files.insert(key.to_owned(), entry);
        let bytes = serde_json::to_vec_pretty(&*state)?;
        let tmp = self.path.with_extension("json.tmp");
        {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path).with_context(|| format!("writing {}", self.path.display()))?;
        Ok(())
    }
}

/// Totals for the summary.
#[derive(Debug, Default)]
struct Summary {
    sent: u64,
    sent_bytes: u64,
    already: u64,
    failed: Vec<(String, String)>,
}

/// A file as seen on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    size: u64,
    modified_ns: u128,
}

fn seen(path: &Path) -> std::io::Result<Seen> {
    let m = std::fs::metadata(path)?;
    let modified_ns = m.modified()?.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    Ok(Seen { size: m.len(), modified_ns })
}

struct Uploader {
    http: reqwest::Client,
    origin: String,
    api: String,
    key: String,
    workspace: String,
    dataset: String,
    part_size: Option<u64>,
    /// 0: never give up.
    retries: u32,
    quiet: bool,
    tty: bool,
    state: StateFile,
    summary: Mutex<Summary>,
    /// `--max-rate` in bytes per second, and when the next part may start.
    pace: Option<(f64, Mutex<Instant>)>,
    /// `--jobs`: files being read, hashed and sent at once. A file waiting for the server's check of its bytes
    /// holds none, so the next one goes up meanwhile.
    slots: Arc<tokio::sync::Semaphore>,
}

/// The API's answers, as far as the uploader reads them. Every field may be absent (as if the server left it out),
/// so an answer of an older or newer server is read as the uploader always read it, field by field.
mod answer {
    use meridian_domain::uploads::UploadStatus;
    use serde::Deserialize;
    use serde_json::Value;

    /// An upload (`UploadBody`).
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Upload {
        pub id: Option<String>,
        pub dataset_id: Option<String>,
        pub name: Option<String>,
        pub size_bytes: Option<u64>,
        pub status: Option<Status>,
        pub error: Option<String>,
        pub file_id: Option<String>,
        pub part_size: Option<u64>,
        pub part_count: Option<u64>,
        pub parts: Vec<Part>,
        pub direct: bool,
    }

    impl Upload {
        /// Its status when it is one the uploader knows.
        pub(super) fn status(&self) -> Option<UploadStatus> {
            match self.status {
                Some(Status::Known(s)) => Some(s),
                Some(Status::Other(_)) | None => None,
            }
        }
    }

    /// An upload's status: one of the domain's, or another (a newer server's), kept to be named in an error.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(untagged)]
    pub(super) enum Status {
        Known(UploadStatus),
        Other(Value),
    }

    impl std::fmt::Display for Status {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Self::Known(s) => write!(f, "{:?}", s.as_str()),
                Self::Other(v) => write!(f, "{v}"),
            }
        }
    }

    /// A part the server holds (`UploadPartBody`).
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Part {
        pub number: Option<u64>,
        pub etag: Option<String>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Uploads {
        pub items: Vec<Upload>,
    }

    /// Where to send one part (`PartUrlBody`).
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct PartUrl {
        pub number: Option<u64>,
        pub size: Option<u64>,
        pub method: Option<String>,
        pub url: Option<String>,
        pub headers: Vec<(String, String)>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct PartUrls {
        pub items: Vec<PartUrl>,
    }

    /// A refusal (`Problem`): `existing_file` comes with `duplicate_file`.
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Problem {
        pub code: Option<String>,
        pub detail: Option<String>,
        pub existing_file: Option<Id>,
    }

    impl Problem {
        pub(super) fn is(&self, code: &str) -> bool {
            self.code.as_deref() == Some(code)
        }
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Id {
        pub id: Option<String>,
    }

    /// Who the caller is (`MeBody`): for an API key, its workspace.
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Me {
        pub api_key: Option<MeKey>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct MeKey {
        pub workspace_id: Option<String>,
    }

    /// The caller's workspaces (`WorkspaceList`).
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Workspaces {
        pub items: Vec<Workspace>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    pub(super) struct Workspace {
        pub id: Option<String>,
        pub slug: Option<String>,
    }
}

/// Why a request gave no usable answer.
enum Refused {
    /// The server answered with this status and problem body.
    Status(reqwest::StatusCode, answer::Problem),
    /// Out of attempts.
    GaveUp(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Status(s, body) => {
                let detail = body.detail.as_deref().unwrap_or("");
                write!(f, "the server answered {s}: {detail}")
            }
            Self::GaveUp(why) => write!(f, "gave up: {why}"),
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    let secs = 0.5 * 2f64.powi(i32::try_from(attempt.min(8)).unwrap_or(8));
    Duration::from_secs_f64(secs.min(30.0))
}

impl Uploader {
    fn say(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }

    /// Sends a request until it gets an answer that is not a passing failure (connection refused or broken, a
    /// timeout, 429, 5xx), waiting longer each time (`Retry-After` when the server gives one).
    async fn send(
        &self,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Refused> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (why, wait) = match build().send().await {
                Ok(r) if r.status().is_success() => return Ok(r),
                Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS || r.status().is_server_error() => {
                    let after = r
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .map(Duration::from_secs);
                    (format!("{what}: the server answered {}", r.status()), after.unwrap_or_else(|| backoff(attempt)))
                }
                Ok(r) => {
                    let status = r.status();
                    let body = r.json::<answer::Problem>().await.unwrap_or_default();
                    return Err(Refused::Status(status, body));
                }
                // Without the URL: a presigned one carries a signature.
                Err(e) => (format!("{what}: {}", e.without_url()), backoff(attempt)),
            };
            if self.retries != 0 && attempt >= self.retries {
                return Err(Refused::GaveUp(why));
            }
            if attempt == 1 || attempt % 5 == 0 {
                self.say(&format!("  {why}; trying again in {:.1} s", wait.as_secs_f64()));
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn json<T: DeserializeOwned>(
        &self,
        what: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, Refused> {
        let r = self.send(what, build).await?;
        r.json::<T>()
            .await
            .map_err(|e| Refused::GaveUp(format!("{what}: an answer that is not the JSON expected: {e}")))
    }

    /// Waits for a part's turn under `--max-rate`: parts start no faster than the rate lets their bytes go.
    async fn pace(&self, size: u64) {
        let Some((rate, next)) = &self.pace else { return };
        let start = {
            let mut next = next.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let start = (*next).max(Instant::now());
            *next = start + Duration::from_secs_f64(size as f64 / rate);
            start
        };
        tokio::time::sleep_until(start.into()).await;
    }

    fn authed(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http.request(method, url).bearer_auth(&self.key)
    }

    fn workspace_url(&self, rest: &str) -> String {
        format!("{}/workspaces/{}{rest}", self.api, self.workspace)
    }

    /// Sends one file (or finds it sent), recording each step in the state file.
    async fn file(&self, path: &Path) -> Outcome {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let outcome = match self.file_inner(path, &name).await {
            Ok(o) => o,
            Err(e) => Outcome::Failed { reason: format!("{e:#}") },
        };
        let mut summary = self.summary.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match &outcome {
            Outcome::Sent { .. } => {
                summary.sent += 1;
                summary.sent_bytes += seen(path).map(|s| s.size).unwrap_or(0);
                self.say(&format!("{name}: sent"));
            }
            Outcome::AlreadyThere { .. } => {
                summary.already += 1;
                self.say(&format!("{name}: already on the server"));
            }
            Outcome::Failed { reason } => {
                summary.failed.push((name.clone(), reason.clone()));
                eprintln!("{name}: failed: {reason}");
            }
            Outcome::Sending => {}
        }
        outcome
    }

    async fn file_inner(&self, path: &Path, name: &str) -> anyhow::Result<Outcome> {
        let key = format!("{}:{}", self.dataset, path.display());
        let mut slot = Some(self.slots.clone().acquire_owned().await?);
        let before = seen(path).with_context(|| format!("reading {}", path.display()))?;
        let remembered = self.state.get(&key).filter(|e| e.size == before.size && e.modified_ns == before.modified_ns);
        if let Some(e) = &remembered
            && matches!(e.outcome, Outcome::Sent { .. } | Outcome::AlreadyThere { .. })
        {
            return Ok(e.outcome.clone());
        }
        let sha256 = match &remembered {
            Some(e) => e.sha256.clone(),
            None => sha256_of(path).await?,
        };
        if seen(path)? != before {
            bail!("the file changed while it was being read; it will be sent once it stops changing");
        }
        let begun_before = remembered.is_some();
        let mut entry = Entry {
            size: before.size,
            modified_ns: before.modified_ns,
            sha256: sha256.clone(),
            upload: remembered.and_then(|e| e.upload),
            outcome: Outcome::Sending,
        };
        // An upload begun before (this run or an earlier one): where is it?
        let mut upload = match &entry.upload {
            Some(id) => match self
                .json::<answer::Upload>("looking up the upload", || {
                    self.authed(reqwest::Method::GET, &self.workspace_url(&format!("/uploads/{id}")))
                })
                .await
            {
                Ok(u)
                    if matches!(
                        u.status(),
                        Some(UploadStatus::Open | UploadStatus::Verifying | UploadStatus::Done)
                    ) =>
                {
                    Some(u)
                }
                Ok(_) | Err(Refused::Status(..)) => None,
                Err(e) => return Err(anyhow!("{e}")),
            },
            None => None,
        };
        // Begun before but with no upload id written down (killed between asking and writing): the server may
        // hold an open upload of it. Only then, not for every new file, are the open uploads listed.
        if upload.is_none() && begun_before {
            upload = self.open_upload_of(name, before.size).await;
        }
        if upload.is_none() {
            // Remembered before asking, so that a kill right after the server answers leaves a trace to look for.
            self.state.put(&key, entry.clone())?;
            let mut body = json!({"name": name, "size": before.size, "sha256": sha256});
            if let Some(p) = self.part_size {
                body["part_size"] = json!(p);
            }
            let url = format!("{}/workspaces/{}/datasets/{}/uploads", self.api, self.workspace, self.dataset);
            match self.json("starting the upload", || self.authed(reqwest::Method::POST, &url).json(&body)).await {
                Ok(u) => upload = Some(u),
                Err(Refused::Status(s, body)) if s == reqwest::StatusCode::CONFLICT && body.is("duplicate_file") => {
                    entry.outcome = Outcome::AlreadyThere { file_id: body.existing_file.and_then(|f| f.id) };
                    self.state.put(&key, entry.clone())?;
                    return Ok(entry.outcome);
                }
                Err(e) => return Err(anyhow!("{e}")),
            }
        }
        let mut upload = upload.unwrap_or_default();
        let id = upload.id.clone().context("the server's upload has no id")?;
        entry.upload = Some(id.clone());
        self.state.put(&key, entry.clone())?;
        // Send what the server lacks, join, and wait for its check of the whole file. The server may put an upload
        // back to `open` (it restarted before joining the parts): then again, a few times.
        let mut rounds = 0;
        entry.outcome = loop {
            rounds += 1;
            if upload.status() == Some(UploadStatus::Open) {
                if rounds > 3 {
                    bail!("the server reopened the upload three times; it will be tried again later");
                }
                if slot.is_none() {
                    slot = Some(self.slots.clone().acquire_owned().await?);
                }
                self.parts(path, name, &id, &upload).await?;
                if let Some(outcome) = self.complete(&id, &upload).await? {
                    break outcome;
                }
            }
            // The bytes are sent: the server's check is waited for without a slot.
            drop(slot.take());
            let started = Instant::now();
            upload = loop {
                let u: answer::Upload = self
                    .json("checking the upload", || {
                        self.authed(reqwest::Method::GET, &self.workspace_url(&format!("/uploads/{id}")))
                    })
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                if u.status() != Some(UploadStatus::Verifying) {
                    break u;
                }
                if started.elapsed() > Duration::from_secs(1800) {
                    bail!(
                        "the server has not finished checking the file after 30 minutes; it will be tried again later"
                    );
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            };
            match upload.status() {
                Some(UploadStatus::Done) => {
                    break Outcome::Sent { file_id: upload.file_id.unwrap_or_default() };
                }
                Some(UploadStatus::Failed) => {
                    let error = upload.error.unwrap_or_else(|| "the server refused the file".to_owned());
                    // The same bytes arrived meanwhile (another copy of the file, another uploader).
                    if error.contains("duplicate") || error.contains("already") {
                        break Outcome::AlreadyThere { file_id: None };
                    }
                    break Outcome::Failed { reason: error };
                }
                Some(UploadStatus::Open) => {}
                Some(UploadStatus::Verifying) | None => match &upload.status {
                    Some(status) => bail!("the upload is {status}, which this uploader does not know"),
                    None => bail!("the upload has no status, which this uploader does not know"),
                },
            }
        };
        self.state.put(&key, entry.clone())?;
        Ok(entry.outcome)
    }

    /// Sends the parts the server does not hold yet.
    async fn parts(&self, path: &Path, name: &str, id: &str, upload: &answer::Upload) -> anyhow::Result<()> {
        let part_size = upload.part_size.context("no part_size")?;
        let count = upload.part_count.context("no part_count")?;
        let held: HashSet<u64> = upload.parts.iter().filter_map(|p| p.number).collect();
        let missing: Vec<u64> = (1..=count).filter(|n| !held.contains(n)).collect();
        let mut file = tokio::fs::File::open(path).await.with_context(|| format!("opening {}", path.display()))?;
        let total = missing.len();
        // A few URLs at a time: presigned ones expire (an hour), and a slow uplink takes long over many parts.
        for (i, chunk) in missing.chunks(PART_URL_BATCH).enumerate() {
            let url = self.workspace_url(&format!("/uploads/{id}/part-urls"));
            let body = json!({"parts": chunk});
            let urls: answer::PartUrls = self
                .json("asking where to send the parts", || self.authed(reqwest::Method::POST, &url).json(&body))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            for (j, part) in urls.items.iter().enumerate() {
                let number = part.number.context("a part without a number")?;
                let size = part.size.context("a part without a size")?;
                let mut bytes = vec![0; usize::try_from(size)?];
                file.seek(std::io::SeekFrom::Start((number - 1) * part_size)).await?;
                file.read_exact(&mut bytes).await.with_context(|| format!("reading part {number} of {name}"))?;
                self.pace(size).await;
                let bytes = bytes::Bytes::from(bytes);
                let target = part.url.as_deref().context("a part without a URL")?;
                let through_api = target.starts_with('/');
                let target = if through_api { format!("{}{target}", self.origin) } else { target.to_owned() };
                let method = reqwest::Method::from_bytes(part.method.as_deref().unwrap_or("PUT").as_bytes())?;
                let headers = &part.headers;
                let build = || {
                    let mut r = self.http.request(method.clone(), &target).body(bytes.clone());
                    if through_api {
                        r = r.bearer_auth(&self.key).header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
                    }
                    for (k, v) in headers {
                        r = r.header(k, v);
                    }
                    r
                };
                match self.send(&format!("part {number} of {name}"), build).await {
                    Ok(_) => {}
                    // A presigned URL that expired or was refused: ask for a fresh one, once.
                    Err(Refused::Status(s, _)) if !through_api && s.is_client_error() => {
                        let again: answer::PartUrls = self
                            .json("asking again where to send a part", || {
                                self.authed(reqwest::Method::POST, &url).json(&json!({"parts": [number]}))
                            })
                            .await
                            .map_err(|e| anyhow!("{e}"))?;
                        let fresh = again.items.into_iter().next().and_then(|p| p.url).context("no fresh URL")?;
                        let retry = || {
                            let mut r = self.http.request(method.clone(), &fresh).body(bytes.clone());
                            for (k, v) in headers {
                                r = r.header(k, v);
                            }
                            r
                        };
                        self.send(&format!("part {number} of {name}"), retry).await.map_err(|e| anyhow!("{e}"))?;
                    }
                    Err(e) => return Err(anyhow!("{e}")),
                }
                let done = i * PART_URL_BATCH + j + 1;
                if self.tty && !self.quiet {
                    eprint!("\r{name}: {done}/{total} parts ({}%)   ", done * 100 / total.max(1));
                    if done == total {
                        eprintln!();
                    }
                } else if !self.quiet {
                    eprintln!("{name}: {done}/{total} parts");
                }
            }
        }
        Ok(())
    }

    /// Asks the server to join the parts (straight-to-S3 uploads name each part's ETag). `Some` when the server
    /// already holds the same bytes; a refusal for any other reason (parts missing, the upload expired) is an
    /// error, except one that only says the upload is already being joined (a retry after a lost answer).
    async fn complete(&self, id: &str, upload: &answer::Upload) -> anyhow::Result<Option<Outcome>> {
        let url = self.workspace_url(&format!("/uploads/{id}"));
        let body = if upload.direct {
            let now: answer::Upload = self
                .json("listing the parts", || self.authed(reqwest::Method::GET, &url))
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let parts: Vec<Value> = now.parts.iter().map(|p| json!({"number": p.number, "etag": p.etag})).collect();
            json!({"parts": parts})
        } else {
            json!({})
        };
        let complete = self.workspace_url(&format!("/uploads/{id}/complete"));
        match self.send("completing the upload", || self.authed(reqwest::Method::POST, &complete).json(&body)).await {
            Ok(_) => Ok(None),
            Err(Refused::Status(s, b)) if s == reqwest::StatusCode::CONFLICT && b.is("duplicate_file") => {
                Ok(Some(Outcome::AlreadyThere { file_id: b.existing_file.and_then(|f| f.id) }))
            }
            Err(e @ Refused::Status(s, _)) if s == reqwest::StatusCode::CONFLICT => {
                let now: answer::Upload = self
                    .json("checking the upload", || self.authed(reqwest::Method::GET, &url))
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                if matches!(now.status(), Some(UploadStatus::Verifying | UploadStatus::Done)) {
                    Ok(None)
                } else {
                    Err(anyhow!("{e}"))
                }
            }
            Err(e) => Err(anyhow!("{e}")),
        }
    }

    /// An open upload of this file begun earlier whose id was never written down (the answer to its creation was
    /// lost, or the uploader was killed just then): continued rather than left to hold quota until it expires.
    /// `None` when there is none, or the key may not list uploads.
    async fn open_upload_of(&self, name: &str, size: u64) -> Option<answer::Upload> {
        let list: answer::Uploads = self
            .json("listing open uploads", || self.authed(reqwest::Method::GET, &self.workspace_url("/uploads")))
            .await
            .ok()?;
        list.items.into_iter().find(|u| {
            u.status() == Some(UploadStatus::Open)
                && u.dataset_id.as_deref() == Some(self.dataset.as_str())
                && u.name.as_deref() == Some(name)
                && u.size_bytes == Some(size)
        })
    }

    fn report(&self, elapsed: Duration) -> bool {
        let s = self.summary.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mib = s.sent_bytes as f64 / 1_048_576.0;
        let rate = mib / elapsed.as_secs_f64().max(1e-3);
        eprintln!(
            "sent {} file(s), {mib:.1} MiB in {:.1} s ({rate:.1} MiB/s); {} already on the server; {} failed",
            s.sent,
            elapsed.as_secs_f64(),
            s.already,
            s.failed.len()
        );
        for (name, reason) in &s.failed {
            eprintln!("  {name}: {reason}");
        }
        s.failed.is_empty()
    }
}

async fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let mut file = tokio::fs::File::open(path).await.with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Whether a name in a watched directory is one to send.
fn wanted(name: &str) -> bool {
    !(name.starts_with('.') || name.ends_with(".part") || name.ends_with(".tmp") || name.ends_with('~'))
}

/// Whether a watched entry is a file to send: a regular file, or a symbolic link to one (acquisition software
/// often links each new frame into the folder it serves); not a directory, nor a link to nothing.
fn is_file_or_link_to_one(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Runs `meridian upload`; `Ok(false)` when a file failed.
pub async fn run(args: UploadArgs) -> anyhow::Result<bool> {
    let origin = args.server.trim_end_matches('/').to_owned();
    if !(origin.starts_with("http://") || origin.starts_with("https://")) {
        bail!("--server must be an http:// or https:// URL");
    }
    if args.watch.is_none() && args.files.is_empty() {
        bail!("name the files to send, or a directory to --watch");
    }
    for (name, v) in [("--settle-secs", args.settle_secs), ("--poll-secs", args.poll_secs)] {
        if !(0.0..=86_400.0).contains(&v) {
            bail!("{name} must be 0 to 86400 seconds");
        }
    }
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(600))
        .user_agent(concat!("meridian-upload/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let api = format!("{origin}/api/v1");
    let state_path = match (&args.state, &args.watch) {
        (Some(p), _) => p.clone(),
        (None, Some(dir)) => dir.join(STATE_FILE),
        (None, None) => PathBuf::from(STATE_FILE),
    };
    let retries = args.retries.unwrap_or(if args.watch.is_some() { 0 } else { 12 });
    let mut up = Uploader {
        http,
        origin,
        api,
        key: args.key.trim().to_owned(),
        workspace: String::new(),
        dataset: args.dataset.clone(),
        part_size: args.part_size,
        retries,
        quiet: args.quiet,
        tty: std::io::stderr().is_terminal(),
        state: StateFile::open(state_path)?,
        summary: Mutex::new(Summary::default()),
        slots: Arc::new(tokio::sync::Semaphore::new(args.jobs.max(1))),
        pace: match args.max_rate {
            Some(r) if r.is_finite() && r >= 0.01 => Some((r * 1_048_576.0, Mutex::new(Instant::now()))),
            Some(_) => bail!("--max-rate must be at least 0.01 MiB per second"),
            None => None,
        },
    };
    up.workspace = match args.workspace.clone() {
        Some(w) => w,
        None => key_workspace(&up).await?,
    };
    let up = Arc::new(up);
    let started = Instant::now();
    match args.watch.clone() {
        None => {
            use futures::StreamExt as _;
            let paths: Vec<PathBuf> =
                args.files.iter().map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())).collect();
            futures::stream::iter(paths)
                .map(|p| {
                    let up = up.clone();
                    async move { up.file(&p).await }
                })
                // More files under way than slots: those waiting for the server's check hold none.
                .buffer_unordered(args.jobs.max(1) * 8)
                .collect::<Vec<_>>()
                .await;
        }
        Some(dir) => watch(&up, &std::path::absolute(&dir)?, &args).await?,
    }
    Ok(up.report(started.elapsed()))
}

/// The slug of the workspace the key belongs to.
async fn key_workspace(up: &Uploader) -> anyhow::Result<String> {
    let me: answer::Me = up
        .json("asking who the key is", || up.authed(reqwest::Method::GET, &format!("{}/me", up.api)))
        .await
        .map_err(|e| anyhow!("the key was not accepted ({e})"))?;
    let id = me.api_key.and_then(|k| k.workspace_id).context("not an API key of a workspace; pass --workspace")?;
    let list: answer::Workspaces = up
        .json("listing the key's workspace", || up.authed(reqwest::Method::GET, &format!("{}/workspaces", up.api)))
        .await
        .map_err(|e| anyhow!("{e}; pass --workspace"))?;
    list.items
        .into_iter()
        .find(|w| w.id.as_deref() == Some(id.as_str()))
        .and_then(|w| w.slug)
        .context("the key's workspace is not listed; pass --workspace")
}

/// Watches `dir` until SIGINT or SIGTERM. A file is sent once its size and modification time have stayed the same
/// for `--settle-secs`; a file already sent (this run or, by the state file, an earlier one) is not sent again
/// unless it changes.
async fn watch(up: &Arc<Uploader>, dir: &Path, args: &UploadArgs) -> anyhow::Result<()> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    eprintln!(
        "watching {} (files are sent once unchanged for {} s); stop with Ctrl-C",
        dir.display(),
        args.settle_secs
    );
    let settle = Duration::from_secs_f64(args.settle_secs.max(0.0));
    let poll = Duration::from_secs_f64(args.poll_secs.max(0.05));
    // Each candidate: how it was last seen, and since when unchanged.
    let mut settling: HashMap<PathBuf, (Seen, Instant)> = HashMap::new();
    // What this run has handed to an upload task, as it was then (a later change sends it again).
    let mut handed: HashMap<PathBuf, Seen> = HashMap::new();
    // Files whose upload failed, and when to try them again.
    let mut retry_at: HashMap<PathBuf, Instant> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    let mut stop = std::pin::pin!(shutdown());
    loop {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                for entry in entries.flatten() {
                    let path = entry.path();
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if !wanted(&name) || !is_file_or_link_to_one(&path) {
                        continue;
                    }
                    let Ok(now) = seen(&path) else { continue };
                    if handed.get(&path) == Some(&now) {
                        // Sent, or being sent; a failed one again after a pause.
                        if retry_at.get(&path).is_none_or(|t| *t > Instant::now()) {
                            continue;
                        }
                        retry_at.remove(&path);
                    }
                    let since = match settling.get(&path) {
                        Some((before, since)) if *before == now => *since,
                        _ => {
                            settling.insert(path.clone(), (now, Instant::now()));
                            continue;
                        }
                    };
                    if since.elapsed() < settle {
                        continue;
                    }
                    settling.remove(&path);
                    handed.insert(path.clone(), now);
                    let up = up.clone();
                    tasks.spawn(async move {
                        let outcome = up.file(&path).await;
                        (path, outcome)
                    });
                }
            }
            Err(e) => eprintln!("reading {}: {e}", dir.display()),
        }
        // Collect what finished (a task's panic is reported, not hidden).
        while let Some(done) = tasks.try_join_next() {
            match done {
                Ok((path, Outcome::Failed { .. })) => {
                    retry_at.insert(path, Instant::now() + RETRY_FAILED);
                }
                Ok(_) => {}
                Err(e) => eprintln!("an upload task failed: {e}"),
            }
        }
        // Forget files that are gone.
        settling.retain(|p, _| p.exists());
        handed.retain(|p, _| p.exists());
        tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep(poll) => {}
        }
    }
    eprintln!("stopping: uploads in progress resume at the next start");
    tasks.abort_all();
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::answer;
    use meridian_domain::uploads::UploadStatus;

    #[cfg(unix)]
    #[test]
    fn a_watched_folder_sends_files_and_links_to_files_only() {
        let dir = tempfile::tempdir().expect("dir");
        let (file, sub) = (dir.path().join("frame.fits"), dir.path().join("night"));
        std::fs::write(&file, b"SIMPLE").expect("file");
        std::fs::create_dir(&sub).expect("dir");
        let (link, to_dir, dangling) =
            (dir.path().join("linked.fits"), dir.path().join("to-night"), dir.path().join("gone.fits"));
        std::os::unix::fs::symlink(&file, &link).expect("link");
        std::os::unix::fs::symlink(&sub, &to_dir).expect("link");
        std::os::unix::fs::symlink(dir.path().join("nothing"), &dangling).expect("link");
        assert!(super::is_file_or_link_to_one(&file));
        assert!(super::is_file_or_link_to_one(&link), "a link to a file is sent");
        for not in [&sub, &to_dir, &dangling] {
            assert!(!super::is_file_or_link_to_one(not), "{}", not.display());
        }
    }

    fn upload(json: &str) -> answer::Upload {
        serde_json::from_str(json).expect("an upload answer")
    }

    #[test]
    fn upload_answers_read_the_apis_statuses_and_keep_unknown_ones() {
        let u =
            upload(r#"{"id":"u1","status":"verifying","parts":[{"number":2,"size":5,"etag":"\"e\""}],"direct":true}"#);
        assert_eq!(u.status(), Some(UploadStatus::Verifying));
        assert_eq!((u.parts[0].number, u.parts[0].etag.as_deref()), (Some(2), Some("\"e\"")));
        assert!(u.direct);
        for s in UploadStatus::ALL {
            assert_eq!(upload(&format!(r#"{{"status":"{s}"}}"#)).status(), Some(*s));
        }
        // A status of a newer server, or none: not one the uploader acts on, and named as it came.
        let newer = upload(r#"{"status":"paused"}"#);
        assert_eq!(newer.status(), None);
        assert_eq!(newer.status.map(|s| s.to_string()).as_deref(), Some(r#""paused""#));
        assert_eq!(upload(r#"{"status":7}"#).status(), None);
        assert_eq!(upload(r#"{"status":null}"#).status(), None);
        let empty = upload("{}");
        assert!(empty.status.is_none() && empty.id.is_none() && empty.parts.is_empty() && !empty.direct);
    }
}
