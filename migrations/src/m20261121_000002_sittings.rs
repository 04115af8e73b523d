//! Sittings (one candidate's attempt at one paper, with a snapshot of the paper delivered)
//! and the answers saved during them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sittings::Table)
                    .col(pk_uuid(Sittings::Id))
                    .col(uuid(Sittings::CandidateId))
                    .col(string(Sittings::QualificationCode))
                    .col(string(Sittings::Edition))
                    .col(string(Sittings::PoolHash))
                    .col(big_integer(Sittings::Seed))
                    .col(string(Sittings::Status))
                    .col(timestamp_with_time_zone(Sittings::StartedAt))
                    .col(timestamp_with_time_zone(Sittings::Deadline))
                    .col(integer(Sittings::DurationMinutes))
                    .col(integer(Sittings::ExtraTimePercent))
                    .col(text(Sittings::Paper))
                    .col(integer(Sittings::MaxScore))
                    .col(integer(Sittings::PassMark))
                    .col(timestamp_with_time_zone_null(Sittings::ClosedAt))
                    .col(string_null(Sittings::ClosedReason))
                    .col(integer_null(Sittings::Score))
                    .col(boolean_null(Sittings::Passed))
                    .col(text_null(Sittings::Breakdown))
                    .foreign_key(
                        ForeignKey::create()
                            .name("sittings_candidate_id_fkey")
                            .from(Sittings::Table, Sittings::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sittings_candidate_id_idx")
                    .table(Sittings::Table)
                    .col(Sittings::CandidateId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sittings_status_deadline_idx")
                    .table(Sittings::Table)
                    .col(Sittings::Status)
                    .col(Sittings::Deadline)
                    .to_owned(),
            )
            .await?;
        // One sitting in progress per candidate, enforced by the database so that two
        // concurrent starts (on one server or several) cannot both succeed. Partial unique
        // indexes have the same syntax on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX sittings_one_in_progress_key \
                 ON sittings (candidate_id) WHERE status = 'in_progress'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Answers::Table)
                    .col(uuid(Answers::SittingId))
                    .col(integer(Answers::Number))
                    .col(text(Answers::Response))
                    .col(timestamp_with_time_zone(Answers::SavedAt))
                    .primary_key(Index::create().col(Answers::SittingId).col(Answers::Number))
                    .foreign_key(
                        ForeignKey::create()
                            .name("answers_sitting_id_fkey")
                            .from(Answers::Table, Answers::SittingId)
                            .to(Sittings::Table, Sittings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Answers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Sittings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Sittings {
    Table,
    Id,
    CandidateId,
    QualificationCode,
    Edition,
    PoolHash,
    Seed,
    Status,
    StartedAt,
    Deadline,
    DurationMinutes,
    ExtraTimePercent,
    Paper,
    MaxScore,
    PassMark,
    ClosedAt,
    ClosedReason,
    Score,
    Passed,
    Breakdown,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    SittingId,
    Number,
    Response,
    SavedAt,
}
