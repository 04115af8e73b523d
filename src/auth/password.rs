//! Argon2id password hashing on the blocking pool, with a bound on how many hashes run
//! at once so a login storm queues instead of starving the server.

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::config::AuthSettings;
use crate::telemetry::spawn_blocking_with_tracing;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// A hash of nothing in particular, verified when an account does not exist so a
    /// failed login takes as long either way.
    dummy_hash: Arc<String>,
    /// How long a request waits for a permit before it is refused (`Busy`).
    queue_wait: std::time::Duration,
}

/// The hashing queue is full: the caller answers 503 with `Retry-After` rather than
/// letting requests wait without end.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy checking passwords; try again shortly")]
pub struct Busy;

impl PasswordHasher {
    pub fn new(settings: &AuthSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let dummy_hash = hash_blocking(&params, "a password nobody has")?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent_hashes.max(1))),
            dummy_hash: Arc::new(dummy_hash),
            queue_wait: std::time::Duration::from_secs(2),
        })
    }

    /// Sets how long a request waits for the hashing queue.
    pub fn with_queue_wait(mut self, wait: std::time::Duration) -> Self {
        self.queue_wait = wait;
        self
    }

    async fn permit(&self) -> anyhow::Result<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(self.queue_wait, self.permits.acquire()).await {
            Ok(permit) => Ok(permit?),
            Err(_) => Err(Busy.into()),
        }
    }

    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        let _permit = self.permit().await?;
        let params = self.params.clone();
        spawn_blocking_with_tracing(move || hash_blocking(&params, password.expose_secret()))
            .await?
    }

    /// Verifies against `hash`, or against a dummy hash when there is no account, so the
    /// answer and its timing do not reveal whether the account exists.
    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> anyhow::Result<bool> {
        let _permit = self.permit().await?;
        let exists = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let matched = spawn_blocking_with_tracing(move || {
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
            Ok::<bool, anyhow::Error>(
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok(),
            )
        })
        .await??;
        Ok(exists && matched)
    }
}

fn hash_blocking(params: &Params, password: &str) -> anyhow::Result<String> {
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let hash = argon2
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(hash.to_string())
}
