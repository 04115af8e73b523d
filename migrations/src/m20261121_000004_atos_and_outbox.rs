//! Accredited training organizations (accreditations, staff, courses, enrolments),
//! invitations, and the e-mail outbox. Course attendance now comes from ATO enrolments,
//! so the interim administrator-recorded table goes.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000001_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("course_attendance"))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Atos::Table)
                    .col(pk_uuid(Atos::Id))
                    .col(string(Atos::Name))
                    .col(string(Atos::Country))
                    .col(string(Atos::ContactEmail))
                    .col(timestamp_with_time_zone(Atos::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Accreditations::Table)
                    .col(pk_uuid(Accreditations::Id))
                    .col(uuid(Accreditations::AtoId))
                    .col(string(Accreditations::QualificationCode))
                    .col(date(Accreditations::ValidFrom))
                    .col(date(Accreditations::ValidUntil))
                    .col(date_null(Accreditations::EndedOn))
                    .col(string(Accreditations::Status))
                    .col(text_null(Accreditations::StatusReason))
                    .col(uuid_null(Accreditations::StatusChangedBy))
                    .col(timestamp_with_time_zone_null(
                        Accreditations::StatusChangedAt,
                    ))
                    .col(uuid(Accreditations::CreatedBy))
                    .col(timestamp_with_time_zone(Accreditations::CreatedAt))
                    .foreign_key(&mut fk(
                        "accreditations_ato_id_fkey",
                        (Accreditations::Table, Accreditations::AtoId),
                        (Atos::Table, Atos::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AtoStaff::Table)
                    .col(uuid(AtoStaff::UserId).primary_key())
                    .col(uuid(AtoStaff::AtoId))
                    .col(timestamp_with_time_zone(AtoStaff::CreatedAt))
                    .foreign_key(&mut fk(
                        "ato_staff_user_id_fkey",
                        (AtoStaff::Table, AtoStaff::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "ato_staff_ato_id_fkey",
                        (AtoStaff::Table, AtoStaff::AtoId),
                        (Atos::Table, Atos::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(pk_uuid(Invitations::Id))
                    .col(string(Invitations::Email))
                    .col(string(Invitations::Kind))
                    .col(uuid_null(Invitations::AtoId))
                    .col(uuid_null(Invitations::UserId))
                    .col(string(Invitations::TokenHash))
                    .col(uuid_null(Invitations::CreatedBy))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invitations_token_hash_key")
                    .table(Invitations::Table)
                    .col(Invitations::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(pk_uuid(Courses::Id))
                    .col(uuid(Courses::AtoId))
                    .col(string(Courses::QualificationCode))
                    .col(string(Courses::Title))
                    .col(date(Courses::StartsOn))
                    .col(date(Courses::EndsOn))
                    .col(string(Courses::Delivery))
                    .col(string(Courses::TrainerName))
                    .col(uuid(Courses::CreatedBy))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .foreign_key(&mut fk(
                        "courses_ato_id_fkey",
                        (Courses::Table, Courses::AtoId),
                        (Atos::Table, Atos::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("courses_ato_id_idx")
                    .table(Courses::Table)
                    .col(Courses::AtoId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Enrolments::Table)
                    .col(pk_uuid(Enrolments::Id))
                    .col(uuid(Enrolments::CourseId))
                    .col(uuid(Enrolments::CandidateId))
                    .col(uuid(Enrolments::EnrolledBy))
                    .col(timestamp_with_time_zone(Enrolments::EnrolledAt))
                    .col(string_null(Enrolments::Outcome))
                    .col(uuid_null(Enrolments::OutcomeRecordedBy))
                    .col(timestamp_with_time_zone_null(Enrolments::OutcomeRecordedAt))
                    .foreign_key(&mut fk(
                        "enrolments_course_id_fkey",
                        (Enrolments::Table, Enrolments::CourseId),
                        (Courses::Table, Courses::Id),
                    ))
                    .foreign_key(&mut fk(
                        "enrolments_candidate_id_fkey",
                        (Enrolments::Table, Enrolments::CandidateId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("enrolments_course_candidate_key")
                    .table(Enrolments::Table)
                    .col(Enrolments::CourseId)
                    .col(Enrolments::CandidateId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("enrolments_candidate_id_idx")
                    .table(Enrolments::Table)
                    .col(Enrolments::CandidateId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_uuid(Outbox::Id))
                    .col(string(Outbox::Recipient))
                    .col(string(Outbox::Subject))
                    .col(text(Outbox::TextBody))
                    .col(text(Outbox::HtmlBody))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_due_idx")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            Enrolments::Table.into_iden(),
            Courses::Table.into_iden(),
            Invitations::Table.into_iden(),
            AtoStaff::Table.into_iden(),
            Accreditations::Table.into_iden(),
            Atos::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Atos {
    Table,
    Id,
    Name,
    Country,
    ContactEmail,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Accreditations {
    Table,
    Id,
    AtoId,
    QualificationCode,
    ValidFrom,
    ValidUntil,
    EndedOn,
    Status,
    StatusReason,
    StatusChangedBy,
    StatusChangedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AtoStaff {
    Table,
    UserId,
    AtoId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    Email,
    Kind,
    AtoId,
    UserId,
    TokenHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    AtoId,
    QualificationCode,
    Title,
    StartsOn,
    EndsOn,
    Delivery,
    TrainerName,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    Id,
    CourseId,
    CandidateId,
    EnrolledBy,
    EnrolledAt,
    Outcome,
    OutcomeRecordedBy,
    OutcomeRecordedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    SentAt,
}
