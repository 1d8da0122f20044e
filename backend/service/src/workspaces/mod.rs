//! Workspaces: observatory portals and personal spaces.

pub mod api_keys;
pub mod members;

use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::workspaces::Workspace;
use meridian_domain::{Action, Description, Page, PageRequest, Role, Slug, Visibility, WorkspaceKind, WorkspaceName};
use meridian_store::workspaces;
use meridian_store::workspaces::{NewWorkspace, WorkspaceChanges};

/// A new organisation workspace as submitted.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct CreateWorkspace {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
}

/// Profile changes; absent fields stay as they are.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UpdateWorkspace {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<String>,
}

/// A workspace as its caller sees it: with their role when they are a member.
#[derive(Debug, Clone)]
pub struct WorkspaceView {
    pub workspace: Workspace,
    pub role: Option<Role>,
}

impl Services {
    /// Creates an organisation workspace; its creator becomes the owner.
    #[tracing::instrument(skip(self, actor, input), fields(slug = %input.slug))]
    pub async fn create_workspace(&self, actor: &Actor, input: CreateWorkspace) -> ServiceResult<WorkspaceView> {
        let account = actor.require_account()?;
        let slug = Slug::parse(input.slug.trim())?;
        let name = WorkspaceName::parse(&input.name)?;
        let description = Description::parse(input.description.as_deref().unwrap_or_default())?;
        let visibility = input.visibility.as_deref().map(Visibility::parse).transpose()?.unwrap_or_default();
        let txn = meridian_store::begin_write(self.db()).await?;
        let now = crate::now();
        let workspace = workspaces::insert(
            &txn,
            NewWorkspace {
                slug: &slug,
                name: &name,
                description: &description,
                kind: WorkspaceKind::Organization,
                visibility,
                personal_of: None,
                plan: &self.starting_plan_key(false),
            },
            now,
        )
        .await
        .map_err(|e| match e {
            meridian_store::StoreError::Conflict { .. } => {
                ServiceError::Conflict { field: "slug", message: "a workspace with this slug already exists".into() }
            }
            e => e.into(),
        })?;
        workspaces::members::insert(&txn, workspace.id, account.id, Role::Owner, now).await?;
        meridian_store::commit(txn).await?;
        Ok(WorkspaceView { workspace, role: Some(Role::Owner) })
    }

    /// The caller's workspaces: a person's memberships, or an API key's own workspace.
    pub async fn list_my_workspaces(&self, actor: &Actor, page: &PageRequest) -> ServiceResult<Page<WorkspaceView>> {
        match actor {
            Actor::Anonymous => Err(ServiceError::Unauthenticated),
            Actor::Session { account, .. } => {
                let rows = workspaces::list_for_account(self.db(), account.id, page).await?;
                Ok(Page::from_rows(rows, page.limit, |(w, _)| w.id.to_string())
                    .map(|(workspace, role)| WorkspaceView { workspace, role: Some(role) }))
            }
            Actor::ApiKey { key } => {
                // A key sees one workspace: the first page holds it, any later page is empty.
                let ws = workspaces::find(self.db(), key.workspace_id).await?.filter(|_| page.after.is_none());
                Ok(Page {
                    items: ws.into_iter().map(|workspace| WorkspaceView { workspace, role: None }).collect(),
                    next_cursor: None,
                })
            }
        }
    }

    /// Public workspaces, for the directory.
    pub async fn list_public_workspaces(&self, page: &PageRequest) -> ServiceResult<Page<Workspace>> {
        let rows = workspaces::list_public(self.db(), page).await?;
        Ok(Page::from_rows(rows, page.limit, |w| w.id.to_string()))
    }

    /// One workspace's profile: public ones for everyone, private ones for members and their keys.
    pub async fn get_workspace(&self, actor: &Actor, slug: &str) -> ServiceResult<WorkspaceView> {
        let access = self.access(actor, slug).await?;
        if !access.sees_profile() {
            access.require(Action::ViewWorkspace)?;
        }
        Ok(WorkspaceView { role: access.role, workspace: access.workspace })
    }

    /// Changes name, description or visibility (admins and owners).
    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_workspace(
        &self,
        actor: &Actor,
        slug: &str,
        input: UpdateWorkspace,
    ) -> ServiceResult<WorkspaceView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::UpdateWorkspace)?;
        let changes = WorkspaceChanges {
            name: input.name.as_deref().map(WorkspaceName::parse).transpose()?,
            description: input.description.as_deref().map(Description::parse).transpose()?,
            visibility: input.visibility.as_deref().map(Visibility::parse).transpose()?,
        };
        let id = access.workspace.id;
        workspaces::update(self.db(), id, changes, crate::now()).await?;
        let workspace = workspaces::find(self.db(), id).await?.ok_or(ServiceError::NotFound("workspace"))?;
        Ok(WorkspaceView { workspace, role: access.role })
    }
}
