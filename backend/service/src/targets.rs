//! The target catalogue and target lists. Private to the workspace: those who may not view it get 404 for every
//! target and list, so ids cannot be probed.

use crate::equipment::Coordinate;
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::targets::{Target, TargetList};
use meridian_domain::{
    Action, Declination, Description, Name, Page, PageRequest, RightAscension, SkyPosition, Tag, Tags, TargetId,
    TargetListId, ValidationError, WorkspaceId,
};
use meridian_store::targets::{self, TargetFields, TargetFilter};
use serde::Deserialize;

/// A new target as submitted. RA and Dec are degrees (numbers) or sexagesimal text (`05:35:17.3`, `-05 23 28`).
#[derive(Debug, Clone, Deserialize)]
pub struct CreateTarget {
    pub name: String,
    pub ra: Coordinate,
    pub dec: Coordinate,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// Target changes; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateTarget {
    pub name: Option<String>,
    pub ra: Option<Coordinate>,
    pub dec: Option<Coordinate>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// A new target list as submitted.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateTargetList {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Target-list changes; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateTargetList {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// How the catalogue may be searched: part of a name, and one tag.
#[derive(Debug, Clone, Default)]
pub struct TargetQuery {
    pub q: Option<String>,
    pub tag: Option<String>,
}

/// The longest name search accepted (names are at most 100 characters).
const MAX_QUERY: usize = 100;

fn ra_of(c: &Coordinate) -> Result<RightAscension, ValidationError> {
    c.read(RightAscension::new, RightAscension::parse)
}

fn dec_of(c: &Coordinate) -> Result<Declination, ValidationError> {
    c.read(Declination::new, Declination::parse)
}

impl Services {
    async fn target_in(&self, ws: WorkspaceId, id: TargetId) -> ServiceResult<Target> {
        targets::find(self.db(), ws, id).await?.ok_or(ServiceError::NotFound("target"))
    }

    async fn target_list_in(&self, ws: WorkspaceId, id: TargetListId) -> ServiceResult<TargetList> {
        targets::find_list(self.db(), ws, id).await?.ok_or(ServiceError::NotFound("target list"))
    }

    // ---- Targets -----------------------------------------------------------------------------------------------

    /// The catalogue, optionally narrowed by part of the name (`q`, case-insensitive) and a tag.
    pub async fn list_targets(
        &self,
        actor: &Actor,
        slug: &str,
        query: &TargetQuery,
        page: &PageRequest,
    ) -> ServiceResult<Page<Target>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if q.is_some_and(|q| q.chars().count() > MAX_QUERY) {
            return Err(ValidationError::new("q", format!("must be at most {MAX_QUERY} characters")).into());
        }
        let tag = query
            .tag
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| Tag::parse(t).map_err(|e| e.for_field("tag")))
            .transpose()?;
        let filter = TargetFilter { name_contains: q.map(str::to_owned), tag };
        let rows = targets::list(self.db(), access.workspace.id, &filter, page).await?;
        Ok(Page::from_rows(rows, page.limit, |t| t.id.to_string()))
    }

    pub async fn get_target(&self, actor: &Actor, slug: &str, id: TargetId) -> ServiceResult<Target> {
        let access = self.access(actor, slug).await?;
        access.require_visible(false, "target")?;
        self.target_in(access.workspace.id, id).await
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn create_target(&self, actor: &Actor, slug: &str, input: CreateTarget) -> ServiceResult<Target> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let fields = TargetFields {
            name: Name::parse(&input.name)?,
            position: SkyPosition::new(ra_of(&input.ra)?, dec_of(&input.dec)?),
            notes: Description::parse(input.notes.as_deref().unwrap_or_default()).map_err(|e| e.for_field("notes"))?,
            tags: Tags::parse(input.tags.unwrap_or_default())?,
        };
        Ok(targets::insert(self.db(), access.workspace.id, &fields, crate::now()).await?)
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_target(
        &self,
        actor: &Actor,
        slug: &str,
        id: TargetId,
        input: UpdateTarget,
    ) -> ServiceResult<Target> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::EditData, "target")?;
        let ws = access.workspace.id;
        let mut f = TargetFields::from(&self.target_in(ws, id).await?);
        if let Some(v) = input.name {
            f.name = Name::parse(&v)?;
        }
        if let Some(v) = input.ra {
            f.position.ra = ra_of(&v)?;
        }
        if let Some(v) = input.dec {
            f.position.dec = dec_of(&v)?;
        }
        if let Some(v) = input.notes {
            f.notes = Description::parse(&v).map_err(|e| e.for_field("notes"))?;
        }
        if let Some(v) = input.tags {
            f.tags = Tags::parse(v)?;
        }
        if !targets::update(self.db(), ws, id, &f, crate::now()).await? {
            return Err(ServiceError::NotFound("target"));
        }
        self.target_in(ws, id).await
    }

    /// Deletes a target: it leaves every list; observations of it keep its name and position.
    #[tracing::instrument(skip(self, actor))]
    pub async fn delete_target(&self, actor: &Actor, slug: &str, id: TargetId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::DeleteData, "target")?;
        if targets::delete(self.db(), access.workspace.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("target"))
        }
    }

    // ---- Target lists ------------------------------------------------------------------------------------------

    pub async fn list_target_lists(
        &self,
        actor: &Actor,
        slug: &str,
        page: &PageRequest,
    ) -> ServiceResult<Page<TargetList>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        let rows = targets::list_lists(self.db(), access.workspace.id, page).await?;
        Ok(Page::from_rows(rows, page.limit, |l| l.id.to_string()))
    }

    pub async fn get_target_list(&self, actor: &Actor, slug: &str, id: TargetListId) -> ServiceResult<TargetList> {
        let access = self.access(actor, slug).await?;
        access.require_visible(false, "target list")?;
        self.target_list_in(access.workspace.id, id).await
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn create_target_list(
        &self,
        actor: &Actor,
        slug: &str,
        input: CreateTargetList,
    ) -> ServiceResult<TargetList> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let name = Name::parse(&input.name)?;
        let description = Description::parse(input.description.as_deref().unwrap_or_default())?;
        Ok(targets::insert_list(self.db(), access.workspace.id, &name, &description, crate::now()).await?)
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_target_list(
        &self,
        actor: &Actor,
        slug: &str,
        id: TargetListId,
        input: UpdateTargetList,
    ) -> ServiceResult<TargetList> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::EditData, "target list")?;
        let ws = access.workspace.id;
        let current = self.target_list_in(ws, id).await?;
        let name = input.name.as_deref().map(Name::parse).transpose()?.unwrap_or(current.name);
        let description =
            input.description.as_deref().map(Description::parse).transpose()?.unwrap_or(current.description);
        if !targets::update_list(self.db(), ws, id, &name, &description, crate::now()).await? {
            return Err(ServiceError::NotFound("target list"));
        }
        self.target_list_in(ws, id).await
    }

    /// Deletes a list; its targets stay in the catalogue.
    #[tracing::instrument(skip(self, actor))]
    pub async fn delete_target_list(&self, actor: &Actor, slug: &str, id: TargetListId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::DeleteData, "target list")?;
        if targets::delete_list(self.db(), access.workspace.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("target list"))
        }
    }

    /// The targets on a list.
    pub async fn list_target_list_targets(
        &self,
        actor: &Actor,
        slug: &str,
        list: TargetListId,
        page: &PageRequest,
    ) -> ServiceResult<Page<Target>> {
        let access = self.access(actor, slug).await?;
        access.require_visible(false, "target list")?;
        let ws = access.workspace.id;
        self.target_list_in(ws, list).await?;
        let rows = targets::list_members(self.db(), ws, list, page).await?;
        Ok(Page::from_rows(rows, page.limit, |t| t.id.to_string()))
    }

    /// Puts a target of this workspace on the list (editing the list); 422 naming `target_id` for a target that is
    /// not in the workspace, 409 when it is already on the list.
    #[tracing::instrument(skip(self, actor))]
    pub async fn add_target_to_list(
        &self,
        actor: &Actor,
        slug: &str,
        list: TargetListId,
        target: TargetId,
    ) -> ServiceResult<Target> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::EditData, "target list")?;
        let ws = access.workspace.id;
        self.target_list_in(ws, list).await?;
        let target = targets::find(self.db(), ws, target)
            .await?
            .ok_or_else(|| ValidationError::new("target_id", "no target with this id in this workspace"))?;
        targets::add_to_list(self.db(), list, target.id, crate::now()).await.map_err(|e| match e {
            meridian_store::StoreError::Conflict { .. } => {
                ServiceError::Conflict { field: "target_id", message: "this target is already on the list".into() }
            }
            e => e.into(),
        })?;
        Ok(target)
    }

    /// Takes a target off the list; 404 when it was not on it.
    #[tracing::instrument(skip(self, actor))]
    pub async fn remove_target_from_list(
        &self,
        actor: &Actor,
        slug: &str,
        list: TargetListId,
        target: TargetId,
    ) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require_on(false, Action::EditData, "target list")?;
        if targets::remove_from_list(self.db(), access.workspace.id, list, target).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("target on this list"))
        }
    }
}
