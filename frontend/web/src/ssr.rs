//! The server side of the pages' server functions: reading cookies, checking CSRF, calling the use cases and
//! setting cookies on the response. Errors reach the page as the same sentences the API's problem details carry.

use crate::api::{KeyInfo, MemberInfo, SessionInfo, SettingsInfo, UserInfo, WorkspaceInfo};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::web;
use leptos::prelude::*;
use leptos_actix::{Request, ResponseOptions, redirect};
use meridian_domain::{AccountId, Action, ApiKeyId, PageRequest};
use meridian_http::cookies::CookiePolicy;
use meridian_http::csrf::{csrf_matches, csrf_token_of};
use meridian_service::auth::SessionToken;
use meridian_service::workspaces::{CreateWorkspace, UpdateWorkspace, WorkspaceView};
use meridian_service::{Actor, ServiceError, Services};

pub mod accounts;
pub mod billing;
pub mod data;
pub mod equipment;
pub mod invitations;
pub mod nights;
pub mod packages;
pub mod satellites;

/// A flash cookie carrying a just-created API key to the page that shows it once.
const NEW_KEY_COOKIE: &str = "meridian_new_key";

fn fail(e: ServiceError) -> ServerFnError {
    // The API's mapping logs internal errors and gives the user-facing sentence.
    let problem = meridian_http::problem::ApiError::from(e).problem();
    ServerFnError::ServerError(problem.detail)
}

/// An id from a page's address or a form: one that does not parse names nothing (404, as through the API).
pub(crate) fn id_of<T: std::str::FromStr>(s: &str, what: &'static str) -> Result<T, ServiceError> {
    s.trim().parse().map_err(|_| ServiceError::NotFound(what))
}

/// An id a form posts: one that does not parse fails the form as the service's "not found" would.
pub(crate) fn form_id<T: std::str::FromStr>(s: &str, what: &'static str) -> Result<T, ServerFnError> {
    id_of(s, what).map_err(fail)
}

fn services() -> Result<Services, ServerFnError> {
    let req = expect_context::<Request>();
    req.app_data::<web::Data<Services>>()
        .map(|s| s.get_ref().clone())
        .ok_or_else(|| ServerFnError::ServerError("services not configured".into()))
}

fn cookie(name: &str) -> Option<String> {
    let req = expect_context::<Request>();
    req.cookie(name).map(|c| c.value().to_owned())
}

/// The session cookie's value, under the deployment's cookie name.
fn session_cookie() -> Option<String> {
    meridian_http::cookies::session_cookie_value(&expect_context::<Request>())
}

fn set_cookie(build: impl FnOnce(&actix_web::HttpRequest, &CookiePolicy) -> Cookie<'static>) {
    let value = {
        let req = expect_context::<Request>();
        let policy = req.app_data::<web::Data<CookiePolicy>>().map(|p| p.get_ref().clone()).unwrap_or_default();
        build(&req, &policy).to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        expect_context::<ResponseOptions>().append_header(SET_COOKIE, v);
    }
}

/// A secret for the next page to show once: `owner:secret` in a short-lived, http-only, same-site cookie (so a
/// form works without JavaScript too). `owner` names the page it belongs to.
fn set_flash(name: &'static str, owner: &str, secret: &str) {
    let value = format!("{owner}:{secret}");
    set_cookie(|req, p| {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .secure(p.secure_for(req))
            .same_site(SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::seconds(300))
            .finish()
    });
}

/// The flash secret for `owner`'s page, if there is one: taken (the cookie is removed), and the page that shows it
/// is marked `no-store` so no cache keeps it.
fn take_flash(name: &'static str, owner: &str) -> Option<String> {
    let secret =
        cookie(name).and_then(|v| v.split_once(':').filter(|(o, _)| *o == owner).map(|(_, s)| s.to_owned()))?;
    set_cookie(|req, p| {
        let mut c = Cookie::build(name, "").path("/").http_only(true).secure(p.secure_for(req)).finish();
        c.make_removal();
        c
    });
    expect_context::<ResponseOptions>()
        .insert_header(actix_web::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(secret)
}

fn client_info() -> meridian_service::ClientInfo {
    let req = expect_context::<Request>();
    meridian_http::client::client_info(&req)
}

/// The form's token must equal the CSRF cookie (double submit), or nothing happens.
fn check_csrf(token: &str) -> Result<(), ServerFnError> {
    let req = expect_context::<Request>();
    if csrf_matches(&req, Some(token)) {
        Ok(())
    } else {
        Err(ServerFnError::ServerError("the form expired; reload the page and try again".into()))
    }
}

/// Who is asking. Anonymous visitors' page renders and server functions (a public search, say) count against the
/// same per-address allowance as the API's anonymous calls: public pages are free, not unlimited.
async fn actor() -> Result<Actor, ServerFnError> {
    let actor = match session_cookie() {
        Some(token) => services()?.actor_from_session(&SessionToken::new(token)).await.map_err(fail)?,
        None => Actor::Anonymous,
    };
    if matches!(actor, Actor::Anonymous) {
        let req = expect_context::<Request>();
        if let Err(e) = meridian_http::limits::count_anonymous(&req).await {
            let res = expect_context::<ResponseOptions>();
            res.set_status(actix_web::http::StatusCode::TOO_MANY_REQUESTS);
            if let Some(wait) = e.retry_after_secs()
                && let Ok(v) = HeaderValue::from_str(&wait.to_string())
            {
                res.insert_header(actix_web::http::header::RETRY_AFTER, v);
            }
            return Err(ServerFnError::ServerError(e.problem().detail));
        }
    }
    Ok(actor)
}

/// For a form: the CSRF check, then the signed-in person (or a redirect to the sign-in page).
async fn form_caller(csrf: &str) -> Result<(Services, Actor), ServerFnError> {
    check_csrf(csrf)?;
    Ok((services()?, signed_in().await?))
}

/// A page of everything (the settings page shows whole lists, at most 200 rows each).
fn all_rows() -> PageRequest {
    PageRequest { limit: meridian_domain::Limit::parse(Some(200)).unwrap_or_default(), after: None }
}

/// The signed-in person, or a redirect to the sign-in page (which comes back to the page asked for, when a page
/// asked rather than a form).
async fn signed_in() -> Result<Actor, ServerFnError> {
    let actor = actor().await?;
    if actor.account().is_none() {
        let page = {
            let req = expect_context::<Request>();
            let uri = req.uri();
            Some(uri.path()).filter(|p| !p.starts_with("/fn/")).map(|p| match uri.query() {
                Some(q) => format!("{p}?{q}"),
                None => p.to_owned(),
            })
        };
        match page.as_deref().and_then(|p| local_path(Some(p))) {
            Some(p) => redirect(&format!("/sign-in?next={}", crate::api::data::query_encoded(p))),
            None => redirect("/sign-in"),
        }
        return Err(ServerFnError::ServerError("please sign in".into()));
    }
    Ok(actor)
}

fn workspace_info(v: WorkspaceView) -> WorkspaceInfo {
    WorkspaceInfo {
        slug: v.workspace.slug.to_string(),
        name: v.workspace.name.to_string(),
        description: v.workspace.description.as_str().to_owned(),
        kind: v.workspace.kind.as_str().to_owned(),
        visibility: v.workspace.visibility.as_str().to_owned(),
        role: v.role.map(|r| r.as_str().to_owned()),
        vo_base: None,
    }
}

fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub async fn session_info() -> Result<SessionInfo, ServerFnError> {
    let csrf = {
        let req = expect_context::<Request>();
        csrf_token_of(&req).unwrap_or_default()
    };
    let user = actor().await?.account().map(|a| UserInfo {
        account_id: a.id.to_string(),
        display_name: a.display_name.to_string(),
        email: a.email.to_string(),
        email_verified: a.email_verified,
    });
    Ok(SessionInfo { user, csrf })
}

pub async fn public_workspaces() -> Result<Vec<WorkspaceInfo>, ServerFnError> {
    let page = services()?.list_public_workspaces(&PageRequest::default()).await.map_err(fail)?;
    Ok(page.items.into_iter().map(|workspace| workspace_info(WorkspaceView { workspace, role: None })).collect())
}

fn start_session(creds: &meridian_service::Credentials) {
    set_cookie(|req, p| p.session_cookie(req, &creds.session_token));
    set_cookie(|req, p| p.csrf_cookie(req, meridian_service::csrf_token_for(&creds.session_token)));
}

/// `next` when it is a path on this site (`/…`, but not `//host…` or `/\host…`, which browsers read as another
/// site), so that a link cannot send someone signing in elsewhere.
pub(crate) fn local_path(next: Option<&str>) -> Option<&str> {
    let next = next?.trim();
    let local =
        next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control);
    local.then_some(next)
}

pub async fn sign_up(
    csrf: String,
    display_name: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), ServerFnError> {
    check_csrf(&csrf)?;
    // The same answer whether or not the address has an account: nobody is signed in here.
    services()?
        .sign_up(meridian_service::accounts::SignUp { email, password, display_name }, &client_info())
        .await
        .map_err(fail)?;
    match local_path(next.as_deref()) {
        Some(next) => redirect(&format!("/sign-up/sent?next={}", crate::api::data::query_encoded(next))),
        None => redirect("/sign-up/sent"),
    }
    Ok(())
}

pub async fn sign_in(csrf: String, email: String, password: String, next: Option<String>) -> Result<(), ServerFnError> {
    check_csrf(&csrf)?;
    let creds = services()?.sign_in(&email, &password, &client_info()).await.map_err(fail)?;
    start_session(&creds);
    redirect(local_path(next.as_deref()).unwrap_or("/dashboard"));
    Ok(())
}

pub async fn sign_out(csrf: String) -> Result<(), ServerFnError> {
    check_csrf(&csrf)?;
    if let Some(token) = session_cookie() {
        services()?.sign_out(&SessionToken::new(token)).await.map_err(fail)?;
    }
    set_cookie(|req, p| p.expired_session_cookie(req));
    redirect("/");
    Ok(())
}

pub async fn my_workspaces() -> Result<Vec<WorkspaceInfo>, ServerFnError> {
    let actor = signed_in().await?;
    let list = services()?.list_my_workspaces(&actor, &all_rows()).await.map_err(fail)?;
    Ok(list.items.into_iter().map(workspace_info).collect())
}

pub async fn create_workspace(
    csrf: String,
    slug: String,
    name: String,
    description: String,
    visibility: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let created = services
        .create_workspace(
            &actor,
            CreateWorkspace { slug, name, description: Some(description), visibility: Some(visibility) },
        )
        .await
        .map_err(fail)?;
    redirect(&format!("/w/{}/settings", created.workspace.slug));
    Ok(())
}

pub async fn get_workspace(slug: String) -> Result<WorkspaceInfo, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    match services.get_workspace(&actor, &slug).await {
        Ok(v) => {
            let public = v.workspace.visibility == meridian_domain::Visibility::Public;
            let mut info = workspace_info(v);
            info.vo_base = public.then(|| format!("{}/vo/{}", services.public_url(), info.slug));
            Ok(info)
        }
        Err(e) => {
            if let ServiceError::NotFound(_) = e {
                expect_context::<ResponseOptions>().set_status(actix_web::http::StatusCode::NOT_FOUND);
            }
            Err(fail(e))
        }
    }
}

pub async fn get_settings(slug: String) -> Result<SettingsInfo, ServerFnError> {
    let actor = signed_in().await?;
    let services = services()?;
    let access = services.access(&actor, &slug).await.map_err(fail)?;
    access.require(Action::ViewWorkspace).map_err(fail)?;
    let all = all_rows();
    let members = services.list_members(&actor, &slug, &all).await.map_err(fail)?;
    let invitations = if access.can(Action::ManageMembers) {
        Some(invitations::list_for_settings(&services, &actor, &slug).await?)
    } else {
        None
    };
    let keys = if access.can(Action::ManageApiKeys) {
        Some(services.list_api_keys(&actor, &slug, &all).await.map_err(fail)?.items)
    } else {
        None
    };
    // The flash cookie holds `slug:secret`; it is shown (once) only on its own workspace's page.
    let fresh_key = take_flash(NEW_KEY_COOKIE, &slug);
    Ok(SettingsInfo {
        me: actor.account().map(|a| a.id.to_string()).unwrap_or_default(),
        can_edit: access.can(Action::UpdateWorkspace),
        can_manage_members: access.can(Action::ManageMembers),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        members: members
            .items
            .into_iter()
            .map(|m| MemberInfo {
                account_id: m.account_id.to_string(),
                display_name: m.display_name.to_string(),
                email: m.email.to_string(),
                role: m.role.as_str().to_owned(),
                joined: date(m.joined_at),
                orcid: m
                    .orcid
                    .as_deref()
                    .and_then(|o| meridian_domain::Orcid::parse(o).ok())
                    .map(|o| o.url())
                    .unwrap_or_default(),
            })
            .collect(),
        invitations,
        keys: keys.map(|keys| {
            keys.into_iter()
                .map(|k| KeyInfo {
                    id: k.id.to_string(),
                    name: k.name.to_string(),
                    prefix: k.prefix,
                    scope: k.scope.as_str().to_owned(),
                    created: date(k.created_at),
                    last_used: k.last_used_at.map(date),
                    revoked: k.revoked_at.map(date),
                })
                .collect()
        }),
        fresh_key,
    })
}

pub async fn update_workspace(
    csrf: String,
    slug: String,
    name: String,
    description: String,
    visibility: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services
        .update_workspace(
            &actor,
            &slug,
            UpdateWorkspace { name: Some(name), description: Some(description), visibility: Some(visibility) },
        )
        .await
        .map_err(fail)?;
    Ok(())
}

fn account_id(s: &str) -> Result<AccountId, ServerFnError> {
    s.parse().map_err(|_| ServerFnError::ServerError("member not found".into()))
}

pub async fn change_role(csrf: String, slug: String, account: String, role: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.change_member_role(&actor, &slug, account_id(&account)?, &role).await.map_err(fail)?;
    Ok(())
}

pub async fn remove_member(csrf: String, slug: String, account: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let leaving = actor.account().is_some_and(|a| a.id.to_string() == account);
    services.remove_member(&actor, &slug, account_id(&account)?).await.map_err(fail)?;
    if leaving {
        redirect("/dashboard");
    }
    Ok(())
}

pub async fn create_api_key(csrf: String, slug: String, name: String, scope: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let created = services.create_api_key(&actor, &slug, &name, &scope).await.map_err(fail)?;
    // Shown once by the settings page, which clears it.
    set_flash(NEW_KEY_COOKIE, &slug, &created.secret);
    Ok(())
}

pub async fn revoke_api_key(csrf: String, slug: String, key: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let parsed: Result<ApiKeyId, _> = key.parse();
    let Ok(id) = parsed else {
        return Err(ServerFnError::ServerError("API key not found".into()));
    };
    services.revoke_api_key(&actor, &slug, id).await.map_err(fail)?;
    Ok(())
}

pub async fn change_password(csrf: String, current: String, new: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.change_password(&actor, &current, &new).await.map_err(fail)?;
    redirect("/account?changed=1");
    Ok(())
}
