use crate::api::{SignIn as SignInFn, SignUp as SignUpFn};
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignUp() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<SignUpFn>::new();
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
            <p>"Already have an account? " <a href="/sign-in">"Sign in"</a></p>
        </section>
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let action = ServerAction::<SignInFn>::new();
    view! {
        <Title text="Sign in — Meridian" />
        <section class="narrow">
            <h1>"Sign in"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    view! {
                        <ActionForm action=action attr:class="form" attr:id="sign-in-form">
                            <Csrf token=csrf />
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
            <p>"New here? " <a href="/sign-up">"Create an account"</a></p>
        </section>
    }
}
