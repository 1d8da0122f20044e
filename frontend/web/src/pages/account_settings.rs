use crate::api::ChangePassword;
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The signed-in person's account: who they are, and a password change.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let change = ServerAction::<ChangePassword>::new();
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some();
    view! {
        <Title text="Your account — Meridian" />
        <h1>"Your account"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(s) => match s.user {
                        Some(user) => view! {
                            <section class="panel">
                                <p><strong>{user.display_name}</strong> <span class="muted">" · " {user.email}</span></p>
                            </section>
                            <section class="panel narrow">
                                <h2>"Change your password"</h2>
                                <p class="muted">"Your other sessions are signed out when you change it."</p>
                                {move || changed().then(|| view! { <p class="alert success" id="password-changed">"Password changed."</p> })}
                                <ActionForm action=change attr:class="form" attr:id="password-form">
                                    <Csrf token=s.csrf.clone() />
                                    <label>"Current password" <input type="password" name="current_password" required autocomplete="current-password" /></label>
                                    <label>"New password (at least 10 characters)" <input type="password" name="new_password" required minlength="10" maxlength="256" autocomplete="new-password" /></label>
                                    <button type="submit">"Change password"</button>
                                </ActionForm>
                                {action_error(move || change.value().get())}
                            </section>
                        }
                        .into_any(),
                        None => view! { <p>"Please " <a href="/sign-in">"sign in"</a> "."</p> }.into_any(),
                    },
                    Err(_) => view! { <p>"Please " <a href="/sign-in">"sign in"</a> "."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
