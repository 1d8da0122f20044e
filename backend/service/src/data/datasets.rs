//! Datasets: named sets of a workspace's files, with release dates (embargoes) and totals.

use crate::auth::Access;
use crate::data::{DatasetInput, DatasetView};
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::data::Dataset;
use meridian_domain::{Action, DatasetId, Page, PageRequest, TelescopeId, ValidationError, Visibility};
use meridian_store::data as store;
use meridian_store::data::datasets::DatasetFields;

pub(super) fn dataset_name(s: &str) -> ServiceResult<String> {
    let n = s.trim();
    if n.is_empty() || n.chars().count() > 120 || n.chars().any(char::is_control) {
        return Err(ValidationError::new("name", "must be 1 to 120 characters").into());
    }
    Ok(n.to_owned())
}

impl Services {
    fn dataset_view(&self, access: &Access, d: Dataset, totals: Option<(i64, i64)>) -> DatasetView {
        let (file_count, total_bytes) = totals.unwrap_or((0, 0));
        let release_at = d.release_at;
        DatasetView {
            id: d.id,
            name: d.name,
            description: d.description,
            telescope_id: d.telescope_id,
            release_at,
            public: access.workspace.visibility == Visibility::Public && release_at.is_some_and(|r| r <= crate::now()),
            file_count,
            total_bytes,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }

    /// The dataset `id` as the caller may see it (404 otherwise). Outsiders see released datasets only.
    pub(super) async fn visible_dataset(&self, access: &Access, id: DatasetId) -> ServiceResult<Dataset> {
        let d = store::datasets::find(self.db(), access.workspace.id, id)
            .await?
            .ok_or(ServiceError::NotFound("dataset"))?;
        let released = d.release_at.is_some_and(|r| r.to_utc() <= crate::now());
        access.require_visible(released, "dataset")?;
        Ok(d)
    }

    async fn telescope_ref(&self, access: &Access, id: Option<&str>) -> ServiceResult<Option<TelescopeId>> {
        let Some(id) = id else { return Ok(None) };
        let bad = || ServiceError::from(ValidationError::new("telescope_id", "is not a telescope of this workspace"));
        let t = id.parse::<TelescopeId>().map_err(|_| bad())?;
        meridian_store::nights::night_logs::telescope_at_site(self.db(), access.workspace.id, t)
            .await?
            .ok_or_else(bad)?;
        Ok(Some(t))
    }

    pub async fn create_dataset(&self, actor: &Actor, slug: &str, input: DatasetInput) -> ServiceResult<DatasetView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let name = dataset_name(input.name.as_deref().ok_or_else(|| ValidationError::new("name", "is required"))?)?;
        let description = input.description.unwrap_or_default();
        if description.len() > 20_000 {
            return Err(ValidationError::new("description", "must be at most 20000 characters").into());
        }
        let telescope_id = self.telescope_ref(&access, input.telescope_id.flatten().as_deref()).await?;
        let fields = DatasetFields { name, description, telescope_id, release_at: input.release_at.flatten() };
        let d = store::datasets::insert(
            self.db(),
            access.workspace.id,
            fields,
            crate::nights::writer(actor)?,
            crate::now(),
        )
        .await?;
        Ok(self.dataset_view(&access, d, None))
    }

    /// A page of the workspace's datasets by name (outsiders of a public workspace see the released ones).
    pub async fn list_datasets(
        &self,
        actor: &Actor,
        slug: &str,
        page: &PageRequest,
    ) -> ServiceResult<Page<DatasetView>> {
        let access = self.access(actor, slug).await?;
        let released_by = if access.can(Action::ViewWorkspace) {
            None
        } else if access.workspace.visibility == Visibility::Public {
            Some(crate::now())
        } else {
            // 404 to outsiders, 403 to an upload key of this workspace.
            access.require(Action::ViewWorkspace)?;
            None
        };
        let limit = page.limit;
        let reads = self.db();
        let rows =
            store::datasets::list(reads, access.workspace.id, released_by, page.after.as_deref(), limit.get().into())
                .await?;
        let ids: Vec<DatasetId> = rows.iter().map(|d| d.id).collect();
        let totals: std::collections::HashMap<DatasetId, (i64, i64)> =
            store::datasets::totals(reads, access.workspace.id, &ids, released_by)
                .await?
                .into_iter()
                .map(|(d, n, b)| (d, (n, b)))
                .collect();
        Ok(Page::from_rows(rows, limit, |d| d.name.clone()).map(|d| {
            let t = totals.get(&d.id).copied();
            self.dataset_view(&access, d, t)
        }))
    }

    pub async fn get_dataset(&self, actor: &Actor, slug: &str, id: DatasetId) -> ServiceResult<DatasetView> {
        let access = self.access(actor, slug).await?;
        let d = self.visible_dataset(&access, id).await?;
        let released_by = (!access.can(Action::ViewWorkspace)).then(crate::now);
        let totals = store::datasets::totals(self.db(), access.workspace.id, &[d.id], released_by)
            .await?
            .pop()
            .map(|(_, n, b)| (n, b));
        Ok(self.dataset_view(&access, d, totals))
    }

    pub async fn update_dataset(
        &self,
        actor: &Actor,
        slug: &str,
        id: DatasetId,
        input: DatasetInput,
    ) -> ServiceResult<DatasetView> {
        let access = self.access(actor, slug).await?;
        let d = self.visible_dataset(&access, id).await?;
        let released = d.release_at.is_some_and(|r| r.to_utc() <= crate::now());
        access.require_on(released, Action::EditData, "dataset")?;
        let name = match input.name.as_deref() {
            Some(n) => dataset_name(n)?,
            None => d.name.clone(),
        };
        let description = input.description.unwrap_or_else(|| d.description.clone());
        if description.len() > 20_000 {
            return Err(ValidationError::new("description", "must be at most 20000 characters").into());
        }
        let telescope_id = match input.telescope_id {
            Some(t) => self.telescope_ref(&access, t.as_deref()).await?,
            None => d.telescope_id,
        };
        let release_at = match input.release_at {
            Some(r) => r,
            None => d.release_at,
        };
        let did = d.id;
        store::datasets::update(
            self.db(),
            access.workspace.id,
            did,
            DatasetFields { name, description, telescope_id, release_at },
            crate::now(),
        )
        .await?;
        self.get_dataset(actor, slug, did).await
    }

    pub async fn delete_dataset(&self, actor: &Actor, slug: &str, id: DatasetId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let d = self.visible_dataset(&access, id).await?;
        access.require(Action::DeleteData)?;
        let txn = meridian_store::begin_write(self.db()).await?;
        store::datasets::delete(&txn, access.workspace.id, d.id).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }
}
