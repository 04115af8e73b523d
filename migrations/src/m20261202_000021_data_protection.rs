//! Data protection: when an account was erased at its holder's request (its personal
//! data removed or pseudonymised; a second request finds it done), and when a closed
//! sitting's responses and paper content were removed under the retention policy (its
//! outcome stays). Indexes let the sweeper find what is past its retention period, and
//! an export or erasure find the messages to an address, without reading whole tables.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(Users::ErasedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sittings::Table)
                    .add_column(timestamp_with_time_zone_null(Sittings::ContentRemovedAt))
                    .to_owned(),
            )
            .await?;
        for (name, table, columns) in indexes() {
            let mut index = Index::create().name(name).table(table).to_owned();
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in indexes() {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Sittings::Table)
                    .drop_column(Sittings::ContentRemovedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::ErasedAt)
                    .to_owned(),
            )
            .await
    }
}

/// Name, table and columns of each index this migration adds.
fn indexes() -> Vec<(&'static str, DynIden, Vec<DynIden>)> {
    vec![
        (
            "sittings_content_retention_idx",
            Sittings::Table.into_iden(),
            vec![
                Sittings::ContentRemovedAt.into_iden(),
                Sittings::ClosedAt.into_iden(),
            ],
        ),
        (
            "evidence_decided_at_idx",
            Evidence::Table.into_iden(),
            vec![Evidence::DecidedAt.into_iden()],
        ),
        (
            "outbox_recipient_idx",
            Outbox::Table.into_iden(),
            vec![Outbox::Recipient.into_iden()],
        ),
        (
            "outbox_sent_idx",
            Outbox::Table.into_iden(),
            vec![Outbox::Status.into_iden(), Outbox::SentAt.into_iden()],
        ),
    ]
}

#[derive(DeriveIden)]
enum Users {
    Table,
    ErasedAt,
}

#[derive(DeriveIden)]
enum Sittings {
    Table,
    ContentRemovedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum Evidence {
    Table,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Recipient,
    Status,
    SentAt,
}
