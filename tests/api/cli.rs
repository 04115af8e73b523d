//! The `invigilator` command line, run as a process.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::*;

fn invigilator() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_invigilator"));
    command
        .current_dir(repo_root())
        .env("APP_ENVIRONMENT", "test")
        .env_remove("INVIGILATOR_ADMIN_PASSWORD");
    command
}

#[test]
fn pools_check_passes_on_the_shipped_pools_and_reports_the_sizes() {
    let output = invigilator().args(["pools", "check"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("iso20000-foundation: 134 questions"),
        "{stdout}"
    );
    assert!(stdout.contains("enough for 3 paper(s)"), "{stdout}");
}

#[test]
fn pools_check_names_the_file_and_item_of_each_problem() {
    let dir = tempfile::tempdir().unwrap();
    let edition = dir.path().join("x-1");
    std::fs::create_dir_all(edition.join("items")).unwrap();
    std::fs::write(
        edition.join("scheme.toml"),
        r#"
scheme = "x"
edition = "1"
edition_title = "X"
[[area]]
code = "A"
title = "Area A"
[[qualification]]
code = "x-foundation"
title = "X"
items = "items"
certificate_prefix = "XXFD"
[qualification.format]
questions = 2
marks = 2
pass_mark = 1
duration_minutes = 10
book = "closed"
[qualification.blueprint]
areas = { A = 2 }
[qualification.prerequisites]
rule = "none"
"#,
    )
    .unwrap();
    std::fs::write(
        edition.join("items/a.toml"),
        r#"
[[item]]
id = "X-1"
area = "A"
level = "knowledge"
clause = "1"
stem = "Which?"
options = ["a", "b", "c", "d"]
key = "B"
rationale = "r"

[[item]]
id = "X-2"
area = "A"
level = "knowledge"
clause = "1"
stem = "Which?"
options = ["a", "b", "c", "d"]
key = "E"
rationale = "r"

[[item]]
id = "X-1"
area = "Z"
level = "knowledge"
clause = "1"
stem = "Which?"
options = ["a", "b", "c", "d"]
key = "A"
rationale = "r"
"#,
    )
    .unwrap();
    let output = invigilator()
        .args(["pools", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("x-1/items/a.toml: X-2: key \"E\" is not among the options"),
        "{stderr}"
    );
    assert!(
        stderr.contains("x-1/items/a.toml: X-1: id is also used in"),
        "{stderr}"
    );
    assert!(stderr.contains("area Z is not defined"), "{stderr}");
    assert!(
        stderr.contains("blueprint needs 2 scored questions in A, the pool has 1"),
        "{stderr}"
    );
}

#[tokio::test]
async fn admin_create_reads_the_password_from_stdin_and_the_admin_can_log_in() {
    let app = spawn_app().await;
    let url = secrecy::ExposeSecret::expose_secret(&app.settings.database.url).to_owned();
    let mut child = invigilator()
        .args([
            "admin",
            "create",
            "--email",
            "Examiner@Example.org",
            "--name",
            "Grace Brewster Hopper",
        ])
        .env("APP_DATABASE__URL", &url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains(PASSWORD));

    let login = app.login("examiner@example.org", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let me = app
        .get("/api/v1/me", login.body["access_token"].as_str())
        .await;
    assert_eq!(me.body["roles"], serde_json::json!(["admin"]));
    assert_eq!(me.body["given_name"], "Grace Brewster");
    assert_eq!(me.body["family_name"], "Hopper");

    // The password is never taken as an argument.
    let refused = invigilator()
        .args([
            "admin",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X Y",
            "--password",
            PASSWORD,
        ])
        .env("APP_DATABASE__URL", &url)
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

#[tokio::test]
async fn admin_create_makes_an_invigilator_with_role_invigilator() {
    let app = spawn_app().await;
    let url = secrecy::ExposeSecret::expose_secret(&app.settings.database.url).to_owned();
    let made = invigilator()
        .args([
            "admin",
            "create",
            "--email",
            "proctor@example.org",
            "--name",
            "Mary Jackson",
            "--role",
            "invigilator",
        ])
        .env("APP_DATABASE__URL", &url)
        .env("INVIGILATOR_ADMIN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(String::from_utf8_lossy(&made.stdout).starts_with("invigilator "));
    let login = app.login("proctor@example.org", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.body["access_token"].as_str();
    let me = app.get("/api/v1/me", token).await;
    assert_eq!(me.body["roles"], serde_json::json!(["invigilator"]));
    assert_eq!(
        app.get("/api/v1/invigilation/sessions", token).await.status,
        200
    );
    assert_eq!(app.get("/api/v1/admin/atos", token).await.status, 403);

    // A role the command line does not give is refused, and nothing is created.
    let refused = invigilator()
        .args([
            "admin",
            "create",
            "--email",
            "c@example.org",
            "--name",
            "C D",
            "--role",
            "candidate",
        ])
        .env("APP_DATABASE__URL", &url)
        .env("INVIGILATOR_ADMIN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("invalid value 'candidate'"));
    assert_eq!(app.login("c@example.org", PASSWORD).await.status, 401);
}
