//! What keeps acknowledged data safe and findable at scale:
//!
//! - `uploads.status_changed_at`: when an upload last changed state, so the sweep can tell an upload that is being
//!   completed right now from one whose server stopped half-way (an hour later).
//! - `workspaces.stored_{hot,cool,cold}_bytes`: the bytes stored per tier, kept up to date in the same transaction
//!   as every file insert, delete and tier change, so a quota check reads three numbers instead of summing every
//!   file of the workspace on each upload (`meridian verify` compares them with the sums).
//! - indexes for the file listing order (newest first, per workspace and per dataset) and for the sweep's look-ups
//!   of files and uploads in an intermediate state.
//! - `scrub_runs`: what each integrity check (`meridian verify`, the periodic scrub) found, for operators.

use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Uploads {
    Table,
    StatusChangedAt,
    Status,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    StoredHotBytes,
    StoredCoolBytes,
    StoredColdBytes,
}

#[derive(DeriveIden)]
enum DataFiles {
    Table,
    WorkspaceId,
    DatasetId,
    UploadedAt,
    Id,
    IngestStatus,
    PreviewStatus,
    RestoreStatus,
}

#[derive(DeriveIden)]
enum ScrubRuns {
    Table,
    Id,
    StartedAt,
    FinishedAt,
    Full,
    FilesChecked,
    FilesRead,
    BytesRead,
    Problems,
    Report,
}

const TIERS: [(&str, &str); 3] =
    [("stored_hot_bytes", "hot"), ("stored_cool_bytes", "cool"), ("stored_cold_bytes", "cold")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // Every step may run again: SQLite runs a migration's statements without one transaction around them, so an
    // interrupted run leaves some of them done.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_column("uploads", "status_changed_at").await? {
            manager
                .alter_table(
                    Table::alter().table(Uploads::Table).add_column(time_null(Uploads::StatusChangedAt)).to_owned(),
                )
                .await?;
        }
        let mut by_status = index("ix_uploads_status", Uploads::Table, cols!(Uploads::Status), false);
        manager.create_index(by_status.if_not_exists().to_owned()).await?;

        // SQLite adds one column per ALTER TABLE.
        for (col, name) in [
            (Workspaces::StoredHotBytes, "stored_hot_bytes"),
            (Workspaces::StoredCoolBytes, "stored_cool_bytes"),
            (Workspaces::StoredColdBytes, "stored_cold_bytes"),
        ] {
            if manager.has_column("workspaces", name).await? {
                continue;
            }
            manager
                .alter_table(
                    Table::alter()
                        .table(Workspaces::Table)
                        .add_column(ColumnDef::new(col).big_integer().not_null().default(0))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for (col, tier) in TIERS {
            db.execute_unprepared(&format!(
                "UPDATE workspaces SET {col} = (SELECT COALESCE(SUM(size_bytes), 0) FROM data_files \
                 WHERE data_files.workspace_id = workspaces.id AND data_files.tier = '{tier}')"
            ))
            .await?;
        }

        for (name, first) in [("ix_data_files_workspace_uploaded", true), ("ix_data_files_dataset_uploaded", false)] {
            let mut i = Index::create();
            i.name(name).table(DataFiles::Table);
            if first {
                i.col(DataFiles::WorkspaceId);
            } else {
                i.col(DataFiles::DatasetId);
            }
            manager.create_index(i.col(DataFiles::UploadedAt).col(DataFiles::Id).if_not_exists().to_owned()).await?;
        }
        for (name, col) in [
            ("ix_data_files_ingest_status", DataFiles::IngestStatus),
            ("ix_data_files_preview_status", DataFiles::PreviewStatus),
            ("ix_data_files_restore_status", DataFiles::RestoreStatus),
        ] {
            manager
                .create_index(Index::create().name(name).table(DataFiles::Table).col(col).if_not_exists().to_owned())
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ScrubRuns::Table)
                    .if_not_exists()
                    .col(id(ScrubRuns::Id))
                    .col(time(ScrubRuns::StartedAt))
                    .col(time(ScrubRuns::FinishedAt))
                    .col(ColumnDef::new(ScrubRuns::Full).boolean().not_null())
                    .col(ColumnDef::new(ScrubRuns::FilesChecked).big_integer().not_null())
                    .col(ColumnDef::new(ScrubRuns::FilesRead).big_integer().not_null())
                    .col(ColumnDef::new(ScrubRuns::BytesRead).big_integer().not_null())
                    .col(ColumnDef::new(ScrubRuns::Problems).big_integer().not_null())
                    .col(ColumnDef::new(ScrubRuns::Report).text().not_null())
                    .to_owned(),
            )
            .await?;
        let mut by_start = index("ix_scrub_runs_started", ScrubRuns::Table, cols!(ScrubRuns::StartedAt), false);
        manager.create_index(by_start.if_not_exists().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ScrubRuns::Table).to_owned()).await?;
        for name in [
            "ix_data_files_restore_status",
            "ix_data_files_preview_status",
            "ix_data_files_ingest_status",
            "ix_data_files_dataset_uploaded",
            "ix_data_files_workspace_uploaded",
        ] {
            manager.drop_index(Index::drop().name(name).table(DataFiles::Table).to_owned()).await?;
        }
        for col in [Workspaces::StoredColdBytes, Workspaces::StoredCoolBytes, Workspaces::StoredHotBytes] {
            manager.alter_table(Table::alter().table(Workspaces::Table).drop_column(col).to_owned()).await?;
        }
        manager.drop_index(Index::drop().name("ix_uploads_status").table(Uploads::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Uploads::Table).drop_column(Uploads::StatusChangedAt).to_owned()).await
    }
}
