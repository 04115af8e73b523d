//! sea-orm entities and repository functions. Models stay here: callers get domain types.

pub mod answer_writer;
pub mod atos;
pub mod audit;
pub mod backup;
pub mod cases;
pub mod certificates;
pub mod certification_bodies;
pub mod entities;
pub mod evidence;
pub mod exam_sessions;
pub mod key_corrections;
pub mod materials;
pub mod outbox;
mod paging;
pub mod personal_data;
pub mod result_decisions;
pub mod schema;
pub mod sittings;
pub mod statistics;
pub mod throttle;
pub mod users;
pub mod vouchers;
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
        // With the database unreachable the pool keeps trying to connect until this
        // passes: a request then fails (503) after it instead of hanging for sqlx's 30 s.
        .acquire_timeout(std::time::Duration::from_secs(
            settings.acquire_timeout_seconds.max(1),
        ))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10))
        })
        .map_sqlx_sqlite_pool_opts(|o| o.after_release(|conn, _| close_if_in_transaction(conn)))
        .map_sqlx_postgres_pool_opts(|o| o.after_release(|conn, _| close_if_in_transaction(conn)));
    Database::connect(options).await
}

/// Decides, as a connection goes back to the pool, whether it may be used again: not if
/// it is still inside a transaction once its user has let go of it and the pending
/// ROLLBACK has run. That happens when the ROLLBACK itself failed, e.g. after SQLite
/// answered SQLITE_FULL on a full disk and rolled the transaction back on its own terms.
/// Such a connection, handed to the next request, would turn its BEGIN into a SAVEPOINT
/// inside a transaction that never commits (a save acknowledged, then lost) while
/// holding SQLite's write lock (every other writer waits, then fails as busy). Closing it
/// rolls back whatever it still holds.
fn close_if_in_transaction<C: sea_orm::sqlx::Connection>(
    conn: &mut C,
) -> futures_util::future::BoxFuture<'_, Result<bool, sea_orm::sqlx::Error>> {
    let reusable = !conn.is_in_transaction();
    if !reusable {
        tracing::warn!("a database connection was left inside a transaction: closed");
    }
    Box::pin(std::future::ready(Ok(reusable)))
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

/// True when `err` says the database cannot be used just now rather than that the request
/// was wrong: no connection could be had (the server is down or restarting, the pool
/// timed out), the connection broke, the server is shutting down or starting up, or its
/// disk is full or failing. Such a request may succeed when tried again later (503).
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error};
    let runtime = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(e) | DbErr::Query(e) => e,
        _ => return false,
    };
    let RuntimeErr::SqlxError(e) = runtime else {
        return false;
    };
    match e.as_ref() {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed
        | Error::BeginFailed => true,
        Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs: connection exceptions (08), operator intervention (57P01 admin
/// shutdown, 57P02 crash shutdown, 57P03 cannot connect now), insufficient resources (53:
/// disk full, out of memory, too many connections), and a transaction rolled back as a
/// serialization failure or deadlock victim (40001, 40P01): nothing was done, and the
/// same request tried again may succeed. SQLite result codes (the primary code
/// is the low byte of the extended one): BUSY (5, after the busy timeout), IOERR (10),
/// FULL (13), CANTOPEN (14).
fn unavailable_code(code: &str) -> bool {
    if let Ok(sqlite) = code.parse::<u32>() {
        return matches!(sqlite & 0xff, 5 | 10 | 13 | 14);
    }
    code.starts_with("08")
        || code.starts_with("53")
        || matches!(code, "57P01" | "57P02" | "57P03" | "40001" | "40P01")
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
    refuse_newer_schema(&schema::status(&db).await?)?;
    Migrator::up(&db, None)
        .await
        .context("database migration failed")?;
    Ok(db)
}

/// Fails when the database holds migrations this binary does not know: it was migrated
/// by a newer version, whose data this one could misread or damage.
pub fn refuse_newer_schema(status: &schema::SchemaStatus) -> anyhow::Result<()> {
    if status.unknown.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "the database schema is newer than this binary: it holds migration(s) {} that this version does not know; run the newer version (or restore a backup taken with this one)",
        status.unknown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn settings(url: &str) -> DatabaseSettings {
        DatabaseSettings {
            url: SecretString::from(url.to_owned()),
            max_connections: 1,
            acquire_timeout_seconds: 1,
        }
    }

    #[tokio::test]
    async fn a_database_that_does_not_answer_is_unavailable_within_the_acquire_timeout() {
        let started = std::time::Instant::now();
        let err = connect(&settings("postgres://postgres@127.0.0.1:1/nothing"))
            .await
            .expect_err("nothing listens on port 1");
        assert!(is_unavailable(&err), "{err:?}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }

    /// SQLite's page limit stands in for a full disk: the same SQLITE_FULL.
    #[tokio::test]
    async fn a_full_sqlite_database_is_unavailable_but_a_broken_rule_is_not() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = connect(&settings(&url)).await.expect("connects");
        db.execute_unprepared("CREATE TABLE t (v TEXT NOT NULL UNIQUE)")
            .await
            .expect("creates");
        db.execute_unprepared("INSERT INTO t VALUES ('one')")
            .await
            .expect("inserts");
        let duplicate = db
            .execute_unprepared("INSERT INTO t VALUES ('one')")
            .await
            .expect_err("a unique violation");
        assert!(!is_unavailable(&duplicate), "{duplicate:?}");

        db.execute_unprepared("PRAGMA max_page_count = 8")
            .await
            .expect("limits the file");
        let mut full = None;
        for i in 0..100 {
            let row = format!("INSERT INTO t VALUES ('{i}{}')", "x".repeat(3000));
            if let Err(e) = db.execute_unprepared(&row).await {
                full = Some(e);
                break;
            }
        }
        let full = full.expect("the database filled up");
        assert!(is_unavailable(&full), "{full:?}");
    }
}
