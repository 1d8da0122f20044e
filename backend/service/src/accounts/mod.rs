//! Accounts: sign-up and password change here; confirming addresses, recovering access, sessions, deleting an
//! account and the server's operators in the modules below.

mod deletion;
mod operators;
mod recovery;
mod sessions;
mod verification;

pub use sessions::SessionView;

use crate::auth::ClientInfo;
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::Role;
use meridian_domain::accounts::Account;
use meridian_domain::{Description, DisplayName, Email, Password, Slug, Visibility, WorkspaceKind, WorkspaceName};
use meridian_mail::Template;
use meridian_store::workspaces::NewWorkspace;
use meridian_store::{ConnectionTrait, DatabaseTransaction, StoreError, accounts, workspaces, workspaces::members};

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
    /// Creates an account with its personal workspace and mails a link to confirm the address, all in one
    /// transaction. Answers the same whether or not the address already has an account (its owner is told by
    /// mail instead), and signs nobody in: the person signs in with their password, at once or after following
    /// the link.
    #[tracing::instrument(skip(self, input, client), fields(email = %input.email))]
    pub async fn sign_up(&self, input: SignUp, client: &ClientInfo) -> ServiceResult<()> {
        let email = Email::parse(&input.email)?;
        deliverable(&email, "email")?;
        self.inner.limiter.check_signup(client.ip).await?;
        let password = Password::parse(&input.password)?;
        let display_name = DisplayName::parse(&input.display_name)?;
        // Hashed whether or not the address is taken, so both answers take the same work.
        let hash = self.inner.hasher.hash(password.expose().to_owned()).await?;

        let txn = meridian_store::begin_write(self.db()).await?;
        let Some(account) =
            create_account(&txn, &email, &display_name, Some(hash), &self.starting_plan_key(true), crate::now())
                .await?
        else {
            drop(txn);
            return self.tell_existing_account(&email).await;
        };
        self.mail_verification_link(&txn, &account).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }

    /// Someone signed up with an address that has an account: its owner hears of it (at most a few times an hour),
    /// the caller learns nothing.
    async fn tell_existing_account(&self, email: &Email) -> ServiceResult<()> {
        let Some((account, _)) = accounts::find_by_email(self.db(), email).await? else {
            return Ok(());
        };
        if self.inner.limiter.check_mail(crate::auth::MailKind::Confirm, email).await.is_err() {
            return Ok(());
        }
        let txn = meridian_store::begin_write(self.db()).await?;
        let sign_in = format!("{}/sign-in", self.public_url());
        let reset = format!("{}/forgot-password", self.public_url());
        let template = Template::AccountExists {
            display_name: account.display_name.as_str(),
            sign_in_link: &sign_in,
            reset_link: &reset,
        };
        self.queue_mail(&txn, "account_exists", email.as_str(), template).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }

    /// The caller's own account.
    pub fn me<'a>(&self, actor: &'a Actor) -> ServiceResult<&'a Account> {
        actor.require_account()
    }

    /// Changes the password after checking the current one, ends the account's other sessions and tells the
    /// person by mail.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> ServiceResult<()> {
        let Actor::Session { account, session } = actor else {
            return Err(actor.require_account().err().unwrap_or(ServiceError::Unauthenticated));
        };
        let new = Password::parse(new).map_err(|e| e.for_field("new_password"))?;
        self.check_current_password(account, current).await?;
        let new_hash = self.inner.hasher.hash(new.expose().to_owned()).await?;
        let txn = meridian_store::begin_write(self.db()).await?;
        let now = crate::now();
        accounts::set_password_hash(&txn, account.id, new_hash, now).await?;
        meridian_store::accounts::sessions::delete_others(&txn, account.id, Some(*session)).await?;
        // Whoever knew the old password may have asked for an address change or a reset link: those end too.
        spend_takeover_links(&txn, account.id, now).await?;
        let template = Template::PasswordChanged { display_name: account.display_name.as_str() };
        self.queue_mail(&txn, "password_changed", account.email.as_str(), template).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }

    /// Checks the account's current password (before a change of password or address, or a deletion); a guess
    /// costs like a sign-in attempt for its address, so a stolen session cannot try passwords at speed. An account
    /// without a password (provider sign-in only) passes.
    pub(crate) async fn check_current_password(&self, account: &Account, current: &str) -> ServiceResult<()> {
        self.inner.limiter.check_password(&account.email).await?;
        let Some(hash) = accounts::password_hash(self.db(), account.id).await? else {
            return Ok(());
        };
        if self.inner.hasher.verify(current.to_owned(), Some(hash)).await? {
            Ok(())
        } else {
            Err(ServiceError::Validation(meridian_domain::ValidationError::new(
                "current_password",
                "is not your current password",
            )))
        }
    }
}

/// Spends the links that could take the account over (an address change, a password reset): after a password
/// change or reset, or signing the other sessions out, someone who had the old password or a session keeps none.
pub(crate) async fn spend_takeover_links(
    conn: &impl ConnectionTrait,
    account: meridian_domain::AccountId,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<()> {
    use meridian_domain::accounts::TokenPurpose;
    meridian_store::accounts::tokens::spend_all(conn, account, TokenPurpose::ChangeEmail, now).await?;
    meridian_store::accounts::tokens::spend_all(conn, account, TokenPurpose::ResetPassword, now).await?;
    Ok(())
}

/// Refuses addresses in the `.invalid` domain (RFC 2606: never delivered): deleted accounts keep placeholder
/// addresses there, which nobody may take or be mailed at.
pub(crate) fn deliverable(email: &Email, field: &str) -> ServiceResult<()> {
    if email.as_str().ends_with(".invalid") {
        return Err(meridian_domain::ValidationError::new(field, "is not an address mail can reach").into());
    }
    Ok(())
}

/// Inserts an account with its personal workspace (owned by it), in `txn`: what signing up and a first sign-in at a
/// provider both do. `None` when the address already has an account; the transaction is then of no further use
/// (PostgreSQL aborts it after the failed insert).
pub(crate) async fn create_account(
    txn: &DatabaseTransaction,
    email: &Email,
    display_name: &DisplayName,
    password_hash: Option<String>,
    plan: &meridian_domain::PlanKey,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<Option<Account>> {
    let account = match accounts::insert(txn, email, display_name, password_hash, now).await {
        Ok(account) => account,
        Err(StoreError::Conflict { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let slug = free_slug(txn, &Slug::derive_from(email.local_part())).await?;
    let name = WorkspaceName::parse(&format!("{}'s space", display_name.as_str()))
        .or_else(|_| WorkspaceName::parse(display_name.as_str()))?;
    let workspace = workspaces::insert(
        txn,
        NewWorkspace {
            slug: &slug,
            name: &name,
            description: &Description::default(),
            kind: WorkspaceKind::Personal,
            visibility: Visibility::Private,
            personal_of: Some(account.id),
            plan,
        },
        now,
    )
    .await?;
    members::insert(txn, workspace.id, account.id, Role::Owner, now).await?;
    Ok(Some(account))
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
