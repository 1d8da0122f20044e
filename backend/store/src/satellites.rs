//! The instance's satellite catalog (one for every workspace) and its imports. Elements are kept as JSON text in
//! the satellite crate's form; this layer does not read them.

use crate::entities::{satellite_imports, satellite_objects};
use crate::{StoreResult, ts};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

/// One object's newest elements, as an import writes them.
#[derive(Debug, Clone)]
pub struct ObjectRow {
    pub norad_id: u32,
    pub name: Option<String>,
    pub international_designator: Option<String>,
    pub epoch: DateTime<Utc>,
    /// The elements as JSON.
    pub elements: String,
}

/// What an import did, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    pub id: Uuid,
    pub source: String,
    pub format: String,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
    pub objects_read: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub failed: u64,
    /// JSON: rejected lines and objects that failed to initialise (the first ones).
    pub problems: String,
}

fn to_record(m: satellite_imports::Model) -> ImportRecord {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    ImportRecord {
        id: m.id,
        source: m.source,
        format: m.format,
        imported_by: m.imported_by,
        imported_at: m.imported_at.to_utc(),
        objects_read: n(m.objects_read),
        updated: n(m.updated),
        unchanged: n(m.unchanged),
        rejected: n(m.rejected),
        failed: n(m.failed),
        problems: m.problems,
    }
}

/// The newest import: its id is the catalog's revision (every change to the objects comes with one).
pub async fn newest_import(conn: &impl ConnectionTrait) -> StoreResult<Option<ImportRecord>> {
    Ok(satellite_imports::Entity::find()
        .order_by_desc(satellite_imports::Column::ImportedAt)
        .order_by_desc(satellite_imports::Column::Id)
        .one(conn)
        .await?
        .map(to_record))
}

/// The newest imports first.
pub async fn recent_imports(conn: &impl ConnectionTrait, limit: u64) -> StoreResult<Vec<ImportRecord>> {
    Ok(satellite_imports::Entity::find()
        .order_by_desc(satellite_imports::Column::ImportedAt)
        .order_by_desc(satellite_imports::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(to_record)
        .collect())
}

/// Every object's epoch, to decide which imported elements are newer.
pub async fn epochs(conn: &impl ConnectionTrait) -> StoreResult<HashMap<u32, DateTime<Utc>>> {
    let rows: Vec<(i64, sea_orm::prelude::DateTimeWithTimeZone)> = satellite_objects::Entity::find()
        .select_only()
        .column(satellite_objects::Column::NoradId)
        .column(satellite_objects::Column::Epoch)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(id, t)| Some((u32::try_from(id).ok()?, t.to_utc()))).collect())
}

/// Every object's elements (JSON), in NORAD id order.
pub async fn all_elements(conn: &impl ConnectionTrait) -> StoreResult<Vec<String>> {
    Ok(satellite_objects::Entity::find()
        .select_only()
        .column(satellite_objects::Column::Elements)
        .order_by_asc(satellite_objects::Column::NoradId)
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn object_count(conn: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(satellite_objects::Entity::find().count(conn).await?)
}

/// Writes `rows` (inserting new objects, replacing older elements; a row never replaces newer elements, even if
/// another import committed in between) and records the import. Call inside a transaction.
pub async fn apply_import(
    conn: &impl ConnectionTrait,
    record: &ImportRecord,
    rows: &[ObjectRow],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    satellite_imports::Entity::insert(satellite_imports::ActiveModel {
        id: Set(record.id),
        source: Set(record.source.clone()),
        format: Set(record.format.clone()),
        imported_by: Set(record.imported_by.clone()),
        imported_at: Set(ts(record.imported_at)),
        objects_read: Set(i64::try_from(record.objects_read).unwrap_or(i64::MAX)),
        updated: Set(i64::try_from(record.updated).unwrap_or(i64::MAX)),
        unchanged: Set(i64::try_from(record.unchanged).unwrap_or(i64::MAX)),
        rejected: Set(i64::try_from(record.rejected).unwrap_or(i64::MAX)),
        failed: Set(i64::try_from(record.failed).unwrap_or(i64::MAX)),
        problems: Set(record.problems.clone()),
    })
    .exec_without_returning(conn)
    .await?;
    use satellite_objects::Column as C;
    // 7 values a row: well under SQLite's 32,766 bound parameters per statement.
    for chunk in rows.chunks(1000) {
        let models = chunk.iter().map(|r| satellite_objects::ActiveModel {
            norad_id: Set(i64::from(r.norad_id)),
            name: Set(r.name.clone()),
            international_designator: Set(r.international_designator.clone()),
            epoch: Set(ts(r.epoch)),
            elements: Set(r.elements.clone()),
            import_id: Set(record.id),
            updated_at: Set(ts(now)),
        });
        let mut on_conflict = OnConflict::column(C::NoradId);
        on_conflict
            .update_columns([C::Name, C::InternationalDesignator, C::Epoch, C::Elements, C::ImportId, C::UpdatedAt])
            .action_and_where(
                Expr::col((satellite_objects::Entity, C::Epoch)).lt(Expr::col((Alias::new("excluded"), C::Epoch))),
            );
        satellite_objects::Entity::insert_many(models).on_conflict(on_conflict).exec_without_returning(conn).await?;
    }
    Ok(())
}
