//! `invigilator config check`: the effective configuration with its secrets redacted, and
//! what is unsafe for production, with a failing exit status in production.

use std::process::Command;

use crate::helpers::repo_root;

const SECRET: &str = "a-jwt-secret-nobody-may-read-in-a-terminal-0123456789";
const SMTP_PASSWORD: &str = "smtp-password-never-printed";

fn config_check(environment: &str, extra: &[(&str, &str)]) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_invigilator"));
    command
        .current_dir(repo_root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENVIRONMENT", environment)
        .env("APP_AUTH__JWT_SECRET", SECRET)
        .env("APP_EMAIL__SMTP_PASSWORD", SMTP_PASSWORD)
        .env(
            "APP_DATABASE__URL",
            "postgres://invigilator:db-password-hidden@db.internal/invigilator",
        )
        .args(["config", "check"]);
    for (k, v) in extra {
        command.env(k, v);
    }
    let output = command.output().expect("run invigilator config check");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn config_check_prints_the_settings_with_every_secret_redacted() {
    let (status, out) = config_check("local", &[]);
    assert_eq!(status, 0, "outside production it only reports: {out}");
    for secret in [SECRET, SMTP_PASSWORD, "db-password-hidden"] {
        assert!(!out.contains(secret), "{secret} printed:\n{out}");
    }
    assert!(
        out.contains("url = \"postgres://invigilator:[redacted]@db.internal/invigilator\""),
        "{out}"
    );
    assert!(out.contains("jwt_secret = \"[redacted]\""), "{out}");
    assert!(out.contains("smtp_password = \"[redacted]\""), "{out}");
    // The effective values, overlay and environment applied.
    assert!(out.contains("environment = \"local\""), "{out}");
    assert!(out.contains("[throttle]"), "{out}");
    assert!(out.contains("UNSAFE APP_ENVIRONMENT: is local"), "{out}");
}

#[test]
fn config_check_fails_in_production_naming_what_is_unsafe() {
    let (status, out) = config_check("production", &[("APP_EMAIL__SMTP_TLS", "none")]);
    assert_eq!(status, 1, "{out}");
    for unsafe_setting in [
        "UNSAFE APP_CERTIFICATES__SIGNING_KEY: is not set",
        "UNSAFE APP_EMAIL__PUBLIC_BASE_URL: is http://127.0.0.1:8000",
        "UNSAFE APP_EMAIL__SMTP_TLS: is none",
        "UNSAFE APP_POOLS__DIR:",
    ] {
        assert!(
            out.contains(unsafe_setting),
            "{unsafe_setting} missing:\n{out}"
        );
    }
    assert!(
        !out.contains("UNSAFE APP_AUTH__JWT_SECRET"),
        "the secret is long enough: {out}"
    );
    assert!(!out.contains(SECRET), "{out}");
}

#[test]
fn config_check_names_a_signing_key_that_does_not_parse() {
    let (status, out) = config_check(
        "production",
        &[(
            "APP_CERTIFICATES__SIGNING_KEY",
            "-----BEGIN PRIVATE KEY-----\nnot a key\n",
        )],
    );
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("UNSAFE APP_CERTIFICATES__SIGNING_KEY: APP_CERTIFICATES__SIGNING_KEY is not an Ed25519 PKCS#8 PEM key"),
        "{out}"
    );
    assert!(
        !out.contains("not a key"),
        "the key's text is not printed: {out}"
    );
}
