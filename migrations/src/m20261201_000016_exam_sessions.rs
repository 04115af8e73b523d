//! Exam sessions and invigilation: sessions with a window, a capacity (a seat counter
//! raised by a guarded UPDATE, so two bookings never take the last seat twice) and an
//! invigilator; candidates' bookings (one active per candidate and qualification, by a
//! partial unique index); the invigilator's actions with their reason; and on sittings the
//! session they belong to, when they were paused and when their page was last seen.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExamSessions::Table)
                    .col(uuid(ExamSessions::Id).primary_key())
                    .col(string(ExamSessions::QualificationCode))
                    .col(timestamp_with_time_zone(ExamSessions::OpensAt))
                    .col(timestamp_with_time_zone(ExamSessions::ClosesAt))
                    .col(string(ExamSessions::Mode))
                    .col(text_null(ExamSessions::Venue))
                    .col(integer(ExamSessions::Capacity))
                    .col(integer(ExamSessions::SeatsTaken).default(0))
                    .col(uuid(ExamSessions::InvigilatorId))
                    .col(boolean(ExamSessions::RequiresAdmission))
                    .col(string_null(ExamSessions::AccessCode))
                    .col(integer(ExamSessions::RescheduleCutoffHours))
                    .col(string(ExamSessions::Status))
                    .col(uuid(ExamSessions::CreatedBy))
                    .col(timestamp_with_time_zone(ExamSessions::CreatedAt))
                    .col(timestamp_with_time_zone_null(ExamSessions::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExamSessions::Table, ExamSessions::InvigilatorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("exam_sessions_by_qualification")
                    .table(ExamSessions::Table)
                    .col(ExamSessions::QualificationCode)
                    .col(ExamSessions::OpensAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Bookings::Table)
                    .col(uuid(Bookings::Id).primary_key())
                    .col(uuid(Bookings::SessionId))
                    .col(uuid(Bookings::CandidateId))
                    .col(string(Bookings::QualificationCode))
                    .col(string(Bookings::Status))
                    .col(timestamp_with_time_zone(Bookings::BookedAt))
                    .col(timestamp_with_time_zone_null(Bookings::AdmittedAt))
                    .col(uuid_null(Bookings::AdmittedBy))
                    .col(uuid_null(Bookings::SittingId))
                    .col(timestamp_with_time_zone_null(Bookings::CancelledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::SessionId)
                            .to(ExamSessions::Table, ExamSessions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Bookings::Table, Bookings::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("bookings_by_session")
                    .table(Bookings::Table)
                    .col(Bookings::SessionId)
                    .to_owned(),
            )
            .await?;
        // One active booking per candidate and qualification, whatever races: partial
        // unique indexes have the same syntax on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX bookings_one_active_key \
                 ON bookings (candidate_id, qualification_code) WHERE status = 'booked'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InvigilationActions::Table)
                    .col(uuid(InvigilationActions::Id).primary_key())
                    .col(uuid(InvigilationActions::SessionId))
                    .col(uuid_null(InvigilationActions::BookingId))
                    .col(uuid_null(InvigilationActions::SittingId))
                    .col(string(InvigilationActions::Action))
                    .col(string(InvigilationActions::Reason))
                    .col(text_null(InvigilationActions::Note))
                    .col(integer_null(InvigilationActions::Minutes))
                    .col(uuid(InvigilationActions::ActedBy))
                    .col(timestamp_with_time_zone(InvigilationActions::ActedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InvigilationActions::Table, InvigilationActions::SessionId)
                            .to(ExamSessions::Table, ExamSessions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invigilation_actions_by_session")
                    .table(InvigilationActions::Table)
                    .col(InvigilationActions::SessionId)
                    .to_owned(),
            )
            .await?;
        for column in [
            uuid_null(Sittings::SessionId),
            timestamp_with_time_zone_null(Sittings::PausedAt),
            timestamp_with_time_zone_null(Sittings::LastSeenAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sittings::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Sittings::LastSeenAt,
            Sittings::PausedAt,
            Sittings::SessionId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Sittings::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            InvigilationActions::Table.into_iden(),
            Bookings::Table.into_iden(),
            ExamSessions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ExamSessions {
    Table,
    Id,
    QualificationCode,
    OpensAt,
    ClosesAt,
    Mode,
    Venue,
    Capacity,
    SeatsTaken,
    InvigilatorId,
    RequiresAdmission,
    AccessCode,
    RescheduleCutoffHours,
    Status,
    CreatedBy,
    CreatedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum Bookings {
    Table,
    Id,
    SessionId,
    CandidateId,
    QualificationCode,
    Status,
    BookedAt,
    AdmittedAt,
    AdmittedBy,
    SittingId,
    CancelledAt,
}

#[derive(DeriveIden)]
enum InvigilationActions {
    Table,
    Id,
    SessionId,
    BookingId,
    SittingId,
    Action,
    Reason,
    Note,
    Minutes,
    ActedBy,
    ActedAt,
}

#[derive(DeriveIden)]
enum Sittings {
    Table,
    SessionId,
    PausedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
