//! The account page's sessions: where the person is signed in, and signing any of them out.

use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::SessionId;
use meridian_domain::accounts::SessionInfo;
use meridian_store::accounts::sessions;

/// A session as its person sees it: `current` is the one asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub session: SessionInfo,
    pub current: bool,
}

impl Services {
    /// The signed-in person's live sessions, most recently used first.
    pub async fn list_sessions(&self, actor: &Actor) -> ServiceResult<Vec<SessionView>> {
        let Actor::Session { account, session } = actor else {
            return Err(actor.require_account().err().unwrap_or(ServiceError::Unauthenticated));
        };
        let now = crate::now();
        let rows = sessions::list_live(self.db(), account.id, now, now - self.config().session_max_age).await?;
        Ok(rows.into_iter().map(|s| SessionView { current: s.id == *session, session: s }).collect())
    }

    /// Signs one of the person's sessions out (their current one included: that is signing out). 404 for a session
    /// that is not theirs.
    #[tracing::instrument(skip(self, actor))]
    pub async fn end_session(&self, actor: &Actor, id: SessionId) -> ServiceResult<()> {
        let account = actor.require_account()?;
        if sessions::delete_one(self.db(), account.id, id).await? {
            Ok(())
        } else {
            Err(ServiceError::NotFound("session"))
        }
    }

    /// Signs every session of the person out but the one asking. Returns how many ended.
    #[tracing::instrument(skip_all)]
    pub async fn end_other_sessions(&self, actor: &Actor) -> ServiceResult<u64> {
        let Actor::Session { account, session } = actor else {
            return Err(actor.require_account().err().unwrap_or(ServiceError::Unauthenticated));
        };
        let txn = meridian_store::begin_write(self.db()).await?;
        let ended = sessions::delete_others(&txn, account.id, Some(*session)).await?;
        // A stolen session may have asked for an address change or a reset link: those end with it.
        crate::accounts::spend_takeover_links(&txn, account.id, crate::now()).await?;
        meridian_store::commit(txn).await?;
        Ok(ended)
    }
}
