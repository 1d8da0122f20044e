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

/// The page of a mailed link: `done` once the link was followed (`?confirmed=1`); otherwise, with the link's token,
/// the button's form (`form(csrf, token)`) with `intro` above and `note` below it; `error` is the action's last
/// error.
fn link_page(
    title: &'static str,
    heading: &'static str,
    intro: &'static str,
    note: &'static str,
    done: fn() -> AnyView,
    form: impl Fn(String, String) -> AnyView + Copy + Send + Sync + 'static,
    error: impl IntoView + 'static,
) -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let confirmed = move || query.read().get("confirmed").is_some();
    let body = move || {
        if token().is_empty() {
            return no_token().into_any();
        }
        view! {
            <p>{intro}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    form(csrf, token())
                })}
            </Suspense>
            <p class="muted">{note}</p>
        }
        .into_any()
    };
    view! {
        <Title text=title />
        <section class="narrow">
            <h1>{heading}</h1>
            {move || if confirmed() { done() } else { body() }}
            {error}
        </section>
    }
}

#[component]
pub fn VerifyEmail() -> impl IntoView {
    let action = ServerAction::<VerifyEmailFn>::new();
    let form = move |csrf: String, token: String| {
        view! {
            <ActionForm action=action attr:class="form" attr:id="verify-form">
                <Csrf token=csrf />
                <input type="hidden" name="token" value=token />
                <button type="submit">"Confirm my address"</button>
            </ActionForm>
        }
        .into_any()
    };
    let done = || {
        view! {
            <p class="alert success" id="email-confirmed">
                "Your address is confirmed. You can now accept invitations, publish data packages and create API
                keys."
            </p>
            <p><a href="/dashboard">"Continue to your dashboard"</a></p>
        }
        .into_any()
    };
    link_page(
        "Confirm your address — Meridian",
        "Confirm your e-mail address",
        "Press the button to confirm that this address is yours.",
        "Links work for 24 hours, once. For a new one, sign in and press \u{201c}Send the link again\u{201d}.",
        done,
        form,
        action_error(move || action.value().get()),
    )
}

#[component]
pub fn ConfirmEmail() -> impl IntoView {
    let action = ServerAction::<ConfirmEmailChange>::new();
    let form = move |csrf: String, token: String| {
        view! {
            <ActionForm action=action attr:class="form" attr:id="confirm-email-form">
                <Csrf token=csrf />
                <input type="hidden" name="token" value=token />
                <button type="submit">"Confirm my new address"</button>
            </ActionForm>
        }
        .into_any()
    };
    let done = || {
        view! {
            <p class="alert success" id="email-confirmed">
                "Your account now uses the new address; sign in with it from now on."
            </p>
            <p><a href="/account">"Go to your account"</a></p>
        }
        .into_any()
    };
    link_page(
        "Confirm your new address — Meridian",
        "Confirm your new e-mail address",
        "Press the button to make this address your account's address.",
        "Links work for 24 hours, once. Your account page asks for the change again.",
        done,
        form,
        action_error(move || action.value().get()),
    )
}
