//! Provisional results for administrators: the list awaiting a recommendation or a
//! decision, the examiner's recommendation, and the certification decision by someone
//! else (ISO/IEC 17024 separates them).

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::result_decisions::{self as use_case, Awaiting, DecisionError, Stepped};
use crate::domain::result_decision::{DecisionRecord, Stage, StepRefused};
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

/// At most this many results are listed, oldest first.
const LISTED: u64 = 200;

/// A result under the `confirmed` policy and where it stands.
#[derive(Serialize, ToSchema)]
pub struct ResultDecisionView {
    pub sitting_id: Uuid,
    /// `provisional` (awaiting a recommendation), `recommended` (awaiting the decision)
    /// or `decided` (final).
    pub stage: Stage,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub provisional_since: OffsetDateTime,
    pub recommended_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub recommended_at: Option<OffsetDateTime>,
    pub recommendation_note: Option<String>,
    pub decided_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    pub decision_note: Option<String>,
    /// The certificate the decision issued (a pass only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_number: Option<String>,
}

impl From<&DecisionRecord> for ResultDecisionView {
    fn from(d: &DecisionRecord) -> Self {
        Self {
            sitting_id: d.sitting_id,
            stage: d.stage,
            provisional_since: d.created_at,
            recommended_by: d.recommended_by,
            recommended_at: d.recommended_at,
            recommendation_note: d.recommendation_note.clone(),
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            decision_note: d.decision_note.clone(),
            certificate_number: None,
        }
    }
}

/// A result awaiting a step, with the sitting's facts.
#[derive(Serialize, ToSchema)]
pub struct AwaitingResultView {
    #[serde(flatten)]
    pub decision: ResultDecisionView,
    pub candidate_id: Uuid,
    pub candidate_name: String,
    pub qualification: String,
    pub title: String,
    pub score: Option<u32>,
    pub max_score: u32,
    pub pass_mark: u32,
    pub passed: Option<bool>,
}

impl From<&Awaiting> for AwaitingResultView {
    fn from(a: &Awaiting) -> Self {
        let result = a.sitting.result.as_ref();
        Self {
            decision: ResultDecisionView::from(&a.decision),
            candidate_id: a.sitting.candidate_id,
            candidate_name: a.candidate_name.clone(),
            qualification: a.sitting.qualification_code.clone(),
            title: a.title.clone(),
            score: result.map(|r| r.score),
            max_score: a.sitting.max_score,
            pass_mark: a.sitting.pass_mark,
            passed: result.map(|r| r.passed),
        }
    }
}

impl From<DecisionError> for ApiError {
    fn from(e: DecisionError) -> Self {
        match e {
            DecisionError::NotFound => ApiError::not_found(e.to_string()),
            DecisionError::Refused(r @ StepRefused::SamePerson) => {
                ApiError::conflict("separation-of-duties", r.to_string())
            }
            DecisionError::Refused(r) => ApiError::conflict("result-stage", r.to_string()),
            DecisionError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/results",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Provisional results awaiting a recommendation or the certification decision, oldest first (at most 200)", body = [AwaitingResultView]),
        (status = 403, description = "Not an administrator", body = Problem),
    )
)]
#[get("/admin/results")]
pub async fn awaiting(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let list = use_case::awaiting(&state, LISTED).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(
            list.iter()
                .map(AwaitingResultView::from)
                .collect::<Vec<_>>(),
        ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// For the record (the audit ledger and the result's history).
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub note: Option<String>,
}

/// The note as given, checked as the schema says.
fn note(body: &StepRequest) -> Result<Option<&str>, ApiError> {
    match body.note.as_deref() {
        None => Ok(None),
        Some(n) if n.trim().is_empty() => {
            Err(ApiError::invalid("note", "write a note, or leave it out"))
        }
        Some(n) if n.chars().count() > 2000 => {
            Err(ApiError::invalid("note", "at most 2000 characters"))
        }
        Some(n) if n.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            Err(ApiError::invalid("note", "no control characters"))
        }
        Some(n) => Ok(Some(n)),
    }
}

fn stepped(s: Stepped) -> HttpResponse {
    let mut view = ResultDecisionView::from(&s.decision);
    view.certificate_number = s.certificate_number;
    HttpResponse::Ok().json(view)
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/results/{sitting}/recommendation",
    tag = "admin",
    security(("bearer" = [])),
    params(("sitting" = String, Path, description = "Sitting id")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "Recommended; recorded with who and when, and awaiting the decision of another administrator", body = ResultDecisionView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No provisional result for this sitting", body = Problem),
        (status = 409, description = "Already recommended or decided", body = Problem),
        (status = 422, description = "A bad note", body = Problem),
    )
)]
#[post("/admin/results/{sitting}/recommendation")]
pub async fn recommend(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<StepRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "sitting")?;
    let note = note(&body.0)?;
    Ok(stepped(
        use_case::recommend(&state, id, note, user.id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/results/{sitting}/decision",
    tag = "admin",
    security(("bearer" = [])),
    params(("sitting" = String, Path, description = "Sitting id")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "Decided: the result is final, a pass has its certificate (`certificate_number`), and the candidate is e-mailed", body = ResultDecisionView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No provisional result for this sitting", body = Problem),
        (status = 409, description = "Not recommended yet, already decided, or you recommended it (`separation-of-duties`: the recommender cannot also decide)", body = Problem),
        (status = 422, description = "A bad note", body = Problem),
    )
)]
#[post("/admin/results/{sitting}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<StepRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "sitting")?;
    let note = note(&body.0)?;
    Ok(stepped(use_case::decide(&state, id, note, user.id).await?))
}
