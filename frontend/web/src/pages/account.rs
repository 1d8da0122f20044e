use crate::api::accounts::{ProviderItem, sign_in_providers};
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

/// What a failed provider sign-in or link means and what to do (`?error=` as the server's redirect names it),
/// with the provider's display name. Words from the URL are never shown: a link anyone can make must not put
/// sentences on our pages.
pub(crate) fn provider_failure_text(error: &str, provider: &str) -> String {
    match error {
        "failed" => format!(
            "The sign-in with {provider} did not finish: it took too long, was started in another browser, or \
             the answer from {provider} could not be verified. Please start again."
        ),
        "no_confirmed_address" => format!(
            "{provider} has not confirmed an e-mail address for you, so no account can be made from it. Create an \
             account with your address and a password, then link {provider} from your account page."
        ),
        "account_exists" => format!(
            "An account with the address {provider} gave already exists. Sign in with its password, then link \
             {provider} from your account page; after that, {provider} signs you in."
        ),
        "identity_taken" => format!(
            "This {provider} sign-in belongs to another Meridian account. Sign in with that account and unlink it \
             there first."
        ),
        "unavailable" => format!("{provider} is not answering just now. Please try again in a few minutes."),
        "rate_limited" => "Too many sign-ins from your network just now; please wait a minute and try again.".into(),
        "unknown_provider" => "That way of signing in is not offered here.".into(),
        "sign_in_first" => "Sign in first; then link providers from your account page.".into(),
        "link_from_account" => "Link a provider with its button on your account page.".into(),
        "access_denied" => format!("The sign-in was cancelled at {provider}."),
        _ => format!("{provider} did not complete the sign-in. Please try again."),
    }
}

/// The display name of the provider `name` (from the page's `?provider=`), or a neutral phrase.
pub(crate) fn provider_display(providers: &[ProviderItem], name: Option<&str>) -> String {
    name.and_then(|n| providers.iter().find(|p| p.name == n))
        .map_or_else(|| "the provider".to_owned(), |p| p.display_name.clone())
}

/// The page's `?error=` from a provider sign-in, in words; nothing when there is none.
pub(crate) fn provider_error(providers: &[ProviderItem]) -> Option<AnyView> {
    let query = use_query_map();
    let q = query.read_untracked();
    q.get("error").map(|e| {
        let text = provider_failure_text(&e, &provider_display(providers, q.get("provider").as_deref()));
        view! { <p class="alert error" role="alert" id="provider-error">{text}</p> }.into_any()
    })
}

/// "Sign in with …" buttons, one per configured provider (plain links: they work without JavaScript), with any
/// error a provider sign-in came back with. Nothing when no provider is configured.
#[component]
fn ProviderButtons(verb: &'static str) -> impl IntoView {
    let providers = Resource::new(|| (), |_| sign_in_providers());
    let (_, pass_on) = next_of_query();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let providers = providers.await.unwrap_or_default();
                let error = provider_error(&providers);
                let buttons = (!providers.is_empty())
                    .then(|| {
                        let links = providers
                            .iter()
                            .map(|p| {
                                let href = format!("/auth/{}/start{}", p.name, pass_on());
                                let text = format!("{verb} with {}", p.display_name);
                                view! { <a class="button secondary" rel="external" href=href data-provider=p.name.clone()>{text}</a> }
                            })
                            .collect_view();
                        view! {
                            <div class="providers" id="providers">
                                <p class="muted">"Or use an account you already have:"</p>
                                {links}
                            </div>
                        }
                    });
                view! { {error} {buttons} }
            })}
        </Suspense>
    }
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
            <ProviderButtons verb="Sign up" />
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
            <ProviderButtons verb="Sign in" />
            <p><a href="/forgot-password" id="forgot-password-link">"Forgot your password?"</a></p>
            <p>"New here? " <a href=move || format!("/sign-up{}", pass_on())>"Create an account"</a></p>
        </section>
    }
}
