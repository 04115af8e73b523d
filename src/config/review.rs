//! What `invigilator config check` says about a configuration: each setting that is unsafe
//! for a production server, and each that an operator should know about. The server
//! itself refuses to start in production on the worst of these (no JWT secret, no
//! signing key, a public address without https, a movable clock); the check names them
//! all at once, before a deployment, and also the ones the server accepts.

use secrecy::ExposeSecret;

use super::{EmailTransport, Settings, SmtpTls};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; fine for some deployments.
    Note,
    /// Not for a production server.
    Unsafe,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Unsafe => "UNSAFE",
        }
    }
}

/// One thing said about one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// The setting, as its environment variable names it (`APP_AUTH__JWT_SECRET`).
    pub setting: &'static str,
    pub message: String,
}

fn unsafe_(setting: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Unsafe,
        setting,
        message: message.into(),
    }
}

fn note(setting: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        severity: Severity::Note,
        setting,
        message: message.into(),
    }
}

/// OWASP's minimum for Argon2id: 19 MiB of memory and two passes.
const ARGON2_MIN_MEMORY_KIB: u32 = 19_456;
const ARGON2_MIN_ITERATIONS: u32 = 2;

/// Everything to say about `settings` for production, the unsafe findings first. Reads
/// nothing but the settings (the pools and the key's contents are checked by the caller).
pub fn review(settings: &Settings) -> Vec<Finding> {
    let mut findings = Vec::new();
    if settings.environment != super::Environment::Production {
        findings.push(unsafe_(
            "APP_ENVIRONMENT",
            format!(
                "is {}: a production server runs with APP_ENVIRONMENT=production, which enforces the checks below at start-up",
                settings.environment.as_ref()
            ),
        ));
    }
    match &settings.auth.jwt_secret {
        None => findings.push(unsafe_(
            "APP_AUTH__JWT_SECRET",
            "is not set: a random secret is made at each start, so every sign-in ends at a restart and several servers cannot share sign-ins",
        )),
        Some(s) if s.expose_secret().len() < 32 => findings.push(unsafe_(
            "APP_AUTH__JWT_SECRET",
            format!(
                "is {} bytes: use at least 32 random bytes",
                s.expose_secret().len()
            ),
        )),
        Some(_) => {}
    }
    if settings.certificates.signing_key.is_none() {
        findings.push(unsafe_(
            "APP_CERTIFICATES__SIGNING_KEY",
            "is not set: a throwaway key signs certificates, and they stop verifying after a restart",
        ));
    }
    let base = &settings.email.public_base_url;
    if !base.starts_with("https://") {
        findings.push(unsafe_(
            "APP_EMAIL__PUBLIC_BASE_URL",
            format!(
                "is {base}: links in e-mails and on certificates carry tokens and codes, so the public address must be https"
            ),
        ));
    } else if base.contains("localhost") || base.contains("127.0.0.1") {
        findings.push(unsafe_(
            "APP_EMAIL__PUBLIC_BASE_URL",
            format!("is {base}: candidates cannot reach a loopback address"),
        ));
    }
    match settings.email.transport {
        EmailTransport::Smtp => {
            if settings.email.smtp_tls == SmtpTls::None {
                findings.push(unsafe_(
                    "APP_EMAIL__SMTP_TLS",
                    "is none: passwords links and results would cross the network in clear; use starttls or tls",
                ));
            }
        }
        EmailTransport::File | EmailTransport::Memory => findings.push(unsafe_(
            "APP_EMAIL__TRANSPORT",
            format!(
                "is {:?}: no e-mail leaves the server (invitations, results, password resets); use smtp",
                settings.email.transport
            )
            .to_lowercase(),
        )),
    }
    if settings.sittings.test_clock_file.is_some() {
        findings.push(unsafe_(
            "APP_SITTINGS__TEST_CLOCK_FILE",
            "is set: the server's clock follows a file anyone who can write it controls (browser tests only; refused in production)",
        ));
    }
    if settings.pools.allow_sample {
        findings.push(unsafe_(
            "APP_POOLS__ALLOW_SAMPLE",
            "is true: a published sample bank, whose keys anyone can read, may be delivered",
        ));
    }
    if settings.auth.argon2_memory_kib < ARGON2_MIN_MEMORY_KIB
        || settings.auth.argon2_iterations < ARGON2_MIN_ITERATIONS
    {
        findings.push(unsafe_(
            "APP_AUTH__ARGON2_MEMORY_KIB",
            format!(
                "Argon2id costs {} KiB × {} passes are below OWASP's minimum ({ARGON2_MIN_MEMORY_KIB} KiB × {ARGON2_MIN_ITERATIONS})",
                settings.auth.argon2_memory_kib, settings.auth.argon2_iterations
            ),
        ));
    }
    if settings.database.is_sqlite() {
        let url = settings.database.url.expose_secret();
        let path = url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap_or_default();
        if !path.starts_with('/') {
            findings.push(note(
                "APP_DATABASE__URL",
                format!(
                    "the SQLite file {path} is relative to the working directory: give an absolute path on a volume that is backed up"
                ),
            ));
        }
        findings.push(note(
            "APP_DATABASE__URL",
            "SQLite serves one server process; to run several servers, use PostgreSQL",
        ));
    }
    if settings.server.host == "127.0.0.1" || settings.server.host == "localhost" {
        findings.push(note(
            "APP_SERVER__HOST",
            "listens on loopback only: right behind a reverse proxy on the same machine, unreachable otherwise",
        ));
    } else if settings.server.trusted_proxies.is_empty() {
        findings.push(note(
            "APP_SERVER__TRUSTED_PROXIES",
            "is empty: behind a reverse proxy, every client would seem to be the proxy (one throttle and one audit address for all); list the proxy's address",
        ));
    }
    if settings.server.metrics_token.is_none() {
        findings.push(note(
            "APP_SERVER__METRICS_TOKEN",
            "is not set: only a client on this machine may read /metrics",
        ));
    }
    if !settings.auth.require_verified_email {
        findings.push(note(
            "APP_AUTH__REQUIRE_VERIFIED_EMAIL",
            "is false: candidates may sit papers without verifying their address; make sure identity is checked another way",
        ));
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    findings
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{Environment, load};

    fn repo_settings(environment: Environment) -> Settings {
        load(Path::new(env!("CARGO_MANIFEST_DIR")), environment).expect("the shipped settings")
    }

    fn settings_named(findings: &[Finding], severity: Severity) -> Vec<&'static str> {
        findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| f.setting)
            .collect()
    }

    #[test]
    fn the_developer_defaults_are_named_unsafe_for_production() {
        let findings = review(&repo_settings(Environment::Local));
        let flagged = settings_named(&findings, Severity::Unsafe);
        for setting in [
            "APP_ENVIRONMENT",
            "APP_AUTH__JWT_SECRET",
            "APP_CERTIFICATES__SIGNING_KEY",
            "APP_EMAIL__PUBLIC_BASE_URL",
            "APP_EMAIL__TRANSPORT",
        ] {
            assert!(flagged.contains(&setting), "{setting} not in {flagged:?}");
        }
        assert_eq!(findings[0].severity, Severity::Unsafe, "unsafe ones first");
    }

    #[test]
    fn a_complete_production_configuration_has_no_unsafe_finding() {
        let mut s = repo_settings(Environment::Production);
        s.auth.jwt_secret = Some("k".repeat(48).into());
        s.certificates.signing_key = Some("-----BEGIN PRIVATE KEY-----".to_owned().into());
        s.email.public_base_url = "https://exams.example.org".into();
        s.database.url = "postgres://app:pw@db/invigilator".to_owned().into();
        s.server.trusted_proxies = vec![std::net::IpAddr::from([10, 0, 0, 2])];
        let findings = review(&s);
        assert_eq!(
            settings_named(&findings, Severity::Unsafe),
            Vec::<&str>::new()
        );
        assert!(
            findings
                .iter()
                .all(|f| !f.message.contains("pw@") && !f.message.contains("kkkk")),
            "{findings:?}"
        );
    }

    #[test]
    fn a_short_secret_and_clear_smtp_are_unsafe() {
        let mut s = repo_settings(Environment::Production);
        s.auth.jwt_secret = Some("short".to_owned().into());
        s.email.smtp_tls = SmtpTls::None;
        let flagged = settings_named(&review(&s), Severity::Unsafe);
        assert!(flagged.contains(&"APP_AUTH__JWT_SECRET"), "{flagged:?}");
        assert!(flagged.contains(&"APP_EMAIL__SMTP_TLS"), "{flagged:?}");
    }
}
