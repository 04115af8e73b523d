//! What the benchmark programs share (`benches/window.rs`, `benches/faults.rs`): candidates
//! written straight to the database, the ledger of acknowledged saves checked against the
//! database, and starting and waiting for a server.

use std::collections::HashMap;
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::bail;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::Value;
use uuid::Uuid;

use invigilator::domain::role::Role;
use invigilator::domain::values::{EmailAddress, PersonName};
use invigilator::persistence::users;

pub struct Candidate {
    pub email: String,
    pub refresh: String,
    pub address: String,
    pub token: Mutex<String>,
    pub sitting: Mutex<Option<Sitting>>,
}

#[derive(Clone)]
pub struct Sitting {
    pub id: Uuid,
    pub questions: u32,
}

/// What the server acknowledged for one question, and what it may hold beyond that (a
/// save that failed or timed out may or may not have landed).
#[derive(Default, Clone)]
pub struct LedgerEntry {
    pub acknowledged: Option<String>,
    pub uncertain: Vec<String>,
}

#[derive(Default)]
pub struct Ledger {
    pub entries: Mutex<HashMap<(Uuid, u32), LedgerEntry>>,
    pub acknowledged: AtomicU64,
}

impl Ledger {
    pub fn outcome(&self, sitting: Uuid, number: u32, choice: &str, acknowledged: bool) {
        let mut entries = self.entries.lock().expect("ledger lock");
        let entry = entries.entry((sitting, number)).or_default();
        if acknowledged {
            entry.acknowledged = Some(choice.to_owned());
            entry.uncertain.clear();
            self.acknowledged.fetch_add(1, Ordering::Relaxed);
        } else {
            entry.uncertain.push(choice.to_owned());
        }
    }
}

pub fn sql(db: &DatabaseConnection, postgres: &str) -> String {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => postgres.to_owned(),
        _ => postgres.replace("$1", "?"),
    }
}

pub struct LedgerCheck {
    pub checked: usize,
    pub lost: usize,
    pub wrong: usize,
}

pub async fn check_ledger(ledger: &Ledger, db: &DatabaseConnection) -> anyhow::Result<LedgerCheck> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT sitting_id, number, response FROM answers",
        ))
        .await?;
    let mut stored: HashMap<(Uuid, u32), String> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: Uuid = row.try_get("", "sitting_id")?;
        let number: i32 = row.try_get("", "number")?;
        let response: String = row.try_get("", "response")?;
        let choice = serde_json::from_str::<Value>(&response)?["choice"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        stored.insert((id, number as u32), choice);
    }
    let entries = ledger.entries.lock().expect("lock");
    let (mut lost, mut wrong) = (0, 0);
    for (key, entry) in entries.iter() {
        let Some(acknowledged) = &entry.acknowledged else {
            continue;
        };
        match stored.get(key) {
            None => lost += 1,
            Some(v) if v == acknowledged || entry.uncertain.contains(v) => {}
            Some(_) => wrong += 1,
        }
    }
    Ok(LedgerCheck {
        checked: entries
            .values()
            .filter(|e| e.acknowledged.is_some())
            .count(),
        lost,
        wrong,
    })
}

/// Writes `count` candidates straight to the database: verified, with one real argon2
/// hash shared by all and a refresh token each.
pub async fn seed(
    db: &DatabaseConnection,
    count: usize,
    password: &str,
) -> anyhow::Result<Vec<Arc<Candidate>>> {
    use sea_orm::TransactionTrait;
    let hash = {
        use argon2::PasswordHasher as _;
        let params = argon2::Params::new(19_456, 2, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(password.as_bytes())
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string()
    };
    let run = &Uuid::new_v4().simple().to_string()[..8];
    let now = invigilator::clock::to_stored(time::OffsetDateTime::now_utc());
    let given = PersonName::parse("Window").map_err(anyhow::Error::msg)?;
    let family = PersonName::parse("Candidate").map_err(anyhow::Error::msg)?;
    let mut out = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let tx = db.begin().await?;
        for &i in chunk {
            let email = format!("window-{run}-{i}@example.org");
            let address = EmailAddress::parse(&email).map_err(anyhow::Error::msg)?;
            let id = users::insert_user(
                &tx,
                users::NewUser {
                    email_verified: true,
                    email: &address,
                    password_hash: hash.clone(),
                    given_name: &given,
                    family_name: &family,
                    roles: &[Role::Candidate],
                    now,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (refresh, refresh_hash) = invigilator::auth::tokens::new_refresh_token();
            users::insert_refresh_token(
                &tx,
                id,
                Uuid::now_v7(),
                refresh_hash,
                now,
                now + time::Duration::days(1),
                now,
            )
            .await?;
            out.push(Arc::new(Candidate {
                email,
                refresh,
                address: format!("10.{}.{}.{}", (i >> 16) % 128, (i >> 8) % 256, i % 256),
                token: Mutex::new(String::new()),
                sitting: Mutex::new(None),
            }));
        }
        tx.commit().await?;
    }
    Ok(out)
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub async fn wait_ready(
    http: &reqwest::Client,
    base: &str,
    server: &mut Child,
) -> anyhow::Result<()> {
    for _ in 0..300 {
        if let Some(status) = server.try_wait()? {
            bail!("the server exited at start-up ({status})");
        }
        if let Ok(r) = http.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not answer /health within 30 s")
}
