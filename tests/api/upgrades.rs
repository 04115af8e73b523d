//! Upgrades: a database at every earlier schema version, holding a sitting in progress, a
//! closed sitting and a certificate, is migrated to the latest and served on; a server
//! refuses a database migrated by a newer version; servers already running keep serving
//! while a newer version's additive migration is applied (a rolling upgrade); and every
//! migration after the first release only adds.

use std::path::Path;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::helpers::{Engine, TestApp, db_test, empty_database};

/// A connection of its own (one, so session settings and ATTACH hold for every
/// statement) to the database at `url`.
async fn connect_one(url: &str) -> DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    sea_orm::Database::connect(options)
        .await
        .expect("connect to the database")
}

fn engine_of(app: &TestApp) -> Engine {
    if app.settings.database.is_sqlite() {
        Engine::Sqlite
    } else {
        Engine::postgres().expect("a PostgreSQL test has TEST_POSTGRES_URL")
    }
}

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql)
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a text column"))
        .collect()
}

/// The tables of the database `db` (not the migrations' own).
async fn tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY name"
        }
        _ => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'seaql_migrations' ORDER BY table_name"
        }
    };
    strings(db, sql).await
}

/// Copies every row of `source` (a database at the latest schema) into `target` (a
/// database at an earlier schema), column by column for the columns the earlier schema
/// has: what a server of that version held. Columns it lacks are left to the later
/// migrations, with their defaults and back-fills, as on a real upgrade.
async fn copy_into_older(source_url: &str, target: &DatabaseConnection) {
    let backend = target.get_database_backend();
    // Tables an early migration made and a later one dropped hold nothing to copy.
    let source = connect_one(source_url).await;
    let in_source = tables(&source).await;
    source.close().await.ok();
    let names: Vec<String> = tables(target)
        .await
        .into_iter()
        .filter(|t| in_source.contains(t))
        .collect();
    match backend {
        DbBackend::Sqlite => {
            let path = source_url
                .trim_start_matches("sqlite://")
                .split('?')
                .next()
                .unwrap();
            target
                .execute_unprepared("PRAGMA foreign_keys = OFF")
                .await
                .unwrap();
            target
                .execute_unprepared(&format!("ATTACH DATABASE '{path}' AS src"))
                .await
                .unwrap();
            for table in &names {
                let in_source = strings(
                    target,
                    &format!("SELECT name FROM pragma_table_info('{table}', 'src')"),
                )
                .await;
                let columns = strings(
                    target,
                    &format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
                )
                .await
                .iter()
                .filter(|c| in_source.contains(c))
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
                // A row a migration seeded (the ledger's head) is the source's.
                target
                    .execute_unprepared(&format!("DELETE FROM main.\"{table}\""))
                    .await
                    .unwrap();
                target
                    .execute_unprepared(&format!(
                        "INSERT INTO main.\"{table}\" ({columns}) SELECT {columns} FROM src.\"{table}\""
                    ))
                    .await
                    .unwrap_or_else(|e| panic!("copy {table}: {e}"));
            }
            target
                .execute_unprepared("DETACH DATABASE src")
                .await
                .unwrap();
            target
                .execute_unprepared("PRAGMA foreign_keys = ON")
                .await
                .unwrap();
        }
        _ => {
            let source = connect_one(source_url).await;
            // Foreign keys and triggers (the ledger's append-only rule) are not checked
            // while the rows go in, whatever their order.
            target
                .execute_unprepared("SET session_replication_role = replica")
                .await
                .unwrap();
            for table in &names {
                let rows = strings(
                    &source,
                    &format!("SELECT row_to_json(t)::text FROM \"{table}\" t"),
                )
                .await;
                target
                    .execute_unprepared(&format!("DELETE FROM \"{table}\""))
                    .await
                    .unwrap();
                for row in rows {
                    target
                        .execute_raw(Statement::from_sql_and_values(
                            DbBackend::Postgres,
                            format!(
                                "INSERT INTO \"{table}\" SELECT * FROM json_populate_record(NULL::\"{table}\", $1::json)"
                            ),
                            [row.into()],
                        ))
                        .await
                        .unwrap_or_else(|e| panic!("copy {table}: {e}"));
                }
                // Sequences behind identity columns continue after the copied rows.
                for column in strings(
                    target,
                    &format!(
                        "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' AND column_default LIKE 'nextval%'"
                    ),
                )
                .await
                {
                    target
                        .execute_unprepared(&format!(
                            "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
                        ))
                        .await
                        .unwrap();
                }
            }
            target
                .execute_unprepared("SET session_replication_role = origin")
                .await
                .unwrap();
            source.close().await.ok();
        }
    }
}

/// Rows the latest version writes that a server before the named migration never wrote,
/// removed from the copy at an earlier version (that migration back-fills them).
const WRITTEN_SINCE: [(&str, &str, &str); 1] = [(
    "m20261201_000011_status_list",
    "certificate_sequences",
    "prefix = 'status-list'",
)];

/// Removes from `db` (at the schema after `applied` migrations) what only a later version
/// would have written.
async fn remove_later_rows(db: &DatabaseConnection, applied: usize) {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    for (since, table, condition) in WRITTEN_SINCE {
        let at = known.iter().position(|m| m == since).expect(since);
        if applied <= at && tables(db).await.iter().any(|t| t == table) {
            db.execute_unprepared(&format!("DELETE FROM \"{table}\" WHERE {condition}"))
                .await
                .unwrap();
        }
    }
}

db_test!(
    a_database_at_every_earlier_schema_version_is_upgraded_and_served_on,
    |settings| {
        // Certificates signed before the upgrade verify after it: the operator keeps the
        // signing key across versions.
        settings.certificates.signing_key = Some(crate::helpers::signing_key_pem().into());
    },
    |app| {
        // What a server holds: a candidate with a certificate (a closed, passed sitting)
        // and a second candidate half-way through a paper.
        let holder = app.candidate().await;
        let number = app.pass_foundation(&holder).await;
        let sitter = app.candidate().await;
        let sitting = app.start_foundation(&sitter.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let deadline = sitting["deadline"].as_str().unwrap().to_owned();
        let first = app.key_of(&id, 1).await;
        assert_eq!(
            app.save_answer(&sitter.token, &id, 1, &first).await.status,
            200
        );

        let known = Migrator::migrations().len();
        let engine = engine_of(&app);
        let source = app.database_url();
        let mut upgraded = Vec::new();
        for applied in 1..known {
            let dir = tempfile::tempdir().unwrap();
            let url = empty_database(&engine, dir.path()).await;
            let old = connect_one(&url).await;
            Migrator::up(&old, Some(applied as u32)).await.unwrap();
            copy_into_older(&source, &old).await;
            remove_later_rows(&old, applied).await;
            old.close().await.ok();
            // The server migrates the rest at start-up.
            let server = app.spawn_on_database(&url).await;
            let at = format!("after migration {applied} of {known}");

            // Every account signs in again. The candidate half-way through carries on: the paper,
            // its deadline to the second and the saved answer are there; a save and the
            // submit work; the result is scored with both answers.
            let token = server.relogin(&sitter).await;
            // Migration 2 made the sittings.
            if applied >= 2 {
                let read = server
                    .get(&format!("/api/v1/sittings/{id}"), Some(&token))
                    .await;
                assert_eq!(read.status, 200, "{at}: {}", read.text);
                assert_eq!(read.body["status"], "in_progress", "{at}");
                assert_eq!(read.body["deadline"], deadline.as_str(), "{at}");
                let second = app.key_of(&id, 2).await;
                let saved = server.save_answer(&token, &id, 2, &second).await;
                assert_eq!(saved.status, 200, "{at}: {}", saved.text);
                let result = server.submit(&token, &id).await;
                assert_eq!(result.status, 200, "{at}: {}", result.text);
                assert_eq!(result.body["score"], 2, "{at}: {}", result.text);
            }
            // The certificate, issued before, where the schema had certificates.
            if applied >= 5 {
                let verified = server
                    .get(&format!("/api/v1/certificates/{number}/verification"), None)
                    .await;
                assert_eq!(verified.status, 200, "{at}: {}", verified.text);
                assert_eq!(verified.body["status"], "valid", "{at}: {}", verified.text);
                let token = server.relogin(&holder).await;
                let signed = server
                    .get(
                        &format!("/api/v1/certificates/{number}/signed"),
                        Some(&token),
                    )
                    .await;
                assert_eq!(signed.status, 200, "{at}: {}", signed.text);
                let keys = server.get("/api/v1/certificates/keys", None).await;
                let document: invigilator::signing::SignedCertificate =
                    serde_json::from_value(signed.body.clone()).unwrap();
                let keys: invigilator::signing::Jwks = serde_json::from_value(keys.body).unwrap();
                invigilator::signing::verify(&document, &keys)
                    .unwrap_or_else(|e| panic!("{at}: the certificate no longer verifies: {e}"));
            }
            // The ledger, once there is one, is intact with the copied entries and the
            // new ones.
            match invigilator::app::audit::verify(&server.state.db)
                .await
                .unwrap()
            {
                invigilator::app::audit::Verified::Intact { entries, .. } => {
                    assert!(entries > 0, "{at}: the new server's events are on record")
                }
                invigilator::app::audit::Verified::Broken(b) => panic!("{at}: ledger broken: {b}"),
            }
            upgraded.push(applied);
        }
        assert_eq!(upgraded.len(), known - 1);
        println!(
            "upgrades: a database at each of {} earlier schema versions upgraded to {known} and served on",
            upgraded.len()
        );
    }
);

db_test!(
    a_server_refuses_a_database_migrated_by_a_newer_version,
    |app| {
        let db = &app.state.db;
        db.execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000099_from_the_future', 0)",
        )
        .await
        .unwrap();
        let mut settings = app.settings.clone();
        settings.server.port = 0;
        let refused = invigilator::startup::Application::build(settings)
            .await
            .err()
            .expect("the server refuses to start");
        let message = format!("{refused:#}");
        assert!(
            message.contains("newer than this binary")
                && message.contains("m29991231_000099_from_the_future"),
            "{message}"
        );
        // Nothing was changed: the database still holds every migration it had.
        let status = invigilator::persistence::schema::status(db).await.unwrap();
        assert!(status.pending.is_empty(), "{status:?}");
        assert_eq!(status.unknown, ["m29991231_000099_from_the_future"]);
    }
);

/// The next version's migration as a rolling upgrade applies it: a new table and a new
/// nullable column, written the way every migration after the first release is.
const NEXT_VERSION_MIGRATION: [&str; 3] = [
    "CREATE TABLE rolling_probe (id INTEGER PRIMARY KEY, note TEXT)",
    "ALTER TABLE sittings ADD COLUMN rolling_note TEXT",
    "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29991231_000100_rolling_probe', 0)",
];

db_test!(
    running_servers_keep_serving_while_the_next_version_migrates,
    |app| {
        // Servers of version N serve candidates; the first server of version N+1 applies
        // its migration to the shared database in the middle of their work.
        let who = app.candidate().await;
        let sitting = app.start_foundation(&who.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let mut statuses = Vec::new();
        for number in 1..=10u32 {
            if number == 5 {
                for sql in NEXT_VERSION_MIGRATION {
                    app.state.db.execute_unprepared(sql).await.unwrap();
                }
            }
            let choice = app.key_of(&id, number).await;
            statuses.push(
                app.save_answer(&who.token, &id, number, &choice)
                    .await
                    .status,
            );
            statuses.push(
                app.get(&format!("/api/v1/sittings/{id}"), Some(&who.token))
                    .await
                    .status,
            );
        }
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        let again = app.candidate().await;
        assert_eq!(
            app.start_sitting(&again.token, "iso20000-foundation")
                .await
                .status,
            201
        );
        let result = app.submit(&who.token, &id).await;
        assert_eq!(result.status, 200, "{}", result.text);
        assert_eq!(result.body["score"], 10);
        // The running server still says it can take traffic; a server of version N
        // started now would refuse the newer schema (the test above), so the rollout
        // replaces the old servers rather than adding more of them.
        let status = invigilator::persistence::schema::status(&app.state.db)
            .await
            .unwrap();
        assert!(
            status.pending.is_empty() && status.unknown.len() == 1,
            "{status:?}"
        );
    }
);

/// Migrations before this one belong to the first release's development, when no
/// database outside this repository existed: they may drop what an earlier one made.
const FIRST_RELEASED: &str = "m20261121_000005_certificates";

/// Schema changes an old server running beside a new one would trip over.
const DESTRUCTIVE: [&str; 8] = [
    "drop_table",
    "drop_column",
    "rename_column",
    "rename_table",
    "modify_column",
    "DROP ",
    "RENAME ",
    "ALTER COLUMN",
];

#[test]
fn every_released_migration_only_adds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/src");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('m'))
        .collect();
    files.sort();
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        if name.as_str() < FIRST_RELEASED {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        let up = source
            .split("async fn up")
            .nth(1)
            .and_then(|rest| rest.split("async fn down").next())
            .unwrap_or_else(|| panic!("{name} has no up"));
        for word in DESTRUCTIVE {
            // Changing a column's storage (PostgreSQL's compression) is not a change of
            // its type or name: allowed, by name.
            if word == "ALTER COLUMN" && up.contains("SET COMPRESSION") {
                continue;
            }
            if up.contains(word) {
                problems.push(format!("{name}: `{word}` in up()"));
            }
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} migrations read");
    assert!(
        problems.is_empty(),
        "a migration must only add (new tables, nullable or defaulted columns, indexes), so servers of the previous version keep working during a rolling upgrade; a destructive change is split over two releases (README, Upgrades):\n{}",
        problems.join("\n")
    );
}
