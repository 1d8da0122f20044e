//! The data side: datasets of files kept as objects, their FITS headers (summary columns for the common searches,
//! every card as a row for header search), uploads in flight, tier rules, storage metering, and each workspace's
//! plan.
//!
//! A file row is written only after its object is complete and verified, so a row always points at bytes; an
//! upload that dies leaves at most an `uploads` row and an object that the cleanup job removes.

use crate::columns::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Plan,
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
enum NightLogs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Observations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Datasets {
    Table,
    Id,
    WorkspaceId,
    Name,
    Description,
    TelescopeId,
    ReleaseAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DataFiles {
    Table,
    Id,
    WorkspaceId,
    DatasetId,
    Name,
    ContentType,
    SizeBytes,
    Sha256,
    ObjectKey,
    Tier,
    TierChangedAt,
    RestoreStatus,
    RestoreRequestedAt,
    UploadedBy,
    UploadedViaKey,
    UploadedAt,
    ReleaseAt,
    IngestStatus,
    IngestError,
    HeaderJson,
    DateObs,
    Object,
    ObjectSearch,
    RaDeg,
    DecDeg,
    Healpix,
    ExposureS,
    Filter,
    Instrument,
    Telescope,
    FrameType,
    NightLogId,
    ObservationId,
    PreviewKey,
    PreviewStatus,
}

#[derive(DeriveIden)]
enum FileHeaderCards {
    Table,
    FileId,
    WorkspaceId,
    Hdu,
    Seq,
    Keyword,
    ValueText,
    ValueLower,
    ValueNum,
}

#[derive(DeriveIden)]
enum Uploads {
    Table,
    Id,
    WorkspaceId,
    DatasetId,
    Name,
    ContentType,
    SizeBytes,
    Sha256,
    ReleaseAt,
    Mode,
    PartSize,
    ObjectKey,
    MultipartId,
    Status,
    Error,
    FileId,
    CreatedBy,
    ViaKey,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LifecycleRules {
    Table,
    Id,
    WorkspaceId,
    Name,
    DatasetId,
    FrameType,
    CoolAfterDays,
    ColdAfterDays,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UsageMonths {
    Table,
    WorkspaceId,
    Month,
    Tier,
    ByteSeconds,
}

#[derive(DeriveIden)]
enum UsageState {
    Table,
    WorkspaceId,
    MeteredUntil,
    HotBytes,
    CoolBytes,
    ColdBytes,
}

fn bytes<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
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
        manager
            .alter_table(
                Table::alter()
                    .table(Workspaces::Table)
                    .add_column(ColumnDef::new(Workspaces::Plan).string().not_null().default("free"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Datasets::Table)
                    .col(id(Datasets::Id))
                    .col(uuid_ref(Datasets::WorkspaceId))
                    .col(text(Datasets::Name))
                    .col(long_text(Datasets::Description))
                    // The telescope its files come from when their headers do not say.
                    .col(uuid_null(Datasets::TelescopeId))
                    // Private until then, public after (in a public workspace); NULL: private.
                    .col(time_null(Datasets::ReleaseAt))
                    .col(uuid_ref(Datasets::CreatedBy))
                    .col(time(Datasets::CreatedAt))
                    .col(time(Datasets::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        Datasets::Table,
                        Datasets::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut set_null(
                        Datasets::Table,
                        Datasets::TelescopeId,
                        Telescopes::Table,
                        Telescopes::Id,
                    ))
                    .foreign_key(&mut uses(Datasets::Table, Datasets::CreatedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_datasets_workspace_name",
                Datasets::Table,
                cols!(Datasets::WorkspaceId, Datasets::Name),
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DataFiles::Table)
                    .col(id(DataFiles::Id))
                    .col(uuid_ref(DataFiles::WorkspaceId))
                    .col(uuid_ref(DataFiles::DatasetId))
                    .col(text(DataFiles::Name))
                    .col(text(DataFiles::ContentType))
                    .col(bytes(DataFiles::SizeBytes))
                    // Lower-case hex.
                    .col(text(DataFiles::Sha256))
                    .col(text(DataFiles::ObjectKey))
                    .col(text(DataFiles::Tier))
                    .col(time(DataFiles::TierChangedAt))
                    .col(ColumnDef::new(DataFiles::RestoreStatus).string().not_null().default("none"))
                    .col(time_null(DataFiles::RestoreRequestedAt))
                    .col(uuid_ref(DataFiles::UploadedBy))
                    .col(uuid_null(DataFiles::UploadedViaKey))
                    .col(time(DataFiles::UploadedAt))
                    .col(time_null(DataFiles::ReleaseAt))
                    .col(ColumnDef::new(DataFiles::IngestStatus).string().not_null().default("none"))
                    .col(ColumnDef::new(DataFiles::IngestError).text().null())
                    // Every HDU's cards as JSON, as read.
                    .col(ColumnDef::new(DataFiles::HeaderJson).text().null())
                    .col(time_null(DataFiles::DateObs))
                    .col(text_null(DataFiles::Object))
                    .col(text_null(DataFiles::ObjectSearch))
                    .col(num_null(DataFiles::RaDeg))
                    .col(num_null(DataFiles::DecDeg))
                    // Nested HEALPix index of (ra, dec) at the depth in `meridian_service::data::HEALPIX_DEPTH`.
                    .col(ColumnDef::new(DataFiles::Healpix).big_integer().null())
                    .col(num_null(DataFiles::ExposureS))
                    .col(text_null(DataFiles::Filter))
                    .col(text_null(DataFiles::Instrument))
                    .col(text_null(DataFiles::Telescope))
                    .col(text_null(DataFiles::FrameType))
                    .col(uuid_null(DataFiles::NightLogId))
                    .col(uuid_null(DataFiles::ObservationId))
                    .col(text_null(DataFiles::PreviewKey))
                    .col(ColumnDef::new(DataFiles::PreviewStatus).string().not_null().default("none"))
                    .foreign_key(&mut owned_by(
                        DataFiles::Table,
                        DataFiles::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut owned_by(DataFiles::Table, DataFiles::DatasetId, Datasets::Table, Datasets::Id))
                    .foreign_key(&mut uses(DataFiles::Table, DataFiles::UploadedBy, Accounts::Table, Accounts::Id))
                    .foreign_key(&mut set_null(
                        DataFiles::Table,
                        DataFiles::NightLogId,
                        NightLogs::Table,
                        NightLogs::Id,
                    ))
                    .foreign_key(&mut set_null(
                        DataFiles::Table,
                        DataFiles::ObservationId,
                        Observations::Table,
                        Observations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_data_files_dataset_sha256",
                DataFiles::Table,
                cols!(DataFiles::DatasetId, DataFiles::Sha256),
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ux_data_files_dataset_name",
                DataFiles::Table,
                cols!(DataFiles::DatasetId, DataFiles::Name),
                true,
            ))
            .await?;
        manager
            .create_index(index("ux_data_files_object_key", DataFiles::Table, cols!(DataFiles::ObjectKey), true))
            .await?;
        manager
            .create_index(index(
                "ix_data_files_workspace_healpix",
                DataFiles::Table,
                cols!(DataFiles::WorkspaceId, DataFiles::Healpix),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_data_files_workspace_date_obs",
                DataFiles::Table,
                cols!(DataFiles::WorkspaceId, DataFiles::DateObs),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_data_files_workspace_object",
                DataFiles::Table,
                cols!(DataFiles::WorkspaceId, DataFiles::ObjectSearch),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_data_files_workspace_tier",
                DataFiles::Table,
                cols!(DataFiles::WorkspaceId, DataFiles::Tier),
                false,
            ))
            .await?;
        manager
            .create_index(index("ix_data_files_observation", DataFiles::Table, cols!(DataFiles::ObservationId), false))
            .await?;
        manager
            .create_index(index("ix_data_files_night_log", DataFiles::Table, cols!(DataFiles::NightLogId), false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FileHeaderCards::Table)
                    .col(uuid_ref(FileHeaderCards::FileId))
                    .col(uuid_ref(FileHeaderCards::WorkspaceId))
                    .col(ColumnDef::new(FileHeaderCards::Hdu).integer().not_null())
                    .col(ColumnDef::new(FileHeaderCards::Seq).integer().not_null())
                    .col(text(FileHeaderCards::Keyword))
                    .col(text_null(FileHeaderCards::ValueText))
                    .col(text_null(FileHeaderCards::ValueLower))
                    .col(num_null(FileHeaderCards::ValueNum))
                    .primary_key(
                        Index::create()
                            .col(FileHeaderCards::FileId)
                            .col(FileHeaderCards::Hdu)
                            .col(FileHeaderCards::Seq),
                    )
                    .foreign_key(&mut owned_by(
                        FileHeaderCards::Table,
                        FileHeaderCards::FileId,
                        DataFiles::Table,
                        DataFiles::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_header_cards_keyword_num",
                FileHeaderCards::Table,
                cols!(FileHeaderCards::WorkspaceId, FileHeaderCards::Keyword, FileHeaderCards::ValueNum),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_header_cards_keyword_text",
                FileHeaderCards::Table,
                cols!(FileHeaderCards::WorkspaceId, FileHeaderCards::Keyword, FileHeaderCards::ValueLower),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .col(id(Uploads::Id))
                    .col(uuid_ref(Uploads::WorkspaceId))
                    .col(uuid_ref(Uploads::DatasetId))
                    .col(text(Uploads::Name))
                    .col(text(Uploads::ContentType))
                    .col(bytes(Uploads::SizeBytes))
                    .col(text_null(Uploads::Sha256))
                    .col(time_null(Uploads::ReleaseAt))
                    // `stream` (through the API, one request) or `parts` (resumable).
                    .col(text(Uploads::Mode))
                    .col(bytes(Uploads::PartSize))
                    .col(text(Uploads::ObjectKey))
                    .col(text_null(Uploads::MultipartId))
                    .col(text(Uploads::Status))
                    .col(ColumnDef::new(Uploads::Error).text().null())
                    .col(uuid_null(Uploads::FileId))
                    .col(uuid_ref(Uploads::CreatedBy))
                    .col(uuid_null(Uploads::ViaKey))
                    .col(time(Uploads::CreatedAt))
                    .col(time(Uploads::ExpiresAt))
                    .foreign_key(&mut owned_by(Uploads::Table, Uploads::WorkspaceId, Workspaces::Table, Workspaces::Id))
                    .foreign_key(&mut owned_by(Uploads::Table, Uploads::DatasetId, Datasets::Table, Datasets::Id))
                    .foreign_key(&mut uses(Uploads::Table, Uploads::CreatedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_uploads_workspace_status",
                Uploads::Table,
                cols!(Uploads::WorkspaceId, Uploads::Status),
                false,
            ))
            .await?;
        manager.create_index(index("ix_uploads_expires", Uploads::Table, cols!(Uploads::ExpiresAt), false)).await?;

        manager
            .create_table(
                Table::create()
                    .table(LifecycleRules::Table)
                    .col(id(LifecycleRules::Id))
                    .col(uuid_ref(LifecycleRules::WorkspaceId))
                    .col(text(LifecycleRules::Name))
                    .col(uuid_null(LifecycleRules::DatasetId))
                    .col(text_null(LifecycleRules::FrameType))
                    .col(ColumnDef::new(LifecycleRules::CoolAfterDays).integer().null())
                    .col(ColumnDef::new(LifecycleRules::ColdAfterDays).integer().null())
                    .col(time(LifecycleRules::CreatedAt))
                    .col(time(LifecycleRules::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        LifecycleRules::Table,
                        LifecycleRules::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut owned_by(
                        LifecycleRules::Table,
                        LifecycleRules::DatasetId,
                        Datasets::Table,
                        Datasets::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_lifecycle_rules_workspace_name",
                LifecycleRules::Table,
                cols!(LifecycleRules::WorkspaceId, LifecycleRules::Name),
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UsageMonths::Table)
                    .col(uuid_ref(UsageMonths::WorkspaceId))
                    // `YYYY-MM` (UTC).
                    .col(text(UsageMonths::Month))
                    .col(text(UsageMonths::Tier))
                    // Bytes stored × seconds, like S3's byte-hours; a double: a petabyte-month overflows i64.
                    .col(num(UsageMonths::ByteSeconds))
                    .primary_key(
                        Index::create().col(UsageMonths::WorkspaceId).col(UsageMonths::Month).col(UsageMonths::Tier),
                    )
                    .foreign_key(&mut owned_by(
                        UsageMonths::Table,
                        UsageMonths::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UsageState::Table)
                    .col(id(UsageState::WorkspaceId))
                    .col(time(UsageState::MeteredUntil))
                    .col(bytes(UsageState::HotBytes))
                    .col(bytes(UsageState::CoolBytes))
                    .col(bytes(UsageState::ColdBytes))
                    .foreign_key(&mut owned_by(
                        UsageState::Table,
                        UsageState::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UsageState::Table.into_iden(),
            UsageMonths::Table.into_iden(),
            LifecycleRules::Table.into_iden(),
            Uploads::Table.into_iden(),
            FileHeaderCards::Table.into_iden(),
            DataFiles::Table.into_iden(),
            Datasets::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Workspaces::Table).drop_column(Workspaces::Plan).to_owned()).await
    }
}
