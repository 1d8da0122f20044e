//! Secret links: a token that opens a package's versions to whoever holds it; only its hash is kept.

use super::{LinkView, bad};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::packages::PackageLink;
use meridian_domain::{Action, PackageId, PackageLinkId};
use meridian_store::packages as store;

fn link_view(l: PackageLink, token: Option<String>) -> LinkView {
    LinkView {
        id: l.id,
        label: l.label,
        created_at: l.created_at,
        expires_at: l.expires_at,
        revoked_at: l.revoked_at,
        token,
    }
}

impl Services {
    // -------------------------------------------------------------------------------------------- links

    /// Makes a secret link; its token is in the answer and nowhere else (only its hash is kept).
    pub async fn create_package_link(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        label: Option<String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> ServiceResult<LinkView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let by = crate::nights::writer(actor)?;
        let label = label.unwrap_or_default().trim().to_owned();
        if label.chars().count() > 120 || label.chars().any(char::is_control) {
            return Err(bad("label", "must be at most 120 characters"));
        }
        let now = crate::now();
        if expires_at.is_some_and(|t| t <= now) {
            return Err(bad("expires_at", "must be in the future"));
        }
        let latest = now + self.config().share_link_max_age;
        if expires_at.is_some_and(|t| t > latest) {
            return Err(bad(
                "expires_at",
                format!(
                    "must be within {} days (links expire; make a new one later)",
                    self.config().share_link_max_age.num_days()
                ),
            ));
        }
        // A link without a date lasts as long as links may.
        let expires_at = Some(expires_at.unwrap_or(latest));
        let token = format!("mpk_{}", crate::secrets::random_token(24));
        let link =
            store::links::NewLink { label, token_hash: crate::secrets::token_hash(&token), expires_at, created_by: by };
        let row = store::links::insert(self.db(), access.workspace.id, p.id, link, crate::now()).await?;
        Ok(link_view(row, Some(token)))
    }

    pub async fn list_package_links(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<Vec<LinkView>> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        Ok(store::links::list(self.db(), access.workspace.id, p.id)
            .await?
            .into_iter()
            .map(|l| link_view(l, None))
            .collect())
    }

    /// Revokes a link; it stops working with the next request.
    pub async fn revoke_package_link(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        link: PackageLinkId,
    ) -> ServiceResult<()> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        if !store::links::revoke(self.db(), access.workspace.id, p.id, link, crate::now()).await? {
            return Err(ServiceError::NotFound("link"));
        }
        Ok(())
    }
}
