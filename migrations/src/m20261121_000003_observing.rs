//! The observing side: sites, telescopes, instruments, night logs with versioned entries, observations and
//! calibrations, targets and target lists.
//!
//! Query-heavy columns are copied down where they never change after creation (an entry's `night` and
//! `telescope_id` are its night log's), so the entry filters of the API run on one table plus the tag index.

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
enum Sites {
    Table,
    Id,
    WorkspaceId,
    Name,
    LatitudeDeg,
    LongitudeDeg,
    ElevationM,
    TimeZone,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Telescopes {
    Table,
    Id,
    WorkspaceId,
    SiteId,
    Name,
    ApertureMm,
    FocalLengthMm,
    Mount,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Instruments {
    Table,
    Id,
    WorkspaceId,
    TelescopeId,
    Name,
    Detector,
    PixelScaleArcsec,
    Filters,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NightLogs {
    Table,
    Id,
    WorkspaceId,
    TelescopeId,
    Night,
    StartsAt,
    EndsAt,
    Observers,
    SeeingArcsec,
    Transparency,
    Weather,
    Summary,
    Status,
    Visibility,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LogEntries {
    Table,
    Id,
    WorkspaceId,
    NightLogId,
    TelescopeId,
    Night,
    OccurredAt,
    Level,
    Body,
    BodySearch,
    Tags,
    Links,
    TimeLostMinutes,
    TimeLostCategory,
    AuthorId,
    Version,
    EditedBy,
    EditedAt,
    DeletedAt,
    DeletedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EntryTags {
    Table,
    EntryId,
    Tag,
    WorkspaceId,
    Night,
}

#[derive(DeriveIden)]
enum EntryVersions {
    Table,
    Id,
    EntryId,
    Version,
    OccurredAt,
    Level,
    Body,
    Tags,
    Links,
    TimeLostMinutes,
    TimeLostCategory,
    EditedBy,
    EditedAt,
}

#[derive(DeriveIden)]
enum Targets {
    Table,
    Id,
    WorkspaceId,
    Name,
    RaDeg,
    DecDeg,
    Notes,
    Tags,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TargetLists {
    Table,
    Id,
    WorkspaceId,
    Name,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TargetListItems {
    Table,
    ListId,
    TargetId,
    AddedAt,
}

#[derive(DeriveIden)]
enum Observations {
    Table,
    Id,
    WorkspaceId,
    NightLogId,
    TargetId,
    TargetName,
    RaDeg,
    DecDeg,
    StartAt,
    ExposureS,
    Filter,
    InstrumentId,
    FrameType,
    Quality,
    Notes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sites::Table)
                    .col(id(Sites::Id))
                    .col(uuid_ref(Sites::WorkspaceId))
                    .col(text(Sites::Name))
                    .col(num(Sites::LatitudeDeg))
                    .col(num(Sites::LongitudeDeg))
                    .col(num(Sites::ElevationM))
                    .col(text(Sites::TimeZone))
                    .col(long_text(Sites::Description))
                    .col(time(Sites::CreatedAt))
                    .col(time(Sites::UpdatedAt))
                    .foreign_key(&mut owned_by(Sites::Table, Sites::WorkspaceId, Workspaces::Table, Workspaces::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_sites_workspace_name", Sites::Table, cols!(Sites::WorkspaceId, Sites::Name), true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Telescopes::Table)
                    .col(id(Telescopes::Id))
                    .col(uuid_ref(Telescopes::WorkspaceId))
                    .col(uuid_ref(Telescopes::SiteId))
                    .col(text(Telescopes::Name))
                    .col(num_null(Telescopes::ApertureMm))
                    .col(num_null(Telescopes::FocalLengthMm))
                    .col(text_null(Telescopes::Mount))
                    .col(long_text(Telescopes::Description))
                    .col(time(Telescopes::CreatedAt))
                    .col(time(Telescopes::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        Telescopes::Table,
                        Telescopes::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut uses(Telescopes::Table, Telescopes::SiteId, Sites::Table, Sites::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_telescopes_workspace_name",
                Telescopes::Table,
                cols!(Telescopes::WorkspaceId, Telescopes::Name),
                true,
            ))
            .await?;
        manager.create_index(index("ix_telescopes_site", Telescopes::Table, cols!(Telescopes::SiteId), false)).await?;

        manager
            .create_table(
                Table::create()
                    .table(Instruments::Table)
                    .col(id(Instruments::Id))
                    .col(uuid_ref(Instruments::WorkspaceId))
                    .col(uuid_ref(Instruments::TelescopeId))
                    .col(text(Instruments::Name))
                    .col(ColumnDef::new(Instruments::Detector).string().not_null().default(""))
                    .col(num_null(Instruments::PixelScaleArcsec))
                    .col(json_list(Instruments::Filters))
                    .col(long_text(Instruments::Description))
                    .col(time(Instruments::CreatedAt))
                    .col(time(Instruments::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        Instruments::Table,
                        Instruments::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut uses(
                        Instruments::Table,
                        Instruments::TelescopeId,
                        Telescopes::Table,
                        Telescopes::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_instruments_workspace_name",
                Instruments::Table,
                cols!(Instruments::WorkspaceId, Instruments::Name),
                true,
            ))
            .await?;
        manager
            .create_index(index("ix_instruments_telescope", Instruments::Table, cols!(Instruments::TelescopeId), false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NightLogs::Table)
                    .col(id(NightLogs::Id))
                    .col(uuid_ref(NightLogs::WorkspaceId))
                    .col(uuid_ref(NightLogs::TelescopeId))
                    .col(date(NightLogs::Night))
                    // The night's span in UTC, fixed when the log is made from the site's time zone.
                    .col(time(NightLogs::StartsAt))
                    .col(time(NightLogs::EndsAt))
                    .col(ColumnDef::new(NightLogs::Observers).string().not_null().default(""))
                    .col(num_null(NightLogs::SeeingArcsec))
                    .col(text_null(NightLogs::Transparency))
                    .col(long_text(NightLogs::Weather))
                    .col(long_text(NightLogs::Summary))
                    .col(text(NightLogs::Status))
                    .col(text(NightLogs::Visibility))
                    .col(uuid_ref(NightLogs::CreatedBy))
                    .col(time(NightLogs::CreatedAt))
                    .col(time(NightLogs::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        NightLogs::Table,
                        NightLogs::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut uses(NightLogs::Table, NightLogs::TelescopeId, Telescopes::Table, Telescopes::Id))
                    .foreign_key(&mut uses(NightLogs::Table, NightLogs::CreatedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_night_logs_telescope_night",
                NightLogs::Table,
                cols!(NightLogs::TelescopeId, NightLogs::Night),
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_night_logs_workspace_night",
                NightLogs::Table,
                cols!(NightLogs::WorkspaceId, NightLogs::Night),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LogEntries::Table)
                    .col(id(LogEntries::Id))
                    .col(uuid_ref(LogEntries::WorkspaceId))
                    .col(uuid_ref(LogEntries::NightLogId))
                    .col(uuid_ref(LogEntries::TelescopeId))
                    .col(date(LogEntries::Night))
                    .col(time(LogEntries::OccurredAt))
                    .col(text(LogEntries::Level))
                    .col(ColumnDef::new(LogEntries::Body).text().not_null())
                    // The body in lower case, for the text filter: a plain LIKE on it is several times cheaper
                    // per row than ILIKE or LOWER(body) on PostgreSQL, and case-insensitive on both databases.
                    .col(long_text(LogEntries::BodySearch))
                    .col(json_list(LogEntries::Tags))
                    .col(json_list(LogEntries::Links))
                    .col(ColumnDef::new(LogEntries::TimeLostMinutes).integer().null())
                    .col(text_null(LogEntries::TimeLostCategory))
                    .col(uuid_ref(LogEntries::AuthorId))
                    .col(ColumnDef::new(LogEntries::Version).integer().not_null())
                    .col(uuid_ref(LogEntries::EditedBy))
                    .col(time(LogEntries::EditedAt))
                    .col(time_null(LogEntries::DeletedAt))
                    .col(uuid_null(LogEntries::DeletedBy))
                    .col(time(LogEntries::CreatedAt))
                    .foreign_key(&mut owned_by(
                        LogEntries::Table,
                        LogEntries::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut owned_by(
                        LogEntries::Table,
                        LogEntries::NightLogId,
                        NightLogs::Table,
                        NightLogs::Id,
                    ))
                    .foreign_key(&mut uses(LogEntries::Table, LogEntries::AuthorId, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_log_entries_workspace_night",
                LogEntries::Table,
                cols!(LogEntries::WorkspaceId, LogEntries::Night, LogEntries::OccurredAt),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_log_entries_workspace_time",
                LogEntries::Table,
                cols!(LogEntries::WorkspaceId, LogEntries::OccurredAt),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_log_entries_night_log",
                LogEntries::Table,
                cols!(LogEntries::NightLogId, LogEntries::OccurredAt),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EntryTags::Table)
                    .col(uuid_ref(EntryTags::EntryId))
                    .col(text(EntryTags::Tag))
                    .col(uuid_ref(EntryTags::WorkspaceId))
                    .col(date(EntryTags::Night))
                    .primary_key(Index::create().col(EntryTags::EntryId).col(EntryTags::Tag))
                    .foreign_key(&mut owned_by(EntryTags::Table, EntryTags::EntryId, LogEntries::Table, LogEntries::Id))
                    .to_owned(),
            )
            .await?;
        // Covers the tag filter (the entry ids of a tag over a range of nights) without reading the table.
        manager
            .create_index(index(
                "ix_entry_tags_workspace_tag_night",
                EntryTags::Table,
                cols!(EntryTags::WorkspaceId, EntryTags::Tag, EntryTags::Night, EntryTags::EntryId),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EntryVersions::Table)
                    .col(id(EntryVersions::Id))
                    .col(uuid_ref(EntryVersions::EntryId))
                    .col(ColumnDef::new(EntryVersions::Version).integer().not_null())
                    .col(time(EntryVersions::OccurredAt))
                    .col(text(EntryVersions::Level))
                    .col(ColumnDef::new(EntryVersions::Body).text().not_null())
                    .col(json_list(EntryVersions::Tags))
                    .col(json_list(EntryVersions::Links))
                    .col(ColumnDef::new(EntryVersions::TimeLostMinutes).integer().null())
                    .col(text_null(EntryVersions::TimeLostCategory))
                    .col(uuid_ref(EntryVersions::EditedBy))
                    .col(time(EntryVersions::EditedAt))
                    .foreign_key(&mut owned_by(
                        EntryVersions::Table,
                        EntryVersions::EntryId,
                        LogEntries::Table,
                        LogEntries::Id,
                    ))
                    .foreign_key(&mut uses(
                        EntryVersions::Table,
                        EntryVersions::EditedBy,
                        Accounts::Table,
                        Accounts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_entry_versions_entry_version",
                EntryVersions::Table,
                cols!(EntryVersions::EntryId, EntryVersions::Version),
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Targets::Table)
                    .col(id(Targets::Id))
                    .col(uuid_ref(Targets::WorkspaceId))
                    .col(text(Targets::Name))
                    .col(num(Targets::RaDeg))
                    .col(num(Targets::DecDeg))
                    .col(long_text(Targets::Notes))
                    .col(json_list(Targets::Tags))
                    .col(time(Targets::CreatedAt))
                    .col(time(Targets::UpdatedAt))
                    .foreign_key(&mut owned_by(Targets::Table, Targets::WorkspaceId, Workspaces::Table, Workspaces::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_targets_workspace_name",
                Targets::Table,
                cols!(Targets::WorkspaceId, Targets::Name),
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TargetLists::Table)
                    .col(id(TargetLists::Id))
                    .col(uuid_ref(TargetLists::WorkspaceId))
                    .col(text(TargetLists::Name))
                    .col(long_text(TargetLists::Description))
                    .col(time(TargetLists::CreatedAt))
                    .col(time(TargetLists::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        TargetLists::Table,
                        TargetLists::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_target_lists_workspace_name",
                TargetLists::Table,
                cols!(TargetLists::WorkspaceId, TargetLists::Name),
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TargetListItems::Table)
                    .col(uuid_ref(TargetListItems::ListId))
                    .col(uuid_ref(TargetListItems::TargetId))
                    .col(time(TargetListItems::AddedAt))
                    .primary_key(Index::create().col(TargetListItems::ListId).col(TargetListItems::TargetId))
                    .foreign_key(&mut owned_by(
                        TargetListItems::Table,
                        TargetListItems::ListId,
                        TargetLists::Table,
                        TargetLists::Id,
                    ))
                    .foreign_key(&mut owned_by(
                        TargetListItems::Table,
                        TargetListItems::TargetId,
                        Targets::Table,
                        Targets::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_target_list_items_target",
                TargetListItems::Table,
                cols!(TargetListItems::TargetId),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Observations::Table)
                    .col(id(Observations::Id))
                    .col(uuid_ref(Observations::WorkspaceId))
                    .col(uuid_ref(Observations::NightLogId))
                    // The catalogue target, when the observation was of one; its name and position are copied so
                    // the record stands if the target is later deleted or renamed.
                    .col(uuid_null(Observations::TargetId))
                    .col(ColumnDef::new(Observations::TargetName).string().not_null().default(""))
                    .col(num_null(Observations::RaDeg))
                    .col(num_null(Observations::DecDeg))
                    .col(time(Observations::StartAt))
                    .col(num(Observations::ExposureS))
                    .col(ColumnDef::new(Observations::Filter).string().not_null().default(""))
                    .col(uuid_null(Observations::InstrumentId))
                    .col(text(Observations::FrameType))
                    .col(text(Observations::Quality))
                    .col(long_text(Observations::Notes))
                    .col(uuid_ref(Observations::CreatedBy))
                    .col(time(Observations::CreatedAt))
                    .col(time(Observations::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        Observations::Table,
                        Observations::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut owned_by(
                        Observations::Table,
                        Observations::NightLogId,
                        NightLogs::Table,
                        NightLogs::Id,
                    ))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from(Observations::Table, Observations::TargetId)
                            .to(Targets::Table, Targets::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .to_owned(),
                    )
                    .foreign_key(&mut uses(
                        Observations::Table,
                        Observations::InstrumentId,
                        Instruments::Table,
                        Instruments::Id,
                    ))
                    .foreign_key(&mut uses(Observations::Table, Observations::CreatedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_observations_night_log_start",
                Observations::Table,
                cols!(Observations::NightLogId, Observations::StartAt),
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_observations_instrument",
                Observations::Table,
                cols!(Observations::InstrumentId),
                false,
            ))
            .await?;
        manager
            .create_index(index("ix_observations_target", Observations::Table, cols!(Observations::TargetId), false))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Observations::Table.into_iden(),
            TargetListItems::Table.into_iden(),
            TargetLists::Table.into_iden(),
            Targets::Table.into_iden(),
            EntryVersions::Table.into_iden(),
            EntryTags::Table.into_iden(),
            LogEntries::Table.into_iden(),
            NightLogs::Table.into_iden(),
            Instruments::Table.into_iden(),
            Telescopes::Table.into_iden(),
            Sites::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
