use crate::api::{CreateWorkspace, error_text, my_workspaces};
use crate::components::{Csrf, action_error, use_session};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = use_session();
    let create = ServerAction::<CreateWorkspace>::new();
    let workspaces = Resource::new(move || create.version().get(), |_| my_workspaces());
    view! {
        <Title text="Dashboard — Meridian" />
        <h1>"Your workspaces"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match workspaces.await {
                    Ok(list) => {
                        view! {
                            <table class="table" id="my-workspaces">
                                <thead>
                                    <tr>
                                        <th>"Workspace"</th>
                                        <th>"Kind"</th>
                                        <th>"Visibility"</th>
                                        <th>"Your role"</th>
                                        <th></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|w| {
                                            let settings = format!("/w/{}/settings", w.slug);
                                            view! {
                                                <tr>
                                                    <td>
                                                        <a href=format!("/w/{}", w.slug)>{w.name}</a>
                                                        <div class="muted small">{w.slug}</div>
                                                    </td>
                                                    <td>{w.kind}</td>
                                                    <td>{w.visibility}</td>
                                                    <td>{w.role.unwrap_or_default()}</td>
                                                    <td>
                                                        <a href=settings>"Settings"</a>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="alert error">{error_text(&e)}</p> }.into_any(),
                }
            })}
        </Suspense>
        <section class="panel">
            <h2>"Create an observatory workspace"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                    view! {
                        <ActionForm action=create attr:class="form" attr:id="create-workspace-form">
                            <Csrf token=csrf />
                            <label>"Name" <input type="text" name="name" required maxlength="100" /></label>
                            <label>
                                "URL name (slug)"
                                <input type="text" name="slug" required minlength="3" maxlength="40" pattern="[a-z][a-z0-9\\-]*" placeholder="la-palma-obs" />
                            </label>
                            <label>"Description" <textarea name="description" rows="3"></textarea></label>
                            <label>
                                "Visibility"
                                <select name="visibility">
                                    <option value="private">"Private — members only"</option>
                                    <option value="public">"Public — anyone can see the profile"</option>
                                </select>
                            </label>
                            <button type="submit">"Create workspace"</button>
                        </ActionForm>
                    }
                })}
            </Suspense>
            {action_error(move || create.value().get())}
        </section>
    }
}
