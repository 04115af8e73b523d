//! Prerequisite evidence (declared credentials and audit experience, decided by an
//! administrator), recorded course attendance, and extra-time grants.

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
                    .table(Evidence::Table)
                    .col(pk_uuid(Evidence::Id))
                    .col(uuid(Evidence::CandidateId))
                    .col(string(Evidence::Kind))
                    .col(string_null(Evidence::Credential))
                    .col(string_null(Evidence::Issuer))
                    .col(string_null(Evidence::CertificateNumber))
                    .col(date_null(Evidence::IssuedOn))
                    .col(integer_null(Evidence::Years))
                    .col(text_null(Evidence::Description))
                    .col(string(Evidence::Status))
                    .col(timestamp_with_time_zone(Evidence::SubmittedAt))
                    .col(uuid_null(Evidence::DecidedBy))
                    .col(timestamp_with_time_zone_null(Evidence::DecidedAt))
                    .col(text_null(Evidence::DecisionReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("evidence_candidate_id_fkey")
                            .from(Evidence::Table, Evidence::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("evidence_decided_by_fkey")
                            .from(Evidence::Table, Evidence::DecidedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evidence_candidate_id_idx")
                    .table(Evidence::Table)
                    .col(Evidence::CandidateId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evidence_status_idx")
                    .table(Evidence::Table)
                    .col(Evidence::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CourseAttendance::Table)
                    .col(pk_uuid(CourseAttendance::Id))
                    .col(uuid(CourseAttendance::CandidateId))
                    .col(string(CourseAttendance::QualificationCode))
                    .col(string(CourseAttendance::CourseTitle))
                    .col(string(CourseAttendance::Provider))
                    .col(date(CourseAttendance::CompletedOn))
                    .col(uuid(CourseAttendance::RecordedBy))
                    .col(timestamp_with_time_zone(CourseAttendance::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("course_attendance_candidate_id_fkey")
                            .from(CourseAttendance::Table, CourseAttendance::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("course_attendance_recorded_by_fkey")
                            .from(CourseAttendance::Table, CourseAttendance::RecordedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("course_attendance_candidate_id_idx")
                    .table(CourseAttendance::Table)
                    .col(CourseAttendance::CandidateId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExtraTimeGrants::Table)
                    .col(pk_uuid(ExtraTimeGrants::Id))
                    .col(uuid(ExtraTimeGrants::CandidateId))
                    .col(integer(ExtraTimeGrants::Percent))
                    .col(text(ExtraTimeGrants::Reason))
                    .col(uuid(ExtraTimeGrants::GrantedBy))
                    .col(timestamp_with_time_zone(ExtraTimeGrants::GrantedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("extra_time_grants_candidate_id_fkey")
                            .from(ExtraTimeGrants::Table, ExtraTimeGrants::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("extra_time_grants_granted_by_fkey")
                            .from(ExtraTimeGrants::Table, ExtraTimeGrants::GrantedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("extra_time_grants_candidate_id_idx")
                    .table(ExtraTimeGrants::Table)
                    .col(ExtraTimeGrants::CandidateId)
                    .col(ExtraTimeGrants::GrantedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ExtraTimeGrants::Table.into_iden(),
            CourseAttendance::Table.into_iden(),
            Evidence::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Evidence {
    Table,
    Id,
    CandidateId,
    Kind,
    Credential,
    Issuer,
    CertificateNumber,
    IssuedOn,
    Years,
    Description,
    Status,
    SubmittedAt,
    DecidedBy,
    DecidedAt,
    DecisionReason,
}

#[derive(DeriveIden)]
enum CourseAttendance {
    Table,
    Id,
    CandidateId,
    QualificationCode,
    CourseTitle,
    Provider,
    CompletedOn,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum ExtraTimeGrants {
    Table,
    Id,
    CandidateId,
    Percent,
    Reason,
    GrantedBy,
    GrantedAt,
}
