//! Administrators look candidates up and grant extra time.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::evidence as use_case;
use crate::domain::evidence::{ExtraTimeGrant, parse_grant};
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::routes::admin::sittings::CandidateView;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct CandidateQuery {
    #[param(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?(\.[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?)+\s*$"
    )]
    pub email: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/candidates",
    tag = "admin",
    security(("bearer" = [])),
    params(CandidateQuery),
    responses(
        (status = 200, description = "The account with this e-mail address, if any", body = [CandidateView]),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "Not an e-mail address", body = Problem),
    )
)]
#[get("/admin/candidates")]
pub async fn find(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    query: web::Query<CandidateQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let found = match EmailAddress::parse(&query.email) {
        Ok(email) => use_case::find_account(&state, &email).await?,
        Err(m) => return Err(ApiError::invalid("email", m)),
    };
    let views: Vec<CandidateView> = found
        .into_iter()
        .map(|u| CandidateView {
            id: u.id,
            email: u.email,
            given_name: u.given_name,
            family_name: u.family_name,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraTimeRequest {
    /// Percent of each paper's duration added (0 removes the allowance), at most 100.
    #[schema(example = 25)]
    #[schema(minimum = 0, maximum = 100)]
    #[serde(deserialize_with = "crate::routes::json::whole_number")]
    pub percent: i64,
    /// Why, e.g. "sitting in a second language" or a reference to the evidence seen.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExtraTimeView {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub percent: u32,
    pub reason: String,
    pub granted_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: OffsetDateTime,
}

impl From<ExtraTimeGrant> for ExtraTimeView {
    fn from(g: ExtraTimeGrant) -> Self {
        Self {
            id: g.id,
            candidate_id: g.candidate_id,
            percent: g.percent,
            reason: g.reason,
            granted_by: g.granted_by,
            granted_at: g.granted_at,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/candidates/{id}/extra-time",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate id")),
    request_body = ExtraTimeRequest,
    responses(
        (status = 201, description = "In force for sittings started from now on; sittings in progress keep their deadline", body = ExtraTimeView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such candidate", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem),
    )
)]
#[post("/admin/candidates/{id}/extra-time")]
pub async fn grant_extra_time(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<ExtraTimeRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let candidate_id = use_case::candidate(&state, parse_id(&path, "candidate")?).await?;
    let (percent, reason) = parse_grant(body.0.percent, &body.0.reason)?;
    let grant = use_case::grant_extra_time(&state, candidate_id, percent, reason, user.id).await?;
    Ok(HttpResponse::Created().json(ExtraTimeView::from(grant)))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/candidates/{id}/extra-time",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate id"), ListQuery),
    responses(
        (status = 200, description = "The grants, oldest first; the last one (on the last page) is in force", body = [ExtraTimeView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 404, description = "No such candidate", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/admin/candidates/{id}/extra-time")]
pub async fn extra_time_history(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let candidate = parse_id(&path, "candidate")?;
    let paging = paging::paging(&query)?;
    let page = use_case::extra_time_history(&state, candidate, paging.cursor, paging.limit).await?;
    Ok(paging::respond(
        &req,
        &paging,
        page.map(ExtraTimeView::from),
    ))
}
