//! Data packages: the package rows here, their draft selections ([`drafts`]), published versions with their frozen
//! file lists ([`versions`]) and secret links ([`links`]). Every query is scoped by workspace, except the lookup
//! of a link by its token's hash (the token is what names the workspace there) and of a package's workspace by
//! its cited id.

pub mod drafts;
pub mod links;
pub mod versions;

use crate::entities::packages;
use crate::{StoreResult, read_json, read_json_list, ts};
use chrono::{DateTime, Utc};
use meridian_domain::packages::{Author, Package};
use meridian_domain::{AccountId, NightLogId, PackageAccess, PackageId, PageRequest, TargetId, WorkspaceId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Authors, strings and ids always serialize.
    serde_json::to_string(v).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn to_domain(m: packages::Model) -> StoreResult<Package> {
    Ok(Package {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        title: m.title,
        description: m.description,
        authors: read_json::<Vec<Author>>("authors", &m.authors)?,
        keywords: read_json_list("keywords", &m.keywords)?,
        licence: m.licence,
        night_log_ids: read_json::<Vec<NightLogId>>("night_log_ids", &m.night_log_ids)?,
        target_ids: read_json::<Vec<TargetId>>("target_ids", &m.target_ids)?,
        access: PackageAccess::parse(&m.access)?,
        created_by: m.created_by.into(),
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// A package's editable fields, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageFields {
    pub title: String,
    pub description: String,
    pub authors: Vec<Author>,
    pub keywords: Vec<String>,
    pub licence: String,
    pub night_log_ids: Vec<NightLogId>,
    pub target_ids: Vec<TargetId>,
    pub access: PackageAccess,
}

impl From<&Package> for PackageFields {
    fn from(p: &Package) -> Self {
        Self {
            title: p.title.clone(),
            description: p.description.clone(),
            authors: p.authors.clone(),
            keywords: p.keywords.clone(),
            licence: p.licence.clone(),
            night_log_ids: p.night_log_ids.clone(),
            target_ids: p.target_ids.clone(),
            access: p.access,
        }
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: PackageFields,
    created_by: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<Package> {
    let m = packages::ActiveModel {
        id: Set(PackageId::new().into()),
        workspace_id: Set(workspace.into()),
        title: Set(f.title),
        description: Set(f.description),
        authors: Set(to_json(&f.authors)),
        keywords: Set(to_json(&f.keywords)),
        licence: Set(f.licence),
        night_log_ids: Set(to_json(&f.night_log_ids)),
        target_ids: Set(to_json(&f.target_ids)),
        access: Set(f.access.as_str().to_owned()),
        created_by: Set(created_by.into()),
        created_at: Set(ts(now)),
        updated_at: Set(ts(now)),
    }
    .insert(conn)
    .await?;
    to_domain(m)
}

pub async fn find(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: PackageId) -> StoreResult<Option<Package>> {
    crate::scoped::find::<packages::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// A workspace's packages, oldest first, the page's cursor on (a package id), one more than the page's limit (so
/// the caller knows whether another page follows); `access` keeps only those with one of these settings.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    access: Option<&[PackageAccess]>,
    page: &PageRequest,
) -> StoreResult<Vec<Package>> {
    use crate::page::Keyset as _;
    use packages::Column as C;
    let mut q = crate::scoped::all::<packages::Entity>(workspace);
    if let Some(a) = access {
        q = q.filter(C::Access.is_in(a.iter().map(|a| a.as_str())));
    }
    let q = q.page_by_id(C::Id, page)?.limit(u64::from(page.limit.get()) + 1);
    Ok(crate::lenient(q.all(conn).await?, "packages", to_domain))
}

pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: PackageId,
    f: PackageFields,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use packages::Column as C;
    crate::scoped::update::<packages::Entity>(workspace, id)
        .col_expr(C::Title, Expr::value(f.title))
        .col_expr(C::Description, Expr::value(f.description))
        .col_expr(C::Authors, Expr::value(to_json(&f.authors)))
        .col_expr(C::Keywords, Expr::value(to_json(&f.keywords)))
        .col_expr(C::Licence, Expr::value(f.licence))
        .col_expr(C::NightLogIds, Expr::value(to_json(&f.night_log_ids)))
        .col_expr(C::TargetIds, Expr::value(to_json(&f.target_ids)))
        .col_expr(C::Access, Expr::value(f.access.as_str()))
        .col_expr(C::UpdatedAt, Expr::value(ts(now)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a package with its draft, versions and links (the files themselves stay).
pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: PackageId) -> StoreResult<bool> {
    Ok(crate::scoped::delete::<packages::Entity>(conn, workspace, id).await?)
}

/// The workspace a package belongs to: the one lookup by a package's id alone (for its cited address); whether the
/// caller may see it is decided in that workspace afterwards.
pub async fn workspace_of(conn: &impl ConnectionTrait, id: PackageId) -> StoreResult<Option<WorkspaceId>> {
    Ok(packages::Entity::find_by_id(id).one(conn).await?.map(|p| p.workspace_id.into()))
}
