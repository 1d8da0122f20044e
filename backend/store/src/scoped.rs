//! Rows that belong to one workspace, found, changed and deleted through it: an id from another workspace is simply
//! not found, not changed, not deleted. Each such entity says once which column holds the workspace and which the
//! key that names a row within it; the helpers below are the only copies of those filters.
//!
//! ```ignore
//! scoped::find::<sites::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
//! scoped::update::<sites::Entity>(workspace, id).col_expr(sites::Column::Name, Expr::value(name)).exec(conn)
//! scoped::delete::<sites::Entity>(conn, workspace, id).await
//! ```

use crate::entities::{
    api_keys, data_files, datasets, instruments, invitations, lifecycle_rules, log_entries, memberships, night_logs,
    observations, packages, planned_observations, sites, target_lists, targets, telescopes, uploads,
};
use meridian_domain::{
    AccountId, ApiKeyId, DataFileId, DatasetId, EntryId, InstrumentId, InvitationId, LifecycleRuleId, NightLogId,
    ObservationId, PackageId, PlannedObservationId, SiteId, TargetId, TargetListId, TelescopeId, UploadId, WorkspaceId,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, DeleteMany, EntityTrait, QueryFilter, Select, UpdateMany, Value};

/// An entity whose rows each belong to one workspace.
pub(crate) trait Scoped: EntityTrait {
    /// What names one row within its workspace: the row's id (for memberships, the member's account).
    type Key: Into<Value>;
    /// The column holding the [`Self::Key`].
    const KEY: Self::Column;
    /// The column holding the workspace's id.
    const WORKSPACE: Self::Column;
}

macro_rules! scoped {
    ($($entity:ident: $key:ty = $column:ident;)*) => {$(
        impl Scoped for $entity::Entity {
            type Key = $key;
            const KEY: Self::Column = $entity::Column::$column;
            const WORKSPACE: Self::Column = $entity::Column::WorkspaceId;
        }
    )*};
}

scoped! {
    api_keys: ApiKeyId = Id;
    data_files: DataFileId = Id;
    datasets: DatasetId = Id;
    instruments: InstrumentId = Id;
    invitations: InvitationId = Id;
    lifecycle_rules: LifecycleRuleId = Id;
    log_entries: EntryId = Id;
    memberships: AccountId = AccountId;
    night_logs: NightLogId = Id;
    observations: ObservationId = Id;
    packages: PackageId = Id;
    planned_observations: PlannedObservationId = Id;
    sites: SiteId = Id;
    target_lists: TargetListId = Id;
    targets: TargetId = Id;
    telescopes: TelescopeId = Id;
    uploads: UploadId = Id;
}

/// Every row of `workspace` (for lists; the caller adds its filters and its page).
pub(crate) fn all<E: Scoped>(workspace: WorkspaceId) -> Select<E> {
    E::find().filter(E::WORKSPACE.eq(workspace))
}

/// The row `key` of `workspace` as a query, for a caller that joins or locks before it reads.
pub(crate) fn select<E: Scoped>(workspace: WorkspaceId, key: E::Key) -> Select<E> {
    E::find().filter(E::KEY.eq(key)).filter(E::WORKSPACE.eq(workspace))
}

/// The row `key` of `workspace`; `None` when there is none there.
pub(crate) async fn find<E: Scoped>(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    key: E::Key,
) -> Result<Option<E::Model>, DbErr> {
    select::<E>(workspace, key).one(conn).await
}

/// An update of the row `key` of `workspace`: the caller adds what to set (`col_expr`) and any further condition,
/// and reads `rows_affected` (0 when there is no such row there).
pub(crate) fn update<E: Scoped>(workspace: WorkspaceId, key: E::Key) -> UpdateMany<E> {
    E::update_many().filter(E::KEY.eq(key)).filter(E::WORKSPACE.eq(workspace))
}

/// Deletes the row `key` of `workspace`; false when there is none there.
pub(crate) async fn delete<E: Scoped>(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    key: E::Key,
) -> Result<bool, DbErr> {
    let res: DeleteMany<E> = E::delete_many().filter(E::KEY.eq(key)).filter(E::WORKSPACE.eq(workspace));
    Ok(res.exec(conn).await?.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    fn uuid(n: u128) -> uuid::Uuid {
        uuid::Uuid::from_u128(n)
    }

    #[test]
    fn statements_filter_by_key_and_workspace() {
        let ws = WorkspaceId::from(uuid(1));
        let site = SiteId::from(uuid(2));
        assert_eq!(
            select::<sites::Entity>(ws, site).build(DbBackend::Sqlite).to_string(),
            sites::Entity::find_by_id(uuid(2))
                .filter(sites::Column::WorkspaceId.eq(uuid(1)))
                .build(DbBackend::Sqlite)
                .to_string(),
        );
        let update = update::<sites::Entity>(ws, site)
            .col_expr(sites::Column::Name, sea_orm::sea_query::Expr::value("M"))
            .build(DbBackend::Postgres)
            .to_string();
        assert_eq!(
            update,
            format!(
                r#"UPDATE "sites" SET "name" = 'M' WHERE "sites"."id" = '{}' AND "sites"."workspace_id" = '{}'"#,
                uuid(2),
                uuid(1)
            )
        );
        let member = select::<memberships::Entity>(ws, AccountId::from(uuid(3))).build(DbBackend::Sqlite).to_string();
        assert!(member.ends_with(&format!(
            r#"WHERE "memberships"."account_id" = '{}' AND "memberships"."workspace_id" = '{}'"#,
            uuid(3),
            uuid(1)
        )));
    }
}
