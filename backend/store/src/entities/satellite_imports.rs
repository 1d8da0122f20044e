//! `SeaORM` Entity for the satellite catalog's imports (written by hand, in the codegen's shape).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "satellite_imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub source: String,
    pub format: String,
    pub imported_by: String,
    pub imported_at: DateTimeWithTimeZone,
    pub objects_read: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub failed: i64,
    #[sea_orm(column_type = "Text")]
    pub problems: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
