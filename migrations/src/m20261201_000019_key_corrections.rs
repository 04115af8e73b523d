//! Key corrections: an administrator's record that an item's key was wrong (a new key,
//! credit for everyone, or a second accepted key), committed by a second administrator.
//! Each committed correction is the next version of its qualification's key (version 0 is
//! the key as shipped in the pool, which is never edited). Every sitting records the key
//! version that scored it (`sittings.key_version`, NULL for sittings scored before).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyCorrections::Table)
                    .col(uuid(KeyCorrections::Id).primary_key())
                    .col(string(KeyCorrections::QualificationCode))
                    .col(string(KeyCorrections::Edition))
                    .col(string(KeyCorrections::ItemId))
                    .col(string(KeyCorrections::Kind))
                    .col(text(KeyCorrections::WrittenOptions))
                    .col(text_null(KeyCorrections::NewKey))
                    .col(text(KeyCorrections::Reason))
                    .col(uuid_null(KeyCorrections::AppealId))
                    .col(string(KeyCorrections::Status))
                    .col(integer_null(KeyCorrections::Version))
                    .col(uuid(KeyCorrections::RecordedBy))
                    .col(timestamp_with_time_zone(KeyCorrections::RecordedAt))
                    .col(uuid_null(KeyCorrections::DecidedBy))
                    .col(timestamp_with_time_zone_null(KeyCorrections::DecidedAt))
                    .to_owned(),
            )
            .await?;
        // One correction per version of a qualification's key: two commits racing for the
        // same version number cannot both succeed (NULLs, the drafts, never collide).
        manager
            .create_index(
                Index::create()
                    .name("key_corrections_version_key")
                    .table(KeyCorrections::Table)
                    .col(KeyCorrections::QualificationCode)
                    .col(KeyCorrections::Edition)
                    .col(KeyCorrections::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sittings::Table)
                    .add_column(integer_null(Sittings::KeyVersion))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Sittings::Table)
                    .drop_column(Sittings::KeyVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(KeyCorrections::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum KeyCorrections {
    Table,
    Id,
    QualificationCode,
    Edition,
    ItemId,
    Kind,
    WrittenOptions,
    NewKey,
    Reason,
    AppealId,
    Status,
    Version,
    RecordedBy,
    RecordedAt,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Sittings {
    Table,
    KeyVersion,
}
