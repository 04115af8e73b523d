//! What the web pages need: server-side sign-in sessions (shared by every server on one
//! database, ended with the account's token version), questions flagged for review, and
//! which page sent an answer with which sequence number, so an older save from a page
//! never overwrites a newer one; and time added to a sitting in progress, with who added
//! it and why.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebSessions::Table)
                    .col(string(WebSessions::IdHash).primary_key())
                    .col(uuid(WebSessions::UserId))
                    .col(integer(WebSessions::TokenVersion))
                    .col(string(WebSessions::CsrfToken))
                    .col(timestamp_with_time_zone(WebSessions::CreatedAt))
                    .col(timestamp_with_time_zone(WebSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebSessions::Table, WebSessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("web_sessions_by_user")
                    .table(WebSessions::Table)
                    .col(WebSessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Flags::Table)
                    .col(uuid(Flags::SittingId))
                    .col(integer(Flags::Number))
                    .col(timestamp_with_time_zone(Flags::FlaggedAt))
                    .primary_key(Index::create().col(Flags::SittingId).col(Flags::Number))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Flags::Table, Flags::SittingId)
                            .to(Sittings::Table, Sittings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SittingExtensions::Table)
                    .col(uuid(SittingExtensions::Id).primary_key())
                    .col(uuid(SittingExtensions::SittingId))
                    .col(integer(SittingExtensions::Minutes))
                    .col(text(SittingExtensions::Reason))
                    .col(uuid(SittingExtensions::GrantedBy))
                    .col(timestamp_with_time_zone(SittingExtensions::GrantedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SittingExtensions::Table, SittingExtensions::SittingId)
                            .to(Sittings::Table, Sittings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [
            string_null(Answers::ClientId),
            big_integer_null(Answers::ClientSeq),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Answers::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Answers::ClientSeq, Answers::ClientId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Answers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(SittingExtensions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Flags::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebSessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WebSessions {
    Table,
    IdHash,
    UserId,
    TokenVersion,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Flags {
    Table,
    SittingId,
    Number,
    FlaggedAt,
}

#[derive(DeriveIden)]
enum SittingExtensions {
    Table,
    Id,
    SittingId,
    Minutes,
    Reason,
    GrantedBy,
    GrantedAt,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    ClientId,
    ClientSeq,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sittings {
    Table,
    Id,
}
