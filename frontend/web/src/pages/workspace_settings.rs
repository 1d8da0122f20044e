use crate::api::invitations::{Invite, ResendInvitation, RevokeInvitation};
use crate::api::{
    ChangeRole, CreateApiKey, RemoveMember, RevokeApiKey, SettingsInfo, UpdateWorkspace, error_text, get_settings,
};
use crate::components::{Csrf, action_error, textarea_text, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

const ROLES: [&str; 5] = ["owner", "admin", "member", "observer", "viewer"];

/// A `<select>` of roles with `current` selected.
fn role_select(current: &str) -> impl IntoView + use<> {
    let options = ROLES.iter().map(|r| view! { <option value=*r selected=*r == current>{*r}</option> }).collect_view();
    view! { <select name="role">{options}</select> }
}

/// The member forms: inviting, sending an invitation again, revoking one, changing a role, removing.
#[derive(Clone, Copy)]
struct MemberActions {
    invite: ServerAction<Invite>,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    change: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
}

/// Members, invitations, roles and API keys of one workspace.
#[component]
pub fn WorkspaceSettings() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let session = use_session();
    let update = ServerAction::<UpdateWorkspace>::new();
    let members = MemberActions {
        invite: ServerAction::new(),
        resend: ServerAction::new(),
        revoke: ServerAction::new(),
        change: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let create_key = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let version = move || {
        update.version().get()
            + members.invite.version().get()
            + members.resend.version().get()
            + members.revoke.version().get()
            + members.change.version().get()
            + members.remove.version().get()
            + create_key.version().get()
            + revoke.version().get()
    };
    let settings = Resource::new(move || (slug(), version()), |(slug, _)| get_settings(slug));

    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match settings.await {
                    Err(e) => view! { <h1>"Settings"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(s) => page(s, csrf, update, members, create_key, revoke).into_any(),
                }
            })}
        </Suspense>
    }
}

fn page(
    s: SettingsInfo,
    csrf: String,
    update: ServerAction<UpdateWorkspace>,
    members: MemberActions,
    create_key: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let MemberActions { invite, resend, revoke: revoke_invitation, change, remove } = members;
    let w = s.workspace.clone();
    let slug = w.slug.clone();
    let profile = s.can_edit.then(|| {
        let (csrf, slug) = (csrf.clone(), slug.clone());
        view! {
            <section class="panel">
                <h2>"Profile"</h2>
                <ActionForm action=update attr:class="form" attr:id="profile-form">
                    <Csrf token=csrf />
                    <input type="hidden" name="slug" value=slug />
                    <label>"Name" <input type="text" name="name" required maxlength="100" value=w.name.clone() /></label>
                    <label>"Description" <textarea name="description" rows="3">{textarea_text(&w.description)}</textarea></label>
                    <label>
                        "Visibility"
                        <select name="visibility">
                            <option value="private" selected=w.visibility == "private">"Private — members only"</option>
                            <option value="public" selected=w.visibility == "public">"Public — anyone can see the profile"</option>
                        </select>
                    </label>
                    <button type="submit">"Save"</button>
                </ActionForm>
                {action_error(move || update.value().get())}
            </section>
        }
    });

    let manage = s.can_manage_members;
    let me = s.me.clone();
    let member_rows = s
        .members
        .clone()
        .into_iter()
        .map(|m| {
            let (csrf_a, csrf_b, slug_a, slug_b) = (csrf.clone(), csrf.clone(), slug.clone(), slug.clone());
            let is_me = m.account_id == me;
            let (id_a, id_b) = (m.account_id.clone(), m.account_id.clone());
            let role = m.role.clone();
            let controls = if manage {
                view! {
                    <td>
                        <ActionForm action=change attr:class="inline">
                            <Csrf token=csrf_a />
                            <input type="hidden" name="slug" value=slug_a />
                            <input type="hidden" name="account_id" value=id_a />
                            {role_select(&role)}
                            <button type="submit" class="small">"Change"</button>
                        </ActionForm>
                    </td>
                    <td>
                        <ActionForm action=remove attr:class="inline">
                            <Csrf token=csrf_b />
                            <input type="hidden" name="slug" value=slug_b />
                            <input type="hidden" name="account_id" value=id_b />
                            <button type="submit" class="small danger">{if is_me { "Leave" } else { "Remove" }}</button>
                        </ActionForm>
                    </td>
                }
                .into_any()
            } else if is_me {
                view! {
                    <td></td>
                    <td>
                        <ActionForm action=remove attr:class="inline">
                            <Csrf token=csrf_b />
                            <input type="hidden" name="slug" value=slug_b />
                            <input type="hidden" name="account_id" value=id_b />
                            <button type="submit" class="small danger">"Leave"</button>
                        </ActionForm>
                    </td>
                }
                .into_any()
            } else {
                view! { <td></td> <td></td> }.into_any()
            };
            let orcid = (!m.orcid.is_empty()).then(|| {
                let id = m.orcid.trim_start_matches("https://orcid.org/").to_owned();
                view! { " " <a class="orcid small" href=m.orcid.clone() title="ORCID iD">{id}</a> }
            });
            view! {
                <tr>
                    <td>{m.display_name.clone()} {orcid} <div class="muted small">{m.email.clone()}</div></td>
                    <td class="role">{m.role.clone()}</td>
                    <td class="small">{m.joined.clone()}</td>
                    {controls}
                </tr>
            }
        })
        .collect_view();

    let invitations = s.invitations.clone().map(|list| {
        let rows = list
            .into_iter()
            .map(|i| {
                let (csrf_a, csrf_b, slug_a, slug_b) = (csrf.clone(), csrf.clone(), slug.clone(), slug.clone());
                let (id_a, id_b) = (i.id.clone(), i.id.clone());
                view! {
                    <tr>
                        <td class="email">{i.email.clone()}</td>
                        <td class="role">{i.role.clone()}</td>
                        <td><span class=format!("pill {}", i.status)>{i.status.clone()}</span></td>
                        <td class="small">{i.sent.clone()}</td>
                        <td class="small">{i.expires.clone()}</td>
                        <td>
                            <ActionForm action=resend attr:class="inline">
                                <Csrf token=csrf_a />
                                <input type="hidden" name="slug" value=slug_a />
                                <input type="hidden" name="invitation_id" value=id_a />
                                <button type="submit" class="small secondary">"Send again"</button>
                            </ActionForm>
                        </td>
                        <td>
                            <ActionForm action=revoke_invitation attr:class="inline">
                                <Csrf token=csrf_b />
                                <input type="hidden" name="slug" value=slug_b />
                                <input type="hidden" name="invitation_id" value=id_b />
                                <button type="submit" class="small danger">"Revoke"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        let sent = move || {
            invite.value().get().and_then(Result::ok).map(|email| {
                view! { <p class="alert success" id="invitation-sent">"Invitation sent to " {email} "."</p> }
            })
        };
        let (csrf, slug) = (csrf.clone(), slug.clone());
        view! {
            <h3>"Invite by e-mail"</h3>
            <p class="muted">
                "We mail a link (valid for 7 days); whoever follows it signs in or creates an account, confirms the
                address, and joins with the role you chose."
            </p>
            <ActionForm action=invite attr:class="form row" attr:id="invite-form">
                <Csrf token=csrf />
                <input type="hidden" name="slug" value=slug />
                <label>"E-mail" <input type="email" name="email" required maxlength="254" /></label>
                <label>"Role" {role_select("member")}</label>
                <button type="submit">"Send invitation"</button>
            </ActionForm>
            {sent}
            {action_error(move || invite.value().get())}
            <h3>"Open invitations"</h3>
            <table class="table" id="invitations">
                <thead>
                    <tr><th>"E-mail"</th><th>"Role"</th><th>"Status"</th><th>"Sent"</th><th>"Expires"</th><th></th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {action_error(move || resend.value().get())}
            {action_error(move || revoke_invitation.value().get())}
        }
    });

    let keys = s.keys.clone().map(|keys| {
        let fresh = s.fresh_key.clone().map(|secret| {
            view! {
                <div class="alert success" id="new-key">
                    <p>"Your new API key. Copy it now: it will not be shown again."</p>
                    <code class="secret">{secret}</code>
                </div>
            }
        });
        let rows = keys
            .into_iter()
            .map(|k| {
                let (csrf, slug) = (csrf.clone(), slug.clone());
                let state = match (&k.revoked, &k.last_used) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) => format!("last used {at}"),
                    (None, None) => "never used".to_owned(),
                };
                let revoke_form = k.revoked.is_none().then(|| {
                    view! {
                        <ActionForm action=revoke attr:class="inline">
                            <Csrf token=csrf />
                            <input type="hidden" name="slug" value=slug />
                            <input type="hidden" name="key_id" value=k.id.clone() />
                            <button type="submit" class="small danger">"Revoke"</button>
                        </ActionForm>
                    }
                });
                view! {
                    <tr>
                        <td>{k.name.clone()}</td>
                        <td><code>{k.prefix.clone()} "…"</code></td>
                        <td>{k.scope.clone()}</td>
                        <td class="small">{k.created.clone()}</td>
                        <td class="small">{state}</td>
                        <td>{revoke_form}</td>
                    </tr>
                }
            })
            .collect_view();
        let (csrf, slug) = (csrf.clone(), slug.clone());
        view! {
            <section class="panel">
                <h2>"API keys"</h2>
                <p class="muted">
                    "Keys let programs use the API for this workspace: " <strong>"read"</strong> " reads, "
                    <strong>"write"</strong> " also creates and edits data, " <strong>"upload"</strong>
                    " only uploads files (for telescope computers). Only a hash of each key is kept."
                </p>
                {fresh}
                <table class="table" id="api-keys">
                    <thead><tr><th>"Name"</th><th>"Key"</th><th>"Scope"</th><th>"Created"</th><th>"Use"</th><th></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                <ActionForm action=create_key attr:class="form row" attr:id="create-key-form">
                    <Csrf token=csrf />
                    <input type="hidden" name="slug" value=slug />
                    <label>"Name" <input type="text" name="name" required maxlength="100" placeholder="dome computer" /></label>
                    <label>
                        "Scope"
                        <select name="scope">
                            <option value="read">"read"</option>
                            <option value="write">"write"</option>
                            <option value="upload">"upload"</option>
                        </select>
                    </label>
                    <button type="submit">"Create key"</button>
                </ActionForm>
                {action_error(move || create_key.value().get())}
                {action_error(move || revoke.value().get())}
            </section>
        }
    });

    view! {
        <Title text=crate::components::title_text(format!("Settings · {} — Meridian", s.workspace.name)) />
        <p class="muted"><a href=format!("/w/{}", s.workspace.slug)>"← " {s.workspace.name.clone()}</a></p>
        <h1>"Settings"</h1>
        {profile}
        <section class="panel">
            <h2>"Members"</h2>
            <table class="table" id="members">
                <thead><tr><th>"Member"</th><th>"Role"</th><th>"Joined"</th><th></th><th></th></tr></thead>
                <tbody>{member_rows}</tbody>
            </table>
            {action_error(move || change.value().get())}
            {action_error(move || remove.value().get())}
            {invitations}
        </section>
        {keys}
    }
}
