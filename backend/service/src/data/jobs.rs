//! The data side's background work: reading FITS headers and placing files in night logs, previews, restores,
//! tier rules, usage metering and cleanup. Every handler is idempotent: a retry after a crash finds what the
//! last attempt committed and carries on.

use meridian_store::data::files::IngestResult;

use crate::data::search::healpix_of;
use crate::data::{object_key, preview_key};
use crate::jobs::{Job, JobFailure, JobHandler, PushOptions};
use crate::{ServiceError, Services};
use chrono::{DateTime, Datelike, Utc};
use meridian_domain::data::{DataFile, HeaderCard};
use meridian_domain::{DataFileId, IngestStatus, NightLogId, ObservationId, UploadId};
use meridian_domain::{FrameType, PreviewStatus, RestoreStatus, Tier, Visibility};
use meridian_fits::{CardValue, Headers, Summary};
use meridian_storage::{RestoreStatus as ObjectRestore, StorageError};
use meridian_store::data as store;
use meridian_store::uploads;
use std::io::Read;
use uuid::Uuid;

/// The handler the workers run: one method per job kind.
#[derive(Debug, Clone)]
pub struct DataJobs {
    services: Services,
}

impl DataJobs {
    #[must_use]
    pub fn new(services: Services) -> Self {
        Self { services }
    }
}

fn retry(e: impl std::error::Error + 'static) -> JobFailure {
    JobFailure::retry(e)
}

#[async_trait::async_trait]
impl JobHandler for DataJobs {
    async fn run(&self, job: Job, _attempt: u32, last: bool) -> Result<(), JobFailure> {
        let s = &self.services;
        let result = match job {
            // Not about a file: it records its own outcome on its message.
            Job::SendMail { mail_id } => return s.deliver_mail(mail_id, last).await,
            Job::IngestFile { file_id } => s.ingest(file_id).await,
            Job::RenderPreview { file_id } => s.render_preview(file_id).await,
            Job::RestoreFile { file_id } => s.follow_restore(file_id).await,
            Job::ApplyLifecycle => s.apply_lifecycle().await,
            Job::MeterUsage => {
                let now = crate::now();
                s.meter_usage(now).await.map_err(retry)?;
                // Months that are over, to Stripe's meters (nothing with billing off).
                s.report_meter_usage(now).await.map(|_| ()).map_err(retry)
            }
            Job::CleanupOrphans => {
                // Both run whatever the other did: a cleanup that keeps failing (an object under retention that
                // cannot be deleted) must not keep stranded uploads from getting their jobs back.
                let now = crate::now();
                let cleaned = s.cleanup(now).await;
                let swept = s.sweep_stuck(now).await;
                match (cleaned, swept) {
                    (Ok(_), Ok(_)) => Ok(()),
                    (Err(e), Ok(_)) => Err(JobFailure::retry_in("cleanup", &e)),
                    (Ok(_), Err(e)) => Err(JobFailure::retry_in("sweep", &e)),
                    (Err(a), Err(b)) => {
                        let (a, b) = (JobFailure::retry_in("cleanup", &a), JobFailure::retry_in("sweep", &b));
                        Err(JobFailure::Retry(format!("{a}; {b}")))
                    }
                }
            }
            Job::VerifyUpload { upload_id } => s.verify_upload(upload_id).await,
            Job::RecheckPlans => s.recheck_plans().await.map(|_| ()).map_err(retry),
            Job::FetchCatalog => s.fetch_satellite_catalog().await.map(|_| ()).map_err(retry),
            Job::Scrub => {
                let opts = crate::integrity::VerifyOptions::default();
                s.verify(opts).await.map(|_| ()).map_err(retry)
            }
            Job::PruneJobs => {
                let before = crate::now() - chrono::Duration::days(crate::jobs::KEEP_DONE_DAYS);
                // Spent and expired mailed links are kept a while (a late click still gets "expired"), then go.
                let tokens = meridian_store::accounts::tokens::delete_expired(s.db(), before).await;
                let jobs = s.jobs().prune_done(before).await;
                match (jobs, tokens) {
                    (Ok(_), Ok(_)) => Ok(()),
                    (Err(e), _) => Err(retry(e)),
                    (_, Err(e)) => Err(retry(crate::ServiceError::from(e))),
                }
            }
        };
        // A job that will not run again leaves its file's status failed, not pending for ever: a permanent failure
        // (the object missing, or cold where the backend will not read cold objects) at any attempt, a passing
        // one at the last.
        let given_up = match &result {
            Err(JobFailure::Permanent(msg)) => Some(msg),
            Err(JobFailure::Retry(msg)) if last => Some(msg),
            _ => None,
        };
        if let Some(msg) = given_up {
            // Should this write fail too (the database is what failed), the file stays pending and the sweep
            // queues its job again; nothing is dropped silently.
            let recorded = match job {
                Job::IngestFile { file_id } => {
                    store::files::set_ingest_status(s.db(), file_id, IngestStatus::Failed, Some(msg.clone()))
                        .await
                        .map_err(|e| e.to_string())
                }
                Job::RenderPreview { file_id } => {
                    store::files::set_preview(s.db(), file_id, PreviewStatus::Failed, None)
                        .await
                        .map_err(|e| e.to_string())
                }
                // Not stuck "in progress": a failed restore may be asked for again.
                Job::RestoreFile { file_id } => match store::files::find_any(s.db(), file_id).await {
                    Ok(Some(f)) => {
                        let asked = f.restore_requested_at;
                        store::files::set_restore(s.db(), file_id, RestoreStatus::Failed, asked)
                            .await
                            .map_err(|e| e.to_string())
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(e.to_string()),
                },
                _ => Ok(()),
            };
            if let Err(e) = recorded {
                tracing::error!(kind = job.kind(), error = %e, "could not record a job's failure; the sweep will retry");
            }
        }
        result
    }
}

/// Whether reading a FITS file failed because of the reading, not the bytes (the store went away mid-stream).
fn is_passing(e: &meridian_fits::FitsError) -> bool {
    matches!(e, meridian_fits::FitsError::Io(io) if io.kind() != std::io::ErrorKind::InvalidData)
}

/// Reads a stored object through a blocking reader (the FITS reader is synchronous and streams).
async fn with_object_reader<T: Send + 'static>(
    s: &Services,
    key: &str,
    f: impl FnOnce(&mut dyn Read) -> T + Send + 'static,
) -> Result<T, JobFailure> {
    let storage = s.storage().map_err(retry)?;
    let got = storage.get(key, None).await.map_err(|e| match e {
        StorageError::NotFound => JobFailure::Permanent("the file's object is missing".into()),
        StorageError::RestoreRequired => JobFailure::Permanent("the file is in the cold tier".into()),
        other => retry(other),
    })?;
    let reader = tokio_util::io::StreamReader::new(got.body);
    tokio::task::spawn_blocking(move || {
        let mut sync = tokio_util::io::SyncIoBridge::new(reader);
        f(&mut sync)
    })
    .await
    .map_err(retry)
}

fn card_text(v: &CardValue) -> (Option<String>, Option<f64>) {
    match v {
        CardValue::Logical(b) => (Some(if *b { "T" } else { "F" }.to_owned()), None),
        #[expect(clippy::cast_precision_loss, reason = "header integers beyond 2^53 only lose search precision")]
        CardValue::Integer(i) => (Some(i.to_string()), Some(*i as f64)),
        CardValue::Real(r) => (Some(r.to_string()), r.is_finite().then_some(*r)),
        CardValue::Text(t) => (Some(t.clone()), None),
        CardValue::Complex(a, b) => (Some(format!("({a}, {b})")), None),
        CardValue::Undefined => (None, None),
    }
}

fn card_rows(h: &Headers) -> Vec<HeaderCard> {
    let mut out = Vec::new();
    for hdu in &h.hdus {
        for (seq, card) in hdu.cards.iter().enumerate() {
            if card.keyword.is_empty() || card.keyword == "END" {
                continue;
            }
            let (text, number) = card_text(&card.value);
            out.push(HeaderCard {
                hdu: i32::try_from(hdu.index).unwrap_or(i32::MAX),
                seq: i32::try_from(seq).unwrap_or(i32::MAX),
                keyword: card.keyword.clone(),
                text: text.map(|t| t.chars().take(1000).collect()),
                number,
            });
        }
    }
    out
}

impl Services {
    /// Reads the header of a FITS file and places it as an observation in the night log of its telescope.
    async fn ingest(&self, file_id: DataFileId) -> Result<(), JobFailure> {
        let Some(file) = store::files::find_any(self.db(), file_id).await.map_err(retry)? else {
            return Ok(()); // deleted meanwhile
        };
        if file.ingest_status == IngestStatus::Done {
            return Ok(());
        }
        let key = object_key(file.workspace_id, file.id);
        let read = with_object_reader(self, &key, |r| meridian_fits::read_headers(r)).await?;
        let headers = match read {
            Ok(h) => h,
            // The object store stopped answering half-way: not the file's condition, try again later.
            Err(e) if is_passing(&e) => return Err(retry(e)),
            Err(e) => {
                // Broken bytes are the file's condition, not a passing failure: keep the file, flag it, show why.
                store::files::set_ingest_status(
                    self.db(),
                    file_id,
                    IngestStatus::Failed,
                    Some(format!("unreadable FITS header: {e}")),
                )
                .await
                .map_err(retry)?;
                store::files::set_preview(self.db(), file_id, PreviewStatus::Unavailable, None).await.map_err(retry)?;
                return Ok(());
            }
        };
        let summary = meridian_fits::summarize(&headers);
        let header_json = serde_json::to_string(&headers).map_err(retry)?;
        let cards = card_rows(&headers);
        let mut result = IngestResult {
            header_json,
            date_obs: summary.date_obs,
            object: summary.object.clone(),
            ra_deg: summary.ra_deg,
            dec_deg: summary.dec_deg,
            healpix: match (summary.ra_deg, summary.dec_deg) {
                (Some(ra), Some(dec)) if (0.0..360.0).contains(&ra) && (-90.0..=90.0).contains(&dec) => {
                    Some(healpix_of(ra, dec))
                }
                _ => None,
            },
            exposure_s: summary.exposure_s,
            filter: summary.filter.clone(),
            instrument: summary.instrument.clone(),
            telescope: summary.telescope.clone(),
            frame_type: summary.frame_type.map(|f| f.as_str().to_owned()),
            ..IngestResult::default()
        };
        let mut notes: Vec<String> = summary.warnings.clone();
        let txn = meridian_store::begin_write(self.db()).await.map_err(retry)?;
        match self.place(&txn, &file, &summary).await.map_err(retry)? {
            Ok((log, obs)) => {
                result.night_log_id = Some(log);
                result.observation_id = Some(obs);
            }
            Err(why) => notes.push(why),
        }
        result.message = (!notes.is_empty()).then(|| notes.join("; "));
        store::files::record_ingest(&txn, file.id, file.workspace_id, result, cards).await.map_err(retry)?;
        // The preview's job (or its absence) commits with the ingest: a file is never left "pending" with no job.
        if summary.image.is_some() {
            Self::queue_in(&txn, Job::RenderPreview { file_id }, PushOptions::default()).await.map_err(retry)?;
        } else {
            store::files::set_preview(&txn, file_id, PreviewStatus::Unavailable, None).await.map_err(retry)?;
        }
        txn.commit().await.map_err(retry)?;
        Ok(())
    }

    /// Finds (or opens) the night log of the file's telescope for the night of DATE-OBS and records the exposure
    /// in it. `Ok(Err(reason))` when the file cannot be placed (no date, no matching telescope).
    async fn place(
        &self,
        conn: &impl meridian_store::ConnectionTrait,
        file: &DataFile,
        summary: &Summary,
    ) -> meridian_store::StoreResult<Result<(NightLogId, ObservationId), String>> {
        use meridian_store::nights::{night_logs, observations};
        let ws = file.workspace_id;
        let Some(date_obs) = summary.date_obs else {
            return Ok(Err("not placed in a night log: the header has no DATE-OBS".into()));
        };
        let scopes = night_logs::telescopes_at_sites(conn, ws).await?;
        let by_name = |n: &str| scopes.iter().find(|t| t.name.eq_ignore_ascii_case(n.trim())).cloned();
        // The instrument named in INSTRUME, if it is one of ours: it also tells the telescope.
        let instrument = match summary.instrument.as_deref() {
            Some(n) => meridian_store::equipment::instruments::find_by_name(conn, ws, n).await?,
            None => None,
        };
        let instrument = instrument.as_ref();
        let dataset = store::datasets::find_any(conn, file.dataset_id).await?;
        let telescope = summary
            .telescope
            .as_deref()
            .and_then(by_name)
            .or_else(|| instrument.and_then(|(_, t)| scopes.iter().find(|s| s.id == t.id).cloned()))
            .or_else(|| dataset.and_then(|d| d.telescope_id).and_then(|t| scopes.iter().find(|s| s.id == t).cloned()));
        let Some(telescope) = telescope else {
            return Ok(Err(format!(
                "not placed in a night log: no telescope of this workspace matches TELESCOP {:?}, and the dataset names none",
                summary.telescope.as_deref().unwrap_or("")
            )));
        };
        let tz = telescope.time_zone.tz();
        let night = meridian_domain::night_of(date_obs, tz);
        let log = match night_logs::find_by_night(conn, ws, telescope.id, night).await? {
            Some(l) => l,
            None => {
                // The first frames of a night are ingested at once (several workers, or one running several jobs):
                // one opens the log, the others wait here for it and then find it, instead of failing on the
                // night's unique key and waiting out a retry.
                meridian_store::workspaces::lock(conn, ws).await?;
                match night_logs::find_by_night(conn, ws, telescope.id, night).await? {
                    Some(l) => l,
                    None => {
                        let (starts_at, ends_at) = meridian_domain::night_bounds(night, tz);
                        night_logs::insert(
                            conn,
                            night_logs::NewNightLog {
                                workspace_id: ws,
                                telescope_id: telescope.id,
                                night,
                                starts_at,
                                ends_at,
                                observers: meridian_domain::ShortText::parse("")
                                    .map_err(meridian_store::StoreError::Invalid)?,
                                visibility: Visibility::Private,
                                created_by: file.uploaded_by,
                            },
                            crate::now(),
                        )
                        .await?
                    }
                }
            }
        };
        let position = match (summary.ra_deg, summary.dec_deg) {
            (Some(ra), Some(dec)) => meridian_domain::RightAscension::new(ra)
                .ok()
                .zip(meridian_domain::Declination::new(dec).ok())
                .map(|(ra, dec)| meridian_domain::SkyPosition::new(ra, dec)),
            _ => None,
        };
        let short = |s: Option<&str>| {
            let s: String = s.unwrap_or("").chars().take(200).collect();
            meridian_domain::ShortText::parse(&s).map_err(meridian_store::StoreError::Invalid)
        };
        let fields = observations::ObservationFields {
            target_id: None,
            target_name: short(summary.object.as_deref())?,
            position,
            start_at: date_obs,
            exposure_s: summary.exposure_s.filter(|e| e.is_finite() && *e >= 0.0).unwrap_or(0.0),
            filter: short(summary.filter.as_deref())?,
            instrument_id: instrument.map(|(i, _)| i.id),
            frame_type: summary.frame_type.unwrap_or(FrameType::Science),
            quality: meridian_domain::QualityFlag::default(),
            notes: meridian_domain::Description::parse(&format!("From data file {}", file.name))
                .map_err(meridian_store::StoreError::Invalid)?,
        };
        let obs = match file.observation_id {
            Some(existing) => {
                observations::update(conn, ws, existing, fields, crate::now()).await?;
                existing
            }
            None => observations::insert(conn, ws, log.id, fields, file.uploaded_by, crate::now()).await?.id,
        };
        Ok(Ok((log.id, obs)))
    }

    async fn render_preview(&self, file_id: DataFileId) -> Result<(), JobFailure> {
        let Some(file) = store::files::find_any(self.db(), file_id).await.map_err(retry)? else {
            return Ok(());
        };
        if file.preview_status == PreviewStatus::Done {
            return Ok(());
        }
        let key = object_key(file.workspace_id, file.id);
        let png = with_object_reader(self, &key, |r| meridian_fits::preview_png(r, 512)).await?;
        match png {
            Ok(Some(bytes)) => {
                let pkey = preview_key(file.workspace_id, file.id);
                let body: meridian_storage::ByteStream =
                    Box::pin(futures::stream::once(async move { Ok(bytes::Bytes::from(bytes)) }));
                self.storage()
                    .map_err(retry)?
                    .put(
                        &pkey,
                        body,
                        meridian_storage::PutOptions {
                            content_type: Some("image/png".into()),
                            ..meridian_storage::PutOptions::default()
                        },
                    )
                    .await
                    .map_err(retry)?;
                store::files::set_preview(self.db(), file_id, PreviewStatus::Done, Some(pkey)).await.map_err(retry)?;
            }
            Ok(None) => {
                store::files::set_preview(self.db(), file_id, PreviewStatus::Unavailable, None).await.map_err(retry)?
            }
            Err(e) if is_passing(&e) => return Err(retry(e)),
            Err(e) => {
                tracing::info!(error = %e, %file_id, "no preview");
                store::files::set_preview(self.db(), file_id, PreviewStatus::Failed, None).await.map_err(retry)?;
            }
        }
        Ok(())
    }

    /// Starts or follows a restore; retried (with back-off) while the archive is still bringing it back.
    async fn follow_restore(&self, file_id: DataFileId) -> Result<(), JobFailure> {
        let Some(file) = store::files::find_any(self.db(), file_id).await.map_err(retry)? else {
            return Ok(());
        };
        if file.tier != Tier::Cold {
            store::files::set_restore(self.db(), file_id, RestoreStatus::None, file.restore_requested_at)
                .await
                .map_err(retry)?;
            return Ok(());
        }
        let storage = self.storage().map_err(retry)?;
        let key = object_key(file.workspace_id, file.id);
        let info = storage.head(&key).await.map_err(|e| match e {
            StorageError::NotFound => JobFailure::Permanent("the file's object is missing".into()),
            other => retry(other),
        })?;
        let status = match info.restore {
            ObjectRestore::Archived => storage.restore(&key, 7).await.map_err(retry)?,
            other => other,
        };
        match status {
            ObjectRestore::InProgress => Err(JobFailure::Retry("the archive is still restoring the object".into())),
            ObjectRestore::Restored { .. } | ObjectRestore::NotArchived | ObjectRestore::Archived => {
                // Back to the hot class for good (a restored archive copy is temporary).
                if !matches!(status, ObjectRestore::NotArchived) || info.tier != Tier::Hot {
                    storage.set_tier(&key, Tier::Hot).await.map_err(retry)?;
                }
                let now = crate::now();
                self.record_tier(file_id, Tier::Hot, now).await.map_err(retry)?;
                store::files::set_restore(self.db(), file_id, RestoreStatus::None, Some(now)).await.map_err(retry)?;
                Ok(())
            }
        }
    }

    /// Applies every workspace's tier rules: files older than a rule's days move to its tier.
    async fn apply_lifecycle(&self) -> Result<(), JobFailure> {
        let now = crate::now();
        let storage = self.storage().map_err(retry)?;
        for ws in store::tiers::workspaces_with_rules(self.db()).await.map_err(retry)? {
            for rule in store::tiers::list_rules(self.db(), ws).await.map_err(retry)? {
                for (tier, days) in [(Tier::Cold, rule.cold_after_days), (Tier::Cool, rule.cool_after_days)] {
                    let Some(days) = days else { continue };
                    let cutoff = now - chrono::Duration::days(i64::from(days));
                    loop {
                        let files = store::tiers::candidates(
                            self.db(),
                            ws,
                            tier,
                            cutoff,
                            rule.dataset_id,
                            rule.frame_type,
                            200,
                        )
                        .await
                        .map_err(retry)?;
                        if files.is_empty() {
                            break;
                        }
                        for f in files {
                            storage.set_tier(&object_key(f.workspace_id, f.id), tier).await.map_err(retry)?;
                            self.record_tier(f.id, tier, now).await.map_err(retry)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds to each workspace's byte-seconds per tier what it stored since the last run, split at month ends.
    pub async fn meter_usage(&self, now: DateTime<Utc>) -> Result<(), ServiceError> {
        for ws in store::usage::metered_workspaces(self.db()).await? {
            let txn = meridian_store::begin_write(self.db()).await?;
            // One run at a time per workspace: a second run waits here, then reads the first one's state and counts
            // only the time since (without the lock both would count the same hours).
            meridian_store::workspaces::lock(&txn, ws).await?;
            let current = store::files::bytes_per_tier(&txn, ws).await?;
            if let Some(state) = store::usage::state(&txn, ws).await? {
                let bytes = state.bytes;
                let mut from = state.metered_until.to_utc();
                while from < now {
                    let month_end = next_month(from);
                    let to = month_end.min(now);
                    #[expect(
                        clippy::cast_precision_loss,
                        reason = "seconds and bytes as f64 are exact enough for billing"
                    )]
                    let secs = (to - from).num_milliseconds() as f64 / 1000.0;
                    let month = format!("{:04}-{:02}", from.year(), from.month());
                    for (tier, b) in [Tier::Hot, Tier::Cool, Tier::Cold].into_iter().zip(bytes) {
                        if b > 0 {
                            #[expect(clippy::cast_precision_loss, reason = "as above")]
                            let bs = b as f64 * secs;
                            store::usage::add(&txn, ws, &month, tier, bs).await?;
                        }
                    }
                    if to == month_end {
                        // The month is over: it is billed on the plan it ended on, whatever comes after.
                        if let Some(plan) = meridian_store::workspaces::plan_of(&txn, ws).await? {
                            store::usage::close_month(&txn, ws, &month, &plan.plan).await?;
                        }
                    }
                    from = to;
                }
            }
            store::usage::save_state(&txn, ws, now, current).await?;
            meridian_store::commit(txn).await?;
        }
        Ok(())
    }

    /// Removes what nothing points to: abandoned uploads (their reservations and partial objects), objects
    /// without rows, and re-queues ingests whose job was lost.
    pub async fn cleanup(&self, now: DateTime<Utc>) -> Result<CleanupReport, ServiceError> {
        self.cleanup_under(now, "ws/").await
    }

    /// [`Services::cleanup`] for the objects under `prefix` only (one workspace's `ws/{id}/`).
    pub async fn cleanup_under(&self, now: DateTime<Utc>, prefix: &str) -> Result<CleanupReport, ServiceError> {
        let storage = self.storage()?;
        let mut report = CleanupReport::default();
        for u in uploads::expired(self.db(), now, 500).await?.into_iter().filter(|u| u.object_key.starts_with(prefix)) {
            // The row first, and only in the state just read: a completion that claimed the upload meanwhile wins,
            // and a streamed upload finishing now finds its reservation gone and refuses its file. Whoever removes
            // the row owns the object; a crash before the deletes below leaves what the orphan sweep removes.
            if !uploads::delete_if(self.db(), u.id, u.status).await? {
                continue;
            }
            if let Some(mp) = &u.multipart_id {
                let _ = storage.abort_multipart(&u.object_key, mp).await;
            }
            if u.file_id.is_none() {
                storage.delete(&u.object_key).await.map_err(ServiceError::internal)?;
            }
            report.uploads += 1;
        }
        // Multipart uploads no upload row knows (a server killed mid-stream) and older than an hour.
        let cutoff = now - chrono::Duration::hours(1);
        for p in storage.list_multipart(prefix).await.map_err(ServiceError::internal)? {
            if p.initiated.is_some_and(|t| t > cutoff) {
                continue;
            }
            // Only an upload still open or being completed keeps its multipart upload. One whose file is done may
            // still have one listed (the filesystem store removes a joined upload's parts after the object is in
            // place: a crash in between leaves them), and aborting it never touches the joined object.
            if !uploads::multipart_is_live(self.db(), &p.key, &p.upload_id).await? {
                let _ = storage.abort_multipart(&p.key, &p.upload_id).await;
                report.multipart += 1;
            }
        }
        let mut after: Option<String> = None;
        loop {
            let batch = storage.list(prefix, after.as_deref(), 500).await.map_err(ServiceError::internal)?;
            let Some(last) = batch.last() else { break };
            after = Some(last.key.clone());
            let old: Vec<String> =
                batch.iter().filter(|o| o.last_modified.is_none_or(|t| t < cutoff)).map(|o| o.key.clone()).collect();
            let known = store::files::known_keys(self.db(), &old).await?;
            for k in old.iter().filter(|k| !known.contains(k)) {
                storage.delete(k).await.map_err(ServiceError::internal)?;
                report.objects += 1;
            }
            if batch.len() < 500 {
                break;
            }
        }
        Ok(report)
    }
}

/// What a sweep found without a job and queued again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub uploads: u32,
    pub ingests: u32,
    pub previews: u32,
    pub restores: u32,
}

/// Rows in one intermediate state (`None`: uploads being verified), with the job that moves them on.
struct Stranded {
    what: Option<store::files::Pending>,
    kind: &'static str,
    job: fn(Uuid) -> Job,
    max_attempts: u32,
}

/// A completion claims an upload, then joins its parts (minutes for a big upload on S3; on the filesystem, a copy
/// of the whole file: half an hour or more for hundreds of gigabytes), then queues its check: only after this
/// long is a `verifying` upload without a job known to be stranded. (Were a join to outlast it, the check would
/// open the upload again, and the join, once done, claims it back.)
const STRANDED_UPLOAD: chrono::Duration = chrono::Duration::hours(6);
/// A file's ingest, preview and restore jobs commit with the state they follow; this margin only keeps the sweep
/// away from rows a transaction is writing right now.
const STRANDED_FILE: chrono::Duration = chrono::Duration::minutes(15);
/// Rows read per query; a run pages through at most [`SWEEP_PAGES`] of them per kind, the next run takes the rest.
const SWEEP_BATCH: u64 = 1000;
const SWEEP_PAGES: usize = 50;

impl Services {
    /// Gives every intermediate state a job again where its job is gone: uploads `verifying`, files whose ingest
    /// or preview is `pending`, restores `in_progress`. A job is gone after a crash between a state change and a
    /// push made outside its transaction, when its attempts ran out in a long outage (the state then waits for the
    /// next sweep, an hour later, instead of for ever), or when the database was restored from a backup taken
    /// between the two. Each job checks the state it finds, so one queued twice does no harm.
    pub async fn sweep_stuck(&self, now: DateTime<Utc>) -> Result<SweepReport, ServiceError> {
        use meridian_store::jobs::live_subjects;
        let restore_attempts = crate::data::RESTORE_ATTEMPTS;
        let kinds = [
            Stranded {
                what: None,
                kind: "verify_upload",
                job: |id| Job::VerifyUpload { upload_id: id.into() },
                max_attempts: 8,
            },
            Stranded {
                what: Some(store::files::Pending::Ingest),
                kind: "ingest_file",
                job: |id| Job::IngestFile { file_id: id.into() },
                max_attempts: 8,
            },
            Stranded {
                what: Some(store::files::Pending::Preview),
                kind: "render_preview",
                job: |id| Job::RenderPreview { file_id: id.into() },
                max_attempts: 8,
            },
            Stranded {
                what: Some(store::files::Pending::Restore),
                kind: "restore_file",
                job: |id| Job::RestoreFile { file_id: id.into() },
                max_attempts: restore_attempts,
            },
        ];
        let mut queued = [0_u32; 4];
        for (n, s) in kinds.into_iter().enumerate() {
            let mut after = None;
            for _ in 0..SWEEP_PAGES {
                // Uploads and files alike by the bare id: the sweep pages through either kind the same way.
                let ids: Vec<Uuid> = match s.what {
                    None => uploads::verifying_since(
                        self.db(),
                        now - STRANDED_UPLOAD,
                        after.map(UploadId::from),
                        SWEEP_BATCH,
                    )
                    .await?
                    .iter()
                    .map(|u| u.id.into())
                    .collect(),
                    Some(what) => store::files::pending(
                        self.db(),
                        what,
                        now - STRANDED_FILE,
                        after.map(DataFileId::from),
                        SWEEP_BATCH,
                    )
                    .await?
                    .into_iter()
                    .map(Uuid::from)
                    .collect(),
                };
                let Some(last) = ids.last().copied() else { break };
                after = Some(last);
                let live: std::collections::HashSet<Uuid> =
                    live_subjects(self.db(), s.kind, &ids).await?.into_iter().collect();
                for id in ids.iter().copied().filter(|id| !live.contains(id)) {
                    tracing::warn!(kind = s.kind, subject = %id, "queueing a job again: its state had no job left");
                    let opts = PushOptions { max_attempts: s.max_attempts, ..PushOptions::default() };
                    self.jobs().push((s.job)(id), opts).await?;
                    queued[n] += 1;
                }
                if (ids.len() as u64) < SWEEP_BATCH {
                    break;
                }
            }
        }
        let [uploads, ingests, previews, restores] = queued;
        let report = SweepReport { uploads, ingests, previews, restores };
        Ok(report)
    }
}

/// What a cleanup run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CleanupReport {
    pub uploads: u32,
    pub multipart: u32,
    pub objects: u32,
}

pub(crate) fn next_month(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 { (t.year() + 1, 1) } else { (t.year(), t.month() + 1) };
    chrono::NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).map_or(t, |d| d.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over() {
        let t = DateTime::parse_from_rfc3339("2026-12-31T23:00:00Z").unwrap().to_utc();
        assert_eq!(next_month(t).to_rfc3339(), "2027-01-01T00:00:00+00:00");
        let t = DateTime::parse_from_rfc3339("2026-02-10T00:00:00Z").unwrap().to_utc();
        assert_eq!(next_month(t).to_rfc3339(), "2026-03-01T00:00:00+00:00");
    }
}
