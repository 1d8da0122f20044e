//! The package pages: a workspace's packages, one package's editor (fields, the draft selection with totals per
//! tier, publishing, versions with their manifests, secret links, DOIs) and a version's landing page (description,
//! files, citation, DataCite metadata, downloads) at its cited address or behind a secret link.

use crate::api::error_text;
use crate::api::packages::{
    AddPackageDataset, AddPackageSearch, CreatePackage, CreatePackageLink, DeletePackage, Landing, PackageEditor,
    PackagesIndex, PublishPackage, RemovePackageFile, ResetPackageDraft, RevokePackageLink, SetPackageDoi,
    UpdatePackage, get_package_editor, get_package_landing, get_packages, get_shared_landing,
};
use crate::components::{Csrf, action_error, textarea_text, use_session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Licences offered in the forms (any SPDX id may be typed through the API).
const LICENCES: [&str; 6] = ["CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "ODbL-1.0", "MIT"];

/// Authors as list items: name, affiliation, ORCID link.
fn author_list(authors: &[crate::api::packages::AuthorItem]) -> impl IntoView + use<> {
    authors
        .iter()
        .map(|au| {
            let orcid =
                (!au.orcid.is_empty()).then(|| view! { " " <a class="orcid" href=au.orcid.clone()>"ORCID"</a> });
            let aff = (!au.affiliation.is_empty()).then(|| format!(" ({})", au.affiliation));
            view! { <li>{au.name.clone()} {aff} {orcid}</li> }
        })
        .collect_view()
}

fn access_label(a: &str) -> &'static str {
    match a {
        "public" => "public",
        "link" => "shared by link",
        _ => "private",
    }
}

/// A workspace's packages and (for those who may) the form that starts one.
#[component]
pub fn PackagesPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let session = use_session();
    let create = ServerAction::<CreatePackage>::new();
    let info = Resource::new(move || (slug(), create.version().get()), |(slug, _)| get_packages(slug));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Data packages"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(d) => packages_index(d, csrf, create).into_any(),
                }
            })}
        </Suspense>
    }
}

fn packages_index(d: PackagesIndex, csrf: String, create: ServerAction<CreatePackage>) -> impl IntoView {
    let slug = d.workspace.slug.clone();
    let rows = d
        .packages
        .iter()
        .map(|p| {
            let href = match (d.is_member, p.latest_version) {
                (true, _) => Some(format!("/w/{slug}/packages/{}", p.id)),
                (false, Some(n)) => Some(format!("/packages/{}/versions/{n}", p.id)),
                (false, None) => None,
            };
            let title = match href {
                Some(h) => view! { <a href=h>{p.title.clone()}</a> }.into_any(),
                None => view! { <span>{p.title.clone()}</span> }.into_any(),
            };
            let version = p.latest_version.map_or_else(|| "draft only".to_owned(), |n| format!("version {n}"));
            view! {
                <tr class="package-row">
                    <td>{title}</td>
                    <td>{version}</td>
                    <td><span class=format!("pill access-{}", p.access)>{access_label(&p.access)}</span></td>
                    <td>{p.licence.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if d.packages.is_empty() {
        view! { <p class="muted" id="no-packages">"No data packages yet."</p> }.into_any()
    } else {
        view! {
            <table class="table" id="packages">
                <thead><tr><th>"Package"</th><th>"Published"</th><th>"Access"</th><th>"Licence"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let form = d.can_create.then(|| {
        let slug = slug.clone();
        let licences = LICENCES.iter().map(|l| view! { <option value=*l>{*l}</option> }).collect_view();
        view! {
            <section class="panel">
                <h2>"New package"</h2>
                <ActionForm action=create attr:class="form" attr:id="create-package-form">
                    <Csrf token=csrf />
                    <input type="hidden" name="slug" value=slug.clone() />
                    <label>"Title" <input type="text" name="title" required maxlength="300" /></label>
                    <label>"Licence" <select name="licence">{licences}</select></label>
                    <label>"Description (Markdown)" <textarea name="description" rows="4">{textarea_text("")}</textarea></label>
                    <button type="submit">"Create package"</button>
                </ActionForm>
                {action_error(move || create.value().get())}
            </section>
        }
    });
    view! {
        <Title text=crate::components::title_text(format!("Data packages · {} — Meridian", d.workspace.name)) />
        <p class="muted"><a href=format!("/w/{slug}")>"← " {d.workspace.name.clone()}</a></p>
        <h1>"Data packages"</h1>
        <p class="muted">
            "Curated, versioned bundles of files: publish a version, share it by a secret link or publicly, cite it."
        </p>
        {table}
        {form}
    }
}

/// The actions of the editor page; every one but delete reloads the page's data when it ends.
#[derive(Clone, Copy)]
struct EditorActions {
    update: ServerAction<UpdatePackage>,
    add_dataset: ServerAction<AddPackageDataset>,
    add_search: ServerAction<AddPackageSearch>,
    remove: ServerAction<RemovePackageFile>,
    reset: ServerAction<ResetPackageDraft>,
    publish: ServerAction<PublishPackage>,
    delete: ServerAction<DeletePackage>,
    link: ServerAction<CreatePackageLink>,
    revoke: ServerAction<RevokePackageLink>,
    doi: ServerAction<SetPackageDoi>,
}

impl EditorActions {
    fn new() -> Self {
        Self {
            update: ServerAction::new(),
            add_dataset: ServerAction::new(),
            add_search: ServerAction::new(),
            remove: ServerAction::new(),
            reset: ServerAction::new(),
            publish: ServerAction::new(),
            delete: ServerAction::new(),
            link: ServerAction::new(),
            revoke: ServerAction::new(),
            doi: ServerAction::new(),
        }
    }

    fn version(self) -> usize {
        self.update.version().get()
            + self.add_dataset.version().get()
            + self.add_search.version().get()
            + self.remove.version().get()
            + self.reset.version().get()
            + self.publish.version().get()
            + self.link.version().get()
            + self.revoke.version().get()
            + self.doi.version().get()
    }
}

/// One package for its workspace's members: what it is, the draft to publish next, its versions and links.
#[component]
pub fn PackageEditorPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let id = move || params.read().get("id").unwrap_or_default();
    let session = use_session();
    let actions = EditorActions::new();
    let info = Resource::new(move || (slug(), id(), actions.version()), |(slug, id, _)| get_package_editor(slug, id));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let csrf = session.await.map(|s| s.csrf).unwrap_or_default();
                match info.await {
                    Err(e) => view! { <h1>"Data package"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(p) => editor(p, &csrf, actions).into_any(),
                }
            })}
        </Suspense>
    }
}

/// The hidden fields every editor form carries.
fn hidden(csrf: &str, slug: &str, id: &str) -> impl IntoView + use<> {
    view! {
        <Csrf token=csrf.to_owned() />
        <input type="hidden" name="slug" value=slug.to_owned() />
        <input type="hidden" name="id" value=id.to_owned() />
    }
}

fn editor(p: PackageEditor, csrf: &str, a: EditorActions) -> impl IntoView + use<> {
    let slug = p.workspace.slug.clone();
    let authors = author_list(&p.authors);
    let head = view! {
        <Title text=crate::components::title_text(format!("{} · Data packages — Meridian", p.title)) />
        <p class="muted">
            <a href=format!("/w/{slug}")>{p.workspace.name.clone()}</a> " / "
            <a href=format!("/w/{slug}/packages")>"Data packages"</a>
        </p>
        <h1 id="package-title">{p.title.clone()}</h1>
        <p>
            <span class=format!("pill access-{}", p.access)>{access_label(&p.access)}</span> " · " {p.licence.clone()}
            {(!p.keywords.is_empty()).then(|| view! { " · " <span class="muted">{p.keywords.clone()}</span> })}
        </p>
        <ul class="plain authors">{authors}</ul>
        <div class="markdown description" inner_html=p.description_html.clone()></div>
    };
    view! {
        {head}
        {draft_section(&p, csrf, a)}
        {versions_section(&p, csrf, a)}
        {p.can_edit.then(|| fields_form(&p, csrf, a))}
        {p.can_edit.then(|| links_section(&p, csrf, a))}
        {p.can_delete.then(|| {
            let fields = hidden(csrf, &slug, &p.id);
            view! {
                <section class="panel">
                    <h2>"Delete"</h2>
                    <p class="muted">"Deletes the package, its versions and links; the files stay in their datasets."</p>
                    <ActionForm action=a.delete attr:class="inline" attr:id="delete-package-form">
                        {fields}
                        <button type="submit" class="danger small">"Delete package"</button>
                    </ActionForm>
                    {action_error(move || a.delete.value().get())}
                </section>
            }
        })}
    }
}

fn draft_section(p: &PackageEditor, csrf: &str, a: EditorActions) -> impl IntoView + use<> {
    let slug = p.workspace.slug.clone();
    let tiers = p
        .tiers
        .iter()
        .map(|t| {
            view! {
                <li class=format!("tier-total tier-{}", t.tier)>
                    <span class=format!("pill tier-{}", t.tier)>{t.tier.clone()}</span>
                    " " {t.files} " files · " {t.size.clone()}
                </li>
            }
        })
        .collect_view();
    let blockers = (!p.blockers.is_empty()).then(|| {
        let items = p.blockers.iter().map(|b| view! { <li>{b.clone()}</li> }).collect_view();
        view! {
            <div class="alert error" id="blockers">
                <p>"Publishing would be refused until these are dealt with:"</p>
                <ul>{items}</ul>
            </div>
        }
    });
    let rows = p
        .files
        .iter()
        .map(|f| {
            let remove = p.can_edit.then(|| {
                let fields = hidden(csrf, &slug, &p.id);
                let file_id = f.file_id.clone();
                view! {
                    <ActionForm action=a.remove attr:class="inline remove-file-form">
                        {fields}
                        <input type="hidden" name="file_id" value=file_id />
                        <button type="submit" class="link small">"Remove"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr class="draft-file">
                    <td><a href=format!("/w/{slug}/files/{}", f.file_id)>{f.path.clone()}</a></td>
                    <td class="num">{f.size.clone()}</td>
                    <td><span class=format!("pill tier-{}", f.tier)>{f.tier.clone()}</span></td>
                    <td>{if f.released { "released" } else { "not released" }}</td>
                    <td>{remove}</td>
                </tr>
            }
        })
        .collect_view();
    let table = if p.files.is_empty() {
        view! { <p class="muted" id="empty-draft">"The draft holds no files yet."</p> }.into_any()
    } else {
        view! {
            <table class="table compact" id="draft-files">
                <thead><tr><th>"Path in the package"</th><th class="num">"Size"</th><th>"Tier"</th><th>"Release"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {(p.files_more > 0).then(|| view! { <p class="muted">"… and " {p.files_more} " more files."</p> })}
        }
        .into_any()
    };
    let controls = p.can_edit.then(|| {
        let datasets = p
            .datasets
            .iter()
            .map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> })
            .collect_view();
        let published = !p.versions.is_empty();
        let (h_dataset, h_search, h_publish, h_reset) =
            (hidden(csrf, &slug, &p.id), hidden(csrf, &slug, &p.id), hidden(csrf, &slug, &p.id), hidden(csrf, &slug, &p.id));
        let publish_result = move || {
            a.publish.value().get().map(|r| match r {
                Ok(n) => view! { <p class="alert ok" id="published">"Version " {n} " published."</p> }.into_any(),
                Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any(),
            })
        };
        view! {
            <div class="draft-controls">
                <ActionForm action=a.add_dataset attr:class="form inline-form" attr:id="add-dataset-form">
                    {h_dataset}
                    <label>"Add every file of a dataset " <select name="dataset_id" required>{datasets}</select></label>
                    <button type="submit">"Add dataset"</button>
                </ActionForm>
                {action_error(move || a.add_dataset.value().get())}
                <details>
                    <summary>"Add the files a search finds"</summary>
                    <ActionForm action=a.add_search attr:class="form" attr:id="add-search-form">
                        {h_search}
                        <label>"Object" <input type="text" name="object" /></label>
                        <label>"Filter" <input type="text" name="filter" /></label>
                        <label>"Frame type" <input type="text" name="frame_type" placeholder="science, flat, dark, bias" /></label>
                        <label>"Observed from" <input type="date" name="date_from" /></label>
                        <label>"to" <input type="date" name="date_to" /></label>
                        <button type="submit">"Add matching files"</button>
                    </ActionForm>
                    {action_error(move || a.add_search.value().get())}
                </details>
                <ActionForm action=a.publish attr:class="inline" attr:id="publish-form">
                    {h_publish}
                    <button type="submit">"Publish the draft as a new version"</button>
                </ActionForm>
                {publish_result}
                {published.then(|| view! {
                    " "
                    <ActionForm action=a.reset attr:class="inline" attr:id="reset-draft-form">
                        {h_reset}
                        <button type="submit" class="link">"Start again from the last version"</button>
                    </ActionForm>
                    {action_error(move || a.reset.value().get())}
                })}
                {action_error(move || a.remove.value().get())}
            </div>
        }
    });
    view! {
        <section class="panel" id="draft">
            <h2>"Draft"</h2>
            <p id="draft-total">{p.file_count} " files · " {p.total_size.clone()}</p>
            <ul class="plain tier-totals">{tiers}</ul>
            {blockers}
            {table}
            {controls}
        </section>
    }
}

fn versions_section(p: &PackageEditor, csrf: &str, a: EditorActions) -> impl IntoView + use<> {
    let slug = p.workspace.slug.clone();
    let api = format!("/api/v1/workspaces/{slug}/packages/{}/versions", p.id);
    let rows = p
        .versions
        .iter()
        .map(|v| {
            let doi = if p.can_edit {
                let fields = hidden(csrf, &slug, &p.id);
                let (number, doi) = (v.number.to_string(), v.doi.clone());
                view! {
                    <ActionForm action=a.doi attr:class="inline doi-form">
                        {fields}
                        <input type="hidden" name="number" value=number />
                        <input type="text" name="doi" value=doi placeholder="10.xxxx/…" size="18" />
                        <button type="submit" class="small">"Save"</button>
                    </ActionForm>
                }
                .into_any()
            } else {
                view! { <span>{v.doi.clone()}</span> }.into_any()
            };
            view! {
                <tr class="version-row">
                    <td><a href=format!("/packages/{}/versions/{}", p.id, v.number)>{format!("v{}", v.number)}</a></td>
                    <td>{v.published.clone()}</td>
                    <td class="num">{v.files}</td>
                    <td class="num">{v.size.clone()}</td>
                    <td class="num">{v.downloads}</td>
                    <td>
                        <a rel="external" href=format!("{api}/{}/manifest.json", v.number)>"manifest.json"</a>
                        <br /><code class="sha" title="SHA-256 of manifest.json">{v.manifest_sha256.clone()}</code>
                    </td>
                    <td>{doi}</td>
                </tr>
            }
        })
        .collect_view();
    let body = if p.versions.is_empty() {
        view! { <p class="muted" id="no-versions">"Nothing published yet."</p> }.into_any()
    } else {
        view! {
            <table class="table compact" id="versions">
                <thead>
                    <tr><th>"Version"</th><th>"Published"</th><th class="num">"Files"</th><th class="num">"Size"</th>
                    <th class="num">"Downloads"</th><th>"Manifest"</th><th>"DOI"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {action_error(move || a.doi.value().get())}
        }
        .into_any()
    };
    view! {
        <section class="panel" id="version-history">
            <h2>"Versions"</h2>
            {body}
        </section>
    }
}

fn fields_form(p: &PackageEditor, csrf: &str, a: EditorActions) -> impl IntoView + use<> {
    let choice = |name: &'static str, list: &[crate::api::packages::Choice]| {
        let options = list
            .iter()
            .map(|c| view! { <option value=c.id.clone() selected=c.selected>{c.label.clone()}</option> })
            .collect_view();
        view! { <select name=name multiple size="5">{options}</select> }
    };
    let mut licences: Vec<String> = LICENCES.iter().map(|s| (*s).to_owned()).collect();
    if !licences.contains(&p.licence) {
        licences.insert(0, p.licence.clone());
    }
    let licences = licences
        .into_iter()
        .map(|l| {
            let selected = l == p.licence;
            view! { <option value=l.clone() selected=selected>{l.clone()}</option> }
        })
        .collect_view();
    let access = ["private", "link", "public"]
        .into_iter()
        .filter(|x| *x != "public" || p.public_workspace || p.access == "public")
        .map(|x| view! { <option value=x selected=p.access == x>{access_label(x)}</option> })
        .collect_view();
    let fields = hidden(csrf, &p.workspace.slug, &p.id);
    let (title, description, authors, keywords) =
        (p.title.clone(), textarea_text(&p.description), textarea_text(&p.authors_text), p.keywords.clone());
    let (night_logs, targets) = (choice("night_log_ids[]", &p.night_logs), choice("target_ids[]", &p.targets));
    let suggestions = (!p.author_suggestions.is_empty()).then(|| {
        let lines = p.author_suggestions.iter().map(|l| view! { <li><code>{l.clone()}</code></li> }).collect_view();
        view! {
            <div class="muted small" id="author-suggestions">
                "Members\u{2019} ORCID iDs (from their ORCID sign-in), to copy into the list:"
                <ul class="plain">{lines}</ul>
            </div>
        }
    });
    view! {
        <section class="panel">
            <h2>"Describe the package"</h2>
            <ActionForm action=a.update attr:class="form" attr:id="package-fields-form">
                {fields}
                <label>"Title" <input type="text" name="title" value=title required maxlength="300" /></label>
                <label>"Description (Markdown)" <textarea name="description" rows="6">{description}</textarea></label>
                <label>"Authors, a line each: name; ORCID; affiliation"
                    <textarea name="authors" rows="4" placeholder="Henrietta Leavitt; 0000-0002-1825-0097; Harvard">{authors}</textarea>
                </label>
                {suggestions}
                <label>"Keywords, separated by commas" <input type="text" name="keywords" value=keywords /></label>
                <label>"Licence (SPDX)" <select name="licence">{licences}</select></label>
                <label>"Access" <select name="access">{access}</select></label>
                <label>"Related night logs" {night_logs}</label>
                <label>"Related targets" {targets}</label>
                <button type="submit">"Save"</button>
            </ActionForm>
            {action_error(move || a.update.value().get())}
        </section>
    }
}

fn links_section(p: &PackageEditor, csrf: &str, a: EditorActions) -> impl IntoView + use<> {
    let slug = p.workspace.slug.clone();
    let rows = p
        .links
        .iter()
        .map(|l| {
            let revoke = l.live.then(|| {
                let fields = hidden(csrf, &slug, &p.id);
                let link_id = l.id.clone();
                view! {
                    <ActionForm action=a.revoke attr:class="inline revoke-link-form">
                        {fields}
                        <input type="hidden" name="link_id" value=link_id />
                        <button type="submit" class="danger small">"Revoke"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr class="link-row">
                    <td>{if l.label.is_empty() { "(no label)".to_owned() } else { l.label.clone() }}</td>
                    <td>{l.created.clone()}</td>
                    <td>{l.state.clone()}</td>
                    <td>{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    let new_link = p.new_link.clone().map(|url| {
        view! {
            <p class="alert ok" id="new-link">
                "Copy this link now; it is not shown again: " <code>{url}</code>
            </p>
        }
    });
    let new_fields = hidden(csrf, &slug, &p.id);
    let note = (p.access == "private").then(|| {
        view! { <p class="muted">"Links open the package only while its access is “shared by link” or “public”."</p> }
    });
    view! {
        <section class="panel" id="links">
            <h2>"Secret links"</h2>
            {note}
            {(!p.links.is_empty()).then(|| view! {
                <table class="table compact" id="link-list">
                    <thead><tr><th>"Label"</th><th>"Made"</th><th>"State"</th><th></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })}
            {action_error(move || a.revoke.value().get())}
            <ActionForm action=a.link attr:class="form inline-form" attr:id="create-link-form">
                {new_fields}
                <label>"Label" <input type="text" name="label" maxlength="120" placeholder="for the referee" /></label>
                <label>"Expires (empty: never)" <input type="date" name="expires_on" /></label>
                <button type="submit">"Make a link"</button>
            </ActionForm>
            {action_error(move || a.link.value().get())}
            {new_link}
        </section>
    }
}

/// A version's landing page at its cited address (`/packages/:id/versions/:n`; `/packages/:id` is the newest).
#[component]
pub fn PackageLandingPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (p.get("id").unwrap_or_default(), p.get("n").and_then(|n| n.parse::<i32>().ok()))
    };
    landing_page(Resource::new(key, |(id, n)| get_package_landing(id, n)))
}

/// A version's landing page for the holder of a secret link.
#[component]
pub fn SharedLandingPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (p.get("token").unwrap_or_default(), p.get("n").and_then(|n| n.parse::<i32>().ok()))
    };
    landing_page(Resource::new(key, |(token, n)| get_shared_landing(token, n)))
}

/// Either way in, the same page.
fn landing_page(info: Resource<Result<Landing, ServerFnError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Err(e) => view! { <h1>"Data package"</h1> <p class="alert error">{error_text(&e)}</p> }.into_any(),
                    Ok(l) => landing(l).into_any(),
                }
            })}
        </Suspense>
    }
}

fn landing(l: Landing) -> impl IntoView {
    let authors = author_list(&l.authors);
    let files = l
        .files
        .iter()
        .map(|f| {
            view! {
                <tr class="landing-file">
                    <td><a rel="external" download="" href=f.href.clone()>{f.path.clone()}</a></td>
                    <td class="num">{f.size.clone()}</td>
                    <td><code class="sha">{f.sha256.clone()}</code></td>
                </tr>
            }
        })
        .collect_view();
    let versions = l
        .versions
        .iter()
        .map(|(n, date, href)| {
            let this = *n == l.number;
            view! {
                <li class:current=this>
                    <a href=href.clone()>{format!("Version {n}")}</a> " · " {date.clone()}
                    {this.then_some(" (this one)")}
                </li>
            }
        })
        .collect_view();
    let licence = if l.licence_url.is_empty() {
        view! { <span>{l.licence.clone()}</span> }.into_any()
    } else {
        view! { <a href=l.licence_url.clone() rel="license">{l.licence.clone()}</a> }.into_any()
    };
    let doi = (!l.doi.is_empty()).then(|| {
        view! { " · DOI " <a id="doi" href=format!("https://doi.org/{}", l.doi)>{l.doi.clone()}</a> }
    });
    let origin = if l.via_link {
        view! { <p class="muted" id="via-link">"Shared with you by a link from " {l.workspace_name.clone()} "."</p> }
            .into_any()
    } else {
        view! {
            <p class="muted">
                <a href=format!("/w/{}", l.workspace_slug)>{l.workspace_name.clone()}</a> " / "
                <a href=format!("/w/{}/packages", l.workspace_slug)>"Data packages"</a>
            </p>
        }
        .into_any()
    };
    let keywords =
        (!l.keywords.is_empty()).then(|| view! { <p class="muted">"Keywords: " {l.keywords.join(", ")}</p> });
    view! {
        <Title text=crate::components::title_text(format!("{} (version {}) — Meridian", l.title, l.number)) />
        {origin}
        <h1 id="landing-title">{l.title.clone()}</h1>
        <p class="lead">
            "Version " {l.number} " · published " {l.published.clone()} " · " {l.file_count} " files · "
            {l.total_size.clone()} " · " {licence} {doi}
        </p>
        <ul class="plain authors">{authors}</ul>
        {keywords}
        <div class="markdown description" inner_html=l.description_html.clone()></div>
        <section class="panel" id="downloads">
            <h2>"Download"</h2>
            <p>
                <a class="button" id="download-zip" rel="external" download="" href=l.zip_href.clone()>"Download .zip"</a> " "
                <a class="button" id="download-tar" rel="external" download="" href=l.tar_href.clone()>"Download .tar"</a> " "
                <a rel="external" href=l.manifest_href.clone() id="manifest-link">"manifest.json"</a>
            </p>
            <p class="muted">
                "Each archive holds manifest.json and SHA256SUMS beside the files; check them with "
                <code>"sha256sum -c SHA256SUMS"</code> ". The package checksum (SHA-256 of manifest.json) is "
                <code class="sha" id="manifest-sha">{l.manifest_sha256.clone()}</code>
                ". The .tar download resumes where it broke off. Downloaded " {l.downloads} " times."
            </p>
        </section>
        <section class="panel" id="citation">
            <h2>"Cite this version"</h2>
            <blockquote id="citation-text">{l.citation.clone()}</blockquote>
            <details>
                <summary>"DataCite metadata (JSON, schema 4)"</summary>
                <pre id="datacite">{l.datacite.clone()}</pre>
            </details>
        </section>
        <section class="panel">
            <h2>"Files"</h2>
            <table class="table compact" id="landing-files">
                <thead><tr><th>"Path"</th><th class="num">"Size"</th><th>"SHA-256"</th></tr></thead>
                <tbody>{files}</tbody>
            </table>
            {(l.files_more > 0).then(|| view! { <p class="muted">"… and " {l.files_more} " more: see manifest.json."</p> })}
        </section>
        <section class="panel">
            <h2>"Versions"</h2>
            <ul class="plain" id="landing-versions">{versions}</ul>
        </section>
    }
}
