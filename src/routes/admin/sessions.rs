//! Administrators schedule exam sessions (with an invigilator), list and cancel them,
//! and grant or revoke the invigilator role.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::exam_sessions::{self as use_case, SessionInput};
use crate::domain::exam_session::{MAX_CAPACITY, MAX_CUTOFF_HOURS, SessionMode};
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::domain::values::parse_text;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::routes::sessions::SessionView;
use crate::state::AppState;

/// The roles an administrator grants here.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum GrantableRole {
    Invigilator,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub role: GrantableRole,
    /// `true` grants the role, `false` revokes it (and ends the account's sessions).
    pub granted: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RolesView {
    pub roles: Vec<Role>,
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/roles", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = RoleRequest,
    responses(
        (status = 200, description = "The account's roles now; a granted role is in its next access token", body = RolesView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such account", body = Problem),
    ))]
#[post("/admin/accounts/{id}/roles")]
pub async fn set_role(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "account")?;
    let GrantableRole::Invigilator = body.0.role;
    let roles = use_case::set_invigilator(&state, user.id, id, body.0.granted).await?;
    Ok(HttpResponse::Ok().json(RolesView { roles }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    #[schema(example = "iso20000-foundation", min_length = 1, max_length = 100)]
    pub qualification: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opens_at: OffsetDateTime,
    /// After `opens_at`, in the future.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: OffsetDateTime,
    pub mode: SessionMode,
    /// The venue's name and address: required for `venue`, absent for `online_invigilated`.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub venue: Option<String>,
    #[schema(minimum = 1, maximum = 500)]
    #[serde(deserialize_with = "crate::routes::json::whole_number")]
    pub capacity: i64,
    /// An account holding the invigilator role.
    pub invigilator_id: Uuid,
    /// Candidates start only once admitted by the invigilator (or with the access code).
    #[serde(default)]
    pub requires_admission: bool,
    /// Hours before opening until which bookings may move; the qualification's policy
    /// when absent.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 672)]
    pub reschedule_cutoff_hours: Option<u32>,
}

#[utoipa::path(post, path = "/api/v1/admin/sessions", tag = "admin", security(("bearer" = [])),
    request_body = CreateSessionRequest,
    responses(
        (status = 201, description = "The session, with its access code when it requires admission", body = SessionView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "A bad field: unknown qualification, a window that closes before it opens or in the past, a venue missing or out of place, a capacity out of range, or an invigilator without the role", body = Problem),
    ))]
#[post("/admin/sessions")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<CreateSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let b = body.0;
    let mut errors = FieldErrors::new();
    let capacity = errors.check(
        "capacity",
        u32::try_from(b.capacity)
            .ok()
            .filter(|c| (1..=MAX_CAPACITY).contains(c))
            .ok_or_else(|| "must be between 1 and 500".to_owned()),
    );
    let venue = match &b.venue {
        Some(v) => errors.check("venue", parse_text(v, 300).map(Some)),
        None => Some(None),
    };
    let cutoff = errors.check(
        "reschedule_cutoff_hours",
        match b.reschedule_cutoff_hours {
            Some(h) if h > MAX_CUTOFF_HOURS => Err("must be at most 672".to_owned()),
            h => Ok(h),
        },
    );
    let (capacity, venue, cutoff) = errors.finish(|| Some((capacity?, venue?, cutoff?)))?;
    let session = use_case::create(
        &state,
        user.id,
        SessionInput {
            qualification_code: b.qualification,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            mode: b.mode,
            venue,
            capacity,
            invigilator_id: b.invigilator_id,
            requires_admission: b.requires_admission,
            reschedule_cutoff_hours: cutoff,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(SessionView::staff(&session)))
}

#[utoipa::path(get, path = "/api/v1/admin/sessions", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every session, soonest first", body = [SessionView]),
        (status = 403, description = "Not an administrator", body = Problem),
    ))]
#[get("/admin/sessions")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let sessions = use_case::list_all(&state).await?;
    Ok(HttpResponse::Ok().json(sessions.iter().map(SessionView::staff).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/admin/sessions/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = SessionView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such session", body = Problem),
    ))]
#[get("/admin/sessions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "session")?;
    let session = use_case::get(&state, id).await?;
    Ok(HttpResponse::Ok().json(SessionView::staff(&session)))
}

#[utoipa::path(post, path = "/api/v1/admin/sessions/{id}/cancel", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "Cancelled, with every booking in it", body = SessionView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such session", body = Problem),
        (status = 409, description = "Already cancelled", body = Problem),
    ))]
#[post("/admin/sessions/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "session")?;
    let session = use_case::cancel(&state, user.id, id).await?;
    Ok(HttpResponse::Ok().json(SessionView::staff(&session)))
}
