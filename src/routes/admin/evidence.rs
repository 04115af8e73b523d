//! Administrators decide on declared evidence: approve, or reject with a reason.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::evidence as use_case;
use crate::domain::evidence::{Decision, EvidenceStatus};
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::me::evidence::EvidenceView;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct EvidenceQuery {
    /// `pending` (default), `approved` or `rejected`.
    pub status: Option<EvidenceStatus>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/evidence",
    tag = "admin",
    security(("bearer" = [])),
    params(EvidenceQuery, ListQuery),
    responses(
        (status = 200, description = "Evidence with this status, oldest first", body = [EvidenceView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/admin/evidence")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<EvidenceQuery>,
    page_query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let status = query.status.unwrap_or(EvidenceStatus::Pending);
    let paging = paging::paging(&page_query)?;
    let page = use_case::with_status(&state, status, paging.cursor, paging.limit).await?;
    Ok(paging::respond(&req, &paging, page.map(EvidenceView::from)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: Decision,
    /// Required to reject: the candidate reads it.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/evidence/{id}/decision",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Evidence id")),
    request_body = DecisionRequest,
    responses(
        (status = 200, description = "Decided; recorded with who and when", body = EvidenceView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such evidence", body = Problem),
        (status = 409, description = "Already decided", body = Problem),
        (status = 422, description = "A rejection without a reason", body = Problem),
    )
)]
#[post("/admin/evidence/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "evidence")?;
    let decision = body.0.decision.record(body.0.reason.as_deref())?;
    let record = use_case::decide(&state, id, &decision, user.id).await?;
    Ok(HttpResponse::Ok().json(EvidenceView::from(record)))
}
