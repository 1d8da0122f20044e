//! `SeaORM` Entity for the satellite catalog's objects (written by hand, in the codegen's shape).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "satellite_objects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub norad_id: i64,
    pub name: Option<String>,
    pub international_designator: Option<String>,
    pub epoch: DateTimeWithTimeZone,
    #[sea_orm(column_type = "Text")]
    pub elements: String,
    pub import_id: Uuid,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
