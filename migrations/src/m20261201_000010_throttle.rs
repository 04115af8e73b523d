//! Throttling counters shared by every server: requests per client address and action
//! in the current window, and consecutive failed sign-ins per account and address.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Throttle::Table)
                    .col(string(Throttle::Key).primary_key())
                    .col(timestamp_with_time_zone(Throttle::WindowStart))
                    .col(integer(Throttle::Count))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Throttle::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Throttle {
    Table,
    Key,
    WindowStart,
    Count,
}
