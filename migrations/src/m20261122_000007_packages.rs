//! Data packages: a curated selection of a workspace's files (the draft), frozen into immutable, numbered
//! versions with a manifest (path, size, SHA-256 of every file) and its checksum, plus secret links that open a
//! package to people outside the workspace.
//!
//! A version's files refer to `data_files` without cascading: the database itself refuses to delete a file that a
//! published version still holds (the service says which version first; this is the safety net).

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
enum DataFiles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Packages {
    Table,
    Id,
    WorkspaceId,
    Title,
    Description,
    Authors,
    Keywords,
    Licence,
    NightLogIds,
    TargetIds,
    Access,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PackageDraftFiles {
    Table,
    PackageId,
    FileId,
    WorkspaceId,
    Path,
    AddedAt,
}

#[derive(DeriveIden)]
enum PackageVersions {
    Table,
    Id,
    PackageId,
    WorkspaceId,
    Number,
    Metadata,
    Manifest,
    ManifestSha256,
    TotalBytes,
    FileCount,
    PublishedAt,
    PublishedBy,
    Doi,
    DownloadCount,
}

#[derive(DeriveIden)]
enum PackageVersionFiles {
    Table,
    VersionId,
    Seq,
    FileId,
    WorkspaceId,
    Path,
    SizeBytes,
    Sha256,
    ObjectKey,
}

#[derive(DeriveIden)]
enum PackageLinks {
    Table,
    Id,
    PackageId,
    WorkspaceId,
    Label,
    TokenHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

fn bytes<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Packages::Table)
                    .col(id(Packages::Id))
                    .col(uuid_ref(Packages::WorkspaceId))
                    .col(text(Packages::Title))
                    // Markdown.
                    .col(long_text(Packages::Description))
                    // `[{"name": .., "orcid": .., "affiliation": ..}]`, in citation order.
                    .col(json_list(Packages::Authors))
                    .col(json_list(Packages::Keywords))
                    // An SPDX licence identifier.
                    .col(text(Packages::Licence))
                    .col(json_list(Packages::NightLogIds))
                    .col(json_list(Packages::TargetIds))
                    // `private`, `link` or `public`.
                    .col(ColumnDef::new(Packages::Access).string().not_null().default("private"))
                    .col(uuid_ref(Packages::CreatedBy))
                    .col(time(Packages::CreatedAt))
                    .col(time(Packages::UpdatedAt))
                    .foreign_key(&mut owned_by(
                        Packages::Table,
                        Packages::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .foreign_key(&mut uses(Packages::Table, Packages::CreatedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_packages_workspace_access",
                Packages::Table,
                cols!(Packages::WorkspaceId, Packages::Access, Packages::Id),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageDraftFiles::Table)
                    .col(uuid_ref(PackageDraftFiles::PackageId))
                    .col(uuid_ref(PackageDraftFiles::FileId))
                    .col(uuid_ref(PackageDraftFiles::WorkspaceId))
                    // Where the file sits in the archive (`dataset/name` unless renamed).
                    .col(text(PackageDraftFiles::Path))
                    .col(time(PackageDraftFiles::AddedAt))
                    .primary_key(Index::create().col(PackageDraftFiles::PackageId).col(PackageDraftFiles::FileId))
                    .foreign_key(&mut owned_by(
                        PackageDraftFiles::Table,
                        PackageDraftFiles::PackageId,
                        Packages::Table,
                        Packages::Id,
                    ))
                    // A deleted file simply leaves the draft.
                    .foreign_key(&mut owned_by(
                        PackageDraftFiles::Table,
                        PackageDraftFiles::FileId,
                        DataFiles::Table,
                        DataFiles::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_package_draft_files_path",
                PackageDraftFiles::Table,
                cols!(PackageDraftFiles::PackageId, PackageDraftFiles::Path),
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_package_draft_files_file",
                PackageDraftFiles::Table,
                cols!(PackageDraftFiles::FileId),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageVersions::Table)
                    .col(id(PackageVersions::Id))
                    .col(uuid_ref(PackageVersions::PackageId))
                    .col(uuid_ref(PackageVersions::WorkspaceId))
                    // 1, 2, ...
                    .col(ColumnDef::new(PackageVersions::Number).integer().not_null())
                    // The package's title, description, authors, keywords and licence as published (JSON).
                    .col(ColumnDef::new(PackageVersions::Metadata).text().not_null())
                    // The manifest exactly as served (JSON); its SHA-256 is the package's own checksum.
                    .col(ColumnDef::new(PackageVersions::Manifest).text().not_null())
                    .col(text(PackageVersions::ManifestSha256))
                    .col(bytes(PackageVersions::TotalBytes))
                    .col(bytes(PackageVersions::FileCount))
                    .col(time(PackageVersions::PublishedAt))
                    .col(uuid_ref(PackageVersions::PublishedBy))
                    .col(text_null(PackageVersions::Doi))
                    .col(ColumnDef::new(PackageVersions::DownloadCount).big_integer().not_null().default(0))
                    .foreign_key(&mut owned_by(
                        PackageVersions::Table,
                        PackageVersions::PackageId,
                        Packages::Table,
                        Packages::Id,
                    ))
                    .foreign_key(&mut uses(
                        PackageVersions::Table,
                        PackageVersions::PublishedBy,
                        Accounts::Table,
                        Accounts::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // Two concurrent publishes cannot both become version N.
        manager
            .create_index(index(
                "ux_package_versions_number",
                PackageVersions::Table,
                cols!(PackageVersions::PackageId, PackageVersions::Number),
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageVersionFiles::Table)
                    .col(uuid_ref(PackageVersionFiles::VersionId))
                    // Position in the manifest and the archive.
                    .col(ColumnDef::new(PackageVersionFiles::Seq).integer().not_null())
                    .col(uuid_ref(PackageVersionFiles::FileId))
                    .col(uuid_ref(PackageVersionFiles::WorkspaceId))
                    .col(text(PackageVersionFiles::Path))
                    .col(bytes(PackageVersionFiles::SizeBytes))
                    .col(text(PackageVersionFiles::Sha256))
                    .col(text(PackageVersionFiles::ObjectKey))
                    .primary_key(Index::create().col(PackageVersionFiles::VersionId).col(PackageVersionFiles::Seq))
                    .foreign_key(&mut owned_by(
                        PackageVersionFiles::Table,
                        PackageVersionFiles::VersionId,
                        PackageVersions::Table,
                        PackageVersions::Id,
                    ))
                    .foreign_key(&mut uses(
                        PackageVersionFiles::Table,
                        PackageVersionFiles::FileId,
                        DataFiles::Table,
                        DataFiles::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_package_version_files_path",
                PackageVersionFiles::Table,
                cols!(PackageVersionFiles::VersionId, PackageVersionFiles::Path),
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_package_version_files_file",
                PackageVersionFiles::Table,
                cols!(PackageVersionFiles::FileId),
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PackageLinks::Table)
                    .col(id(PackageLinks::Id))
                    .col(uuid_ref(PackageLinks::PackageId))
                    .col(uuid_ref(PackageLinks::WorkspaceId))
                    .col(text(PackageLinks::Label))
                    // SHA-256 of the secret, like API keys: the secret itself is shown once and never stored.
                    .col(text(PackageLinks::TokenHash))
                    .col(uuid_ref(PackageLinks::CreatedBy))
                    .col(time(PackageLinks::CreatedAt))
                    .col(time_null(PackageLinks::ExpiresAt))
                    .col(time_null(PackageLinks::RevokedAt))
                    .foreign_key(&mut owned_by(
                        PackageLinks::Table,
                        PackageLinks::PackageId,
                        Packages::Table,
                        Packages::Id,
                    ))
                    .foreign_key(&mut uses(PackageLinks::Table, PackageLinks::CreatedBy, Accounts::Table, Accounts::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ux_package_links_token", PackageLinks::Table, cols!(PackageLinks::TokenHash), true))
            .await?;
        manager
            .create_index(index("ix_package_links_package", PackageLinks::Table, cols!(PackageLinks::PackageId), false))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PackageLinks::Table.into_iden(),
            PackageVersionFiles::Table.into_iden(),
            PackageVersions::Table.into_iden(),
            PackageDraftFiles::Table.into_iden(),
            Packages::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
