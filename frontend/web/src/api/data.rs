//! Server functions of the data pages: datasets, one dataset's files, one file (header, jobs, tier), the file
//! search and storage usage with tier rules. Sizes and dates arrive formatted for reading; uploads do not pass
//! through here (the page's script sends the bytes to the API).

use super::WorkspaceInfo;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A dataset in a list, or the head of its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetItem {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `2026-09-01`, or empty when never released.
    pub release: String,
    /// Released in a public workspace: anyone may read it.
    pub public: bool,
    pub file_count: i64,
    /// `1.5 MiB`
    pub total_size: String,
}

/// How many datasets the data page lists at a time.
pub const DATASETS_PER_PAGE: u32 = 100;
/// How many files a dataset page or a search page lists at a time.
pub const FILES_PER_PAGE: u32 = 100;

/// A page of files, and the `cursor` of the next page if there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileList {
    pub items: Vec<FileItem>,
    pub next_cursor: Option<String>,
}

/// The data page of a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataIndex {
    pub workspace: WorkspaceInfo,
    pub can_create: bool,
    /// May see storage usage (members).
    pub is_member: bool,
    pub datasets: Vec<DatasetItem>,
    /// The `cursor` of the next page of datasets, if there is one.
    pub next_cursor: Option<String>,
    /// (id, name) of the workspace's telescopes, for the create form.
    pub telescopes: Vec<(String, String)>,
}

/// A data file in a list or on its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileItem {
    pub id: String,
    pub dataset_id: String,
    pub name: String,
    pub size: String,
    pub tier: String,
    pub restore_status: String,
    pub object: String,
    /// `2026-03-14 22:05:00 UTC`, or empty.
    pub date_obs: String,
    pub filter: String,
    pub instrument: String,
    pub frame_type: String,
    pub ingest_status: String,
    /// Why ingest failed, when it did.
    pub ingest_message: Option<String>,
    /// Whether `preview.png` exists.
    pub preview: bool,
    pub public: bool,
}

/// One dataset's page (its files come from [`get_dataset_files`], read again after uploads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetPage {
    pub workspace: WorkspaceInfo,
    pub dataset: DatasetItem,
    pub can_upload: bool,
}

/// One HDU's header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HduItem {
    /// `HDU 0 (primary)`, `HDU 1 (SCI)`
    pub title: String,
    /// (keyword, value, comment)
    pub cards: Vec<(String, String, String)>,
}

/// A background job about a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobItem {
    pub kind: String,
    pub status: String,
    /// `1 of 5`
    pub attempts: String,
    pub last_error: String,
}

/// One file's page and what the viewer may do there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilePage {
    pub workspace: WorkspaceInfo,
    pub file: FileItem,
    pub dataset_name: String,
    /// (label, value) rows of the metadata table.
    pub meta: Vec<(String, String)>,
    pub hdus: Vec<HduItem>,
    pub jobs: Vec<JobItem>,
    /// May move it between tiers.
    pub can_edit: bool,
    pub can_restore: bool,
    pub can_delete: bool,
}

/// The file search as typed; nothing is searched while every field is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSearch {
    pub object: String,
    pub date_from: String,
    pub date_to: String,
    pub filter: String,
    pub instrument: String,
    pub frame_type: String,
    /// One condition a line (or separated by `;`): `EXPTIME=10..30`, `AIRMASS<=1.5`, `FILTER=R`.
    pub headers: String,
    pub ra: String,
    pub dec: String,
    pub radius: String,
}

impl FileSearch {
    fn fields(&self) -> [(&'static str, &str); 10] {
        [
            ("object", &self.object),
            ("date_from", &self.date_from),
            ("date_to", &self.date_to),
            ("filter", &self.filter),
            ("instrument", &self.instrument),
            ("frame_type", &self.frame_type),
            ("headers", &self.headers),
            ("ra", &self.ra),
            ("dec", &self.dec),
            ("radius", &self.radius),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.trim().is_empty())
    }

    /// The search as the query of its page's address (`object=M%2042&filter=R`), given fields only.
    #[must_use]
    pub fn query_string(&self) -> String {
        self.fields()
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", query_encoded(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// `s` percent-encoded for a query value (UTF-8 bytes; unreserved characters kept).
#[must_use]
pub fn query_encoded(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_becomes_the_query_of_its_address() {
        let s = FileSearch {
            object: "M 42".to_owned(),
            headers: "EXPTIME=10..30\nAIRMASS<=1.5 & é".to_owned(),
            ra: "83.8".to_owned(),
            ..FileSearch::default()
        };
        assert_eq!(
            s.query_string(),
            "object=M%2042&headers=EXPTIME%3D10..30%0AAIRMASS%3C%3D1.5%20%26%20%C3%A9&ra=83.8"
        );
        assert_eq!(FileSearch::default().query_string(), "");
    }
}

/// One tier's bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierBar {
    pub tier: String,
    pub used: String,
    pub limit: String,
    /// 0 to 100.
    pub percent: f64,
}

/// GiB-months of one month, per tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageMonth {
    pub month: String,
    pub hot: String,
    pub cool: String,
    pub cold: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleItem {
    pub id: String,
    pub name: String,
    /// Empty: every frame type.
    pub frame_type: String,
    pub cool_after_days: String,
    pub cold_after_days: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorageInfo {
    pub workspace: WorkspaceInfo,
    /// The plan's name.
    pub plan: String,
    /// A payment failed: the date the plan's limits end (then the starting plan's apply), or empty.
    pub plan_lapses: String,
    pub tiers: Vec<TierBar>,
    pub reserved: String,
    pub max_file: String,
    pub history: Vec<UsageMonth>,
    pub rules: Vec<RuleItem>,
    pub can_edit_rules: bool,
}

/// The data page: [`DATASETS_PER_PAGE`] datasets by name from `cursor` (empty: the first page).
#[server(prefix = "/fn", endpoint = "data_index")]
pub async fn get_data_index(slug: String, cursor: String) -> Result<DataIndex, ServerFnError> {
    crate::ssr::data::data_index(slug, cursor).await
}

/// Creates a dataset; `release_date` is `YYYY-MM-DD` (empty: never released), `telescope_id` may be empty.
#[server(prefix = "/fn", endpoint = "create_dataset")]
pub async fn create_dataset(
    csrf_token: String,
    slug: String,
    name: String,
    description: String,
    telescope_id: String,
    release_date: String,
) -> Result<(), ServerFnError> {
    crate::ssr::data::create_dataset(csrf_token, slug, name, description, telescope_id, release_date).await
}

#[server(prefix = "/fn", endpoint = "dataset_page")]
pub async fn get_dataset_page(slug: String, id: String) -> Result<DatasetPage, ServerFnError> {
    crate::ssr::data::dataset_page(slug, id).await
}

/// [`FILES_PER_PAGE`] of the dataset's files, newest first, from `cursor` (empty: the first page).
#[server(prefix = "/fn", endpoint = "dataset_files")]
pub async fn get_dataset_files(slug: String, id: String, cursor: String) -> Result<FileList, ServerFnError> {
    crate::ssr::data::dataset_files(slug, id, cursor).await
}

#[server(prefix = "/fn", endpoint = "data_file")]
pub async fn get_data_file(slug: String, id: String) -> Result<FilePage, ServerFnError> {
    crate::ssr::data::file_page(slug, id).await
}

/// Moves file `id` to `tier` (cool or cold).
#[server(prefix = "/fn", endpoint = "set_file_tier")]
pub async fn set_file_tier(csrf_token: String, slug: String, id: String, tier: String) -> Result<(), ServerFnError> {
    crate::ssr::data::set_file_tier(csrf_token, slug, id, tier).await
}

#[server(prefix = "/fn", endpoint = "restore_file")]
pub async fn restore_file(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::data::restore_file(csrf_token, slug, id).await
}

/// Deletes file `id` and goes back to its dataset.
#[server(prefix = "/fn", endpoint = "delete_file")]
pub async fn delete_file(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::data::delete_file(csrf_token, slug, id).await
}

/// [`FILES_PER_PAGE`] files matching the search, newest upload first, from `cursor` (empty: the first page).
#[server(prefix = "/fn", endpoint = "search_files")]
pub async fn search_files(slug: String, search: FileSearch, cursor: String) -> Result<FileList, ServerFnError> {
    crate::ssr::data::search_files(slug, search, cursor).await
}

#[server(prefix = "/fn", endpoint = "storage")]
pub async fn get_storage(slug: String) -> Result<StorageInfo, ServerFnError> {
    crate::ssr::data::storage_page(slug).await
}

/// Adds a tier rule; empty day counts mean "never".
#[server(prefix = "/fn", endpoint = "create_tier_rule")]
pub async fn create_tier_rule(
    csrf_token: String,
    slug: String,
    name: String,
    frame_type: String,
    cool_after_days: String,
    cold_after_days: String,
) -> Result<(), ServerFnError> {
    crate::ssr::data::create_tier_rule(csrf_token, slug, name, frame_type, cool_after_days, cold_after_days).await
}

#[server(prefix = "/fn", endpoint = "delete_tier_rule")]
pub async fn delete_tier_rule(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::data::delete_tier_rule(csrf_token, slug, id).await
}

/// `1536` → `1.5 KiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    #[expect(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}
