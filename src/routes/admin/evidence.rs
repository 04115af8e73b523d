//! Administrators decide on declared evidence: approve, or reject with a reason.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AuthenticatedUser, Role};
use crate::domain::evidence::{Claim, EvidenceStatus, parse_text};
use crate::email;
use crate::notices;
use crate::persistence::{begin_write, evidence, users};
use crate::routes::evidence::EvidenceView;
use crate::routes::json::ApiJson;
use crate::routes::parse_id;
use crate::routes::problem::{ApiError, Problem};
use crate::startup::AppState;

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
    let records = evidence::with_status(&state.db, status).await?;
    Ok(HttpResponse::Ok().json(
        records
            .into_iter()
            .map(EvidenceView::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
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
    let reason = match (body.0.decision, body.0.reason.as_deref()) {
        (Decision::Reject, None) => {
            return Err(ApiError::invalid(
                "reason",
                "a rejection needs a reason the candidate can read",
            ));
        }
        (_, Some(r)) => Some(parse_text(r, 2000).map_err(|m| ApiError::invalid("reason", m))?),
        (Decision::Approve, None) => None,
    };
    let status = match body.0.decision {
        Decision::Approve => EvidenceStatus::Approved,
        Decision::Reject => EvidenceStatus::Rejected,
    };
    let tx = begin_write(&state.db).await?;
    if evidence::find(&tx, id).await?.is_none() {
        return Err(ApiError::not_found("no such evidence"));
    }
    if !evidence::decide(
        &tx,
        id,
        status,
        reason.as_deref(),
        user.id,
        state.clock.now(),
    )
    .await?
    {
        return Err(ApiError::conflict(
            "already-decided",
            "this evidence has already been decided",
        ));
    }
    let record = evidence::find(&tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such evidence"))?;
    // Tell the candidate, in the same transaction as the decision.
    if let Some(candidate) = users::find_by_id(&tx, record.candidate_id).await? {
        let what = match &record.claim {
            Claim::Credential {
                issuer,
                certificate_number,
                ..
            } => {
                format!("certificate {certificate_number} from {issuer}")
            }
            Claim::AuditExperience { years, .. } => {
                format!("declaration of {years} years' audit experience")
            }
        };
        let approved = status == EvidenceStatus::Approved;
        let message = notices::evidence_decided(
            &candidate.email,
            &candidate.given_name,
            &what,
            approved,
            reason.as_deref(),
        );
        email::queue(&tx, &message, state.clock.now()).await?;
    }
    tx.commit().await.map_err(ApiError::from)?;
    tracing::info!(evidence = %id, decision = status.as_str(), by = %user.id, "evidence decided");
    Ok(HttpResponse::Ok().json(EvidenceView::from(record)))
}
