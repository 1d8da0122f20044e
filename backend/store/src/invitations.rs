//! Invitations of e-mail addresses to workspaces. Only the SHA-256 of an invitation's token is stored; every
//! query but the token look-up is scoped by workspace.

use crate::StoreResult;
use crate::entities::invitations;
use chrono::{DateTime, Utc};
use meridian_domain::invitations::Invitation;
use meridian_domain::{AccountId, Email, InvitationId, Role, WorkspaceId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

pub(crate) fn to_domain(m: invitations::Model) -> StoreResult<Invitation> {
    Ok(Invitation {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        email: Email::parse(&m.email)?,
        role: Role::parse(&m.role)?,
        invited_by: m.invited_by.into(),
        created_at: m.created_at.to_utc(),
        sent_at: m.sent_at.to_utc(),
        expires_at: m.expires_at.to_utc(),
        accepted_at: m.accepted_at.map(|t| t.to_utc()),
        accepted_by: m.accepted_by.map(Into::into),
        revoked_at: m.revoked_at.map(|t| t.to_utc()),
    })
}

/// What an invitation is made of.
#[derive(Debug)]
pub struct NewInvitation<'a> {
    pub workspace: WorkspaceId,
    pub email: &'a Email,
    pub role: Role,
    pub invited_by: AccountId,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewInvitation<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Invitation> {
    let m = invitations::ActiveModel {
        id: Set(InvitationId::new().into()),
        workspace_id: Set(new.workspace.into()),
        email: Set(new.email.as_str().to_owned()),
        role: Set(new.role.as_str().to_owned()),
        token_hash: Set(new.token_hash),
        invited_by: Set(new.invited_by.into()),
        created_at: Set(crate::ts(now)),
        sent_at: Set(crate::ts(now)),
        expires_at: Set(crate::ts(new.expires_at)),
        accepted_at: Set(None),
        accepted_by: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    to_domain(m)
}

/// The workspace's invitation that is still open (neither accepted nor revoked; perhaps expired) for this address.
pub async fn find_open_for(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    email: &Email,
) -> StoreResult<Option<Invitation>> {
    invitations::Entity::find()
        .filter(invitations::Column::WorkspaceId.eq(workspace))
        .filter(invitations::Column::Email.eq(email.as_str()))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: InvitationId,
) -> StoreResult<Option<Invitation>> {
    crate::scoped::find::<invitations::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// The invitation a link's token stands for, whatever its state.
pub async fn find_by_token_hash(conn: &impl ConnectionTrait, token_hash: &str) -> StoreResult<Option<Invitation>> {
    invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// The workspace's invitations not accepted or revoked, newest first (expired ones included, so they can be
/// re-sent). At most `limit`.
pub async fn list_open(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    limit: u64,
) -> StoreResult<Vec<Invitation>> {
    use sea_orm::QuerySelect as _;
    let rows = invitations::Entity::find()
        .filter(invitations::Column::WorkspaceId.eq(workspace))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .order_by_desc(invitations::Column::SentAt)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(crate::lenient(rows, "invitations", to_domain))
}

/// What re-sending an open invitation changes: a new link (the old one stops working), its role, who sent it, and
/// a fresh expiry.
#[derive(Debug)]
pub struct Renewal {
    pub role: Role,
    pub invited_by: AccountId,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// Renews an open invitation; `false` when it is no longer open.
pub async fn renew(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: InvitationId,
    renewal: Renewal,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = crate::scoped::update::<invitations::Entity>(workspace, id)
        .col_expr(invitations::Column::TokenHash, Expr::value(renewal.token_hash))
        .col_expr(invitations::Column::Role, Expr::value(renewal.role.as_str()))
        .col_expr(invitations::Column::InvitedBy, Expr::value(renewal.invited_by))
        .col_expr(invitations::Column::SentAt, Expr::value(crate::ts(now)))
        .col_expr(invitations::Column::ExpiresAt, Expr::value(crate::ts(renewal.expires_at)))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Revokes an open invitation; `false` when there is none with this id in the workspace.
pub async fn revoke(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: InvitationId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = crate::scoped::update::<invitations::Entity>(workspace, id)
        .col_expr(invitations::Column::RevokedAt, Expr::value(crate::ts(now)))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Accepts a pending invitation for `account` through the link whose hash is `token_hash`: one conditional update,
/// so a link followed twice at once joins once, and a link replaced by a re-send joins nobody. `false` when it was accepted, revoked or expired meanwhile.
pub async fn accept(
    conn: &impl ConnectionTrait,
    id: InvitationId,
    token_hash: &str,
    account: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = invitations::Entity::update_many()
        .col_expr(invitations::Column::AcceptedAt, Expr::value(crate::ts(now)))
        .col_expr(invitations::Column::AcceptedBy, Expr::value(account))
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::TokenHash.eq(token_hash))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(crate::ts(now)))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}
