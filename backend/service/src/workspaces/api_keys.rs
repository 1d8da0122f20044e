//! API keys: `mrd_<8 hex>_<48 hex>`. The first part (the prefix) is stored in clear to find the key and to show
//! it in lists; the whole key is stored only as a SHA-256 hash and shown once, at creation.

use crate::secrets::{random_token, token_hash};
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::workspaces::ApiKey;
use meridian_domain::{Action, ApiKeyId, ApiKeyScope, KeyName, Page, PageRequest};
use meridian_store::workspaces::api_keys::{self, NewApiKey};

const PREFIX_TAG: &str = "mrd_";

/// A freshly created key: the only time its secret exists outside the caller's hands.
#[derive(Clone)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: String,
}

impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey").field("key", &self.key).field("secret", &"<redacted>").finish()
    }
}

/// The stored prefix of a presented key (`mrd_0123abcd`), or `None` when it is not shaped like one.
pub(crate) fn prefix_of(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(PREFIX_TAG)?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 8) && hex(secret, 48)).then(|| &presented[..PREFIX_TAG.len() + 8])
}

impl Services {
    /// Creates a key for the workspace (admins and owners).
    #[tracing::instrument(skip(self, actor))]
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        slug: &str,
        name: &str,
        scope: &str,
    ) -> ServiceResult<CreatedApiKey> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageApiKeys)?;
        let account = actor.require_account()?;
        actor.require_verified()?;
        let name = KeyName::parse(name)?;
        let scope = ApiKeyScope::parse(scope)?;
        let prefix = format!("{PREFIX_TAG}{}", random_token(4));
        let secret = format!("{prefix}_{}", random_token(24));
        let key = api_keys::insert(
            self.db(),
            NewApiKey {
                workspace: access.workspace.id,
                name: &name,
                prefix: &prefix,
                secret_hash: token_hash(&secret),
                scope,
                created_by: account.id,
            },
            crate::now(),
        )
        .await?;
        Ok(CreatedApiKey { key, secret })
    }

    /// The workspace's keys, revoked ones included.
    pub async fn list_api_keys(&self, actor: &Actor, slug: &str, page: &PageRequest) -> ServiceResult<Page<ApiKey>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageApiKeys)?;
        let rows = api_keys::list(self.db(), access.workspace.id, page).await?;
        Ok(Page::from_rows(rows, page.limit, |k| k.id.to_string()))
    }

    /// Revokes a key at once: the next request with it is refused.
    #[tracing::instrument(skip(self, actor))]
    pub async fn revoke_api_key(&self, actor: &Actor, slug: &str, id: ApiKeyId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ManageApiKeys)?;
        if api_keys::revoke(self.db(), access.workspace.id, id, crate::now()).await? {
            Ok(())
        } else if api_keys::find(self.db(), access.workspace.id, id).await?.is_some() {
            // Already revoked: revoking again changes nothing and is not an error (idempotent retries).
            Ok(())
        } else {
            Err(ServiceError::NotFound("api key"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_of;

    #[test]
    fn prefixes() {
        let key = format!("mrd_0123abcd_{}", "a".repeat(48));
        assert_eq!(prefix_of(&key), Some("mrd_0123abcd"));
        assert_eq!(prefix_of("mrd_0123abcd_short"), None);
        assert_eq!(prefix_of(&format!("xyz_0123abcd_{}", "a".repeat(48))), None);
        assert_eq!(prefix_of(&format!("mrd_0123abcg_{}", "a".repeat(48))), None);
    }
}
