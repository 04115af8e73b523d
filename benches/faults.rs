//! Crash and fault tests: one command that starts its own server on a fresh database,
//! puts it under load and breaks things underneath it, then checks what the candidates
//! were told against what the database holds.
//!
//!     cargo bench --bench faults                                  # SQLite: kills, disk full
//!     cargo bench --bench faults -- --engine postgres             # PostgreSQL: kills, restart
//!     cargo bench --bench faults -- --kills 5 --scenario kill     # a short run
//!
//! Scenarios:
//!
//! - `kill`: rounds of a cohort of candidates who start a sitting and save answers in a
//!   closed loop while the server is killed with SIGKILL and restarted on the same
//!   database; then the server's clock (the injected clock file) moves to just before the
//!   deadline, half the cohort submits in a storm, the sweeper closes the rest, and the
//!   server is killed once more in the middle of it. E-mail goes to an SMTP sink in this
//!   process. At the end every acknowledged answer must be in the database with its latest
//!   acknowledged value, every started sitting must exist with its deadline unchanged to
//!   the second, closed once (submitted only if its candidate asked, expired only after its
//!   deadline) and scored, with one certificate exactly when passed, one result message
//!   queued, and its result e-mail delivered (missing ones are a failure; duplicates are
//!   counted and reported with their Message-IDs).
//! - `pg-restart` (PostgreSQL): PostgreSQL is stopped under load for `--outage-seconds`
//!   and started again; every request in the outage must be answered 503 problem+json
//!   within a few seconds, and saves must succeed again without restarting the server.
//! - `disk-full` (SQLite, as root): the database lives on a 64 MiB tmpfs that a filler
//!   file fills up while candidates save and new candidates start; writes must be answered
//!   503 (never 500, never a crash), nothing acknowledged may be lost, `PRAGMA
//!   integrity_check` must say ok, and service must resume when the filler is deleted.
//! - `restore` (SQLite): the restore drill. `invigilator backup` runs while a cohort saves;
//!   `invigilator restore` puts it in a fresh directory for a fresh server with the same
//!   keys. Every answer acknowledged before the backup began must be there (with that
//!   value or one sent while it ran), every sitting started before it with its deadline
//!   to the second; past their deadlines the server closes sittings scored with the
//!   backup's answers, the others resume; certificates issued before it still verify
//!   (`invigilator certificates verify`) and `invigilator audit verify` passes.
//!
//! - `sigterm`: rounds of a cohort saving in a closed loop while the server is sent
//!   SIGTERM (as an orchestrator stops it) and started again on the same database, every
//!   other round with a one-second drain (`server.shutdown_drain_seconds`). Every request
//!   in flight at the signal that got an answer must have got a 2xx (with a drain, every
//!   one must have), none may get a 5xx, readiness must answer 503 during the drain, the
//!   server must exit 0 within its bound, log "shutdown complete", and lose no
//!   acknowledged answer.
//!
//! Each prints a summary; the figures also go to `target/bench/faults-<engine>.json`. The
//! program exits non-zero on any violation.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use secrecy::SecretString;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use invigilator::config::DatabaseSettings;
use invigilator::domain::paper::Paper;
use invigilator::domain::pool::ItemBody;
use invigilator::persistence;

mod support;
use support::{Candidate, Ledger, Sitting, check_ledger, free_port, seed, sql, wait_ready};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
enum Scenario {
    Kill,
    PgRestart,
    DiskFull,
    Restore,
    Sigterm,
}

#[derive(Parser, Debug)]
#[command(
    about = "Crash and fault tests: kills, a PostgreSQL restart, a full disk and SIGTERM under load"
)]
struct Args {
    /// Database engine of the server under test.
    #[arg(long, value_enum, default_value = "sqlite")]
    engine: Engine,
    /// PostgreSQL server to create the test databases on.
    #[arg(
        long,
        env = "TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    postgres_url: String,
    /// Scenarios to run (comma-separated); by default every one that fits the engine.
    #[arg(long, value_enum, value_delimiter = ',')]
    scenario: Vec<Scenario>,
    /// SIGKILLs in the kill scenario (three per round: two while answers are saved, one
    /// in the submit storm); also the SIGTERMs of the sigterm scenario (at most 20).
    #[arg(long, default_value_t = 50)]
    kills: usize,
    /// Candidates per round of the kill scenario.
    #[arg(long, default_value_t = 12)]
    cohort: usize,
    /// How long PostgreSQL stays down (keep it short: other work may share the server).
    #[arg(long, default_value_t = 5.0)]
    outage_seconds: f64,
    /// Where the JSON results go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

const PASSWORD: &str = "fault tests password 1";
const QUALIFICATION: &str = "iso20000-foundation";
/// Fixed, so access tokens stay valid across restarts.
const JWT_SECRET: &str = "fault-tests-jwt-secret-0123456789abcdef";
/// Longest a request may take while the database is away before it counts as hanging.
const HANG_SECONDS: f64 = 5.0;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(args))
}

/// What a scenario found: figures for the summary and the JSON file, and violations.
struct Report {
    name: &'static str,
    lines: Vec<String>,
    figures: Value,
    violations: Vec<String>,
}

async fn run(args: Args) -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(root.join(&args.out))?;
    let scenarios = if args.scenario.is_empty() {
        match args.engine {
            Engine::Sqlite => vec![
                Scenario::Kill,
                Scenario::DiskFull,
                Scenario::Restore,
                Scenario::Sigterm,
            ],
            Engine::Postgres => vec![Scenario::Kill, Scenario::PgRestart, Scenario::Sigterm],
        }
    } else {
        args.scenario.clone()
    };
    println!(
        "Invigilator fault tests: {:?}, scenarios {scenarios:?}",
        args.engine
    );
    let mut reports = Vec::new();
    for scenario in scenarios {
        let work = tempfile::tempdir()?;
        let began = Instant::now();
        let report = match (scenario, args.engine) {
            (Scenario::Kill, _) => kill_scenario(&args, work.path()).await,
            (Scenario::Sigterm, _) => sigterm_scenario(&args, work.path()).await,
            (Scenario::PgRestart, Engine::Postgres) => {
                pg_restart_scenario(&args, work.path()).await
            }
            (Scenario::DiskFull, Engine::Sqlite) => disk_full_scenario(&args, work.path()).await,
            (Scenario::PgRestart, Engine::Sqlite) => {
                bail!("the pg-restart scenario needs --engine postgres")
            }
            (Scenario::DiskFull, Engine::Postgres) => {
                bail!("the disk-full scenario needs --engine sqlite")
            }
            (Scenario::Restore, Engine::Sqlite) => restore_scenario(&args, work.path()).await,
            (Scenario::Restore, Engine::Postgres) => {
                bail!("the restore drill needs --engine sqlite (PostgreSQL: pg_dump, README)")
            }
        };
        // The server's log is kept beside the results, to read after a failure.
        std::fs::copy(
            work.path().join("server.log"),
            root.join(&args.out).join(format!(
                "faults-{}-{scenario:?}.log",
                format!("{:?}", args.engine).to_lowercase()
            )),
        )
        .ok();
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                print_log_tail(work.path());
                return Err(e.context(format!("{scenario:?} scenario")));
            }
        };
        println!();
        println!(
            "== {} ({:?}, {:.0} s)",
            report.name,
            args.engine,
            began.elapsed().as_secs_f64()
        );
        for line in &report.lines {
            println!("   {line}");
        }
        if report.violations.is_empty() {
            println!("   OK: no violation");
        } else {
            for v in &report.violations {
                println!("   VIOLATION: {v}");
            }
            print_log_tail(work.path());
        }
        reports.push(report);
    }
    let engine = format!("{:?}", args.engine).to_lowercase();
    let results = json!({
        "engine": engine,
        "scenarios": reports.iter().map(|r| json!({
            "name": r.name, "figures": r.figures, "violations": r.violations,
        })).collect::<Vec<_>>(),
    });
    let path = root.join(&args.out).join(format!("faults-{engine}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&results)?)?;
    println!("\nresults: {}", path.display());
    let violations: usize = reports.iter().map(|r| r.violations.len()).sum();
    if violations > 0 {
        bail!("{violations} violation(s)");
    }
    Ok(())
}

fn print_log_tail(work: &Path) {
    let log = std::fs::read_to_string(work.join("server.log")).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(15).collect();
    if tail.is_empty() {
        return;
    }
    eprintln!("server log (last lines):");
    for line in tail.iter().rev() {
        eprintln!("  {line}");
    }
}

// ---------------------------------------------------------------------------------------
// The database, the server and the client.

/// A fresh database for one scenario (a SQLite file in `dir`, or a new PostgreSQL
/// database dropped at the end).
struct TestDatabase {
    url: String,
    pg: Option<(String, String)>,
    db: DatabaseConnection,
}

impl TestDatabase {
    async fn create(args: &Args, dir: &Path) -> anyhow::Result<Self> {
        let (url, pg) = match args.engine {
            Engine::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.join("faults.db").display()),
                None,
            ),
            Engine::Postgres => {
                let name = format!("invigilator_faults_{}", Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(format!("{}/postgres", args.postgres_url))
                    .await
                    .context("cannot reach PostgreSQL (--postgres-url)")?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                (
                    format!("{}/{name}", args.postgres_url),
                    Some((args.postgres_url.clone(), name)),
                )
            }
        };
        let db = persistence::connect_and_migrate(&DatabaseSettings {
            url: SecretString::from(url.clone()),
            max_connections: 4,
            acquire_timeout_seconds: 30,
        })
        .await?;
        Ok(Self { url, pg, db })
    }

    async fn drop_database(self) {
        let Self { pg, db, .. } = self;
        db.close().await.ok();
        if let Some((server, name)) = pg
            && let Ok(admin) = sea_orm::Database::connect(format!("{server}/postgres")).await
        {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .ok();
        }
    }

    async fn count(&self, query: &str) -> anyhow::Result<i64> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                query,
            ))
            .await?
            .context("no row")?;
        Ok(row.try_get("", "n")?)
    }
}

/// The server under test, in its own process, always on the same port and database.
struct Server {
    child: Option<Child>,
    port: u16,
    env: Vec<(&'static str, String)>,
    log: PathBuf,
    clock_file: PathBuf,
    clock_offset: i64,
}

impl Server {
    fn new(url: &str, work: &Path, smtp_port: Option<u16>) -> anyhow::Result<Self> {
        let port = free_port()?;
        let clock_file = work.join("clock");
        std::fs::write(&clock_file, "0\n")?;
        let mut env = vec![
            ("APP_ENVIRONMENT", "local".to_owned()),
            ("APP_DATABASE__URL", url.to_owned()),
            ("APP_SERVER__PORT", port.to_string()),
            ("APP_SERVER__TRUSTED_PROXIES", "127.0.0.1".to_owned()),
            ("APP_AUTH__JWT_SECRET", JWT_SECRET.to_owned()),
            // The clock jumps an hour a round: tokens outlive the whole run.
            ("APP_AUTH__ACCESS_TOKEN_MINUTES", (60 * 24 * 7).to_string()),
            (
                "APP_SITTINGS__TEST_CLOCK_FILE",
                clock_file.display().to_string(),
            ),
            ("APP_SITTINGS__SWEEP_INTERVAL_SECONDS", "1".to_owned()),
            ("APP_EMAIL__DELIVER_INTERVAL_SECONDS", "1".to_owned()),
            ("RUST_LOG", "info,sqlx=warn,sea_orm=warn".to_owned()),
        ];
        match smtp_port {
            Some(smtp) => env.extend([
                ("APP_EMAIL__TRANSPORT", "smtp".to_owned()),
                ("APP_EMAIL__SMTP_HOST", "127.0.0.1".to_owned()),
                ("APP_EMAIL__SMTP_PORT", smtp.to_string()),
                ("APP_EMAIL__SMTP_TLS", "none".to_owned()),
            ]),
            None => env.extend([
                ("APP_EMAIL__TRANSPORT", "file".to_owned()),
                (
                    "APP_EMAIL__FILE_DIR",
                    work.join("mail").display().to_string(),
                ),
            ]),
        }
        Ok(Self {
            child: None,
            port,
            env,
            log: work.join("server.log"),
            clock_file,
            clock_offset: 0,
        })
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the server and waits until it answers; returns how long that took.
    async fn start(&mut self, http: &reqwest::Client) -> anyhow::Result<f64> {
        let began = Instant::now();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let mut command = Command::new(env!("CARGO_BIN_EXE_invigilator"));
        command
            .arg("serve")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let mut child = command.spawn().context("cannot start the server")?;
        let ready = wait_ready(http, &self.base(), &mut child).await;
        self.child = Some(child);
        ready?;
        Ok(began.elapsed().as_secs_f64())
    }

    /// SIGKILL: no shutdown, no flush, nothing finished.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Moves the server's clock to `seconds` ahead of real time (never back).
    fn set_clock_offset(&mut self, seconds: i64) -> anyhow::Result<()> {
        self.clock_offset = self.clock_offset.max(seconds);
        let temp = self.clock_file.with_extension("new");
        std::fs::write(&temp, format!("{}\n", self.clock_offset))?;
        std::fs::rename(&temp, &self.clock_file)?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One answer as the client saw it.
#[derive(Clone, Copy)]
struct Sample {
    /// Seconds since the scenario's origin, when the request was sent.
    at: f64,
    latency: f64,
    /// 0: no answer at all (refused, reset, timed out).
    status: u16,
    problem: bool,
}

struct Reply {
    status: u16,
    body: Option<Value>,
    problem: bool,
}

struct Client {
    http: reqwest::Client,
    base: String,
    origin: Instant,
    samples: Mutex<Vec<Sample>>,
}

impl Client {
    fn new(base: String) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_idle_timeout(Duration::from_secs(2))
                .build()?,
            base,
            origin: Instant::now(),
            samples: Mutex::new(Vec::new()),
        })
    }

    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        c: &Candidate,
        body: Option<&Value>,
    ) -> Reply {
        let at = self.now();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-forwarded-for", &c.address);
        let token = c.token.lock().expect("lock").clone();
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let reply = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let problem = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("application/problem+json"));
                let bytes = response.bytes().await.unwrap_or_default();
                Reply {
                    status,
                    body: serde_json::from_slice(&bytes).ok(),
                    problem,
                }
            }
            Err(_) => Reply {
                status: 0,
                body: None,
                problem: false,
            },
        };
        self.samples.lock().expect("lock").push(Sample {
            at,
            latency: self.now() - at,
            status: reply.status,
            problem: reply.problem,
        });
        reply
    }

    fn take_samples(&self) -> Vec<Sample> {
        std::mem::take(&mut *self.samples.lock().expect("lock"))
    }
}

/// Whether a reply may mean the request was done or not (no answer, or a 5xx).
fn uncertain(status: u16) -> bool {
    status == 0 || status >= 500
}

/// Gets every candidate an access token with the refresh token written at seeding.
async fn sign_in(client: &Arc<Client>, candidates: &[Arc<Candidate>]) -> anyhow::Result<()> {
    for chunk in candidates.chunks(32) {
        let mut tasks = Vec::new();
        for c in chunk.iter().cloned() {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let body = json!({ "refresh_token": c.refresh });
                let reply = client
                    .call(
                        reqwest::Method::POST,
                        "/api/v1/auth/refresh",
                        &c,
                        Some(&body),
                    )
                    .await;
                match reply.body.as_ref().and_then(|b| b["access_token"].as_str()) {
                    Some(token) => {
                        *c.token.lock().expect("lock") = token.to_owned();
                        Ok(())
                    }
                    None => Err(anyhow::anyhow!("refresh answered {}", reply.status)),
                }
            }));
        }
        for t in tasks {
            t.await??;
        }
    }
    client.take_samples();
    Ok(())
}

/// A started sitting as its candidate was told.
struct Started {
    candidate: usize,
    deadline: OffsetDateTime,
    /// A passer's keys (empty for the others): with every one acknowledged, the sitting
    /// must pass.
    keys: Mutex<Vec<(u32, String)>>,
    submit_sent: AtomicBool,
    submit_acknowledged: AtomicBool,
}

/// Starts a sitting for candidate `i`, trying again while the server is away.
async fn start_sitting(
    client: &Client,
    c: &Candidate,
    give_up: Instant,
) -> anyhow::Result<Option<(Uuid, OffsetDateTime)>> {
    let body = json!({ "qualification": QUALIFICATION });
    loop {
        let reply = client
            .call(reqwest::Method::POST, "/api/v1/sittings", c, Some(&body))
            .await;
        if reply.status == 201
            && let Some(body) = reply.body
        {
            let id: Uuid = body["id"].as_str().context("sitting id")?.parse()?;
            let deadline = OffsetDateTime::parse(
                body["deadline"].as_str().context("deadline")?,
                &time::format_description::well_known::Rfc3339,
            )?;
            let questions = body["questions"].as_array().map_or(0, |q| q.len()) as u32;
            *c.sitting.lock().expect("lock") = Some(Sitting { id, questions });
            return Ok(Some((id, deadline)));
        }
        if !uncertain(reply.status) || Instant::now() > give_up {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The keys of a sitting's paper, read from the database (the candidate knows them).
/// Starts a sitting for each candidate, or fails the run.
async fn start_all(client: &Arc<Client>, candidates: &[Arc<Candidate>]) -> anyhow::Result<()> {
    for c in candidates {
        let give_up = Instant::now() + Duration::from_secs(30);
        if start_sitting(client, c, give_up).await?.is_none() {
            bail!("a sitting could not be started");
        }
    }
    Ok(())
}

/// A closed loop of random saves per candidate, seeded `seed + i`, until `stop`.
fn spawn_savers(
    client: &Arc<Client>,
    ledger: &Arc<Ledger>,
    candidates: &[Arc<Candidate>],
    stop: &Arc<AtomicBool>,
    seed: u64,
) -> Vec<tokio::task::JoinHandle<()>> {
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            tokio::spawn(save_loop(
                client.clone(),
                ledger.clone(),
                c.clone(),
                None,
                stop.clone(),
                seed + i as u64,
            ))
        })
        .collect()
}

async fn keys_of(db: &DatabaseConnection, id: Uuid) -> anyhow::Result<Vec<(u32, String)>> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql(db, "SELECT paper FROM sittings WHERE id = $1"),
            [id.into()],
        ))
        .await?
        .context("sitting row")?;
    let paper: Paper = serde_json::from_str(&row.try_get::<String>("", "paper")?)?;
    Ok(paper
        .items
        .iter()
        .filter_map(|item| match &item.body {
            ItemBody::Classic { key, .. } => {
                Some((item.number, char::from(b'A' + *key as u8).to_string()))
            }
            _ => None,
        })
        .collect())
}

/// One candidate saving answers until `stop`, one at a time (so the ledger's order is
/// the server's): first every key if `keys` is given, then a question at random (its key
/// for a passer, a random choice otherwise). Every outcome goes into the ledger.
async fn save_loop(
    client: Arc<Client>,
    ledger: Arc<Ledger>,
    c: Arc<Candidate>,
    keys: Option<Vec<(u32, String)>>,
    stop: Arc<AtomicBool>,
    seed: u64,
) {
    let Some(s) = c.sitting.lock().expect("lock").clone() else {
        return;
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut first = keys.clone().unwrap_or_default().into_iter();
    let mut pending: Option<(u32, String)> = None;
    while !stop.load(Ordering::Relaxed) {
        let (number, choice) = match pending.take().or_else(|| first.next()) {
            Some(next) => next,
            None => match &keys {
                Some(keys) if !keys.is_empty() => keys[rng.random_range(0..keys.len())].clone(),
                _ => (
                    rng.random_range(1..=s.questions.max(1)),
                    ["A", "B", "C", "D"][rng.random_range(0..4)].to_owned(),
                ),
            },
        };
        let reply = client
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/sittings/{}/answers/{number}", s.id),
                &c,
                Some(&json!({ "choice": choice })),
            )
            .await;
        if (200..300).contains(&reply.status) {
            ledger.outcome(s.id, number, &choice, true);
        } else if uncertain(reply.status) {
            ledger.outcome(s.id, number, &choice, false);
            if keys.is_some() {
                // A passer tries the same key again until it is acknowledged.
                pending = Some((number, choice));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        } else if reply.status == 409 {
            // Closed: nothing was saved, nor will be.
            return;
        }
    }
}

/// Status counts, as `200×12 503×3`.
fn statuses(samples: &[Sample]) -> BTreeMap<u16, usize> {
    let mut out = BTreeMap::new();
    for s in samples {
        *out.entry(s.status).or_insert(0) += 1;
    }
    out
}

fn statuses_line(counts: &BTreeMap<u16, usize>) -> String {
    counts
        .iter()
        .map(|(s, n)| {
            if *s == 0 {
                format!("no-answer×{n}")
            } else {
                format!("{s}×{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Statuses per second of requests sent in `[from, to)`, seconds relative to `zero`.
fn timeline(samples: &[Sample], zero: f64, from: f64, to: f64) -> String {
    let mut seconds: BTreeMap<i64, Vec<Sample>> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.at >= from && s.at < to) {
        seconds
            .entry((s.at - zero).floor() as i64)
            .or_default()
            .push(*s);
    }
    seconds
        .iter()
        .map(|(t, v)| {
            let slowest = v.iter().map(|s| s.latency).fold(0.0, f64::max);
            format!(
                "{t:+}s {} (max {slowest:.1} s)",
                statuses_line(&statuses(v))
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

// ---------------------------------------------------------------------------------------
// Scenario 1: kill -9 under load, and in the submit storm with the sweeper running.

async fn kill_scenario(args: &Args, work: &Path) -> anyhow::Result<Report> {
    const SAVE_KILLS: usize = 2;
    let rounds = args.kills.div_ceil(SAVE_KILLS + 1).max(1);
    let database = TestDatabase::create(args, work).await?;
    let candidates = seed(&database.db, rounds * args.cohort, PASSWORD).await?;
    let sink = mail::Sink::start()?;
    let mut server = Server::new(&database.url, work, Some(sink.port))?;
    let client = Arc::new(Client::new(server.base())?);
    server.start(&client.http).await?;
    sign_in(&client, &candidates).await?;
    let ledger = Arc::new(Ledger::default());
    let mut started: HashMap<Uuid, Arc<Started>> = HashMap::new();
    let mut kills = 0usize;
    let mut restart_seconds: Vec<f64> = Vec::new();
    let mut storm_kills = 0usize;
    let mut unexpected: Vec<String> = Vec::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);

    for round in 0..rounds {
        let cohort: Vec<usize> = (round * args.cohort..(round + 1) * args.cohort).collect();
        // The cohort starts (no kill here: a start the client never heard about would
        // leave a sitting nobody knows of, which is not what this checks).
        let mut round_sittings = Vec::new();
        for &i in &cohort {
            let c = &candidates[i];
            let give_up = Instant::now() + Duration::from_secs(30);
            let Some((id, deadline)) = start_sitting(&client, c, give_up).await? else {
                bail!("candidate {i} could not start a sitting");
            };
            let passer = i % 3 != 2;
            started.insert(
                id,
                Arc::new(Started {
                    candidate: i,
                    deadline,
                    keys: Mutex::new(Vec::new()),
                    submit_sent: AtomicBool::new(false),
                    submit_acknowledged: AtomicBool::new(false),
                }),
            );
            round_sittings.push((i, id, passer));
        }
        // Everyone saves in a closed loop.
        let stop = Arc::new(AtomicBool::new(false));
        let mut savers = Vec::new();
        for &(i, id, passer) in &round_sittings {
            let keys = if passer {
                let keys = keys_of(&database.db, id).await?;
                *started[&id].keys.lock().expect("lock") = keys.clone();
                Some(keys)
            } else {
                None
            };
            savers.push(tokio::spawn(save_loop(
                client.clone(),
                ledger.clone(),
                candidates[i].clone(),
                keys,
                stop.clone(),
                (round * 1000 + i) as u64,
            )));
        }
        for _ in 0..SAVE_KILLS {
            if kills >= args.kills {
                break;
            }
            tokio::time::sleep(Duration::from_secs_f64(rng.random_range(0.6..1.6))).await;
            server.kill();
            kills += 1;
            restart_seconds.push(server.start(&client.http).await?);
        }
        // Let the passers finish putting in their keys.
        tokio::time::sleep(Duration::from_millis(800)).await;

        // The clock moves to two seconds before the first deadline of the cohort; half
        // the cohort submits over two seconds, the rest reach their deadline and the
        // sweeper closes them; the server is killed in the middle of it.
        let first_deadline = round_sittings
            .iter()
            .map(|(_, id, _)| started[id].deadline)
            .min()
            .context("a cohort")?;
        let offset = (first_deadline - OffsetDateTime::now_utc()).whole_seconds() - 2;
        server.set_clock_offset(offset)?;
        let mut submitters = Vec::new();
        for (k, &(i, id, _)) in round_sittings.iter().enumerate() {
            if k % 2 == 1 {
                continue;
            }
            let (client, c, s) = (client.clone(), candidates[i].clone(), started[&id].clone());
            let delay = Duration::from_secs_f64(2.0 * k as f64 / round_sittings.len() as f64);
            submitters.push(tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let give_up = Instant::now() + Duration::from_secs(60);
                loop {
                    s.submit_sent.store(true, Ordering::SeqCst);
                    let reply = client
                        .call(
                            reqwest::Method::POST,
                            &format!("/api/v1/sittings/{id}/submit"),
                            &c,
                            None,
                        )
                        .await;
                    if (200..300).contains(&reply.status) {
                        s.submit_acknowledged.store(true, Ordering::SeqCst);
                        return None;
                    }
                    if reply.status == 409 {
                        return None;
                    }
                    if !uncertain(reply.status) || Instant::now() > give_up {
                        return Some(format!("submit of {id} answered {}", reply.status));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }));
        }
        if kills < args.kills {
            tokio::time::sleep(Duration::from_secs_f64(rng.random_range(0.3..2.5))).await;
            server.kill();
            kills += 1;
            storm_kills += 1;
            restart_seconds.push(server.start(&client.http).await?);
        }
        for s in submitters {
            if let Some(problem) = s.await? {
                unexpected.push(problem);
            }
        }
        // Every sitting of the cohort closes (by its candidate or by the sweeper).
        let ids: Vec<Uuid> = round_sittings.iter().map(|(_, id, _)| *id).collect();
        wait_closed(&database, &ids, Duration::from_secs(60)).await?;
        stop.store(true, Ordering::SeqCst);
        for s in savers {
            s.await.ok();
        }
        eprintln!(
            "  … round {}/{rounds}: {kills} kills so far, {} acknowledged saves",
            round + 1,
            ledger.acknowledged.load(Ordering::Relaxed)
        );
    }

    // Messages claimed by a server that was then killed are leased for five minutes of
    // the server's clock: move it on until the outbox is empty.
    let drained = Instant::now();
    loop {
        let pending = database
            .count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")
            .await?;
        if pending == 0 {
            break;
        }
        if drained.elapsed() > Duration::from_secs(180) {
            unexpected.push(format!(
                "{pending} e-mails still pending after three minutes"
            ));
            break;
        }
        server.set_clock_offset(server.clock_offset + 600)?;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill();
    let samples = client.take_samples();

    let check = check_ledger(&ledger, &database.db).await?;
    let closing = check_sittings(&database, &started, &ledger).await?;
    let mail = check_mail(&database, &sink, &started, &candidates).await?;
    let (audit_violations, audit_line, audit_figures) = check_audit(
        &database.db,
        Some(closing.sittings),
        Some(closing.submitted + closing.expired),
    )
    .await?;
    let outbox: Vec<(String, i64)> = {
        let rows = database
            .db
            .query_all_raw(Statement::from_string(
                database.db.get_database_backend(),
                "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status",
            ))
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("", "status")?, r.try_get("", "n")?)))
            .collect::<anyhow::Result<_>>()?
    };
    database.drop_database().await;

    let mut violations = unexpected;
    let server_errors = samples
        .iter()
        .filter(|s| s.status >= 500 && s.status != 503)
        .count();
    if server_errors > 0 {
        violations.push(format!(
            "{server_errors} requests answered a 5xx other than 503"
        ));
    }
    if check.lost > 0 || check.wrong > 0 {
        violations.push(format!(
            "acknowledged answers: {} lost, {} with another value",
            check.lost, check.wrong
        ));
    }
    violations.extend(closing.violations.iter().cloned());
    violations.extend(audit_violations);
    if mail.missing > 0 {
        violations.push(format!("{} result e-mails never delivered", mail.missing));
    }
    if mail.wrong_subject > 0 {
        violations.push(format!(
            "{} result e-mails say passed when the sitting failed or the reverse",
            mail.wrong_subject
        ));
    }
    let restart_max = restart_seconds.iter().copied().fold(0.0, f64::max);
    let restart_mean = restart_seconds.iter().sum::<f64>() / restart_seconds.len().max(1) as f64;
    let counts = statuses(&samples);
    let lines = vec![
        format!(
            "kills: {kills} SIGKILLs in {rounds} rounds ({storm_kills} in a submit storm with the sweeper running), restarts {restart_mean:.2} s on average, {restart_max:.2} s at most"
        ),
        format!("requests: {} ({})", samples.len(), statuses_line(&counts)),
        format!(
            "acknowledged saves: {} ({} questions checked against the database): {} lost, {} wrong",
            ledger.acknowledged.load(Ordering::Relaxed),
            check.checked,
            check.lost,
            check.wrong
        ),
        format!(
            "sittings: {} started, {} found with their deadline to the second, {} submitted, {} expired, {} passed with {} certificates, {} result messages queued",
            closing.sittings,
            closing.deadlines_kept,
            closing.submitted,
            closing.expired,
            closing.passed,
            closing.certificates,
            closing.result_messages
        ),
        format!(
            "result e-mails: {} delivered for {} sittings: {} missing, {} duplicates{}",
            mail.delivered,
            closing.sittings,
            mail.missing,
            mail.duplicates,
            if mail.duplicates > 0 {
                format!(
                    " ({} with the first copy's Message-ID, {} with none or another)",
                    mail.duplicates_same_id,
                    mail.duplicates - mail.duplicates_same_id
                )
            } else {
                String::new()
            }
        ),
        format!(
            "outbox at the end: {}",
            outbox
                .iter()
                .map(|(s, n)| format!("{s} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    let mut lines = lines;
    lines.push(audit_line);
    for (sitting, ids) in mail.duplicate_ids.iter().take(5) {
        lines.push(format!(
            "duplicate of sitting {sitting}: Message-IDs {ids:?}"
        ));
    }
    Ok(Report {
        name: "kill -9 under load",
        lines,
        figures: json!({
            "kills": kills,
            "audit": audit_figures,
            "kills_in_submit_storm": storm_kills,
            "rounds": rounds,
            "restart_seconds_mean": restart_mean,
            "restart_seconds_max": restart_max,
            "requests": samples.len(),
            "statuses": counts,
            "acknowledged_saves": ledger.acknowledged.load(Ordering::Relaxed),
            "questions_checked": check.checked,
            "lost": check.lost,
            "wrong": check.wrong,
            "sittings": closing.sittings,
            "submitted": closing.submitted,
            "expired": closing.expired,
            "passed": closing.passed,
            "certificates": closing.certificates,
            "result_emails_delivered": mail.delivered,
            "result_emails_missing": mail.missing,
            "result_emails_duplicated": mail.duplicates,
            "duplicates_with_same_message_id": mail.duplicates_same_id,
        }),
        violations,
    })
}

async fn wait_closed(database: &TestDatabase, ids: &[Uuid], limit: Duration) -> anyhow::Result<()> {
    let until = Instant::now() + limit;
    // SQLite keeps a uuid as a 16-byte blob, PostgreSQL as a uuid: a text literal of the
    // id matches only the latter.
    let sqlite = database.pg.is_none();
    let list = ids
        .iter()
        .map(|id| {
            if sqlite {
                format!("X'{}'", id.simple())
            } else {
                format!("'{id}'")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let query = format!(
        "SELECT COUNT(*) AS n FROM sittings WHERE status = 'in_progress' AND id IN ({list})"
    );
    loop {
        let open = database.count(&query).await?;
        if open == 0 {
            return Ok(());
        }
        if Instant::now() > until {
            bail!(
                "{open} sittings still open {} s after their deadline",
                limit.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[derive(Default)]
struct SittingCheck {
    sittings: usize,
    deadlines_kept: usize,
    submitted: usize,
    expired: usize,
    passed: usize,
    certificates: usize,
    result_messages: usize,
    violations: Vec<String>,
}

/// Every started sitting against the database: present, deadline unchanged, closed once
/// the right way, scored, one certificate exactly when passed, one result message.
async fn check_sittings(
    database: &TestDatabase,
    started: &HashMap<Uuid, Arc<Started>>,
    ledger: &Ledger,
) -> anyhow::Result<SittingCheck> {
    let db = &database.db;
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, status, deadline, closed_at, score, passed FROM sittings",
        ))
        .await?;
    let per = |query: &'static str| async move {
        let rows = db
            .query_all_raw(Statement::from_string(backend, query))
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get::<Uuid>("", "id")?, r.try_get::<i64>("", "n")?)))
            .collect::<anyhow::Result<HashMap<Uuid, i64>>>()
    };
    let certificates =
        per("SELECT sitting_id AS id, COUNT(*) AS n FROM certificates GROUP BY sitting_id").await?;
    let messages = per(
        "SELECT reference AS id, COUNT(*) AS n FROM outbox WHERE kind = 'result' GROUP BY reference",
    )
    .await?;
    let mut check = SittingCheck {
        sittings: started.len(),
        ..SittingCheck::default()
    };
    let mut seen = 0;
    let bad = |check: &mut SittingCheck, what: String| {
        if check.violations.len() < 20 {
            check.violations.push(what);
        }
    };
    for row in &rows {
        let id: Uuid = row.try_get("", "id")?;
        let Some(s) = started.get(&id) else {
            bad(
                &mut check,
                format!("sitting {id} exists that nobody started"),
            );
            continue;
        };
        seen += 1;
        let status: String = row.try_get("", "status")?;
        let deadline: OffsetDateTime = row.try_get("", "deadline")?;
        let closed_at: Option<OffsetDateTime> = row.try_get("", "closed_at")?;
        let score: Option<i32> = row.try_get("", "score")?;
        let passed: Option<bool> = row.try_get("", "passed")?;
        if deadline.unix_timestamp() == s.deadline.unix_timestamp() {
            check.deadlines_kept += 1;
        } else {
            bad(
                &mut check,
                format!(
                    "sitting {id}: deadline {deadline} in the database, {} when it started",
                    s.deadline
                ),
            );
        }
        let Some(closed_at) = closed_at else {
            bad(
                &mut check,
                format!("sitting {id} ({status}) was never closed"),
            );
            continue;
        };
        match status.as_str() {
            "submitted" => {
                check.submitted += 1;
                if !s.submit_sent.load(Ordering::SeqCst) {
                    bad(
                        &mut check,
                        format!("sitting {id} submitted though its candidate never asked"),
                    );
                }
                if closed_at > deadline {
                    bad(
                        &mut check,
                        format!("sitting {id} submitted after its deadline"),
                    );
                }
            }
            "expired" => {
                check.expired += 1;
                if s.submit_acknowledged.load(Ordering::SeqCst) {
                    bad(
                        &mut check,
                        format!(
                            "sitting {id}: its submit was acknowledged but it is recorded as expired"
                        ),
                    );
                }
                if closed_at < deadline {
                    bad(
                        &mut check,
                        format!("sitting {id} closed as expired before its deadline"),
                    );
                }
            }
            other => bad(&mut check, format!("sitting {id} is {other} at the end")),
        }
        if score.is_none() || passed.is_none() {
            bad(&mut check, format!("sitting {id} closed without a score"));
        }
        let passed = passed.unwrap_or(false);
        if passed {
            check.passed += 1;
        }
        let keys = s.keys.lock().expect("lock").clone();
        let all_keys_acknowledged = !keys.is_empty() && {
            let entries = ledger.entries.lock().expect("lock");
            keys.iter().all(|(n, key)| {
                entries
                    .get(&(id, *n))
                    .is_some_and(|e| e.acknowledged.as_deref() == Some(key.as_str()))
            })
        };
        if all_keys_acknowledged && !passed {
            bad(
                &mut check,
                format!("sitting {id}: every key was acknowledged, yet it failed"),
            );
        }
        let n = certificates.get(&id).copied().unwrap_or(0);
        check.certificates += n as usize;
        if n != i64::from(passed) {
            bad(
                &mut check,
                format!("sitting {id} (passed: {passed}) has {n} certificates"),
            );
        }
        let m = messages.get(&id).copied().unwrap_or(0);
        check.result_messages += m as usize;
        if m != 1 {
            bad(
                &mut check,
                format!("sitting {id} has {m} result messages queued"),
            );
        }
    }
    if seen != started.len() {
        bad(
            &mut check,
            format!(
                "{} started sittings are missing from the database",
                started.len() - seen
            ),
        );
    }
    Ok(check)
}

#[derive(Default)]
struct MailCheck {
    delivered: usize,
    missing: usize,
    duplicates: usize,
    duplicates_same_id: usize,
    wrong_subject: usize,
    duplicate_ids: Vec<(Uuid, Vec<String>)>,
}

/// Result e-mails received by the sink, per sitting (one sitting per candidate).
async fn check_mail(
    database: &TestDatabase,
    sink: &mail::Sink,
    started: &HashMap<Uuid, Arc<Started>>,
    candidates: &[Arc<Candidate>],
) -> anyhow::Result<MailCheck> {
    let db = &database.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, passed FROM sittings",
        ))
        .await?;
    let passed: HashMap<Uuid, bool> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<Uuid>("", "id")?,
                r.try_get::<Option<bool>>("", "passed")?.unwrap_or(false),
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut by_recipient: HashMap<String, Vec<mail::Received>> = HashMap::new();
    for m in sink.received() {
        for to in &m.to {
            by_recipient
                .entry(to.to_ascii_lowercase())
                .or_default()
                .push(m.clone());
        }
    }
    let mut check = MailCheck::default();
    for (id, s) in started {
        let email = candidates[s.candidate].email.to_ascii_lowercase();
        let results: Vec<&mail::Received> = by_recipient
            .get(&email)
            .map(|v| {
                v.iter()
                    .filter(|m| {
                        m.subject.starts_with("You passed") || m.subject.ends_with(" result")
                    })
                    .collect()
            })
            .unwrap_or_default();
        check.delivered += results.len();
        match results.len() {
            0 => check.missing += 1,
            1 => {}
            n => {
                check.duplicates += n - 1;
                let first = &results[0].message_id;
                check.duplicates_same_id += results[1..]
                    .iter()
                    .filter(|m| !first.is_empty() && &m.message_id == first)
                    .count();
                check
                    .duplicate_ids
                    .push((*id, results.iter().map(|m| m.message_id.clone()).collect()));
            }
        }
        let says_passed = passed.get(id).copied().unwrap_or(false);
        check.wrong_subject += results
            .iter()
            .filter(|m| m.subject.starts_with("You passed") != says_passed)
            .count();
    }
    Ok(check)
}

// ---------------------------------------------------------------------------------------
// Scenario 2: PostgreSQL stopped and started again under load.

/// Stops and starts the local PostgreSQL cluster; started again when dropped, whatever
/// happened in between.
struct Cluster {
    version: String,
    stopped: bool,
}

impl Cluster {
    fn find() -> anyhow::Result<Self> {
        let mut versions: Vec<u32> = std::fs::read_dir("/etc/postgresql")
            .context("no /etc/postgresql: the pg-restart scenario needs a local Debian cluster")?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        versions.sort();
        let version = versions
            .last()
            .context("no PostgreSQL cluster")?
            .to_string();
        Ok(Self {
            version,
            stopped: false,
        })
    }

    fn ctl(&self, action: &str) -> anyhow::Result<()> {
        let mut command = Command::new("pg_ctlcluster");
        command.args(["--skip-systemctl-redirect", &self.version, "main", action]);
        if action == "stop" {
            command.args(["-m", "fast"]);
        }
        let status = command
            .stdout(Stdio::null())
            .status()
            .context("pg_ctlcluster")?;
        if !status.success() {
            bail!("pg_ctlcluster {action} failed ({status})");
        }
        Ok(())
    }

    fn stop(&mut self) -> anyhow::Result<()> {
        self.stopped = true;
        self.ctl("stop")
    }

    fn start(&mut self) -> anyhow::Result<()> {
        self.ctl("start")?;
        self.stopped = false;
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.stopped {
            self.ctl("start").ok();
        }
    }
}

async fn pg_restart_scenario(args: &Args, work: &Path) -> anyhow::Result<Report> {
    const CANDIDATES: usize = 24;
    let mut cluster = Cluster::find()?;
    let database = TestDatabase::create(args, work).await?;
    let candidates = seed(&database.db, CANDIDATES, PASSWORD).await?;
    let mut server = Server::new(&database.url, work, None)?;
    let client = Arc::new(Client::new(server.base())?);
    server.start(&client.http).await?;
    sign_in(&client, &candidates).await?;
    start_all(&client, &candidates).await?;
    client.take_samples();
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let savers = spawn_savers(&client, &ledger, &candidates, &stop, 0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let down_at = client.now();
    let outcome = async {
        cluster.stop()?;
        let stopped_at = client.now();
        tokio::time::sleep(Duration::from_secs_f64(args.outage_seconds)).await;
        cluster.start()?;
        Ok::<_, anyhow::Error>(stopped_at)
    }
    .await;
    let up_at = client.now();
    let stopped_at = outcome?;
    // Recovered: the first acknowledged save sent after PostgreSQL is back.
    let recover_limit = Instant::now() + Duration::from_secs(30);
    let recovered_at = loop {
        let first_ok = client
            .samples
            .lock()
            .expect("lock")
            .iter()
            .filter(|s| s.at >= up_at && (200..300).contains(&s.status))
            .map(|s| s.at + s.latency)
            .fold(f64::INFINITY, f64::min);
        if first_ok.is_finite() {
            break Some(first_ok);
        }
        if Instant::now() > recover_limit {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Three more seconds of load once recovered.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    for s in savers {
        s.await.ok();
    }
    let alive = server.alive();
    server.kill();
    let samples = client.take_samples();
    let check = check_ledger(&ledger, &database.db).await?;
    let (audit_violations, audit_line, _) = check_audit(&database.db, None, None).await?;
    database.drop_database().await;

    // Requests sent while the database was away, or answered in that time.
    let outage: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at + s.latency >= down_at && s.at <= up_at)
        .collect();
    let outage_counts = statuses(&outage.iter().map(|s| **s).collect::<Vec<_>>());
    let max_latency = outage.iter().map(|s| s.latency).fold(0.0, f64::max);
    let unavailable = outage.iter().filter(|s| s.status == 503).count();
    let not_problem = outage
        .iter()
        .filter(|s| s.status >= 400 && !s.problem)
        .count();
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| recovered_at.is_some_and(|r| s.at >= r + 1.0))
        .collect();
    let after_failed = after
        .iter()
        .filter(|s| !(200..300).contains(&s.status))
        .count();
    let mut violations = Vec::new();
    let bad_statuses: usize = outage
        .iter()
        .filter(|s| s.status != 503 && !(200..300).contains(&s.status))
        .count();
    if bad_statuses > 0 {
        violations.push(format!(
            "{bad_statuses} requests in the outage answered neither 2xx nor 503 ({})",
            statuses_line(&outage_counts)
        ));
    }
    if not_problem > 0 {
        violations.push(format!("{not_problem} error replies were not problem+json"));
    }
    if unavailable == 0 {
        violations.push("no request was answered 503 while PostgreSQL was down".into());
    }
    if max_latency > HANG_SECONDS {
        violations.push(format!(
            "a request hung {max_latency:.1} s while PostgreSQL was down (limit {HANG_SECONDS} s)"
        ));
    }
    let recovery = recovered_at.map(|r| r - up_at);
    match recovery {
        None => violations.push("saves did not succeed again within 30 s".into()),
        Some(r) if r > 10.0 => violations.push(format!(
            "saves succeeded again only {r:.1} s after PostgreSQL returned"
        )),
        Some(_) => {}
    }
    if after_failed > 0 {
        violations.push(format!(
            "{after_failed} of {} requests failed after the recovery",
            after.len()
        ));
    }
    if !alive {
        violations.push("the server exited".into());
    }
    if check.lost > 0 || check.wrong > 0 {
        violations.push(format!(
            "acknowledged answers: {} lost, {} wrong",
            check.lost, check.wrong
        ));
    }
    violations.extend(audit_violations);
    let recovery_s = recovery.unwrap_or(f64::NAN);
    Ok(Report {
        name: "PostgreSQL restarted under load",
        lines: vec![
            format!(
                "outage: PostgreSQL {} down {:.1} s (stop took {:.1} s), {} candidates saving",
                cluster.version,
                up_at - stopped_at,
                stopped_at - down_at,
                CANDIDATES
            ),
            format!(
                "requests in the outage: {} ({}), {unavailable} answered 503 problem+json, slowest {:.2} s",
                outage.len(),
                statuses_line(&outage_counts),
                max_latency
            ),
            format!(
                "recovery: first acknowledged save {recovery_s:.2} s after PostgreSQL was back, without a server restart; {} of {} requests after it failed",
                after_failed,
                after.len()
            ),
            format!(
                "per second from the stop (t=0): {}",
                timeline(&samples, down_at, down_at - 1.0, f64::INFINITY)
            ),
            format!(
                "acknowledged saves: {} ({} questions checked): {} lost, {} wrong",
                ledger.acknowledged.load(Ordering::Relaxed),
                check.checked,
                check.lost,
                check.wrong
            ),
            audit_line,
        ],
        figures: json!({
            "outage_seconds": up_at - stopped_at,
            "outage_requests": outage.len(),
            "outage_statuses": outage_counts,
            "outage_503": unavailable,
            "outage_max_latency_seconds": max_latency,
            "recovery_seconds": recovery,
            "failed_after_recovery": after_failed,
            "acknowledged_saves": ledger.acknowledged.load(Ordering::Relaxed),
            "questions_checked": check.checked,
            "lost": check.lost,
            "wrong": check.wrong,
        }),
        violations,
    })
}

// ---------------------------------------------------------------------------------------
// Scenario 3: the disk under the SQLite database fills up.

/// A small tmpfs, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
    mounted: bool,
}

impl SmallDisk {
    fn mount(dir: PathBuf, megabytes: u32) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .context("mount")?;
        if !status.success() {
            bail!("cannot mount a tmpfs on {} (run as root)", dir.display());
        }
        Ok(Self { dir, mounted: true })
    }

    /// Writes a filler file until the filesystem is full; returns the bytes written.
    fn fill(&self) -> anyhow::Result<u64> {
        use std::io::Write;
        let mut file = std::fs::File::create(self.dir.join("filler"))?;
        let mut written = 0u64;
        for chunk in [1 << 20, 4096, 512] {
            let block = vec![0u8; chunk];
            loop {
                match file.write_all(&block) {
                    Ok(()) => written += chunk as u64,
                    Err(e) if e.raw_os_error() == Some(28) => break,
                    Err(e) => return Err(e.into()),
                }
            }
        }
        file.sync_all().ok();
        Ok(written)
    }

    fn free(&self) -> anyhow::Result<()> {
        Ok(std::fs::remove_file(self.dir.join("filler"))?)
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        if self.mounted {
            Command::new("umount").arg(&self.dir).status().ok();
            self.mounted = false;
        }
    }
}

async fn disk_full_scenario(args: &Args, work: &Path) -> anyhow::Result<Report> {
    const SAVERS: usize = 16;
    const STARTERS: usize = 400;
    let disk = SmallDisk::mount(work.join("disk"), 64)?;
    let database = TestDatabase::create(args, &disk.dir).await?;
    let candidates = seed(&database.db, SAVERS + STARTERS, PASSWORD).await?;
    let mut server = Server::new(&database.url, work, None)?;
    let client = Arc::new(Client::new(server.base())?);
    server.start(&client.http).await?;
    sign_in(&client, &candidates).await?;
    start_all(&client, &candidates[..SAVERS]).await?;
    let started = SAVERS;
    client.take_samples();
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = spawn_savers(&client, &ledger, &candidates[..SAVERS], &stop, 0);
    // New candidates keep starting sittings (each stores a paper: the database grows).
    let starts_ok = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(SAVERS));
    for _ in 0..2 {
        let (client, candidates, stop, next, ok) = (
            client.clone(),
            candidates.clone(),
            stop.clone(),
            next.clone(),
            starts_ok.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(c) = candidates.get(i) else { return };
                let reply = client
                    .call(
                        reqwest::Method::POST,
                        "/api/v1/sittings",
                        c,
                        Some(&json!({ "qualification": QUALIFICATION })),
                    )
                    .await;
                if reply.status == 201 {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fill_began = client.now();
    let disk_for_fill = disk.dir.clone();
    let filled = tokio::task::spawn_blocking(move || {
        SmallDisk {
            dir: disk_for_fill,
            mounted: false,
        }
        .fill()
    })
    .await??;
    let full_at = client.now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let alive_when_full = server.alive();
    disk.free()?;
    let freed_at = client.now();
    let recover_limit = Instant::now() + Duration::from_secs(30);
    let resumed_at = loop {
        let first_ok = client
            .samples
            .lock()
            .expect("lock")
            .iter()
            .filter(|s| s.at >= freed_at && (200..300).contains(&s.status))
            .map(|s| s.at + s.latency)
            .fold(f64::INFINITY, f64::min);
        if first_ok.is_finite() {
            break Some(first_ok);
        }
        if Instant::now() > recover_limit {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.ok();
    }
    let alive = server.alive();
    server.kill();
    let samples = client.take_samples();
    let integrity = integrity_check(&database).await?;
    let check = check_ledger(&ledger, &database.db).await?;
    let (audit_violations, audit_line, _) = check_audit(&database.db, None, None).await?;
    database.drop_database().await;
    drop(disk);

    let full: Vec<Sample> = samples
        .iter()
        .filter(|s| s.at >= full_at && s.at <= freed_at)
        .copied()
        .collect();
    let full_counts = statuses(&full);
    let refused = full.iter().filter(|s| s.status == 503 && s.problem).count();
    let errors_all: usize = samples
        .iter()
        .filter(|s| s.status == 0 || (s.status >= 500 && s.status != 503))
        .count();
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| resumed_at.is_some_and(|r| s.at >= r + 1.0))
        .collect();
    let after_failed = after
        .iter()
        .filter(|s| !(200..300).contains(&s.status) && s.status != 409)
        .count();
    let mut violations = Vec::new();
    if errors_all > 0 {
        violations.push(format!(
            "{errors_all} requests answered a 5xx other than 503 or not at all ({})",
            statuses_line(&statuses(&samples))
        ));
    }
    if refused == 0 {
        violations.push(format!(
            "the disk filled but no write was answered 503 ({}): the scenario did not bite",
            statuses_line(&full_counts)
        ));
    }
    if !alive_when_full || !alive {
        violations.push("the server exited".into());
    }
    if integrity != "ok" {
        violations.push(format!("PRAGMA integrity_check: {integrity}"));
    }
    let resume = resumed_at.map(|r| r - freed_at);
    match resume {
        None => violations.push("service did not resume within 30 s of freeing space".into()),
        Some(r) if r > 10.0 => violations.push(format!(
            "service resumed only {r:.1} s after space returned"
        )),
        Some(_) => {}
    }
    if after_failed > 0 {
        violations.push(format!(
            "{after_failed} of {} requests failed after service resumed",
            after.len()
        ));
    }
    if check.lost > 0 || check.wrong > 0 {
        violations.push(format!(
            "acknowledged answers: {} lost, {} wrong",
            check.lost, check.wrong
        ));
    }
    violations.extend(audit_violations);
    let resume_s = resume.unwrap_or(f64::NAN);
    let new_starts = starts_ok.load(Ordering::Relaxed);
    Ok(Report {
        name: "disk full (SQLite on a 64 MiB tmpfs)",
        lines: vec![
            format!(
                "filled: {:.1} MiB of filler written in {:.1} s while {SAVERS} candidates saved and new ones started ({} sittings in all)",
                filled as f64 / 1048576.0,
                full_at - fill_began,
                started + new_starts
            ),
            format!(
                "while full ({:.1} s): {} requests ({}), {refused} answered 503 problem+json",
                freed_at - full_at,
                full.len(),
                statuses_line(&full_counts)
            ),
            format!(
                "whole run: {} requests, {errors_all} answered 500 or not at all; the server {}",
                samples.len(),
                if alive { "kept running" } else { "EXITED" }
            ),
            format!(
                "resumed: first acknowledged write {resume_s:.2} s after the filler was deleted; {after_failed} of {} requests after it failed",
                after.len()
            ),
            format!(
                "per second from the fill (t=0): {}",
                timeline(&samples, full_at, fill_began - 1.0, f64::INFINITY)
            ),
            format!(
                "acknowledged saves: {} ({} questions checked): {} lost, {} wrong; PRAGMA integrity_check: {integrity}",
                ledger.acknowledged.load(Ordering::Relaxed),
                check.checked,
                check.lost,
                check.wrong
            ),
            audit_line,
        ],
        figures: json!({
            "filler_bytes": filled,
            "full_seconds": freed_at - full_at,
            "full_requests": full.len(),
            "full_statuses": full_counts,
            "full_503": refused,
            "errors": errors_all,
            "resume_seconds": resume,
            "failed_after_resume": after_failed,
            "acknowledged_saves": ledger.acknowledged.load(Ordering::Relaxed),
            "questions_checked": check.checked,
            "lost": check.lost,
            "wrong": check.wrong,
            "integrity_check": integrity,
        }),
        violations,
    })
}

// ---------------------------------------------------------------------------------------
// Scenario 4: SIGTERM under load (a graceful shutdown, as an orchestrator stops a server).

/// The shutdown timeout the server under test is given (`server.shutdown_timeout_seconds`):
/// it must exit within it (plus the drain, in the rounds that have one).
const SHUTDOWN_TIMEOUT_SECONDS: u64 = 10;
/// Every other round runs with `server.shutdown_drain_seconds` set to this.
const DRAIN_SECONDS: u64 = 1;

impl Server {
    /// SIGTERM, then waits for the process to end; returns its exit status and how long
    /// it took.
    async fn terminate(&mut self) -> anyhow::Result<(std::process::ExitStatus, f64)> {
        let mut child = self.child.take().context("the server is not running")?;
        let asked = Instant::now();
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::TERM,
        )?;
        // Twice the bound, then SIGKILL: the violation is reported, not waited out.
        let limit = Duration::from_secs(2 * (SHUTDOWN_TIMEOUT_SECONDS + DRAIN_SECONDS));
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok((status, asked.elapsed().as_secs_f64()));
            }
            if asked.elapsed() > limit {
                child.kill().ok();
                let status = child.wait()?;
                return Ok((status, asked.elapsed().as_secs_f64()));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// One SIGTERM: when it was sent (seconds on the client's clock), how the process ended.
struct Termination {
    at: f64,
    /// Whether the server had a drain (readiness 503 while it goes on serving).
    drain: bool,
    exit_seconds: f64,
    exit_code: Option<i32>,
    /// In a round with a drain: what `/health/ready` answered during it.
    ready_during_drain: Option<u16>,
}

fn set_drain(server: &mut Server, drain: bool) {
    server
        .env
        .retain(|(k, _)| *k != "APP_SERVER__SHUTDOWN_DRAIN_SECONDS");
    if drain {
        server.env.push((
            "APP_SERVER__SHUTDOWN_DRAIN_SECONDS",
            DRAIN_SECONDS.to_string(),
        ));
    }
}

async fn sigterm_scenario(args: &Args, work: &Path) -> anyhow::Result<Report> {
    let rounds = args.kills.clamp(1, 20);
    let database = TestDatabase::create(args, work).await?;
    let candidates = seed(&database.db, args.cohort.max(1), PASSWORD).await?;
    let mut server = Server::new(&database.url, work, None)?;
    server.env.push((
        "APP_SERVER__SHUTDOWN_TIMEOUT_SECONDS",
        SHUTDOWN_TIMEOUT_SECONDS.to_string(),
    ));
    let client = Arc::new(Client::new(server.base())?);
    // Rounds alternate: SIGTERM stopping at once (the default), then with a drain.
    let drained = |round: usize| round % 2 == 1;
    set_drain(&mut server, drained(0));
    let mut restart_seconds = vec![server.start(&client.http).await?];
    sign_in(&client, &candidates).await?;
    start_all(&client, &candidates).await?;
    client.take_samples();
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let savers = spawn_savers(&client, &ledger, &candidates, &stop, 7000);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
    let mut terminations = Vec::with_capacity(rounds);
    for round in 0..rounds {
        tokio::time::sleep(Duration::from_secs_f64(rng.random_range(0.6..1.4))).await;
        let at = client.now();
        // During a drain the server still answers, and readiness says it is going.
        let probe = drained(round).then(|| {
            let (http, url) = (
                client.http.clone(),
                format!("{}/health/ready", server.base()),
            );
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                http.get(url)
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16())
            })
        });
        let (status, exit_seconds) = server.terminate().await?;
        let ready_during_drain = match probe {
            Some(probe) => Some(probe.await?),
            None => None,
        };
        terminations.push(Termination {
            at,
            drain: drained(round),
            exit_seconds,
            exit_code: status.code(),
            ready_during_drain,
        });
        set_drain(&mut server, drained(round + 1));
        restart_seconds.push(server.start(&client.http).await?);
        eprintln!(
            "  … SIGTERM {}/{rounds}{}: exit {:?} after {exit_seconds:.2} s, {} acknowledged saves so far",
            round + 1,
            if drained(round) {
                " (with a drain)"
            } else {
                ""
            },
            status.code(),
            ledger.acknowledged.load(Ordering::Relaxed)
        );
    }
    // A last second of load on the restarted server, then the ledger against the
    // database the restarted server serves.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    for s in savers {
        s.await.ok();
    }
    let after_restart = client.call(reqwest::Method::GET, "/health/ready", &candidates[0], None);
    let ready_after_restart = after_restart.await.status;
    server.kill();
    let samples = client.take_samples();
    let check = check_ledger(&ledger, &database.db).await?;
    let (audit_violations, audit_line, _) = check_audit(&database.db, None, None).await?;
    database.drop_database().await;
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    let completed_lines = log.matches("shutdown complete").count();

    // Requests in flight at each signal: sent before it, answered (or given up) after;
    // those of the rounds without a drain, then those of the rounds with one.
    let in_flight_of = |drain: bool| -> Vec<Sample> {
        terminations
            .iter()
            .filter(|t| t.drain == drain)
            .flat_map(|t| {
                samples
                    .iter()
                    .filter(|s| s.at < t.at && s.at + s.latency > t.at)
                    .copied()
            })
            .collect()
    };
    let (at_once, with_drain) = (in_flight_of(false), in_flight_of(true));
    let in_flight: Vec<Sample> = at_once.iter().chain(&with_drain).copied().collect();
    let in_flight_counts = statuses(&in_flight);
    let ok = |v: &[Sample]| v.iter().filter(|s| (200..300).contains(&s.status)).count();
    let unanswered = |v: &[Sample]| v.iter().filter(|s| s.status == 0).count();
    let in_flight_ok = ok(&in_flight);
    let in_flight_unanswered = unanswered(&in_flight);
    let in_flight_bad = in_flight.len() - in_flight_ok - in_flight_unanswered;
    let drain_not_ok = with_drain.len() - ok(&with_drain);
    let server_errors = samples.iter().filter(|s| s.status >= 500).count();
    let exit_max = terminations
        .iter()
        .map(|t| t.exit_seconds)
        .fold(0.0, f64::max);
    let exit_mean =
        terminations.iter().map(|t| t.exit_seconds).sum::<f64>() / terminations.len() as f64;
    let restart_max = restart_seconds.iter().copied().fold(0.0, f64::max);

    let mut violations = Vec::new();
    if in_flight.is_empty() {
        violations
            .push("no request was in flight at any SIGTERM: the scenario did not bite".into());
    }
    if drain_not_ok > 0 {
        violations.push(format!(
            "with a drain, {drain_not_ok} of {} requests in flight at a SIGTERM did not complete 2xx ({})",
            with_drain.len(),
            statuses_line(&statuses(&with_drain))
        ));
    }
    if in_flight_bad > 0 {
        violations.push(format!(
            "{in_flight_bad} requests in flight at a SIGTERM were answered other than 2xx ({})",
            statuses_line(&in_flight_counts)
        ));
    }
    if server_errors > 0 {
        violations.push(format!(
            "{server_errors} requests answered 5xx ({})",
            statuses_line(&statuses(&samples))
        ));
    }
    for (i, t) in terminations.iter().enumerate() {
        if t.exit_code != Some(0) {
            violations.push(format!(
                "SIGTERM {}: the server exited with {:?}, not 0",
                i + 1,
                t.exit_code
            ));
        }
        let bound = SHUTDOWN_TIMEOUT_SECONDS + if t.drain { DRAIN_SECONDS } else { 0 };
        if t.exit_seconds > bound as f64 {
            violations.push(format!(
                "SIGTERM {}: the server took {:.1} s to exit (bound {bound} s)",
                i + 1,
                t.exit_seconds
            ));
        }
        if t.drain && t.ready_during_drain != Some(503) {
            violations.push(format!(
                "SIGTERM {}: /health/ready answered {:?} during the drain, not 503",
                i + 1,
                t.ready_during_drain
            ));
        }
    }
    if completed_lines != rounds {
        violations.push(format!(
            "{completed_lines} \"shutdown complete\" lines in the server log for {rounds} SIGTERMs"
        ));
    }
    if ready_after_restart != 200 {
        violations.push(format!(
            "/health/ready answered {ready_after_restart} after the last restart"
        ));
    }
    if check.lost > 0 || check.wrong > 0 {
        violations.push(format!(
            "acknowledged answers: {} lost, {} wrong",
            check.lost, check.wrong
        ));
    }
    violations.extend(audit_violations);
    let acknowledged = ledger.acknowledged.load(Ordering::Relaxed);
    Ok(Report {
        name: "SIGTERM under load (graceful shutdown)",
        lines: vec![
            format!(
                "rounds: {rounds} SIGTERMs while {} candidates saved in a closed loop; shutdown timeout {SHUTDOWN_TIMEOUT_SECONDS} s",
                candidates.len()
            ),
            format!(
                "in flight at the signals: {} requests ({}): {in_flight_ok} completed 2xx, {in_flight_bad} answered otherwise, {in_flight_unanswered} closed unanswered before they started",
                in_flight.len(),
                statuses_line(&in_flight_counts)
            ),
            format!(
                "  stopping at once ({} rounds): {} in flight, {} completed 2xx, {} closed unanswered (sent on a kept-alive connection as it closed, before the server began reading them; the ledger counts them as uncertain)",
                terminations.iter().filter(|t| !t.drain).count(),
                at_once.len(),
                ok(&at_once),
                unanswered(&at_once)
            ),
            format!(
                "  with a {DRAIN_SECONDS} s drain ({} rounds): {} in flight, {} completed 2xx; /health/ready during the drain: {:?}",
                terminations.iter().filter(|t| t.drain).count(),
                with_drain.len(),
                ok(&with_drain),
                terminations
                    .iter()
                    .filter_map(|t| t.ready_during_drain)
                    .collect::<Vec<_>>()
            ),
            format!(
                "exit: code {} every time, {exit_mean:.2} s on average from the signal, {exit_max:.2} s at most; {completed_lines} \"shutdown complete\" lines; restarts {restart_max:.2} s at most",
                if terminations.iter().all(|t| t.exit_code == Some(0)) {
                    "0".to_owned()
                } else {
                    "NOT 0".to_owned()
                }
            ),
            format!(
                "requests: {} ({}), {server_errors} answered 5xx",
                samples.len(),
                statuses_line(&statuses(&samples))
            ),
            format!(
                "acknowledged saves: {acknowledged} ({} questions checked against the database after the restarts): {} lost, {} wrong",
                check.checked, check.lost, check.wrong
            ),
            audit_line,
        ],
        figures: json!({
            "rounds": rounds,
            "shutdown_timeout_seconds": SHUTDOWN_TIMEOUT_SECONDS,
            "in_flight_at_signal": in_flight.len(),
            "in_flight_statuses": in_flight_counts,
            "in_flight_completed_ok": in_flight_ok,
            "in_flight_failed": in_flight_bad,
            "in_flight_unanswered": in_flight_unanswered,
            "without_drain": json!({
                "rounds": terminations.iter().filter(|t| !t.drain).count(),
                "in_flight_at_signal": at_once.len(),
                "completed_ok": ok(&at_once),
                "unanswered": unanswered(&at_once),
            }),
            "with_drain": json!({
                "drain_seconds": DRAIN_SECONDS,
                "rounds": terminations.iter().filter(|t| t.drain).count(),
                "in_flight_at_signal": with_drain.len(),
                "completed_ok": ok(&with_drain),
                "ready_during_drain": terminations.iter().filter_map(|t| t.ready_during_drain).collect::<Vec<_>>(),
            }),
            "failed_5xx": server_errors,
            "exit_codes": terminations.iter().map(|t| t.exit_code).collect::<Vec<_>>(),
            "exit_seconds_mean": exit_mean,
            "exit_seconds_max": exit_max,
            "shutdown_complete_lines": completed_lines,
            "restart_seconds_max": restart_max,
            "requests": samples.len(),
            "acknowledged_saves": acknowledged,
            "questions_checked": check.checked,
            "lost": check.lost,
            "wrong": check.wrong,
        }),
        violations,
    })
}

/// The audit ledger after a scenario: its chain must verify from the first entry to its
/// head (a crash or a failed write never leaves half an append), and it must hold each
/// sitting's start and score exactly once. Returns the violations and a summary line.
async fn check_audit(
    db: &DatabaseConnection,
    started: Option<usize>,
    closed: Option<usize>,
) -> anyhow::Result<(Vec<String>, String, Value)> {
    let mut violations = Vec::new();
    let verified = invigilator::app::audit::verify(db).await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT action, COUNT(*) AS n FROM audit_log GROUP BY action",
        ))
        .await?;
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows {
        counts.insert(r.try_get("", "action")?, r.try_get("", "n")?);
    }
    let count = |a: &str| counts.get(a).copied().unwrap_or(0);
    let entries = match &verified {
        invigilator::app::audit::Verified::Intact { entries, .. } => *entries,
        invigilator::app::audit::Verified::Broken(b) => {
            violations.push(format!("audit ledger broken: {b}"));
            -1
        }
    };
    if let Some(n) = started
        && count("sitting.started") != n as i64
    {
        violations.push(format!(
            "audit ledger: {} sitting.started entries for {n} sittings",
            count("sitting.started")
        ));
    }
    if let Some(n) = closed {
        let closes = count("sitting.submitted") + count("sitting.closed_at_deadline");
        if closes != n as i64 || count("sitting.scored") != n as i64 {
            violations.push(format!(
                "audit ledger: {closes} closes and {} scores for {n} closed sittings",
                count("sitting.scored")
            ));
        }
    }
    let line = format!(
        "audit ledger: {} ({entries} entries; {} answer saves, {} started, {} scored)",
        if violations.is_empty() {
            "chain verified"
        } else {
            "BROKEN"
        },
        count("sitting.answer_saved"),
        count("sitting.started"),
        count("sitting.scored"),
    );
    Ok((
        violations,
        line,
        json!({"entries": entries, "actions": counts}),
    ))
}

/// `PRAGMA integrity_check` with the server stopped: through the sqlite3 command when it
/// is installed, else through the harness's own connection.
async fn integrity_check(database: &TestDatabase) -> anyhow::Result<String> {
    let path = database
        .url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
        .context("a SQLite URL")?;
    if let Ok(output) = Command::new("sqlite3")
        .arg(path)
        .arg("PRAGMA integrity_check;")
        .output()
        && output.status.success()
    {
        return Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned());
    }
    let rows = database
        .db
        .query_all_raw(Statement::from_string(
            database.db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect::<Vec<_>>()
        .join("; "))
}

/// An SMTP server on loopback (mailin-embedded, in threads) that keeps what it receives.
mod mail {
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    use mailin_embedded::{Handler, Response, Server, response};

    #[derive(Debug, Clone)]
    pub struct Received {
        pub to: Vec<String>,
        pub subject: String,
        pub message_id: String,
    }

    #[derive(Clone, Default)]
    struct Collector {
        kept: Arc<Mutex<Vec<Received>>>,
        to: Vec<String>,
        data: Vec<u8>,
    }

    impl Handler for Collector {
        fn data_start(
            &mut self,
            _domain: &str,
            _from: &str,
            _is8bit: bool,
            to: &[String],
        ) -> Response {
            self.to = to.to_vec();
            self.data.clear();
            response::OK
        }

        fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
            self.data.extend_from_slice(buf);
            Ok(())
        }

        fn data_end(&mut self) -> Response {
            let parsed = mail_parser::MessageParser::default().parse(&self.data);
            let received = Received {
                to: std::mem::take(&mut self.to),
                subject: parsed
                    .as_ref()
                    .and_then(|m| m.subject())
                    .unwrap_or_default()
                    .to_owned(),
                message_id: parsed
                    .as_ref()
                    .and_then(|m| m.message_id())
                    .unwrap_or_default()
                    .to_owned(),
            };
            self.data.clear();
            if let Ok(mut kept) = self.kept.lock() {
                kept.push(received);
            }
            response::OK
        }
    }

    pub struct Sink {
        pub port: u16,
        kept: Arc<Mutex<Vec<Received>>>,
    }

    impl Sink {
        pub fn start() -> anyhow::Result<Self> {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let port = listener.local_addr()?.port();
            let collector = Collector::default();
            let kept = collector.kept.clone();
            let mut server = Server::new(collector);
            // lettre keeps pooled connections open, each holding a thread here.
            server
                .with_name("sink.test")
                .with_num_threads(64)
                .with_tcp_listener(listener);
            std::thread::spawn(move || {
                let _ = server.serve();
            });
            Ok(Self { port, kept })
        }

        pub fn received(&self) -> Vec<Received> {
            self.kept.lock().map(|k| k.clone()).unwrap_or_default()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Scenario: the restore drill (SQLite). A backup taken with `invigilator backup` while a
// cohort saves, restored with `invigilator restore` into a fresh directory, served by a
// fresh server with the same signing key and JWT secret.

/// What one saver phase leaves: its ledger, once every saver has stopped (no save is in
/// flight between two phases).
async fn saver_phase(
    client: &Arc<Client>,
    candidates: &[Arc<Candidate>],
    keys: &HashMap<Uuid, Vec<(u32, String)>>,
    keys_only: bool,
    run: impl std::future::Future<Output = anyhow::Result<()>>,
    seed: u64,
) -> anyhow::Result<Arc<Ledger>> {
    let ledger = Arc::new(Ledger::default());
    let stop = Arc::new(AtomicBool::new(false));
    let savers: Vec<_> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let id = c.sitting.lock().expect("lock").as_ref().map(|s| s.id);
            // Half the cohort saves its keys, the other half random choices; with
            // `keys_only` everyone saves keys, so each question is only ever sent one
            // value in the phase and the ledger's last value stands for every one.
            let keys = (keys_only || i % 2 == 0)
                .then(|| id.and_then(|id| keys.get(&id).cloned()))
                .flatten();
            tokio::spawn(save_loop(
                client.clone(),
                ledger.clone(),
                c.clone(),
                keys,
                stop.clone(),
                seed + i as u64,
            ))
        })
        .collect();
    let outcome = run.await;
    stop.store(true, Ordering::SeqCst);
    for s in savers {
        s.await.ok();
    }
    outcome.map(|()| ledger)
}

/// Runs the `invigilator` binary as an operator would, with `url` as its database.
fn operator(args: &[&std::ffi::OsStr], url: Option<&str>) -> anyhow::Result<std::process::Output> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_invigilator"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("APP_ENVIRONMENT", "local")
        .env("RUST_LOG", "warn");
    if let Some(url) = url {
        command.env("APP_DATABASE__URL", url);
    }
    command.output().context("cannot run invigilator")
}

fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
    .trim()
    .to_owned()
}

/// Every saved choice, by sitting and question.
async fn saved_choices(db: &DatabaseConnection) -> anyhow::Result<HashMap<(Uuid, u32), String>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT sitting_id, number, response FROM answers",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let response: String = row.try_get("", "response")?;
            Ok((
                (
                    row.try_get::<Uuid>("", "sitting_id")?,
                    row.try_get::<i32>("", "number")? as u32,
                ),
                serde_json::from_str::<Value>(&response)?["choice"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ))
        })
        .collect()
}

/// The score a sitting earns with the answers the database holds for it now.
async fn score_of_saved(db: &DatabaseConnection, id: Uuid) -> anyhow::Result<u32> {
    use invigilator::domain::scoring::{Response, score};
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql(db, "SELECT paper, pass_mark FROM sittings WHERE id = $1"),
            [id.into()],
        ))
        .await?
        .context("sitting row")?;
    let paper: Paper = serde_json::from_str(&row.try_get::<String>("", "paper")?)?;
    let pass_mark: i32 = row.try_get("", "pass_mark")?;
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql(
                db,
                "SELECT number, response FROM answers WHERE sitting_id = $1",
            ),
            [id.into()],
        ))
        .await?;
    let mut responses = BTreeMap::new();
    for r in rows {
        let response: String = r.try_get("", "response")?;
        responses.insert(
            r.try_get::<i32>("", "number")? as u32,
            serde_json::from_str::<Response>(&response)?,
        );
    }
    Ok(score(&paper, &responses, pass_mark as u32).score)
}

/// Waits until none of the sittings `ids` is in progress any more.
async fn wait_all_closed(
    db: &DatabaseConnection,
    ids: &[Uuid],
    limit: Duration,
) -> anyhow::Result<()> {
    let until = Instant::now() + limit;
    loop {
        let mut open = 0;
        for id in ids {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    db.get_database_backend(),
                    sql(db, "SELECT status FROM sittings WHERE id = $1"),
                    [(*id).into()],
                ))
                .await?
                .context("sitting row")?;
            if row.try_get::<String>("", "status")? == "in_progress" {
                open += 1;
            }
        }
        if open == 0 {
            return Ok(());
        }
        if Instant::now() > until {
            bail!(
                "{open} sittings still open {} s after the clock passed their deadline",
                limit.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An Ed25519 signing key, PKCS#8 PEM, the same for the server and the restored one.
fn drill_signing_key() -> anyhow::Result<String> {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, spki::der::pem::LineEnding};
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    Ok(ed25519_dalek::SigningKey::from_bytes(&bytes)
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string())
}

async fn restore_scenario(args: &Args, work: &Path) -> anyhow::Result<Report> {
    const HOLDERS: usize = 2;
    let cohort = args.cohort.max(4);
    let database = TestDatabase::create(args, work).await?;
    let candidates = seed(&database.db, cohort + HOLDERS + 1, PASSWORD).await?;
    let signing_key = drill_signing_key()?;
    let mut server = Server::new(&database.url, work, None)?;
    server
        .env
        .push(("APP_CERTIFICATES__SIGNING_KEY", signing_key.clone()));
    let client = Arc::new(Client::new(server.base())?);
    server.start(&client.http).await?;
    sign_in(&client, &candidates).await?;
    let mut violations: Vec<String> = Vec::new();

    // Two candidates pass before the backup; their signed certificates and the published
    // keys are kept as a relying party would keep them.
    let mut certificates: Vec<(String, PathBuf, Arc<Candidate>)> = Vec::new();
    for c in &candidates[cohort..cohort + HOLDERS] {
        let give_up = Instant::now() + Duration::from_secs(30);
        let (id, _) = start_sitting(&client, c, give_up)
            .await?
            .context("a certificate holder's sitting")?;
        for (number, key) in keys_of(&database.db, id).await? {
            let reply = client
                .call(
                    reqwest::Method::PUT,
                    &format!("/api/v1/sittings/{id}/answers/{number}"),
                    c,
                    Some(&json!({ "choice": key })),
                )
                .await;
            if !(200..300).contains(&reply.status) {
                bail!("a certificate holder's save answered {}", reply.status);
            }
        }
        let reply = client
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/sittings/{id}/submit"),
                c,
                None,
            )
            .await;
        let number = reply
            .body
            .as_ref()
            .and_then(|b| b["certificate_number"].as_str())
            .with_context(|| format!("a passed sitting's certificate ({})", reply.status))?
            .to_owned();
        let signed = client
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/certificates/{number}/signed"),
                c,
                None,
            )
            .await
            .body
            .context("the signed certificate")?;
        let file = work.join(format!("certificate-{number}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(&signed)?)?;
        certificates.push((number, file, c.clone()));
    }
    let keys_before = client
        .call(
            reqwest::Method::GET,
            "/api/v1/certificates/keys",
            &candidates[cohort],
            None,
        )
        .await
        .body
        .context("the published keys")?;
    let keys_before_file = work.join("keys-before.json");
    std::fs::write(&keys_before_file, serde_json::to_vec_pretty(&keys_before)?)?;

    // The cohort starts in two halves half an hour apart on the server's clock, so their
    // deadlines differ by that much: after the restore the clock can pass the first
    // half's deadlines and not the second's.
    let savers = &candidates[..cohort];
    let mut started: Vec<(Uuid, OffsetDateTime, bool)> = Vec::new();
    for (k, c) in savers.iter().enumerate() {
        if k == cohort / 2 {
            server.set_clock_offset(30 * 60)?;
        }
        let give_up = Instant::now() + Duration::from_secs(30);
        let (id, deadline) = start_sitting(&client, c, give_up)
            .await?
            .context("a cohort sitting")?;
        started.push((id, deadline, k < cohort / 2));
    }
    let mut keys: HashMap<Uuid, Vec<(u32, String)>> = HashMap::new();
    for (id, _, _) in &started {
        keys.insert(*id, keys_of(&database.db, *id).await?);
    }
    client.take_samples();

    // Before: saves in a closed loop. During: saves go on while the backup runs. After:
    // more saves, and a sitting started, that the backup cannot hold.
    let before = saver_phase(
        &client,
        savers,
        &keys,
        false,
        async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Ok(())
        },
        100,
    )
    .await?;
    let backup_file = work.join("backup").join("invigilator-backup.db");
    std::fs::create_dir_all(backup_file.parent().context("a folder")?)?;
    let mut backup_seconds = 0.0;
    let mut backup_output = String::new();
    let during = saver_phase(
        &client,
        savers,
        &keys,
        true,
        async {
            // The savers get going before the backup begins.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let began = Instant::now();
            let (file, url) = (backup_file.clone(), database.url.clone());
            let output = tokio::task::spawn_blocking(move || {
                operator(&["backup".as_ref(), file.as_os_str()], Some(&url))
            })
            .await??;
            backup_seconds = began.elapsed().as_secs_f64();
            backup_output = output_text(&output);
            if !output.status.success() {
                bail!("invigilator backup failed: {backup_output}");
            }
            Ok(())
        },
        200,
    )
    .await?;
    let late = &candidates[cohort + HOLDERS];
    let after = saver_phase(
        &client,
        savers,
        &keys,
        false,
        async {
            let give_up = Instant::now() + Duration::from_secs(30);
            start_sitting(&client, late, give_up).await?;
            tokio::time::sleep(Duration::from_millis(1000)).await;
            Ok(())
        },
        300,
    )
    .await?;
    let late_sitting = late.sitting.lock().expect("lock").as_ref().map(|s| s.id);
    server.kill();
    let live_samples = client.take_samples();
    let backup_bytes = std::fs::metadata(&backup_file)?.len();
    database.drop_database().await;

    // The restore, into a data directory that does not exist yet.
    let fresh = work.join("restored");
    std::fs::create_dir_all(&fresh)?;
    let restored_path = fresh.join("data").join("invigilator.db");
    let restored_url = format!("sqlite://{}?mode=rwc", restored_path.display());
    let began = Instant::now();
    let output = operator(
        &["restore".as_ref(), backup_file.as_os_str()],
        Some(&restored_url),
    )?;
    let restore_seconds = began.elapsed().as_secs_f64();
    let restore_output = output_text(&output);
    if !output.status.success() {
        bail!("invigilator restore failed: {restore_output}");
    }
    let mut restored_server = Server::new(&restored_url, &fresh, None)?;
    restored_server.log = work.join("server.log");
    restored_server
        .env
        .push(("APP_CERTIFICATES__SIGNING_KEY", signing_key));
    let client = Arc::new(Client::new(restored_server.base())?);
    let start_seconds = restored_server.start(&client.http).await?;
    let restored = TestDatabase {
        url: restored_url.clone(),
        pg: None,
        db: persistence::connect(&DatabaseSettings {
            url: SecretString::from(restored_url.clone()),
            max_connections: 2,
            acquire_timeout_seconds: 30,
        })
        .await?,
    };

    // Every answer acknowledged before the backup began is there, with that value or one
    // sent while the backup ran (each question was only sent its key then).
    let stored = saved_choices(&restored.db).await?;
    let (mut acknowledged_before, mut found, mut lost, mut wrong) = (0, 0, 0, 0);
    {
        let before = before.entries.lock().expect("lock");
        let during = during.entries.lock().expect("lock");
        for (key, entry) in before.iter() {
            let Some(value) = &entry.acknowledged else {
                continue;
            };
            acknowledged_before += 1;
            let later = during.get(key);
            let allowed = |v: &String| {
                v == value
                    || entry.uncertain.contains(v)
                    || later.is_some_and(|l| {
                        l.acknowledged.as_ref() == Some(v) || l.uncertain.contains(v)
                    })
            };
            match stored.get(key) {
                None => lost += 1,
                Some(v) if allowed(v) => found += 1,
                Some(_) => wrong += 1,
            }
        }
    }
    if lost > 0 || wrong > 0 {
        violations.push(format!(
            "answers acknowledged before the backup: {lost} missing from it, {wrong} with a value never sent before it finished"
        ));
    }
    // Every sitting started before the backup is there, open, its deadline to the second;
    // the one started after it is not.
    let rows = restored
        .db
        .query_all_raw(Statement::from_string(
            restored.db.get_database_backend(),
            "SELECT id, status, deadline FROM sittings",
        ))
        .await?;
    let mut in_backup: HashMap<Uuid, (String, OffsetDateTime)> = HashMap::new();
    for r in &rows {
        in_backup.insert(
            r.try_get("", "id")?,
            (r.try_get("", "status")?, r.try_get("", "deadline")?),
        );
    }
    let mut deadlines_kept = 0;
    for (id, deadline, _) in &started {
        match in_backup.get(id) {
            None => violations.push(format!(
                "sitting {id}, started before the backup, is missing"
            )),
            Some((status, stored)) => {
                if stored.unix_timestamp() == deadline.unix_timestamp() {
                    deadlines_kept += 1;
                } else {
                    violations.push(format!(
                        "sitting {id}: deadline {stored} after the restore, {deadline} when it started"
                    ));
                }
                if status != "in_progress" {
                    violations.push(format!("sitting {id} is {status} in the backup"));
                }
            }
        }
    }
    let late_absent = late_sitting.is_some_and(|id| !in_backup.contains_key(&id));
    if !late_absent {
        violations.push(
            "the sitting started after the backup finished is in it (or never started)".into(),
        );
    }

    // The clock moves past the first half's deadlines (not the second half's): the
    // server closes those, scored with what the backup held.
    let first_half: Vec<(Uuid, OffsetDateTime)> = started
        .iter()
        .filter(|(_, _, first)| *first)
        .map(|(id, d, _)| (*id, *d))
        .collect();
    let mut expected_scores = HashMap::new();
    for (id, _) in &first_half {
        expected_scores.insert(*id, score_of_saved(&restored.db, *id).await?);
    }
    let last_deadline = first_half
        .iter()
        .map(|(_, d)| *d)
        .max()
        .context("a first half")?;
    restored_server
        .set_clock_offset((last_deadline - OffsetDateTime::now_utc()).whole_seconds() + 5)?;
    let ids: Vec<Uuid> = first_half.iter().map(|(id, _)| *id).collect();
    wait_all_closed(&restored.db, &ids, Duration::from_secs(30)).await?;
    let mut closed_as_saved = 0;
    for (id, deadline) in &first_half {
        let row = restored
            .db
            .query_one_raw(Statement::from_sql_and_values(
                restored.db.get_database_backend(),
                sql(
                    &restored.db,
                    "SELECT status, score, closed_at FROM sittings WHERE id = $1",
                ),
                [(*id).into()],
            ))
            .await?
            .context("sitting row")?;
        let status: String = row.try_get("", "status")?;
        let score: Option<i32> = row.try_get("", "score")?;
        let closed_at: Option<OffsetDateTime> = row.try_get("", "closed_at")?;
        let expected = expected_scores[id];
        if status == "expired"
            && score == Some(expected as i32)
            && closed_at.is_some_and(|c| c >= *deadline)
        {
            closed_as_saved += 1;
        } else {
            violations.push(format!(
                "sitting {id} after its deadline: {status}, score {score:?} (the backup's answers score {expected}), closed at {closed_at:?}"
            ));
        }
    }
    // The second half resumes: each candidate saves again and submits.
    let mut resumed = 0;
    for (k, (id, _, first)) in started.iter().enumerate() {
        if *first {
            continue;
        }
        let c = &savers[k];
        let (number, key) = keys[id].first().cloned().context("a key")?;
        let saved = client
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/sittings/{id}/answers/{number}"),
                c,
                Some(&json!({ "choice": key })),
            )
            .await;
        let submitted = client
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/sittings/{id}/submit"),
                c,
                None,
            )
            .await;
        if (200..300).contains(&saved.status) && (200..300).contains(&submitted.status) {
            resumed += 1;
        } else {
            violations.push(format!(
                "sitting {id} did not resume: save answered {}, submit {}",
                saved.status, submitted.status
            ));
        }
    }

    // Certificates issued before the backup verify with the keys the restored server
    // publishes, and the restored server signs them with the same key.
    let keys_after = client
        .call(
            reqwest::Method::GET,
            "/api/v1/certificates/keys",
            &candidates[cohort],
            None,
        )
        .await
        .body
        .context("the published keys after the restore")?;
    let keys_after_file = work.join("keys-after.json");
    std::fs::write(&keys_after_file, serde_json::to_vec_pretty(&keys_after)?)?;
    let mut certificates_verified = 0;
    for (number, file, holder) in &certificates {
        let old = operator(
            &[
                "certificates".as_ref(),
                "verify".as_ref(),
                file.as_os_str(),
                "--keys".as_ref(),
                keys_after_file.as_os_str(),
            ],
            None,
        )?;
        let signed = client
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/certificates/{number}/signed"),
                holder,
                None,
            )
            .await;
        let again = work.join(format!("certificate-{number}-restored.json"));
        std::fs::write(
            &again,
            serde_json::to_vec_pretty(&signed.body.unwrap_or_default())?,
        )?;
        let new = operator(
            &[
                "certificates".as_ref(),
                "verify".as_ref(),
                again.as_os_str(),
                "--keys".as_ref(),
                keys_before_file.as_os_str(),
            ],
            None,
        )?;
        if old.status.success() && new.status.success() {
            certificates_verified += 1;
        } else {
            violations.push(format!(
                "certificate {number}: before the backup, with the restored keys: {}; from the restored server, with the old keys: {}",
                output_text(&old),
                output_text(&new)
            ));
        }
    }
    let audit = operator(&["audit".as_ref(), "verify".as_ref()], Some(&restored_url))?;
    let audit_cli = output_text(&audit);
    if !audit.status.success() {
        violations.push(format!("invigilator audit verify: {audit_cli}"));
    }
    let (audit_violations, audit_line, audit_figures) =
        check_audit(&restored.db, None, None).await?;
    violations.extend(audit_violations);
    let samples = client.take_samples();
    let server_errors = live_samples
        .iter()
        .chain(samples.iter())
        .filter(|s| s.status >= 500 || s.status == 0)
        .count();
    if server_errors > 0 {
        violations.push(format!(
            "{server_errors} requests answered 5xx or not at all (live: {}; restored: {})",
            statuses_line(&statuses(&live_samples)),
            statuses_line(&statuses(&samples))
        ));
    }
    restored_server.kill();
    restored.drop_database().await;

    let saves = |l: &Ledger| l.acknowledged.load(Ordering::Relaxed);
    let second_half = started.len() - first_half.len();
    Ok(Report {
        name: "restore drill (backup under load, restore into a fresh server)",
        lines: vec![
            format!(
                "load: {cohort} candidates saving in a closed loop; {} saves acknowledged before the backup, {} while it ran, {} after it",
                saves(&before),
                saves(&during),
                saves(&after)
            ),
            format!(
                "backup: {:.1} KiB in {backup_seconds:.2} s while saves went on ({})",
                backup_bytes as f64 / 1024.0,
                backup_output.lines().last().unwrap_or_default()
            ),
            format!(
                "restore: {restore_seconds:.2} s into a fresh directory, fresh server up in {start_seconds:.2} s"
            ),
            format!(
                "answers acknowledged before the backup: {acknowledged_before} questions, {found} found with that value or a later one, {lost} missing, {wrong} wrong"
            ),
            format!(
                "sittings started before the backup: {}, {deadlines_kept} with their deadline to the second; the one started after it {}",
                started.len(),
                if late_absent {
                    "absent, as it must be"
                } else {
                    "PRESENT"
                }
            ),
            format!(
                "clock past the first half's deadlines: {closed_as_saved} of {} closed as expired and scored with the backup's answers; {resumed} of {second_half} resumed (saved again and submitted)",
                first_half.len()
            ),
            format!(
                "certificates issued before the backup: {certificates_verified} of {} verify with the restored server's keys (and its signed copies with the old keys)",
                certificates.len()
            ),
            format!("invigilator audit verify: {audit_cli}"),
            audit_line,
        ],
        figures: json!({
            "cohort": cohort,
            "acknowledged_saves_before_backup": saves(&before),
            "acknowledged_saves_during_backup": saves(&during),
            "acknowledged_saves_after_backup": saves(&after),
            "questions_acknowledged_before_backup": acknowledged_before,
            "found": found,
            "lost": lost,
            "wrong": wrong,
            "backup_bytes": backup_bytes,
            "backup_seconds": backup_seconds,
            "restore_seconds": restore_seconds,
            "restored_server_start_seconds": start_seconds,
            "sittings_before_backup": started.len(),
            "deadlines_kept": deadlines_kept,
            "sitting_after_backup_absent": late_absent,
            "sittings_closed_at_deadline": closed_as_saved,
            "sittings_resumed": resumed,
            "certificates": certificates.len(),
            "certificates_verified": certificates_verified,
            "audit": audit_figures,
        }),
        violations,
    })
}
