//! Access tokens (HS256 JWTs, algorithm pinned, `iss`/`aud`/`exp`/`iat`/`sub` required)
//! and refresh tokens (random, stored only as a SHA-256 hash). Expiry is checked against
//! the server's clock, not the machine's.

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::AuthSettings;
use crate::domain::role::Role;

/// Seconds of clock difference tolerated on `exp` and `iat`.
const LEEWAY_SECONDS: i64 = 30;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    iat: i64,
    exp: i64,
    roles: Vec<Role>,
    /// The account's token version when the token was issued.
    ver: i32,
}

#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl: time::Duration,
    pub refresh_ttl: time::Duration,
    /// The absolute lifetime of a login.
    pub session_max: time::Duration,
}

#[derive(Debug, Clone)]
pub struct Verified {
    pub user_id: Uuid,
    pub roles: Vec<Role>,
    /// Checked against the account's current version on every request.
    pub version: i32,
}

impl TokenService {
    pub fn new(settings: &AuthSettings, secret: &SecretString) -> Self {
        let key = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        // Expiry is checked below against the injected clock.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: time::Duration::minutes(settings.access_token_minutes),
            refresh_ttl: time::Duration::days(settings.refresh_token_days),
            session_max: time::Duration::days(settings.session_max_days.max(1)),
        }
    }

    pub fn issue_access(
        &self,
        user_id: Uuid,
        roles: &[Role],
        version: i32,
        now: OffsetDateTime,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            iat: now.unix_timestamp(),
            exp: (now + self.access_ttl).unix_timestamp(),
            roles: roles.to_vec(),
            ver: version,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// None for any token that is malformed, forged, for another audience, or expired.
    pub fn verify_access(&self, token: &str, now: OffsetDateTime) -> Option<Verified> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let now = now.unix_timestamp();
        if data.claims.exp + LEEWAY_SECONDS <= now || data.claims.iat - LEEWAY_SECONDS > now {
            return None;
        }
        Some(Verified {
            user_id: data.claims.sub.parse().ok()?,
            roles: data.claims.roles,
            version: data.claims.ver,
        })
    }
}

/// A new refresh token: what the client keeps, and the hash the database keeps.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random secret for local runs without a configured one.
pub fn random_secret() -> SecretString {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn settings() -> AuthSettings {
        AuthSettings {
            issuer: "invigilator".into(),
            audience: "api".into(),
            access_token_minutes: 15,
            refresh_token_days: 14,
            session_max_days: 30,
            require_verified_email: true,
            password_reset_minutes: 60,
            jwt_secret: None,
            argon2_memory_kib: 64,
            argon2_iterations: 1,
            argon2_parallelism: 1,
            max_concurrent_hashes: 1,
        }
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let service = TokenService::new(&settings(), &SecretString::from("k".repeat(40)));
        let now = datetime!(2026-11-21 09:00:00 UTC);
        let user = Uuid::now_v7();
        let token = service
            .issue_access(user, &[Role::Candidate], 0, now)
            .expect("issued");
        let verified = service
            .verify_access(&token, now + time::Duration::minutes(14))
            .expect("valid");
        assert_eq!(verified.user_id, user);
        assert_eq!(verified.roles, [Role::Candidate]);
        assert!(
            service
                .verify_access(&token, now + time::Duration::minutes(16))
                .is_none()
        );
    }

    #[test]
    fn a_token_signed_with_another_key_or_for_another_audience_is_refused() {
        let now = datetime!(2026-11-21 09:00:00 UTC);
        let ours = TokenService::new(&settings(), &SecretString::from("k".repeat(40)));
        let theirs = TokenService::new(&settings(), &SecretString::from("x".repeat(40)));
        let token = theirs
            .issue_access(Uuid::now_v7(), &[Role::Admin], 0, now)
            .expect("issued");
        assert!(ours.verify_access(&token, now).is_none());
        let other_audience = TokenService::new(
            &AuthSettings {
                audience: "elsewhere".into(),
                ..settings()
            },
            &SecretString::from("k".repeat(40)),
        );
        let token = other_audience
            .issue_access(Uuid::now_v7(), &[], 0, now)
            .expect("issued");
        assert!(ours.verify_access(&token, now).is_none());
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let service = TokenService::new(&settings(), &SecretString::from("k".repeat(40)));
        let now = datetime!(2026-11-21 09:00:00 UTC);
        let token = service
            .issue_access(Uuid::now_v7(), &[Role::Admin], 0, now)
            .expect("issued");
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        parts[2] = "";
        assert!(service.verify_access(&parts.join("."), now).is_none());
    }

    #[test]
    fn a_refresh_token_is_stored_only_as_its_hash() {
        let (token, hash) = new_refresh_token();
        assert_ne!(token, hash);
        assert_eq!(hash_refresh_token(&token), hash);
        assert_eq!(hash.len(), 64);
    }
}
