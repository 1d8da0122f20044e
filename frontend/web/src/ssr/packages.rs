//! The server side of the package pages: form text becomes the package use cases' inputs, versions and links
//! become text, and a version's landing page gathers what readers and citers need.

use super::data::day;
use super::equipment::{invalid, not_found_status};
use super::{actor, all_rows, fail, form_caller, form_id, id_of, services, set_flash, take_flash, workspace_info};
use crate::api::data::human_size;
use crate::api::packages::{
    AuthorItem, Choice, DraftFileItem, Landing, LandingFile, LinkItem, PackageEditor, PackageFields, PackageItem,
    PackageVersionItem, PackagesIndex, TierTotalItem,
};
use leptos::prelude::*;
use leptos_actix::redirect;
use meridian_domain::{Action, Author, DataFileId, PackageId, PackageLinkId};
use meridian_service::data::FileQuery;
use meridian_service::nights::NightLogQuery;
use meridian_service::packages::{AddFiles, AuthorInput, PackageInput, Reader, TierTotal};
use meridian_service::reports::render_markdown;
use meridian_service::targets::TargetQuery;
use meridian_service::workspaces::WorkspaceView;
use meridian_service::{ServiceError, Services};

/// A flash cookie carrying a just-made secret link (`package:token`) to the editor, which shows it once.
const NEW_LINK_COOKIE: &str = "meridian_new_link";

/// Draft and landing pages list at most this many files (the manifest has them all).
const LISTED: usize = 1000;

fn size(bytes: i64) -> String {
    human_size(u64::try_from(bytes).unwrap_or(0))
}

fn given(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn author_item(a: &Author) -> AuthorItem {
    AuthorItem {
        name: a.name.clone(),
        orcid: a.orcid.as_ref().map(meridian_domain::Orcid::url).unwrap_or_default(),
        affiliation: a.affiliation.clone().unwrap_or_default(),
    }
}

/// `Name; ORCID; affiliation`, a line each (the last two may be left out).
fn parse_authors(text: &str) -> Vec<AuthorInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.split(';').map(str::trim);
            AuthorInput {
                name: parts.next().unwrap_or_default().to_owned(),
                orcid: parts.next().and_then(given),
                affiliation: parts.next().and_then(given),
            }
        })
        .collect()
}

fn authors_text(authors: &[Author]) -> String {
    authors
        .iter()
        .map(|a| {
            let orcid = a.orcid.as_ref().map(|o| o.url().trim_start_matches("https://orcid.org/").to_owned());
            match (orcid, &a.affiliation) {
                (None, None) => a.name.clone(),
                (o, None) => format!("{}; {}", a.name, o.unwrap_or_default()),
                (o, Some(af)) => format!("{}; {}; {af}", a.name, o.unwrap_or_default()),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A person's name as an author line's first field: a `;` would start the next field.
fn author_name(name: &str) -> String {
    name.replace(';', ",")
}

/// The members whose ORCID iDs we know, as lines of the authors field (`Name; ORCID`), the person editing first.
fn author_suggestions(
    members: &[meridian_domain::workspaces::Member],
    me: Option<meridian_domain::AccountId>,
) -> Vec<String> {
    let mut with_orcid: Vec<&meridian_domain::workspaces::Member> =
        members.iter().filter(|m| m.orcid.is_some()).collect();
    with_orcid.sort_by_key(|m| Some(m.account_id) != me);
    with_orcid
        .into_iter()
        .map(|m| format!("{}; {}", author_name(m.display_name.as_str()), m.orcid.as_deref().unwrap_or_default()))
        .collect()
}

/// The ids a multiple choice sent (none when nothing was chosen), each checked.
fn ids<T: std::str::FromStr>(field: &str, list: Option<Vec<String>>) -> Result<Vec<T>, ServerFnError> {
    list.unwrap_or_default()
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<T>().map_err(|_| invalid(field, "holds something that is not an id")))
        .collect()
}

fn date(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Every byte outside the unreserved set (and `/`, which separates the path's parts) percent-encoded.
fn encode_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn packages_index(slug: String) -> Result<PackagesIndex, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let page = services.list_packages(&actor, &slug, Some(200), None).await?;
        Ok::<_, ServiceError>((access, page))
    };
    let (access, page) = read.await.inspect_err(not_found_status).map_err(fail)?;
    Ok(PackagesIndex {
        can_create: access.can(Action::CreateData),
        is_member: access.can(Action::ViewWorkspace),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        packages: page
            .items
            .into_iter()
            .map(|p| PackageItem {
                id: p.id.to_string(),
                title: p.title,
                access: p.access.as_str().to_owned(),
                licence: p.licence,
                latest_version: p.latest_version,
            })
            .collect(),
    })
}

pub async fn create_package(
    csrf: String,
    slug: String,
    title: String,
    licence: String,
    description: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    // The person starting the package is offered as its first author (with the ORCID iD their ORCID sign-in
    // gave); the form changes that like any other field.
    let me = actor.account().map(|a| AuthorInput {
        name: author_name(a.display_name.as_str()),
        orcid: a.orcid.clone(),
        affiliation: None,
    });
    let input = PackageInput {
        title: Some(title),
        licence: Some(licence),
        description: Some(description),
        authors: me.map(|a| vec![a]),
        ..PackageInput::default()
    };
    let p = services.create_package(&actor, &slug, input).await.map_err(fail)?;
    redirect(&format!("/w/{slug}/packages/{}", p.id));
    Ok(())
}

fn tier_item(tier: &str, t: TierTotal) -> TierTotalItem {
    TierTotalItem { tier: tier.to_owned(), files: t.file_count, size: human_size(t.total_bytes) }
}

pub async fn package_editor(slug: String, id: String) -> Result<PackageEditor, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let s: &Services = &services;
    let read = async {
        let access = s.access(&actor, &slug).await?;
        // Outsiders read packages on their landing pages; the editor is for members.
        access.require_on(false, Action::ViewWorkspace, "package")?;
        let package = id_of::<PackageId>(&id, "package")?;
        let reader = Reader::Caller { actor: &actor, slug: &slug, package };
        let p = s.get_package(&reader).await?;
        let draft = s.get_draft(&actor, &slug, package).await?;
        let versions = s.list_versions(&reader, Some(meridian_domain::Limit::MAX), None).await?.items;
        let can_edit = access.can(Action::EditData);
        let links = if can_edit { s.list_package_links(&actor, &slug, package).await? } else { Vec::new() };
        let mut datasets = Vec::new();
        if can_edit {
            // Every dataset for the "add a dataset" choice, a page at a time.
            let mut page = all_rows();
            loop {
                let got = s.list_datasets(&actor, &slug, &page).await?;
                datasets.extend(got.items);
                match got.next_cursor {
                    Some(c) => page.after = Some(c.decode()?),
                    None => break,
                }
            }
        }
        let logs = s.list_night_logs(&actor, &slug, &NightLogQuery::default(), &all_rows()).await?;
        let targets = s.list_targets(&actor, &slug, &TargetQuery::default(), &all_rows()).await?;
        let members = if can_edit { s.list_members(&actor, &slug, &all_rows()).await?.items } else { Vec::new() };
        Ok::<_, ServiceError>((access, p, draft, versions, links, datasets, logs, targets, members))
    };
    let (access, p, draft, versions, links, datasets, logs, targets, members) =
        read.await.inspect_err(not_found_status).map_err(fail)?;
    let author_suggestions = author_suggestions(&members, actor.account().map(|a| a.id));
    let now = chrono::Utc::now();
    let file_count = draft.file_count;
    // Shown only on its own package's page, once.
    let new_link = take_flash(NEW_LINK_COOKIE, &id).map(|t| format!("{}/shared/{t}", services.public_url()));
    Ok(PackageEditor {
        new_link,
        id: p.id.to_string(),
        description_html: render_markdown(&p.description),
        authors: p.authors.iter().map(author_item).collect(),
        authors_text: authors_text(&p.authors),
        author_suggestions,
        keywords: p.keywords.join(", "),
        licence: p.licence.clone(),
        access: p.access.as_str().to_owned(),
        night_logs: logs
            .items
            .iter()
            .map(|l| Choice {
                id: l.log.id.to_string(),
                label: format!("{} · {}", l.log.night, l.telescope.name),
                selected: p.night_log_ids.contains(&l.log.id.as_uuid()),
            })
            .collect(),
        targets: targets
            .items
            .iter()
            .map(|t| Choice {
                id: t.id.to_string(),
                label: t.name.to_string(),
                selected: p.target_ids.contains(&t.id.as_uuid()),
            })
            .collect(),
        files_more: file_count.saturating_sub(LISTED as u64),
        files: draft
            .files
            .iter()
            .take(LISTED)
            .map(|f| DraftFileItem {
                file_id: f.file.id.to_string(),
                path: f.path.clone(),
                size: size(f.file.size_bytes),
                tier: f.file.tier.as_str().to_owned(),
                released: f.file.public,
            })
            .collect(),
        file_count,
        total_size: human_size(draft.total_bytes),
        tiers: vec![tier_item("hot", draft.hot), tier_item("cool", draft.cool), tier_item("cold", draft.cold)],
        blockers: draft.blockers,
        versions: versions
            .iter()
            .rev()
            .map(|v| PackageVersionItem {
                number: v.number,
                published: date(v.published_at),
                files: v.file_count,
                size: size(v.total_bytes),
                manifest_sha256: v.manifest_sha256.clone(),
                doi: v.doi.clone().unwrap_or_default(),
                downloads: v.download_count,
            })
            .collect(),
        links: links
            .into_iter()
            .map(|l| {
                let expired = l.expires_at.is_some_and(|t| t <= now);
                let state = match (l.revoked_at, l.expires_at) {
                    (Some(t), _) => format!("revoked {}", date(t)),
                    (None, Some(t)) if expired => format!("expired {}", date(t)),
                    (None, Some(t)) => format!("until {}", date(t)),
                    (None, None) => "no expiry".to_owned(),
                };
                LinkItem {
                    id: l.id.to_string(),
                    label: l.label,
                    created: date(l.created_at),
                    live: l.revoked_at.is_none() && !expired,
                    state,
                }
            })
            .collect(),
        datasets: datasets.into_iter().map(|d| (d.id.to_string(), d.name)).collect(),
        can_edit: access.can(Action::EditData),
        can_delete: access.can(Action::DeleteData),
        public_workspace: access.workspace.visibility == meridian_domain::Visibility::Public,
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        title: p.title,
        description: p.description,
    })
}

pub async fn update_package(
    csrf: String,
    slug: String,
    id: String,
    f: PackageFields,
    night_log_ids: Option<Vec<String>>,
    target_ids: Option<Vec<String>>,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let input = PackageInput {
        title: Some(f.title),
        description: Some(f.description),
        authors: Some(parse_authors(&f.authors)),
        keywords: Some(f.keywords.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect()),
        licence: Some(f.licence),
        night_log_ids: Some(
            ids::<meridian_domain::NightLogId>("night_log_ids", night_log_ids)?.iter().map(|i| i.as_uuid()).collect(),
        ),
        target_ids: Some(
            ids::<meridian_domain::TargetId>("target_ids", target_ids)?.iter().map(|i| i.as_uuid()).collect(),
        ),
        access: Some(f.access),
    };
    services.update_package(&actor, &slug, form_id::<PackageId>(&id, "package")?, input).await.map(drop).map_err(fail)
}

pub async fn add_package_dataset(
    csrf: String,
    slug: String,
    id: String,
    dataset_id: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let add = AddFiles { dataset_id: Some(dataset_id), ..AddFiles::default() };
    services.add_to_draft(&actor, &slug, form_id::<PackageId>(&id, "package")?, add).await.map(drop).map_err(fail)
}

#[expect(clippy::too_many_arguments, reason = "a server function's arguments are its form's fields")]
pub async fn add_package_search(
    csrf: String,
    slug: String,
    id: String,
    object: String,
    filter: String,
    frame_type: String,
    date_from: String,
    date_to: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let search = FileQuery {
        object: given(&object),
        filter: given(&filter),
        frame_type: given(&frame_type),
        date_from: day("date_from", &date_from, false)?,
        date_to: day("date_to", &date_to, true)?,
        ..FileQuery::default()
    };
    let empty = search.object.is_none()
        && search.filter.is_none()
        && search.frame_type.is_none()
        && search.date_from.is_none()
        && search.date_to.is_none();
    if empty {
        return Err(invalid("search", "give at least one condition (an empty search would add every file)"));
    }
    let add = AddFiles { search: Some(search), ..AddFiles::default() };
    services.add_to_draft(&actor, &slug, form_id::<PackageId>(&id, "package")?, add).await.map(drop).map_err(fail)
}

pub async fn remove_package_file(csrf: String, slug: String, id: String, file_id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let (id, file) = (form_id::<PackageId>(&id, "package")?, form_id::<DataFileId>(&file_id, "file")?);
    services.remove_from_draft(&actor, &slug, id, &[file]).await.map(drop).map_err(fail)
}

pub async fn reset_package_draft(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.reset_draft(&actor, &slug, form_id::<PackageId>(&id, "package")?).await.map(drop).map_err(fail)
}

pub async fn publish_package(csrf: String, slug: String, id: String) -> Result<i32, ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.publish_package(&actor, &slug, form_id::<PackageId>(&id, "package")?).await.map(|v| v.number).map_err(fail)
}

pub async fn delete_package(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.delete_package(&actor, &slug, form_id::<PackageId>(&id, "package")?).await.map_err(fail)?;
    redirect(&format!("/w/{slug}/packages"));
    Ok(())
}

pub async fn create_package_link(
    csrf: String,
    slug: String,
    id: String,
    label: String,
    expires_on: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let expires = day("expires_on", &expires_on, true)?;
    let link = services
        .create_package_link(&actor, &slug, form_id::<PackageId>(&id, "package")?, given(&label), expires)
        .await
        .map_err(fail)?;
    // Shown once by the editor, which clears it (as a new API key is).
    set_flash(NEW_LINK_COOKIE, &id, &link.token.unwrap_or_default());
    Ok(())
}

pub async fn revoke_package_link(csrf: String, slug: String, id: String, link_id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let id = form_id::<PackageId>(&id, "package")?;
    let link = form_id::<PackageLinkId>(&link_id, "link")?;
    services.revoke_package_link(&actor, &slug, id, link).await.map_err(fail)
}

pub async fn set_package_doi(
    csrf: String,
    slug: String,
    id: String,
    number: i32,
    doi: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services
        .set_version_doi(&actor, &slug, form_id::<PackageId>(&id, "package")?, number, given(&doi).as_deref())
        .await
        .map(drop)
        .map_err(fail)
}

/// Where a landing page's links lead: the workspace's API and cited pages, or the link's.
enum Via<'a> {
    Cited,
    Link(&'a str),
}

fn landing(l: meridian_service::packages::VersionLanding, via: &Via<'_>) -> Landing {
    let id = l.package.id.to_string();
    let n = l.version.number;
    let api = match via {
        Via::Cited => format!("/api/v1/workspaces/{}/packages/{id}/versions/{n}", l.workspace_slug),
        Via::Link(token) => format!("/api/v1/shared/{token}/versions/{n}"),
    };
    let page = |k: i32| match via {
        Via::Cited => format!("/packages/{id}/versions/{k}"),
        Via::Link(token) => format!("/shared/{token}/versions/{k}"),
    };
    let m = &l.version.metadata;
    let licence_url = meridian_domain::SpdxId::parse(&m.licence).ok().and_then(|s| s.url()).unwrap_or_default();
    Landing {
        package_id: id.clone(),
        title: m.title.clone(),
        description_html: render_markdown(&m.description),
        authors: m.authors.iter().map(author_item).collect(),
        keywords: m.keywords.clone(),
        licence: m.licence.clone(),
        licence_url,
        number: n,
        published: date(l.version.published_at),
        file_count: l.version.file_count,
        total_size: size(l.version.total_bytes),
        manifest_sha256: l.version.manifest_sha256.clone(),
        doi: l.version.doi.clone().unwrap_or_default(),
        downloads: l.version.download_count,
        versions: l.versions.iter().map(|(k, t)| (*k, date(*t), page(*k))).collect(),
        files_more: (l.files.len() as u64).saturating_sub(LISTED as u64),
        files: l
            .files
            .iter()
            .take(LISTED)
            .map(|f| LandingFile {
                href: format!("{api}/files/{}", encode_path(&f.path)),
                path: f.path.clone(),
                size: human_size(f.size),
                sha256: f.sha256.clone(),
            })
            .collect(),
        citation: l.citation.text.clone(),
        datacite: serde_json::to_string_pretty(&l.citation.datacite).unwrap_or_default(),
        zip_href: format!("{api}/archive.zip"),
        tar_href: format!("{api}/archive.tar"),
        manifest_href: format!("{api}/manifest.json"),
        via_link: matches!(via, Via::Link(_)),
        workspace_slug: l.workspace_slug,
        workspace_name: l.workspace_name,
    }
}

pub async fn package_landing(id: String, number: Option<i32>) -> Result<Landing, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let read = async {
        let reader = Reader::Cited { actor: &actor, package: id_of::<PackageId>(&id, "package")? };
        services.version_landing(&reader, number).await
    };
    let l = read.await.inspect_err(not_found_status).map_err(fail)?;
    Ok(landing(l, &Via::Cited))
}

pub async fn shared_landing(token: String, number: Option<i32>) -> Result<Landing, ServerFnError> {
    let reader = Reader::Link { token: &token };
    let l = services()?.version_landing(&reader, number).await.inspect_err(not_found_status).map_err(fail)?;
    Ok(landing(l, &Via::Link(&token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_are_read_a_line_each() {
        let a = parse_authors(
            "Edwin Hubble; 0000-0002-1825-0097; Mount Wilson\n\n  Annie Cannon \nHenrietta Leavitt;;Harvard",
        );
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].orcid.as_deref(), Some("0000-0002-1825-0097"));
        assert_eq!(a[0].affiliation.as_deref(), Some("Mount Wilson"));
        assert_eq!((a[1].name.as_str(), a[1].orcid.as_deref()), ("Annie Cannon", None));
        assert_eq!((a[2].orcid.as_deref(), a[2].affiliation.as_deref()), (None, Some("Harvard")));
    }

    #[test]
    fn paths_are_encoded_but_keep_their_slashes() {
        assert_eq!(encode_path("M31 night/a b#1.fits"), "M31%20night/a%20b%231.fits");
        assert_eq!(encode_path("é.fits"), "%C3%A9.fits");
    }
}
