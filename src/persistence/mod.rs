//! sea-orm entities and repository functions. Models stay here: callers get domain types.

pub mod answer_writer;
pub mod atos;
pub mod audit;
pub mod certificates;
pub mod entities;
pub mod evidence;
pub mod outbox;
mod paging;
pub mod sittings;
pub mod statistics;
pub mod throttle;
pub mod users;
pub mod web_sessions;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqlErr};
use secrecy::ExposeSecret;

use crate::config::DatabaseSettings;

/// Connects to the configured database. SQLite runs in WAL mode with `synchronous=FULL`
/// (an acknowledged write survives power loss) and foreign keys on.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.url.expose_secret();
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", parent.display())))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(settings.max_connections)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10))
        });
    Database::connect(options).await
}

/// True when `err` violates the unique constraint or index `name` (PostgreSQL names it;
/// SQLite names the columns, given as `table.column`).
pub fn is_unique_violation(err: &DbErr, name: &str, sqlite_columns: &str) -> bool {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => {
            message.contains(name) || message.contains(sqlite_columns)
        }
        _ => false,
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at BEGIN
/// (`BEGIN IMMEDIATE`), so it waits for other writers instead of failing when it later
/// upgrades from reading; PostgreSQL ignores the option.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// A trivial query: Ok once the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// Connects to the configured database and brings its schema up to date.
pub async fn connect_and_migrate(
    settings: &DatabaseSettings,
) -> anyhow::Result<DatabaseConnection> {
    use anyhow::Context;
    use migrations::{Migrator, MigratorTrait};
    let db = connect(settings)
        .await
        .with_context(|| format!("cannot connect to the database {settings:?}"))?;
    Migrator::up(&db, None)
        .await
        .context("database migration failed")?;
    Ok(db)
}
