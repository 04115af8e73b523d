//! Provisional results and recertification: `result_decisions` holds each result a
//! qualification's `confirmed` policy keeps provisional, with the examiner's
//! recommendation and the certification decision (two different people); certificates
//! get an expiry date and the links of a renewal (`renews` on the new certificate,
//! `renewed_by` on the old, both certificate numbers).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResultDecisions::Table)
                    .col(uuid(ResultDecisions::SittingId).primary_key())
                    .col(uuid(ResultDecisions::CandidateId))
                    .col(string(ResultDecisions::QualificationCode))
                    .col(string(ResultDecisions::Stage))
                    .col(timestamp_with_time_zone(ResultDecisions::CreatedAt))
                    .col(uuid_null(ResultDecisions::RecommendedBy))
                    .col(timestamp_with_time_zone_null(
                        ResultDecisions::RecommendedAt,
                    ))
                    .col(text_null(ResultDecisions::RecommendationNote))
                    .col(uuid_null(ResultDecisions::DecidedBy))
                    .col(timestamp_with_time_zone_null(ResultDecisions::DecidedAt))
                    .col(text_null(ResultDecisions::DecisionNote))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ResultDecisions::Table, ResultDecisions::SittingId)
                            .to(Sittings::Table, Sittings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("result_decisions_by_stage")
                    .table(ResultDecisions::Table)
                    .col(ResultDecisions::Stage)
                    .col(ResultDecisions::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            date_null(Certificates::ExpiresOn),
            string_null(Certificates::Renews),
            string_null(Certificates::RenewedBy),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Certificates::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Certificates::RenewedBy,
            Certificates::Renews,
            Certificates::ExpiresOn,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Certificates::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ResultDecisions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ResultDecisions {
    Table,
    SittingId,
    CandidateId,
    QualificationCode,
    Stage,
    CreatedAt,
    RecommendedBy,
    RecommendedAt,
    RecommendationNote,
    DecidedBy,
    DecidedAt,
    DecisionNote,
}

#[derive(DeriveIden)]
enum Sittings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    ExpiresOn,
    Renews,
    RenewedBy,
}
