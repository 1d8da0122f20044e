//! Confirming addresses: the link mailed at sign-up, another on request, and changing the address (a link to
//! the new address, a notice to the old one; the change happens only when the link is followed).

use crate::auth::MailKind;
use crate::secrets::{random_token, token_hash};
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::accounts::{Account, TokenPurpose};
use meridian_domain::{Email, ValidationError};
use meridian_mail::Template;
use meridian_store::{ConnectionTrait, StoreError, accounts, accounts::tokens};

impl Services {
    /// Makes a new confirmation link for the account's address (older ones stop working) and queues it on `conn`.
    pub(crate) async fn mail_verification_link(
        &self,
        conn: &impl ConnectionTrait,
        account: &Account,
    ) -> ServiceResult<()> {
        let now = crate::now();
        tokens::spend_all(conn, account.id, TokenPurpose::VerifyEmail, now).await?;
        let token = random_token(32);
        tokens::insert(conn, account.id, TokenPurpose::VerifyEmail, token_hash(&token), account.email.as_str(), now)
            .await?;
        let link = format!("{}/verify-email?token={token}", self.public_url());
        let template = Template::VerifyEmail { display_name: account.display_name.as_str(), link: &link };
        self.queue_mail(conn, "verify_email", account.email.as_str(), template).await?;
        Ok(())
    }

    /// Sends the signed-in person another link to confirm their address (rate limited per address).
    #[tracing::instrument(skip_all)]
    pub async fn resend_verification(&self, actor: &Actor) -> ServiceResult<()> {
        let account = actor.require_account()?;
        if account.email_verified {
            return Err(ServiceError::Conflict { field: "email", message: "your address is already confirmed".into() });
        }
        self.inner.limiter.check_mail(MailKind::Confirm, &account.email).await?;
        let txn = meridian_store::begin_write(self.db()).await?;
        self.mail_verification_link(&txn, account).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }

    /// Follows a confirmation link: the account's address is confirmed when the link was made for the address it
    /// still has. An unknown, spent, expired or foreign link is one answer (404).
    #[tracing::instrument(skip_all)]
    pub async fn verify_email(&self, token: &str) -> ServiceResult<Account> {
        let gone = ServiceError::NotFound("confirmation link (it may have expired or been used)");
        let now = crate::now();
        let txn = meridian_store::begin_write(self.db()).await?;
        let Some(grant) = tokens::spend(&txn, &token_hash(token.trim()), TokenPurpose::VerifyEmail, now).await? else {
            return Err(gone);
        };
        let Some(account) = accounts::find(&txn, grant.account).await? else { return Err(gone) };
        if account.email.as_str() != grant.email || accounts::is_deleted(&txn, account.id).await? {
            return Err(gone);
        }
        accounts::set_email_verified(&txn, account.id, now).await?;
        meridian_store::commit(txn).await?;
        Ok(Account { email_verified: true, ..account })
    }

    /// Asks to change the signed-in person's address: a link goes to the new address, a notice to the old one.
    /// The address changes only when the link is followed. Needs the current password.
    #[tracing::instrument(skip_all)]
    pub async fn request_email_change(
        &self,
        actor: &Actor,
        new_email: &str,
        current_password: &str,
    ) -> ServiceResult<()> {
        let account = actor.require_account()?;
        let new = Email::parse(new_email).map_err(|e| e.for_field("new_email"))?;
        if new == account.email {
            return Err(ValidationError::new("new_email", "is your current address").into());
        }
        crate::accounts::deliverable(&new, "new_email")?;
        self.check_current_password(account, current_password).await?;
        self.inner.limiter.check_mail(MailKind::Change, &account.email).await?;
        self.inner.limiter.check_mail(MailKind::Change, &new).await?;
        let now = crate::now();
        let txn = meridian_store::begin_write(self.db()).await?;
        tokens::spend_all(&txn, account.id, TokenPurpose::ChangeEmail, now).await?;
        let token = random_token(32);
        tokens::insert(&txn, account.id, TokenPurpose::ChangeEmail, token_hash(&token), new.as_str(), now).await?;
        let link = format!("{}/confirm-email?token={token}", self.public_url());
        let name = account.display_name.as_str();
        let confirm = Template::ConfirmEmailChange { display_name: name, new_email: new.as_str(), link: &link };
        self.queue_mail(&txn, "confirm_email_change", new.as_str(), confirm).await?;
        let notice = Template::EmailChangeNotice { display_name: name, new_email: new.as_str() };
        self.queue_mail(&txn, "email_change_notice", account.email.as_str(), notice).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }

    /// Follows an address-change link: the account takes the new address, confirmed. 404 for an unknown, spent,
    /// expired or foreign link; 409 when another account took the address meanwhile.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_email_change(&self, token: &str) -> ServiceResult<Account> {
        let gone = ServiceError::NotFound("confirmation link (it may have expired or been used)");
        let now = crate::now();
        let txn = meridian_store::begin_write(self.db()).await?;
        let Some(grant) = tokens::spend(&txn, &token_hash(token.trim()), TokenPurpose::ChangeEmail, now).await? else {
            return Err(gone);
        };
        if accounts::is_deleted(&txn, grant.account).await? {
            return Err(gone);
        }
        let new = Email::parse(&grant.email)?;
        accounts::set_email(&txn, grant.account, &new, now).await.map_err(|e| match e {
            StoreError::Conflict { .. } => {
                ServiceError::Conflict { field: "email", message: "another account uses this address now".into() }
            }
            e => e.into(),
        })?;
        // Links made for the old address no longer vouch for anything.
        tokens::spend_all(&txn, grant.account, TokenPurpose::VerifyEmail, now).await?;
        tokens::spend_all(&txn, grant.account, TokenPurpose::ResetPassword, now).await?;
        let account = accounts::find(&txn, grant.account).await?.ok_or(ServiceError::NotFound("account"))?;
        meridian_store::commit(txn).await?;
        Ok(account)
    }
}
