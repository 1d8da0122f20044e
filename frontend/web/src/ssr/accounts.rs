//! The server side of the account life cycle: mailed links followed by a button press, the account page's
//! address, sessions and deletion. Mail that is asked for too often is refused with a sentence saying when to
//! ask again.

use super::{check_csrf, client_info, date, fail, form_caller, local_path, services, set_cookie, signed_in};
use crate::api::accounts::{AccountOverview, IdentityItem, ProviderItem, SessionItem};
use leptos::prelude::*;
use leptos_actix::redirect;
use meridian_domain::SessionId;
use meridian_service::ServiceError;

/// "in 40 seconds", "in about 12 minutes".
fn wait_text(secs: u64) -> String {
    match secs {
        0..=1 => "in a second".to_owned(),
        2..=59 => format!("in {secs} seconds"),
        60..=119 => "in about a minute".to_owned(),
        _ => format!("in about {} minutes", secs.div_ceil(60)),
    }
}

/// A use case's error for a form that sends mail: a rate limit says when to try again.
fn fail_mail(e: ServiceError) -> ServerFnError {
    match e {
        ServiceError::RateLimited { retry_after_secs } => ServerFnError::ServerError(format!(
            "We sent mail for this a short while ago. Please check your inbox (and spam folder), or ask again {}.",
            wait_text(retry_after_secs)
        )),
        e => fail(e),
    }
}

/// A use case's error for a form that checks the password: a rate limit says when to try again.
fn fail_wait(e: ServiceError) -> ServerFnError {
    match e {
        ServiceError::RateLimited { retry_after_secs } => ServerFnError::ServerError(format!(
            "Too many attempts just now; please try again {}.",
            wait_text(retry_after_secs)
        )),
        e => fail(e),
    }
}

/// A mailed link that no longer works, in words for its page.
fn link_gone(e: ServiceError, ask_again: &str) -> ServerFnError {
    match e {
        ServiceError::NotFound(_) => {
            ServerFnError::ServerError(format!("This link has expired or was already used. {ask_again}"))
        }
        e => fail(e),
    }
}

/// `path` with `key=value` added to its query.
fn with_param(path: &str, key: &str, value: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{key}={value}")
}

/// A browser's `User-Agent` in a few words ("Firefox on Linux"), or itself when it names nothing known.
fn device(user_agent: &str) -> String {
    // Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", Android says "Linux".
    const BROWSERS: [(&str, &str); 6] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: [(&str, &str); 6] = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS.iter().find(|(mark, _)| user_agent.contains(mark)).map(|(_, name)| *name);
    let system = SYSTEMS.iter().find(|(mark, _)| user_agent.contains(mark)).map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("a browser on {s}"),
        (None, None) if user_agent.trim().is_empty() => "an unknown device".to_owned(),
        (None, None) => user_agent.to_owned(),
    }
}

pub async fn get_account() -> Result<AccountOverview, ServerFnError> {
    let actor = signed_in().await?;
    let services = services()?;
    let account = services.me(&actor).map_err(fail)?.clone();
    let sessions = services.list_sessions(&actor).await.map_err(fail)?;
    let linked = services.list_identities(&actor).await.map_err(fail)?;
    let providers = services.sign_in_providers();
    let name_of =
        |p: &str| providers.iter().find(|q| q.name == p).map_or_else(|| p.to_owned(), |q| q.display_name.clone());
    let identities = linked
        .iter()
        .map(|i| IdentityItem {
            id: i.id.to_string(),
            provider: i.provider.clone(),
            provider_name: name_of(&i.provider),
            email: i.email.clone().unwrap_or_default(),
            linked: date(i.created_at),
            last_used: date(i.last_used_at),
        })
        .collect();
    let linkable = providers
        .iter()
        .filter(|p| !linked.iter().any(|i| i.provider == p.name))
        .map(|p| ProviderItem { name: p.name.clone(), display_name: p.display_name.clone() })
        .collect();
    Ok(AccountOverview {
        display_name: account.display_name.to_string(),
        email: account.email.to_string(),
        email_verified: account.email_verified,
        orcid: account
            .orcid
            .as_deref()
            .and_then(|o| meridian_domain::Orcid::parse(o).ok())
            .map(|o| o.url())
            .unwrap_or_default(),
        identities,
        linkable,
        sessions: sessions
            .into_iter()
            .map(|v| {
                let user_agent = v.session.user_agent.unwrap_or_default();
                SessionItem {
                    id: v.session.id.to_string(),
                    device: device(&user_agent),
                    user_agent,
                    ip: v.session.ip.unwrap_or_default(),
                    signed_in: date(v.session.created_at),
                    last_seen: date(v.session.last_seen_at),
                    current: v.current,
                }
            })
            .collect(),
    })
}

pub async fn resend_verification(csrf: String, next: Option<String>) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.resend_verification(&actor).await.map_err(fail_mail)?;
    let back = local_path(next.as_deref()).unwrap_or("/account");
    redirect(&with_param(back, "verification", "sent"));
    Ok(())
}

pub async fn verify_email(csrf: String, token: String) -> Result<(), ServerFnError> {
    check_csrf(&csrf)?;
    services()?
        .verify_email(&token)
        .await
        .map_err(|e| link_gone(e, "Sign in and use \u{201c}Send the link again\u{201d} for a new one."))?;
    redirect("/verify-email?confirmed=1");
    Ok(())
}

pub async fn request_email_change(csrf: String, new_email: String, current: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.request_email_change(&actor, &new_email, &current).await.map_err(fail_wait)?;
    redirect("/account?email=sent");
    Ok(())
}

pub async fn confirm_email_change(csrf: String, token: String) -> Result<(), ServerFnError> {
    check_csrf(&csrf)?;
    services()?
        .confirm_email_change(&token)
        .await
        .map_err(|e| link_gone(e, "Ask for the change again from your account page."))?;
    redirect("/confirm-email?confirmed=1");
    Ok(())
}

pub async fn request_password_reset(csrf: String, email: String) -> Result<(), ServerFnError> {
    check_csrf(&csrf)?;
    // The same answer whether or not the address has an account.
    services()?.request_password_reset(&email, &client_info()).await.map_err(fail_mail)?;
    redirect("/forgot-password?sent=1");
    Ok(())
}

pub async fn reset_password(csrf: String, token: String, new: String, again: String) -> Result<(), ServerFnError> {
    check_csrf(&csrf)?;
    if new != again {
        return Err(ServerFnError::ServerError("The two passwords differ; type the same one twice.".into()));
    }
    services()?
        .reset_password(&token, &new, &client_info())
        .await
        .map_err(|e| link_gone(e, "Ask for a new one on the \u{201c}Forgot your password?\u{201d} page."))?;
    // Every session of the account ended, this browser's too.
    set_cookie(|req, p| p.expired_session_cookie(req));
    redirect("/sign-in?reset=1");
    Ok(())
}

pub async fn end_session(csrf: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let id: SessionId = super::form_id(&id, "session")?;
    let own = matches!(&actor, meridian_service::Actor::Session { session, .. } if *session == id);
    services.end_session(&actor, id).await.map_err(fail)?;
    if own {
        set_cookie(|req, p| p.expired_session_cookie(req));
        redirect("/");
    }
    Ok(())
}

pub async fn end_other_sessions(csrf: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.end_other_sessions(&actor).await.map_err(fail)?;
    Ok(())
}

pub async fn delete_account(csrf: String, current: String, confirm: Option<String>) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    if confirm.is_none_or(|c| c.trim().is_empty()) {
        return Err(ServerFnError::ServerError(
            "Tick \u{201c}I understand\u{201d} to confirm that the account should be deleted.".into(),
        ));
    }
    services.delete_account(&actor, &current).await.map_err(fail_wait)?;
    set_cookie(|req, p| p.expired_session_cookie(req));
    redirect("/?deleted=1");
    Ok(())
}

pub async fn sign_in_providers() -> Result<Vec<ProviderItem>, ServerFnError> {
    Ok(services()?
        .sign_in_providers()
        .into_iter()
        .map(|p| ProviderItem { name: p.name, display_name: p.display_name })
        .collect())
}

pub async fn unlink_identity(csrf: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let id: meridian_domain::IdentityId = super::form_id(&id, "identity")?;
    services.unlink_identity(&actor, id).await.map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_in_a_few_words() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36";
        assert_eq!(device(chrome), "Chrome on Linux");
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(device(firefox), "Firefox on Windows");
        let phone =
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1";
        assert_eq!(device(phone), "Safari on iOS");
        assert_eq!(device("curl/8.5.0"), "curl");
        assert_eq!(device(""), "an unknown device");
        assert_eq!(device("telescope-bot"), "telescope-bot");
    }

    #[test]
    fn waits_in_words() {
        assert_eq!(wait_text(0), "in a second");
        assert_eq!(wait_text(45), "in 45 seconds");
        assert_eq!(wait_text(90), "in about a minute");
        assert_eq!(wait_text(601), "in about 11 minutes");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/invitations/accept?token=abc")), Some("/invitations/accept?token=abc"));
        assert_eq!(local_path(Some(" /account ")), Some("/account"));
        for bad in ["//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "", "/a\nb"] {
            assert_eq!(local_path(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(local_path(None), None);
    }

    #[test]
    fn a_parameter_joins_the_query() {
        assert_eq!(with_param("/account", "verification", "sent"), "/account?verification=sent");
        assert_eq!(
            with_param("/invitations/accept?token=x", "verification", "sent"),
            "/invitations/accept?token=x&verification=sent"
        );
    }
}
