//! Getting back in after a lost password: a single-use link valid for an hour, asked for with an answer that is the
//! same whether or not the address has an account.

use crate::auth::ClientInfo;
use crate::secrets::{random_token, token_hash};
use crate::{ServiceError, ServiceResult, Services};
use meridian_domain::accounts::TokenPurpose;
use meridian_domain::{Email, Password};
use meridian_mail::Template;
use meridian_store::{accounts, accounts::sessions, accounts::tokens};

impl Services {
    /// Mails a reset link when the address has an account. The answer is the same either way (the caller learns
    /// nothing), and rate limited per address and per client alike.
    #[tracing::instrument(skip_all)]
    pub async fn request_password_reset(&self, email: &str, client: &ClientInfo) -> ServiceResult<()> {
        let email = Email::parse(email)?;
        crate::accounts::deliverable(&email, "email")?;
        self.inner.limiter.check_recovery(&email, client.ip).await?;
        let Some((account, _)) = accounts::find_by_email(self.db(), &email).await? else {
            return Ok(());
        };
        let now = crate::now();
        let txn = meridian_store::begin_write(self.db()).await?;
        let token = random_token(32);
        tokens::insert(&txn, account.id, TokenPurpose::ResetPassword, token_hash(&token), email.as_str(), now).await?;
        let link = format!("{}/reset-password?token={token}", self.public_url());
        let template = Template::PasswordReset { display_name: account.display_name.as_str(), link: &link };
        self.queue_mail(&txn, "password_reset", email.as_str(), template).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }

    /// Sets a new password from a reset link: every session of the account ends (whoever had the old password is
    /// out), other reset links stop working, API keys and memberships stay. Following the link proves the address,
    /// so an unconfirmed one becomes confirmed. 404 for an unknown, spent, expired or foreign link.
    #[tracing::instrument(skip_all)]
    pub async fn reset_password(&self, token: &str, new_password: &str, client: &ClientInfo) -> ServiceResult<()> {
        let new = Password::parse(new_password).map_err(|e| e.for_field("new_password"))?;
        self.inner.limiter.check_recovery_client(client.ip).await?;
        let hash = self.inner.hasher.hash(new.expose().to_owned()).await?;
        let gone = ServiceError::NotFound("reset link (it may have expired or been used)");
        let now = crate::now();
        let txn = meridian_store::begin_write(self.db()).await?;
        let Some(grant) = tokens::spend(&txn, &token_hash(token.trim()), TokenPurpose::ResetPassword, now).await?
        else {
            return Err(gone);
        };
        let Some(account) = accounts::find(&txn, grant.account).await? else { return Err(gone) };
        if account.email.as_str() != grant.email || accounts::is_deleted(&txn, account.id).await? {
            return Err(gone);
        }
        accounts::set_password_hash(&txn, account.id, hash, now).await?;
        accounts::set_email_verified(&txn, account.id, now).await?;
        sessions::delete_others(&txn, account.id, None).await?;
        crate::accounts::spend_takeover_links(&txn, account.id, now).await?;
        let template = Template::PasswordChanged { display_name: account.display_name.as_str() };
        self.queue_mail(&txn, "password_changed", account.email.as_str(), template).await?;
        meridian_store::commit(txn).await?;
        Ok(())
    }
}
