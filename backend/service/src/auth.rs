//! Who is asking: browser sessions, API keys, sign-in with its rate limit, and the access check every workspace
//! use case starts with.

use crate::limits::KeyedLimiter;
use crate::secrets::{random_token, same, token_hash};
use crate::{ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use governor::Quota;
use meridian_domain::accounts::Account;
use meridian_domain::workspaces::{ApiKey, Workspace};
use meridian_domain::{Action, ApiKeyScope, Email, Role, SessionId, Slug, Visibility};
use meridian_store::{accounts, accounts::sessions, workspaces, workspaces::api_keys, workspaces::members};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// The caller of a use case.
#[derive(Debug, Clone)]
pub enum Actor {
    /// Nobody signed in: sees only what is public.
    Anonymous,
    /// A person, through a browser session.
    Session { account: Account, session: SessionId },
    /// A program, through an API key of one workspace.
    ApiKey { key: ApiKey },
}

impl Actor {
    /// The person behind a session; API keys and anonymous callers have none.
    pub fn account(&self) -> Option<&Account> {
        match self {
            Actor::Session { account, .. } => Some(account),
            _ => None,
        }
    }

    /// The signed-in person with a confirmed address (`EmailUnverified` otherwise); API keys pass, since only a
    /// confirmed person makes them. What an address grants (invitations, publishing, keys) waits for this.
    pub fn require_verified(&self) -> ServiceResult<()> {
        match self {
            Actor::Session { account, .. } if !account.email_verified => Err(ServiceError::EmailUnverified),
            Actor::Anonymous => Err(ServiceError::Unauthenticated),
            _ => Ok(()),
        }
    }

    /// The signed-in person, or `Unauthenticated` / `Forbidden` (for API keys: they act for a workspace, not
    /// for a person).
    pub fn require_account(&self) -> ServiceResult<&Account> {
        match self {
            Actor::Session { account, .. } => Ok(account),
            Actor::ApiKey { .. } => Err(ServiceError::Forbidden("this needs a signed-in person, not an API key")),
            Actor::Anonymous => Err(ServiceError::Unauthenticated),
        }
    }
}

/// Where a request comes from: its client's address (behind trusted proxies) and browser, for rate limits and the
/// account page's list of sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    #[must_use]
    pub fn from_ip(ip: Option<IpAddr>) -> Self {
        Self { ip, user_agent: None }
    }
}

/// What a successful sign-in hands back: the session token goes into the cookie and nowhere else.
#[derive(Debug)]
pub struct Credentials {
    pub account: Account,
    pub session_token: SessionToken,
    pub expires_at: DateTime<Utc>,
}

/// A session cookie's value. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// Sign-in attempts per e-mail address and per client address; sign-ups per client address.
#[derive(Debug)]
pub(crate) struct LoginLimiter {
    by_email: KeyedLimiter<String>,
    by_ip: KeyedLimiter<IpAddr>,
    signups: KeyedLimiter<IpAddr>,
    /// Mail a person can make us send to one address, per kind of mail (confirmation links and notices,
    /// invitations, address changes): one kind spent by a stranger does not block another.
    mail_by_email: KeyedLimiter<(MailKind, String)>,
    /// Reset links to one address asked from one client: a single client cannot spend an address's whole reset
    /// allowance (the looser per-address bucket below still caps what many clients together can send).
    reset_by_email_and_ip: KeyedLimiter<(String, IpAddr)>,
    /// Reset links to one address from all clients together (four times the room of one client).
    reset_by_email: KeyedLimiter<String>,
    /// Reset requests and reset attempts per client.
    recovery_by_ip: KeyedLimiter<IpAddr>,
}

/// The kinds of mail a request can make us send, each with its own allowance per address (reset links have
/// their own limiters, per address and client and per address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum MailKind {
    /// Confirmation links (sign-up, resend) and the notice to an address that already has an account.
    Confirm,
    /// Invitations.
    Invite,
    /// Address-change links and notices.
    Change,
}

/// A limiter kept in `db` when it is PostgreSQL.
fn shared<K: std::hash::Hash + Eq + Clone + std::fmt::Debug>(
    db: &meridian_store::DatabaseConnection,
    name: &'static str,
    quota: Quota,
) -> KeyedLimiter<K> {
    KeyedLimiter::new(quota).shared_in(name, db)
}

/// `burst` at once, then one more every `replenish_secs`.
fn quota(burst: u32, replenish_secs: u64) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    let per = std::time::Duration::from_secs(replenish_secs.max(1));
    Quota::with_period(per).map_or(Quota::per_minute(burst), |q| q.allow_burst(burst))
}

async fn check_keyed<K: std::hash::Hash + Eq + Clone + std::fmt::Debug>(
    limiter: &KeyedLimiter<K>,
    key: K,
) -> ServiceResult<()> {
    limiter.check(&key).await.map_err(|wait| {
        metrics::counter!("meridian_rate_limited_total", "limiter" => "accounts").increment(1);
        ServiceError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
    })
}

/// The unit a client is counted by: its IPv4 address, or its IPv6 /64 (one subscriber gets a whole /64, so
/// counting single IPv6 addresses would give an attacker endless fresh ones).
pub fn client_block(ip: IpAddr) -> IpAddr {
    // An IPv4 client reaching a server bound to `[::]` shows as `::ffff:a.b.c.d`: counted as its IPv4 address, not
    // as one /64 shared by every IPv4 client.
    match ip.to_canonical() {
        v4 @ IpAddr::V4(_) => v4,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

impl LoginLimiter {
    /// The limits live in `db` when it is PostgreSQL (every replica counts against one allowance), else here.
    pub(crate) fn new(config: &crate::ServiceConfig, db: &meridian_store::DatabaseConnection) -> Self {
        Self {
            by_email: shared(db, "login_email", quota(config.login_burst, config.login_replenish_secs)),
            // A shared address (an observatory's NAT) gets more room than one e-mail address.
            by_ip: shared(db, "login_ip", quota(config.login_burst.saturating_mul(5), config.login_replenish_secs)),
            signups: shared(db, "signup_ip", quota(config.signup_burst, config.signup_replenish_secs)),
            mail_by_email: shared(db, "mail_email", quota(config.mail_burst, config.mail_replenish_secs)),
            reset_by_email_and_ip: shared(db, "reset_email_ip", quota(config.mail_burst, config.mail_replenish_secs)),
            reset_by_email: shared(
                db,
                "reset_email",
                quota(config.mail_burst.saturating_mul(4), (config.mail_replenish_secs / 4).max(1)),
            ),
            recovery_by_ip: shared(db, "recovery_ip", quota(config.signup_burst, config.signup_replenish_secs)),
        }
    }

    /// The address first, so a throttled address cannot fill the e-mail table with new keys.
    async fn check(&self, email: &Email, ip: Option<IpAddr>) -> ServiceResult<()> {
        if let Some(ip) = ip {
            check_keyed(&self.by_ip, client_block(ip)).await?;
        }
        check_keyed(&self.by_email, email.as_str().to_owned()).await
    }

    /// A guess at an account's current password (changing it) costs like a sign-in attempt for its address, so a
    /// stolen session cannot try passwords at speed.
    pub(crate) async fn check_password(&self, email: &Email) -> ServiceResult<()> {
        check_keyed(&self.by_email, email.as_str().to_owned()).await
    }

    /// One more message of this kind to this address (a few an hour: nobody can make us flood a mailbox).
    pub(crate) async fn check_mail(&self, kind: MailKind, email: &Email) -> ServiceResult<()> {
        check_keyed(&self.mail_by_email, (kind, email.as_str().to_owned())).await
    }

    /// A password-reset request: counted per client, per address and client, then per address (with four times
    /// the room, so one client cannot spend it for everybody), whether or not the address has an account (so a 429
    /// tells nothing about it either). Reset links have their own allowance: asking for them never blocks the
    /// person's confirmation links or invitations.
    pub(crate) async fn check_recovery(&self, email: &Email, ip: Option<IpAddr>) -> ServiceResult<()> {
        self.check_recovery_client(ip).await?;
        if let Some(ip) = ip {
            check_keyed(&self.reset_by_email_and_ip, (email.as_str().to_owned(), client_block(ip))).await?;
        }
        check_keyed(&self.reset_by_email, email.as_str().to_owned()).await
    }

    pub(crate) async fn check_recovery_client(&self, ip: Option<IpAddr>) -> ServiceResult<()> {
        match ip {
            Some(ip) => check_keyed(&self.recovery_by_ip, client_block(ip)).await,
            None => Ok(()),
        }
    }

    /// A sign-in at a provider being started: counted with the client's sign-in attempts (each writes a row).
    pub(crate) async fn check_provider_start(&self, ip: IpAddr) -> ServiceResult<()> {
        check_keyed(&self.by_ip, client_block(ip)).await
    }

    pub(crate) async fn check_signup(&self, ip: Option<IpAddr>) -> ServiceResult<()> {
        match ip {
            Some(ip) => check_keyed(&self.signups, client_block(ip)).await,
            None => Ok(()),
        }
    }
}

/// Where an actor stands in a workspace.
#[derive(Debug, Clone)]
pub struct Access {
    pub workspace: Workspace,
    /// The signed-in person's role, if a member.
    pub role: Option<Role>,
    /// The API key's scope, if the caller is a key of this workspace.
    pub scope: Option<ApiKeyScope>,
    anonymous: bool,
}

impl Access {
    /// Whether the caller may do `action` here.
    pub fn can(&self, action: Action) -> bool {
        self.role.is_some_and(|r| r.allows(action)) || self.scope.is_some_and(|s| s.allows(action))
    }

    /// Whether the caller may see the workspace's profile at all (public, or a member, or a key of it that reads).
    pub fn sees_profile(&self) -> bool {
        self.workspace.visibility == Visibility::Public || self.can(Action::ViewWorkspace)
    }

    /// `Ok` when allowed; otherwise the error that reveals no more than the caller may know: 404 when the
    /// workspace is private to them, 401 when anonymous, 403 when they can see it but not do this.
    pub fn require(&self, action: Action) -> ServiceResult<()> {
        if self.can(action) {
            Ok(())
        } else if !self.knows_workspace() {
            Err(ServiceError::NotFound("workspace"))
        } else if self.anonymous {
            Err(ServiceError::Unauthenticated)
        } else {
            Err(ServiceError::Forbidden("your role in this workspace does not allow this"))
        }
    }

    /// Whether the caller may see an object of this workspace: anything when they may view the workspace; public
    /// objects (a published night log; a public workspace's telescopes) also when the workspace is public.
    pub fn sees(&self, object_public: bool) -> bool {
        (object_public && self.workspace.visibility == Visibility::Public) || self.can(Action::ViewWorkspace)
    }

    /// Reading an object: 404 (naming `what`) when the caller may not see it.
    pub fn require_visible(&self, object_public: bool, what: &'static str) -> ServiceResult<()> {
        if self.sees(object_public) { Ok(()) } else { Err(ServiceError::NotFound(what)) }
    }

    /// Acting on an object: 404 when the caller may not even see it (so ids of private objects cannot be probed),
    /// otherwise as [`Access::require`] (403, or 401 for anonymous callers).
    pub fn require_on(&self, object_public: bool, action: Action, what: &'static str) -> ServiceResult<()> {
        self.require_visible(object_public, what)?;
        self.require(action)
    }

    /// Members, its own keys, and everyone for a public workspace, know it exists.
    fn knows_workspace(&self) -> bool {
        self.workspace.visibility == Visibility::Public || self.role.is_some() || self.scope.is_some()
    }
}

impl Services {
    /// Signs in with e-mail and password, starting a session. Wrong e-mail and wrong password are the same answer,
    /// given in the same time.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(&self, email: &str, password: &str, client: &ClientInfo) -> ServiceResult<Credentials> {
        let email = Email::parse(email)?;
        self.inner.limiter.check(&email, client.ip).await?;
        let found = accounts::find_by_email(self.db(), &email).await?;
        let hash = found.as_ref().and_then(|(_, h)| h.clone());
        let ok = self.inner.hasher.verify(password.to_owned(), hash).await?;
        match found {
            Some((account, _)) if ok => self.start_session(account, client).await,
            _ => Err(ServiceError::InvalidCredentials("e-mail or password is wrong")),
        }
    }

    pub(crate) async fn start_session(&self, account: Account, client: &ClientInfo) -> ServiceResult<Credentials> {
        let token = random_token(32);
        let now = crate::now();
        let expires_at = now + self.config().session_ttl;
        sessions::delete_expired(self.db(), now).await?;
        let device = sessions::Device {
            // Enough to tell "Firefox on Linux" from "curl"; a header of any length is not stored whole.
            user_agent: client
                .user_agent
                .as_deref()
                .map(|ua| ua.chars().filter(|c| !c.is_control()).take(200).collect()),
            ip: client.ip.map(|ip| ip.to_canonical().to_string()),
        };
        sessions::insert(self.db(), account.id, token_hash(&token), now, expires_at, &device).await?;
        Ok(Credentials { account, session_token: SessionToken(token), expires_at })
    }

    /// Ends the session behind this cookie value (nothing happens for an unknown one).
    pub async fn sign_out(&self, token: &SessionToken) -> ServiceResult<()> {
        sessions::delete_by_token_hash(self.db(), &token_hash(token.expose())).await?;
        Ok(())
    }

    /// The actor behind a session cookie; `Anonymous` for an unknown or expired one.
    pub async fn actor_from_session(&self, token: &SessionToken) -> ServiceResult<Actor> {
        let now = crate::now();
        let Some((session, last_seen, account)) =
            sessions::find_live(self.db(), &token_hash(token.expose()), now, now - self.config().session_max_age)
                .await?
        else {
            return Ok(Actor::Anonymous);
        };
        // Sliding expiry, written at most once an hour per session rather than on every request.
        if now - last_seen > chrono::Duration::hours(1) {
            sessions::touch(self.db(), session, now, now + self.config().session_ttl).await?;
        }
        Ok(Actor::Session { account, session })
    }

    /// The actor behind an `Authorization: Bearer` API key; an unknown or revoked key is refused (401), never
    /// treated as anonymous.
    pub async fn actor_from_api_key(&self, presented: &str) -> ServiceResult<Actor> {
        let bad = ServiceError::InvalidCredentials("the API key is unknown or revoked");
        let Some(prefix) = crate::workspaces::api_keys::prefix_of(presented) else {
            return Err(bad);
        };
        let Some((key, hash)) = api_keys::find_active_by_prefix(self.db(), prefix).await? else {
            return Err(bad);
        };
        if !same(&hash, &token_hash(presented)) {
            return Err(bad);
        }
        let now = crate::now();
        // Last use to the minute is what people need; it spares a write on every request.
        if key.last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
            api_keys::touch(self.db(), key.id, now).await?;
        }
        Ok(Actor::ApiKey { key })
    }

    /// Where `actor` stands in the workspace `slug`; 404 when it does not exist or is private to them.
    pub async fn access(&self, actor: &Actor, slug: &str) -> ServiceResult<Access> {
        let not_found = ServiceError::NotFound("workspace");
        let Ok(slug) = Slug::parse(slug) else {
            return Err(not_found);
        };
        let Some(workspace) = workspaces::find_by_slug(self.db(), &slug).await? else {
            return Err(not_found);
        };
        let (role, scope) = match actor {
            Actor::Anonymous => (None, None),
            Actor::Session { account, .. } => (members::role_of(self.db(), workspace.id, account.id).await?, None),
            Actor::ApiKey { key } => (None, (key.workspace_id == workspace.id).then_some(key.scope)),
        };
        let access = Access { workspace, role, scope, anonymous: matches!(actor, Actor::Anonymous) };
        if access.knows_workspace() { Ok(access) } else { Err(not_found) }
    }
}

#[cfg(test)]
mod tests {
    use super::client_block;

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_64() {
        let v4 = "203.0.113.5".parse().unwrap();
        assert_eq!(client_block(v4), v4);
        let a = client_block("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = client_block("2001:db8:1:2:bbbb:cccc::9".parse().unwrap());
        let c = client_block("2001:db8:1:3::1".parse().unwrap());
        let mapped = client_block("::ffff:203.0.113.5".parse().unwrap());
        assert_eq!(mapped, v4, "an IPv4-mapped address is its IPv4 address");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
