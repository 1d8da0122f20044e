//! Invitations: an admin invites an e-mail address with a role; whoever follows the mailed link signs up or signs
//! in (with a confirmed address) and joins. Inviting answers the same whether or not the address has an account,
//! and nothing joins anyone before they follow the link.

use crate::secrets::{random_token, token_hash};
use crate::workspaces::members::personal_owner_rule;
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::invitations::{INVITATION_LIFETIME_DAYS, Invitation, InvitationStatus};
use meridian_domain::workspaces::{Member, Workspace};
use meridian_domain::{Action, Email, InvitationId, Role};
use meridian_mail::Template;
use meridian_store::invitations::{NewInvitation, Renewal};
use meridian_store::{ConnectionTrait, accounts, invitations, workspaces, workspaces::members};

/// Open invitations listed at most (a workspace with more has a problem a list will not solve).
const LIST_MAX: u64 = 500;

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationPreview {
    pub workspace: Workspace,
    pub role: Role,
    pub email: Email,
    pub invited_by: String,
    pub status: InvitationStatus,
}

impl Services {
    /// The workspace's open invitations (pending and expired), newest first: admins and owners.
    pub async fn list_invitations(&self, actor: &Actor, slug: &str) -> ServiceResult<Vec<Invitation>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageMembers)?;
        Ok(invitations::list_open(self.db(), access.workspace.id, LIST_MAX).await?)
    }

    /// Invites `email` with `role` and mails the link (valid 7 days). Inviting an address that already has an
    /// open invitation sends a new link with the new role (the old link stops working). The answer never says
    /// whether the address has an account.
    #[tracing::instrument(skip(self, actor, email))]
    pub async fn invite(&self, actor: &Actor, slug: &str, email: &str, role: &str) -> ServiceResult<Invitation> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageMembers)?;
        let inviter = actor.require_account()?;
        actor.require_verified()?;
        let role = Role::parse(role)?;
        let email = Email::parse(email)?;
        crate::accounts::deliverable(&email, "email")?;
        if !access.role.is_some_and(|r| r.may_manage(None, Some(role))) {
            return Err(ServiceError::Forbidden("admins can invite up to the member role"));
        }
        personal_owner_rule(&access.workspace, role)?;
        self.inner.limiter.check_mail(crate::auth::MailKind::Invite, &email).await?;
        let ws = access.workspace.id;
        let now = crate::now();
        let expires_at = now + chrono::Duration::days(INVITATION_LIFETIME_DAYS);
        let token = random_token(32);
        let txn = meridian_store::begin_write(self.db()).await?;
        workspaces::lock(&txn, ws).await?;
        let invitation = match invitations::find_open_for(&txn, ws, &email).await? {
            Some(open) => {
                // Re-inviting rewrites the open invitation: only someone who may manage its current role may.
                if !access.role.is_some_and(|r| r.may_manage(Some(open.role), Some(role))) {
                    return Err(ServiceError::Forbidden("admins can manage only invitations below the admin role"));
                }
                if !invitations::renew(
                    &txn,
                    ws,
                    open.id,
                    Renewal { role, invited_by: inviter.id, token_hash: token_hash(&token), expires_at },
                    now,
                )
                .await?
                {
                    return Err(ServiceError::internal("an open invitation closed under the workspace's lock"));
                }
                invitations::find(&txn, ws, open.id).await?.ok_or(ServiceError::NotFound("invitation"))?
            }
            None => {
                // A member invited again (to a higher role) takes no new place.
                let member = match accounts::find_by_email(&txn, &email).await? {
                    Some((a, _)) => members::role_of(&txn, ws, a.id).await?.is_some(),
                    None => false,
                };
                if !member {
                    self.check_member_limit(&txn, ws).await?;
                }
                let new = NewInvitation {
                    workspace: ws,
                    email: &email,
                    role,
                    invited_by: inviter.id,
                    token_hash: token_hash(&token),
                    expires_at,
                };
                invitations::insert(&txn, new, now).await?
            }
        };
        self.mail_invitation(&txn, &access.workspace, &invitation, inviter.display_name.as_str(), &token).await?;
        meridian_store::commit(txn).await?;
        Ok(invitation)
    }

    async fn mail_invitation(
        &self,
        conn: &impl ConnectionTrait,
        workspace: &Workspace,
        invitation: &Invitation,
        inviter: &str,
        token: &str,
    ) -> ServiceResult<()> {
        let link = format!("{}/invitations/accept?token={token}", self.public_url());
        let expires = invitation.expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
        let template = Template::Invitation {
            workspace: workspace.name.as_str(),
            inviter,
            role: invitation.role.as_str(),
            link: &link,
            expires: &expires,
        };
        self.queue_mail(conn, "invitation", invitation.email.as_str(), template).await?;
        Ok(())
    }

    /// Sends an open invitation again with a fresh link and a fresh 7 days (the old link stops working).
    #[tracing::instrument(skip(self, actor))]
    pub async fn resend_invitation(&self, actor: &Actor, slug: &str, id: InvitationId) -> ServiceResult<Invitation> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageMembers)?;
        let inviter = actor.require_account()?;
        actor.require_verified()?;
        let ws = access.workspace.id;
        let open = invitations::find(self.db(), ws, id).await?.ok_or(ServiceError::NotFound("invitation"))?;
        if open.accepted_at.is_some() || open.revoked_at.is_some() {
            return Err(ServiceError::NotFound("invitation"));
        }
        if !access.role.is_some_and(|r| r.may_manage(None, Some(open.role))) {
            return Err(ServiceError::Forbidden("admins can invite up to the member role"));
        }
        self.inner.limiter.check_mail(crate::auth::MailKind::Invite, &open.email).await?;
        let now = crate::now();
        let token = random_token(32);
        let txn = meridian_store::begin_write(self.db()).await?;
        let expires_at = now + chrono::Duration::days(INVITATION_LIFETIME_DAYS);
        if !invitations::renew(
            &txn,
            ws,
            id,
            Renewal { role: open.role, invited_by: inviter.id, token_hash: token_hash(&token), expires_at },
            now,
        )
        .await?
        {
            return Err(ServiceError::NotFound("invitation"));
        }
        let invitation = invitations::find(&txn, ws, id).await?.ok_or(ServiceError::NotFound("invitation"))?;
        self.mail_invitation(&txn, &access.workspace, &invitation, inviter.display_name.as_str(), &token).await?;
        meridian_store::commit(txn).await?;
        Ok(invitation)
    }

    /// Revokes an open invitation: its link stops working.
    #[tracing::instrument(skip(self, actor))]
    pub async fn revoke_invitation(&self, actor: &Actor, slug: &str, id: InvitationId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageMembers)?;
        let open =
            invitations::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("invitation"))?;
        if !access.role.is_some_and(|r| r.may_manage(None, Some(open.role))) {
            return Err(ServiceError::Forbidden("admins can manage only invitations below the admin role"));
        }
        if invitations::revoke(self.db(), access.workspace.id, id, crate::now()).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("invitation"))
        }
    }

    /// What an invitation link leads to (for the page that offers to accept it). Unknown links are 404.
    pub async fn preview_invitation(&self, token: &str) -> ServiceResult<InvitationPreview> {
        let gone = ServiceError::NotFound("invitation");
        let Some(inv) = invitations::find_by_token_hash(self.db(), &token_hash(token.trim())).await? else {
            return Err(gone);
        };
        let workspace = workspaces::find(self.db(), inv.workspace_id).await?.ok_or(gone)?;
        let invited_by = accounts::find(self.db(), inv.invited_by)
            .await?
            .map_or_else(|| "someone".to_owned(), |a| a.display_name.as_str().to_owned());
        Ok(InvitationPreview {
            role: inv.role,
            email: inv.email.clone(),
            invited_by,
            status: inv.status(crate::now()),
            workspace,
        })
    }

    /// Accepts an invitation as the signed-in person, whose address must be confirmed (the link proves the
    /// invited mailbox was read; a confirmed address proves who is accepting). Someone already a member keeps the
    /// higher of the two roles. Accepted, revoked, expired and unknown links are one answer (404).
    #[tracing::instrument(skip(self, actor, token))]
    pub async fn accept_invitation(&self, actor: &Actor, token: &str) -> ServiceResult<(Workspace, Member)> {
        let account = actor.require_account()?;
        actor.require_verified()?;
        let gone = ServiceError::NotFound("invitation (it may have expired, been revoked or been used)");
        let now = crate::now();
        let hash = token_hash(token.trim());
        let Some(found) = invitations::find_by_token_hash(self.db(), &hash).await? else {
            return Err(gone);
        };
        let txn = meridian_store::begin_write(self.db()).await?;
        workspaces::lock(&txn, found.workspace_id).await?;
        // Read again under the lock: a re-sent invitation has a new link (and perhaps another role).
        let Some(inv) = invitations::find_by_token_hash(&txn, &hash).await? else {
            return Err(gone);
        };
        // The invitation carries its inviter's authority only while they still have it (not demoted, removed or
        // deleted since).
        let inviter_role = members::role_of(&txn, inv.workspace_id, inv.invited_by).await?;
        if !inviter_role.is_some_and(|r| r.may_manage(None, Some(inv.role))) {
            return Err(gone);
        }
        if !invitations::accept(&txn, inv.id, &hash, account.id, now).await? {
            return Err(gone);
        }
        let workspace = workspaces::find(&txn, inv.workspace_id).await?.ok_or(ServiceError::NotFound("workspace"))?;
        match members::role_of(&txn, workspace.id, account.id).await? {
            None => {
                self.check_member_limit(&txn, workspace.id).await?;
                members::insert(&txn, workspace.id, account.id, inv.role, now).await?;
            }
            Some(current) if current.rank() < inv.role.rank() => {
                members::set_role(&txn, workspace.id, account.id, inv.role).await?;
            }
            Some(_) => {}
        }
        let member = members::find(&txn, workspace.id, account.id).await?.ok_or(ServiceError::NotFound("member"))?;
        meridian_store::commit(txn).await?;
        Ok((workspace, member))
    }
}
