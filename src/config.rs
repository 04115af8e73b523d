//! Layered settings: `config/base.toml`, then the `APP_ENVIRONMENT` overlay, then `APP_…`
//! environment variables (`APP_DATABASE__URL`). Secrets stay wrapped so they never print.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr)]
#[strum(serialize_all = "lowercase")]
pub enum Environment {
    Local,
    Production,
    Test,
}

impl TryFrom<String> for Environment {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.to_lowercase().as_str() {
            "local" => Ok(Self::Local),
            "production" => Ok(Self::Production),
            "test" => Ok(Self::Test),
            other => Err(format!(
                "{other} is not a supported environment: use local, production or test"
            )),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub pools: PoolSettings,
    pub sittings: SittingSettings,
    pub email: EmailSettings,
    pub certificates: CertificateSettings,
    #[serde(default)]
    pub throttle: ThrottleSettings,
    #[serde(default)]
    pub statistics: StatisticsSettings,
    #[serde(default)]
    pub log: LogSettings,
    #[serde(default)]
    pub retention: RetentionSettings,
    #[serde(default)]
    pub portal: PortalSettings,
    #[serde(default)]
    pub materials: MaterialSettings,
    #[serde(skip_deserializing, default = "default_environment")]
    #[serde(serialize_with = "environment_name")]
    pub environment: Environment,
}

fn default_session_max_days() -> i64 {
    30
}

fn yes() -> bool {
    true
}

fn default_password_reset_minutes() -> i64 {
    60
}

fn default_environment() -> Environment {
    Environment::Local
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub json_limit_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed; every other peer is the
    /// client itself, whatever headers it sends.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The bearer token `/metrics` asks for. Without one, only a client on this machine
    /// (a loopback peer) may read it.
    #[serde(default, serialize_with = "redacted_option")]
    pub metrics_token: Option<SecretString>,
    /// On SIGTERM or SIGINT, how long the requests in flight have to finish before their
    /// connections are closed.
    #[serde(default = "default_shutdown_timeout_seconds")]
    pub shutdown_timeout_seconds: u64,
    /// Before that, how long the server goes on serving with readiness answering 503,
    /// so a load balancer stops sending it requests before it stops taking them.
    #[serde(default)]
    pub shutdown_drain_seconds: u64,
}

fn default_shutdown_timeout_seconds() -> u64 {
    30
}

/// The public scheme portal's editable pages.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PortalSettings {
    /// Folder of the Markdown pages (`faq.md`, `contact.md`), read when a page is asked for.
    pub content_dir: PathBuf,
}

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            content_dir: PathBuf::from("content"),
        }
    }
}

/// How log lines are written (to standard error).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LogSettings {
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, coloured on a terminal.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Limits on the endpoints an attacker hammers: requests per client address per
/// minute, and a growing wait after repeated failed sign-ins to one account from one
/// address (so the owner, signing in from elsewhere, is never locked out).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ThrottleSettings {
    pub login_per_minute: u32,
    pub register_per_minute: u32,
    pub password_reset_per_minute: u32,
    /// Using an e-mailed link: accepting an invitation or enrolment, verifying an
    /// address, setting a password through a reset link.
    pub links_per_minute: u32,
    pub refresh_per_minute: u32,
    /// Roster uploads per training organization per minute.
    pub roster_uploads_per_minute: u32,
    /// Failed sign-ins to one account from one address before the wait starts.
    pub login_failures_before_backoff: u32,
    /// The wait doubles with each further failure, up to this.
    pub max_backoff_seconds: u64,
    /// How long a request waits for the password-hashing queue before it is refused
    /// with 503 and `Retry-After`.
    pub hash_queue_wait_ms: u64,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            login_per_minute: 30,
            register_per_minute: 10,
            password_reset_per_minute: 5,
            links_per_minute: 20,
            refresh_per_minute: 60,
            roster_uploads_per_minute: 5,
            login_failures_before_backoff: 5,
            max_backoff_seconds: 900,
            hash_queue_wait_ms: 1000,
        }
    }
}

/// Item statistics: how many sittings are read, and when an item is flagged (see the
/// README for why these defaults).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct StatisticsSettings {
    /// The latest scored sittings of a qualification the item statistics read.
    pub sample_sittings: u64,
    pub facility_low: f64,
    pub facility_high: f64,
    pub min_point_biserial: f64,
    pub min_upper_lower: f64,
    /// Moodle's "needs checking": discriminative efficiency below this.
    pub min_efficiency: f64,
    /// No flag for an item given to fewer candidates than this.
    pub min_candidates: u64,
}

impl Default for StatisticsSettings {
    fn default() -> Self {
        Self {
            sample_sittings: 500,
            facility_low: 0.30,
            facility_high: 0.90,
            min_point_biserial: 0.20,
            min_upper_lower: 0.20,
            min_efficiency: 0.15,
            min_candidates: 30,
        }
    }
}

/// How long personal data that is no longer needed is kept, in days (0: for ever); the
/// sweeper removes it once the period has passed. Why these defaults: `config/base.toml`
/// and "Data protection" in the README.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RetentionSettings {
    /// After a sitting closes, its responses and paper content (its outcome stays).
    pub closed_sittings_days: u32,
    /// After the decision on a declaration, its free-text description.
    pub evidence_days: u32,
    /// After an e-mail is sent, its body (recipient, subject and times stay).
    pub email_body_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            closed_sittings_days: 365,
            evidence_days: 180,
            email_body_days: 30,
        }
    }
}

/// Course materials: the largest file accepted, and how long after a course's last day
/// its delegates may still download its materials. Why these defaults: `config/base.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MaterialSettings {
    /// The largest uploaded file, in bytes.
    pub max_bytes: usize,
    /// Days after the course's last day that its delegates keep access.
    pub access_days_after_course: u32,
}

impl Default for MaterialSettings {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            access_days_after_course: 180,
        }
    }
}

#[derive(Clone, Deserialize, Serialize)]
pub struct DatabaseSettings {
    #[serde(serialize_with = "redacted_url")]
    pub url: SecretString,
    pub max_connections: u32,
    /// How long a request waits for a database connection before it is answered 503
    /// (the database down or restarting, or every connection busy).
    #[serde(default = "default_acquire_timeout_seconds")]
    pub acquire_timeout_seconds: u64,
}

fn default_acquire_timeout_seconds() -> u64 {
    3
}

impl DatabaseSettings {
    pub fn is_sqlite(&self) -> bool {
        self.url.expose_secret().starts_with("sqlite:")
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_seconds", &self.acquire_timeout_seconds)
            .finish()
    }
}

/// Shows a database URL with any password replaced, so it can be logged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            if credentials.contains(':') {
                format!("{scheme}://{user}:[redacted]@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_owned(),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    /// However often it is refreshed, a login ends this many days after it began.
    #[serde(default = "default_session_max_days")]
    pub session_max_days: i64,
    /// An account verifies its e-mail address before it may sit a paper. A body that
    /// verifies identity another way turns it off (`APP_AUTH__REQUIRE_VERIFIED_EMAIL`).
    #[serde(default = "yes")]
    pub require_verified_email: bool,
    /// How long a password reset link works.
    #[serde(default = "default_password_reset_minutes")]
    pub password_reset_minutes: i64,
    #[serde(default, serialize_with = "redacted_option")]
    pub jwt_secret: Option<SecretString>,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub max_concurrent_hashes: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PoolSettings {
    pub dir: PathBuf,
    /// Lets a production server run on a sample bank (one whose `scheme.toml` says
    /// `sample = true`, like the pools shipped with Invigilator, whose keys are public).
    #[serde(default)]
    pub allow_sample: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SittingSettings {
    pub sweep_interval_seconds: u64,
    /// For browser tests only (refused in production): a file holding a number of seconds
    /// the server's clock runs ahead of the system clock, so a test can let an exam's time
    /// pass without waiting for it.
    #[serde(default)]
    pub test_clock_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    Smtp,
    File,
    Memory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EmailSettings {
    pub transport: EmailTransport,
    pub from: String,
    pub public_base_url: String,
    pub file_dir: PathBuf,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    #[serde(default)]
    pub smtp_username: Option<String>,
    #[serde(default, serialize_with = "redacted_option")]
    pub smtp_password: Option<SecretString>,
    pub deliver_interval_seconds: u64,
    pub max_attempts: u32,
    pub invitation_days: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CertificateSettings {
    pub issuer: String,
    pub key_id: String,
    #[serde(default, serialize_with = "redacted_option")]
    pub signing_key: Option<SecretString>,
    /// Public keys of earlier signing keys, still published so older certificates verify.
    #[serde(default)]
    pub previous_keys: Vec<PublishedKey>,
    pub verification_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PublishedKey {
    pub kid: String,
    /// The 32-byte public key, base64url without padding (as in a JWK's `x`).
    pub x: String,
}

/// What a secret shows as in `invigilator config check`: that it is set, never its value.
pub const REDACTED: &str = "[redacted]";

fn redacted_option<S: serde::Serializer>(
    value: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => serializer.serialize_str(REDACTED),
        None => serializer.serialize_none(),
    }
}

fn redacted_url<S: serde::Serializer>(
    value: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&redact_url(value.expose_secret()))
}

fn environment_name<S: serde::Serializer>(
    value: &Environment,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_ref())
}

/// Reads the settings from `<base>/config` for the environment named by `APP_ENVIRONMENT`
/// (default `local`), then `APP_…` variables.
pub fn get_settings_from(base: &Path) -> Result<Settings, config::ConfigError> {
    let environment: Environment = std::env::var("APP_ENVIRONMENT")
        .unwrap_or_else(|_| "local".into())
        .try_into()
        .map_err(config::ConfigError::Message)?;
    load(base, environment)
}

/// Reads the settings from `<base>/config` for `environment`, then `APP_…` variables.
pub fn load(base: &Path, environment: Environment) -> Result<Settings, config::ConfigError> {
    let dir = base.join("config");
    let settings = config::Config::builder()
        .add_source(config::File::from(dir.join("base.toml")))
        .add_source(
            config::File::from(dir.join(format!("{}.toml", environment.as_ref()))).required(false),
        )
        .add_source(
            config::Environment::with_prefix("APP")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("server.trusted_proxies"),
        )
        .build()?;
    let mut settings: Settings = settings.try_deserialize()?;
    settings.environment = environment;
    if !settings.pools.dir.is_absolute() {
        settings.pools.dir = base.join(&settings.pools.dir);
    }
    if !settings.email.file_dir.is_absolute() {
        settings.email.file_dir = base.join(&settings.email.file_dir);
    }
    Ok(settings)
}

/// Reads the settings relative to the current directory.
pub fn get_settings() -> Result<Settings, config::ConfigError> {
    get_settings_from(Path::new("."))
}

pub mod review;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_password_is_redacted() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/invigilator"),
            "postgres://app:[redacted]@db:5432/invigilator"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
