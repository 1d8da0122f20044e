//! Which jobs are about which thing, so a page can show a file's jobs without reading every job's payload.
//!
//! The jobs themselves live in apalis's own tables (`Jobs` on SQLite, `apalis.jobs` on PostgreSQL), created by
//! `meridian_service::jobs::setup` after these migrations. `job_id` is apalis's task id (a ULID in text); there is
//! no foreign key because those tables are not ours and do not exist yet when this runs. A row is written in the
//! same transaction as its job.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobSubjects {
    Table,
    JobId,
    Subject,
    Kind,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobSubjects::Table)
                    .col(ColumnDef::new(JobSubjects::JobId).string().not_null().primary_key())
                    .col(ColumnDef::new(JobSubjects::Subject).uuid().not_null())
                    .col(ColumnDef::new(JobSubjects::Kind).string().not_null())
                    .col(ColumnDef::new(JobSubjects::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        // `for_subject` reads one subject's jobs newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_job_subjects_subject_created")
                    .table(JobSubjects::Table)
                    .col(JobSubjects::Subject)
                    .col(JobSubjects::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(JobSubjects::Table).to_owned()).await
    }
}
