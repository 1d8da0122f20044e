//! Night-log entries and their versions. An entry's row holds its latest version (what lists and filters read);
//! every version, the latest included, is also in `entry_versions`, which is only ever appended to. Tags are
//! mirrored in `entry_tags` with the entry's workspace and night, so tag filters over a date range use one index.

use crate::entities::{accounts, entry_tags, entry_versions, log_entries, night_logs};
use crate::page::{Direction, Keyset as _};
use crate::{StoreError, StoreResult, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::nights::{EntryContent, EntryVersion, LogEntry};
use meridian_domain::{
    AccountId, EntryBody, EntryId, EntryLevel, Link, NightDate, NightLogId, PageRequest, Tag, Tags, TelescopeId,
    TimeLost, TimeLostCategory, ValidationError, Visibility, WorkspaceId,
};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Reads the stored columns of one version back into its content.
fn content(
    occurred_at: sea_orm::prelude::DateTimeWithTimeZone,
    level: &str,
    body: &str,
    tags: &str,
    links: &str,
    minutes: Option<i32>,
    category: Option<&str>,
) -> StoreResult<EntryContent> {
    let time_lost = match (minutes, category) {
        (Some(m), Some(c)) => Some(TimeLost {
            minutes: u32::try_from(m).map_err(|_| ValidationError::new("time_lost_minutes", "is negative"))?,
            category: TimeLostCategory::parse(c)?,
        }),
        _ => None,
    };
    Ok(EntryContent {
        occurred_at: occurred_at.to_utc(),
        level: EntryLevel::parse(level)?,
        body: EntryBody::parse(body)?,
        tags: Tags::parse(crate::read_json_list("tags", tags)?)?,
        links: crate::read_json_list("links", links)?.iter().map(|l| Link::parse(l)).collect::<Result<_, _>>()?,
        time_lost,
    })
}

fn version_number(v: i32) -> StoreResult<u32> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(ValidationError::new("version", "is negative")))
}

pub(crate) fn to_domain(m: log_entries::Model) -> StoreResult<LogEntry> {
    Ok(LogEntry {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        night_log_id: m.night_log_id.into(),
        telescope_id: m.telescope_id.into(),
        night: NightDate::from(m.night),
        content: content(
            m.occurred_at,
            &m.level,
            &m.body,
            &m.tags,
            &m.links,
            m.time_lost_minutes,
            m.time_lost_category.as_deref(),
        )?,
        author_id: m.author_id.into(),
        version: version_number(m.version)?,
        edited_by: m.edited_by.into(),
        edited_at: m.edited_at.to_utc(),
        deleted_at: m.deleted_at.map(|t| t.to_utc()),
        deleted_by: m.deleted_by.map(AccountId::from),
        created_at: m.created_at.to_utc(),
    })
}

fn version_to_domain(m: entry_versions::Model) -> StoreResult<EntryVersion> {
    Ok(EntryVersion {
        entry_id: m.entry_id.into(),
        version: version_number(m.version)?,
        content: content(
            m.occurred_at,
            &m.level,
            &m.body,
            &m.tags,
            &m.links,
            m.time_lost_minutes,
            m.time_lost_category.as_deref(),
        )?,
        edited_by: m.edited_by.into(),
        edited_at: m.edited_at.to_utc(),
    })
}

/// What the text filter matches against: the body in lower case (the filter lowers its pattern the same way).
fn search_text(body: &EntryBody) -> String {
    body.as_str().to_lowercase()
}

fn minutes_column(c: &EntryContent) -> Option<i32> {
    c.time_lost.and_then(|t| i32::try_from(t.minutes).ok())
}

async fn append_version(
    conn: &impl ConnectionTrait,
    entry: EntryId,
    version: u32,
    c: &EntryContent,
    editor: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    entry_versions::ActiveModel {
        id: Set(Uuid::now_v7()),
        entry_id: Set(entry.into()),
        version: Set(i32::try_from(version).unwrap_or(i32::MAX)),
        occurred_at: Set(crate::ts(c.occurred_at)),
        level: Set(c.level.as_str().to_owned()),
        body: Set(c.body.as_str().to_owned()),
        tags: Set(crate::json_list(c.tags.iter().map(Tag::as_str))),
        links: Set(crate::json_list(c.links.iter().map(Link::as_str))),
        time_lost_minutes: Set(minutes_column(c)),
        time_lost_category: Set(c.time_lost.map(|t| t.category.as_str().to_owned())),
        edited_by: Set(editor.into()),
        edited_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await?;
    Ok(())
}

async fn write_tags(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    entry: EntryId,
    night: NightDate,
    tags: &Tags,
) -> StoreResult<()> {
    entry_tags::Entity::delete_many().filter(entry_tags::Column::EntryId.eq(entry)).exec(conn).await?;
    if tags.is_empty() {
        return Ok(());
    }
    let rows = tags.iter().map(|t| entry_tags::ActiveModel {
        entry_id: Set(entry.into()),
        tag: Set(t.as_str().to_owned()),
        workspace_id: Set(workspace.into()),
        night: Set(night.date()),
    });
    entry_tags::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

/// Where a new entry goes and who wrote it.
#[derive(Debug)]
pub struct NewEntry {
    pub workspace_id: WorkspaceId,
    pub night_log_id: NightLogId,
    pub telescope_id: TelescopeId,
    pub night: NightDate,
    pub author: AccountId,
    pub content: EntryContent,
}

/// Inserts an entry as version 1 (row, version, tags). Call inside a transaction.
pub async fn insert(conn: &impl ConnectionTrait, new: NewEntry, now: DateTime<Utc>) -> StoreResult<LogEntry> {
    let id = EntryId::new();
    let c = &new.content;
    let m = log_entries::ActiveModel {
        id: Set(id.into()),
        workspace_id: Set(new.workspace_id.into()),
        night_log_id: Set(new.night_log_id.into()),
        telescope_id: Set(new.telescope_id.into()),
        night: Set(new.night.date()),
        occurred_at: Set(crate::ts(c.occurred_at)),
        level: Set(c.level.as_str().to_owned()),
        body: Set(c.body.as_str().to_owned()),
        body_search: Set(search_text(&c.body)),
        tags: Set(crate::json_list(c.tags.iter().map(Tag::as_str))),
        links: Set(crate::json_list(c.links.iter().map(Link::as_str))),
        time_lost_minutes: Set(minutes_column(c)),
        time_lost_category: Set(c.time_lost.map(|t| t.category.as_str().to_owned())),
        author_id: Set(new.author.into()),
        version: Set(1),
        edited_by: Set(new.author.into()),
        edited_at: Set(crate::ts(now)),
        deleted_at: Set(None),
        deleted_by: Set(None),
        created_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await?;
    append_version(conn, id, 1, c, new.author, now).await?;
    write_tags(conn, new.workspace_id, id, new.night, &c.tags).await?;
    to_domain(m)
}

pub async fn find(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: EntryId) -> StoreResult<Option<LogEntry>> {
    scoped::find::<log_entries::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Makes `content` the entry's next version, provided it is still at `entry.version` (otherwise someone else
/// edited it meanwhile and `false` comes back, nothing written). Call inside a transaction.
pub async fn update_content(
    conn: &impl ConnectionTrait,
    entry: &LogEntry,
    c: &EntryContent,
    editor: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use log_entries::Column as C;
    let next = entry.version + 1;
    let done = scoped::update::<log_entries::Entity>(entry.workspace_id, entry.id)
        .col_expr(C::OccurredAt, Expr::value(crate::ts(c.occurred_at)))
        .col_expr(C::Level, Expr::value(c.level.as_str()))
        .col_expr(C::Body, Expr::value(c.body.as_str()))
        .col_expr(C::BodySearch, Expr::value(search_text(&c.body)))
        .col_expr(C::Tags, Expr::value(crate::json_list(c.tags.iter().map(Tag::as_str))))
        .col_expr(C::Links, Expr::value(crate::json_list(c.links.iter().map(Link::as_str))))
        .col_expr(C::TimeLostMinutes, Expr::value(minutes_column(c)))
        .col_expr(C::TimeLostCategory, Expr::value(c.time_lost.map(|t| t.category.as_str().to_owned())))
        .col_expr(C::Version, Expr::value(i32::try_from(next).unwrap_or(i32::MAX)))
        .col_expr(C::EditedBy, Expr::value(editor))
        .col_expr(C::EditedAt, Expr::value(crate::ts(now)))
        .filter(C::Version.eq(i32::try_from(entry.version).unwrap_or(i32::MAX)))
        .exec(conn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(false);
    }
    append_version(conn, entry.id, next, c, editor, now).await?;
    if c.tags != entry.content.tags {
        write_tags(conn, entry.workspace_id, entry.id, entry.night, &c.tags).await?;
    }
    Ok(true)
}

/// Marks an entry deleted (`Some((when, who))`) or restores it (`None`).
pub async fn set_deleted(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: EntryId,
    deleted: Option<(DateTime<Utc>, AccountId)>,
) -> StoreResult<()> {
    use log_entries::Column as C;
    scoped::update::<log_entries::Entity>(workspace, id)
        .col_expr(C::DeletedAt, Expr::value(deleted.map(|(t, _)| crate::ts(t))))
        .col_expr(C::DeletedBy, Expr::value(deleted.map(|(_, a)| a)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Every version of an entry, oldest first.
pub async fn versions(conn: &impl ConnectionTrait, entry: EntryId) -> StoreResult<Vec<EntryVersion>> {
    entry_versions::Entity::find()
        .filter(entry_versions::Column::EntryId.eq(entry))
        .order_by_asc(entry_versions::Column::Version)
        .all(conn)
        .await?
        .into_iter()
        .map(version_to_domain)
        .collect()
}

/// How many versions each of these entries has had before its current one (for "edited" marks); keyed by entry.
pub async fn all_versions_of_log(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    log: NightLogId,
) -> StoreResult<HashMap<EntryId, Vec<EntryVersion>>> {
    let ids = Query::select()
        .column(log_entries::Column::Id)
        .from(log_entries::Entity)
        .and_where(log_entries::Column::WorkspaceId.eq(workspace))
        .and_where(log_entries::Column::NightLogId.eq(log))
        .to_owned();
    let mut out: HashMap<EntryId, Vec<EntryVersion>> = HashMap::new();
    let rows = entry_versions::Entity::find()
        .filter(entry_versions::Column::EntryId.in_subquery(ids))
        .order_by_asc(entry_versions::Column::Version)
        .all(conn)
        .await?;
    for m in rows {
        let v = version_to_domain(m)?;
        out.entry(v.entry_id).or_default().push(v);
    }
    Ok(out)
}

/// Which entries to list. Every filter narrows; none set lists them all.
#[derive(Debug, Default, Clone)]
pub struct EntryFilter {
    pub night_log: Option<NightLogId>,
    /// First and last night, inclusive.
    pub night_from: Option<NightDate>,
    pub night_to: Option<NightDate>,
    pub telescope: Option<TelescopeId>,
    pub tags: Vec<Tag>,
    pub tag_mode: TagMode,
    pub levels: Vec<EntryLevel>,
    /// Case-insensitive substring of the text.
    pub text: Option<String>,
    pub author: Option<AccountId>,
    pub has_time_lost: Option<bool>,
    /// Deleted entries too (for those allowed to restore them).
    pub include_deleted: bool,
    /// Only entries of public night logs.
    pub public_only: bool,
    /// Newest first instead of oldest first.
    pub descending: bool,
}

/// How several tags combine.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum TagMode {
    /// Entries with at least one of the tags.
    #[default]
    Any,
    /// Entries with every one of the tags.
    All,
    /// Entries with none of the tags.
    None,
}

/// The cursor key of an entry in [`query`]'s order (`occurred_at|id`).
#[must_use]
pub fn cursor_key(e: &LogEntry) -> String {
    crate::page::composite_key(&e.content.occurred_at, e.id)
}

/// A substring pattern for the lower-cased body: wildcards in the text match literally.
fn like_pattern(text: &str) -> String {
    format!("%{}%", crate::like_escaped(&text.to_lowercase()))
}

/// The conditions of a filter (shared by the listing and the totals).
fn conditions(workspace: WorkspaceId, f: &EntryFilter) -> Condition {
    use log_entries::Column as C;
    let mut cond = Condition::all().add(C::WorkspaceId.eq(workspace));
    if let Some(log) = f.night_log {
        cond = cond.add(C::NightLogId.eq(log));
    }
    if let Some(d) = f.night_from {
        cond = cond.add(C::Night.gte(d.date()));
    }
    if let Some(d) = f.night_to {
        cond = cond.add(C::Night.lte(d.date()));
    }
    if let Some(t) = f.telescope {
        cond = cond.add(C::TelescopeId.eq(t));
    }
    if !f.tags.is_empty() {
        let mut sub: SelectStatement = Query::select()
            .column(entry_tags::Column::EntryId)
            .from(entry_tags::Entity)
            .and_where(entry_tags::Column::WorkspaceId.eq(workspace))
            .and_where(entry_tags::Column::Tag.is_in(f.tags.iter().map(Tag::as_str)))
            .to_owned();
        // The tag index also holds the night, so a date range narrows the subquery too.
        if let Some(d) = f.night_from {
            sub.and_where(entry_tags::Column::Night.gte(d.date()));
        }
        if let Some(d) = f.night_to {
            sub.and_where(entry_tags::Column::Night.lte(d.date()));
        }
        cond = match f.tag_mode {
            TagMode::Any => cond.add(C::Id.in_subquery(sub)),
            TagMode::All => {
                let n = i64::try_from(f.tags.len()).unwrap_or(i64::MAX);
                sub.group_by_col(entry_tags::Column::EntryId)
                    .and_having(Expr::expr(Func::count(Expr::col(entry_tags::Column::Tag))).eq(n));
                cond.add(C::Id.in_subquery(sub))
            }
            TagMode::None => cond.add(C::Id.not_in_subquery(sub)),
        };
    }
    if !f.levels.is_empty() {
        cond = cond.add(C::Level.is_in(f.levels.iter().map(|l| l.as_str())));
    }
    if let Some(text) = f.text.as_deref().filter(|t| !t.is_empty()) {
        cond = cond.add(Expr::col(C::BodySearch).like(LikeExpr::new(like_pattern(text)).escape('\\')));
    }
    if let Some(a) = f.author {
        cond = cond.add(C::AuthorId.eq(a));
    }
    match f.has_time_lost {
        Some(true) => cond = cond.add(C::TimeLostMinutes.is_not_null()),
        Some(false) => cond = cond.add(C::TimeLostMinutes.is_null()),
        None => {}
    }
    if !f.include_deleted {
        cond = cond.add(C::DeletedAt.is_null());
    }
    if f.public_only {
        let public = Query::select()
            .column(night_logs::Column::Id)
            .from(night_logs::Entity)
            .and_where(night_logs::Column::WorkspaceId.eq(workspace))
            .and_where(night_logs::Column::Visibility.eq(Visibility::Public.as_str()))
            .to_owned();
        cond = cond.add(C::NightLogId.in_subquery(public));
    }
    cond
}

/// Entries matching `f` in time order (then id), one page after the cursor.
pub async fn query(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &EntryFilter,
    page: &PageRequest,
) -> StoreResult<Vec<LogEntry>> {
    use log_entries::Column as C;
    let direction = if f.descending { Direction::Descending } else { Direction::Ascending };
    log_entries::Entity::find()
        .filter(conditions(workspace, f))
        .page_by::<DateTime<Utc>>(C::OccurredAt, C::Id, direction, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Every entry of one night log in time order (a night holds hundreds, not millions).
pub async fn list_for_log(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    log: NightLogId,
    include_deleted: bool,
) -> StoreResult<Vec<LogEntry>> {
    use log_entries::Column as C;
    let f = EntryFilter { night_log: Some(log), include_deleted, ..EntryFilter::default() };
    log_entries::Entity::find()
        .filter(conditions(workspace, &f))
        .order_by_asc(C::OccurredAt)
        .order_by_asc(C::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Minutes lost and the number of entries reporting them, per category, over the entries matching `f`.
pub async fn time_lost_totals(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &EntryFilter,
) -> StoreResult<Vec<(TimeLostCategory, u64, u64)>> {
    use log_entries::Column as C;
    let f = EntryFilter { has_time_lost: Some(true), ..f.clone() };
    let rows: Vec<(Option<String>, Option<i64>, i64)> = log_entries::Entity::find()
        .select_only()
        .column(C::TimeLostCategory)
        .column_as(Expr::expr(Func::sum(Expr::col(C::TimeLostMinutes))).cast_as("bigint"), "minutes")
        .column_as(Expr::expr(Func::count(Expr::col(C::Id))), "entries")
        .filter(conditions(workspace, &f))
        .group_by(C::TimeLostCategory)
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .filter_map(|(c, m, n)| c.map(|c| (c, m, n)))
        .map(|(c, m, n)| {
            Ok((
                TimeLostCategory::parse(&c)?,
                u64::try_from(m.unwrap_or(0)).unwrap_or(0),
                u64::try_from(n).unwrap_or(0),
            ))
        })
        .collect()
}

/// Display names of these accounts, for showing who wrote what.
pub async fn display_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = AccountId>,
) -> StoreResult<HashMap<AccountId, String>> {
    let mut ids: Vec<AccountId> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .column(accounts::Column::DisplayName)
        .filter(accounts::Column::Id.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(id, name)| (id.into(), name)).collect())
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("Dome"), "%dome%");
        assert_eq!(like_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }
}
