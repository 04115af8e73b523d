//! Appeals and complaints: one row per case (its state, reviewer, decision and remedy)
//! and the reviewers' dated notes, with at most one open appeal per target.

use sea_orm_migration::sea_orm::ConnectionTrait;
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
                    .table(Cases::Table)
                    .col(pk_uuid(Cases::Id))
                    .col(string(Cases::Kind))
                    .col(string(Cases::State))
                    .col(uuid(Cases::CandidateId))
                    .col(uuid(Cases::LodgedBy))
                    .col(string_null(Cases::TargetKind))
                    .col(string_null(Cases::TargetId))
                    .col(text_null(Cases::About))
                    .col(text(Cases::Statement))
                    .col(timestamp_with_time_zone(Cases::ReceivedAt))
                    .col(uuid_null(Cases::ReviewerId))
                    .col(timestamp_with_time_zone_null(Cases::AssignedAt))
                    .col(uuid_null(Cases::DecidedBy))
                    .col(timestamp_with_time_zone_null(Cases::DecidedAt))
                    .col(text_null(Cases::Reasons))
                    .col(string_null(Cases::Remedy))
                    .col(text_null(Cases::RemedyDetail))
                    .col(timestamp_with_time_zone_null(Cases::WithdrawnAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("cases_candidate_id_fkey")
                            .from(Cases::Table, Cases::CandidateId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("cases_lodged_by_fkey")
                            .from(Cases::Table, Cases::LodgedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("cases_reviewer_id_fkey")
                            .from(Cases::Table, Cases::ReviewerId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("cases_candidate_id_idx", Cases::CandidateId),
            ("cases_state_idx", Cases::State),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Cases::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        // One open appeal per target: a second is refused while the first is received or
        // under review, however many requests race (a partial unique index, on both
        // engines).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX cases_open_appeal_idx ON cases (candidate_id, target_kind, target_id) \
                 WHERE kind = 'appeal' AND state IN ('received', 'under_review')",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseNotes::Table)
                    .col(pk_uuid(CaseNotes::Id))
                    .col(uuid(CaseNotes::CaseId))
                    .col(uuid(CaseNotes::AuthorId))
                    .col(timestamp_with_time_zone(CaseNotes::At))
                    .col(text(CaseNotes::Text))
                    .foreign_key(
                        ForeignKey::create()
                            .name("case_notes_case_id_fkey")
                            .from(CaseNotes::Table, CaseNotes::CaseId)
                            .to(Cases::Table, Cases::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("case_notes_author_id_fkey")
                            .from(CaseNotes::Table, CaseNotes::AuthorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_notes_case_id_idx")
                    .table(CaseNotes::Table)
                    .col(CaseNotes::CaseId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [CaseNotes::Table.into_iden(), Cases::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    Kind,
    State,
    CandidateId,
    LodgedBy,
    TargetKind,
    TargetId,
    About,
    Statement,
    ReceivedAt,
    ReviewerId,
    AssignedAt,
    DecidedBy,
    DecidedAt,
    Reasons,
    Remedy,
    RemedyDetail,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum CaseNotes {
    Table,
    Id,
    CaseId,
    AuthorId,
    At,
    Text,
}
