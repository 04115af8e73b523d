//! The invigilator's API: the sessions they invigilate, the live view of one, and the
//! actions on one candidate or the whole room. A session not the caller's is 404 (an
//! administrator sees every session).

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::invigilation::{self as use_case, Live, MAX_NOTE, Request};
use crate::domain::exam_session::{ActionKind, CandidateState, ReasonCategory};
use crate::domain::role::Role;
use crate::domain::values::parse_text;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::routes::sessions::SessionView;
use crate::state::AppState;

fn require_invigilator(user: &AuthenticatedUser) -> Result<(), ApiError> {
    if user.has(Role::Invigilator) || user.has(Role::Admin) {
        Ok(())
    } else {
        user.require(Role::Invigilator)
    }
}

#[utoipa::path(get, path = "/api/v1/invigilation/sessions", tag = "invigilation", security(("bearer" = [])),
    responses(
        (status = 200, description = "The sessions you invigilate (every session for an administrator), soonest first", body = [SessionView]),
        (status = 403, description = "Neither an invigilator nor an administrator", body = Problem),
    ))]
#[get("/invigilation/sessions")]
pub async fn sessions(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    require_invigilator(&user)?;
    let list = use_case::sessions_of(&state, user.id, &user.roles).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(SessionView::staff).collect::<Vec<_>>()))
}

/// One booked candidate, live.
#[derive(Serialize, ToSchema)]
pub struct LiveCandidateView {
    pub booking_id: Uuid,
    pub candidate_id: Uuid,
    pub name: String,
    pub state: CandidateState,
    pub admitted: bool,
    pub sitting_id: Option<Uuid>,
    /// The last answer saved or the last time their exam page checked the time.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen: Option<OffsetDateTime>,
    pub answered: u64,
    /// While the sitting is in progress; frozen while paused.
    pub remaining_seconds: Option<i64>,
    /// The time allowed, with extra time and minutes added.
    pub total_minutes: Option<u32>,
    /// While in progress: since when one device holds the sitting; null once released
    /// (the next device to open it will hold it) or when not in progress.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub device_bound_at: Option<OffsetDateTime>,
    /// When another device last tried to open the sitting: the candidate may need it
    /// released (action `release`).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub other_device_at: Option<OffsetDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct ActionView {
    pub action: String,
    pub reason: String,
    pub note: Option<String>,
    pub minutes: Option<i32>,
    pub booking_id: Option<Uuid>,
    pub acted_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub acted_at: OffsetDateTime,
}

#[derive(Serialize, ToSchema)]
pub struct LiveView {
    pub session: SessionView,
    pub candidates: Vec<LiveCandidateView>,
    /// The actions taken in the session, newest first.
    pub actions: Vec<ActionView>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub as_of: OffsetDateTime,
}

impl LiveView {
    pub fn of(snapshot: &Live, now: OffsetDateTime) -> Self {
        let live = snapshot;
        Self {
            session: SessionView::staff(&live.session),
            candidates: live
                .rows
                .iter()
                .map(|r| LiveCandidateView {
                    booking_id: r.booking.id,
                    candidate_id: r.booking.candidate_id,
                    name: r.name.clone(),
                    state: r.state,
                    admitted: r.booking.admitted_at.is_some(),
                    sitting_id: r.booking.sitting_id,
                    last_seen: r.last_seen,
                    answered: r.answered,
                    remaining_seconds: r.remaining_seconds,
                    total_minutes: r.total_minutes,
                    device_bound_at: r.device.and_then(|d| d.bound_at),
                    other_device_at: r.device.and_then(|d| d.other_device_at),
                })
                .collect(),
            actions: live
                .actions
                .iter()
                .map(|a| ActionView {
                    action: a.action.clone(),
                    reason: a.reason.clone(),
                    note: a.note.clone(),
                    minutes: a.minutes,
                    booking_id: a.booking_id,
                    acted_by: a.acted_by,
                    acted_at: a.acted_at,
                })
                .collect(),
            as_of: now,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/invigilation/sessions/{id}", tag = "invigilation", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "Every booked candidate's state, last seen, answered count and remaining time", body = LiveView),
        (status = 403, description = "Neither an invigilator nor an administrator", body = Problem),
        (status = 404, description = "No such session of yours", body = Problem),
    ))]
#[get("/invigilation/sessions/{id}")]
pub async fn live_view(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require_invigilator(&user)?;
    let id = parse_id(&path, "session")?;
    let snapshot = use_case::live(&state, user.id, &user.roles, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(LiveView::of(&snapshot, state.clock.now())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub action: ActionKind,
    pub reason: ReasonCategory,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub note: Option<String>,
    /// For `extend` only: minutes to add on top, 1 to 240.
    #[serde(
        default,
        deserialize_with = "crate::routes::json::optional_whole_number"
    )]
    #[schema(minimum = 1, maximum = 240)]
    pub minutes: Option<u32>,
}

/// What the whole room can be told at once.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RoomAction {
    Pause,
    Resume,
    Extend,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomActionRequest {
    pub action: RoomAction,
    pub reason: ReasonCategory,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub note: Option<String>,
    /// For `extend` only: minutes to add on top, 1 to 240.
    #[serde(
        default,
        deserialize_with = "crate::routes::json::optional_whole_number"
    )]
    #[schema(minimum = 1, maximum = 240)]
    pub minutes: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct RoomActionView {
    /// How many candidates' sittings the action changed.
    pub changed: usize,
}

fn note(raw: &Option<String>) -> Result<Option<String>, ApiError> {
    raw.as_deref()
        .map(|n| parse_text(n, MAX_NOTE).map_err(|m| ApiError::invalid("note", m)))
        .transpose()
}

#[utoipa::path(post, path = "/api/v1/invigilation/sessions/{id}/candidates/{booking}/actions", tag = "invigilation", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id"), ("booking" = String, Path, description = "Booking id")),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "Done and recorded; the live view as it is now", body = LiveView),
        (status = 403, description = "Neither an invigilator nor an administrator", body = Problem),
        (status = 404, description = "No such session of yours, or no such booking in it", body = Problem),
        (status = 409, description = "The candidate's state does not allow it (not started, already admitted, not paused, closed, not held by a device for `release`…); `type` names the rule", body = Problem),
        (status = 422, description = "`minutes` missing for extend, or given for another action", body = Problem),
    ))]
#[post("/invigilation/sessions/{id}/candidates/{booking}/actions")]
pub async fn act(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<(String, String)>,
    body: ApiJson<ActionRequest>,
) -> Result<HttpResponse, ApiError> {
    require_invigilator(&user)?;
    let (id, booking) = path.into_inner();
    let id = parse_id(&id, "session")?;
    let booking = parse_id(&booking, "booking")?;
    let b = body.0;
    let request = Request {
        action: b.action,
        reason: b.reason,
        note: note(&b.note)?,
        minutes: b.minutes,
    };
    use_case::act(&state, user.id, &user.roles, id, booking, &request).await?;
    let snapshot = use_case::live(&state, user.id, &user.roles, id).await?;
    Ok(HttpResponse::Ok().json(LiveView::of(&snapshot, state.clock.now())))
}

#[utoipa::path(post, path = "/api/v1/invigilation/sessions/{id}/actions", tag = "invigilation", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    request_body = RoomActionRequest,
    responses(
        (status = 200, description = "Done for every candidate it applies to, in one transaction", body = RoomActionView),
        (status = 403, description = "Neither an invigilator nor an administrator", body = Problem),
        (status = 404, description = "No such session of yours", body = Problem),
        (status = 422, description = "`minutes` missing for extend, or given for another action", body = Problem),
    ))]
#[post("/invigilation/sessions/{id}/actions")]
pub async fn act_on_room(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<RoomActionRequest>,
) -> Result<HttpResponse, ApiError> {
    require_invigilator(&user)?;
    let id = parse_id(&path, "session")?;
    let b = body.0;
    let request = Request {
        action: match b.action {
            RoomAction::Pause => ActionKind::Pause,
            RoomAction::Resume => ActionKind::Resume,
            RoomAction::Extend => ActionKind::Extend,
        },
        reason: b.reason,
        note: note(&b.note)?,
        minutes: b.minutes,
    };
    let changed = use_case::act_on_room(&state, user.id, &user.roles, id, &request).await?;
    Ok(HttpResponse::Ok().json(RoomActionView { changed }))
}
