//! A place for each certificate in the published status lists (W3C Bitstring Status
//! List): its index, taken from the sequence `status-list`. Certificates issued before
//! get theirs in the order they were issued.

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
                    .add_column(integer_null(Certificates::StatusIndex))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let select = Query::select()
            .column(Certificates::Id)
            .from(Certificates::Table)
            .order_by(Certificates::CreatedAt, Order::Asc)
            .order_by(Certificates::Id, Order::Asc)
            .to_owned();
        let rows = db.query_all(&select).await?;
        for (index, row) in rows.iter().enumerate() {
            let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
            let update = Query::update()
                .table(Certificates::Table)
                .value(Certificates::StatusIndex, index as i32)
                .and_where(Expr::col(Certificates::Id).eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
        if !rows.is_empty() {
            let insert = Query::insert()
                .into_table(CertificateSequences::Table)
                .columns([
                    CertificateSequences::Prefix,
                    CertificateSequences::Year,
                    CertificateSequences::Last,
                ])
                .values_panic(["status-list".into(), 0.into(), (rows.len() as i32).into()])
                .to_owned();
            db.execute(&insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .drop_column(Certificates::StatusIndex)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    CreatedAt,
    StatusIndex,
}

#[derive(DeriveIden)]
enum CertificateSequences {
    Table,
    Prefix,
    Year,
    Last,
}
