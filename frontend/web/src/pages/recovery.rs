//! Getting back in after a lost password: asking for a link, and the page the link opens.

use crate::api::accounts::{RequestPasswordReset, ResetPassword as ResetPasswordFn};
use crate::components::{Csrf, action_error, use_session};
use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<RequestPasswordReset>::new();
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    view! {
        <Title text="Forgot your password? — Meridian" />
        <section class="narrow">
            <h1>"Forgot your password?"</h1>
            {move || {
                sent()
                    .then(|| {
                        view! {
                            <p class="alert success" id="reset-sent">
                                "If an account uses this address, we sent a link (valid for 1 hour)."
                            </p>
                        }
                    })
            }}
            <p class="muted">"Give the address you signed up with; we mail a link to choose a new password."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    view! {
                        <ActionForm action=action attr:class="form" attr:id="forgot-form">
                            <Csrf token=csrf />
                            <label>"E-mail" <input type="email" name="email" required maxlength="254" autocomplete="email" /></label>
                            <button type="submit">"Send me a link"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            {action_error(move || action.value().get())}
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPassword() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<ResetPasswordFn>::new();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    // With JavaScript the browser refuses to send two different passwords; the server checks again.
    let first = NodeRef::<Input>::new();
    let second = NodeRef::<Input>::new();
    let compare = move |_| {
        if let (Some(a), Some(b)) = (first.get(), second.get()) {
            b.set_custom_validity(if a.value() == b.value() { "" } else { "The two passwords differ." });
        }
    };
    view! {
        <Title text="Choose a new password — Meridian" />
        <section class="narrow">
            <h1>"Choose a new password"</h1>
            {move || {
                if token().is_empty() {
                    view! {
                        <p class="alert error" id="no-token">
                            "This page opens from the link in the e-mail we sent you. "
                            <a href="/forgot-password">"Ask for a link"</a>
                        </p>
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="muted">"Every session of your account is signed out when the new password is set."</p>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                                view! {
                                    <ActionForm action=action attr:class="form" attr:id="reset-form">
                                        <Csrf token=csrf />
                                        <input type="hidden" name="token" value=token() />
                                        <label>
                                            "New password (at least 10 characters)"
                                            <input type="password" name="new_password" required minlength="10" maxlength="256" autocomplete="new-password" node_ref=first on:input=compare />
                                        </label>
                                        <label>
                                            "The same again"
                                            <input type="password" name="new_password_again" required minlength="10" maxlength="256" autocomplete="new-password" node_ref=second on:input=compare />
                                        </label>
                                        <button type="submit">"Set password"</button>
                                    </ActionForm>
                                }
                            })}
                        </Suspense>
                        {action_error(move || action.value().get())}
                        <p class="muted">"Link expired? " <a href="/forgot-password">"Ask for a new one"</a></p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
