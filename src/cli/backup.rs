//! `invigilator backup FILE` and `invigilator restore FILE` (SQLite). On PostgreSQL both
//! refuse and point to the README's `pg_dump`/`pg_restore` procedure.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::persistence::backup::{self, Inspection};

/// What an operator of a PostgreSQL server is told instead.
pub const POSTGRES_POINTER: &str = "the database is PostgreSQL: back it up with `pg_dump -Fc` and restore it with `pg_restore --no-owner -d` into a fresh database, then run `invigilator migrate` (README, \"Backups and restore\")";

/// The configured SQLite file, or the refusal for any other database.
fn configured_sqlite(settings: &Settings, command: &str) -> anyhow::Result<PathBuf> {
    let url = settings.database.url.expose_secret();
    match backup::sqlite_path(url) {
        Some(path) => Ok(path),
        None if settings.database.is_sqlite() => {
            bail!("`invigilator {command}` needs a SQLite database in a file, not one in memory")
        }
        None => bail!("`invigilator {command}` works on SQLite only; {POSTGRES_POINTER}"),
    }
}

/// Takes an online backup of the configured SQLite database into `file`, then checks
/// the copy and prints what it holds.
pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let source = configured_sqlite(settings, "backup")?;
    if file.exists() {
        bail!(
            "{} already exists: a backup never overwrites a file; name a new one",
            file.display()
        );
    }
    let expected = backup::expected_size(&source).await?;
    let began = Instant::now();
    let mut bar = Progress::new(expected);
    backup::vacuum_into(&source, file, |written| bar.show(written))
        .await
        .inspect_err(|_| bar.finish())?;
    bar.finish();
    let seconds = began.elapsed().as_secs_f64();
    let inspection = backup::inspect(file).await?;
    println!(
        "backup of {} written to {}: {} in {seconds:.1} s",
        source.display(),
        file.display(),
        size(inspection.bytes)
    );
    print!("{}", describe(&inspection));
    if !inspection.is_intact() {
        bail!(
            "the backup {} failed its integrity check; keep the last good one and look at the source database",
            file.display()
        );
    }
    Ok(())
}

/// Brings the backup `file` into place as the configured SQLite database, which must not
/// exist, once it passes its integrity check and holds no migration this binary does not
/// know; then migrates it forward.
pub async fn restore(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let target = configured_sqlite(settings, "restore")?;
    if target.exists() {
        bail!(
            "the configured database {} already exists: restore only fills a fresh data directory (stop the server, move the old database and its -wal and -shm files away, or point APP_DATABASE__URL at a new path)",
            target.display()
        );
    }
    let inspection = backup::inspect(file)
        .await
        .with_context(|| format!("{} cannot be read as a backup", file.display()))?;
    print!("{}", describe(&inspection));
    if !inspection.is_intact() {
        bail!(
            "the backup {} failed its integrity check: {}",
            file.display(),
            inspection.integrity
        );
    }
    crate::persistence::refuse_newer_schema(&inspection.schema)?;
    backup::copy_into_place(file, &target)?;
    let pending = inspection.schema.pending.len();
    let db = crate::persistence::connect_and_migrate(&settings.database).await?;
    db.close().await.ok();
    println!(
        "restored {} to {}; {}",
        file.display(),
        target.display(),
        match pending {
            0 => "its schema was already current".to_owned(),
            n => format!("{n} migration(s) applied to bring it up to date"),
        }
    );
    Ok(())
}

/// The integrity, schema version and row counts of a checked backup, one line each.
fn describe(i: &Inspection) -> String {
    let last = i
        .schema
        .applied
        .last()
        .map(String::as_str)
        .unwrap_or("none");
    let mut schema = format!(
        "schema: {} migration(s), the last {last}",
        i.schema.applied.len()
    );
    if !i.schema.pending.is_empty() {
        schema.push_str(&format!(
            "; {} newer one(s) of this version not applied yet",
            i.schema.pending.len()
        ));
    }
    if !i.schema.unknown.is_empty() {
        schema.push_str(&format!(
            "; NEWER THAN THIS VERSION: {}",
            i.schema.unknown.join(", ")
        ));
    }
    format!(
        "integrity check: {}\n{schema}\nrows: {} sittings ({} in progress), {} certificates, {} accounts\n",
        i.integrity.replace('\n', "; "),
        i.sittings,
        i.sittings_in_progress,
        i.certificates,
        i.accounts
    )
}

/// `12.3 MiB`.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// A progress bar on standard error, drawn only when it is a terminal: the bytes written
/// against the size of the live database (the copy is that or, compacted, smaller).
struct Progress {
    expected: u64,
    drawn: bool,
    terminal: bool,
}

impl Progress {
    fn new(expected: u64) -> Self {
        Self {
            expected: expected.max(1),
            drawn: false,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn show(&mut self, written: u64) {
        if !self.terminal {
            return;
        }
        const WIDTH: u64 = 30;
        let part = written.min(self.expected);
        let filled = (part * WIDTH / self.expected) as usize;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {:3}% {} of {}",
            "#".repeat(filled),
            "-".repeat(WIDTH as usize - filled),
            part * 100 / self.expected,
            size(written),
            size(self.expected)
        );
        let _ = err.flush();
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}
