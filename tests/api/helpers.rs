//! `spawn_app()` and typed helpers for driving the API as a candidate or administrator.
//!
//! With `TEST_TWO_SERVERS=1`, every PostgreSQL test runs against two servers on its one
//! database (see [`spawn_servers`]): each request of the test goes to the other server.

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use invigilator::clock::{Clock, ManualClock};
use invigilator::config::{Environment, Settings};
use invigilator::domain::pool::ItemBody;
use invigilator::domain::sitting::SittingRecord;
use invigilator::domain::values::option_label;
use invigilator::startup::Application;
use invigilator::state::AppState;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

/// Declares a test that runs once on SQLite and once on PostgreSQL.
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:block) => {
        db_test!($name, |_settings| {}, |$app| $body);
    };
    ($name:ident, |$settings:ident| $configure:block, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[allow(unused_variables)]
            fn configure($settings: &mut invigilator::config::Settings) $configure

            #[tokio::test]
            async fn sqlite() {
                let $app = crate::helpers::spawn_app_with(crate::helpers::Engine::Sqlite, configure).await;
                $body
            }

            #[tokio::test]
            async fn postgres() {
                let Some(engine) = crate::helpers::Engine::postgres() else {
                    return;
                };
                let $app = crate::helpers::spawn_app_with(engine, configure).await;
                $body
            }
        }
    };
}
pub(crate) use db_test;

pub const PASSWORD: &str = "correct horse battery staple";

pub enum Engine {
    Sqlite,
    Postgres(String),
}

impl Engine {
    /// The PostgreSQL engine when `TEST_POSTGRES_URL` is set; fails the test when it is
    /// not but `TEST_REQUIRE_POSTGRES` is, so CI cannot silently skip PostgreSQL.
    pub fn postgres() -> Option<Self> {
        match std::env::var("TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => {
                Some(Engine::Postgres(url.trim_end_matches('/').to_owned()))
            }
            _ if std::env::var("TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") => {
                panic!("TEST_REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set")
            }
            _ => None,
        }
    }
}

/// Whether PostgreSQL tests run on two servers (`TEST_TWO_SERVERS=1`).
pub fn two_servers() -> bool {
    std::env::var("TEST_TWO_SERVERS").is_ok_and(|v| v == "1")
}

pub struct TestApp {
    /// Where the test's requests go: the server, or the proxy in front of the servers.
    pub address: String,
    /// The SMTP server this app's mail goes to.
    pub mail: crate::mail::MailServer,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    /// The first server's state. The database behind it is every server's, so what a
    /// test reads through it is what all of them wrote; its caches are that server's own.
    pub state: actix_web::web::Data<AppState>,
    /// Every server's state, the first one's first.
    pub states: Vec<actix_web::web::Data<AppState>>,
    /// The round-robin proxy in front of the servers, when there are several.
    pub proxy: Option<Proxy>,
    pub settings: Settings,
    _dir: tempfile::TempDir,
}

/// A logged-in member of an ATO's staff.
pub struct Staff {
    pub ato: String,
    pub email: String,
    pub token: String,
}

pub struct Candidate {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

static TRACING: std::sync::Once = std::sync::Once::new();

fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            invigilator::telemetry::init_subscriber(invigilator::telemetry::get_subscriber(
                "debug,sqlx=warn",
                std::io::stdout,
            ));
        }
    });
}

/// A fresh database URL for one test.
async fn fresh_database(engine: &Engine, dir: &Path) -> String {
    match engine {
        Engine::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
        Engine::Postgres(base) => {
            let name = format!("invigilator_test_{}", Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(format!("{base}/postgres"))
                .await
                .expect("connect to PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create a test database");
            admin.close().await.ok();
            format!("{base}/{name}")
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Engine::Sqlite, |_| {}).await
}

pub async fn spawn_app_with(engine: Engine, configure: fn(&mut Settings)) -> TestApp {
    let servers = match engine {
        Engine::Postgres(_) if two_servers() => 2,
        _ => 1,
    };
    spawn_servers(engine, configure, servers).await
}

/// `servers` servers on one fresh database and one clock, as when several servers share
/// one PostgreSQL: each has its own state, connection pool, caches and background workers
/// (the sweeper and the outbox delivery). With more than one, `address` is a round-robin
/// proxy in front of them and the client opens a connection per request, so a test's
/// consecutive requests go to different servers; [`TestApp::sweep`] and
/// [`TestApp::deliver_mail`] then run every server's work at once.
pub async fn spawn_servers(
    engine: Engine,
    configure: fn(&mut Settings),
    servers: usize,
) -> TestApp {
    init_tracing();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut settings =
        invigilator::config::load(&repo_root(), Environment::Test).expect("settings");
    settings.server.port = 0;
    settings.server.workers = 1;
    settings.database.url = fresh_database(&engine, dir.path()).await.into();
    settings.database.max_connections = 5;
    settings.auth.jwt_secret = Some(
        "a test secret that is long enough for HS256"
            .to_owned()
            .into(),
    );
    // The background sweeper first ticks an interval after start; tests that need it set
    // a short interval.
    settings.sittings.sweep_interval_seconds = 3600;
    // Mail goes over real SMTP to a server on loopback; the outbox is sent when a test
    // calls `deliver_mail` (the background task ticks once an hour here).
    let mail = crate::mail::MailServer::start();
    settings.email.transport = invigilator::config::EmailTransport::Smtp;
    settings.email.smtp_host = "127.0.0.1".into();
    settings.email.smtp_port = mail.port;
    settings.email.smtp_tls = invigilator::config::SmtpTls::None;
    settings.email.deliver_interval_seconds = 3600;
    settings.email.public_base_url = "https://exams.invigilator.test".into();
    configure(&mut settings);
    if servers > 1 && settings.certificates.signing_key.is_none() {
        // Servers that share a database share the signing key, as an operator configures
        // it (without one, each server would sign with a throwaway key of its own).
        settings.certificates.signing_key = Some(shared_signing_key().into());
    }
    let clock = ManualClock::starting_at(time::OffsetDateTime::now_utc());
    let mut states = Vec::new();
    let mut backends = Vec::new();
    for _ in 0..servers.max(1) {
        let app = Application::build_with_clock(settings.clone(), Arc::new(clock.clone()))
            .await
            .expect("the application builds");
        backends.push(SocketAddr::from(([127, 0, 0, 1], app.port())));
        states.push(app.state());
        tokio::spawn(app.run_until_stopped());
    }
    let mut client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    let (address, proxy) = if backends.len() > 1 {
        // No connection is kept for the next request: each goes to the next server.
        client = client.pool_max_idle_per_host(0);
        let proxy = Proxy::start(backends);
        (format!("http://{}", proxy.address), Some(proxy))
    } else {
        (format!("http://{}", backends[0]), None)
    };
    TestApp {
        address,
        mail,
        client: client.build().expect("client"),
        clock,
        state: states[0].clone(),
        states,
        proxy,
        settings,
        _dir: dir,
    }
}

/// A fresh Ed25519 signing key, as PKCS#8 PEM, for a test whose certificates must verify
/// on another server (several servers, an upgraded or restored database).
pub fn signing_key_pem() -> String {
    shared_signing_key()
}

/// A fresh Ed25519 signing key, as PKCS#8 PEM.
fn shared_signing_key() -> String {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, spki::der::pem::LineEnding};
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    ed25519_dalek::SigningKey::from_bytes(&bytes)
        .to_pkcs8_pem(LineEnding::LF)
        .expect("a PEM key")
        .to_string()
}

/// A TCP proxy on loopback that hands each new connection to the next server in turn.
/// It counts the connections each server got and the requests the test sent through
/// [`TestApp`]'s helpers; when it is dropped at the end of a passing test it checks that
/// every request had a connection of its own (so the requests really alternated) and
/// that every server answered some.
pub struct Proxy {
    pub address: SocketAddr,
    shared: Arc<ProxyCounts>,
}

struct ProxyCounts {
    backends: Vec<SocketAddr>,
    per_backend: Vec<AtomicUsize>,
    accepted: AtomicUsize,
    requests: AtomicUsize,
    stopped: AtomicBool,
}

impl Proxy {
    fn start(backends: Vec<SocketAddr>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let shared = Arc::new(ProxyCounts {
            per_backend: backends.iter().map(|_| AtomicUsize::new(0)).collect(),
            backends,
            accepted: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            stopped: AtomicBool::new(false),
        });
        let counts = shared.clone();
        std::thread::spawn(move || {
            for inbound in listener.incoming() {
                if counts.stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(inbound) = inbound else { continue };
                let i = counts.accepted.fetch_add(1, Ordering::SeqCst) % counts.backends.len();
                counts.per_backend[i].fetch_add(1, Ordering::SeqCst);
                let backend = counts.backends[i];
                std::thread::spawn(move || relay(inbound, backend));
            }
        });
        Self { address, shared }
    }

    /// How many connections each server has been handed, in the order they started.
    pub fn connections(&self) -> Vec<usize> {
        self.shared
            .per_backend
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }

    fn note_request(&self) {
        self.shared.requests.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let connections = self.connections();
        let requests = self.shared.requests.load(Ordering::SeqCst);
        self.shared.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.address);
        if std::thread::panicking() {
            return;
        }
        let total: usize = connections.iter().sum();
        assert!(
            total >= requests,
            "{requests} requests went over {total} connections: the client kept connections, so requests did not alternate between servers"
        );
        if requests >= connections.len() {
            assert!(
                connections.iter().all(|&c| c > 0),
                "not every server got a request: {connections:?}"
            );
        }
    }
}

/// Copies bytes both ways between a client's connection and a new one to `backend`
/// until both sides have closed.
fn relay(inbound: TcpStream, backend: SocketAddr) {
    let Ok(outbound) = TcpStream::connect(backend) else {
        return;
    };
    let _ = (inbound.set_nodelay(true), outbound.set_nodelay(true));
    let (Ok(inbound_reader), Ok(outbound_writer)) = (inbound.try_clone(), outbound.try_clone())
    else {
        return;
    };
    let upstream = std::thread::spawn(move || pipe(inbound_reader, outbound_writer));
    pipe(outbound, inbound);
    let _ = upstream.join();
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

/// A response's status, headers and JSON body (Null when the body is not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            content_type,
            headers,
            text,
            body,
        }
    }

    /// Asserts a problem+json body with this status; returns the body.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(
            self.content_type, "application/problem+json",
            "body: {}",
            self.text
        );
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["title"].is_string()
                && self.body["detail"].is_string()
                && self.body["type"].is_string()
        );
        &self.body
    }

    /// The field names of a validation problem.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The device a test user's client names: one per account, whatever its token.
pub fn device_of(token: &str) -> String {
    use base64::Engine;
    let sub = token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
        .and_then(|claims| claims["sub"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "anonymous".into());
    format!("test-client-{sub}")
}

impl TestApp {
    /// Counts a request the test sends through the proxy, if there is one.
    pub fn note_request(&self) {
        if let Some(proxy) = &self.proxy {
            proxy.note_request();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(reqwest::Method::GET, path, None, token).await
    }

    /// Sends a request as a client would: with the caller's token, the caller's one
    /// device (every user's requests name the same device, as one client app does; see
    /// [`TestApp::send_from`] for a second device).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let device = token.map(device_of);
        self.send_from(method, path, body, token, device.as_deref())
            .await
    }

    /// [`TestApp::send`] from the device `device` names (`None`: a client that names none).
    pub async fn send_from(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
        device: Option<&str>,
    ) -> Reply {
        self.note_request();
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(device) = device {
            request = request.header("Invigilator-Device", device);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::from(request.send().await.expect("request sent")).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body), token)
            .await
    }

    pub async fn register(&self, email: &str) -> Reply {
        self.post(
            "/api/v1/auth/register",
            json!({"email": email, "password": PASSWORD, "given_name": "Zoë", "family_name": "O'Brien-Łukasiewicz"}),
            None,
        )
        .await
    }

    /// A second server on the same database and clock, as when several servers share
    /// one PostgreSQL; returns its address.
    pub async fn second_server(&self) -> String {
        let app =
            Application::build_with_clock(self.settings.clone(), Arc::new(self.clock.clone()))
                .await
                .expect("the second server builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// A registered, logged-in candidate with a unique e-mail address.
    pub async fn candidate(&self) -> Candidate {
        let email = format!("candidate-{}@example.org", Uuid::new_v4().simple());
        let reply = self.register(&email).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let id = reply.body["id"].as_str().unwrap().parse().unwrap();
        self.verify_email(&email).await;
        let login = self.login(&email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        Candidate {
            id,
            email,
            token: login.body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A fresh access token for someone already registered (after the clock has moved
    /// past their token's expiry, as a real client would refresh).
    pub async fn relogin(&self, who: &Candidate) -> String {
        let login = self.login(&who.email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        login.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A fresh access token for anyone by e-mail address.
    pub async fn relogin_email(&self, email: &str) -> String {
        let login = self.login(email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        login.body["access_token"].as_str().unwrap().to_owned()
    }

    /// An administrator created the way an operator does (the CLI's function), logged in.
    pub async fn admin(&self) -> Candidate {
        let email = format!("admin-{}@example.org", Uuid::new_v4().simple());
        let id = invigilator::cli::admin_create(
            &self.settings,
            &email,
            "Ada Lovelace",
            invigilator::domain::role::Role::Admin,
            PASSWORD.to_owned(),
        )
        .await
        .expect("admin created");
        let login = self.login(&email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        Candidate {
            id,
            email,
            token: login.body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn start_sitting(&self, token: &str, qualification: &str) -> Reply {
        self.post(
            "/api/v1/sittings",
            json!({"qualification": qualification}),
            Some(token),
        )
        .await
    }

    /// Starts a Foundation sitting and returns its body.
    /// The candidate passes a Foundation paper (30 of 40); returns the certificate number.
    pub async fn pass_foundation(&self, who: &Candidate) -> String {
        let sitting = self.start_foundation(&who.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        self.answer_all(&who.token, &id, 30).await;
        let result = self.submit(&who.token, &id).await;
        assert_eq!(result.body["passed"], true, "{}", result.text);
        result.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn start_foundation(&self, token: &str) -> Value {
        let reply = self.start_sitting(token, "iso20000-foundation").await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body
    }

    pub async fn save_answer(
        &self,
        token: &str,
        sitting: &str,
        number: u32,
        choice: &str,
    ) -> Reply {
        self.send(
            reqwest::Method::PUT,
            &format!("/api/v1/sittings/{sitting}/answers/{number}"),
            Some(json!({"choice": choice})),
            Some(token),
        )
        .await
    }

    pub async fn submit(&self, token: &str, sitting: &str) -> Reply {
        self.send(
            reqwest::Method::POST,
            &format!("/api/v1/sittings/{sitting}/submit"),
            None,
            Some(token),
        )
        .await
    }

    pub async fn result(&self, token: &str, sitting: &str) -> Reply {
        self.get(&format!("/api/v1/sittings/{sitting}/result"), Some(token))
            .await
    }

    /// The stored sitting, read straight from the database.
    pub async fn stored(&self, sitting: &str) -> SittingRecord {
        invigilator::persistence::sittings::find(&self.state.db, sitting.parse().unwrap())
            .await
            .unwrap()
            .expect("the sitting is stored")
    }

    /// The label of the key of question `number` as this candidate sees it (read from
    /// the database, as an examiner could; never from a candidate response).
    pub async fn key_of(&self, sitting: &str, number: u32) -> String {
        let record = self.stored(sitting).await;
        match &record.paper.item(number).unwrap().body {
            ItemBody::Classic { key, .. } => option_label(*key),
            other => panic!("not a classic item: {other:?}"),
        }
    }

    /// A label that is not the key.
    pub async fn wrong_of(&self, sitting: &str, number: u32) -> String {
        let key = self.key_of(sitting, number).await;
        if key == "A" { "B".into() } else { "A".into() }
    }

    /// Answers the first `correct` questions right and the rest wrong.
    pub async fn answer_all(&self, token: &str, sitting: &str, correct: u32) {
        for number in 1..=40 {
            let choice = if number <= correct {
                self.key_of(sitting, number).await
            } else {
                self.wrong_of(sitting, number).await
            };
            let reply = self.save_answer(token, sitting, number, &choice).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
    }

    /// A fully correct response to question `number`, in its style's shape.
    pub async fn correct_response(&self, sitting: &str, number: u32) -> Value {
        let record = self.stored(sitting).await;
        let labels = |keys: &[usize]| keys.iter().map(|k| option_label(*k)).collect::<Vec<_>>();
        match &record.paper.item(number).unwrap().body {
            ItemBody::Classic { key, .. } => json!({"choice": option_label(*key)}),
            ItemBody::MultipleResponse { keys, .. } => json!({"choices": labels(keys)}),
            ItemBody::Matching { keys, .. } => json!({"matches": labels(keys)}),
            ItemBody::AssertionReason { keys, .. } => json!({"grades": labels(keys)}),
            ItemBody::Sequencing { keys, .. } => json!({"order": labels(keys)}),
        }
    }

    /// A well-formed response to question `number` that scores nothing.
    pub async fn wrong_response(&self, sitting: &str, number: u32) -> Value {
        let record = self.stored(sitting).await;
        let other = |k: usize, n: usize| option_label((k + 1) % n);
        match &record.paper.item(number).unwrap().body {
            ItemBody::Classic { key, options } => json!({"choice": other(*key, options.len())}),
            ItemBody::MultipleResponse { keys, options, .. } => {
                let wrong: Vec<String> = (0..options.len())
                    .filter(|i| !keys.contains(i))
                    .take(keys.len())
                    .map(option_label)
                    .collect();
                json!({"choices": wrong})
            }
            ItemBody::Matching { keys, options, .. } => {
                json!({"matches": keys.iter().map(|k| other(*k, options.len())).collect::<Vec<_>>()})
            }
            ItemBody::AssertionReason { keys, .. } => {
                json!({"grades": keys.iter().map(|k| other(*k, 5)).collect::<Vec<_>>()})
            }
            ItemBody::Sequencing { keys, .. } => {
                let mut order: Vec<String> = keys.iter().map(|k| option_label(*k)).collect();
                order.reverse();
                json!({"order": order})
            }
        }
    }

    pub async fn put_answer(&self, token: &str, sitting: &str, number: u32, body: Value) -> Reply {
        self.send(
            reqwest::Method::PUT,
            &format!("/api/v1/sittings/{sitting}/answers/{number}"),
            Some(body),
            Some(token),
        )
        .await
    }

    /// Declares an external credential as the candidate; returns the evidence id.
    pub async fn declare_credential(&self, token: &str, kind: &str) -> String {
        let reply = self
            .post(
                "/api/v1/me/credentials",
                json!({"kind": kind, "issuer": "PeopleCert", "certificate_number": "GR750123456", "date": "2024-05-17"}),
                Some(token),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Declares audit experience as the candidate; returns the evidence id.
    pub async fn declare_experience(&self, token: &str, years: u32) -> String {
        let reply = self
            .post(
                "/api/v1/me/experience",
                json!({"years": years, "description": "Internal ISMS and ITSM audits at a managed service provider"}),
                Some(token),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn decide(
        &self,
        admin: &str,
        evidence: &str,
        decision: &str,
        reason: Option<&str>,
    ) -> Reply {
        let mut body = json!({"decision": decision});
        if let Some(reason) = reason {
            body["reason"] = json!(reason);
        }
        self.post(
            &format!("/api/v1/admin/evidence/{evidence}/decision"),
            body,
            Some(admin),
        )
        .await
    }

    /// A date `days` from the server's today, as YYYY-MM-DD.
    pub fn day(&self, days: i64) -> String {
        (self.now().date() + time::Duration::days(days)).to_string()
    }

    /// The token in the invitation link most recently mailed to `email`.
    pub fn invitation_token(&self, email: &str) -> String {
        let messages = self.mail.to(email);
        let link = messages
            .iter()
            .rev()
            .find_map(|m| m.link("https://exams.invigilator.test/invitations/accept#token="))
            .unwrap_or_else(|| panic!("no invitation link mailed to {email}"));
        link.rsplit("token=").next().unwrap().to_owned()
    }

    /// The token in the link starting `prefix` most recently mailed to `email`.
    pub fn link_token(&self, email: &str, prefix: &str) -> String {
        let messages = self.mail.to(email);
        let link = messages
            .iter()
            .rev()
            .find_map(|m| m.link(prefix))
            .unwrap_or_else(|| panic!("no {prefix} link mailed to {email}"));
        link.rsplit("token=").next().unwrap().to_owned()
    }

    /// The holder of `email` confirms the address through the mailed link.
    pub async fn verify_email(&self, email: &str) {
        self.deliver_mail().await;
        let token = self.link_token(
            email,
            "https://exams.invigilator.test/account/verify#token=",
        );
        let verified = self
            .post("/api/v1/auth/verify-email", json!({"token": token}), None)
            .await;
        assert_eq!(verified.status, 204, "{}", verified.text);
    }

    /// The token in the enrolment link most recently mailed to `email`.
    pub fn enrolment_token(&self, email: &str) -> String {
        let messages = self.mail.to(email);
        let link = messages
            .iter()
            .rev()
            .find_map(|m| m.link("https://exams.invigilator.test/enrolments/accept#token="))
            .unwrap_or_else(|| panic!("no enrolment link mailed to {email}"));
        link.rsplit("token=").next().unwrap().to_owned()
    }

    /// The holder of `email` accepts their latest enrolment through the e-mailed link.
    pub async fn accept_enrolment(&self, email: &str) {
        self.deliver_mail().await;
        let token = self.enrolment_token(email);
        let accepted = self
            .post("/api/v1/enrolments/accept", json!({"token": token}), None)
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
    }

    /// A training organization accredited for `qualifications` (from 300 days ago for a
    /// year and more), and a logged-in member of its staff, invited by e-mail as in life.
    pub async fn ato(&self, admin: &Candidate, qualifications: &[&str]) -> Staff {
        let created = self
            .post("/api/v1/admin/atos", json!({"name": format!("Training {}", Uuid::new_v4().simple()), "country": "GB", "contact_email": "office@training.example"}), Some(&admin.token))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let ato = created.body["id"].as_str().unwrap().to_owned();
        for q in qualifications {
            let accredited = self
                .post(&format!("/api/v1/admin/atos/{ato}/accreditations"), json!({"qualification": q, "valid_from": self.day(-300), "valid_until": self.day(400)}), Some(&admin.token))
                .await;
            assert_eq!(accredited.status, 201, "{}", accredited.text);
        }
        let email = format!("staff-{}@training.example", Uuid::new_v4().simple());
        let invited = self
            .post(
                &format!("/api/v1/admin/atos/{ato}/invitations"),
                json!({"email": email}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(invited.status, 202, "{}", invited.text);
        self.deliver_mail().await;
        let token = self.invitation_token(&email);
        let accepted = self
            .post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD, "given_name": "Tomasz", "family_name": "Kowal"}), None)
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        let login = self.login(&email, PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        Staff {
            ato,
            email,
            token: login.body["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// The id of organization `ato`'s first accreditation, as the administrator sees it.
    pub async fn first_accreditation(&self, admin: &Candidate, ato: &str) -> String {
        let detail = self
            .get(&format!("/api/v1/admin/atos/{ato}"), Some(&admin.token))
            .await;
        assert_eq!(detail.status, 200, "{}", detail.text);
        detail.body["accreditations"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A course of the staff member's ATO; returns its id. Staff announce future courses;
    /// one that starts in the past is recorded by an administrator, as in life.
    pub async fn course(
        &self,
        staff: &Staff,
        qualification: &str,
        starts: i64,
        ends: i64,
    ) -> String {
        let body = json!({"qualification": qualification, "title": "ISO/IEC 20000 course", "starts_on": self.day(starts), "ends_on": self.day(ends), "delivery": "classroom", "trainer_name": "Maria Nowak"});
        let reply = if starts >= 0 {
            self.post("/api/v1/ato/courses", body, Some(&staff.token))
                .await
        } else {
            let admin = self.admin().await;
            self.post(
                &format!("/api/v1/admin/atos/{}/courses", staff.ato),
                body,
                Some(&admin.token),
            )
            .await
        };
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Enrols `email` on a course (JSON), the candidate accepts, and the organization
    /// records `outcome`; returns the enrolment id.
    pub async fn enrol_and_record(
        &self,
        staff: &Staff,
        course: &str,
        email: &str,
        outcome: &str,
    ) -> String {
        let enrolled = self
            .post(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                json!({"given_name": "Zoë", "family_name": "O'Brien", "email": email}),
                Some(&staff.token),
            )
            .await;
        assert_eq!(enrolled.status, 200, "{}", enrolled.text);
        if enrolled.body["result"] == "linked" {
            self.accept_enrolment(email).await;
        }
        let list = self
            .get(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                Some(&staff.token),
            )
            .await;
        let enrolment = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let recorded = self
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/ato/courses/{course}/enrolments/{enrolment}/outcome"),
                Some(json!({"outcome": outcome})),
                Some(&staff.token),
            )
            .await;
        assert_eq!(recorded.status, 200, "{}", recorded.text);
        enrolment
    }

    /// The candidate completes an accredited Auditor course that ended yesterday.
    pub async fn complete_auditor_course(&self, admin: &Candidate, candidate: &Candidate) {
        let staff = self.ato(admin, &["iso20000-auditor"]).await;
        let course = self.course(&staff, "iso20000-auditor", -5, -1).await;
        self.enrol_and_record(&staff, &course, &candidate.email, "completed")
            .await;
    }

    /// Sends what is due in the outbox, as a server's timer would (every server's at
    /// once when there are several); returns how many.
    pub async fn deliver_mail(&self) -> usize {
        let now = self.clock.now();
        futures_util::future::join_all(
            self.states
                .iter()
                .map(|state| invigilator::app::notifications::deliver_due(state, now)),
        )
        .await
        .into_iter()
        .map(|sent| sent.unwrap())
        .sum()
    }

    pub fn advance(&self, by: time::Duration) {
        self.clock.advance(by);
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Runs the background sweeper's work once, as a server's timer would (every
    /// server's at once when there are several); returns how many sittings it closed.
    pub async fn sweep(&self) -> usize {
        let now = self.clock.now();
        futures_util::future::join_all(
            self.states
                .iter()
                .map(|state| invigilator::app::sittings::close_overdue(state, now)),
        )
        .await
        .into_iter()
        .map(|closed| closed.unwrap())
        .sum()
    }
}

impl TestApp {
    /// The URL of the database behind the test's servers.
    pub fn database_url(&self) -> String {
        use secrecy::ExposeSecret;
        self.settings.database.url.expose_secret().to_owned()
    }

    /// Another server with this one's settings and clock but on the database at `url`
    /// (which the server migrates): a server started on an upgraded or restored database.
    pub async fn spawn_on_database(&self, url: &str) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mail = crate::mail::MailServer::start();
        let mut settings = self.settings.clone();
        settings.database.url = url.to_owned().into();
        settings.email.smtp_port = mail.port;
        let app = Application::build_with_clock(settings.clone(), Arc::new(self.clock.clone()))
            .await
            .expect("the application builds on the database");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            mail,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            clock: self.clock.clone(),
            state: state.clone(),
            states: vec![state],
            proxy: None,
            settings,
            _dir: dir,
        }
    }
}

/// A fresh, empty database for a test on `engine` (a file in `dir` on SQLite).
pub async fn empty_database(engine: &Engine, dir: &Path) -> String {
    fresh_database(engine, dir).await
}

/// A registered account made an invigilator by the administrator, logged in again so
/// its token carries the role.
pub async fn invigilator(app: &TestApp, admin: &Candidate) -> Candidate {
    let mut who = app.candidate().await;
    let granted = app
        .post(
            &format!("/api/v1/admin/accounts/{}/roles", who.id),
            json!({"role": "invigilator", "granted": true}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert!(
        granted.body["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("invigilator"))
    );
    who.token = app.relogin(&who).await;
    who
}
