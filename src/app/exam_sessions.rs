//! Exam sessions and bookings: administrators grant the invigilator role and schedule
//! sessions; candidates book a seat, move it or give it up until the cut-off; starting a
//! sitting goes through the booked session's rules (window, admission). Each use case is
//! one transaction and ends with its audit events.

use rand::RngCore;
use time::OffsetDateTime;
use uuid::Uuid;

use super::notifications::{self, texts};
use super::{audit, vouchers};
use crate::domain::audit::{Action, Actor, TargetKind};
use crate::domain::exam_session::{
    self as rules, Booking, BookingStatus, ExamSession, NewSession, SessionStatus, StartRefusal,
};
use crate::domain::role::Role;
use crate::domain::scheme::{Delivery, SessionPolicy};
use crate::domain::voucher::VoucherPolicy;
use crate::persistence::{
    begin_write,
    exam_sessions::{self as repo, InsertBookingError},
    users,
};
use crate::state::AppState;

/// A time as the audit ledger's details write it (the same as the sittings' use cases).
fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no such {0}")]
    NotFound(&'static str),
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A rule refuses it now: the rule's name and a sentence.
    #[error("{1}")]
    Refused(&'static str, String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for SessionError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

fn refused(rule: &'static str, message: impl Into<String>) -> SessionError {
    SessionError::Refused(rule, message.into())
}

/// The delivery policy of a qualification offered now, if it is one.
pub fn delivery_of(state: &AppState, qualification: &str) -> Option<Delivery> {
    state
        .catalog
        .offered()
        .find(|(_, q)| q.qualification.code == qualification)
        .map(|(_, q)| q.qualification.delivery)
}

/// Grants or revokes the invigilator role. Revoking ends the account's sessions (its
/// tokens carry its roles).
pub async fn set_invigilator(
    state: &AppState,
    admin: Uuid,
    account: Uuid,
    granted: bool,
) -> Result<Vec<Role>, SessionError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    users::find_by_id(&tx, account)
        .await?
        .ok_or(SessionError::NotFound("account"))?;
    let changed = repo::set_role(&tx, account, Role::Invigilator, granted).await?;
    if changed && !granted {
        users::end_sessions(&tx, account, now).await?;
    }
    if changed {
        let event = audit::event(
            Actor::User(admin),
            if granted {
                Action::RoleGranted
            } else {
                Action::RoleRevoked
            },
            TargetKind::Account,
            account,
            serde_json::json!({"role": Role::Invigilator.as_ref()}),
        );
        audit::record(&tx, now, &[event]).await?;
    }
    let roles = users::roles_of(&tx, account).await?;
    tx.commit().await?;
    Ok(roles)
}

/// What an administrator fills in to schedule a session; the cut-off defaults to the
/// qualification's policy.
pub struct SessionInput {
    pub qualification_code: String,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    pub mode: rules::SessionMode,
    pub venue: Option<String>,
    pub capacity: u32,
    pub invigilator_id: Uuid,
    pub requires_admission: bool,
    pub reschedule_cutoff_hours: Option<u32>,
}

pub async fn create(
    state: &AppState,
    admin: Uuid,
    input: SessionInput,
) -> Result<ExamSession, SessionError> {
    let now = state.clock.now();
    let delivery =
        delivery_of(state, &input.qualification_code).ok_or_else(|| SessionError::Invalid {
            field: "qualification",
            message: format!(
                "there is no qualification {} on offer",
                input.qualification_code
            ),
        })?;
    let new = NewSession {
        qualification_code: input.qualification_code,
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        mode: input.mode,
        venue: input.venue,
        capacity: input.capacity,
        invigilator_id: input.invigilator_id,
        requires_admission: input.requires_admission,
        reschedule_cutoff_hours: input
            .reschedule_cutoff_hours
            .unwrap_or(delivery.reschedule_cutoff_hours),
    };
    new.check(now).map_err(|p| SessionError::Invalid {
        field: p.field,
        message: p.message,
    })?;
    let tx = begin_write(&state.db).await?;
    let roles = users::roles_of(&tx, new.invigilator_id).await?;
    if !roles.contains(&Role::Invigilator) {
        return Err(SessionError::Invalid {
            field: "invigilator_id",
            message: "this account does not hold the invigilator role".into(),
        });
    }
    let code = new
        .requires_admission
        .then(|| rules::access_code(rand::rng().next_u64()));
    let session = repo::insert_session(&tx, &new, code, admin, now).await?;
    let event = audit::event(
        Actor::User(admin),
        Action::ExamSessionCreated,
        TargetKind::ExamSession,
        session.id,
        serde_json::json!({
            "qualification": session.qualification_code,
            "opens_at": rfc3339(session.opens_at),
            "closes_at": rfc3339(session.closes_at),
            "mode": session.mode.as_ref(),
            "capacity": session.capacity,
            "invigilator": session.invigilator_id,
            "requires_admission": session.requires_admission,
            "reschedule_cutoff_hours": session.reschedule_cutoff_hours,
        }),
    );
    audit::record(&tx, now, &[event]).await?;
    tx.commit().await?;
    tracing::info!(session = %session.id, "exam session created");
    Ok(session)
}

/// Every session still to close (administrators), soonest first.
pub async fn list_all(state: &AppState) -> Result<Vec<ExamSession>, SessionError> {
    Ok(repo::list_sessions(&state.db, None, None, None).await?)
}

pub async fn get(state: &AppState, id: Uuid) -> Result<ExamSession, SessionError> {
    repo::find_session(&state.db, id)
        .await?
        .ok_or(SessionError::NotFound("session"))
}

/// Cancels a session and the bookings in it; e-mails are the notifications' business.
pub async fn cancel(state: &AppState, admin: Uuid, id: Uuid) -> Result<ExamSession, SessionError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let session = repo::find_session(&tx, id)
        .await?
        .ok_or(SessionError::NotFound("session"))?;
    let held: Vec<Booking> = repo::bookings_in(&tx, id)
        .await?
        .into_iter()
        .filter(|b| b.status == BookingStatus::Booked)
        .collect();
    if !repo::cancel_session(&tx, id, now).await? {
        return Err(refused(
            "session-cancelled",
            "the session is already cancelled",
        ));
    }
    // The bookings it cancelled give their vouchers back, and each candidate is told.
    let title = vouchers::title(state, &session.qualification_code);
    for booking in &held {
        let voucher_back = vouchers::unbook(&tx, booking.id, now).await?;
        if let Some(candidate) = users::find_by_id(&tx, booking.candidate_id).await? {
            let message = texts::session_cancelled(
                state.public_base_url(),
                &candidate.email,
                &candidate.given_name,
                &title,
                session.opens_at,
                voucher_back.is_some(),
            );
            notifications::queue(&tx, &message, now).await?;
        }
    }
    let event = audit::event(
        Actor::User(admin),
        Action::ExamSessionCancelled,
        TargetKind::ExamSession,
        id,
        serde_json::json!({"booked": session.seats_taken}),
    );
    audit::record(&tx, now, &[event]).await?;
    let session = repo::find_session(&tx, id)
        .await?
        .ok_or(SessionError::NotFound("session"))?;
    tx.commit().await?;
    Ok(session)
}

/// Settles the bookings of sessions that closed with their candidate absent (never
/// started): each becomes a no-show and its voucher is used up or given back, as the
/// qualification's `no_show_consumes_voucher` says. Safe with several servers: each
/// booking is settled by one conditional update, in the transaction that settles its
/// voucher. Returns how many were settled.
pub async fn settle_no_shows(
    state: &AppState,
    now: OffsetDateTime,
) -> Result<usize, sea_orm::DbErr> {
    let mut settled = 0;
    for booking in repo::no_shows(&state.db, now, 200).await? {
        let consumes = vouchers::policy(state, &booking.qualification_code)
            .is_some_and(|p| p.no_show_consumes_voucher);
        let tx = begin_write(&state.db).await?;
        if !repo::mark_no_show(&tx, booking.id, now).await? {
            tx.rollback().await?;
            continue;
        }
        let voucher = vouchers::settle_no_show(&tx, booking.id, consumes, now).await?;
        let event = audit::event(
            Actor::System,
            Action::BookingNoShow,
            TargetKind::Booking,
            booking.id,
            serde_json::json!({
                "session": booking.session_id,
                "candidate": booking.candidate_id,
                "voucher": voucher,
                "voucher_used_up": voucher.is_some() && consumes,
            }),
        );
        audit::record(&tx, now, &[event]).await?;
        tx.commit().await?;
        settled += 1;
    }
    Ok(settled)
}

/// Sessions of a qualification a candidate may book now.
pub async fn bookable(
    state: &AppState,
    qualification: &str,
) -> Result<Vec<ExamSession>, SessionError> {
    let now = state.clock.now();
    Ok(
        repo::list_sessions(&state.db, Some(qualification), None, Some(now))
            .await?
            .into_iter()
            .filter(|s| s.bookable(now))
            .collect(),
    )
}

fn booking_event(
    action: Action,
    candidate: Uuid,
    booking: &Booking,
    detail: serde_json::Value,
) -> crate::domain::audit::Event {
    audit::event(
        Actor::User(candidate),
        action,
        TargetKind::Booking,
        booking.id,
        detail,
    )
}

/// Books a seat: refused when the session is full, past its cut-off, or the candidate
/// already holds a booking for the qualification.
pub async fn book(
    state: &AppState,
    candidate: Uuid,
    session_id: Uuid,
) -> Result<Booking, SessionError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let session = repo::find_session(&tx, session_id)
        .await?
        .ok_or(SessionError::NotFound("session"))?;
    check_open_for_booking(&session, now)?;
    if !repo::take_seat(&tx, session.id).await? {
        return Err(full(&session));
    }
    let booking = match repo::insert_booking(&tx, &session, candidate, now).await {
        Ok(b) => b,
        Err(InsertBookingError::AlreadyBooked) => {
            return Err(refused(
                "one-booking-per-qualification",
                "you already hold a booking for this qualification: reschedule or cancel it",
            ));
        }
        Err(InsertBookingError::Db(e)) => return Err(e.into()),
    };
    // Where the paper needs a voucher, the booking holds one of the candidate's from now
    // until the sitting consumes it (or a cancellation gives it back).
    let voucher = if vouchers::policy(state, &session.qualification_code)
        .is_some_and(|p| p.voucher == VoucherPolicy::Required)
    {
        let held = vouchers::book(
            &tx,
            candidate,
            &session.qualification_code,
            None,
            booking.id,
            now,
        )
        .await
        .map_err(|e| match e {
            vouchers::TakeVoucherError::Db(e) => SessionError::from(e),
            e => refused("voucher-required", e.to_string()),
        })?;
        Some(held)
    } else {
        None
    };
    let event = booking_event(
        Action::BookingCreated,
        candidate,
        &booking,
        serde_json::json!({
            "session": session.id,
            "qualification": session.qualification_code,
            "voucher": voucher,
        }),
    );
    audit::record(&tx, now, &[event]).await?;
    tx.commit().await?;
    Ok(booking)
}

fn full(session: &ExamSession) -> SessionError {
    refused(
        "session-full",
        format!(
            "the session is full: all {} seats are booked",
            session.capacity
        ),
    )
}

fn check_open_for_booking(session: &ExamSession, now: OffsetDateTime) -> Result<(), SessionError> {
    if session.status == SessionStatus::Cancelled {
        return Err(refused(
            "session-cancelled",
            "the session has been cancelled",
        ));
    }
    if now >= session.cutoff() {
        return Err(cutoff_passed(session));
    }
    Ok(())
}

fn cutoff_passed(session: &ExamSession) -> SessionError {
    refused(
        "reschedule-cutoff",
        format!(
            "bookings in this session can be made, moved or cancelled until {} hours before it opens ({})",
            session.reschedule_cutoff_hours,
            rfc3339(session.cutoff())
        ),
    )
}

/// The candidate's own booking, held, with its session; another's is `NotFound`.
async fn held(
    tx: &impl sea_orm::ConnectionTrait,
    candidate: Uuid,
    booking: Uuid,
) -> Result<(Booking, ExamSession), SessionError> {
    let booking = repo::find_booking(tx, booking)
        .await?
        .filter(|b| b.candidate_id == candidate)
        .ok_or(SessionError::NotFound("booking"))?;
    if booking.status != BookingStatus::Booked {
        return Err(refused(
            "booking-not-held",
            format!(
                "this booking is {} and can no longer change",
                booking.status.as_ref()
            ),
        ));
    }
    let session = repo::find_session(tx, booking.session_id)
        .await?
        .ok_or(SessionError::NotFound("session"))?;
    Ok((booking, session))
}

/// Moves a booking to another session of the same qualification, before the cut-off of
/// the session it leaves (and of the one it joins).
pub async fn reschedule(
    state: &AppState,
    candidate: Uuid,
    booking_id: Uuid,
    to: Uuid,
) -> Result<Booking, SessionError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let (booking, from) = held(&tx, candidate, booking_id).await?;
    if now >= from.cutoff() {
        return Err(cutoff_passed(&from));
    }
    let target = repo::find_session(&tx, to)
        .await?
        .ok_or(SessionError::NotFound("session"))?;
    if target.qualification_code != booking.qualification_code {
        return Err(SessionError::Invalid {
            field: "session_id",
            message: "a booking moves only to a session of the same qualification".into(),
        });
    }
    if target.id == from.id {
        return Err(SessionError::Invalid {
            field: "session_id",
            message: "the booking is already in this session".into(),
        });
    }
    check_open_for_booking(&target, now)?;
    if !repo::take_seat(&tx, target.id).await? {
        return Err(full(&target));
    }
    if !repo::move_booking(&tx, booking.id, from.id, target.id).await? {
        return Err(refused(
            "booking-not-held",
            "this booking changed meanwhile",
        ));
    }
    repo::free_seat(&tx, from.id).await?;
    let event = booking_event(
        Action::BookingRescheduled,
        candidate,
        &booking,
        serde_json::json!({"before": {"session": from.id}, "after": {"session": target.id}}),
    );
    audit::record(&tx, now, &[event]).await?;
    let moved = repo::find_booking(&tx, booking.id)
        .await?
        .ok_or(SessionError::NotFound("booking"))?;
    tx.commit().await?;
    Ok(moved)
}

/// Gives a seat up, before the cut-off.
pub async fn cancel_booking(
    state: &AppState,
    candidate: Uuid,
    booking_id: Uuid,
) -> Result<Booking, SessionError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let (booking, session) = held(&tx, candidate, booking_id).await?;
    if now >= session.cutoff() {
        return Err(cutoff_passed(&session));
    }
    if !repo::cancel_booking(&tx, booking.id, now).await? {
        return Err(refused(
            "booking-not-held",
            "this booking changed meanwhile",
        ));
    }
    repo::free_seat(&tx, session.id).await?;
    let voucher = vouchers::unbook(&tx, booking.id, now).await?;
    let event = booking_event(
        Action::BookingCancelled,
        candidate,
        &booking,
        serde_json::json!({"session": session.id, "voucher_given_back": voucher}),
    );
    audit::record(&tx, now, &[event]).await?;
    let cancelled = repo::find_booking(&tx, booking.id)
        .await?
        .ok_or(SessionError::NotFound("booking"))?;
    tx.commit().await?;
    Ok(cancelled)
}

/// A booking with its session, for the candidate's list.
pub struct BookingWithSession {
    pub booking: Booking,
    pub session: ExamSession,
}

pub async fn mine(
    state: &AppState,
    candidate: Uuid,
) -> Result<Vec<BookingWithSession>, SessionError> {
    let mut out = Vec::new();
    for booking in repo::bookings_of_candidate(&state.db, candidate).await? {
        if let Some(session) = repo::find_session(&state.db, booking.session_id).await? {
            out.push(BookingWithSession { booking, session });
        }
    }
    Ok(out)
}

/// Decides, inside the starting transaction, whether a sitting may start now under the
/// qualification's delivery policy and the candidate's booking; the booking the sitting
/// is then sat under, if any.
pub(crate) async fn gate(
    tx: &impl sea_orm::ConnectionTrait,
    delivery: Delivery,
    candidate: Uuid,
    qualification: &str,
    typed_code: Option<&str>,
    now: OffsetDateTime,
) -> Result<Option<(Booking, ExamSession)>, GateError> {
    let Some(booking) = repo::active_booking(tx, candidate, qualification).await? else {
        return match delivery.sessions {
            SessionPolicy::Required => Err(GateError::Refused(StartRefusal::SessionRequired)),
            SessionPolicy::Optional => Ok(None),
        };
    };
    let session = repo::find_session(tx, booking.session_id)
        .await?
        .ok_or_else(|| {
            GateError::Db(sea_orm::DbErr::RecordNotFound(
                booking.session_id.to_string(),
            ))
        })?;
    rules::may_start(&session, booking.admitted_at.is_some(), typed_code, now)
        .map_err(GateError::Refused)?;
    Ok(Some((booking, session)))
}

/// Marks the booking as used by the sitting just inserted; false when a concurrent start
/// or cancel took it first.
pub(crate) async fn use_booking(
    tx: &impl sea_orm::ConnectionTrait,
    booking: &Booking,
    sitting: Uuid,
) -> Result<bool, sea_orm::DbErr> {
    repo::mark_started(tx, booking.id, sitting).await
}

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Refused(StartRefusal),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// The account id behind an e-mail address, for the pages' invigilator field.
pub async fn account_by_email(state: &AppState, email: &str) -> Result<Option<Uuid>, SessionError> {
    let Ok(email) = crate::domain::values::EmailAddress::parse(email) else {
        return Ok(None);
    };
    Ok(users::find_by_email(&state.db, &email).await?.map(|u| u.id))
}
