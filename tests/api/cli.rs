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

/// A one-area edition `x-1` under `root` with a two-question paper; items go in its
/// `items/` folder.
fn x_edition(root: &std::path::Path) -> std::path::PathBuf {
    let edition = root.join("x-1");
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
    edition
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
        stdout.contains("iso20000-foundation: 208 questions"),
        "{stdout}"
    );
    assert!(
        stdout.contains("iso20000-auditor: 208 questions (0 pilot), enough for 5 paper(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("iso20000-practitioner: 20 questions (0 pilot), enough for 5 paper(s)"),
        "{stdout}"
    );
    // The test-wiseness report: key length against chance, and no warning on the bank.
    assert!(
        stdout.contains("key length (208 classic items): strictly longest"),
        "{stdout}"
    );
    assert!(!stdout.contains("warning:"), "{stdout}");
    let strict = invigilator()
        .args(["pools", "check", "--strict"])
        .output()
        .unwrap();
    assert!(strict.status.success(), "the shipped bank passes --strict");
}

#[test]
fn pools_check_read_by_a_reader_that_stops_early_ends_quietly() {
    // `invigilator pools check | head -1`: the reader goes before the report is written.
    let mut child = invigilator()
        .args(["pools", "check"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{stderr}");
}

#[test]
fn pools_check_strict_fails_on_a_pool_whose_keys_are_the_longest_options() {
    let dir = tempfile::tempdir().unwrap();
    let edition = x_edition(dir.path());
    let item = |n: u32| {
        format!(
            "[[item]]\nid = \"X-{n}\"\narea = \"A\"\nlevel = \"knowledge\"\nclause = \"1.{n}\"\nstem = \"Question {n}?\"\noptions = [\"the much longer correct answer {n}\", \"no\", \"nah\", \"nope\"]\nkey = \"A\"\nrationale = \"r\"\n"
        )
    };
    std::fs::write(
        edition.join("items/a.toml"),
        (1..=4).map(item).collect::<String>(),
    )
    .unwrap();
    let lenient = invigilator()
        .args(["pools", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&lenient.stdout);
    assert!(lenient.status.success(), "{stdout}");
    assert!(
        stdout.contains("warning: the key is the strictly longest option in 100% of classic items"),
        "{stdout}"
    );
    let strict = invigilator()
        .args(["pools", "check", "--strict"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!strict.status.success(), "--strict fails on the warning");
}

#[test]
fn pools_check_names_the_file_and_item_of_each_problem() {
    let dir = tempfile::tempdir().unwrap();
    let edition = x_edition(dir.path());
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

/// The server run as operators run it, with `APP_LOG__FORMAT=json`: every line on
/// standard error is a JSON object, each request gets exactly one line with its route
/// template (never the raw path), status, duration and the id its `X-Request-Id`
/// response header gave, and SIGTERM ends it cleanly (exit 0, "shutdown complete").
#[tokio::test]
async fn with_json_logs_each_request_is_one_line_with_its_route_status_duration_and_id() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let mut child = invigilator()
        .arg("serve")
        .env("APP_LOG__FORMAT", "json")
        .env("APP_SERVER__PORT", "0")
        .env(
            "APP_DATABASE__URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("db.sqlite").display()
            ),
        )
        .env("APP_EMAIL__FILE_DIR", dir.path().join("outbox"))
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, received) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut raw: Vec<String> = Vec::new();
    let port = loop {
        let Ok(line) = received.recv_timeout(Duration::from_secs(60)) else {
            child.kill().ok();
            panic!("the server never said it was serving:\n{}", raw.join("\n"));
        };
        raw.push(line.clone());
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&line)
            && value["message"] == "serving"
        {
            break value["port"].as_u64().unwrap();
        }
    };

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let sitting = uuid::Uuid::new_v4();
    let first = client
        .get(format!("{base}/api/v1/sittings/{sitting}"))
        .header("X-Request-Id", "lb-7f3a9c2e")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 401);
    assert_eq!(first.headers()["x-request-id"], "lb-7f3a9c2e");
    let second = client
        .get(format!("{base}/health/ready"))
        .header("X-Request-Id", "not an \"id\"")
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 200);
    let generated = second.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");

    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let asked = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if asked.elapsed() > Duration::from_secs(40) {
            child.kill().ok();
            panic!("the server did not stop within 40 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    reader.join().unwrap();
    raw.extend(received.try_iter());
    assert!(status.success(), "{status}\n{}", raw.join("\n"));

    let lines: Vec<serde_json::Value> = raw
        .iter()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
            assert!(value.is_object(), "{line}");
            value
        })
        .collect();
    let requests: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["message"] == "request").collect();
    assert_eq!(requests.len(), 2, "{}", raw.join("\n"));
    let (sittings, ready) = (requests[0], requests[1]);
    assert_eq!(sittings["http.method"], "GET");
    assert_eq!(sittings["http.route"], "/api/v1/sittings/{id}");
    assert_eq!(sittings["http.status_code"], 401);
    assert_eq!(sittings["request_id"], "lb-7f3a9c2e");
    assert!(sittings["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(ready["http.route"], "/health/ready");
    assert_eq!(ready["http.status_code"], 200);
    assert_eq!(ready["request_id"], generated.as_str());
    assert!(ready["duration_ms"].as_f64().is_some());
    let everything = raw.join("\n");
    assert!(
        !everything.contains(&sitting.to_string()),
        "the raw path was logged"
    );
    assert!(
        !everything.contains("not an"),
        "a hostile request id was logged"
    );
    assert!(
        lines.iter().any(|l| l["message"] == "shutdown complete"),
        "{everything}"
    );
}

/// Runs `command`, asserts it succeeded and gives its standard output.
fn succeeded(command: &mut Command) -> String {
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The files of `dir`, in name order, as one text.
fn files_in(dir: &std::path::Path) -> String {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

#[test]
fn pools_export_writes_a_qti_package_per_qualification_and_import_reads_one_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("qti");
    let stdout = succeeded(invigilator().args(["pools", "export", "--qti"]).arg(&out));
    assert!(
        stdout.contains("iso20000-foundation-2011: 208 items"),
        "{stdout}"
    );
    assert!(
        stdout.contains("iso20000-auditor-2011: 208 items"),
        "{stdout}"
    );
    assert!(
        stdout.contains("nbx-iso20000-foundation-nbx-2011: 48 items"),
        "{stdout}"
    );
    assert!(stdout.contains("exported 5 package(s)"), "{stdout}");
    let package = out.join("iso20000-practitioner-2011");
    let manifest = std::fs::read_to_string(package.join("imsmanifest.xml")).unwrap();
    assert!(manifest.contains("http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"));
    // Exporting again into the same folder overwrites nothing.
    let again = invigilator()
        .args(["pools", "export", "--qti"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    let items = dir.path().join("practitioner");
    let stdout = succeeded(
        invigilator()
            .args(["pools", "import", "--qti"])
            .arg(&package)
            .arg(&items),
    );
    assert!(stdout.contains(", skipped 0"), "{stdout}");
    let written = files_in(&items);
    assert!(written.contains("[[question.item]]"), "{written}");
    assert!(
        written.contains("style = \"assertion_reason\""),
        "{written}"
    );

    // The same package as a .zip file, as other systems exchange it, reads back the same.
    let zips = dir.path().join("zips");
    let stdout = succeeded(
        invigilator()
            .args(["pools", "export", "--zip", "--qti"])
            .arg(&zips),
    );
    assert!(
        stdout.contains("iso20000-practitioner-2011.zip: 88 items"),
        "{stdout}"
    );
    let from_zip = dir.path().join("practitioner-from-zip");
    succeeded(
        invigilator()
            .args(["pools", "import", "--qti"])
            .arg(zips.join("iso20000-practitioner-2011.zip"))
            .arg(&from_zip),
    );
    let again = files_in(&from_zip);
    assert_eq!(again, written);
}

#[test]
fn pools_import_names_each_item_it_cannot_represent_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let items = dir.path().join("imported");
    let output = invigilator()
        .args(["pools", "import", "--qti", "tests/fixtures/qti/third-party"])
        .arg(&items)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "skipped items/essay.xml: unsupported interaction qti-extended-text-interaction"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "skipped items/no-key.xml: no correct response: the importer never guesses a key"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("imported 1 item(s), skipped 2"), "{stdout}");
    let review = std::fs::read_to_string(items.join("needs-review.toml")).unwrap();
    assert!(review.contains("id = \"capital-choice\""), "{review}");
    assert!(review.contains("key = \"C\""), "{review}");
    assert!(!review.contains("no-key-1"), "{review}");
}
