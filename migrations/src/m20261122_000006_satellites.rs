//! Satellite checks: the instance's satellite catalog (the newest mean elements per object, shared by every
//! workspace), the imports that filled it, and each workspace's planned observations with their stored check.
//!
//! The catalog is small (tens of thousands of rows) and read whole into memory by the checks, so the elements are
//! kept as JSON text; only the NORAD id, name and epoch are columns. An import replaces an object's row only with
//! newer elements, in one transaction with its `satellite_imports` row, so the newest import also names the
//! catalog revision the checks ran on.

use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Telescopes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Instruments {
    Table,
    Id,
    /// An instrument's field of view, for the plans made with it.
    FieldWidthArcmin,
    FieldHeightArcmin,
}

#[derive(DeriveIden)]
enum Targets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SatelliteObjects {
    Table,
    NoradId,
    Name,
    InternationalDesignator,
    Epoch,
    Elements,
    ImportId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SatelliteImports {
    Table,
    Id,
    Source,
    Format,
    ImportedBy,
    ImportedAt,
    ObjectsRead,
    Updated,
    Unchanged,
    Rejected,
    Failed,
    /// JSON: the first rejected lines with their reasons, and the objects that failed to initialise.
    Problems,
}

#[derive(DeriveIden)]
enum PlannedObservations {
    Table,
    Id,
    WorkspaceId,
    Name,
    TargetId,
    RaDeg,
    DecDeg,
    TelescopeId,
    InstrumentId,
    /// `circle` (radius) or `rectangle` (width, height, position angle).
    FieldShape,
    RadiusDeg,
    WidthDeg,
    HeightDeg,
    PositionAngleDeg,
    StartsAt,
    EndsAt,
    Notes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    /// `pending`, `done` or `failed`.
    CheckStatus,
    /// JSON: the check's crossings and skipped objects.
    CheckResult,
    CheckError,
    CheckedAt,
    /// The catalog revision (newest import id) the stored check used, and the catalog's element epochs then.
    CheckCatalogImport,
    CheckCatalogOldest,
    CheckCatalogNewest,
}

fn set_null(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, to_col).on_delete(ForeignKeyAction::SetNull).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one thing at a time.
        for col in [Instruments::FieldWidthArcmin, Instruments::FieldHeightArcmin] {
            manager.alter_table(Table::alter().table(Instruments::Table).add_column(num_null(col)).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SatelliteImports::Table)
                    .col(id(SatelliteImports::Id))
                    .col(text(SatelliteImports::Source))
                    .col(text(SatelliteImports::Format))
                    .col(text(SatelliteImports::ImportedBy))
                    .col(time(SatelliteImports::ImportedAt))
                    .col(ColumnDef::new(SatelliteImports::ObjectsRead).big_integer().not_null())
                    .col(ColumnDef::new(SatelliteImports::Updated).big_integer().not_null())
                    .col(ColumnDef::new(SatelliteImports::Unchanged).big_integer().not_null())
                    .col(ColumnDef::new(SatelliteImports::Rejected).big_integer().not_null())
                    .col(ColumnDef::new(SatelliteImports::Failed).big_integer().not_null())
                    .col(ColumnDef::new(SatelliteImports::Problems).text().not_null().default("{}"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_satellite_imports_at",
                SatelliteImports::Table,
                cols!(SatelliteImports::ImportedAt),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SatelliteObjects::Table)
                    .col(ColumnDef::new(SatelliteObjects::NoradId).big_integer().not_null().primary_key())
                    .col(text_null(SatelliteObjects::Name))
                    .col(text_null(SatelliteObjects::InternationalDesignator))
                    .col(time(SatelliteObjects::Epoch))
                    .col(ColumnDef::new(SatelliteObjects::Elements).text().not_null())
                    .col(uuid_ref(SatelliteObjects::ImportId))
                    .col(time(SatelliteObjects::UpdatedAt))
                    .foreign_key(&mut uses(
                        SatelliteObjects::Table,
                        SatelliteObjects::ImportId,
                        SatelliteImports::Table,
                        SatelliteImports::Id,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlannedObservations::Table)
                    .col(id(PlannedObservations::Id))
                    .col(uuid_ref(PlannedObservations::WorkspaceId))
                    .col(text(PlannedObservations::Name))
                    .col(uuid_null(PlannedObservations::TargetId))
                    .col(num(PlannedObservations::RaDeg))
                    .col(num(PlannedObservations::DecDeg))
                    .col(uuid_ref(PlannedObservations::TelescopeId))
                    .col(uuid_null(PlannedObservations::InstrumentId))
                    .col(text(PlannedObservations::FieldShape))
                    .col(num_null(PlannedObservations::RadiusDeg))
                    .col(num_null(PlannedObservations::WidthDeg))
                    .col(num_null(PlannedObservations::HeightDeg))
                    .col(num_null(PlannedObservations::PositionAngleDeg))
                    .col(time(PlannedObservations::StartsAt))
                    .col(time(PlannedObservations::EndsAt))
                    .col(long_text(PlannedObservations::Notes))
                    .col(uuid_ref(PlannedObservations::CreatedBy))
                    .col(time(PlannedObservations::CreatedAt))
                    .col(time(PlannedObservations::UpdatedAt))
                    .col(text(PlannedObservations::CheckStatus))
                    .col(ColumnDef::new(PlannedObservations::CheckResult).text().null())
                    .col(text_null(PlannedObservations::CheckError))
                    .col(time_null(PlannedObservations::CheckedAt))
                    .col(uuid_null(PlannedObservations::CheckCatalogImport))
                    .col(time_null(PlannedObservations::CheckCatalogOldest))
                    .col(time_null(PlannedObservations::CheckCatalogNewest))
                    .foreign_key(&mut owned_by(
                        PlannedObservations::Table,
                        PlannedObservations::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    // A plan belongs to its telescope: removing the telescope removes its plans.
                    .foreign_key(&mut owned_by(
                        PlannedObservations::Table,
                        PlannedObservations::TelescopeId,
                        Telescopes::Table,
                        Telescopes::Id,
                    ))
                    .foreign_key(&mut set_null(
                        PlannedObservations::Table,
                        PlannedObservations::InstrumentId,
                        Instruments::Table,
                        Instruments::Id,
                    ))
                    // The coordinates are copied in, so a removed target leaves the plan pointing where it did.
                    .foreign_key(&mut set_null(
                        PlannedObservations::Table,
                        PlannedObservations::TargetId,
                        Targets::Table,
                        Targets::Id,
                    ))
                    .foreign_key(&mut uses(
                        PlannedObservations::Table,
                        PlannedObservations::CreatedBy,
                        Accounts::Table,
                        Accounts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // A workspace's plans in time order; the recheck after a catalog refresh reads plans not yet over.
        manager
            .create_index(index(
                "ix_planned_observations_workspace_start",
                PlannedObservations::Table,
                cols!(PlannedObservations::WorkspaceId, PlannedObservations::StartsAt),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_planned_observations_ends",
                PlannedObservations::Table,
                cols!(PlannedObservations::EndsAt),
                false,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PlannedObservations::Table.into_iden(),
            SatelliteObjects::Table.into_iden(),
            SatelliteImports::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for col in [Instruments::FieldWidthArcmin, Instruments::FieldHeightArcmin] {
            manager.alter_table(Table::alter().table(Instruments::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
