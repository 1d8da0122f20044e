//! Pieces every page uses: the navigation bar, the session it shows, form error boxes, the reminder to confirm
//! one's address.

use crate::api::accounts::ResendVerification as ResendVerificationFn;
use crate::api::{SessionInfo, SignOut, error_text, get_session};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The session, fetched again on every navigation so the bar follows sign-in and sign-out.
pub fn use_session() -> Resource<Result<SessionInfo, ServerFnError>> {
    let location = use_location();
    Resource::new(move || location.pathname.get(), |_| get_session())
}

/// The hidden field that carries the CSRF token in every form.
#[component]
pub fn Csrf(token: String) -> impl IntoView {
    view! { <input type="hidden" name="csrf_token" value=token /> }
}

/// Shows the last error of an action (pass `move || action.value().get()`), if any.
pub fn action_error<T: 'static>(
    value: impl Fn() -> Option<Result<T, ServerFnError>> + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        value().and_then(Result::err).map(|e| {
            view! {
                <p class="alert error" role="alert">
                    {error_text(&e)}
                </p>
            }
        })
    }
}

#[component]
pub fn Nav() -> impl IntoView {
    let session = use_session();
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark">"◐"</span>
                " Meridian"
            </a>
            <nav>
                <a href="/satellites">"Satellite check"</a>
                <a href="/pricing">"Plans"</a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.await {
                            Ok(SessionInfo { user: Some(user), csrf }) => {
                                view! {
                                    <a href="/dashboard">"Dashboard"</a>
                                    <a href="/account" class="who">{user.display_name}</a>
                                    <ActionForm action=sign_out attr:class="inline">
                                        <Csrf token=csrf />
                                        <button type="submit" class="link">
                                            "Sign out"
                                        </button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <a href="/sign-in">"Sign in"</a>
                                    <a href="/sign-up" class="button small">
                                        "Sign up"
                                    </a>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}

/// Where the page is (`/path?query`), without what a form's answer added to it (its error, or
/// `verification=sent`): where a form that comes back to this page sends the browser.
fn here() -> impl Fn() -> String + Send + Sync + Copy + 'static {
    let location = use_location();
    move || {
        let mut query = location.query.get();
        for key in ["__path", "__err", "verification"] {
            query.remove(key);
        }
        format!("{}{}", location.pathname.get(), query.to_query_string())
    }
}

/// The button that mails another link to confirm the address; back on the same page, it says the link went out.
#[component]
pub fn ResendVerification(csrf: String, email: String) -> impl IntoView {
    let resend = ServerAction::<ResendVerificationFn>::new();
    let location = use_location();
    let next = here();
    let sent = move || location.query.with(|q| q.get_str("verification") == Some("sent"));
    view! {
        <ActionForm action=resend attr:class="inline" attr:id="resend-verification-form">
            <Csrf token=csrf />
            <input type="hidden" name="next" value=next />
            <button type="submit" class="small">"Send the link again"</button>
        </ActionForm>
        {move || {
            sent()
                .then(|| {
                    view! {
                        <p class="alert success" id="verification-sent">
                            "We sent a new link to " {email.clone()} ". It works for 24 hours."
                        </p>
                    }
                })
        }}
        {action_error(move || resend.value().get())}
    }
}

/// On every page of someone whose address is not confirmed yet: what waits for it, and the link again. Pages that
/// deal with the address themselves (following a link, an invitation) say it their own way.
#[component]
pub fn VerifyBanner() -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let own_page =
        move || matches!(location.pathname.get().as_str(), "/verify-email" | "/confirm-email" | "/invitations/accept");
    move || {
        (!own_page()).then(|| {
            view! {
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let SessionInfo { user, csrf } = session.await.ok()?;
                        let user = user.filter(|u| !u.email_verified)?;
                        Some(view! {
                            <div class="alert warning" id="verify-banner" role="status">
                                <p>
                                    <strong>"Confirm your e-mail address"</strong>
                                    " — until then you cannot accept invitations, publish data packages or create API keys. We sent a link to "
                                    {user.email.clone()} "."
                                </p>
                                <ResendVerification csrf=csrf email=user.email />
                            </div>
                        })
                    })}
                </Suspense>
            }
        })
    }
}

/// Text to put inside a `<textarea>`. Leptos writes a textarea's children into the server's HTML unescaped (as it
/// does a script's), so there user text must be escaped, or `</textarea>` in it would end the field and the rest
/// would be read as markup. In the browser the children become a text node, which needs no escaping.
pub fn textarea_text(s: &str) -> String {
    if cfg!(feature = "ssr") { s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;") } else { s.to_owned() }
}

/// Text for `<Title>`. On the server leptos_meta writes the title into the HTML unescaped, so there `&`, `<` and `>`
/// are escaped (a name holding `</title><script>` would otherwise end the title and be read as markup); in the
/// browser it sets `document.title`, which takes plain text.
pub fn title_text(s: String) -> String {
    if cfg!(feature = "ssr") { s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;") } else { s }
}
