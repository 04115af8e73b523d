//! Sessions that end when they should: a per-account token version that every access
//! token carries and every request checks (logout, a password change and disabling bump
//! it), disabled accounts with who, when and why, and an absolute lifetime for a login's
//! chain of refresh tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            integer(Users::TokenVersion).default(0).to_owned(),
            timestamp_with_time_zone_null(Users::DisabledAt),
            text_null(Users::DisabledReason),
            uuid_null(Users::DisabledBy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .add_column(timestamp_with_time_zone_null(
                        RefreshTokens::SessionStartedAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .drop_column(RefreshTokens::SessionStartedAt)
                    .to_owned(),
            )
            .await?;
        for column in [
            Users::DisabledBy,
            Users::DisabledReason,
            Users::DisabledAt,
            Users::TokenVersion,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TokenVersion,
    DisabledAt,
    DisabledReason,
    DisabledBy,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    SessionStartedAt,
}
