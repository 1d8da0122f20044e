//! Data files: reading one (details, header cards, bytes with ranges, preview), changing its release date or tier,
//! restoring it from the cold tier, deleting it.

use crate::data::{
    CardView, Download, FileDetail, FileView, RESTORE_ATTEMPTS, object_key, parse_range, preview_key, storage_error,
};
use crate::jobs::{Job, PushOptions};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::{Action, DataFileId, PreviewStatus, RestoreStatus, Tier};
use meridian_storage::{GetOutcome, StorageError};
use meridian_store::data as store;

impl Services {
    pub async fn get_file(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<FileDetail> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        let row =
            store::files::find(self.db(), access.workspace.id, file.id).await?.ok_or(ServiceError::NotFound("file"))?;
        let header = row.header_json.as_deref().and_then(|h| serde_json::from_str(h).ok());
        let jobs = if access.can(Action::ViewWorkspace) {
            self.jobs().for_subject(file.id.as_uuid()).await?
        } else {
            Vec::new()
        };
        Ok(FileDetail { file, header, jobs })
    }

    pub async fn file_header_cards(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<Vec<CardView>> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        Ok(store::files::header_cards(self.db(), file.id)
            .await?
            .into_iter()
            .map(|c| CardView { hdu: c.hdu, keyword: c.keyword, value: c.text, number: c.number })
            .collect())
    }

    /// Opens a file's bytes, or the one range an HTTP `Range` header asks for (`bytes=a-b`, `bytes=a-`,
    /// `bytes=-n`; anything else is served whole). A cold file answers `RestoreRequired` (409).
    pub async fn download_file(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        range_header: Option<&str>,
    ) -> ServiceResult<Download> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        if file.tier == Tier::Cold {
            return Err(ServiceError::RestoreRequired);
        }
        let range = parse_range(range_header, u64::try_from(file.size_bytes).unwrap_or(0))?;
        let key = object_key(access.workspace.id, file.id);
        let object = self.storage()?.get(&key, range).await.map_err(storage_error)?;
        Ok(Download { file, object })
    }

    /// The preview PNG of a file, when made.
    pub async fn file_preview(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<GetOutcome> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        if file.preview_status != PreviewStatus::Done {
            return Err(ServiceError::NotFound("preview"));
        }
        let key = preview_key(access.workspace.id, file.id);
        self.storage()?.get(&key, None).await.map_err(|e| match e {
            StorageError::NotFound => ServiceError::NotFound("preview"),
            other => storage_error(other),
        })
    }

    /// Changes a file: its release date (`Some(None)`: follow the dataset's) and/or its tier. Who may edit is
    /// checked first, whatever the request asks (an empty change by someone who may not edit is refused too).
    pub async fn update_file(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        release_at: Option<Option<DateTime<Utc>>>,
        tier: Option<&str>,
    ) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let mut file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        if let Some(release_at) = release_at {
            file = self.set_file_release(actor, slug, id, release_at).await?;
        }
        if let Some(tier) = tier {
            file = self.set_file_tier(actor, slug, id, tier).await?;
        }
        Ok(file)
    }

    /// Changes a file's release date (`None`: follow the dataset's).
    pub async fn set_file_release(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        release_at: Option<DateTime<Utc>>,
    ) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        store::files::update_release(self.db(), access.workspace.id, file.id, release_at).await?;
        self.visible_file(&access, file.id).await
    }

    /// Moves a file to a colder tier now (warming a cold file is a restore).
    pub async fn set_file_tier(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        tier: &str,
    ) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        let tier = Tier::parse(tier)?;
        if tier == file.tier {
            return Ok(file);
        }
        if file.tier == Tier::Cold {
            return Err(ServiceError::RestoreRequired);
        }
        if tier == Tier::Cold {
            self.refuse_if_held(access.workspace.id, &[(file.id, file.name.clone())]).await?;
        }
        let key = object_key(access.workspace.id, file.id);
        self.storage()?.set_tier(&key, tier).await.map_err(storage_error)?;
        self.record_tier(file.id, tier, crate::now()).await?;
        self.visible_file(&access, file.id).await
    }

    /// Asks for a cold file to come back to hot; a job follows it through.
    pub async fn restore_file(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        if file.tier != Tier::Cold || file.restore_status == meridian_domain::RestoreStatus::InProgress {
            return Ok(file);
        }
        // The request and the job that follows it commit together: never "in progress" with nobody working on it.
        let txn = meridian_store::begin_write(self.db()).await?;
        store::files::set_restore(&txn, file.id, RestoreStatus::InProgress, Some(crate::now())).await?;
        Self::queue_in(
            &txn,
            Job::RestoreFile { file_id: file.id },
            PushOptions { max_attempts: RESTORE_ATTEMPTS, ..PushOptions::default() },
        )
        .await?;
        meridian_store::commit(txn).await?;
        self.visible_file(&access, file.id).await.map_err(ServiceError::after_commit)
    }

    pub async fn delete_file(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::DeleteData, "file")?;
        self.refuse_if_held(access.workspace.id, &[(file.id, file.name.clone())]).await?;
        // A version taking the file in the meantime trips the foreign key instead: still a 409, never a dangling
        // version.
        let txn = meridian_store::begin_write(self.db()).await?;
        store::files::delete(&txn, access.workspace.id, file.id).await?;
        meridian_store::commit(txn).await?;
        // Row first, then the objects: a failure here leaves an orphan the cleanup job removes, never a row
        // pointing at nothing.
        let storage = self.storage()?;
        let ws = access.workspace.id;
        for key in [object_key(ws, file.id), preview_key(ws, file.id)] {
            if let Err(e) = storage.delete(&key).await {
                tracing::warn!(error = %e, "deleting an object failed; the cleanup job will retry");
            }
        }
        Ok(())
    }
}
