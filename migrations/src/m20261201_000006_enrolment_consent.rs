//! Enrolment needs the candidate's consent: an enrolment of an existing account waits
//! for the candidate to accept it (`accepted_at`), through an e-mailed link (an
//! invitation naming the enrolment). Enrolments made before this migration were made
//! under the earlier rule and count as accepted when they were made.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Enrolments::Table)
                    .add_column(timestamp_with_time_zone_null(Enrolments::AcceptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(Enrolments::Table)
                    .value(Enrolments::AcceptedAt, Expr::col(Enrolments::EnrolledAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(uuid_null(Invitations::EnrolmentId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .drop_column(Invitations::EnrolmentId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Enrolments::Table)
                    .drop_column(Enrolments::AcceptedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    EnrolledAt,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    EnrolmentId,
}
