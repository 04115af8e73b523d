//! Whether the server is alive (the database answers) and ready for traffic (also: its
//! schema is current, its pools can deliver, it is not shutting down), and the figures
//! its metrics report from the database.

use crate::persistence::{self, outbox, schema, sittings};
use crate::state::AppState;

/// Ok once the database answers a trivial query.
pub async fn check(state: &AppState) -> Result<(), sea_orm::DbErr> {
    persistence::ping(&state.db).await
}

/// True when `err` (or an error in its chain) says the database cannot be used just now:
/// down, restarting, out of connections or out of disk. The front doors answer such an
/// error 503 with Retry-After instead of 500: nothing was done, and trying again later
/// may work.
pub fn is_unavailable(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<sea_orm::DbErr>())
        .any(persistence::is_unavailable)
}

/// What the database holds now that an operator watches: shared by every server.
pub struct Gauges {
    pub sittings_in_progress: u64,
    pub outbox_pending: u64,
    pub outbox_failed: u64,
}

pub async fn gauges(state: &AppState) -> Result<Gauges, sea_orm::DbErr> {
    let (outbox_pending, outbox_failed) = outbox::counts(&state.db).await?;
    Ok(Gauges {
        sittings_in_progress: sittings::count_in_progress(&state.db).await?,
        outbox_pending,
        outbox_failed,
    })
}

/// One thing readiness looks at, and what it found (for the operator reading the
/// answer; no database error text, which can name hosts and users).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            ok: true,
            detail: detail.into(),
        }
    }

    fn failing(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            ok: false,
            detail: detail.into(),
        }
    }
}

/// Whether a load balancer should send this server requests.
#[derive(Debug)]
pub enum Readiness {
    /// Every check passed: the database answers, every migration the binary knows is
    /// applied, and the pools can make a paper.
    Ready(Vec<Check>),
    /// At least one check failed (they are all listed).
    NotReady(Vec<Check>),
    /// A shutdown has begun: the server finishes what is in flight and takes nothing new.
    ShuttingDown,
}

/// Readiness, as opposed to liveness ([`check`]): a server that is alive may still not
/// be fit to serve (its database lacks a migration, its pools deliver nothing) or be on
/// its way out.
pub async fn readiness(state: &AppState) -> Readiness {
    if state.shutdown.is_cancelled() {
        return Readiness::ShuttingDown;
    }
    let mut checks = Vec::with_capacity(3);
    let database = persistence::ping(&state.db).await;
    match &database {
        Ok(()) => checks.push(Check::ok("database", "answers")),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            checks.push(Check::failing("database", "the database does not answer"));
        }
    }
    checks.push(if database.is_err() {
        Check::failing("migrations", "not checked: the database does not answer")
    } else {
        migrations(state).await
    });
    checks.push(pools(state));
    if checks.iter().all(|c| c.ok) {
        Readiness::Ready(checks)
    } else {
        Readiness::NotReady(checks)
    }
}

async fn migrations(state: &AppState) -> Check {
    match schema::status(&state.db).await {
        // Migrations this binary does not know (a newer server migrated the database in
        // a rolling upgrade) do not make it unready: migrations are additive, so a server
        // that started on the older schema keeps working on the newer one. A server
        // refuses to *start* on such a database (`persistence::refuse_newer_schema`),
        // but one already running stays in service until it is replaced.
        Ok(status) if status.pending.is_empty() => Check::ok(
            "migrations",
            match status.unknown.len() {
                0 => format!("{} applied", status.applied.len()),
                n => format!(
                    "{} applied, and {n} from a newer version of the server",
                    status.applied.len()
                ),
            },
        ),
        Ok(status) => Check::failing(
            "migrations",
            format!(
                "{} not applied: {}",
                status.pending.len(),
                status.pending.join(", ")
            ),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the migrations table cannot be read");
            Check::failing("migrations", "the migrations table cannot be read")
        }
    }
}

/// The pools are loaded at start-up and never change; ready means at least one offered
/// qualification has a blueprint and enough questions for a paper.
fn pools(state: &AppState) -> Check {
    let deliverable = state
        .catalog
        .offered()
        .filter(|(_, q)| q.disjoint_papers().is_some_and(|n| n >= 1))
        .count();
    if deliverable > 0 {
        Check::ok(
            "pools",
            format!("{deliverable} qualification(s) can be delivered"),
        )
    } else {
        Check::failing("pools", "no qualification has enough questions for a paper")
    }
}
