//! The integrity check behind `meridian verify` and the periodic scrub: every acknowledged byte is where the
//! database says, with its checksum.
//!
//! - every file row has its object, of the recorded size (HEAD); a sample of them (all with `full`) is read
//!   back whole and its SHA-256 compared with the recorded one;
//! - objects no row knows (older than an hour, so uploads in flight are not counted) are listed;
//! - every package version's manifest hashes to its recorded checksum and lists exactly the version's files, each
//!   still a file with the same size and checksum;
//! - every workspace's maintained per-tier totals equal the sums over its files (optionally repaired).
//!
//! Missing objects, wrong sizes or checksums, broken versions and drifted totals are problems: the command exits
//! non-zero and the scrub logs an error. Orphans, missing previews and tiers that differ are warnings. This is
//! what an operator runs after restoring a backup.

use crate::{ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use meridian_domain::PreviewStatus;
use meridian_storage::StorageError;
use meridian_store::data::files;
use meridian_store::integrity::{self as store, FileRef};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// Each list in a report keeps at most this many entries (the counts are exact).
const LIST_MAX: usize = 1000;
/// Objects younger than this may be uploads about to get their row.
const ORPHAN_AGE: chrono::Duration = chrono::Duration::hours(1);
/// Files re-read by a sampled check unless told otherwise.
pub const DEFAULT_SAMPLE: u64 = 100;

/// How to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Re-read every file (otherwise a random sample of `sample` files).
    pub full: bool,
    pub sample: u64,
    /// Set drifted per-tier totals to the sums.
    pub repair_totals: bool,
    /// Objects younger than this are not listed as orphans (they may be uploads about to get their row).
    pub orphan_age: chrono::Duration,
    /// Where to look for orphans: every workspace's objects (`ws/`), or one workspace's (`ws/{id}/`).
    pub orphan_prefix: String,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            full: false,
            sample: DEFAULT_SAMPLE,
            repair_totals: false,
            orphan_age: ORPHAN_AGE,
            orphan_prefix: "ws/".to_owned(),
        }
    }
}

/// One file or object found wanting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub workspace_id: Option<Uuid>,
    pub file_id: Option<Uuid>,
    pub key: String,
    pub detail: String,
}

/// A list of findings: the first [`LIST_MAX`] and how many there were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    pub count: u64,
    pub items: Vec<Finding>,
}

impl Findings {
    fn push(&mut self, f: Finding) {
        self.count += 1;
        if self.items.len() < LIST_MAX {
            self.items.push(f);
        }
    }
}

/// A workspace whose maintained totals differ from the sums over its files (hot, cool, cold bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalsDrift {
    pub workspace_id: Uuid,
    pub kept: [i64; 3],
    pub summed: [i64; 3],
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub full: bool,
    /// File rows whose object was looked for.
    pub files_checked: u64,
    /// Files read back whole and hashed.
    pub files_read: u64,
    pub bytes_read: u64,
    /// Sampled files not read back because they are in the cold tier.
    pub cold_skipped: u64,
    /// Problems: bytes lost or changed.
    pub missing: Findings,
    pub size_mismatch: Findings,
    pub checksum_mismatch: Findings,
    /// Problems: files the storage would not answer for (the check proves nothing about them).
    pub unreachable: Findings,
    pub versions_checked: u64,
    /// Problems: package versions whose manifest or files disagree.
    pub version_problems: Findings,
    /// Problems (unless repaired): maintained totals that drifted.
    pub totals_drift: Vec<TotalsDrift>,
    pub totals_repaired: bool,
    /// Warnings.
    pub orphans: Findings,
    pub missing_previews: Findings,
    pub tier_differs: Findings,
}

impl VerifyReport {
    /// Lost or changed bytes, broken versions, files that could not be checked, and unrepaired totals.
    #[must_use]
    pub fn problems(&self) -> u64 {
        let drift = if self.totals_repaired { 0 } else { self.totals_drift.len() as u64 };
        self.missing.count
            + self.size_mismatch.count
            + self.checksum_mismatch.count
            + self.unreachable.count
            + self.version_problems.count
            + drift
    }

    /// The report as people read it.
    #[must_use]
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "meridian verify ({}), {} to {}",
            if self.full { "full: every file read back" } else { "sampled" },
            self.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
            self.finished_at.format("%H:%M:%S UTC"),
        );
        let _ = writeln!(
            out,
            "  files: {} checked, {} read back ({} bytes, SHA-256 compared), {} cold not read",
            self.files_checked, self.files_read, self.bytes_read, self.cold_skipped
        );
        let _ = writeln!(out, "  package versions: {} checked", self.versions_checked);
        for (name, f) in [
            ("MISSING objects", &self.missing),
            ("SIZE differs", &self.size_mismatch),
            ("CHECKSUM differs", &self.checksum_mismatch),
            ("could not be checked", &self.unreachable),
            ("package version problems", &self.version_problems),
            ("warning: objects no row knows (orphans)", &self.orphans),
            ("warning: previews missing", &self.missing_previews),
            ("warning: storage class differs from the recorded tier", &self.tier_differs),
        ] {
            if f.count > 0 {
                let _ = writeln!(out, "  {name}: {}", f.count);
                for i in f.items.iter().take(20) {
                    let _ = writeln!(out, "    {} {}", i.key, i.detail);
                }
                if f.count > 20 {
                    let _ = writeln!(out, "    ... and {} more (the JSON report lists up to {LIST_MAX})", f.count - 20);
                }
            }
        }
        for d in &self.totals_drift {
            let _ = writeln!(
                out,
                "  storage totals of workspace {} were {:?}, the files sum to {:?}{}",
                d.workspace_id,
                d.kept,
                d.summed,
                if self.totals_repaired { " (repaired)" } else { "" }
            );
        }
        let problems = self.problems();
        let _ = writeln!(
            out,
            "{}",
            if problems == 0 {
                "OK: every file checked is there with its recorded size and checksum".to_owned()
            } else {
                format!("FAILED: {problems} problem(s)")
            }
        );
        out
    }
}

/// What the storage said about one file: a finding of a kind.
enum Looked {
    Finding(&'static str, Finding),
}

impl Services {
    /// Checks the whole instance (see the module's documentation) and records the outcome for operators.
    #[tracing::instrument(skip(self))]
    pub async fn verify(&self, opts: VerifyOptions) -> ServiceResult<VerifyReport> {
        let storage = self.storage()?;
        let mut r = VerifyReport { started_at: crate::now(), full: opts.full, ..VerifyReport::default() };

        // Files: the object of every row, a sample (or all) read back.
        let total = store::file_count(self.db()).await?;
        let mut after = None;
        loop {
            let batch = store::files_after(self.db(), after, 500).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            let work: Vec<(FileRef, bool)> = batch
                .into_iter()
                .map(|f| {
                    let read = opts.full || (total > 0 && rand::rng().random_range(0..total) < opts.sample);
                    (f, read)
                })
                .collect();
            let looked = futures::stream::iter(work)
                .map(|(f, read)| {
                    let storage = storage.clone();
                    async move { check_file(&*storage, &f, read).await }
                })
                .buffered(8)
                .collect::<Vec<_>>()
                .await;
            for outcome in looked {
                r.files_checked += 1;
                match outcome.read {
                    Some(Ok(bytes)) => {
                        r.files_read += 1;
                        r.bytes_read += bytes;
                    }
                    Some(Err(())) => r.cold_skipped += 1,
                    None => {}
                }
                for Looked::Finding(kind, finding) in outcome.found {
                    // A file deleted while the check ran (row first, then its object) is not a loss.
                    if matches!(kind, "missing" | "size" | "checksum" | "unreachable")
                        && let Some(id) = finding.file_id
                        && store::file_sums(self.db(), &[id]).await?.is_empty()
                    {
                        continue;
                    }
                    {
                        match kind {
                            "missing" => r.missing.push(finding),
                            "size" => r.size_mismatch.push(finding),
                            "checksum" => r.checksum_mismatch.push(finding),
                            "tier" => r.tier_differs.push(finding),
                            "preview" => r.missing_previews.push(finding),
                            _ => r.unreachable.push(finding),
                        }
                    }
                }
            }
        }

        // Objects no row knows.
        let cutoff = crate::now() - opts.orphan_age;
        let mut after: Option<String> = None;
        loop {
            let batch =
                storage.list(&opts.orphan_prefix, after.as_deref(), 1000).await.map_err(ServiceError::internal)?;
            let Some(last) = batch.last() else { break };
            after = Some(last.key.clone());
            let old: Vec<String> =
                batch.iter().filter(|o| o.last_modified.is_none_or(|t| t < cutoff)).map(|o| o.key.clone()).collect();
            let known: std::collections::HashSet<String> =
                files::known_keys(self.db(), &old).await?.into_iter().collect();
            for key in old.into_iter().filter(|k| !known.contains(k)) {
                r.orphans.push(Finding {
                    workspace_id: workspace_of_key(&key),
                    file_id: None,
                    key,
                    detail: "no file, preview or upload refers to it".into(),
                });
            }
            if batch.len() < 1000 {
                break;
            }
        }

        // Package versions.
        let mut after = None;
        loop {
            let batch = store::versions_after(self.db(), after, 100).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for v in batch {
                r.versions_checked += 1;
                for detail in self.check_version(&v).await? {
                    r.version_problems.push(Finding {
                        workspace_id: Some(v.workspace_id),
                        file_id: None,
                        key: format!("package {} version {}", v.package_id, v.number),
                        detail,
                    });
                }
            }
        }

        // Maintained totals.
        for ws in store::workspace_ids(self.db()).await? {
            let txn = meridian_store::begin_write(self.db()).await?;
            let id = meridian_domain::WorkspaceId::from(ws);
            meridian_store::workspaces::lock(&txn, id).await?;
            let kept = files::bytes_per_tier(&txn, id).await?;
            let summed = files::summed_bytes_per_tier(&txn, id).await?;
            if kept != summed {
                r.totals_drift.push(TotalsDrift { workspace_id: ws, kept, summed });
                if opts.repair_totals {
                    files::set_bytes_per_tier(&txn, id, summed).await?;
                }
            }
            meridian_store::commit(txn).await?;
        }
        r.totals_repaired = opts.repair_totals && !r.totals_drift.is_empty();
        r.finished_at = crate::now();

        let problems = r.problems();
        let recorded = store::insert_scrub_run(
            self.db(),
            store::NewScrubRun {
                started_at: r.started_at,
                finished_at: r.finished_at,
                full: r.full,
                files_checked: i64::try_from(r.files_checked).unwrap_or(i64::MAX),
                files_read: i64::try_from(r.files_read).unwrap_or(i64::MAX),
                bytes_read: i64::try_from(r.bytes_read).unwrap_or(i64::MAX),
                problems: i64::try_from(problems).unwrap_or(i64::MAX),
                report: serde_json::to_string(&r).map_err(ServiceError::internal)?,
            },
        )
        .await;
        // The report stands even where it cannot be kept (a database restored read-only, say).
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record the integrity check's report");
        }
        if problems > 0 {
            tracing::error!(
                problems,
                missing = r.missing.count,
                size_mismatch = r.size_mismatch.count,
                checksum_mismatch = r.checksum_mismatch.count,
                unreachable = r.unreachable.count,
                version_problems = r.version_problems.count,
                totals_drift = r.totals_drift.len(),
                "integrity check found problems; `meridian verify --last` shows them"
            );
        } else {
            tracing::info!(files = r.files_checked, read = r.files_read, "integrity check passed");
        }
        Ok(r)
    }

    /// The latest recorded checks (`meridian verify --last`), newest first.
    pub async fn last_verifications(&self, limit: u64) -> ServiceResult<Vec<VerifyReport>> {
        store::last_scrub_runs(self.db(), limit)
            .await?
            .into_iter()
            .map(|row| serde_json::from_str(&row.report).map_err(ServiceError::internal))
            .collect()
    }

    /// What is wrong with one package version, if anything.
    async fn check_version(&self, v: &store::VersionRef) -> ServiceResult<Vec<String>> {
        let mut out = Vec::new();
        let sha = hex::encode(Sha256::digest(v.manifest.as_bytes()));
        if sha != v.manifest_sha256 {
            out.push(format!("the manifest hashes to {sha}, not the recorded {}", v.manifest_sha256));
        }
        let manifest: meridian_domain::packages::Manifest = match serde_json::from_str(&v.manifest) {
            Ok(m) => m,
            Err(e) => {
                out.push(format!("the manifest does not read: {e}"));
                return Ok(out);
            }
        };
        let files = store::files_of_version(self.db(), v.id).await?;
        if files.len() != manifest.files.len() {
            out.push(format!("the manifest lists {} files, the version holds {}", manifest.files.len(), files.len()));
        }
        for (m, f) in manifest.files.iter().zip(&files) {
            if m.path != f.path || i64::try_from(m.size).ok() != Some(f.size_bytes) || m.sha256 != f.sha256 {
                out.push(format!("{}: the manifest and the version's file differ", m.path));
            }
        }
        let ids: Vec<Uuid> = files.iter().map(|f| f.file_id.into()).collect();
        let sums: std::collections::HashMap<Uuid, (i64, String)> =
            store::file_sums(self.db(), &ids).await?.into_iter().map(|(id, n, s)| (id, (n, s))).collect();
        for f in &files {
            match sums.get(&f.file_id.as_uuid()) {
                None => out.push(format!("{}: its file is gone", f.path)),
                Some((n, s)) if *n != f.size_bytes || *s != f.sha256 => {
                    out.push(format!("{}: its file's size or checksum changed", f.path));
                }
                Some(_) => {}
            }
        }
        Ok(out)
    }
}

/// `ws/{workspace}/...`'s workspace.
fn workspace_of_key(key: &str) -> Option<Uuid> {
    key.strip_prefix("ws/")?.split('/').next()?.parse().ok()
}

/// What checking one file found, and whether (and how much) it was read back: `Some(Err(()))` when it was to be
/// read but is cold.
struct FileOutcome {
    found: Vec<Looked>,
    read: Option<Result<u64, ()>>,
}

async fn check_file(storage: &dyn meridian_storage::ObjectStore, f: &FileRef, read: bool) -> FileOutcome {
    let finding = |detail: String| Finding {
        workspace_id: Some(f.workspace_id),
        file_id: Some(f.id),
        key: f.object_key.clone(),
        detail: format!("{:?}: {detail}", f.name),
    };
    let mut found = Vec::new();
    let expected = u64::try_from(f.size_bytes).unwrap_or(0);
    match storage.head(&f.object_key).await {
        Ok(info) => {
            if info.size != expected {
                found
                    .push(Looked::Finding("size", finding(format!("{} bytes stored, {expected} recorded", info.size))));
            }
            if info.tier.as_str() != f.tier {
                found.push(Looked::Finding(
                    "tier",
                    finding(format!("stored as {}, recorded as {}", info.tier.as_str(), f.tier)),
                ));
            }
        }
        Err(StorageError::NotFound) => {
            found.push(Looked::Finding("missing", finding("the object is missing".into())));
            return FileOutcome { found, read: None };
        }
        Err(e) => {
            found.push(Looked::Finding("unreachable", finding(format!("storage: {e}"))));
            return FileOutcome { found, read: None };
        }
    }
    if f.preview_status == PreviewStatus::Done.as_str()
        && let Some(pk) = &f.preview_key
        && matches!(storage.head(pk).await, Err(StorageError::NotFound))
    {
        found.push(Looked::Finding("preview", finding("its preview image is missing".into())));
    }
    if !read {
        return FileOutcome { found, read: None };
    }
    if f.tier == meridian_domain::Tier::Cold.as_str() {
        return FileOutcome { found, read: Some(Err(())) };
    }
    let got = match storage.get(&f.object_key, None).await {
        Ok(g) => g,
        Err(StorageError::RestoreRequired) => return FileOutcome { found, read: Some(Err(())) },
        Err(e) => {
            found.push(Looked::Finding("unreachable", finding(format!("reading it back: {e}"))));
            return FileOutcome { found, read: None };
        }
    };
    let mut hasher = Sha256::new();
    let mut n = 0_u64;
    let mut body = got.body;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(c) => {
                n += c.len() as u64;
                hasher.update(&c);
            }
            Err(e) => {
                found.push(Looked::Finding("unreachable", finding(format!("reading it back: {e}"))));
                return FileOutcome { found, read: None };
            }
        }
    }
    let sha = hex::encode(hasher.finalize());
    if sha != f.sha256 {
        found.push(Looked::Finding("checksum", finding(format!("its bytes hash to {sha}, {} recorded", f.sha256))));
    }
    FileOutcome { found, read: Some(Ok(n)) }
}
