//! Throttling counters in the database, so every server sharing it counts the same: each
//! change is one upsert that returns the new count.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use time::OffsetDateTime;

fn upsert(backend: DbBackend, on_conflict: &str) -> String {
    let (a, b) = match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    format!(
        "INSERT INTO throttle (key, window_start, count) VALUES ({a}, {b}, 1) \
         ON CONFLICT (key) DO UPDATE SET {on_conflict} RETURNING count"
    )
}

async fn run(
    db: &impl ConnectionTrait,
    sql: String,
    key: &str,
    at: OffsetDateTime,
) -> Result<u32, DbErr> {
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [Value::from(key), Value::from(at)],
    );
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| DbErr::Custom("throttle upsert returned nothing".into()))?;
    let count: i32 = row.try_get_by_index(0)?;
    Ok(u32::try_from(count).unwrap_or(0))
}

/// Counts one more request for `key` in the window starting `window_start`; returns
/// how many there have been in that window.
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    window_start: OffsetDateTime,
) -> Result<u32, DbErr> {
    let sql = upsert(
        db.get_database_backend(),
        "count = CASE WHEN throttle.window_start = excluded.window_start THEN throttle.count + 1 ELSE 1 END, window_start = excluded.window_start",
    );
    run(db, sql, key, window_start).await
}

/// Counts one more consecutive failure for `key`, at `now`; returns how many.
pub async fn fail(db: &impl ConnectionTrait, key: &str, now: OffsetDateTime) -> Result<u32, DbErr> {
    let sql = upsert(
        db.get_database_backend(),
        "count = throttle.count + 1, window_start = excluded.window_start",
    );
    run(db, sql, key, now).await
}

/// Consecutive failures for `key` and when the last one was, if any.
pub async fn failures(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<(u32, OffsetDateTime)>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT count, window_start FROM throttle WHERE key = $1",
        _ => "SELECT count, window_start FROM throttle WHERE key = ?",
    };
    let statement = Statement::from_sql_and_values(backend, sql, [Value::from(key)]);
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok(None);
    };
    let count: i32 = row.try_get_by_index(0)?;
    let last: OffsetDateTime = row.try_get_by_index(1)?;
    Ok(Some((u32::try_from(count).unwrap_or(0), last)))
}

/// Forgets `key` (a successful sign-in clears its failures).
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "DELETE FROM throttle WHERE key = $1",
        _ => "DELETE FROM throttle WHERE key = ?",
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [Value::from(key)],
    ))
    .await?;
    Ok(())
}
