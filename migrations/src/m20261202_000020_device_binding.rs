//! One active device per invigilated sitting: the device a sitting in an exam session is
//! bound to (the SHA-256 of the device's token, never the token), since when, and when
//! another device last tried to open it (shown to the invigilator, who may release it).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_null(Sittings::DeviceHash),
            timestamp_with_time_zone_null(Sittings::DeviceBoundAt),
            timestamp_with_time_zone_null(Sittings::DeviceRefusedAt),
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
            Sittings::DeviceRefusedAt,
            Sittings::DeviceBoundAt,
            Sittings::DeviceHash,
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
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Sittings {
    Table,
    DeviceHash,
    DeviceBoundAt,
    DeviceRefusedAt,
}
