use crate::api::equipment::{
    AddListTarget, DeleteTarget, DeleteTargetList, RemoveListTarget, SaveTarget, SaveTargetList, TargetInfo,
    TargetsInfo, get_targets,
};
use crate::api::error_text;
use crate::components::{Csrf, action_error, textarea_text, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[derive(Clone, Copy)]
struct Actions {
    save_target: ServerAction<SaveTarget>,
    delete_target: ServerAction<DeleteTarget>,
    save_list: ServerAction<SaveTargetList>,
    delete_list: ServerAction<DeleteTargetList>,
    add: ServerAction<AddListTarget>,
    remove: ServerAction<RemoveListTarget>,
}

/// The workspace's target catalogue (coordinates in degrees and sexagesimal) and its target lists; members only.
#[component]
pub fn TargetsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let q = move || query.read().get("q").unwrap_or_default();
    let session = use_session();
    let a = Actions {
        save_target: ServerAction::new(),
        delete_target: ServerAction::new(),
        save_list: ServerAction::new(),
        delete_list: ServerAction::new(),
        add: ServerAction::new(),
        remove: ServerAction::new(),
    };
    let version = move || {
        a.save_target.version().get()
            + a.delete_target.version().get()
            + a.save_list.version().get()
            + a.delete_list.version().get()
            + a.add.version().get()
            + a.remove.version().get()
    };
    let info = Resource::new(move || (slug(), q(), version()), |(slug, q, _)| get_targets(slug, q));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Targets"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(t) => page(t, q(), csrf, a).into_any(),
                }
            })}
        </Suspense>
    }
}

fn target_fields(csrf: &str, slug: &str, t: Option<&TargetInfo>) -> impl IntoView + use<> {
    let v = |f: fn(&TargetInfo) -> String| t.map(f).unwrap_or_default();
    view! {
        <Csrf token=csrf.to_owned() />
        <input type="hidden" name="slug" value=slug.to_owned() />
        <input type="hidden" name="id" value=v(|t| t.id.clone()) />
        <label>"Name" <input type="text" name="name" required maxlength="100" value=v(|t| t.name.clone()) /></label>
        <label>"RA (degrees, or 05:35:17.3 hours)" <input type="text" name="ra" required value=v(|t| t.ra_hms.clone()) /></label>
        <label>"Dec (degrees, or -05 23 28)" <input type="text" name="dec" required value=v(|t| t.dec_dms.clone()) /></label>
        <label>"Tags (comma-separated)" <input type="text" name="tags" value=v(|t| t.tags.join(", ")) /></label>
        <label>"Notes" <textarea name="notes" rows="2">{textarea_text(&v(|t| t.notes.clone()))}</textarea></label>
    }
}

fn page(t: TargetsInfo, q: String, csrf: String, a: Actions) -> impl IntoView {
    let slug = t.workspace.slug.clone();
    let (can_edit, can_delete) = (t.can_edit, t.can_delete);
    let rows = t
        .targets
        .iter()
        .map(|target| {
            let edit = can_edit.then(|| {
                let fields = target_fields(&csrf, &slug, Some(target));
                view! {
                    <details>
                        <summary>"Edit"</summary>
                        <ActionForm action=a.save_target attr:class="form">
                            {fields}
                            <button type="submit">"Save"</button>
                        </ActionForm>
                    </details>
                }
            });
            let delete = can_delete.then(|| {
                let (csrf, slug, id) = (csrf.clone(), slug.clone(), target.id.clone());
                view! {
                    <ActionForm action=a.delete_target attr:class="inline">
                        <Csrf token=csrf />
                        <input type="hidden" name="slug" value=slug />
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="small danger">"Delete"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr>
                    <td>{target.name.clone()} <div class="muted small">{target.notes.clone()}</div></td>
                    <td><code>{target.ra_hms.clone()}</code> <div class="muted small">{format!("{:.5}°", target.ra_deg)}</div></td>
                    <td><code>{target.dec_dms.clone()}</code> <div class="muted small">{format!("{:.5}°", target.dec_deg)}</div></td>
                    <td>{target.tags.join(", ")}</td>
                    <td>{edit} {delete}</td>
                </tr>
            }
        })
        .collect_view();
    let create = t.can_create.then(|| {
        let fields = target_fields(&csrf, &slug, None);
        view! {
            <h3>"Add a target"</h3>
            <ActionForm action=a.save_target attr:class="form" attr:id="add-target-form">
                {fields}
                <button type="submit">"Add target"</button>
            </ActionForm>
        }
    });
    view! {
        <Title text=crate::components::title_text(format!("Targets · {} — Meridian", t.workspace.name)) />
        <p class="muted"><a href=format!("/w/{slug}")>"← " {t.workspace.name.clone()}</a></p>
        <h1>"Targets"</h1>
        <section class="panel">
            <form method="get" class="form row">
                <label>"Search names" <input type="search" name="q" value=q /></label>
                <button type="submit">"Search"</button>
            </form>
            <table class="table" id="targets">
                <thead><tr><th>"Target"</th><th>"RA"</th><th>"Dec"</th><th>"Tags"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {action_error(move || a.save_target.value().get())}
            {action_error(move || a.delete_target.value().get())}
            {create}
        </section>
        {lists(&t, &csrf, a)}
    }
}

fn lists(t: &TargetsInfo, csrf: &str, a: Actions) -> impl IntoView + use<> {
    let slug = t.workspace.slug.clone();
    let sections = t
        .lists
        .iter()
        .map(|l| {
            let members = l
                .targets
                .iter()
                .map(|(id, name)| {
                    let remove = t.can_edit.then(|| {
                        let (csrf, slug, list, id) = (csrf.to_owned(), slug.clone(), l.id.clone(), id.clone());
                        view! {
                            <ActionForm action=a.remove attr:class="inline">
                                <Csrf token=csrf />
                                <input type="hidden" name="slug" value=slug />
                                <input type="hidden" name="list_id" value=list />
                                <input type="hidden" name="target_id" value=id />
                                <button type="submit" class="small danger">"Remove"</button>
                            </ActionForm>
                        }
                    });
                    view! { <li>{name.clone()} " " {remove}</li> }
                })
                .collect_view();
            let addable: Vec<&TargetInfo> =
                t.targets.iter().filter(|c| !l.targets.iter().any(|(id, _)| *id == c.id)).collect();
            let add = (t.can_edit && !addable.is_empty()).then(|| {
                let options = addable
                    .iter()
                    .map(|c| view! { <option value=c.id.clone()>{c.name.clone()}</option> })
                    .collect_view();
                let (csrf, slug, list) = (csrf.to_owned(), slug.clone(), l.id.clone());
                view! {
                    <ActionForm action=a.add attr:class="form row">
                        <Csrf token=csrf />
                        <input type="hidden" name="slug" value=slug />
                        <input type="hidden" name="list_id" value=list />
                        <label>"Target" <select name="target_id">{options}</select></label>
                        <button type="submit" class="small">"Add to list"</button>
                    </ActionForm>
                }
            });
            let delete = t.can_delete.then(|| {
                let (csrf, slug, id) = (csrf.to_owned(), slug.clone(), l.id.clone());
                view! {
                    <ActionForm action=a.delete_list attr:class="inline">
                        <Csrf token=csrf />
                        <input type="hidden" name="slug" value=slug />
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="small danger">"Delete list"</button>
                    </ActionForm>
                }
            });
            view! {
                <div class="target-list">
                    <h3>{l.name.clone()}</h3>
                    <p class="muted">{l.description.clone()}</p>
                    <ul>{members}</ul>
                    {add}
                    {delete}
                </div>
            }
        })
        .collect_view();
    let create = t.can_create.then(|| {
        let (csrf, slug) = (csrf.to_owned(), slug.clone());
        view! {
            <h3>"New list"</h3>
            <ActionForm action=a.save_list attr:class="form row" attr:id="add-list-form">
                <Csrf token=csrf />
                <input type="hidden" name="slug" value=slug />
                <input type="hidden" name="id" value="" />
                <label>"Name" <input type="text" name="name" required maxlength="100" /></label>
                <label>"Description" <input type="text" name="description" /></label>
                <button type="submit">"Create list"</button>
            </ActionForm>
        }
    });
    view! {
        <section class="panel">
            <h2>"Target lists"</h2>
            {sections}
            {action_error(move || a.add.value().get())}
            {action_error(move || a.remove.value().get())}
            {action_error(move || a.save_list.value().get())}
            {action_error(move || a.delete_list.value().get())}
            {create}
        </section>
    }
}
