//! The pages a mailed address link opens: confirming the address an account signed up with, and confirming a
//! new one. Each acts only when its button is pressed (a POST), since mail scanners open links on their own.

use crate::api::accounts::{ConfirmEmailChange, VerifyEmail as VerifyEmailFn};
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What a link page says when opened without its token.
fn no_token() -> impl IntoView {
    view! {
        <p class="alert error" id="no-token">
            "This page opens from the link in the e-mail we sent you; the address is missing its token. Copy the
            whole link from the message into the address bar."
        </p>
    }
}

#[component]
pub fn VerifyEmail() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<VerifyEmailFn>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirmed = move || query.read().get("confirmed").is_some();
    let form = move || {
        if token().is_empty() {
            return no_token().into_any();
        }
        view! {
            <p>"Press the button to confirm that this address is yours."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    view! {
                        <ActionForm action=action attr:class="form" attr:id="verify-form">
                            <Csrf token=csrf />
                            <input type="hidden" name="token" value=token() />
                            <button type="submit">"Confirm my address"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            {action_error(move || action.value().get())}
            <p class="muted">
                "Links work for 24 hours, once. For a new one, sign in and press \u{201c}Send the link again\u{201d}."
            </p>
        }
        .into_any()
    };
    view! {
        <Title text="Confirm your address — Meridian" />
        <section class="narrow">
            <h1>"Confirm your e-mail address"</h1>
            {move || {
                if confirmed() {
                    view! {
                        <p class="alert success" id="email-confirmed">
                            "Your address is confirmed. You can now accept invitations, publish data packages and
                            create API keys."
                        </p>
                        <p><a href="/dashboard">"Continue to your dashboard"</a></p>
                    }
                        .into_any()
                } else {
                    form().into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn ConfirmEmail() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<ConfirmEmailChange>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirmed = move || query.read().get("confirmed").is_some();
    let form = move || {
        if token().is_empty() {
            return no_token().into_any();
        }
        view! {
            <p>"Press the button to make this address your account's address."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    view! {
                        <ActionForm action=action attr:class="form" attr:id="confirm-email-form">
                            <Csrf token=csrf />
                            <input type="hidden" name="token" value=token() />
                            <button type="submit">"Confirm my new address"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            {action_error(move || action.value().get())}
            <p class="muted">"Links work for 24 hours, once. Your account page asks for the change again."</p>
        }
        .into_any()
    };
    view! {
        <Title text="Confirm your new address — Meridian" />
        <section class="narrow">
            <h1>"Confirm your new e-mail address"</h1>
            {move || {
                if confirmed() {
                    view! {
                        <p class="alert success" id="email-confirmed">
                            "Your account now uses the new address; sign in with it from now on."
                        </p>
                        <p><a href="/account">"Go to your account"</a></p>
                    }
                        .into_any()
                } else {
                    form().into_any()
                }
            }}
        </section>
    }
}
