//! `invigilator backup` and `invigilator restore`, run as processes against a live SQLite
//! server: the backup is taken while answers are being saved, restored into a fresh path,
//! and a server started on it carries on with the sitting. Both refuse what they must.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::*;

fn invigilator(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_invigilator"));
    command
        .current_dir(repo_root())
        .env("APP_ENVIRONMENT", "test")
        .env("APP_DATABASE__URL", database_url);
    command
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// The last migration this binary knows: the schema version a current database is at.
fn last_migration() -> String {
    invigilator::persistence::schema::known_migrations()
        .last()
        .cloned()
        .expect("migrations")
}

/// The saved choices of a sitting, by question number, read from the database.
async fn saved(db: &DatabaseConnection, sitting: Uuid) -> std::collections::BTreeMap<u32, String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT sitting_id, number, response FROM answers",
        ))
        .await
        .expect("answers");
    rows.iter()
        .filter(|r| r.try_get::<Uuid>("", "sitting_id").expect("id") == sitting)
        .map(|r| {
            let number: i32 = r.try_get("", "number").expect("number");
            let response: String = r.try_get("", "response").expect("response");
            let choice = serde_json::from_str::<Value>(&response).expect("json")["choice"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (number as u32, choice)
        })
        .collect()
}

#[tokio::test]
async fn a_backup_of_a_live_server_restores_into_a_fresh_path_and_the_sitting_carries_on() {
    let app = spawn_app().await;
    let who = app.candidate().await;
    let sitting = app.start_foundation(&who.token).await;
    let id = sitting["id"].as_str().unwrap().to_owned();
    let sitting_id: Uuid = id.parse().unwrap();
    let deadline = sitting["deadline"].as_str().unwrap().to_owned();
    let mut keys = std::collections::BTreeMap::new();
    for number in 1..=40 {
        keys.insert(number, app.key_of(&id, number).await);
    }
    // Acknowledged before the backup starts: these must all be in it.
    for number in 1..=10 {
        let reply = app
            .save_answer(&who.token, &id, number, &keys[&number])
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let mut backup = invigilator(&app.database_url())
        .arg("backup")
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The candidate keeps saving while the backup runs (until it has finished).
    let mut during = 0;
    for number in (11..=40).cycle() {
        if backup.try_wait().unwrap().is_some() && during >= 1 {
            break;
        }
        let reply = app
            .save_answer(&who.token, &id, number, &keys[&number])
            .await;
        assert_eq!(
            reply.status, 200,
            "saves go on during the backup: {}",
            reply.text
        );
        during += 1;
        if during >= 400 {
            break;
        }
    }
    let output = backup.wait_with_output().unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("integrity check: ok"), "{stdout}");
    assert!(stdout.contains(&last_migration()), "{stdout}");
    assert!(stdout.contains("1 sittings (1 in progress)"), "{stdout}");
    // Standard error is not a terminal here: no progress bar.
    assert!(!stderr.contains('\r'), "{stderr}");
    assert!(file.is_file());

    // Restored into a fresh data directory (which does not exist yet).
    let restored_path = dir.path().join("fresh").join("data").join("restored.db");
    let restored_url = sqlite_url(&restored_path);
    let output = invigilator(&restored_url)
        .arg("restore")
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("restored"), "{stdout}");
    assert!(restored_path.is_file());

    // A server on the restored database, with the same settings (JWT secret) and clock.
    let server = app.spawn_on_database(&restored_url).await;

    let stored = saved(&server.state.db, sitting_id).await;
    for number in 1..=10 {
        assert_eq!(
            stored.get(&number),
            Some(&keys[&number]),
            "question {number}, acknowledged before the backup, is in it: {stored:?}"
        );
    }
    for (number, choice) in &stored {
        assert_eq!(
            choice, &keys[number],
            "question {number} holds what was saved"
        );
    }

    let read = server
        .get(&format!("/api/v1/sittings/{id}"), Some(&who.token))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["status"], "in_progress", "{}", read.text);
    assert_eq!(read.body["deadline"], deadline.as_str());
    // The candidate answers the rest on the restored server and submits: a pass.
    for number in 1..=40 {
        if stored.contains_key(&number) {
            continue;
        }
        let reply = server
            .save_answer(&who.token, &id, number, &keys[&number])
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let submitted = server.submit(&who.token, &id).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.body["passed"], true, "{}", submitted.text);
}

#[tokio::test]
async fn backup_never_overwrites_an_existing_file() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("precious.db");
    std::fs::write(&file, "last week's backup").unwrap();
    let output = invigilator(&app.database_url())
        .arg("backup")
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "last week's backup"
    );
}

/// A backup of the test app's database, in `dir`.
fn take_backup(app: &TestApp, dir: &Path) -> PathBuf {
    let file = dir.join("backup.db");
    let output = invigilator(&app.database_url())
        .arg("backup")
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
    file
}

#[tokio::test]
async fn restore_refuses_a_database_that_exists_and_leaves_it_alone() {
    let app = spawn_app().await;
    let who = app.candidate().await;
    let dir = tempfile::tempdir().unwrap();
    let file = take_backup(&app, dir.path());
    // A sitting started after the backup: restoring over the live database would lose it.
    let sitting = app.start_foundation(&who.token).await;
    let output = invigilator(&app.database_url())
        .arg("restore")
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("fresh"), "{stderr}");
    let read = app
        .get(
            &format!("/api/v1/sittings/{}", sitting["id"].as_str().unwrap()),
            Some(&who.token),
        )
        .await;
    assert_eq!(
        read.status, 200,
        "the live database is untouched: {}",
        read.text
    );
}

#[tokio::test]
async fn restore_refuses_a_backup_newer_than_the_binary_or_not_a_backup() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = take_backup(&app, dir.path());
    // As if a newer version had migrated the database before it was backed up.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&file, &newer).unwrap();
    let db = sea_orm::Database::connect(sqlite_url(&newer))
        .await
        .unwrap();
    db.execute_unprepared(
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_from_a_newer_version', 0)",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let target = dir.path().join("fresh").join("restored.db");
    let output = invigilator(&sqlite_url(&target))
        .arg("restore")
        .arg(&newer)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("newer than this binary"), "{stderr}");
    assert!(
        stderr.contains("m20991231_000001_from_a_newer_version"),
        "{stderr}"
    );
    assert!(!target.exists(), "nothing was put in place");

    // A file that is not a SQLite database at all.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 8192]).unwrap();
    let output = invigilator(&sqlite_url(&target))
        .arg("restore")
        .arg(&junk)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(!output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("cannot be read as a backup"), "{stderr}");
    assert!(!target.exists(), "nothing was put in place");

    // The good backup restores.
    let output = invigilator(&sqlite_url(&target))
        .arg("restore")
        .arg(&file)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}{stderr}");
}

#[test]
fn backup_and_restore_on_postgresql_refuse_and_point_to_pg_dump() {
    let url = match std::env::var("TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => format!("{}/postgres", base.trim_end_matches('/')),
        _ => "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
    };
    let dir = tempfile::tempdir().unwrap();
    for command in ["backup", "restore"] {
        let file = dir.path().join("dump.db");
        if command == "restore" {
            std::fs::write(&file, "x").unwrap();
        }
        let output = invigilator(&url).arg(command).arg(&file).output().unwrap();
        let (stdout, stderr) = text(&output);
        assert!(!output.status.success(), "{command}: {stdout}{stderr}");
        assert!(stderr.contains("works on SQLite only"), "{stderr}");
        assert!(stderr.contains("pg_dump -Fc"), "{stderr}");
        assert!(stderr.contains("pg_restore --no-owner -d"), "{stderr}");
        assert!(stderr.contains("Backups and restore"), "{stderr}");
        if command == "backup" {
            assert!(!file.exists(), "backup wrote nothing");
        }
    }
}
