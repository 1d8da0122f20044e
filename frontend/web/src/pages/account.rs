use crate::api::data::query_encoded;
use crate::api::{SignIn as SignInFn, SignUp as SignUpFn};
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The page's `next` (where to go after signing in), and the same as a query to pass it on (`?next=…`, or empty).
fn next_of_query()
-> (impl Fn() -> String + Send + Sync + Copy + 'static, impl Fn() -> String + Send + Sync + Copy + 'static) {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let pass_on = move || {
        let n = next();
        if n.is_empty() { String::new() } else { format!("?next={}", query_encoded(&n)) }
    };
    (next, pass_on)
}

#[component]
pub fn SignUp() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<SignUpFn>::new();
    let (next, pass_on) = next_of_query();
    view! {
        <Title text="Sign up — Meridian" />
        <section class="narrow">
            <h1>"Create your account"</h1>
            <p class="muted">"You get a private space of your own; create or join observatories after."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    view! {
                        <ActionForm action=action attr:class="form" attr:id="sign-up-form">
                            <Csrf token=csrf />
                            <input type="hidden" name="next" value=next() />
                            <label>
                                "Your name" <input type="text" name="display_name" required maxlength="100" autocomplete="name" />
                            </label>
                            <label>
                                "E-mail" <input type="email" name="email" required maxlength="254" autocomplete="email" />
                            </label>
                            <label>
                                "Password (at least 10 characters)"
                                <input type="password" name="password" required minlength="10" maxlength="256" autocomplete="new-password" />
                            </label>
                            <button type="submit">"Create account"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            {action_error(move || action.value().get())}
            <p>"Already have an account? " <a href=move || format!("/sign-in{}", pass_on())>"Sign in"</a></p>
        </section>
    }
}

/// Where sign-up leads, whatever happened (the page never says whether the address already had an account).
#[component]
pub fn SignUpSent() -> impl IntoView {
    let (_, pass_on) = next_of_query();
    view! {
        <Title text="Check your inbox — Meridian" />
        <section class="narrow" id="sign-up-sent">
            <h1>"Check your inbox"</h1>
            <p class="lead">"We sent a link to confirm your address. You can sign in now."</p>
            <p class="muted">
                "Until you follow the link you cannot accept invitations, publish data packages or create API keys.
                Nothing arrived? Look in the spam folder; once signed in, you can have the link sent again."
            </p>
            <p>
                <a class="button" href=move || format!("/sign-in{}", pass_on())>"Sign in"</a>
            </p>
        </section>
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<SignInFn>::new();
    let query = use_query_map();
    let (next, pass_on) = next_of_query();
    let reset = move || query.read().get("reset").is_some();
    view! {
        <Title text="Sign in — Meridian" />
        <section class="narrow">
            <h1>"Sign in"</h1>
            {move || {
                reset()
                    .then(|| {
                        view! {
                            <p class="alert success" id="password-reset-done">
                                "Password set; every session was signed out. Sign in with your new password."
                            </p>
                        }
                    })
            }}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    view! {
                        <ActionForm action=action attr:class="form" attr:id="sign-in-form">
                            <Csrf token=csrf />
                            <input type="hidden" name="next" value=next() />
                            <label>"E-mail" <input type="email" name="email" required autocomplete="email" /></label>
                            <label>
                                "Password" <input type="password" name="password" required autocomplete="current-password" />
                            </label>
                            <button type="submit">"Sign in"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            {action_error(move || action.value().get())}
            <p><a href="/forgot-password" id="forgot-password-link">"Forgot your password?"</a></p>
            <p>"New here? " <a href=move || format!("/sign-up{}", pass_on())>"Create an account"</a></p>
        </section>
    }
}
