//! Candidates and exam sessions: the sessions open for booking, booking a seat, their
//! bookings, moving one to another session or giving it up until the cut-off.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::exam_sessions::{self as use_case, BookingWithSession, SessionError};
use crate::domain::exam_session::{
    Booking, BookingStatus, ExamSession, SessionMode, SessionStatus,
};
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NotFound(what) => ApiError::not_found(format!("no such {what}")),
            SessionError::Invalid { field, message } => ApiError::invalid(field, message),
            SessionError::Refused(rule, message) => ApiError::conflict(rule, message),
            SessionError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

/// An exam session. `access_code` only for its invigilator and administrators.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub qualification: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: OffsetDateTime,
    pub mode: SessionMode,
    pub venue: Option<String>,
    pub capacity: u32,
    pub seats_left: u32,
    pub invigilator_id: Uuid,
    pub requires_admission: bool,
    pub reschedule_cutoff_hours: u32,
    /// Bookings may be made, moved or cancelled strictly before this time.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub reschedule_until: OffsetDateTime,
    pub status: SessionStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_code: Option<String>,
}

impl SessionView {
    pub fn public(s: &ExamSession) -> Self {
        Self {
            id: s.id,
            qualification: s.qualification_code.clone(),
            opens_at: s.opens_at,
            closes_at: s.closes_at,
            mode: s.mode,
            venue: s.venue.clone(),
            capacity: s.capacity,
            seats_left: s.capacity.saturating_sub(s.seats_taken),
            invigilator_id: s.invigilator_id,
            requires_admission: s.requires_admission,
            reschedule_cutoff_hours: s.reschedule_cutoff_hours,
            reschedule_until: s.cutoff(),
            status: s.status,
            access_code: None,
        }
    }

    /// With the access code, for the invigilator and administrators.
    pub fn staff(s: &ExamSession) -> Self {
        Self {
            access_code: s.access_code.clone(),
            ..Self::public(s)
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BookingView {
    pub id: Uuid,
    pub status: BookingStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub booked_at: OffsetDateTime,
    pub admitted: bool,
    pub sitting_id: Option<Uuid>,
    pub session: SessionView,
}

impl BookingView {
    fn of(booking: &Booking, session: &ExamSession) -> Self {
        Self {
            id: booking.id,
            status: booking.status,
            booked_at: booking.booked_at,
            admitted: booking.admitted_at.is_some(),
            sitting_id: booking.sitting_id,
            session: SessionView::public(session),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct BookableQuery {
    /// A qualification code; every qualification when absent.
    #[param(max_length = 100)]
    pub qualification: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    params(BookableQuery),
    responses(
        (status = 200, description = "Sessions open for booking (scheduled, before their cut-off, a seat left), soonest first", body = [SessionView]),
        (status = 403, description = "Not a candidate", body = Problem),
    ))]
#[get("/sessions")]
pub async fn bookable(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    query: web::Query<BookableQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    if let Some(q) = &query.qualification
        && q.chars().count() > 100
    {
        return Err(ApiError::invalid(
            "qualification",
            "must be at most 100 characters",
        ));
    }
    let sessions = match &query.qualification {
        Some(q) => use_case::bookable(&state, q).await?,
        None => {
            let mut all = Vec::new();
            for code in state
                .catalog
                .offered()
                .map(|(_, q)| q.qualification.code.clone())
                .collect::<std::collections::BTreeSet<_>>()
            {
                all.extend(use_case::bookable(&state, &code).await?);
            }
            all.sort_by_key(|s| s.opens_at);
            all
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(sessions.iter().map(SessionView::public).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/v1/sessions/{id}/book", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 201, description = "Booked: a seat is held", body = BookingView),
        (status = 403, description = "Not a candidate", body = Problem),
        (status = 404, description = "No such session", body = Problem),
        (status = 409, description = "The session is full (`session-full`), cancelled, past its cut-off (`reschedule-cutoff`), or you already hold a booking for this qualification (`one-booking-per-qualification`)", body = Problem),
    ))]
#[post("/sessions/{id}/book")]
pub async fn book(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let id = parse_id(&path, "session")?;
    let booking = use_case::book(&state, user.id, id).await?;
    let session = use_case::get(&state, booking.session_id).await?;
    Ok(HttpResponse::Created().json(BookingView::of(&booking, &session)))
}

#[utoipa::path(get, path = "/api/v1/sessions/bookings", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your bookings, newest first, with their sessions", body = [BookingView]),
        (status = 403, description = "Not a candidate", body = Problem),
    ))]
#[get("/sessions/bookings")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let list = use_case::mine(&state, user.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(
            list.iter()
                .map(|BookingWithSession { booking, session }| BookingView::of(booking, session))
                .collect::<Vec<_>>(),
        ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// Another session of the same qualification.
    pub session_id: Uuid,
}

#[utoipa::path(post, path = "/api/v1/sessions/bookings/{id}/reschedule", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Booking id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "Moved: the seat in the new session is held, the old one freed", body = BookingView),
        (status = 403, description = "Not a candidate", body = Problem),
        (status = 404, description = "No such booking of yours, or no such session", body = Problem),
        (status = 409, description = "Past the cut-off (`reschedule-cutoff`), the new session is full or cancelled, or the booking is no longer held", body = Problem),
        (status = 422, description = "The session is of another qualification, or the one already booked", body = Problem),
    ))]
#[post("/sessions/bookings/{id}/reschedule")]
pub async fn reschedule(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<RescheduleRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let id = parse_id(&path, "booking")?;
    let booking = use_case::reschedule(&state, user.id, id, body.0.session_id).await?;
    let session = use_case::get(&state, booking.session_id).await?;
    Ok(HttpResponse::Ok().json(BookingView::of(&booking, &session)))
}

#[utoipa::path(post, path = "/api/v1/sessions/bookings/{id}/cancel", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Booking id")),
    responses(
        (status = 200, description = "Cancelled: the seat is freed", body = BookingView),
        (status = 403, description = "Not a candidate", body = Problem),
        (status = 404, description = "No such booking of yours", body = Problem),
        (status = 409, description = "Past the cut-off (`reschedule-cutoff`), or the booking is no longer held", body = Problem),
    ))]
#[post("/sessions/bookings/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let id = parse_id(&path, "booking")?;
    let booking = use_case::cancel_booking(&state, user.id, id).await?;
    let session = use_case::get(&state, booking.session_id).await?;
    Ok(HttpResponse::Ok().json(BookingView::of(&booking, &session)))
}
