//! Group commit for answer saves. Saves that arrive while a transaction is committing
//! wait in a queue; the next transaction takes all of them (up to [`MAX_BATCH`]) and
//! writes them with one statement to lock their sittings, one multi-row upsert and one
//! commit, so one flush to disk acknowledges many saves. Each save is answered only
//! after the transaction that holds it has committed: a 2xx still means durable.
//!
//! Nothing here is shared between servers but the database: every check (the sitting is
//! open, the deadline has not passed, a page's later save is not overwritten by an
//! earlier one) is made inside the transaction, on PostgreSQL under the sittings' row
//! locks, taken in id order so two servers' batches never deadlock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict, Query},
};
use time::OffsetDateTime;
use tokio::sync::{Mutex, mpsc, oneshot};
use uuid::Uuid;

use super::entities::{answers, sittings};
use super::sittings::Origin;
use crate::clock::Clock;
use crate::domain::audit::{Action, Actor, Event, TargetKind};
use crate::domain::sitting::{Device, SittingStatus, device_allows};

/// Most saves one transaction takes.
pub const MAX_BATCH: usize = 256;

/// One answer to store: the response already checked against the question and
/// serialized.
#[derive(Debug, Clone)]
pub struct AnswerWrite {
    pub sitting_id: Uuid,
    pub candidate_id: Uuid,
    pub number: u32,
    pub response: String,
    pub origin: Option<Origin>,
    /// The client address the save came from, for the audit ledger.
    pub client: Option<std::net::IpAddr>,
    /// The device it came from (an invigilated sitting takes saves from its own only).
    pub device: Option<Device>,
}

/// What became of one save, by the server's clock read inside its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Saved {
        saved_at: OffsetDateTime,
        deadline: OffsetDateTime,
    },
    /// The page had already saved a later answer to this question, which was kept.
    Stale {
        saved_at: OffsetDateTime,
        deadline: OffsetDateTime,
    },
    /// The sitting is not the candidate's, is closed, paused, or its deadline has passed.
    Closed,
    /// The sitting is invigilated and bound to another device (or released, waiting for
    /// a device to open it).
    OtherDevice,
}

type Reply = oneshot::Sender<Result<WriteOutcome, Arc<DbErr>>>;
type Sender = mpsc::UnboundedSender<(AnswerWrite, Reply)>;

/// The queue's one sender, shared by every clone; [`AnswerWriter::close`] takes it away,
/// which lets the workers finish what is queued and stop.
#[derive(Clone)]
pub struct AnswerWriter {
    queue: Arc<std::sync::Mutex<Option<Sender>>>,
    workers: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl AnswerWriter {
    /// Starts `writers` transactions' worth of workers on the current runtime (one for
    /// SQLite, which has one writer at a time anyway; a few for PostgreSQL).
    pub fn start(db: DatabaseConnection, clock: Arc<dyn Clock>, writers: usize) -> Self {
        let (queue, receiver) = mpsc::unbounded_channel();
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..writers.max(1))
            .map(|_| tokio::spawn(work(db.clone(), clock.clone(), receiver.clone())))
            .collect();
        Self {
            queue: Arc::new(std::sync::Mutex::new(Some(queue))),
            workers: Arc::new(std::sync::Mutex::new(workers)),
        }
    }

    /// Saves one answer; returns once its transaction has committed (or failed). After
    /// [`AnswerWriter::close`] it fails at once as unavailable (503): the server is
    /// shutting down and another may take the save.
    pub async fn write(&self, write: AnswerWrite) -> Result<WriteOutcome, DbErr> {
        let (reply, answer) = oneshot::channel();
        let queued = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|queue| queue.send((write, reply)).is_ok());
        if !queued {
            return Err(stopped());
        }
        match answer.await {
            Ok(Ok(outcome)) => Ok(outcome),
            // The batch's own error (cloned), so a caller can tell a database that is
            // unavailable (503) from one that refused the statement.
            Ok(Err(e)) => Err(Arc::unwrap_or_clone(e)),
            Err(_) => Err(stopped()),
        }
    }

    /// Takes no more saves, and returns once every save already queued has been
    /// committed or has failed (and its caller, if still waiting, told which): at
    /// shutdown, nothing queued is left hanging.
    pub async fn close(&self) {
        drop(
            self.queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        );
        let workers = std::mem::take(
            &mut *self
                .workers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for worker in workers {
            if let Err(e) = worker.await {
                tracing::error!(error = %e, "an answer writer stopped abnormally");
            }
        }
    }
}

/// What a save gets once the writer has stopped: the database is not usable from this
/// server any more, which the front doors answer 503 with Retry-After.
fn stopped() -> DbErr {
    DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed)
}

type Queue = Arc<Mutex<mpsc::UnboundedReceiver<(AnswerWrite, Reply)>>>;

async fn work(db: DatabaseConnection, clock: Arc<dyn Clock>, queue: Queue) {
    loop {
        let mut batch = Vec::new();
        {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        }
        metrics::histogram!("invigilator_save_batch_size").record(batch.len() as f64);
        let (writes, replies): (Vec<AnswerWrite>, Vec<Reply>) = batch.into_iter().unzip();
        match write_batch(&db, clock.as_ref(), &writes).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, saves = writes.len(), "a batch of answer saves failed");
                let e = Arc::new(e);
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// Writes a batch in one transaction and says what became of each save, in order.
pub async fn write_batch(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    writes: &[AnswerWrite],
) -> Result<Vec<WriteOutcome>, DbErr> {
    let tx = super::begin_write(db).await?;
    // Read once the write lock is held (SQLite) and before the row locks are taken
    // (PostgreSQL): a save that waited never lands after the deadline.
    let saved_at = clock.now();
    let mut ids: Vec<Uuid> = writes.iter().map(|w| w.sitting_id).collect();
    ids.sort();
    ids.dedup();
    let open = lock_open(&tx, &ids, saved_at).await?;
    let mut outcomes = vec![WriteOutcome::Closed; writes.len()];
    let mut pending = Vec::with_capacity(writes.len());
    for (i, w) in writes.iter().enumerate() {
        let Some(sitting) = open.get(&w.sitting_id) else {
            continue;
        };
        if sitting.candidate != w.candidate_id {
            continue;
        }
        if device_allows(
            sitting.in_session,
            sitting.device.as_deref(),
            w.device.as_ref(),
        ) {
            pending.push(i);
        } else {
            outcomes[i] = WriteOutcome::OtherDevice;
        }
    }
    // Two saves to one question in one batch go in successive statements, in the order
    // they arrived (one upsert may not touch a row twice).
    while !pending.is_empty() {
        let mut seen = HashSet::new();
        let (round, rest): (Vec<usize>, Vec<usize>) = pending
            .iter()
            .partition(|&&i| seen.insert((writes[i].sitting_id, writes[i].number)));
        let written = upsert(&tx, &round, writes, saved_at).await?;
        for i in round {
            let w = &writes[i];
            let deadline = open[&w.sitting_id].deadline;
            outcomes[i] = if written.contains(&(w.sitting_id, w.number as i32)) {
                WriteOutcome::Saved { saved_at, deadline }
            } else {
                WriteOutcome::Stale { saved_at, deadline }
            };
        }
        pending = rest;
    }
    // Every save that changed an answer is on the audit ledger, in this transaction.
    let events: Vec<Event> = writes
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| matches!(o, WriteOutcome::Saved { .. }))
        .map(|(w, _)| saved_event(w))
        .collect();
    super::audit::append(&tx, saved_at, &events).await?;
    tx.commit().await?;
    Ok(outcomes)
}

fn saved_event(w: &AnswerWrite) -> Event {
    let response = serde_json::from_str::<serde_json::Value>(&w.response)
        .unwrap_or_else(|_| serde_json::Value::String(w.response.clone()));
    Event {
        client: w.client.map(|c| c.to_string()),
        ..Event::new(
            Actor::User(w.candidate_id),
            Action::AnswerSaved,
            TargetKind::Sitting,
            w.sitting_id,
            serde_json::json!({
                "number": w.number,
                "response": response,
                "page_seq": w.origin.as_ref().map(|o| o.seq),
            }),
        )
    }
}

/// What a batch needs of an open sitting.
struct OpenSitting {
    candidate: Uuid,
    deadline: OffsetDateTime,
    in_session: bool,
    device: Option<String>,
}

/// The sittings among `ids` that are in progress with their deadline after `now`, with
/// their candidate, deadline and device; on PostgreSQL their rows stay locked until the
/// commit, so a close waits for these saves (and a save waits for a close).
async fn lock_open(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    now: OffsetDateTime,
) -> Result<HashMap<Uuid, OpenSitting>, DbErr> {
    let mut query = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .column(sittings::Column::CandidateId)
        .column(sittings::Column::Deadline)
        .column(sittings::Column::SessionId)
        .column(sittings::Column::DeviceHash)
        .filter(sittings::Column::Id.is_in(ids.iter().copied()))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::Deadline.gt(now))
        // Paused by the invigilator: the clock stands still and nothing is saved.
        .filter(sittings::Column::PausedAt.is_null())
        .order_by_asc(sittings::Column::Id);
    if db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    type Row = (Uuid, Uuid, OffsetDateTime, Option<Uuid>, Option<String>);
    let rows: Vec<Row> = query.into_tuple().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, candidate, deadline, session, device)| {
            let sitting = OpenSitting {
                candidate,
                deadline,
                in_session: session.is_some(),
                device,
            };
            (id, sitting)
        })
        .collect())
}

/// Inserts or replaces the answers of `round` (one per question) in one statement; a
/// page's save replaces an answer only if it is later than the one stored from the same
/// page. Returns the questions actually written.
async fn upsert(
    db: &impl ConnectionTrait,
    round: &[usize],
    writes: &[AnswerWrite],
    saved_at: OffsetDateTime,
) -> Result<HashSet<(Uuid, i32)>, DbErr> {
    use answers::Column as A;
    let mut insert = Query::insert();
    insert.into_table(answers::Entity).columns([
        A::SittingId,
        A::Number,
        A::Response,
        A::SavedAt,
        A::ClientId,
        A::ClientSeq,
    ]);
    for &i in round {
        let w = &writes[i];
        insert.values_panic([
            w.sitting_id.into(),
            (w.number as i32).into(),
            w.response.clone().into(),
            saved_at.into(),
            w.origin.as_ref().map(|o| o.client.clone()).into(),
            w.origin.as_ref().map(|o| o.seq).into(),
        ]);
    }
    insert
        .on_conflict(
            OnConflict::columns([A::SittingId, A::Number])
                .update_columns([A::Response, A::SavedAt, A::ClientId, A::ClientSeq])
                .action_and_where(Expr::cust(
                    r#""answers"."client_id" IS NULL OR "excluded"."client_id" IS NULL OR "answers"."client_id" <> "excluded"."client_id" OR "answers"."client_seq" < "excluded"."client_seq""#,
                ))
                .to_owned(),
        )
        .returning(Query::returning().columns([A::SittingId, A::Number]));
    let statement = db.get_database_backend().build(&insert);
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get::<Uuid>("", "sitting_id")?,
                row.try_get::<i32>("", "number")?,
            ))
        })
        .collect()
}
