//! Deleting an account: refused while it is some workspace's last owner; otherwise its credentials and personal
//! details go, and what it wrote in shared workspaces stays, attributed to "a deleted account".

use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::{Role, WorkspaceKind};
use meridian_store::{
    accounts, accounts::sessions, accounts::tokens, identities, mail, workspaces, workspaces::api_keys,
    workspaces::members,
};

impl Services {
    /// Deletes the signed-in person's account (after checking their password, when they have one). Their personal
    /// space goes with it; it must hold no files (they are deleted first, or moved).
    #[tracing::instrument(skip_all)]
    pub async fn delete_account(&self, actor: &Actor, current_password: &str) -> ServiceResult<()> {
        let account = actor.require_account()?;
        self.check_current_password(account, current_password).await?;
        let now = crate::now();
        let txn = meridian_store::begin_write(self.db()).await?;
        let memberships = members::of_account(&txn, account.id).await?;
        for (workspace, role) in &memberships {
            if is_own_space(workspace, *role) {
                let files = meridian_store::data::files::count_in(&txn, workspace.id).await?;
                let uploads = meridian_store::uploads::count_in_flight(&txn, workspace.id).await?;
                if files + uploads > 0 {
                    return Err(ServiceError::Conflict {
                        field: "account",
                        message: format!(
                            "your personal space still holds {files} file(s) and {uploads} unfinished upload(s); \
                             delete them (or move the files to an observatory's workspace) first"
                        ),
                    });
                }
                continue;
            }
            // Under the workspace's lock, the role as it is now (a promotion a moment ago counts).
            workspaces::lock(&txn, workspace.id).await?;
            if members::role_of(&txn, workspace.id, account.id).await? == Some(Role::Owner)
                && members::count_owners(&txn, workspace.id).await? <= 1
            {
                return Err(ServiceError::Conflict {
                    field: "account",
                    message: format!(
                        "you are the last owner of {:?}: make another member its owner first",
                        workspace.name.as_str()
                    ),
                });
            }
        }
        api_keys::revoke_all_created_by(&txn, account.id, now).await?;
        members::delete_all_of(&txn, account.id).await?;
        for (workspace, role) in &memberships {
            if is_own_space(workspace, *role) {
                workspaces::delete(&txn, workspace.id).await.map_err(|e| match e {
                    meridian_store::StoreError::InUse { .. } => ServiceError::Conflict {
                        field: "account",
                        message: "your personal space still holds records other workspaces refer to".into(),
                    },
                    e => e.into(),
                })?;
            }
        }
        sessions::delete_others(&txn, account.id, None).await?;
        identities::delete_for(&txn, account.id).await?;
        tokens::delete_for(&txn, account.id).await?;
        mail::delete_to(&txn, account.email.as_str()).await?;
        accounts::anonymize(&txn, account.id, now).await?;
        meridian_store::commit(txn).await?;
        tracing::info!(account = %account.id, "account deleted");
        Ok(())
    }
}

/// A personal workspace has one owner: the person it belongs to.
fn is_own_space(workspace: &meridian_domain::workspaces::Workspace, role: Role) -> bool {
    workspace.kind == WorkspaceKind::Personal && role == Role::Owner
}
