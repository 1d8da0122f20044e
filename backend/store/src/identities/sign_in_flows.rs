//! Provider sign-ins under way (`sign_in_flows`): written when a browser leaves for the provider, taken (read and
//! deleted at once) when it comes back. Found by the SHA-256 of the `state` the browser carries.

use crate::StoreResult;
use crate::entities::sign_in_flows;
use chrono::{DateTime, Utc};
use meridian_domain::identities::SignInFlow;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub async fn insert(
    conn: &impl ConnectionTrait,
    state_hash: &str,
    flow: &SignInFlow,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sign_in_flows::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        state_hash: Set(state_hash.to_owned()),
        provider: Set(flow.provider.clone()),
        nonce: Set(flow.nonce.clone()),
        pkce_verifier: Set(flow.pkce_verifier.clone()),
        link_account_id: Set(flow.link_account.map(Into::into)),
        return_to: Set(flow.return_to.clone()),
        created_at: Set(crate::ts(now)),
        expires_at: Set(crate::ts(flow.expires_at)),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Takes the flow with this state hash for `provider`: deletes it and hands it back, or `None` when it is unknown,
/// of another provider or expired (those are left alone). The delete is conditional, so of two callbacks racing
/// with one state only one gets the flow.
pub async fn take(
    conn: &impl ConnectionTrait,
    state_hash: &str,
    provider: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<SignInFlow>> {
    let Some(m) = sign_in_flows::Entity::find()
        .filter(sign_in_flows::Column::StateHash.eq(state_hash))
        .filter(sign_in_flows::Column::Provider.eq(provider))
        .filter(sign_in_flows::Column::ExpiresAt.gt(crate::ts(now)))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let res = sign_in_flows::Entity::delete_many().filter(sign_in_flows::Column::Id.eq(m.id)).exec(conn).await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    Ok(Some(SignInFlow {
        provider: m.provider,
        nonce: m.nonce,
        pkce_verifier: m.pkce_verifier,
        link_account: m.link_account_id.map(Into::into),
        return_to: m.return_to,
        expires_at: m.expires_at.to_utc(),
    }))
}

/// Forgets flows that expired before `before` (abandoned sign-ins).
pub async fn delete_expired(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> StoreResult<u64> {
    Ok(sign_in_flows::Entity::delete_many()
        .filter(sign_in_flows::Column::ExpiresAt.lt(crate::ts(before)))
        .exec(conn)
        .await?
        .rows_affected)
}
