//! Accounts: sign-up and password change.

use crate::auth::Credentials;
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::Role;
use meridian_domain::model::Account;
use meridian_domain::{Description, DisplayName, Email, Password, Slug, Visibility, WorkspaceKind, WorkspaceName};
use meridian_store::workspaces::NewWorkspace;
use meridian_store::{ConnectionTrait, StoreError, accounts, members, sessions, workspaces};

/// What a sign-up form carries.
#[derive(Clone, serde::Deserialize)]
pub struct SignUp {
    pub email: String,
    pub password: String,
    pub display_name: String,
}

impl std::fmt::Debug for SignUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUp")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// Creates an account with its personal workspace (in one transaction) and signs it in.
    #[tracing::instrument(skip(self, input), fields(email = %input.email))]
    pub async fn sign_up(&self, input: SignUp, ip: Option<std::net::IpAddr>) -> ServiceResult<Credentials> {
        let email = Email::parse(&input.email)?;
        self.inner.limiter.check_signup(ip)?;
        let password = Password::parse(&input.password)?;
        let display_name = DisplayName::parse(&input.display_name)?;
        let hash = self.inner.hasher.hash(password.expose().to_owned()).await?;

        let txn = meridian_store::begin_write(self.db()).await?;
        let now = crate::now();
        let account = accounts::insert(&txn, &email, &display_name, Some(hash), now).await.map_err(|e| match e {
            StoreError::Conflict { .. } => ServiceError::Conflict {
                field: "email",
                message: "an account with this e-mail address already exists".into(),
            },
            e => e.into(),
        })?;
        let slug = free_slug(&txn, &Slug::derive_from(email.local_part())).await?;
        let name = WorkspaceName::parse(&format!("{}'s space", display_name.as_str()))
            .or_else(|_| WorkspaceName::parse(display_name.as_str()))?;
        let workspace = workspaces::insert(
            &txn,
            NewWorkspace {
                slug: &slug,
                name: &name,
                description: &Description::default(),
                kind: WorkspaceKind::Personal,
                visibility: Visibility::Private,
                personal_of: Some(account.id),
            },
            now,
        )
        .await?;
        members::insert(&txn, workspace.id, account.id, Role::Owner, now).await?;
        txn.commit().await.map_err(ServiceError::internal)?;
        self.start_session(account).await
    }

    /// The caller's own account.
    pub fn me<'a>(&self, actor: &'a Actor) -> ServiceResult<&'a Account> {
        actor.require_account()
    }

    /// Changes the password after checking the current one, and ends the account's other sessions.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> ServiceResult<()> {
        let Actor::Session { account, session } = actor else {
            return Err(actor.require_account().err().unwrap_or(ServiceError::Unauthenticated));
        };
        let new = Password::parse(new).map_err(|e| e.for_field("new_password"))?;
        self.inner.limiter.check_password(&account.email)?;
        let hash = accounts::password_hash(self.db(), account.id).await?;
        if !self.inner.hasher.verify(current.to_owned(), hash).await? {
            return Err(ServiceError::Validation(meridian_domain::ValidationError::new(
                "current_password",
                "is not your current password",
            )));
        }
        let new_hash = self.inner.hasher.hash(new.expose().to_owned()).await?;
        let txn = meridian_store::begin_write(self.db()).await?;
        accounts::set_password_hash(&txn, account.id, new_hash, crate::now()).await?;
        sessions::delete_others(&txn, account.id, Some(*session)).await?;
        txn.commit().await.map_err(ServiceError::internal)?;
        Ok(())
    }
}

/// `base`, or `base-2` ... `base-9`, or else `base-<random number>`: a few friendly tries, then one that
/// cannot be squatted in advance (someone creating `john` ... `john-999` must not block every later John).
pub(crate) async fn free_slug(conn: &impl ConnectionTrait, base: &Slug) -> ServiceResult<Slug> {
    if !workspaces::slug_taken(conn, base).await? {
        return Ok(base.clone());
    }
    for n in 2..10 {
        let candidate = base.with_suffix(n);
        if !workspaces::slug_taken(conn, &candidate).await? {
            return Ok(candidate);
        }
    }
    for _ in 0..5 {
        let candidate = base.with_suffix(rand::random_range(10_000..100_000_000));
        if !workspaces::slug_taken(conn, &candidate).await? {
            return Ok(candidate);
        }
    }
    Err(ServiceError::Conflict { field: "slug", message: "no free slug near this one".into() })
}
