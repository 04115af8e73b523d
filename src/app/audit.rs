//! The audit ledger as the use cases write and read it. Each use case that changes
//! something security-relevant appends its event inside its own transaction, as the last
//! write before the commit (`record`), so the event is on record exactly when the change
//! is. The client address comes from the request being served: the front doors run each
//! request inside `with_client`, so no use case needs it as an argument.

use std::net::IpAddr;

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::app::paging::Page;
pub use crate::domain::audit::{Action, Actor, Entry, Event, TargetKind};
use crate::domain::certificate::CertificateNumber;
use crate::persistence::audit as repo;
pub use crate::persistence::audit::Verified;
use crate::persistence::{certificates, sittings};
use crate::state::AppState;

tokio::task_local! {
    static CLIENT: IpAddr;
}

/// Runs `f` (a request's handling) with `client` as the address its events record.
pub async fn with_client<F: Future>(client: IpAddr, f: F) -> F::Output {
    CLIENT.scope(client, f).await
}

/// The address of the client whose request is being served, if any (none for the
/// sweeper and other background work).
pub fn client() -> Option<IpAddr> {
    CLIENT.try_with(|c| *c).ok()
}

/// An event by `actor`, from the current request's client.
pub fn event(
    actor: Actor,
    action: Action,
    target_kind: TargetKind,
    target_id: impl ToString,
    detail: serde_json::Value,
) -> Event {
    Event {
        client: client().map(|c| c.to_string()),
        ..Event::new(actor, action, target_kind, target_id, detail)
    }
}

/// Appends `events` inside the caller's transaction; call it last, just before the commit.
pub async fn record(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    events: &[Event],
) -> Result<(), DbErr> {
    repo::append(db, now, events).await
}

/// Records `events` in a transaction of their own: for events that change nothing else
/// (a failed sign-in, an administrator reading a marked paper).
pub async fn record_alone(state: &AppState, events: &[Event]) -> Result<(), DbErr> {
    let tx = crate::persistence::begin_write(&state.db).await?;
    repo::append(&tx, state.clock.now(), events).await?;
    tx.commit().await
}

#[derive(Debug, thiserror::Error)]
pub enum TrailError {
    #[error("no such sitting or certificate")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] DbErr),
}

/// A cursor for a page of entries: the last entry's sequence number, as the paging
/// contract's opaque id.
fn cursor_of(entry: &Entry) -> Uuid {
    Uuid::from_u64_pair(0, u64::try_from(entry.seq).unwrap_or(0))
}

fn after(cursor: Option<Uuid>) -> Option<i64> {
    cursor.map(|c| i64::try_from(c.as_u64_pair().1).unwrap_or(i64::MAX))
}

async fn trail(
    state: &AppState,
    kind: TargetKind,
    id: &str,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<Entry>, TrailError> {
    let rows = repo::trail(&state.db, kind.as_ref(), id, after(cursor), limit + 1).await?;
    Ok(Page::cut(rows, limit, cursor_of))
}

/// A sitting's trail, for administrators: started, every answer saved, submitted or
/// closed, scored, time added, marked paper read.
pub async fn of_sitting(
    state: &AppState,
    id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<Entry>, TrailError> {
    sittings::find(&state.db, id)
        .await?
        .ok_or(TrailError::NotFound)?;
    trail(state, TargetKind::Sitting, &id.to_string(), cursor, limit).await
}

/// A certificate's trail, for administrators: issued, every status change, re-issued.
pub async fn of_certificate(
    state: &AppState,
    number: &CertificateNumber,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<Entry>, TrailError> {
    certificates::by_number(&state.db, number.as_ref())
        .await?
        .ok_or(TrailError::NotFound)?;
    trail(
        state,
        TargetKind::Certificate,
        number.as_ref(),
        cursor,
        limit,
    )
    .await
}

/// Checks the whole chain (`invigilator audit verify`).
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verified, DbErr> {
    repo::verify(db).await
}
