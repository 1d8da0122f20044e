//! The page an invitation link opens: which workspace, which role, who invited, and the way in from wherever the
//! visitor stands (signed out, signed in with an unconfirmed address, or ready to join).

use crate::api::data::query_encoded;
use crate::api::invitations::{AcceptInvitation as AcceptInvitationFn, InvitationPreview, get_invitation};
use crate::api::{SessionInfo, error_text};
use crate::components::{Csrf, ResendVerification, action_error, title_text, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AcceptInvitation() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, get_invitation);
    let accept = ServerAction::<AcceptInvitationFn>::new();
    view! {
        <section class="narrow" id="invitation">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let session = session.await.ok();
                    match preview.await {
                        Err(e) => {
                            view! {
                                <Title text="Invitation — Meridian" />
                                <h1>"Invitation"</h1>
                                <p class="alert error" id="invitation-error">{error_text(&e)}</p>
                            }
                                .into_any()
                        }
                        Ok(p) => invitation(p, session, token(), accept).into_any(),
                    }
                })}
            </Suspense>
            {action_error(move || accept.value().get())}
        </section>
    }
}

fn invitation(
    p: InvitationPreview,
    session: Option<SessionInfo>,
    token: String,
    accept: ServerAction<AcceptInvitationFn>,
) -> impl IntoView {
    let here = format!("/invitations/accept?token={}", query_encoded(&token));
    let next = query_encoded(&here);
    let (csrf, user) = session.map(|s| (s.csrf, s.user)).unwrap_or_default();
    let what = match p.status.as_str() {
        "accepted" => view! {
            <p class="alert" id="invitation-closed">
                "This invitation was already accepted. Members find the workspace on their "
                <a href="/dashboard">"dashboard"</a> "."
            </p>
        }
        .into_any(),
        "revoked" => view! {
            <p class="alert error" id="invitation-closed">
                "This invitation was revoked by the workspace's administrators. If you still need access, ask "
                {p.invited_by.clone()} " for a new one."
            </p>
        }
        .into_any(),
        "expired" => view! {
            <p class="alert error" id="invitation-closed">
                "This invitation has expired (invitations work for 7 days). Ask " {p.invited_by.clone()}
                " to send it again."
            </p>
        }
        .into_any(),
        _ => match user {
            None => view! {
                <p>
                    "Sign in to join, or create an account first (with any address; you will confirm it by e-mail)."
                </p>
                <p>
                    <a class="button" id="invitation-sign-in" href=format!("/sign-in?next={next}")>"Sign in"</a>
                    " "
                    <a class="button secondary" id="invitation-sign-up" href=format!("/sign-up?next={next}")>
                        "Create an account"
                    </a>
                </p>
            }
            .into_any(),
            Some(user) if !user.email_verified => view! {
                <div class="alert warning" id="invitation-unverified">
                    <p>
                        "Confirm your e-mail address first: follow the link we sent to " {user.email.clone()}
                        ", then open this invitation again."
                    </p>
                    <ResendVerification csrf=csrf email=user.email />
                </div>
            }
            .into_any(),
            Some(user) => {
                let other = (!user.email.eq_ignore_ascii_case(&p.email)).then(|| {
                    view! {
                        <p class="muted" id="invitation-other-address">
                            "The invitation went to " {p.email.clone()} "; you are signed in as " {user.email.clone()}
                            ". Joining adds this account."
                        </p>
                    }
                });
                let name = p.workspace_name.clone();
                view! {
                    {other}
                    <ActionForm action=accept attr:class="form" attr:id="accept-invitation-form">
                        <Csrf token=csrf />
                        <input type="hidden" name="token" value=token />
                        <button type="submit">"Join " {name}</button>
                    </ActionForm>
                }
                .into_any()
            }
        },
    };
    view! {
        <Title text=title_text(format!("Join {} — Meridian", p.workspace_name)) />
        <h1>"Join " {p.workspace_name.clone()}</h1>
        <p class="lead">{p.invited_by.clone()} " invited you to " <strong>{p.workspace_name.clone()}</strong> "."</p>
        <dl class="facts" id="invitation-facts">
            <dt>"Workspace"</dt>
            <dd>{p.workspace_name.clone()} <span class="muted small">" (" {p.workspace_slug.clone()} ")"</span></dd>
            <dt>"Role"</dt>
            <dd class="role">{p.role.clone()}</dd>
            <dt>"Invited by"</dt>
            <dd>{p.invited_by.clone()}</dd>
            <dt>"Sent to"</dt>
            <dd>{p.email.clone()}</dd>
            <dt>"Status"</dt>
            <dd><span class=format!("pill {}", p.status) id="invitation-status">{p.status.clone()}</span></dd>
        </dl>
        {what}
    }
}
