//! Invigilation: the live view of a session and the invigilator's actions on one
//! candidate or the whole room (admit, pause, resume, extend, void), and releasing a
//! sitting from its device so that the candidate can go on on another.
//! Every action carries a reason category, is recorded with who and when in
//! `invigilation_actions` and on the audit ledger, and runs in one transaction (a room
//! action too, for all its candidates at once).

use time::OffsetDateTime;
use uuid::Uuid;

use super::audit;
use super::exam_sessions::SessionError;
use super::sittings::rfc3339;
use crate::domain::audit::{Action, Actor, Event, TargetKind};
use crate::domain::exam_session::{
    ActionKind, Booking, BookingStatus, CandidateState, ExamSession, ReasonCategory,
    candidate_state,
};
use crate::domain::role::Role;
use crate::domain::sitting::{self, SittingStatus};
use crate::persistence::{
    begin_write,
    exam_sessions::{self as repo, ActionRecord, ActionRow},
    sittings as sitting_repo, users,
};
use crate::state::AppState;

/// Most minutes one extension adds.
pub const MAX_EXTEND_MINUTES: u32 = 240;
/// Longest note an action carries.
pub const MAX_NOTE: usize = 2000;

/// The session, if the caller invigilates it or is an administrator; `NotFound` otherwise
/// (a session not theirs does not exist for them).
pub async fn session_for(
    state: &AppState,
    user: Uuid,
    roles: &[Role],
    id: Uuid,
) -> Result<ExamSession, SessionError> {
    repo::find_session(&state.db, id)
        .await?
        .filter(|s| s.invigilator_id == user || roles.contains(&Role::Admin))
        .ok_or(SessionError::NotFound("session"))
}

/// One booked candidate as the invigilator sees them.
pub struct Row {
    pub booking: Booking,
    pub name: String,
    pub state: CandidateState,
    /// The last answer saved or the last time their page asked for the time.
    pub last_seen: Option<OffsetDateTime>,
    pub answered: u64,
    pub remaining_seconds: Option<i64>,
    /// The time allowed, with extra time and minutes added.
    pub total_minutes: Option<u32>,
    /// Which device holds the sitting, while it is in progress.
    pub device: Option<DeviceState>,
}

/// Where an invigilated sitting in progress stands with its one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceState {
    /// Since when one device holds it; `None` once released, until a device opens it.
    pub bound_at: Option<OffsetDateTime>,
    /// When another device last tried to open it (the reason to release it, or not).
    pub other_device_at: Option<OffsetDateTime>,
}

impl DeviceState {
    /// What the invigilator reads in the live view.
    pub fn describe(&self, when: impl Fn(OffsetDateTime) -> String) -> String {
        match (self.bound_at, self.other_device_at) {
            (None, _) => "Released: opens on the next device".into(),
            (Some(_), Some(at)) => format!("Another device tried at {}", when(at)),
            (Some(since), None) => format!("One device since {}", when(since)),
        }
    }
}

pub struct Live {
    pub session: ExamSession,
    pub rows: Vec<Row>,
    pub actions: Vec<ActionRecord>,
}

pub async fn live(
    state: &AppState,
    user: Uuid,
    roles: &[Role],
    id: Uuid,
) -> Result<Live, SessionError> {
    let session = session_for(state, user, roles, id).await?;
    let now = state.clock.now();
    let db = &state.db;
    let mut rows = Vec::new();
    for booking in repo::bookings_in(db, session.id).await? {
        let name = users::find_by_id(db, booking.candidate_id)
            .await?
            .map(|u| format!("{} {}", u.given_name, u.family_name))
            .unwrap_or_default();
        let watch = match booking.sitting_id {
            Some(s) => sitting_repo::watch(db, s).await?,
            None => None,
        };
        let added = match booking.sitting_id {
            Some(s) => sitting_repo::added_minutes(db, s).await?,
            None => 0,
        };
        let state_now = candidate_state(
            &session,
            booking.admitted_at.is_some(),
            watch
                .as_ref()
                .map(|w| (w.record_status, w.paused_at.is_some())),
            now,
        );
        let row = match watch {
            Some(w) => Row {
                state: state_now,
                last_seen: w.last_seen_at.max(w.last_saved_at),
                answered: w.answered,
                remaining_seconds: (w.record_status == SittingStatus::InProgress)
                    .then(|| sitting::remaining_seconds(w.paused_at.unwrap_or(now), w.deadline)),
                total_minutes: Some(
                    (w.duration_minutes * (100 + w.extra_time_percent)).div_ceil(100) + added,
                ),
                device: (w.record_status == SittingStatus::InProgress).then_some(DeviceState {
                    bound_at: w.device_bound_at,
                    other_device_at: w.device_refused_at,
                }),
                booking,
                name,
            },
            None => Row {
                state: state_now,
                last_seen: None,
                answered: 0,
                remaining_seconds: None,
                total_minutes: None,
                device: None,
                booking,
                name,
            },
        };
        rows.push(row);
    }
    let actions = repo::actions_in(db, session.id).await?;
    Ok(Live {
        session,
        rows,
        actions,
    })
}

/// What the invigilator asks for.
#[derive(Debug, Clone)]
pub struct Request {
    pub action: ActionKind,
    pub reason: ReasonCategory,
    pub note: Option<String>,
    /// For `extend`: 1 to [`MAX_EXTEND_MINUTES`].
    pub minutes: Option<u32>,
}

impl Request {
    fn check(&self, room: bool) -> Result<(), SessionError> {
        let invalid = |field, message: &str| {
            Err(SessionError::Invalid {
                field,
                message: message.to_owned(),
            })
        };
        if room
            && !matches!(
                self.action,
                ActionKind::Pause | ActionKind::Resume | ActionKind::Extend
            )
        {
            return invalid(
                "action",
                "the whole room can be paused, resumed or extended; admit and void act on one candidate",
            );
        }
        match (self.action, self.minutes) {
            (ActionKind::Extend, Some(m)) if (1..=MAX_EXTEND_MINUTES).contains(&m) => Ok(()),
            (ActionKind::Extend, _) => invalid("minutes", "extend by 1 to 240 minutes"),
            (_, Some(_)) => invalid("minutes", "only extend takes minutes"),
            _ => Ok(()),
        }
    }
}

fn refused(rule: &'static str, message: &str) -> SessionError {
    SessionError::Refused(rule, message.to_owned())
}

/// Acts on one booked candidate.
pub async fn act(
    state: &AppState,
    by: Uuid,
    roles: &[Role],
    session_id: Uuid,
    booking_id: Uuid,
    request: &Request,
) -> Result<(), SessionError> {
    request.check(false)?;
    let session = session_for(state, by, roles, session_id).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let booking = repo::find_booking(&tx, booking_id)
        .await?
        .filter(|b| b.session_id == session.id && b.status != BookingStatus::Cancelled)
        .ok_or(SessionError::NotFound("booking"))?;
    let mut events = Vec::new();
    let done = apply(&tx, &session, &booking, request, by, now, &mut events).await?;
    if let Some(why) = done {
        return Err(refused(why.0, why.1));
    }
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    if matches!(request.action, ActionKind::Void)
        && let Some(s) = booking.sitting_id
    {
        state.sitting_facts.remove(s);
    }
    tracing::info!(session = %session.id, booking = %booking.id, action = request.action.as_ref(), by = %by, "invigilator acted");
    Ok(())
}

/// Acts on every candidate of the room the action applies to (a fire alarm pauses all
/// sittings in progress), in one transaction; returns how many it changed.
pub async fn act_on_room(
    state: &AppState,
    by: Uuid,
    roles: &[Role],
    session_id: Uuid,
    request: &Request,
) -> Result<usize, SessionError> {
    request.check(true)?;
    let session = session_for(state, by, roles, session_id).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let mut events = Vec::new();
    let mut changed = 0;
    // In sitting id order, the order in which the answer writer locks sittings.
    let mut bookings: Vec<Booking> = repo::bookings_in(&tx, session.id)
        .await?
        .into_iter()
        .filter(|b| b.sitting_id.is_some())
        .collect();
    bookings.sort_by_key(|b| b.sitting_id);
    for booking in &bookings {
        if apply(&tx, &session, booking, request, by, now, &mut events)
            .await?
            .is_none()
        {
            changed += 1;
        }
    }
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    tracing::info!(session = %session.id, action = request.action.as_ref(), changed, by = %by, "invigilator acted on the room");
    Ok(changed)
}

/// Applies one action to one booking inside `tx`, recording it; `Some((rule, why))` when
/// the booking's state does not allow it (nothing is written then).
async fn apply(
    tx: &sea_orm::DatabaseTransaction,
    session: &ExamSession,
    booking: &Booking,
    request: &Request,
    by: Uuid,
    now: OffsetDateTime,
    events: &mut Vec<Event>,
) -> Result<Option<(&'static str, &'static str)>, SessionError> {
    let mut detail = serde_json::json!({
        "session": session.id,
        "booking": booking.id,
        "reason": request.reason.as_ref(),
        "note": request.note,
    });
    let (audit_action, target_kind, target): (Action, TargetKind, Uuid) = match request.action {
        ActionKind::Admit => {
            if booking.status != BookingStatus::Booked {
                return Ok(Some((
                    "already-started",
                    "the candidate's sitting has already started",
                )));
            }
            if !repo::admit(tx, booking.id, by, now).await? {
                return Ok(Some((
                    "already-admitted",
                    "the candidate is already admitted",
                )));
            }
            (Action::CandidateAdmitted, TargetKind::Booking, booking.id)
        }
        action => {
            let Some(sitting_id) = booking.sitting_id else {
                return Ok(Some((
                    "not-started",
                    "the candidate has not started their sitting yet",
                )));
            };
            match action {
                ActionKind::Pause => {
                    if !sitting_repo::pause(tx, sitting_id, now).await? {
                        return Ok(Some((
                            "not-running",
                            "the sitting is not running: it is paused already, or closed",
                        )));
                    }
                    (Action::SittingPaused, TargetKind::Sitting, sitting_id)
                }
                ActionKind::Resume => {
                    let Some((before, after)) = sitting_repo::resume(tx, sitting_id, now).await?
                    else {
                        return Ok(Some(("not-paused", "the sitting is not paused")));
                    };
                    detail["before"] = serde_json::json!({"deadline": rfc3339(before)});
                    detail["after"] = serde_json::json!({"deadline": rfc3339(after)});
                    detail["paused_seconds"] = (after - before).whole_seconds().into();
                    (Action::SittingResumed, TargetKind::Sitting, sitting_id)
                }
                ActionKind::Extend => {
                    let minutes = request.minutes.unwrap_or_default();
                    let before = sitting_repo::watch(tx, sitting_id).await?;
                    let reason = format!(
                        "invigilator: {}{}",
                        request.reason.label(),
                        request
                            .note
                            .as_deref()
                            .map(|n| format!(" ({n})"))
                            .unwrap_or_default()
                    );
                    if !sitting_repo::extend(tx, sitting_id, minutes, &reason, by, now).await? {
                        return Ok(Some((
                            "sitting-closed",
                            "the sitting is closed or its time has run out",
                        )));
                    }
                    detail["minutes"] = minutes.into();
                    if let Some(before) = before {
                        detail["before"] =
                            serde_json::json!({"deadline": rfc3339(before.deadline)});
                        detail["after"] = serde_json::json!({"deadline": rfc3339(before.deadline + time::Duration::minutes(i64::from(minutes)))});
                    }
                    (
                        Action::SittingExtendedByInvigilator,
                        TargetKind::Sitting,
                        sitting_id,
                    )
                }
                ActionKind::Void => {
                    let reason = format!("voided by the invigilator: {}", request.reason.label());
                    if !sitting_repo::void(tx, sitting_id, &reason, now).await? {
                        return Ok(Some(("sitting-closed", "the sitting is already closed")));
                    }
                    (Action::SittingVoided, TargetKind::Sitting, sitting_id)
                }
                ActionKind::Release => {
                    if !sitting_repo::release_device(tx, sitting_id).await? {
                        return Ok(Some((
                            "not-bound",
                            "the sitting is not held by a device: it is closed, or already released",
                        )));
                    }
                    (Action::DeviceReleased, TargetKind::Sitting, sitting_id)
                }
                // Admitted before the sitting started; once it has, there is no one to admit.
                ActionKind::Admit => {
                    return Ok(Some((
                        "already-started",
                        "the candidate's sitting has already started",
                    )));
                }
            }
        }
    };
    repo::record_action(
        tx,
        &ActionRow {
            session_id: session.id,
            booking_id: Some(booking.id),
            sitting_id: booking.sitting_id,
            action: request.action,
            reason: request.reason,
            note: request.note.as_deref(),
            minutes: request.minutes,
            by,
        },
        now,
    )
    .await?;
    events.push(audit::event(
        Actor::User(by),
        audit_action,
        target_kind,
        target,
        detail,
    ));
    Ok(None)
}

/// Sessions the caller invigilates (all of them for an administrator), soonest first.
pub async fn sessions_of(
    state: &AppState,
    user: Uuid,
    roles: &[Role],
) -> Result<Vec<ExamSession>, SessionError> {
    let invigilator = (!roles.contains(&Role::Admin)).then_some(user);
    Ok(repo::list_sessions(&state.db, None, invigilator, None).await?)
}
