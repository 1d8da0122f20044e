//! The server's operators: accounts (never addresses) granted the rights to replace the instance-wide satellite
//! catalog and see every workspace's billing, by whoever runs the server (`meridian operators grant EMAIL`).

use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::Email;
use meridian_domain::accounts::Account;
use meridian_store::accounts;

impl Services {
    /// `Ok` with the operator's account when the caller is a signed-in operator whose address is confirmed.
    pub fn require_operator<'a>(&self, actor: &'a Actor) -> ServiceResult<&'a Account> {
        let account = actor.require_account()?;
        if account.operator && account.email_verified {
            Ok(account)
        } else {
            Err(ServiceError::Forbidden("only the server's operators may do this"))
        }
    }

    /// Grants or withdraws the operator's rights (a command on the server's host, not an API). The account must
    /// exist and, to be granted, have a confirmed address: an address someone merely registered grants nothing.
    pub async fn set_operator(&self, email: &str, operator: bool) -> ServiceResult<Account> {
        let email = Email::parse(email)?;
        let Some((account, _)) = accounts::find_by_email(self.db(), &email).await? else {
            return Err(ServiceError::NotFound("account"));
        };
        if operator && !account.email_verified {
            return Err(ServiceError::Forbidden(
                "this account has not confirmed its address yet; it can be made an operator once it has",
            ));
        }
        accounts::set_operator(self.db(), account.id, operator, crate::now()).await?;
        Ok(Account { operator, ..account })
    }

    /// The server's operators.
    pub async fn operators(&self) -> ServiceResult<Vec<Account>> {
        Ok(accounts::operators(self.db()).await?)
    }
}

impl Services {
    /// Confirms an account's address without a link: for the demo seed and for whoever runs the server on its
    /// host. Never reachable over HTTP.
    pub async fn confirm_address_on_host(&self, email: &str) -> ServiceResult<Account> {
        let email = Email::parse(email)?;
        let Some((account, _)) = accounts::find_by_email(self.db(), &email).await? else {
            return Err(ServiceError::NotFound("account"));
        };
        accounts::set_email_verified(self.db(), account.id, crate::now()).await?;
        Ok(Account { email_verified: true, ..account })
    }

    /// Adds an account to a workspace directly: for the demo seed on the server's host. Never reachable over
    /// HTTP, where people join only by accepting an invitation.
    pub async fn add_member_on_host(&self, slug: &str, email: &str, role: meridian_domain::Role) -> ServiceResult<()> {
        let email = Email::parse(email)?;
        let slug = meridian_domain::Slug::parse(slug)?;
        let workspace = meridian_store::workspaces::find_by_slug(self.db(), &slug)
            .await?
            .ok_or(ServiceError::NotFound("workspace"))?;
        let (account, _) =
            accounts::find_by_email(self.db(), &email).await?.ok_or(ServiceError::NotFound("account"))?;
        match meridian_store::workspaces::members::insert(self.db(), workspace.id, account.id, role, crate::now()).await
        {
            Ok(_) | Err(meridian_store::StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
