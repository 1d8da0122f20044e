//! The signed-in person's account: their address (confirmed or not) and changing it, the password, where they
//! are signed in, and deleting the account.

use crate::api::ChangePassword;
use crate::api::accounts::{
    AccountOverview, DeleteAccount, EndOtherSessions, EndSession, IdentityItem, ProviderItem, RequestEmailChange,
    UnlinkIdentity, get_account,
};
use crate::api::data::query_encoded;
use crate::api::error_text;
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The forms of the page, one action each.
#[derive(Clone, Copy)]
struct Actions {
    password: ServerAction<ChangePassword>,
    email: ServerAction<RequestEmailChange>,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
    delete: ServerAction<DeleteAccount>,
    unlink: ServerAction<UnlinkIdentity>,
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let actions = Actions {
        password: ServerAction::new(),
        email: ServerAction::new(),
        end_one: ServerAction::new(),
        end_others: ServerAction::new(),
        delete: ServerAction::new(),
        unlink: ServerAction::new(),
    };
    let overview = Resource::new(
        move || (actions.end_one.version().get(), actions.end_others.version().get(), actions.unlink.version().get()),
        |_| get_account(),
    );
    view! {
        <Title text="Your account — Meridian" />
        <h1>"Your account"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match overview.await {
                    Ok(a) => page(a, csrf, actions).into_any(),
                    Err(e) => view! { <p class="alert error">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn page(a: AccountOverview, csrf: String, actions: Actions) -> impl IntoView {
    let query = use_query_map();
    let password_changed = move || query.read().get("changed").is_some();
    let email_sent = move || query.read().get("email").as_deref() == Some("sent");
    let Actions { password, email, end_one, end_others, delete, unlink } = actions;
    let providers = providers_section(&a.identities, &a.linkable, &csrf, unlink);
    let orcid = (!a.orcid.is_empty()).then(|| {
        let id = a.orcid.trim_start_matches("https://orcid.org/").to_owned();
        view! {
            <p id="account-orcid">
                "ORCID iD " <a class="orcid" href=a.orcid.clone() rel="noopener">{id}</a>
                <span class="muted">" · from your ORCID sign-in; offered when you list a data package\u{2019}s authors"</span>
            </p>
        }
    });
    let status = if a.email_verified {
        view! { <span class="pill ok" id="email-status">"confirmed"</span> }.into_any()
    } else {
        view! { <span class="pill questionable" id="email-status">"not confirmed"</span> }.into_any()
    };
    let unconfirmed = (!a.email_verified).then(|| {
        view! { <p class="muted">"Follow the link we sent to confirm it; the button above sends another."</p> }
    });
    let others = a.sessions.iter().filter(|s| !s.current).count();
    let rows = a
        .sessions
        .into_iter()
        .map(|s| {
            let csrf = csrf.clone();
            let end = (!s.current).then(|| {
                view! {
                    <ActionForm action=end_one attr:class="inline">
                        <Csrf token=csrf />
                        <input type="hidden" name="session_id" value=s.id.clone() />
                        <button type="submit" class="small secondary">"Sign out"</button>
                    </ActionForm>
                }
            });
            let mark = s.current.then(|| view! { " " <span class="pill ok">"this session"</span> });
            view! {
                <tr class:current=s.current>
                    <td><span title=s.user_agent>{s.device}</span> {mark}</td>
                    <td class="small">{s.ip}</td>
                    <td class="small">{s.signed_in}</td>
                    <td class="small">{s.last_seen}</td>
                    <td>{end}</td>
                </tr>
            }
        })
        .collect_view();
    let end_all = (others > 0).then(|| {
        let csrf = csrf.clone();
        view! {
            <ActionForm action=end_others attr:class="inline" attr:id="end-others-form">
                <Csrf token=csrf />
                <button type="submit" class="small danger">"Sign out all other sessions"</button>
            </ActionForm>
        }
    });
    let (csrf_email, csrf_password) = (csrf.clone(), csrf.clone());
    view! {
        <section class="panel">
            <p>
                <strong>{a.display_name}</strong> <span class="muted">" · " <span id="account-email">{a.email}</span></span>
                " " {status}
            </p>
            {unconfirmed}
            {orcid}
        </section>
        {providers}
        <section class="panel narrow">
            <h2>"Change your e-mail address"</h2>
            <p class="muted">"We mail a link to the new address; it becomes yours when you follow it."</p>
            {move || {
                email_sent()
                    .then(|| {
                        view! {
                            <p class="alert success" id="email-change-sent">
                                "We sent a link to the new address. Your address changes when you follow it (within 24
                                hours); your current address was told too."
                            </p>
                        }
                    })
            }}
            <ActionForm action=email attr:class="form" attr:id="email-form">
                <Csrf token=csrf_email />
                <label>"New address" <input type="email" name="new_email" required maxlength="254" autocomplete="email" /></label>
                <label>"Current password" <input type="password" name="current_password" required autocomplete="current-password" /></label>
                <button type="submit">"Send the link"</button>
            </ActionForm>
            {action_error(move || email.value().get())}
        </section>
        <section class="panel narrow">
            <h2>"Change your password"</h2>
            <p class="muted">"Your other sessions are signed out when you change it."</p>
            {move || password_changed().then(|| view! { <p class="alert success" id="password-changed">"Password changed."</p> })}
            <ActionForm action=password attr:class="form" attr:id="password-form">
                <Csrf token=csrf_password />
                <label>"Current password" <input type="password" name="current_password" required autocomplete="current-password" /></label>
                <label>"New password (at least 10 characters)" <input type="password" name="new_password" required minlength="10" maxlength="256" autocomplete="new-password" /></label>
                <button type="submit">"Change password"</button>
            </ActionForm>
            {action_error(move || password.value().get())}
        </section>
        <section class="panel">
            <h2>"Where you are signed in"</h2>
            <table class="table" id="sessions">
                <thead><tr><th>"Device"</th><th>"Address"</th><th>"Signed in"</th><th>"Last seen"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {end_all}
            {action_error(move || end_one.value().get())}
            {action_error(move || end_others.value().get())}
        </section>
        <section class="panel narrow" id="delete-account">
            <h2>"Delete your account"</h2>
            <p class="muted">
                "Your personal space goes with it (it must hold no files). What you wrote in observatories' workspaces
                stays, attributed to \u{201c}a deleted account\u{201d}. This cannot be undone."
            </p>
            <ActionForm action=delete attr:class="form" attr:id="delete-account-form">
                <Csrf token=csrf />
                <label>"Current password" <input type="password" name="current_password" required autocomplete="current-password" /></label>
                <label class="check">
                    <input type="checkbox" name="confirm" value="yes" required />
                    " I understand that my account is deleted for good"
                </label>
                <button type="submit" class="danger">"Delete my account"</button>
            </ActionForm>
            {action_error(move || delete.value().get())}
        </section>
    }
}

/// The providers linked to the account (each can be unlinked while another way to sign in remains) and the
/// configured ones not linked yet.
fn providers_section(
    identities: &[IdentityItem],
    linkable: &[ProviderItem],
    csrf: &str,
    unlink: ServerAction<UnlinkIdentity>,
) -> Option<AnyView> {
    let linked: Vec<ProviderItem> = identities
        .iter()
        .map(|i| ProviderItem { name: i.provider.clone(), display_name: i.provider_name.clone() })
        .collect();
    let known: Vec<ProviderItem> = linkable.iter().cloned().chain(linked.iter().cloned()).collect();
    let error = crate::pages::account::provider_error(&known);
    if identities.is_empty() && linkable.is_empty() {
        // No provider is configured (any more): only a failure to report, if any.
        return error.map(|e| view! { <section class="panel" id="sign-in-providers">{e}</section> }.into_any());
    }
    // "Linked" only for a provider that is linked now (the address alone proves nothing).
    let query = use_query_map();
    let just_linked = query.read_untracked().get("linked").filter(|name| linked.iter().any(|p| p.name == *name));
    let notice = just_linked.map(|name| {
        let text = format!(
            "{} is linked: you can sign in with it from now on.",
            crate::pages::account::provider_display(&linked, Some(&name))
        );
        view! { <p class="alert success" id="provider-linked">{text}</p> }
    });
    let rows = identities
        .iter()
        .cloned()
        .map(|i| {
            let csrf = csrf.to_owned();
            let email = if i.email.is_empty() { "\u{2014}".to_owned() } else { i.email.clone() };
            view! {
                <tr data-provider=i.provider>
                    <td>{i.provider_name}</td>
                    <td class="small">{email}</td>
                    <td class="small">{i.linked}</td>
                    <td class="small">{i.last_used}</td>
                    <td>
                        <ActionForm action=unlink attr:class="inline">
                            <Csrf token=csrf />
                            <input type="hidden" name="identity_id" value=i.id />
                            <button type="submit" class="small secondary">"Unlink"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let table = (!identities.is_empty()).then(|| {
        view! {
            <table class="table" id="identities">
                <thead><tr><th>"Provider"</th><th>"Address it gave"</th><th>"Linked"</th><th>"Last used"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let links = linkable
        .iter()
        .map(|p| {
            let back = format!("/account?linked={}", p.name);
            let href = format!("/auth/{}/start?link=1&next={}", p.name, query_encoded(&back));
            let text = format!("Link {}", p.display_name);
            view! { <a class="button secondary" rel="external" href=href data-provider=p.name.clone()>{text}</a> }
        })
        .collect_view();
    let offer = (!linkable.is_empty()).then(|| view! { <div class="providers" id="link-providers">{links}</div> });
    Some(view! {
        <section class="panel" id="sign-in-providers">
            <h2>"Ways to sign in"</h2>
            <p class="muted">
                "Besides your password (if you have one), these accounts sign you in. You can unlink one while another
                way to sign in remains; without a password, \u{201c}Forgot your password?\u{201d} mails a link to set one."
            </p>
            {notice}
            {error}
            {table}
            {offer}
            {action_error(move || unlink.value().get())}
        </section>
    }
    .into_any())
}
