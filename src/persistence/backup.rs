//! Backups of a SQLite database taken while the server serves it, and a backup brought
//! into a fresh place. PostgreSQL is backed up with its own tools (`pg_dump`), not here.
//!
//! A backup is `VACUUM INTO`: it reads the live database inside one read transaction, so
//! the copy is the database as it stood at one instant (every transaction committed before
//! it, none after), while the server's writers go on committing to the write-ahead log.
//! The copy is written compacted, in rollback-journal mode, as a single file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, SqlxSqliteConnector, Statement};

use super::schema::{self, SchemaStatus};

/// The file of a SQLite database URL (`sqlite://data/invigilator.db?mode=rwc`,
/// `sqlite:data/x.db`); `None` for any other database, or one held in memory.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

/// What a backup file holds, read with the file opened read-only.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub bytes: u64,
    /// `PRAGMA integrity_check`: "ok", or the problems it found, one per line.
    pub integrity: String,
    pub schema: SchemaStatus,
    pub sittings: i64,
    pub sittings_in_progress: i64,
    pub certificates: i64,
    pub accounts: i64,
}

impl Inspection {
    pub fn is_intact(&self) -> bool {
        self.integrity == "ok"
    }
}

/// A connection of its own to the SQLite file at `path`, never creating it.
async fn open(path: &Path, read_only: bool) -> anyhow::Result<DatabaseConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

async fn count(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .with_context(|| sql.to_owned())?
        .context("a count returned no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Size of the live database (its pages, the write-ahead log aside): what a backup will
/// be at most, for a progress bar.
pub async fn expected_size(source: &Path) -> anyhow::Result<u64> {
    let db = open(source, true).await?;
    let pages = count(&db, "PRAGMA page_count").await?;
    let page_size = count(&db, "PRAGMA page_size").await?;
    db.close().await.ok();
    Ok(u64::try_from(pages * page_size).unwrap_or_default())
}

/// Copies the live database at `source` into the new file `target` (which must not
/// exist) with `VACUUM INTO`, then flushes it to disk. While it runs, `progress` is
/// called about ten times a second with the bytes written so far. On failure no part of
/// `target` is left behind.
pub async fn vacuum_into(
    source: &Path,
    target: &Path,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    if !source.is_file() {
        bail!("there is no database at {}", source.display());
    }
    if target.exists() {
        bail!(
            "{} already exists: a backup never overwrites a file",
            target.display()
        );
    }
    let db = open(source, false).await?;
    let target_text = target
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", target.display()))?
        .to_owned();
    let outcome = {
        let vacuum = db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "VACUUM INTO ?",
            [target_text.into()],
        ));
        tokio::pin!(vacuum);
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                done = &mut vacuum => break done,
                _ = tick.tick() => progress(std::fs::metadata(target).map(|m| m.len()).unwrap_or(0)),
            }
        }
    };
    db.close().await.ok();
    if let Err(e) = outcome {
        std::fs::remove_file(target).ok();
        return Err(anyhow::Error::new(e).context(format!(
            "VACUUM INTO {} failed (is its folder there and writable, with room enough?)",
            target.display()
        )));
    }
    // SQLite does not sync the copy it wrote: do it, and its folder's entry.
    let synced = std::fs::File::open(target)
        .and_then(|f| f.sync_all())
        .and_then(|()| sync_parent(target));
    if let Err(e) = synced {
        std::fs::remove_file(target).ok();
        return Err(anyhow::Error::new(e).context(format!("cannot flush {}", target.display())));
    }
    progress(std::fs::metadata(target).map(|m| m.len()).unwrap_or(0));
    Ok(())
}

/// Opens the backup at `file` read-only and reports its integrity, schema version and a
/// few row counts. Nothing is written to it.
pub async fn inspect(file: &Path) -> anyhow::Result<Inspection> {
    if !file.is_file() {
        bail!("there is no file at {}", file.display());
    }
    let bytes = std::fs::metadata(file)?.len();
    let db = open(file, true).await?;
    let result = async {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA integrity_check",
            ))
            .await
            .with_context(|| format!("{} is not a SQLite database", file.display()))?;
        let integrity = rows
            .iter()
            .map(|r| r.try_get_by_index::<String>(0))
            .collect::<Result<Vec<_>, _>>()?
            .join("\n");
        let schema = schema::status(&db).await?;
        if schema.applied.is_empty() && schema.unknown.is_empty() {
            bail!(
                "{} holds no Invigilator schema (no migrations recorded)",
                file.display()
            );
        }
        Ok(Inspection {
            bytes,
            integrity,
            schema,
            sittings: count(&db, "SELECT COUNT(*) FROM sittings").await?,
            sittings_in_progress: count(
                &db,
                "SELECT COUNT(*) FROM sittings WHERE status = 'in_progress'",
            )
            .await?,
            certificates: count(&db, "SELECT COUNT(*) FROM certificates").await?,
            accounts: count(&db, "SELECT COUNT(*) FROM users").await?,
        })
    }
    .await;
    db.close().await.ok();
    result
}

/// Copies the backup `file` to `target` (which must not exist, nor its write-ahead log)
/// by way of a temporary name in the same folder: the copy is flushed to disk, then renamed
/// into place, and the folder flushed, so `target` is either absent or the whole backup.
pub fn copy_into_place(file: &Path, target: &Path) -> anyhow::Result<()> {
    for existing in [target.to_owned(), sidecar(target, "-wal")] {
        if existing.exists() {
            bail!(
                "{} already exists: restore only brings a backup into a fresh place (move the old database away first)",
                existing.display()
            );
        }
    }
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let name = target
        .file_name()
        .with_context(|| format!("{} names no file", target.display()))?
        .to_string_lossy()
        .into_owned();
    let temporary = folder.join(format!(".{name}.restoring-{}", std::process::id()));
    // A stale `-shm` of a database no longer there would be read as this one's.
    std::fs::remove_file(sidecar(target, "-shm")).ok();
    let copied = (|| {
        std::fs::copy(file, &temporary)?;
        std::fs::File::open(&temporary)?.sync_all()?;
        std::fs::rename(&temporary, target)?;
        sync_parent(target)
    })();
    if let Err(e) = copied {
        std::fs::remove_file(&temporary).ok();
        return Err(anyhow::Error::new(e).context(format!(
            "cannot copy {} to {}",
            file.display(),
            target.display()
        )));
    }
    Ok(())
}

/// `x.db` → `x.db-wal`.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Flushes the folder entry of `path` (a new or renamed file survives a power cut).
fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => std::fs::File::open(p)?.sync_all(),
        _ => std::fs::File::open(".")?.sync_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_path("sqlite://data/invigilator.db?mode=rwc"),
            Some(PathBuf::from("data/invigilator.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/x.db"),
            Some(PathBuf::from("/var/lib/x.db"))
        );
        assert_eq!(sqlite_path("sqlite:x.db"), Some(PathBuf::from("x.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://postgres@localhost/x"), None);
    }

    #[test]
    fn a_sidecar_is_named_after_its_database() {
        assert_eq!(
            sidecar(Path::new("data/x.db"), "-wal"),
            PathBuf::from("data/x.db-wal")
        );
    }
}
