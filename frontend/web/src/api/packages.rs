//! Server functions of the package pages: a workspace's packages, one package's editor (fields, the draft
//! selection with its totals per tier, versions, secret links) and a version's landing page (reached by its cited
//! address `/packages/{id}/versions/{n}` or by a secret link `/shared/{token}`). Archives and files download from
//! the API; the pages only link to them.
#![expect(clippy::too_many_arguments, reason = "a server function's arguments are its form's fields")]

use super::WorkspaceInfo;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A package in a workspace's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageItem {
    pub id: String,
    pub title: String,
    /// `private`, `link` or `public`.
    pub access: String,
    pub licence: String,
    pub latest_version: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackagesIndex {
    pub workspace: WorkspaceInfo,
    pub can_create: bool,
    /// Members open the editor; visitors the newest version's landing page.
    pub is_member: bool,
    pub packages: Vec<PackageItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorItem {
    pub name: String,
    /// `https://orcid.org/…`, or empty.
    pub orcid: String,
    pub affiliation: String,
}

/// A night log or target the package may relate to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftFileItem {
    pub file_id: String,
    pub path: String,
    pub size: String,
    pub tier: String,
    pub released: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierTotalItem {
    pub tier: String,
    pub files: u64,
    pub size: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageVersionItem {
    pub number: i32,
    pub published: String,
    pub files: i64,
    pub size: String,
    pub manifest_sha256: String,
    pub doi: String,
    pub downloads: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkItem {
    pub id: String,
    pub label: String,
    pub created: String,
    /// `never`, a date, or `revoked` / `expired`.
    pub state: String,
    pub live: bool,
}

/// One package's page for members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageEditor {
    /// The secret link just made, shown this once.
    pub new_link: Option<String>,
    pub workspace: WorkspaceInfo,
    pub id: String,
    pub title: String,
    pub description: String,
    pub description_html: String,
    pub authors: Vec<AuthorItem>,
    /// The authors as the form shows them: `Name; ORCID; affiliation`, a line each.
    pub authors_text: String,
    /// Members whose ORCID iDs are known, as lines of the authors field (`Name; ORCID`), the person editing first.
    pub author_suggestions: Vec<String>,
    pub keywords: String,
    pub licence: String,
    pub access: String,
    pub night_logs: Vec<Choice>,
    pub targets: Vec<Choice>,
    pub files: Vec<DraftFileItem>,
    /// Draft files beyond those listed.
    pub files_more: u64,
    pub file_count: u64,
    pub total_size: String,
    pub tiers: Vec<TierTotalItem>,
    /// What stops a publish now.
    pub blockers: Vec<String>,
    pub versions: Vec<PackageVersionItem>,
    pub links: Vec<LinkItem>,
    /// (id, name) of the workspace's datasets, for "add a dataset".
    pub datasets: Vec<(String, String)>,
    pub can_edit: bool,
    pub can_delete: bool,
    /// Public packages need a public workspace.
    pub public_workspace: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandingFile {
    pub path: String,
    pub size: String,
    pub sha256: String,
    pub href: String,
}

/// A published version's landing page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landing {
    pub workspace_slug: String,
    pub workspace_name: String,
    pub package_id: String,
    pub title: String,
    pub description_html: String,
    pub authors: Vec<AuthorItem>,
    pub keywords: Vec<String>,
    pub licence: String,
    pub licence_url: String,
    pub number: i32,
    pub published: String,
    pub file_count: i64,
    pub total_size: String,
    pub manifest_sha256: String,
    pub doi: String,
    pub downloads: i64,
    /// (number, date, address of its landing page), newest first.
    pub versions: Vec<(i32, String, String)>,
    pub files: Vec<LandingFile>,
    pub files_more: u64,
    pub citation: String,
    /// DataCite metadata, pretty-printed JSON.
    pub datacite: String,
    pub zip_href: String,
    pub tar_href: String,
    pub manifest_href: String,
    /// Reached through a secret link (the page says so, and does not show the workspace's links).
    pub via_link: bool,
}

#[server(prefix = "/fn", endpoint = "packages")]
pub async fn get_packages(slug: String) -> Result<PackagesIndex, ServerFnError> {
    crate::ssr::packages::packages_index(slug).await
}

/// Creates a package and opens its editor.
#[server(prefix = "/fn", endpoint = "create_package")]
pub async fn create_package(
    csrf_token: String,
    slug: String,
    title: String,
    licence: String,
    description: String,
) -> Result<(), ServerFnError> {
    crate::ssr::packages::create_package(csrf_token, slug, title, licence, description).await
}

#[server(prefix = "/fn", endpoint = "package_editor")]
pub async fn get_package_editor(slug: String, id: String) -> Result<PackageEditor, ServerFnError> {
    crate::ssr::packages::package_editor(slug, id).await
}

/// Saves the package's fields. `authors`: `Name; ORCID; affiliation`, a line each; `keywords`: separated by
/// commas; absent related ids clear the relation.
#[server(prefix = "/fn", endpoint = "update_package")]
pub async fn update_package(
    csrf_token: String,
    slug: String,
    id: String,
    title: String,
    description: String,
    authors: String,
    keywords: String,
    licence: String,
    access: String,
    night_log_ids: Option<Vec<String>>,
    target_ids: Option<Vec<String>>,
) -> Result<(), ServerFnError> {
    let fields = crate::api::packages::PackageFields { title, description, authors, keywords, licence, access };
    crate::ssr::packages::update_package(csrf_token, slug, id, fields, night_log_ids, target_ids).await
}

/// The package form's text fields, as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageFields {
    pub title: String,
    pub description: String,
    pub authors: String,
    pub keywords: String,
    pub licence: String,
    pub access: String,
}

/// Adds every file of a dataset to the draft.
#[server(prefix = "/fn", endpoint = "add_package_dataset")]
pub async fn add_package_dataset(
    csrf_token: String,
    slug: String,
    id: String,
    dataset_id: String,
) -> Result<(), ServerFnError> {
    crate::ssr::packages::add_package_dataset(csrf_token, slug, id, dataset_id).await
}

/// Adds every file a search finds (the same fields as the file search; dates `YYYY-MM-DD`).
#[server(prefix = "/fn", endpoint = "add_package_search")]
pub async fn add_package_search(
    csrf_token: String,
    slug: String,
    id: String,
    object: String,
    filter: String,
    frame_type: String,
    date_from: String,
    date_to: String,
) -> Result<(), ServerFnError> {
    crate::ssr::packages::add_package_search(csrf_token, slug, id, object, filter, frame_type, date_from, date_to).await
}

#[server(prefix = "/fn", endpoint = "remove_package_file")]
pub async fn remove_package_file(
    csrf_token: String,
    slug: String,
    id: String,
    file_id: String,
) -> Result<(), ServerFnError> {
    crate::ssr::packages::remove_package_file(csrf_token, slug, id, file_id).await
}

/// Makes the draft the last version's selection again.
#[server(prefix = "/fn", endpoint = "reset_package_draft")]
pub async fn reset_package_draft(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::packages::reset_package_draft(csrf_token, slug, id).await
}

/// Publishes the draft as the next version; answers its number.
#[server(prefix = "/fn", endpoint = "publish_package")]
pub async fn publish_package(csrf_token: String, slug: String, id: String) -> Result<i32, ServerFnError> {
    crate::ssr::packages::publish_package(csrf_token, slug, id).await
}

/// Deletes the package (its files stay in their datasets) and goes back to the list.
#[server(prefix = "/fn", endpoint = "delete_package")]
pub async fn delete_package(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::packages::delete_package(csrf_token, slug, id).await
}

/// Makes a secret link; the editor shows its address (`/shared/…`) once.
#[server(prefix = "/fn", endpoint = "create_package_link")]
pub async fn create_package_link(
    csrf_token: String,
    slug: String,
    id: String,
    label: String,
    expires_on: String,
) -> Result<(), ServerFnError> {
    crate::ssr::packages::create_package_link(csrf_token, slug, id, label, expires_on).await
}

#[server(prefix = "/fn", endpoint = "revoke_package_link")]
pub async fn revoke_package_link(
    csrf_token: String,
    slug: String,
    id: String,
    link_id: String,
) -> Result<(), ServerFnError> {
    crate::ssr::packages::revoke_package_link(csrf_token, slug, id, link_id).await
}

/// Records (or, empty, clears) the DOI minted for version `number`.
#[server(prefix = "/fn", endpoint = "set_package_doi")]
pub async fn set_package_doi(
    csrf_token: String,
    slug: String,
    id: String,
    number: i32,
    doi: String,
) -> Result<(), ServerFnError> {
    crate::ssr::packages::set_package_doi(csrf_token, slug, id, number, doi).await
}

/// A version's landing page by its cited address; `number` absent: the newest.
#[server(prefix = "/fn", endpoint = "package_landing")]
pub async fn get_package_landing(id: String, number: Option<i32>) -> Result<Landing, ServerFnError> {
    crate::ssr::packages::package_landing(id, number).await
}

/// A version's landing page through a secret link; `number` absent: the newest.
#[server(prefix = "/fn", endpoint = "shared_landing")]
pub async fn get_shared_landing(token: String, number: Option<i32>) -> Result<Landing, ServerFnError> {
    crate::ssr::packages::shared_landing(token, number).await
}
