//! Signing in with OAuth2 / OpenID Connect providers (an institute's Keycloak, ORCID, Google, GitHub), and an
//! account's linked sign-ins ("identities").
//!
//! A sign-in leaves for the provider with a random `state` (stored only as SHA-256, with the `nonce` and the PKCE
//! verifier, in `sign_in_flows`, so any replica can finish it) and comes back to the callback, which takes that
//! row (single use), exchanges the code with the verifier and, for OpenID Connect, verifies the ID token
//! (signature by the provider's published keys, issuer, audience, expiry, nonce). Then: a known identity signs its
//! account in; a link flow adds the identity to the account that started it; otherwise a new account is made —
//! unless an account already has the address, which is never signed in or linked by address alone.

mod github;
mod oidc;

use crate::auth::{ClientInfo, Credentials};
use crate::secrets::{random_token, token_hash};
use crate::{Actor, ServiceError, ServiceResult, Services, SignInFailure};
use meridian_domain::accounts::{Account, local_return_path};
use meridian_domain::identities::{Identity, SIGN_IN_FLOW_LIFETIME_MINUTES, SignInFlow};
use meridian_domain::{DisplayName, Email, IdentityId, Orcid};
use meridian_store::identities::NewIdentity;
use meridian_store::{accounts, identities, identities::sign_in_flows};
use openidconnect::PkceCodeChallenge;
use std::collections::HashMap;

/// Where a signed-in browser goes when the sign-in named no page.
const DEFAULT_RETURN: &str = "/dashboard";

/// One configured sign-in provider.
#[derive(Clone)]
pub struct ProviderConfig {
    /// The name in URLs (`/auth/{name}/start`) and in stored identities: `orcid`, `institute`, `github`.
    pub name: String,
    /// The sign-in button's text.
    pub display_name: String,
    pub kind: ProviderKind,
    pub client_id: String,
    /// Never logged (`Debug` leaves it out).
    pub client_secret: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The provider's subject is an ORCID iD, to be kept as the account's ORCID (the provider named `orcid` is one
    /// whatever this says).
    pub orcid: bool,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("orcid", &self.orcid)
            .finish_non_exhaustive()
    }
}

impl ProviderConfig {
    fn is_orcid(&self) -> bool {
        self.orcid || self.name == "orcid"
    }
}

/// What protocol a provider speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenID Connect, its endpoints and keys found by discovery from the issuer.
    Oidc { issuer: String },
    /// GitHub's plain OAuth2 and its REST API for the person and their verified addresses.
    Github { auth_url: String, token_url: String, api_url: String },
}

impl ProviderKind {
    /// GitHub's own endpoints.
    #[must_use]
    pub fn github() -> Self {
        Self::Github {
            auth_url: "https://github.com/login/oauth/authorize".into(),
            token_url: "https://github.com/login/oauth/access_token".into(),
            api_url: "https://api.github.com".into(),
        }
    }

    /// The scopes asked for when the configuration names none.
    #[must_use]
    pub fn default_scopes(&self) -> Vec<String> {
        let scopes: &[&str] = match self {
            Self::Oidc { .. } => &["openid", "email", "profile"],
            Self::Github { .. } => &["read:user", "user:email"],
        };
        scopes.iter().map(|s| (*s).to_owned()).collect()
    }

    fn as_str(&self) -> &'static str {
        match self {
            Self::Oidc { .. } => "oidc",
            Self::Github { .. } => "github",
        }
    }
}

/// A provider as the sign-in page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    pub name: String,
    pub display_name: String,
    /// `oidc` or `github`.
    pub kind: &'static str,
}

/// What the provider told about the person, once verified.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    /// The provider's stable id of the person.
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouches for the address (`email_verified`, or GitHub's verified flag).
    pub email_verified: bool,
    pub name: Option<String>,
    pub username: Option<String>,
}

/// What the browser brought back to the callback.
#[derive(Clone, Default)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The provider's error code (`access_denied` when the person said no).
    pub error: Option<String>,
    /// Who is signed in in the browser that came back: a link finishes only for the account that started it.
    pub signed_in_as: Option<meridian_domain::AccountId>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback").field("error", &self.error).finish_non_exhaustive()
    }
}

/// How a callback ended.
#[derive(Debug)]
pub enum Finished {
    /// A session was started for the account: set its cookies and go to `return_to`.
    SignedIn { credentials: Credentials, return_to: String },
    /// The identity is linked to the signed-in account that asked for it.
    Linked { return_to: String },
    /// The provider answered with an error (the person refused, or the provider failed): its code, made safe to
    /// put in a URL; and whether the flow was a link (whose page is the account page).
    Refused { error: String, linking: bool },
}

/// A callback that failed: why, and whether the flow was a link (whose page is the account page, not the sign-in
/// page). Before the flow is known, `linking` says whether someone was signed in.
#[derive(Debug)]
pub struct CallbackFailure {
    pub error: ServiceError,
    pub linking: bool,
}

/// Where a sign-in leaves for: the provider's authorization URL, and the `state` the browser should be bound to.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Started(<redacted>)")
    }
}

/// The providers' shared state: an HTTP client that never follows redirects (a token endpoint answering with a
/// redirect is an error, not a place to send our code), and discovery documents kept for a while.
#[derive(Debug)]
pub(crate) struct ProviderState {
    http: reqwest::Client,
    discovered: tokio::sync::RwLock<HashMap<String, oidc::Discovered>>,
}

impl ProviderState {
    pub(crate) fn new() -> ServiceResult<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(20))
            .user_agent(concat!("Meridian/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ServiceError::internal_while("building the sign-in providers' HTTP client", e))?;
        Ok(Self { http, discovered: tokio::sync::RwLock::new(HashMap::new()) })
    }
}

/// The provider is not answering (or answers nonsense where discovery or its API should be).
fn provider_unavailable(cause: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unavailable { what: "sign-in provider", cause: cause.to_string() }
}

/// Why a code was not exchanged for tokens. The provider's own error code is shown; a body that did not parse is
/// not (it may hold tokens).
fn token_error<RE, T>(e: oauth2::RequestTokenError<RE, oauth2::StandardErrorResponse<T>>) -> ServiceError
where
    RE: std::error::Error + 'static,
    T: oauth2::ErrorResponseType + std::fmt::Display,
{
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => {
            failed(format!("the provider refused the sign-in code ({}); start the sign-in again", r.error()))
        }
        oauth2::RequestTokenError::Request(e) => provider_unavailable(e),
        oauth2::RequestTokenError::Parse(..) | oauth2::RequestTokenError::Other(_) => {
            failed("the provider's answer to the sign-in code was not understood; start the sign-in again")
        }
    }
}

fn failed(message: impl Into<String>) -> ServiceError {
    ServiceError::ProviderSignIn { reason: SignInFailure::Failed, message: message.into() }
}

/// The provider vouches for no address a new account could take.
fn no_confirmed_address(message: String) -> ServiceError {
    ServiceError::ProviderSignIn { reason: SignInFailure::NoConfirmedAddress, message }
}

/// A provider's error code as it may appear in our URL: letters, digits and `_`, at most 40.
fn safe_error_code(code: &str) -> String {
    let s: String = code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect();
    if s.is_empty() { "provider_error".to_owned() } else { s }
}

impl Services {
    /// The configured providers, for the sign-in page's buttons.
    #[must_use]
    pub fn sign_in_providers(&self) -> Vec<ProviderInfo> {
        self.config()
            .providers
            .iter()
            .map(|p| ProviderInfo { name: p.name.clone(), display_name: p.display_name.clone(), kind: p.kind.as_str() })
            .collect()
    }

    fn provider(&self, name: &str) -> ServiceResult<&ProviderConfig> {
        self.config().providers.iter().find(|p| p.name == name).ok_or(ServiceError::NotFound("sign-in provider"))
    }

    /// The address the provider sends the browser back to; it must be registered at the provider as is.
    #[must_use]
    pub fn provider_redirect_uri(&self, provider: &str) -> String {
        format!("{}/auth/{provider}/callback", self.public_url())
    }

    /// Starts a sign-in at `provider` (or, with `link`, adding the provider to the signed-in account): records the
    /// flow and answers where to send the browser. `next` is kept only when it is a path on this site.
    #[tracing::instrument(skip(self, actor, client), fields(provider = %provider))]
    pub async fn start_provider_sign_in(
        &self,
        actor: &Actor,
        provider: &str,
        next: Option<&str>,
        link: bool,
        client: &ClientInfo,
    ) -> ServiceResult<Started> {
        let config = self.provider(provider)?;
        let link_account = if link { Some(actor.require_account()?.id) } else { None };
        if let Some(ip) = client.ip {
            self.inner.limiter.check_provider_start(ip).await?;
        }
        let state = random_token(32);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = random_token(32);
        let url = match &config.kind {
            ProviderKind::Oidc { .. } => {
                let discovered = self.discover(config).await?;
                oidc::authorize_url(self, config, &discovered, &state, &nonce, challenge)?
            }
            ProviderKind::Github { .. } => github::authorize_url(self, config, &state, challenge)?,
        };
        let now = crate::now();
        let flow = SignInFlow {
            provider: config.name.clone(),
            nonce,
            pkce_verifier: verifier.secret().clone(),
            link_account,
            return_to: next.and_then(local_return_path).map(str::to_owned),
            expires_at: now + chrono::Duration::minutes(SIGN_IN_FLOW_LIFETIME_MINUTES),
        };
        let txn = meridian_store::begin_write(self.db()).await?;
        sign_in_flows::delete_expired(&txn, now).await?;
        sign_in_flows::insert(&txn, &token_hash(&state), &flow, now).await?;
        meridian_store::commit(txn).await?;
        Ok(Started { authorize_url: url, state })
    }

    /// Finishes a sign-in when the browser comes back from `provider`. The flow is spent first, whatever happens
    /// next, so a state (and the code with it) works once.
    #[tracing::instrument(skip(self, callback, client), fields(provider = %provider))]
    pub async fn finish_provider_sign_in(
        &self,
        provider: &str,
        callback: Callback,
        client: &ClientInfo,
    ) -> Result<Finished, CallbackFailure> {
        let mut linking = callback.signed_in_as.is_some();
        self.finish(provider, callback, client, &mut linking).await.map_err(|error| CallbackFailure { error, linking })
    }

    /// [`Self::finish_provider_sign_in`]; sets `linking` from the flow once it is known.
    async fn finish(
        &self,
        provider: &str,
        callback: Callback,
        client: &ClientInfo,
        linking: &mut bool,
    ) -> ServiceResult<Finished> {
        let config = self.provider(provider)?;
        let Some(state) = callback.state.as_deref().filter(|s| !s.is_empty()) else {
            return Err(failed("the provider's answer carries no state; start the sign-in again"));
        };
        let txn = meridian_store::begin_write(self.db()).await?;
        let flow = sign_in_flows::take(&txn, &token_hash(state), &config.name, crate::now()).await?;
        meridian_store::commit(txn).await?;
        let Some(flow) = flow else {
            return Err(failed("this sign-in is unknown, already used or expired; start it again"));
        };
        *linking = flow.link_account.is_some();
        if let Some(error) = &callback.error {
            tracing::info!(error = %safe_error_code(error), "the provider refused the sign-in");
            return Ok(Finished::Refused { error: safe_error_code(error), linking: *linking });
        }
        let Some(code) = callback.code.as_deref().filter(|c| !c.is_empty()) else {
            return Err(failed("the provider's answer carries no code; start the sign-in again"));
        };
        let profile = match &config.kind {
            ProviderKind::Oidc { .. } => {
                let discovered = self.discover(config).await?;
                oidc::verified_profile(self, config, &discovered, code, &flow).await?
            }
            ProviderKind::Github { api_url, .. } => github::profile(self, config, api_url, code, &flow).await?,
        };
        if flow.link_account.is_some() && flow.link_account != callback.signed_in_as {
            return Err(failed(
                "this link was started by another signed-in account; start it again from your account page",
            ));
        }
        self.settle(config, flow, profile, client).await
    }

    /// Signs in, links or creates the account, given what the provider vouched for.
    async fn settle(
        &self,
        config: &ProviderConfig,
        flow: SignInFlow,
        profile: Profile,
        client: &ClientInfo,
    ) -> ServiceResult<Finished> {
        let now = crate::now();
        let return_to = flow.return_to.clone().unwrap_or_else(|| DEFAULT_RETURN.to_owned());
        let orcid = config.is_orcid().then(|| Orcid::parse(&profile.subject).ok()).flatten();
        let txn = meridian_store::begin_write(self.db()).await?;
        if let Some(identity) = identities::find_by_subject(&txn, &config.name, &profile.subject).await? {
            if flow.link_account.is_some_and(|a| a != identity.account_id) {
                return Err(ServiceError::Conflict {
                    field: "identity",
                    message: format!(
                        "this {} sign-in is linked to another account; sign in with it and unlink it there first",
                        config.display_name
                    ),
                });
            }
            let account = self.live_account(&txn, identity.account_id).await?;
            identities::touch(&txn, identity.id, now).await?;
            keep_orcid(&txn, &account, orcid.as_ref(), now).await?;
            meridian_store::commit(txn).await?;
            return if flow.link_account.is_some() {
                Ok(Finished::Linked { return_to })
            } else {
                let credentials = self.start_session(account, client).await?;
                Ok(Finished::SignedIn { credentials, return_to })
            };
        }
        let new_identity = |account| NewIdentity {
            account,
            provider: &config.name,
            subject: &profile.subject,
            email: profile.email.as_deref(),
            email_verified: profile.email_verified,
        };
        if let Some(link) = flow.link_account {
            let account = self.live_account(&txn, link).await?;
            identities::insert(&txn, new_identity(account.id), now).await?;
            keep_orcid(&txn, &account, orcid.as_ref(), now).await?;
            meridian_store::commit(txn).await?;
            tracing::info!(account = %account.id, "provider linked");
            return Ok(Finished::Linked { return_to });
        }
        // A newcomer's account takes the provider's address only when the provider vouches for it: an address
        // anyone can type at a provider must not create (and hold on to) an account a real owner later recovers.
        if !profile.email_verified {
            return Err(no_confirmed_address(format!(
                "{} has not confirmed your e-mail address; sign up with your address and a password, then link {} \
                 from your account page",
                config.display_name, config.display_name
            )));
        }
        let Some(address) = profile.email.as_deref() else {
            return Err(no_confirmed_address(format!(
                "{} did not tell us a confirmed e-mail address; sign up with your address and a password, then link \
                 {} from your account page",
                config.display_name, config.display_name
            )));
        };
        let email = Email::parse(address)
            .ok()
            .filter(|e| crate::accounts::deliverable(e, "email").is_ok())
            .ok_or_else(|| failed(format!("{} gave an e-mail address we cannot use", config.display_name)))?;
        let exists = || ServiceError::Conflict {
            field: "email",
            message: format!(
                "an account with this address exists: sign in with your password, then link {} from your account page",
                config.display_name
            ),
        };
        if accounts::find_by_email(&txn, &email).await?.is_some() {
            return Err(exists());
        }
        let display_name = display_name_for(&profile, &email)?;
        let Some(mut account) =
            crate::accounts::create_account(&txn, &email, &display_name, None, &self.starting_plan_key(true), now)
                .await?
        else {
            return Err(exists());
        };
        accounts::set_email_verified(&txn, account.id, now).await?;
        account.email_verified = true;
        identities::insert(&txn, new_identity(account.id), now).await?;
        keep_orcid(&txn, &account, orcid.as_ref(), now).await?;
        if let Some(o) = &orcid {
            account.orcid = Some(o.as_str().to_owned());
        }
        meridian_store::commit(txn).await?;
        tracing::info!(account = %account.id, "account created by a provider sign-in");
        let credentials = self.start_session(account, client).await.map_err(ServiceError::after_commit)?;
        Ok(Finished::SignedIn { credentials, return_to })
    }

    /// The account, unless it is gone (deleted since the flow started, or never there).
    async fn live_account(
        &self,
        conn: &impl meridian_store::ConnectionTrait,
        id: meridian_domain::AccountId,
    ) -> ServiceResult<Account> {
        if accounts::is_deleted(conn, id).await? {
            return Err(failed("the account this sign-in was for no longer exists"));
        }
        accounts::find(conn, id).await?.ok_or_else(|| failed("the account this sign-in was for no longer exists"))
    }

    /// The signed-in person's linked providers, oldest first.
    pub async fn list_identities(&self, actor: &Actor) -> ServiceResult<Vec<Identity>> {
        let account = actor.require_account()?;
        Ok(identities::list_for(self.db(), account.id).await?)
    }

    /// Unlinks one of the signed-in person's providers; refused while it is the account's only way to sign in (no
    /// password and no other provider). Unlinking the ORCID sign-in that gave the account its ORCID iD forgets the
    /// iD too (it is shown to the workspaces' members and offered as a package author only as long as it is
    /// vouched for).
    #[tracing::instrument(skip(self, actor))]
    pub async fn unlink_identity(&self, actor: &Actor, id: IdentityId) -> ServiceResult<()> {
        let account = actor.require_account()?;
        let txn = meridian_store::begin_write(self.db()).await?;
        let linked = identities::list_for(&txn, account.id).await?;
        let Some(identity) = linked.iter().find(|i| i.id == id) else {
            return Err(ServiceError::NotFound("identity"));
        };
        if linked.len() == 1 && accounts::password_hash(&txn, account.id).await?.is_none() {
            return Err(ServiceError::Conflict {
                field: "identity",
                message: "this is the account's only way to sign in: set a password first (\"Forgot password\" mails \
                          a link) or link another provider"
                    .into(),
            });
        }
        identities::delete_one(&txn, account.id, id).await?;
        let gave_orcid = Orcid::parse(&identity.subject).ok();
        if let Some(o) = gave_orcid
            && accounts::find(&txn, account.id).await?.and_then(|a| a.orcid).as_deref() == Some(o.as_str())
        {
            accounts::set_orcid(&txn, account.id, None, crate::now()).await?;
        }
        meridian_store::commit(txn).await?;
        Ok(())
    }
}

/// Keeps an ORCID iD the provider vouched for as the account's, unless it already has that one.
async fn keep_orcid(
    conn: &impl meridian_store::ConnectionTrait,
    account: &Account,
    orcid: Option<&Orcid>,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResult<()> {
    if let Some(o) = orcid
        && account.orcid.as_deref() != Some(o.as_str())
    {
        accounts::set_orcid(conn, account.id, Some(o.as_str()), now).await?;
    }
    Ok(())
}

/// The name the provider gave, else the user name, else the address's local part (cut to a name's length).
fn display_name_for(profile: &Profile, email: &Email) -> ServiceResult<DisplayName> {
    let local: String = email.local_part().chars().take(100).collect();
    [profile.name.as_deref(), profile.username.as_deref(), Some(local.as_str()), Some("Meridian user")]
        .into_iter()
        .flatten()
        .find_map(|n| DisplayName::parse(n).ok())
        .ok_or_else(|| ServiceError::internal("no display name could be made"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_error_codes_are_made_safe_for_urls() {
        assert_eq!(safe_error_code("access_denied"), "access_denied");
        assert_eq!(safe_error_code("<script>&x=1"), "scriptx1");
        assert_eq!(safe_error_code(""), "provider_error");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let p = ProviderConfig {
            name: "institute".into(),
            display_name: "Institute".into(),
            kind: ProviderKind::Oidc { issuer: "https://id.example.org".into() },
            client_id: "meridian".into(),
            client_secret: "s3cret-value".into(),
            scopes: vec![],
            orcid: false,
        };
        assert!(!format!("{p:?}").contains("s3cret"));
        let c = Callback {
            code: Some("the-code".into()),
            state: Some("the-state".into()),
            error: None,
            signed_in_as: None,
        };
        assert!(!format!("{c:?}").contains("the-"));
    }
}
