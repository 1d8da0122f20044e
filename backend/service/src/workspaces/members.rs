//! Members and roles. A workspace always keeps at least one owner.

use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::workspaces::Member;
use meridian_domain::{AccountId, Action, Page, PageRequest, Role};
use meridian_store::{workspaces, workspaces::api_keys, workspaces::members};

impl Services {
    /// Who belongs to the workspace (any member, and read keys).
    pub async fn list_members(&self, actor: &Actor, slug: &str, page: &PageRequest) -> ServiceResult<Page<Member>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        let rows = members::list(self.db(), access.workspace.id, page).await?;
        Ok(Page::from_rows(rows, page.limit, |(id, _)| id.to_string()).map(|(_, m)| m))
    }

    /// Gives a member another role.
    #[tracing::instrument(skip(self, actor))]
    pub async fn change_member_role(
        &self,
        actor: &Actor,
        slug: &str,
        account: AccountId,
        role: &str,
    ) -> ServiceResult<Member> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageMembers)?;
        let role = Role::parse(role)?;
        let ws = access.workspace.id;
        let txn = meridian_store::begin_write(self.db()).await?;
        workspaces::lock(&txn, ws).await?;
        let current = members::role_of(&txn, ws, account).await?.ok_or(ServiceError::NotFound("member"))?;
        if !access.role.is_some_and(|r| r.may_manage(Some(current), Some(role))) {
            return Err(ServiceError::Forbidden("admins can manage only members below the admin role"));
        }
        personal_owner_rule(&access.workspace, role)?;
        members::set_role(&txn, ws, account, role).await?;
        if current == Role::Owner && members::count_owners(&txn, ws).await? == 0 {
            return Err(ServiceError::LastOwner);
        }
        if !role.allows(Action::ManageApiKeys) {
            api_keys::revoke_created_by(&txn, ws, account, crate::now()).await?;
        }
        meridian_store::commit(txn).await?;
        members::find(self.db(), ws, account)
            .await
            .map_err(|e| ServiceError::from(e).after_commit())?
            .ok_or(ServiceError::NotFound("member"))
    }

    /// Removes a member; removing oneself is leaving, which every member may do (but not the last owner).
    #[tracing::instrument(skip(self, actor))]
    pub async fn remove_member(&self, actor: &Actor, slug: &str, account: AccountId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let leaving = actor.account().is_some_and(|a| a.id == account) && access.role.is_some();
        if !leaving {
            access.require(Action::ManageMembers)?;
        }
        let ws = access.workspace.id;
        let txn = meridian_store::begin_write(self.db()).await?;
        workspaces::lock(&txn, ws).await?;
        let current = members::role_of(&txn, ws, account).await?.ok_or(ServiceError::NotFound("member"))?;
        if !leaving && !access.role.is_some_and(|r| r.may_manage(Some(current), None)) {
            return Err(ServiceError::Forbidden("admins can remove only members below the admin role"));
        }
        members::delete(&txn, ws, account).await?;
        if current == Role::Owner && members::count_owners(&txn, ws).await? == 0 {
            return Err(ServiceError::LastOwner);
        }
        api_keys::revoke_created_by(&txn, ws, account, crate::now()).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }
}

/// A personal workspace belongs to its person: nobody else becomes its owner, so (with the last-owner rule) its
/// person can neither leave it nor be demoted in it.
pub(crate) fn personal_owner_rule(workspace: &meridian_domain::workspaces::Workspace, role: Role) -> ServiceResult<()> {
    if workspace.kind == meridian_domain::WorkspaceKind::Personal && role == Role::Owner {
        return Err(ServiceError::Forbidden("a personal workspace has one owner: the person it belongs to"));
    }
    Ok(())
}
