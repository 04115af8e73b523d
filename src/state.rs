//! What every use case and handler can reach: the database, the scheme's catalog, the
//! server clock and the services built from the settings. Built once by `startup`; it
//! holds infrastructure only, so every layer above can depend on it.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::{password::PasswordHasher, tokens::TokenService};
use crate::clock::Clock;
use crate::config::ThrottleSettings;
use crate::email::Mailer;
use crate::pools::Catalog;
use crate::signing::CertificateSigner;

pub struct AppState {
    pub db: DatabaseConnection,
    pub catalog: Arc<Catalog>,
    pub clock: Arc<dyn Clock>,
    pub tokens: TokenService,
    pub passwords: PasswordHasher,
    pub mailer: Mailer,
    /// The key that signs certificates.
    pub signer: CertificateSigner,
    /// The certification body named on certificates.
    pub issuer_name: String,
    /// How long invitation links stay valid.
    pub invitation_ttl: time::Duration,
    /// How long a password reset link stays valid.
    pub reset_ttl: time::Duration,
    /// Whether an account must verify its e-mail address before it sits a paper.
    pub require_verified_email: bool,
    /// Limits on sign-in, registration and the e-mailed links.
    pub throttle: ThrottleSettings,
    /// Certificate lookups per client address per minute.
    pub verification_per_minute: u32,
}

impl AppState {
    /// The address the public reaches the server at, without a trailing slash.
    pub fn public_base_url(&self) -> &str {
        &self.mailer.public_base_url
    }
}
