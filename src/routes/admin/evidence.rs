//! Administrators decide on declared evidence: approve, or reject with a reason.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::evidence as use_case;
use crate::domain::evidence::{Decision, EvidenceStatus};
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::me::evidence::EvidenceView;
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
    params(EvidenceQuery),
    responses(
        (status = 200, description = "Evidence with this status, oldest first", body = [EvidenceView]),
        (status = 403, description = "Not an administrator", body = Problem),
    )
)]
#[get("/admin/evidence")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    query: web::Query<EvidenceQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let status = query.status.unwrap_or(EvidenceStatus::Pending);
    let records = use_case::with_status(&state, status).await?;
    Ok(HttpResponse::Ok().json(
        records
            .into_iter()
            .map(EvidenceView::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: Decision,
    /// Required to reject: the candidate reads it.
    #[serde(default)]
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
