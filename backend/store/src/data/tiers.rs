//! Tier rules (move files to cheaper tiers as they age) and the files each rule would move.

use crate::entities::{data_files, lifecycle_rules};
use crate::{StoreResult, conflict_on, ts};
use chrono::{DateTime, Utc};
use meridian_domain::data::{DataFile, LifecycleRule};
use meridian_domain::{DatasetId, FrameType, LifecycleRuleId, RestoreStatus, Tier, WorkspaceId};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

pub(crate) fn to_domain(m: lifecycle_rules::Model) -> StoreResult<LifecycleRule> {
    Ok(LifecycleRule {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        name: m.name,
        dataset_id: m.dataset_id.map(DatasetId::from),
        frame_type: m.frame_type.as_deref().map(FrameType::parse).transpose()?,
        cool_after_days: m.cool_after_days,
        cold_after_days: m.cold_after_days,
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// Files of a workspace that are hotter than `tier` and last changed tier before `changed_before`, optionally
/// only of one dataset or frame type: the candidates of a tier rule.
pub async fn candidates(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    hotter_than: Tier,
    changed_before: DateTime<Utc>,
    dataset: Option<DatasetId>,
    frame_type: Option<FrameType>,
    limit: u64,
) -> StoreResult<Vec<DataFile>> {
    use data_files::Column as C;
    let hotter: Vec<&str> = Tier::ALL.iter().filter(|t| **t < hotter_than).map(|t| t.as_str()).collect();
    let mut q = data_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::Tier.is_in(hotter))
        .filter(C::TierChangedAt.lt(ts(changed_before)))
        .filter(C::RestoreStatus.ne(RestoreStatus::InProgress.as_str()));
    if let Some(d) = dataset {
        q = q.filter(C::DatasetId.eq(d));
    }
    if let Some(f) = frame_type {
        q = q.filter(C::FrameType.eq(f.as_str()));
    }
    if hotter_than == Tier::Cold {
        // A published package version holds its files readable: they never go cold by rule.
        q = q.filter(C::Id.not_in_subquery(crate::packages::versions::held_file_ids()));
    }
    super::files::all_to_domain(q.order_by_asc(C::TierChangedAt).limit(limit).all(conn).await?)
}

#[derive(Debug, Clone)]
pub struct RuleFields {
    pub name: String,
    pub dataset_id: Option<DatasetId>,
    pub frame_type: Option<FrameType>,
    pub cool_after_days: Option<i32>,
    pub cold_after_days: Option<i32>,
}

pub async fn insert_rule(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: RuleFields,
    now: DateTime<Utc>,
) -> StoreResult<LifecycleRule> {
    let m = lifecycle_rules::ActiveModel {
        id: Set(LifecycleRuleId::new().into()),
        workspace_id: Set(workspace.into()),
        name: Set(f.name),
        dataset_id: Set(f.dataset_id.map(DatasetId::as_uuid)),
        frame_type: Set(f.frame_type.map(|t| t.as_str().to_owned())),
        cool_after_days: Set(f.cool_after_days),
        cold_after_days: Set(f.cold_after_days),
        created_at: Set(ts(now)),
        updated_at: Set(ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))?;
    to_domain(m)
}

pub async fn list_rules(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<Vec<LifecycleRule>> {
    let rows = lifecycle_rules::Entity::find()
        .filter(lifecycle_rules::Column::WorkspaceId.eq(workspace))
        .order_by_asc(lifecycle_rules::Column::Name)
        .all(conn)
        .await?;
    Ok(crate::lenient(rows, "lifecycle_rules", to_domain))
}

pub async fn delete_rule(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: LifecycleRuleId,
) -> StoreResult<bool> {
    Ok(crate::scoped::delete::<lifecycle_rules::Entity>(conn, workspace, id).await?)
}

/// Workspaces that have tier rules.
pub async fn workspaces_with_rules(conn: &impl ConnectionTrait) -> StoreResult<Vec<WorkspaceId>> {
    let ids: Vec<uuid::Uuid> = lifecycle_rules::Entity::find()
        .select_only()
        .column(lifecycle_rules::Column::WorkspaceId)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().map(WorkspaceId::from).collect())
}
