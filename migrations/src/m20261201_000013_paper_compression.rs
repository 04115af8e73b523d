//! PostgreSQL compresses each sitting's paper snapshot (tens of kilobytes of JSON, written
//! once at the start and read at the close) with lz4 instead of pglz: several times
//! faster both ways, for a little more space. Papers stored before keep their
//! compression until rewritten; SQLite, which does not compress, is left alone. A server
//! built without lz4 support keeps pglz.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_compression(manager, "lz4").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_compression(manager, "pglz").await
    }
}

async fn set_compression(manager: &SchemaManager<'_>, method: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    // PostgreSQL before 14, or built without lz4, refuses the statement: keep what it has.
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "DO $$ BEGIN \
               ALTER TABLE sittings ALTER COLUMN paper SET COMPRESSION {method}; \
             EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN \
               RAISE NOTICE 'paper compression left as it is'; \
             END $$"
        ))
        .await
        .map(|_| ())
}
