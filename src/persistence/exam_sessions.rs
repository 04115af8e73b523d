//! Exam sessions, bookings and invigilation actions. A seat is taken by a guarded UPDATE
//! of the session's counter (`seats_taken < capacity`), so on either engine two bookings
//! racing for the last seat cannot both get it; one active booking per candidate and
//! qualification is a partial unique index.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{bookings, exam_sessions, invigilation_actions};
use crate::domain::exam_session::{
    ActionKind, Booking, BookingStatus, ExamSession, NewSession, ReasonCategory, SessionStatus,
};

fn corrupt(what: &str, id: Uuid, e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!(
        "exam session {id}: stored {what} is unreadable: {e}"
    ))
}

impl TryFrom<exam_sessions::Model> for ExamSession {
    type Error = DbErr;

    fn try_from(m: exam_sessions::Model) -> Result<Self, DbErr> {
        Ok(Self {
            mode: m.mode.parse().map_err(|e| corrupt("mode", m.id, e))?,
            status: m.status.parse().map_err(|e| corrupt("status", m.id, e))?,
            id: m.id,
            qualification_code: m.qualification_code,
            opens_at: m.opens_at,
            closes_at: m.closes_at,
            venue: m.venue,
            capacity: u32::try_from(m.capacity).unwrap_or_default(),
            seats_taken: u32::try_from(m.seats_taken).unwrap_or_default(),
            invigilator_id: m.invigilator_id,
            requires_admission: m.requires_admission,
            access_code: m.access_code,
            reschedule_cutoff_hours: u32::try_from(m.reschedule_cutoff_hours).unwrap_or_default(),
            created_by: m.created_by,
            created_at: m.created_at,
        })
    }
}

impl TryFrom<bookings::Model> for Booking {
    type Error = DbErr;

    fn try_from(m: bookings::Model) -> Result<Self, DbErr> {
        Ok(Self {
            status: m.status.parse().map_err(|e| corrupt("booking", m.id, e))?,
            id: m.id,
            session_id: m.session_id,
            candidate_id: m.candidate_id,
            qualification_code: m.qualification_code,
            booked_at: m.booked_at,
            admitted_at: m.admitted_at,
            sitting_id: m.sitting_id,
        })
    }
}

pub async fn insert_session(
    db: &impl ConnectionTrait,
    new: &NewSession,
    access_code: Option<String>,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<ExamSession, DbErr> {
    let id = Uuid::now_v7();
    exam_sessions::Entity::insert(exam_sessions::ActiveModel {
        id: Set(id),
        qualification_code: Set(new.qualification_code.clone()),
        opens_at: Set(new.opens_at),
        closes_at: Set(new.closes_at),
        mode: Set(new.mode.as_ref().to_owned()),
        venue: Set(new.venue.clone()),
        capacity: Set(new.capacity as i32),
        seats_taken: Set(0),
        invigilator_id: Set(new.invigilator_id),
        requires_admission: Set(new.requires_admission),
        access_code: Set(access_code),
        reschedule_cutoff_hours: Set(new.reschedule_cutoff_hours as i32),
        status: Set(SessionStatus::Scheduled.as_ref().to_owned()),
        created_by: Set(by),
        created_at: Set(now),
        cancelled_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    find_session(db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(id.to_string()))
}

pub async fn find_session(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<ExamSession>, DbErr> {
    exam_sessions::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(ExamSession::try_from)
        .transpose()
}

/// Sessions, soonest first: of one qualification, one invigilator, or all.
pub async fn list_sessions(
    db: &impl ConnectionTrait,
    qualification: Option<&str>,
    invigilator: Option<Uuid>,
    closing_after: Option<OffsetDateTime>,
) -> Result<Vec<ExamSession>, DbErr> {
    let mut query = exam_sessions::Entity::find();
    if let Some(q) = qualification {
        query = query.filter(exam_sessions::Column::QualificationCode.eq(q));
    }
    if let Some(i) = invigilator {
        query = query.filter(exam_sessions::Column::InvigilatorId.eq(i));
    }
    if let Some(t) = closing_after {
        query = query.filter(exam_sessions::Column::ClosesAt.gt(t));
    }
    query
        .order_by_asc(exam_sessions::Column::OpensAt)
        .order_by_asc(exam_sessions::Column::Id)
        .limit(500)
        .all(db)
        .await?
        .into_iter()
        .map(ExamSession::try_from)
        .collect()
}

/// Cancels a scheduled session and every booking in it still held; false when the
/// session was not scheduled.
pub async fn cancel_session(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = exam_sessions::Entity::update_many()
        .col_expr(
            exam_sessions::Column::Status,
            Expr::value(SessionStatus::Cancelled.as_ref()),
        )
        .col_expr(exam_sessions::Column::CancelledAt, Expr::value(now))
        .filter(exam_sessions::Column::Id.eq(id))
        .filter(exam_sessions::Column::Status.eq(SessionStatus::Scheduled.as_ref()))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    bookings::Entity::update_many()
        .col_expr(
            bookings::Column::Status,
            Expr::value(BookingStatus::Cancelled.as_ref()),
        )
        .col_expr(bookings::Column::CancelledAt, Expr::value(now))
        .filter(bookings::Column::SessionId.eq(id))
        .filter(bookings::Column::Status.eq(BookingStatus::Booked.as_ref()))
        .exec(db)
        .await?;
    Ok(true)
}

/// Takes a seat in a scheduled session if one is left; false when full or not scheduled.
pub async fn take_seat(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let result = exam_sessions::Entity::update_many()
        .col_expr(
            exam_sessions::Column::SeatsTaken,
            Expr::col(exam_sessions::Column::SeatsTaken).add(1),
        )
        .filter(exam_sessions::Column::Id.eq(id))
        .filter(exam_sessions::Column::Status.eq(SessionStatus::Scheduled.as_ref()))
        .filter(
            Expr::col(exam_sessions::Column::SeatsTaken)
                .lt(Expr::col(exam_sessions::Column::Capacity)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn free_seat(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    exam_sessions::Entity::update_many()
        .col_expr(
            exam_sessions::Column::SeatsTaken,
            Expr::col(exam_sessions::Column::SeatsTaken).sub(1),
        )
        .filter(exam_sessions::Column::Id.eq(id))
        .filter(exam_sessions::Column::SeatsTaken.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum InsertBookingError {
    #[error("the candidate already holds a booking for this qualification")]
    AlreadyBooked,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub async fn insert_booking(
    db: &impl ConnectionTrait,
    session: &ExamSession,
    candidate_id: Uuid,
    now: OffsetDateTime,
) -> Result<Booking, InsertBookingError> {
    let id = Uuid::now_v7();
    let result = bookings::Entity::insert(bookings::ActiveModel {
        id: Set(id),
        session_id: Set(session.id),
        candidate_id: Set(candidate_id),
        qualification_code: Set(session.qualification_code.clone()),
        status: Set(BookingStatus::Booked.as_ref().to_owned()),
        booked_at: Set(now),
        admitted_at: Set(None),
        admitted_by: Set(None),
        sitting_id: Set(None),
        cancelled_at: Set(None),
    })
    .exec_without_returning(db)
    .await;
    match result {
        Err(e)
            if super::is_unique_violation(
                &e,
                "bookings_one_active_key",
                "bookings.candidate_id",
            ) =>
        {
            Err(InsertBookingError::AlreadyBooked)
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(find_booking(db, id)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(id.to_string()))?),
    }
}

pub async fn find_booking(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Booking>, DbErr> {
    bookings::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Booking::try_from)
        .transpose()
}

/// The candidate's booking still held for a qualification, if any.
pub async fn active_booking(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    qualification: &str,
) -> Result<Option<Booking>, DbErr> {
    bookings::Entity::find()
        .filter(bookings::Column::CandidateId.eq(candidate_id))
        .filter(bookings::Column::QualificationCode.eq(qualification))
        .filter(bookings::Column::Status.eq(BookingStatus::Booked.as_ref()))
        .one(db)
        .await?
        .map(Booking::try_from)
        .transpose()
}

pub async fn bookings_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<Booking>, DbErr> {
    bookings::Entity::find()
        .filter(bookings::Column::CandidateId.eq(candidate_id))
        .order_by_desc(bookings::Column::Id)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .map(Booking::try_from)
        .collect()
}

/// The bookings of a session not cancelled, in booking order.
pub async fn bookings_in(db: &impl ConnectionTrait, session: Uuid) -> Result<Vec<Booking>, DbErr> {
    bookings::Entity::find()
        .filter(bookings::Column::SessionId.eq(session))
        .filter(bookings::Column::Status.ne(BookingStatus::Cancelled.as_ref()))
        .order_by_asc(bookings::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Booking::try_from)
        .collect()
}

/// Moves a held booking to another session; false when it is no longer held.
pub async fn move_booking(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: Uuid,
    to: Uuid,
) -> Result<bool, DbErr> {
    let result = bookings::Entity::update_many()
        .col_expr(bookings::Column::SessionId, Expr::value(to))
        .col_expr(
            bookings::Column::AdmittedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(bookings::Column::Id.eq(id))
        .filter(bookings::Column::SessionId.eq(from))
        .filter(bookings::Column::Status.eq(BookingStatus::Booked.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Cancels a held booking; false when it is no longer held.
pub async fn cancel_booking(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    end_held(db, id, BookingStatus::Cancelled, now).await
}

/// Ends a held booking as `status` (cancelled, or a no-show); false when this call did
/// not (it is no longer held: several servers may try).
async fn end_held(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: BookingStatus,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = bookings::Entity::update_many()
        .col_expr(bookings::Column::Status, Expr::value(status.as_ref()))
        .col_expr(bookings::Column::CancelledAt, Expr::value(now))
        .filter(bookings::Column::Id.eq(id))
        .filter(bookings::Column::Status.eq(BookingStatus::Booked.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Held bookings (nobody started) of sessions that closed at or before `now`, oldest
/// session first, at most `limit`.
pub async fn no_shows(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Booking>, DbErr> {
    let closed: Vec<Uuid> = exam_sessions::Entity::find()
        .select_only()
        .column(exam_sessions::Column::Id)
        .filter(exam_sessions::Column::ClosesAt.lte(now))
        .filter(exam_sessions::Column::Status.eq(SessionStatus::Scheduled.as_ref()))
        .into_tuple()
        .all(db)
        .await?;
    if closed.is_empty() {
        return Ok(Vec::new());
    }
    bookings::Entity::find()
        .filter(bookings::Column::SessionId.is_in(closed))
        .filter(bookings::Column::Status.eq(BookingStatus::Booked.as_ref()))
        .order_by_asc(bookings::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(Booking::try_from)
        .collect()
}

/// Marks a held booking a no-show; true when this call did (several servers may try).
pub async fn mark_no_show(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    end_held(db, id, BookingStatus::NoShow, now).await
}

/// Admits a held booking's candidate; false when not held or admitted already.
pub async fn admit(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = bookings::Entity::update_many()
        .col_expr(bookings::Column::AdmittedAt, Expr::value(now))
        .col_expr(bookings::Column::AdmittedBy, Expr::value(by))
        .filter(bookings::Column::Id.eq(id))
        .filter(bookings::Column::Status.eq(BookingStatus::Booked.as_ref()))
        .filter(bookings::Column::AdmittedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks a held booking as used by `sitting`; false when it was no longer held (a
/// concurrent start or cancel won).
pub async fn mark_started(
    db: &impl ConnectionTrait,
    id: Uuid,
    sitting: Uuid,
) -> Result<bool, DbErr> {
    let result = bookings::Entity::update_many()
        .col_expr(
            bookings::Column::Status,
            Expr::value(BookingStatus::Started.as_ref()),
        )
        .col_expr(bookings::Column::SittingId, Expr::value(sitting))
        .filter(bookings::Column::Id.eq(id))
        .filter(bookings::Column::Status.eq(BookingStatus::Booked.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// One invigilator action to record.
pub struct ActionRow<'a> {
    pub session_id: Uuid,
    pub booking_id: Option<Uuid>,
    pub sitting_id: Option<Uuid>,
    pub action: ActionKind,
    pub reason: ReasonCategory,
    pub note: Option<&'a str>,
    pub minutes: Option<u32>,
    pub by: Uuid,
}

pub async fn record_action(
    db: &impl ConnectionTrait,
    row: &ActionRow<'_>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    invigilation_actions::Entity::insert(invigilation_actions::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(row.session_id),
        booking_id: Set(row.booking_id),
        sitting_id: Set(row.sitting_id),
        action: Set(row.action.as_ref().to_owned()),
        reason: Set(row.reason.as_ref().to_owned()),
        note: Set(row.note.map(str::to_owned)),
        minutes: Set(row.minutes.map(|m| m as i32)),
        acted_by: Set(row.by),
        acted_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A recorded action, for the live view's log.
pub struct ActionRecord {
    pub action: String,
    pub reason: String,
    pub note: Option<String>,
    pub minutes: Option<i32>,
    pub booking_id: Option<Uuid>,
    pub acted_by: Uuid,
    pub acted_at: OffsetDateTime,
}

pub async fn actions_in(
    db: &impl ConnectionTrait,
    session: Uuid,
) -> Result<Vec<ActionRecord>, DbErr> {
    Ok(invigilation_actions::Entity::find()
        .filter(invigilation_actions::Column::SessionId.eq(session))
        .order_by_desc(invigilation_actions::Column::Id)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .map(|m| ActionRecord {
            action: m.action,
            reason: m.reason,
            note: m.note,
            minutes: m.minutes,
            booking_id: m.booking_id,
            acted_by: m.acted_by,
            acted_at: m.acted_at,
        })
        .collect())
}

/// Grants or takes away one role; true when that changed anything.
pub async fn set_role(
    db: &impl ConnectionTrait,
    user: Uuid,
    role: crate::domain::role::Role,
    granted: bool,
) -> Result<bool, DbErr> {
    use super::entities::user_roles;
    if granted {
        let result = user_roles::Entity::insert(user_roles::ActiveModel {
            user_id: Set(user),
            role: Set(role.as_ref().to_owned()),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                user_roles::Column::UserId,
                user_roles::Column::Role,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        Ok(result == 1)
    } else {
        let result = user_roles::Entity::delete_many()
            .filter(user_roles::Column::UserId.eq(user))
            .filter(user_roles::Column::Role.eq(role.as_ref()))
            .exec(db)
            .await?;
        Ok(result.rows_affected == 1)
    }
}
