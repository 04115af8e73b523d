//! What every use case and handler can reach: the database, the scheme's catalog, the
//! server clock and the services built from the settings. Built once by `startup`; it
//! holds infrastructure only, so every layer above can depend on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::auth::{password::PasswordHasher, tokens::TokenService};
use crate::clock::Clock;
use crate::config::{MaterialSettings, RetentionSettings, StatisticsSettings, ThrottleSettings};
use crate::domain::sitting::SittingFacts;
use crate::email::Mailer;
use crate::persistence::answer_writer::AnswerWriter;
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
    /// Answer saves, committed in groups.
    pub answers: AnswerWriter,
    /// What never changes about the sittings in progress, so a save need not read
    /// the paper.
    pub sitting_facts: FactsCache,
    /// How many sittings item statistics read, and their flag thresholds.
    pub statistics: StatisticsSettings,
    /// Cancelled when the server begins to shut down (SIGTERM, SIGINT, or
    /// [`crate::startup::Application::shutdown`]): readiness answers 503 from then on,
    /// and the background workers stop after the item they are on.
    pub shutdown: CancellationToken,
    /// How long personal data that is no longer needed is kept.
    pub retention: RetentionSettings,
    /// The portal's editable Markdown pages (`[portal] content_dir`).
    pub content_dir: std::path::PathBuf,
    /// The largest course material file and how long delegates keep access.
    pub materials: MaterialSettings,
    /// Study guides drawn so far, by qualification code.
    pub study_guides: GuideCache,
}

/// Study guides by qualification code. A guide depends only on the scheme files, which do
/// not change while the server runs, so each is drawn once per server.
#[derive(Default)]
pub struct GuideCache(Mutex<HashMap<String, Arc<Vec<u8>>>>);

impl GuideCache {
    pub fn get(&self, code: &str) -> Option<Arc<Vec<u8>>> {
        self.0.lock().ok()?.get(code).cloned()
    }

    pub fn put(&self, code: &str, pdf: Arc<Vec<u8>>) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(code.to_owned(), pdf);
        }
    }
}

/// Facts of sittings by id, at most `capacity` of them: when full it is emptied and
/// fills again from the database as saves arrive. It only ever holds what cannot change,
/// so it is never stale, on one server or many.
pub struct FactsCache {
    map: Mutex<HashMap<Uuid, Arc<SittingFacts>>>,
    capacity: usize,
}

impl FactsCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    pub fn get(&self, id: Uuid) -> Option<Arc<SittingFacts>> {
        self.map.lock().ok()?.get(&id).cloned()
    }

    pub fn insert(&self, id: Uuid, facts: Arc<SittingFacts>) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= self.capacity {
                map.clear();
            }
            map.insert(id, facts);
        }
    }

    /// Forgets a sitting (it has closed).
    pub fn remove(&self, id: Uuid) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(&id);
        }
    }
}

impl AppState {
    /// The address the public reaches the server at, without a trailing slash.
    pub fn public_base_url(&self) -> &str {
        &self.mailer.public_base_url
    }
}
