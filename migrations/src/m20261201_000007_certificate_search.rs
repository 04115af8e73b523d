//! The public register searches holders' names in SQL: a case-folded copy of each
//! certificate's holder name (folded in Rust, so every script folds alike on SQLite and
//! PostgreSQL), filled in for the certificates issued before.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .add_column(string_null(Certificates::HolderNameFolded))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let select = Query::select()
            .columns([Certificates::Id, Certificates::HolderName])
            .from(Certificates::Table)
            .to_owned();
        for row in db.query_all(&select).await? {
            let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
            let name: String = row.try_get("", "holder_name")?;
            let update = Query::update()
                .table(Certificates::Table)
                .value(Certificates::HolderNameFolded, name.to_lowercase())
                .and_where(Expr::col(Certificates::Id).eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("certificates_holder_name_folded_idx")
                    .table(Certificates::Table)
                    .col(Certificates::HolderNameFolded)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("certificates_holder_name_folded_idx")
                    .table(Certificates::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .drop_column(Certificates::HolderNameFolded)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    HolderName,
    HolderNameFolded,
}
