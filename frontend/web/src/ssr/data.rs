//! The server side of the data pages. Form text becomes the data use cases' inputs here; sizes, dates and FITS
//! header values become text here.

use super::equipment::{invalid, not_found_status, number};
use super::{actor, fail, form_caller, form_id, id_of, services, workspace_info};
use crate::api::data::{
    DATASETS_PER_PAGE, DataIndex, DatasetItem, DatasetPage, FILES_PER_PAGE, FileItem, FileList, FilePage, FileSearch,
    HduItem, JobItem, RuleItem, StorageInfo, TierBar, UsageMonth, human_size,
};
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use leptos_actix::redirect;
use meridian_domain::{Action, DataFileId, DatasetId, LifecycleRuleId, PageRequest, RestoreStatus, Tier};
use meridian_service::data::{DatasetInput, DatasetView, FileQuery, FileView, RuleInput};
use meridian_service::workspaces::WorkspaceView;
use meridian_service::{ServiceError, Services};

fn given(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn size(bytes: i64) -> String {
    human_size(u64::try_from(bytes).unwrap_or(0))
}

/// A `YYYY-MM-DD` field as the start (or, `end_of_day`, the last second) of that day in UTC.
pub(super) fn day(field: &str, s: &str, end_of_day: bool) -> Result<Option<DateTime<Utc>>, ServerFnError> {
    let Some(s) = given(s) else { return Ok(None) };
    let d = NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| invalid(field, "must be a date (YYYY-MM-DD)"))?;
    let t = if end_of_day { d.and_hms_opt(23, 59, 59) } else { d.and_hms_opt(0, 0, 0) };
    Ok(t.map(|t| t.and_utc()))
}

fn days(field: &str, s: &str) -> Result<Option<i32>, ServerFnError> {
    given(s).map(|s| s.parse().map_err(|_| invalid(field, "must be a whole number of days"))).transpose()
}

fn dataset_item(d: DatasetView) -> DatasetItem {
    DatasetItem {
        id: d.id.to_string(),
        name: d.name,
        description: d.description,
        release: d.release_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        public: d.public,
        file_count: d.file_count,
        total_size: size(d.total_bytes),
    }
}

fn file_item(f: FileView) -> FileItem {
    FileItem {
        id: f.id.to_string(),
        dataset_id: f.dataset_id.to_string(),
        name: f.name,
        size: size(f.size_bytes),
        tier: f.tier.as_str().to_owned(),
        restore_status: f.restore_status.as_str().to_owned(),
        object: f.object.unwrap_or_default(),
        date_obs: f.date_obs.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default(),
        filter: f.filter.unwrap_or_default(),
        instrument: f.instrument.unwrap_or_default(),
        frame_type: f.frame_type.map(|t| t.as_str().to_owned()).unwrap_or_default(),
        ingest_status: f.ingest_status.as_str().to_owned(),
        ingest_message: f.ingest_message,
        preview: f.preview_status == meridian_domain::PreviewStatus::Done,
        public: f.public,
    }
}

pub(super) fn workspace_of(access: meridian_service::auth::Access) -> crate::api::WorkspaceInfo {
    workspace_info(WorkspaceView { role: access.role, workspace: access.workspace })
}

/// `cursor` as the list use cases take it: empty is the first page.
fn cursor_of(cursor: String) -> Option<String> {
    (!cursor.is_empty()).then_some(cursor)
}

pub async fn data_index(slug: String, cursor: String) -> Result<DataIndex, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let page = PageRequest::parse(Some(DATASETS_PER_PAGE), cursor_of(cursor).as_deref())
        .map_err(|e| fail(ServiceError::Validation(e)))?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let datasets = services.list_datasets(&actor, &slug, &page).await?;
        let telescopes = if access.can(Action::CreateData) {
            let all = services.telescopes_for_nights(&actor, &slug).await?;
            all.into_iter().map(|(t, _)| (t.id.to_string(), t.name)).collect::<Vec<(String, String)>>()
        } else {
            Vec::new()
        };
        Ok::<_, ServiceError>((access, datasets, telescopes))
    };
    let (access, datasets, telescopes) = read.await.inspect_err(not_found_status).map_err(fail)?;
    Ok(DataIndex {
        can_create: access.can(Action::CreateData),
        is_member: access.can(Action::ViewWorkspace),
        workspace: workspace_of(access),
        next_cursor: datasets.next_cursor.map(|c| c.as_str().to_owned()),
        datasets: datasets.items.into_iter().map(dataset_item).collect(),
        telescopes,
    })
}

pub async fn create_dataset(
    csrf: String,
    slug: String,
    name: String,
    description: String,
    telescope_id: String,
    release_date: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let input = DatasetInput {
        name: Some(name),
        description: Some(description),
        telescope_id: Some(given(&telescope_id)),
        release_at: Some(day("release_date", &release_date, false)?),
    };
    let d = services.create_dataset(&actor, &slug, input).await.map_err(fail)?;
    redirect(&format!("/w/{slug}/data/{}", d.id));
    Ok(())
}

pub async fn dataset_page(slug: String, id: String) -> Result<DatasetPage, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let d = services.get_dataset(&actor, &slug, id_of::<DatasetId>(&id, "dataset")?).await?;
        Ok::<_, ServiceError>((access, d))
    };
    let (access, d) = read.await.inspect_err(not_found_status).map_err(fail)?;
    Ok(DatasetPage {
        can_upload: access.can(Action::Upload),
        workspace: workspace_of(access),
        dataset: dataset_item(d),
    })
}

fn file_list(page: meridian_service::data::FilePage) -> FileList {
    FileList { items: page.items.into_iter().map(file_item).collect(), next_cursor: page.next_cursor }
}

pub async fn dataset_files(slug: String, id: String, cursor: String) -> Result<FileList, ServerFnError> {
    let actor = actor().await?;
    let page = services()?
        .list_files(&actor, &slug, form_id::<DatasetId>(&id, "dataset")?, Some(FILES_PER_PAGE), cursor_of(cursor))
        .await
        .map_err(fail)?;
    Ok(file_list(page))
}

/// A header card's value as FITS shows it.
fn card_value(v: &serde_json::Value) -> String {
    match (v.get("type").and_then(|t| t.as_str()), v.get("value")) {
        (Some("logical"), Some(serde_json::Value::Bool(b))) => if *b { "T" } else { "F" }.to_owned(),
        (Some("text"), Some(serde_json::Value::String(s))) => s.clone(),
        (Some("complex"), Some(serde_json::Value::Array(a))) => {
            format!("({})", a.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
        }
        (Some("undefined"), _) | (_, None) => String::new(),
        (_, Some(other)) => other.to_string(),
    }
}

fn hdus(header: Option<&serde_json::Value>) -> Vec<HduItem> {
    let Some(list) = header.and_then(|h| h.get("hdus")).and_then(|h| h.as_array()) else { return Vec::new() };
    list.iter()
        .enumerate()
        .map(|(i, h)| {
            let index = h.get("index").and_then(serde_json::Value::as_u64).unwrap_or(i as u64);
            let name = h.get("extname").and_then(|e| e.as_str()).map_or_else(
                || if index == 0 { "primary".to_owned() } else { h["kind"].as_str().unwrap_or("").to_owned() },
                str::to_owned,
            );
            let cards = h
                .get("cards")
                .and_then(|c| c.as_array())
                .map(|cards| {
                    cards
                        .iter()
                        .map(|c| {
                            (
                                c["keyword"].as_str().unwrap_or_default().to_owned(),
                                card_value(&c["value"]),
                                c.get("comment").and_then(|x| x.as_str()).unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            HduItem { title: format!("HDU {index} ({name})"), cards }
        })
        .collect()
}

pub async fn file_page(slug: String, id: String) -> Result<FilePage, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let detail = services.get_file(&actor, &slug, id_of::<DataFileId>(&id, "file")?).await?;
        let dataset = services.get_dataset(&actor, &slug, detail.file.dataset_id).await.ok();
        Ok::<_, ServiceError>((access, detail, dataset))
    };
    let (access, detail, dataset) = read.await.inspect_err(not_found_status).map_err(fail)?;
    let f = &detail.file;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<f64>, unit: &str| v.map(|x| format!("{x}{unit}")).unwrap_or_default();
    let meta: Vec<(String, String)> = [
        ("Size", format!("{} ({} bytes)", size(f.size_bytes), f.size_bytes)),
        ("Content type", f.content_type.clone()),
        ("SHA-256", f.sha256.clone()),
        ("Uploaded", f.uploaded_at.format("%Y-%m-%d %H:%M UTC").to_string()),
        ("Object", opt(&f.object)),
        ("DATE-OBS", f.date_obs.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default()),
        ("RA", num(f.ra_deg, "°")),
        ("Dec", num(f.dec_deg, "°")),
        ("Exposure", num(f.exposure_s, " s")),
        ("Filter", opt(&f.filter)),
        ("Instrument", opt(&f.instrument)),
        ("Telescope", opt(&f.telescope)),
        ("Frame type", f.frame_type.map(|t| t.as_str().to_owned()).unwrap_or_default()),
        ("Release", f.release_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()),
        ("Ingest", f.ingest_status.as_str().to_owned()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let jobs = detail
        .jobs
        .iter()
        .map(|j| JobItem {
            kind: j.kind.clone(),
            status: format!("{:?}", j.state).to_lowercase(),
            attempts: format!("{} of {}", j.attempts, j.max_attempts),
            last_error: j.last_error.clone().unwrap_or_default(),
        })
        .collect();
    let can_edit = access.can(Action::EditData);
    let cold = f.tier == Tier::Cold;
    Ok(FilePage {
        meta,
        hdus: hdus(detail.header.as_ref()),
        jobs,
        can_edit,
        can_restore: cold && access.can(Action::Upload) && f.restore_status != RestoreStatus::InProgress,
        can_delete: access.can(Action::DeleteData),
        dataset_name: dataset.map(|d| d.name).unwrap_or_default(),
        workspace: workspace_of(access),
        file: file_item(detail.file),
    })
}

pub async fn set_file_tier(csrf: String, slug: String, id: String, tier: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.set_file_tier(&actor, &slug, form_id::<DataFileId>(&id, "file")?, &tier).await.map(drop).map_err(fail)
}

pub async fn restore_file(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.restore_file(&actor, &slug, form_id::<DataFileId>(&id, "file")?).await.map(drop).map_err(fail)
}

pub async fn delete_file(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let s: &Services = &services;
    let file = s.get_file(&actor, &slug, form_id::<DataFileId>(&id, "file")?).await.map_err(fail)?.file;
    s.delete_file(&actor, &slug, form_id::<DataFileId>(&id, "file")?).await.map_err(fail)?;
    redirect(&format!("/w/{slug}/data/{}", file.dataset_id));
    Ok(())
}

pub async fn search_files(slug: String, s: FileSearch, cursor: String) -> Result<FileList, ServerFnError> {
    if s.is_empty() {
        return Ok(FileList { items: Vec::new(), next_cursor: None });
    }
    let actor = actor().await?;
    let query = FileQuery {
        object: given(&s.object),
        date_from: day("date_from", &s.date_from, false)?,
        date_to: day("date_to", &s.date_to, true)?,
        filter: given(&s.filter),
        instrument: given(&s.instrument),
        frame_type: given(&s.frame_type),
        headers: s.headers.split(['\n', ';']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        ra: number("ra", &s.ra)?,
        dec: number("dec", &s.dec)?,
        radius: number("radius", &s.radius)?,
        limit: Some(FILES_PER_PAGE),
        cursor: cursor_of(cursor),
        ..FileQuery::default()
    };
    let page = services()?.search_files(&actor, &slug, query).await.map_err(fail)?;
    Ok(file_list(page))
}

pub async fn storage_page(slug: String) -> Result<StorageInfo, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let usage = services.storage_usage(&actor, &slug).await?;
        let rules = services.list_tier_rules(&actor, &slug).await?;
        Ok::<_, ServiceError>((access, usage, rules))
    };
    let (access, usage, rules) = read.await.inspect_err(not_found_status).map_err(fail)?;
    let tiers = usage
        .tiers
        .iter()
        .map(|t| {
            let used = u64::try_from(t.bytes).unwrap_or(0);
            #[expect(clippy::cast_precision_loss, reason = "a percentage for a bar")]
            let percent =
                if t.limit_bytes == 0 { 0.0 } else { (used as f64 / t.limit_bytes as f64 * 100.0).min(100.0) };
            TierBar {
                tier: t.tier.as_str().to_owned(),
                used: human_size(used),
                limit: human_size(t.limit_bytes),
                percent,
            }
        })
        .collect();
    let mut history: Vec<UsageMonth> = Vec::new();
    for m in &usage.history {
        if history.last().is_none_or(|h| h.month != m.month) {
            history.push(UsageMonth {
                month: m.month.clone(),
                hot: String::new(),
                cool: String::new(),
                cold: String::new(),
            });
        }
        if let Some(h) = history.last_mut() {
            let v = format!("{:.3}", m.gib_months);
            match m.tier {
                Tier::Hot => h.hot = v,
                Tier::Cool => h.cool = v,
                Tier::Cold => h.cold = v,
            }
        }
    }
    let opt_days = |d: Option<i32>| d.map(|d| d.to_string()).unwrap_or_default();
    Ok(StorageInfo {
        plan: usage.plan_name.clone(),
        plan_lapses: usage.plan_lapses_at.map(super::date).unwrap_or_default(),
        tiers,
        reserved: size(usage.reserved_bytes),
        max_file: human_size(usage.max_file_bytes),
        history,
        rules: rules
            .into_iter()
            .map(|r| RuleItem {
                id: r.id.to_string(),
                name: r.name,
                frame_type: r.frame_type.map(|f| f.as_str().to_owned()).unwrap_or_default(),
                cool_after_days: opt_days(r.cool_after_days),
                cold_after_days: opt_days(r.cold_after_days),
            })
            .collect(),
        can_edit_rules: access.can(Action::UpdateWorkspace),
        workspace: workspace_of(access),
    })
}

pub async fn create_tier_rule(
    csrf: String,
    slug: String,
    name: String,
    frame_type: String,
    cool_after_days: String,
    cold_after_days: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let input = RuleInput {
        name,
        dataset_id: None,
        frame_type: given(&frame_type),
        cool_after_days: days("cool_after_days", &cool_after_days)?,
        cold_after_days: days("cold_after_days", &cold_after_days)?,
    };
    services.create_tier_rule(&actor, &slug, input).await.map(drop).map_err(fail)
}

pub async fn delete_tier_rule(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services.delete_tier_rule(&actor, &slug, form_id::<LifecycleRuleId>(&id, "rule")?).await.map_err(fail)
}
