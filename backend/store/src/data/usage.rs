//! Storage metering: byte-seconds per workspace, month and tier, and how far metering has got.

use crate::entities::{data_files, usage_months, usage_state};
use crate::{StoreResult, ts};
use chrono::{DateTime, Utc};
use meridian_domain::data::{UsageMonth, UsageState};
use meridian_domain::{Tier, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Workspaces that store anything or were metered before.
pub async fn metered_workspaces(conn: &impl ConnectionTrait) -> StoreResult<Vec<WorkspaceId>> {
    let mut a: Vec<Uuid> = data_files::Entity::find()
        .select_only()
        .column(data_files::Column::WorkspaceId)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let b: Vec<Uuid> = usage_state::Entity::find()
        .select_only()
        .column(usage_state::Column::WorkspaceId)
        .into_tuple()
        .all(conn)
        .await?;
    a.extend(b);
    a.sort_unstable();
    a.dedup();
    Ok(a.into_iter().map(WorkspaceId::from).collect())
}

pub async fn state(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<Option<UsageState>> {
    Ok(usage_state::Entity::find_by_id(workspace).one(conn).await?.map(|m| UsageState {
        metered_until: m.metered_until.to_utc(),
        bytes: [m.hot_bytes, m.cool_bytes, m.cold_bytes],
    }))
}

pub async fn save_state(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    until: DateTime<Utc>,
    bytes: [i64; 3],
) -> StoreResult<()> {
    let m = usage_state::ActiveModel {
        workspace_id: Set(workspace.into()),
        metered_until: Set(ts(until)),
        hot_bytes: Set(bytes[0]),
        cool_bytes: Set(bytes[1]),
        cold_bytes: Set(bytes[2]),
    };
    usage_state::Entity::insert(m)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(usage_state::Column::WorkspaceId)
                .update_columns([
                    usage_state::Column::MeteredUntil,
                    usage_state::Column::HotBytes,
                    usage_state::Column::CoolBytes,
                    usage_state::Column::ColdBytes,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Adds byte-seconds to a workspace's month and tier.
pub async fn add(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    month: &str,
    tier: Tier,
    byte_seconds: f64,
) -> StoreResult<()> {
    use usage_months::Column as C;
    let m = usage_months::ActiveModel {
        workspace_id: Set(workspace.into()),
        month: Set(month.to_owned()),
        tier: Set(tier.as_str().to_owned()),
        byte_seconds: Set(byte_seconds),
        plan: sea_orm::ActiveValue::NotSet,
    };
    usage_months::Entity::insert(m)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([C::WorkspaceId, C::Month, C::Tier])
                .value(C::ByteSeconds, Expr::col((usage_months::Entity, C::ByteSeconds)).add(byte_seconds))
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Records the plan a month ended on (its rows of every tier; once: a month already closed keeps its plan).
pub async fn close_month(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    month: &str,
    plan: &meridian_domain::PlanKey,
) -> StoreResult<()> {
    usage_months::Entity::update_many()
        .col_expr(usage_months::Column::Plan, Expr::value(plan.as_str()))
        .filter(usage_months::Column::WorkspaceId.eq(workspace))
        .filter(usage_months::Column::Month.eq(month))
        .filter(usage_months::Column::Plan.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// A workspace's metered months, newest first.
pub async fn months(conn: &impl ConnectionTrait, workspace: WorkspaceId, limit: u64) -> StoreResult<Vec<UsageMonth>> {
    let rows = usage_months::Entity::find()
        .filter(usage_months::Column::WorkspaceId.eq(workspace))
        .order_by_desc(usage_months::Column::Month)
        .order_by_asc(usage_months::Column::Tier)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(crate::lenient(rows, "usage_months", |m| {
        let plan = m.plan.as_deref().map(meridian_domain::PlanKey::parse).transpose()?;
        Ok(UsageMonth { month: m.month, tier: Tier::parse(&m.tier)?, byte_seconds: m.byte_seconds, plan })
    }))
}
