//! Administrators record registered certification bodies (RCBs), change their status
//! with a reason (each change kept with its date) and invite their staff.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::rcbs::{self as use_case, BodyProfile};
use crate::domain::rcb::{BodyRecord, BodyStatus, BodyStatusChange, NewBody, StatusChange};
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::routes::admin::atos::{InvitationSentView, InviteRequest};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBodyRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
    /// An ISO 3166-1 alpha-2 code that is assigned, e.g. "GB".
    #[schema(pattern = r"^\s*[A-Za-z]{2}\s*$")]
    pub country: String,
    /// Who accredited the body, e.g. "UKAS".
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub accreditation_body: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatusChangeView<S: ToSchema> {
    pub status: S,
    pub reason: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub effective_on: String,
    pub changed_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub changed_at: OffsetDateTime,
}

impl<S: ToSchema> From<StatusChange<S>> for StatusChangeView<S> {
    fn from(c: StatusChange<S>) -> Self {
        Self {
            status: c.status,
            reason: c.reason,
            effective_on: c.effective_on.to_string(),
            changed_by: c.changed_by,
            changed_at: c.changed_at,
        }
    }
}

/// A certification body as the public sees it.
#[derive(Serialize, ToSchema)]
pub struct BodySummary {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub accreditation_body: String,
    pub status: BodyStatus,
    /// The day the current status took effect.
    #[schema(value_type = String, format = Date)]
    pub status_since: String,
}

impl From<BodyRecord> for BodySummary {
    fn from(b: BodyRecord) -> Self {
        Self {
            id: b.id,
            name: b.name,
            country: b.country,
            accreditation_body: b.accreditation_body,
            status: b.status,
            status_since: b.status_since.to_string(),
        }
    }
}

/// A certification body with its status history, oldest first.
#[derive(Serialize, ToSchema)]
pub struct BodyView {
    #[serde(flatten)]
    pub body: BodySummary,
    pub history: Vec<StatusChangeView<BodyStatus>>,
}

impl From<BodyProfile> for BodyView {
    fn from(p: BodyProfile) -> Self {
        Self {
            body: p.body.into(),
            history: p.history.into_iter().map(StatusChangeView::from).collect(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/admin/certification-bodies", tag = "admin", security(("bearer" = [])), request_body = NewBodyRequest,
    responses((status = 201, description = "Recorded, active from today", body = BodyView), (status = 403, description = "Not an administrator", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/certification-bodies")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<NewBodyRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let b = &body.0;
    let new = NewBody::parse(&b.name, &b.country, &b.accreditation_body)?;
    let profile = use_case::create(&state, new, user.id).await?;
    Ok(HttpResponse::Created().json(BodyView::from(profile)))
}

#[utoipa::path(get, path = "/api/v1/admin/certification-bodies", tag = "admin", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Every certification body, by name", body = [BodySummary],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/admin/certification-bodies")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let paging = paging::paging(&query)?;
    let page = use_case::list(&state, false, paging.cursor, paging.limit).await?;
    Ok(paging::respond(&req, &paging, page.map(BodySummary::from)))
}

#[utoipa::path(get, path = "/api/v1/admin/certification-bodies/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Certification body id")),
    responses((status = 200, description = "The certification body with its status history", body = BodyView), (status = 404, description = "No such body", body = Problem)))]
#[get("/admin/certification-bodies/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let profile = use_case::get(&state, parse_id(&path, "certification body")?).await?;
    Ok(HttpResponse::Ok().json(BodyView::from(profile)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BodyStatusRequest {
    /// `active`, `suspended` or `withdrawn` (final); takes effect today.
    pub status: BodyStatus,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/certification-bodies/{id}/status", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Certification body id")),
    request_body = BodyStatusRequest,
    responses((status = 200, description = "Changed from today; the change is kept in the history", body = BodyView),
        (status = 404, description = "No such body", body = Problem),
        (status = 409, description = "Already so, or withdrawn", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/certification-bodies/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<BodyStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "certification body")?;
    use_case::get(&state, id).await?;
    let change = BodyStatusChange::parse(body.0.status, &body.0.reason)?;
    let profile = use_case::change_status(&state, id, change, user.id).await?;
    Ok(HttpResponse::Ok().json(BodyView::from(profile)))
}

#[utoipa::path(post, path = "/api/v1/admin/certification-bodies/{id}/invitations", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "Certification body id")),
    request_body = InviteRequest,
    responses((status = 202, description = "Invitation queued for e-mail", body = InvitationSentView),
        (status = 404, description = "No such body", body = Problem), (status = 409, description = "The address already has an account", body = Problem)))]
#[post("/admin/certification-bodies/{id}/invitations")]
pub async fn invite_staff(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "certification body")?;
    let email = EmailAddress::parse(&body.0.email).map_err(|m| ApiError::invalid("email", m))?;
    let expires_at = use_case::invite_staff(&state, id, &email, user.id).await?;
    Ok(HttpResponse::Accepted().json(InvitationSentView {
        email: email.to_string(),
        expires_at,
    }))
}
