//! `SeaORM` Entity for planned observations (written by hand, in the codegen's shape).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "planned_observations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub target_id: Option<Uuid>,
    #[sea_orm(column_type = "Double")]
    pub ra_deg: f64,
    #[sea_orm(column_type = "Double")]
    pub dec_deg: f64,
    pub telescope_id: Uuid,
    pub instrument_id: Option<Uuid>,
    pub field_shape: String,
    #[sea_orm(column_type = "Double", nullable)]
    pub radius_deg: Option<f64>,
    #[sea_orm(column_type = "Double", nullable)]
    pub width_deg: Option<f64>,
    #[sea_orm(column_type = "Double", nullable)]
    pub height_deg: Option<f64>,
    #[sea_orm(column_type = "Double", nullable)]
    pub position_angle_deg: Option<f64>,
    pub starts_at: DateTimeWithTimeZone,
    pub ends_at: DateTimeWithTimeZone,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub created_by: Uuid,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    pub check_status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub check_result: Option<String>,
    pub check_error: Option<String>,
    pub checked_at: Option<DateTimeWithTimeZone>,
    pub check_catalog_import: Option<Uuid>,
    pub check_catalog_oldest: Option<DateTimeWithTimeZone>,
    pub check_catalog_newest: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
