//! Sitting use cases: start, save an answer, submit, close at the deadline. Each runs in
//! one transaction; the domain decides, persistence records.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::RngCore;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit;
use super::evidence::evidence_of;
use super::vouchers::{self, TakeVoucherError};
use super::{certificates, notifications, result_decisions, results};
use crate::domain::account::User;
use crate::domain::audit::{Action, Actor, Event, TargetKind};
use crate::domain::eligibility::{self, Requirement};
use crate::domain::paper;
use crate::domain::result_decision::{Decision, ResultStatus};
use crate::domain::role::Role;
use crate::domain::scheme::Disclosure;
use crate::domain::scoring::{self, Response};
use crate::domain::sitting::{self, Closing, Device, SittingFacts, SittingRecord, SittingStatus};
use crate::domain::voucher::{VoucherCode, VoucherPolicy};
use crate::persistence::{
    answer_writer::{AnswerWrite, WriteOutcome},
    begin_write, certificates as certificate_repo, evidence,
    sittings::{self as repo, InsertSittingError},
    users,
};
use crate::pools::FindError;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartSittingError {
    #[error(transparent)]
    Unknown(#[from] FindError),
    #[error("no paper can be drawn for {0} yet: its question pool is not available")]
    NotOffered(String),
    #[error("the candidate does not meet the prerequisites")]
    NotEligible(Vec<(Requirement, Option<String>)>),
    #[error("confirm your e-mail address before you sit a paper")]
    EmailNotVerified,
    #[error("a sitting is already in progress")]
    AlreadyInProgress(Uuid),
    /// The qualification requires a voucher and none could be taken.
    #[error("{0}")]
    Voucher(String),
    #[error("{}", .0.message)]
    ResitRefused(crate::domain::resits::Refusal),
    /// The booked exam session's rules (or the qualification's delivery policy) refuse it.
    #[error(transparent)]
    Session(crate::domain::exam_session::StartRefusal),
    /// An invigilated sitting is bound to the device it starts on, and the request named
    /// none.
    #[error("an invigilated sitting is sat on one device: the request must name it")]
    DeviceRequired,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<super::exam_sessions::GateError> for StartSittingError {
    fn from(e: super::exam_sessions::GateError) -> Self {
        match e {
            super::exam_sessions::GateError::Refused(r) => Self::Session(r),
            super::exam_sessions::GateError::Db(e) => Self::Unexpected(e.into()),
        }
    }
}

impl From<sea_orm::DbErr> for StartSittingError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

#[tracing::instrument(skip(state))]
pub async fn start(
    state: &AppState,
    candidate_id: Uuid,
    qualification: &str,
    edition: Option<&str>,
    now: OffsetDateTime,
) -> Result<SittingRecord, StartSittingError> {
    start_with(
        state,
        candidate_id,
        qualification,
        edition,
        StartOptions::default(),
        now,
    )
    .await
}

/// What a candidate brings to a start besides the paper: the voucher to pay with, where
/// the qualification requires one (any of the candidate's valid vouchers for it when
/// `None`), and the access code of their exam session, when its invigilator gave one out.
#[derive(Debug, Default, Clone, Copy)]
pub struct StartOptions<'a> {
    pub voucher: Option<&'a VoucherCode>,
    pub access_code: Option<&'a str>,
    /// The device it is started on: a sitting in an exam session is bound to it.
    pub device: Option<&'a Device>,
}

/// [`start`], with the voucher and access code the candidate gave.
#[tracing::instrument(skip(state, options))]
pub async fn start_with(
    state: &AppState,
    candidate_id: Uuid,
    qualification: &str,
    edition: Option<&str>,
    options: StartOptions<'_>,
    now: OffsetDateTime,
) -> Result<SittingRecord, StartSittingError> {
    let (db, catalog) = (&state.db, &state.catalog);
    let (edition, pool) = catalog.find(qualification, edition)?;
    let q = &pool.qualification;

    // A sitting left past its deadline is closed (and scored) before anything else.
    if let Some((id, deadline)) = repo::in_progress_for(db, candidate_id).await?
        && !sitting::is_open(now, deadline)
    {
        close(state, id, Closing::Expire, now).await?;
    }

    if state.require_verified_email
        && users::find_by_id(db, candidate_id)
            .await?
            .is_none_or(|u| u.email_verified_at.is_none())
    {
        return Err(StartSittingError::EmailNotVerified);
    }
    let tx = begin_write(db).await?;
    let evidence = evidence_of(&tx, candidate_id).await?;
    let eligibility = eligibility::evaluate(&q.prerequisites, &evidence);
    if !eligibility.eligible {
        let unmet = eligibility
            .unmet
            .into_iter()
            .map(|r| {
                let why = eligibility::why_unmet(&r, &evidence);
                (r, why)
            })
            .collect();
        return Err(StartSittingError::NotEligible(unmet));
    }
    if let Some((id, _)) = repo::in_progress_for(&tx, candidate_id).await? {
        return Err(StartSittingError::AlreadyInProgress(id));
    }
    // Read in this transaction: the one-sitting-in-progress index makes a second start
    // racing this one fail, so no two starts both pass the rules on the same history.
    if let Some(refusal) = super::resits::refusal(&tx, q, candidate_id, now).await? {
        return Err(StartSittingError::ResitRefused(refusal));
    }
    // A booked session's window and admission, or the policy that needs a session.
    let booking = super::exam_sessions::gate(
        &tx,
        q.delivery,
        candidate_id,
        &q.code,
        options.access_code,
        now,
    )
    .await?;
    // One active device per invigilated sitting: the one it starts on.
    let device = match (&booking, options.device) {
        (None, _) => None,
        (Some(_), Some(device)) => Some(device.hash().to_owned()),
        (Some(_), None) => return Err(StartSittingError::DeviceRequired),
    };
    let blueprint = q
        .blueprint
        .as_ref()
        .ok_or_else(|| StartSittingError::NotOffered(q.code.clone()))?;
    let seed = rand::rng().next_u64();
    let paper = paper::assemble(&pool.questions, blueprint, &edition.areas, seed)
        .map_err(|e| anyhow::anyhow!("pool {} cannot make a paper: {e}", q.code))?;
    // The allowance in force now; a later change never touches this sitting.
    let extra_time_percent = evidence::current_extra_time(&tx, candidate_id).await?;
    let sitting_id = Uuid::now_v7();
    // The voucher is consumed in this transaction: it pays for this sitting or for none.
    let consumed = if q.entitlement.voucher == VoucherPolicy::Required {
        let (_, event) = vouchers::consume_for_sitting(
            &tx,
            candidate_id,
            &q.code,
            options.voucher,
            sitting_id,
            now,
        )
        .await
        .map_err(|e| match e {
            TakeVoucherError::Db(e) => StartSittingError::from(e),
            e => StartSittingError::Voucher(e.to_string()),
        })?;
        Some(event)
    } else {
        None
    };
    let record = SittingRecord {
        id: sitting_id,
        candidate_id,
        qualification_code: q.code.clone(),
        edition: edition.edition.clone(),
        pool_hash: edition.pool_hash.clone(),
        // Stored as the same 64 bits, reinterpreted: SQL has no unsigned 64-bit integer.
        seed: seed as i64,
        status: SittingStatus::InProgress,
        started_at: now,
        deadline: sitting::deadline(now, q.format.duration_minutes, extra_time_percent),
        duration_minutes: q.format.duration_minutes,
        extra_time_percent,
        paper,
        max_score: q.format.marks,
        pass_mark: q.format.pass_mark,
        closed_at: None,
        closed_reason: None,
        result: None,
        session_id: booking.as_ref().map(|(_, s)| s.id),
        paused_at: None,
        device,
    };
    match repo::insert(&tx, &record).await {
        Ok(()) => {}
        Err(InsertSittingError::AlreadyInProgress) => {
            return Err(StartSittingError::AlreadyInProgress(Uuid::nil()));
        }
        Err(InsertSittingError::Db(e)) => return Err(e.into()),
    }
    if let Some((booking, _)) = &booking
        && !super::exam_sessions::use_booking(&tx, booking, record.id).await?
    {
        return Err(StartSittingError::AlreadyInProgress(Uuid::nil()));
    }
    let started = audit::event(
        Actor::User(candidate_id),
        Action::SittingStarted,
        TargetKind::Sitting,
        record.id,
        serde_json::json!({
            "qualification": record.qualification_code,
            "edition": record.edition,
            "pool_hash": record.pool_hash,
            "deadline": rfc3339(record.deadline),
            "duration_minutes": record.duration_minutes,
            "extra_time_percent": record.extra_time_percent,
            "session": record.session_id,
            "device_bound": record.device.is_some(),
        }),
    );
    let events: Vec<Event> = std::iter::once(started).chain(consumed).collect();
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    // The candidate's first save then finds the sitting's facts here instead of reading
    // (and parsing) the paper; another server reads them once.
    state
        .sitting_facts
        .insert(record.id, Arc::new(SittingFacts::of(&record)));
    Ok(record)
}

/// Closes and scores a sitting in one transaction, if `closing` is allowed at `now`;
/// returns whether this call closed it.
#[tracing::instrument(skip(state))]
pub async fn close(
    state: &AppState,
    id: Uuid,
    closing: Closing,
    now: OffsetDateTime,
) -> Result<bool, sea_orm::DbErr> {
    Ok(close_one(state, id, closing, None, now).await?.is_some())
}

/// [`close`], only if the sitting is `candidate`'s when one is given; returns the sitting
/// as closed, with its result.
async fn close_one(
    state: &AppState,
    id: Uuid,
    closing: Closing,
    candidate: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<Option<SittingRecord>, sea_orm::DbErr> {
    let tx = begin_write(&state.db).await?;
    let mut events = Vec::new();
    let Some(record) = close_in(&tx, state, id, closing, candidate, now, &mut events).await? else {
        tx.rollback().await?;
        return Ok(None);
    };
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    state.sitting_facts.remove(id);
    metrics::counter!("invigilator_sittings_closed_total", "how" => closing_label(closing))
        .increment(1);
    Ok(Some(record))
}

fn closing_label(closing: Closing) -> &'static str {
    match closing {
        Closing::Submit => "submitted",
        Closing::Expire => "expired",
    }
}

/// Claims, scores and records the close of one sitting inside `tx`: the result, the
/// certificate of a pass and the result e-mail; the audit events go to `events`, for the
/// caller to record just before its commit. `None` when the sitting cannot be closed
/// this way now (already closed, not yet or no longer due, or not `candidate`'s).
async fn close_in(
    tx: &sea_orm::DatabaseTransaction,
    state: &AppState,
    id: Uuid,
    closing: Closing,
    candidate: Option<Uuid>,
    now: OffsetDateTime,
    events: &mut Vec<Event>,
) -> Result<Option<SittingRecord>, sea_orm::DbErr> {
    if !repo::claim_close(tx, id, closing, candidate, now).await? {
        return Ok(None);
    }
    let Some(mut record) = repo::find(tx, id).await? else {
        return Ok(None);
    };
    // Read after the claim: on PostgreSQL the claim waited for any answer still being
    // saved on this row, so every answer accepted before the deadline is here.
    let answers = repo::answers(tx, id).await?;
    // Scored with the qualification's key as corrected so far (see `app::regrade`).
    let (corrections, key_version) =
        super::regrade::key_for(tx, &record.qualification_code, &record.edition).await?;
    let sheet =
        crate::domain::regrade::rescore(&record.paper, &answers, record.pass_mark, &corrections);
    repo::store_result(tx, id, &sheet).await?;
    repo::store_key_version(tx, id, key_version).await?;
    events.push(match closing {
        Closing::Submit => audit::event(
            Actor::User(record.candidate_id),
            Action::SittingSubmitted,
            TargetKind::Sitting,
            id,
            serde_json::json!({"answered": answers.len(), "deadline": rfc3339(record.deadline)}),
        ),
        Closing::Expire => audit::event(
            Actor::System,
            Action::SittingClosedAtDeadline,
            TargetKind::Sitting,
            id,
            serde_json::json!({"answered": answers.len(), "deadline": rfc3339(record.deadline)}),
        ),
    });
    let mut scored = serde_json::json!({
        "score": sheet.score,
        "max_score": record.max_score,
        "pass_mark": record.pass_mark,
        "passed": sheet.passed,
        "key_version": key_version,
    });
    // Under a `confirmed` policy the result stays provisional, and a pass gets its
    // certificate only from the certification decision (`app::result_decisions`).
    let provisional = result_decisions::policy_of(state, &record) == Decision::Confirmed;
    if provisional {
        result_decisions::keep_provisional(tx, &record, now).await?;
        scored["result_status"] = serde_json::json!(ResultStatus::Provisional.as_ref());
    }
    events.push(audit::event(
        Actor::System,
        Action::SittingScored,
        TargetKind::Sitting,
        id,
        scored,
    ));
    let holder = users::find_by_id(tx, record.candidate_id).await?;
    // A pass issues exactly one certificate, in this same transaction: the claim above
    // lets only one closer get here, and the database refuses a second for one sitting.
    if sheet.passed && !provisional {
        let holder = holder
            .as_ref()
            .ok_or_else(|| sea_orm::DbErr::RecordNotFound(record.candidate_id.to_string()))?;
        let certificate = certificates::issue_to(tx, state, &record, holder, now).await?;
        events.push(certificates::issued_event(&certificate, None));
    }
    if let Some(holder) = &holder {
        notifications::queue_sitting_result_to(tx, &record, &holder.email, now).await?;
    }
    tracing::info!(sitting = %id, ?closing, score = sheet.score, passed = sheet.passed, "sitting closed");
    record.result = Some(sheet);
    Ok(Some(record))
}

/// Reads a sitting, closing it first if its deadline has passed.
pub async fn load_current(
    state: &AppState,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<SittingRecord>, sea_orm::DbErr> {
    let db = &state.db;
    let Some(record) = repo::find(db, id).await? else {
        return Ok(None);
    };
    if record.status == SittingStatus::InProgress
        && record.paused_at.is_none()
        && !sitting::is_open(now, record.deadline)
    {
        close(state, id, Closing::Expire, now).await?;
        return repo::find(db, id).await;
    }
    Ok(Some(record))
}

#[derive(Debug, thiserror::Error)]
pub enum SaveAnswerError {
    #[error("no such sitting")]
    NotFound,
    #[error("no question {0} in this sitting")]
    NoSuchQuestion(u32),
    #[error("{0}")]
    Invalid(scoring::ResponseError),
    #[error("the sitting is closed")]
    Closed,
    #[error("the invigilator has paused the sitting")]
    Paused,
    #[error("{OTHER_DEVICE}")]
    OtherDevice,
    #[error(transparent)]
    Unexpected(#[from] sea_orm::DbErr),
}

/// Why a request from a second device is refused.
pub const OTHER_DEVICE: &str =
    "this sitting is open on another device: ask the invigilator to release it to this one";

/// An answer as saved: when (by the server's clock, read once the write lock is held)
/// and the sitting's deadline. `stale` when the page had already saved a newer answer to
/// this question, which was kept.
pub struct Saved {
    pub saved_at: OffsetDateTime,
    pub deadline: OffsetDateTime,
    pub stale: bool,
    /// What never changes about the sitting, so the caller need not read it.
    pub facts: Arc<SittingFacts>,
}

pub use repo::Origin;

/// Saves one answer. The deadline is checked against the clock read after the write lock
/// is taken, so a save that waited for the lock never lands after the deadline.
pub async fn save_answer(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
    number: u32,
    response: &Response,
    device: Option<&Device>,
    now: OffsetDateTime,
) -> Result<Saved, SaveAnswerError> {
    let sent = Sent {
        origin: None,
        device,
    };
    save_answer_from(state, id, candidate_id, number, response, sent, now).await
}

/// Where a save comes from: the page and its sequence number (from the page's script),
/// and the device.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent<'a> {
    pub origin: Option<&'a Origin>,
    pub device: Option<&'a Device>,
}

/// The facts of a sitting of `candidate_id`, from memory when this server has seen the
/// sitting before; `None` for no such sitting or someone else's.
async fn facts_of(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
) -> Result<Option<Arc<SittingFacts>>, sea_orm::DbErr> {
    let facts = match state.sitting_facts.get(id) {
        Some(facts) => facts,
        None => {
            let Some(record) = repo::find(&state.db, id).await? else {
                return Ok(None);
            };
            let facts = Arc::new(SittingFacts::of(&record));
            if record.status == SittingStatus::InProgress {
                state.sitting_facts.insert(id, facts.clone());
            }
            facts
        }
    };
    Ok((facts.candidate_id == candidate_id).then_some(facts))
}

/// Saves one answer sent by a page: a save whose sequence number is not above the one
/// already stored from the same page arrived late and changes nothing. Saves arriving
/// together share one transaction and one flush (see `persistence::answer_writer`); each
/// is acknowledged only once its transaction has committed.
#[tracing::instrument(skip(state, response, sent))]
pub async fn save_answer_from(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
    number: u32,
    response: &Response,
    sent: Sent<'_>,
    now: OffsetDateTime,
) -> Result<Saved, SaveAnswerError> {
    let facts = facts_of(state, id, candidate_id)
        .await?
        .ok_or(SaveAnswerError::NotFound)?;
    let shape = facts
        .shape(number)
        .ok_or(SaveAnswerError::NoSuchQuestion(number))?;
    scoring::check_shape(shape, response).map_err(SaveAnswerError::Invalid)?;
    let write = AnswerWrite {
        sitting_id: id,
        candidate_id,
        number,
        response: serde_json::to_string(response)
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?,
        origin: sent.origin.cloned(),
        client: audit::client(),
        device: sent.device.cloned(),
    };
    let (saved_at, deadline, stale) = match state.answers.write(write).await? {
        WriteOutcome::Saved { saved_at, deadline } => (saved_at, deadline, false),
        WriteOutcome::Stale { saved_at, deadline } => (saved_at, deadline, true),
        WriteOutcome::OtherDevice => {
            other_device_tried(state, id, candidate_id, state.clock.now().max(now)).await?;
            return Err(SaveAnswerError::OtherDevice);
        }
        WriteOutcome::Closed => {
            // Past its deadline: close (and score) it now rather than at the next sweep.
            state.sitting_facts.remove(id);
            let record = load_current(state, id, state.clock.now().max(now)).await?;
            if record
                .is_some_and(|r| r.status == SittingStatus::InProgress && r.paused_at.is_some())
            {
                return Err(SaveAnswerError::Paused);
            }
            return Err(SaveAnswerError::Closed);
        }
    };
    metrics::counter!("invigilator_answer_saves_total").increment(1);
    Ok(Saved {
        saved_at,
        deadline,
        stale,
        facts,
    })
}

/// Flags a question of an open sitting for review, or takes the flag off; the flags are
/// the candidate's own notes and never affect the score. Returns the sitting as read.
pub async fn set_flag(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
    number: u32,
    flagged: bool,
    device: Option<&Device>,
    now: OffsetDateTime,
) -> Result<SittingRecord, SaveAnswerError> {
    let record = load_current(state, id, now)
        .await?
        .filter(|r| r.candidate_id == candidate_id)
        .ok_or(SaveAnswerError::NotFound)?;
    record
        .paper
        .item(number)
        .ok_or(SaveAnswerError::NoSuchQuestion(number))?;
    let tx = begin_write(&state.db).await?;
    let at = state.clock.now().max(now);
    if !repo::lock_open_for_answer(&tx, id, candidate_id, device, at).await? {
        tx.rollback().await?;
        return Err(if record.paused_at.is_some() {
            SaveAnswerError::Paused
        } else if record.status == SittingStatus::InProgress
            && !sitting::device_allows(
                record.session_id.is_some(),
                record.device.as_deref(),
                device,
            )
        {
            other_device_tried(state, id, candidate_id, at).await?;
            SaveAnswerError::OtherDevice
        } else {
            SaveAnswerError::Closed
        });
    }
    repo::set_flag(&tx, id, number, flagged, at).await?;
    tx.commit().await?;
    Ok(record)
}

/// The questions of a candidate's own sitting flagged for review.
pub async fn flags_of(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
) -> Result<std::collections::BTreeSet<u32>, ReadSittingError> {
    repo::find(&state.db, id)
        .await?
        .filter(|r| r.candidate_id == candidate_id)
        .ok_or(ReadSittingError::NotFound)?;
    Ok(repo::flags(&state.db, id).await?)
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("no such sitting")]
    NotFound,
    #[error("the sitting is already closed")]
    AlreadyClosed(SittingStatus),
    #[error("the invigilator has paused the sitting")]
    Paused,
    #[error("{OTHER_DEVICE}")]
    OtherDevice,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for SubmitError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

#[tracing::instrument(skip(state))]
pub async fn submit(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
    device: Option<&Device>,
    now: OffsetDateTime,
) -> Result<SittingRecord, SubmitError> {
    // Only the device an invigilated sitting is bound to may hand it in.
    if let Some((in_session, bound)) = repo::device_binding(&state.db, id).await?
        && !sitting::device_allows(in_session, bound.as_deref(), device)
    {
        let record = load_current(state, id, now)
            .await?
            .filter(|r| r.candidate_id == candidate_id)
            .ok_or(SubmitError::NotFound)?;
        if record.status == SittingStatus::InProgress {
            other_device_tried(state, id, candidate_id, now).await?;
            return Err(SubmitError::OtherDevice);
        }
        return Err(SubmitError::AlreadyClosed(record.status));
    }
    // The record is read inside the closing transaction, after the claim: it already
    // says submitted, when and why, and carries the result.
    if let Some(closed) = close_one(state, id, Closing::Submit, Some(candidate_id), now).await? {
        return Ok(closed);
    }
    // Not closed by this call: say why (no such sitting of the candidate's, submitted
    // already, or past its deadline, which closes it now).
    let record = load_current(state, id, now)
        .await?
        .filter(|r| r.candidate_id == candidate_id)
        .ok_or(SubmitError::NotFound)?;
    if record.status == SittingStatus::InProgress && record.paused_at.is_some() {
        return Err(SubmitError::Paused);
    }
    Err(SubmitError::AlreadyClosed(record.status))
}

/// Closes every sitting past its deadline; safe to run on several servers at once (each
/// close is a conditional update, so each sitting is closed and scored once).
#[tracing::instrument(skip(state))]
/// A sitting that fails to close is logged and skipped, so one bad row never stops the
/// pass; the next pass tries it again.
pub async fn close_overdue(state: &AppState, now: OffsetDateTime) -> Result<usize, sea_orm::DbErr> {
    const BATCH: u64 = 200;
    let db = &state.db;
    let mut closed = 0;
    let mut failed: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    loop {
        let ids = repo::overdue(db, now, BATCH + failed.len() as u64).await?;
        let full = ids.len() as u64 == BATCH + failed.len() as u64;
        let todo: Vec<Uuid> = ids.into_iter().filter(|id| !failed.contains(id)).collect();
        if todo.is_empty() {
            return Ok(closed);
        }
        for chunk in todo.chunks(CLOSES_PER_TRANSACTION) {
            // A shutdown waits for the transaction in hand, not for the whole backlog:
            // the next sweep, here or on another server, closes the rest.
            if state.shutdown.is_cancelled() {
                return Ok(closed);
            }
            match close_together(state, chunk, now).await {
                Ok(n) => closed += n,
                // One bad sitting spoils the transaction: close these one by one.
                Err(e) => {
                    tracing::warn!(error = %e, sittings = chunk.len(), "closing overdue sittings together failed; closing them one by one");
                    for &id in chunk {
                        match close(state, id, Closing::Expire, now).await {
                            Ok(true) => closed += 1,
                            Ok(false) => {}
                            Err(e) => {
                                tracing::error!(sitting = %id, error = %e, "closing an overdue sitting failed; skipped until the next pass");
                                failed.insert(id);
                            }
                        }
                    }
                }
            }
        }
        if !full {
            return Ok(closed);
        }
    }
}

/// Overdue sittings closed in one transaction by the sweeper: one commit (one flush) for
/// all of them, so thousands of sittings reaching their deadline together close within
/// a second or two.
const CLOSES_PER_TRANSACTION: usize = 50;

async fn close_together(
    state: &AppState,
    ids: &[Uuid],
    now: OffsetDateTime,
) -> Result<usize, sea_orm::DbErr> {
    // In id order, the order in which a batch of saves locks its sittings: closing in
    // deadline order deadlocked with a save batch on PostgreSQL (a 500 under the fault
    // tests' submit storm).
    let mut ids = ids.to_vec();
    ids.sort();
    let tx = begin_write(&state.db).await?;
    let mut closed = Vec::new();
    let mut events = Vec::new();
    for &id in &ids {
        if close_in(&tx, state, id, Closing::Expire, None, now, &mut events)
            .await?
            .is_some()
        {
            closed.push(id);
        }
    }
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    for &id in &closed {
        state.sitting_facts.remove(id);
    }
    metrics::counter!("invigilator_sittings_closed_total", "how" => "expired")
        .increment(closed.len() as u64);
    Ok(closed.len())
}

/// A time as the audit ledger's details write it (RFC 3339, UTC).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The earliest deadline of any sitting in progress, so the sweeper can wake for it.
pub async fn next_deadline(state: &AppState) -> Result<Option<OffsetDateTime>, sea_orm::DbErr> {
    repo::earliest_deadline(&state.db).await
}

#[derive(Debug, thiserror::Error)]
pub enum ReadSittingError {
    #[error("no such sitting")]
    NotFound,
    #[error("the sitting is still in progress")]
    InProgress { deadline: OffsetDateTime },
    #[error("this sitting was voided by the invigilator: it has no result")]
    Voided,
    #[error("{OTHER_DEVICE}")]
    OtherDevice,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ReadSittingError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// A candidate's own sitting with the answers saved so far (closed first if its
/// deadline has passed); another candidate's sitting is `NotFound`.
///
/// An invigilated sitting opens on one device: the one it is bound to, or, once the
/// invigilator has released it, the first device to open it, which it is then bound to.
/// Any other device gets `OtherDevice` (and the invigilator's view shows that it tried).
pub async fn resume(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
    device: Option<&Device>,
    now: OffsetDateTime,
) -> Result<Resumed, ReadSittingError> {
    let mut record = load_current(state, id, now)
        .await?
        .filter(|r| r.candidate_id == candidate_id)
        .ok_or(ReadSittingError::NotFound)?;
    if record.status == SittingStatus::Voided {
        return Ok(Resumed::Voided(record));
    }
    if record.status != SittingStatus::InProgress {
        // Once closed, the paper is the exam body's again: no stem, option or answer.
        return Ok(Resumed::Closed(outcome_of(state, record).await?));
    }
    if !sitting::device_allows(
        record.session_id.is_some(),
        record.device.as_deref(),
        device,
    ) {
        match (record.device.is_none(), device) {
            (true, Some(device)) if claim_device(state, &record, device, now).await? => {
                record.device = Some(device.hash().to_owned());
            }
            _ => {
                other_device_tried(state, id, candidate_id, now).await?;
                return Err(ReadSittingError::OtherDevice);
            }
        }
    }
    let answers = repo::answers(&state.db, id).await?;
    Ok(Resumed::InProgress { record, answers })
}

/// Binds a released invigilated sitting to the device that opens it, on the audit
/// ledger; false when another device was quicker.
async fn claim_device(
    state: &AppState,
    record: &SittingRecord,
    device: &Device,
    now: OffsetDateTime,
) -> Result<bool, sea_orm::DbErr> {
    let tx = begin_write(&state.db).await?;
    if !repo::claim_device(&tx, record.id, device, now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let event = audit::event(
        Actor::User(record.candidate_id),
        Action::DeviceBound,
        TargetKind::Sitting,
        record.id,
        serde_json::json!({ "session": record.session_id }),
    );
    audit::record(&tx, now, &[event]).await?;
    tx.commit().await?;
    tracing::info!(sitting = %record.id, "invigilated sitting bound to a new device");
    Ok(true)
}

/// Notes that a device other than the sitting's own tried to use it: the invigilator's
/// view shows when, and the first try since it was bound goes on the audit ledger.
async fn other_device_tried(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sea_orm::DbErr> {
    let tx = begin_write(&state.db).await?;
    if repo::note_other_device(&tx, id, now).await? {
        let event = audit::event(
            Actor::User(candidate_id),
            Action::OtherDeviceRefused,
            TargetKind::Sitting,
            id,
            serde_json::json!({}),
        );
        audit::record(&tx, now, &[event]).await?;
    }
    tx.commit().await?;
    tracing::warn!(sitting = %id, "a second device tried to use an invigilated sitting");
    Ok(())
}

/// A sitting as its candidate may see it.
pub enum Resumed {
    /// The paper with the answers saved so far.
    InProgress {
        record: SittingRecord,
        answers: BTreeMap<u32, Response>,
    },
    /// The result summary only.
    Closed(Outcome),
    /// Ended unscored by the invigilator: no result, no item.
    Voided(SittingRecord),
}

/// A closed sitting with its result, for its candidate or an administrator; and the
/// number of the certificate it earned, if any. The score sheet carries only what the
/// qualification's disclosure policy lets a candidate see (per-question marks only under
/// `disclosure = "questions"`); per-item marks never leave the examiners' view.
pub struct Outcome {
    pub record: SittingRecord,
    pub sheet: scoring::ScoreSheet,
    pub disclosure: Disclosure,
    pub certificate_number: Option<String>,
    /// Provisional until the certification decision, where the policy asks for one.
    pub result_status: ResultStatus,
}

/// The disclosure policy of the sitting's qualification (areas only if it is unknown).
fn disclosure_of(state: &AppState, record: &SittingRecord) -> Disclosure {
    state
        .catalog
        .edition(&record.edition)
        .and_then(|e| {
            e.qualifications
                .iter()
                .find(|q| q.qualification.code == record.qualification_code)
        })
        .map(|q| q.qualification.disclosure)
        .unwrap_or_default()
}

/// The outcome of a sitting the caller may read: their own, or any for an administrator.
pub async fn outcome(
    state: &AppState,
    id: Uuid,
    user: Uuid,
    roles: &[Role],
    now: OffsetDateTime,
) -> Result<Outcome, ReadSittingError> {
    let record = load_current(state, id, now)
        .await?
        .filter(|r| r.candidate_id == user || roles.contains(&Role::Admin))
        .ok_or(ReadSittingError::NotFound)?;
    outcome_of(state, record).await
}

async fn outcome_of(state: &AppState, record: SittingRecord) -> Result<Outcome, ReadSittingError> {
    if record.status == SittingStatus::Voided {
        return Err(ReadSittingError::Voided);
    }
    let Some(mut sheet) = record.result.clone() else {
        return Err(ReadSittingError::InProgress {
            deadline: record.deadline,
        });
    };
    let disclosure = disclosure_of(state, &record);
    sheet.awarded.clear();
    if disclosure != Disclosure::Questions {
        sheet.questions.clear();
    }
    let certificate_number = certificate_repo::by_sitting(&state.db, record.id)
        .await?
        .map(|c| c.number);
    let result_status =
        crate::persistence::result_decisions::status_of(&state.db, record.id).await?;
    Ok(Outcome {
        record,
        sheet,
        disclosure,
        certificate_number,
        result_status,
    })
}

/// Submits and returns the outcome (score, result, certificate number).
pub async fn submit_and_score(
    state: &AppState,
    id: Uuid,
    candidate_id: Uuid,
    device: Option<&Device>,
    now: OffsetDateTime,
) -> Result<Outcome, SubmitError> {
    let record = submit(state, id, candidate_id, device, now).await?;
    outcome_of(state, record).await.map_err(|e| match e {
        ReadSittingError::NotFound => SubmitError::NotFound,
        ReadSittingError::InProgress { .. }
        | ReadSittingError::Voided
        | ReadSittingError::OtherDevice => {
            SubmitError::Unexpected(anyhow::anyhow!("sitting {id} closed without a result"))
        }
        ReadSittingError::Unexpected(e) => SubmitError::Unexpected(e),
    })
}

/// The score report PDF of a closed sitting the caller may read.
pub async fn score_report(
    state: &AppState,
    id: Uuid,
    user: Uuid,
    roles: &[Role],
    now: OffsetDateTime,
) -> Result<Vec<u8>, ReadSittingError> {
    let outcome = outcome(state, id, user, roles, now).await?;
    Ok(results::score_report_pdf(state, &outcome.record).await?)
}

/// What an examiner reads: the sitting, its candidate and the saved answers.
pub struct MarkedPaper {
    pub record: SittingRecord,
    pub candidate: User,
    pub answers: BTreeMap<u32, Response>,
}

/// The marked paper of any sitting, for examiners (administrators); the read is on
/// the audit ledger, with who read it.
pub async fn marked_paper(
    state: &AppState,
    id: Uuid,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<MarkedPaper, ReadSittingError> {
    let record = load_current(state, id, now)
        .await?
        .ok_or(ReadSittingError::NotFound)?;
    audit::record_alone(
        state,
        &[audit::event(
            Actor::User(by),
            Action::MarkedPaperRead,
            TargetKind::Sitting,
            id,
            serde_json::json!({"status": record.status.as_ref()}),
        )],
    )
    .await?;
    let candidate = users::find_by_id(&state.db, record.candidate_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("sitting {id} has no candidate"))?;
    let answers = repo::answers(&state.db, id).await?;
    Ok(MarkedPaper {
        record,
        candidate,
        answers,
    })
}

/// Saved answers of a sitting, as stored.
pub async fn answers_of(
    state: &AppState,
    id: Uuid,
) -> Result<BTreeMap<u32, Response>, sea_orm::DbErr> {
    repo::answers(&state.db, id).await
}

/// A sitting as the candidate's list shows it: no paper, the result summary once closed.
pub struct SittingSummary {
    pub record: SittingRecord,
    pub title: String,
}

pub use super::paging::Page;

/// The candidate's sittings, newest first, `limit` at a time after `cursor` (the last id
/// of the previous page). A sitting past its deadline is closed first, so the list never
/// shows one still running that is not.
pub async fn of_candidate(
    state: &AppState,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
    now: OffsetDateTime,
) -> Result<Page<SittingSummary>, ReadSittingError> {
    if let Some((id, deadline)) = repo::in_progress_for(&state.db, candidate_id).await?
        && !sitting::is_open(now, deadline)
    {
        close(state, id, Closing::Expire, now).await?;
    }
    let rows = repo::of_candidate(&state.db, candidate_id, cursor, limit + 1).await?;
    Ok(
        Page::cut(rows, limit, |r| r.id).map(|record| SittingSummary {
            title: state
                .catalog
                .qualification_title(&record.edition, &record.qualification_code),
            record,
        }),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ExtendError {
    #[error("no such sitting")]
    NotFound,
    #[error("the sitting is closed or its time has run out")]
    Closed,
    #[error(transparent)]
    Unexpected(#[from] sea_orm::DbErr),
}

/// Adds time to a sitting in progress (a technical problem, an interruption in the exam
/// room): its deadline moves later at once, and an open exam page sees it at its next
/// check. Time already run out cannot be given back: the paper has been closed.
#[tracing::instrument(skip(state, reason))]
pub async fn extend(
    state: &AppState,
    id: Uuid,
    minutes: u32,
    reason: &str,
    by: Uuid,
) -> Result<SittingRecord, ExtendError> {
    let now = state.clock.now();
    load_current(state, id, now)
        .await?
        .ok_or(ExtendError::NotFound)?;
    let tx = begin_write(&state.db).await?;
    let at = state.clock.now().max(now);
    let before = repo::find(&tx, id).await?.ok_or(ExtendError::NotFound)?;
    if !repo::extend(&tx, id, minutes, reason, by, at).await? {
        tx.rollback().await?;
        return Err(ExtendError::Closed);
    }
    let after = repo::find(&tx, id).await?.ok_or(ExtendError::NotFound)?;
    let extended = audit::event(
        Actor::User(by),
        Action::SittingExtended,
        TargetKind::Sitting,
        id,
        serde_json::json!({
            "minutes": minutes,
            "reason": reason,
            "before": {"deadline": rfc3339(before.deadline)},
            "after": {"deadline": rfc3339(after.deadline)},
        }),
    );
    audit::record(&tx, at, &[extended]).await?;
    tx.commit().await?;
    tracing::info!(sitting = %id, minutes, by = %by, "time added to a sitting");
    repo::find(&state.db, id)
        .await?
        .ok_or(ExtendError::NotFound)
}

/// The minutes added to a sitting while it was in progress.
pub async fn added_minutes(state: &AppState, id: Uuid) -> Result<u32, sea_orm::DbErr> {
    repo::added_minutes(&state.db, id).await
}

/// Notes that the candidate's open page asked for the time (the invigilator's "last seen").
pub async fn seen(state: &AppState, id: Uuid, now: OffsetDateTime) -> Result<(), sea_orm::DbErr> {
    repo::seen(&state.db, id, now).await
}
