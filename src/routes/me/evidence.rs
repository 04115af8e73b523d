//! A candidate declares evidence toward prerequisites: external credentials and audit
//! experience. Each stays pending until an administrator decides.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::evidence as use_case;
use crate::domain::evidence::{Claim, ClaimKind, EvidenceRecord, EvidenceStatus};
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    /// A credential named by the scheme's prerequisites, e.g. `itil-foundation` or
    /// `bcs-iso20000-foundation`.
    #[schema(example = "itil-foundation")]
    pub kind: String,
    #[schema(example = "PeopleCert")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub issuer: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub certificate_number: String,
    /// The date on the certificate (YYYY-MM-DD), not in the future.
    #[schema(value_type = String, format = Date, example = "2024-05-17")]
    pub date: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperienceRequest {
    /// Whole years conducting audits in an IT environment.
    #[schema(minimum = 1, maximum = 60)]
    #[serde(deserialize_with = "crate::routes::json::whole_number")]
    pub years: i64,
    /// Where and what was audited; an administrator checks it.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: Uuid,
    pub candidate_id: Uuid,
    /// `credential` or `audit_experience`.
    pub kind: ClaimKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: EvidenceStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub submitted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was rejected (or a note on approval).
    pub decision_reason: Option<String>,
}

impl From<EvidenceRecord> for EvidenceView {
    fn from(r: EvidenceRecord) -> Self {
        let mut view = Self {
            id: r.id,
            candidate_id: r.candidate_id,
            kind: r.claim.kind(),
            credential: None,
            issuer: None,
            certificate_number: None,
            date: None,
            years: None,
            description: None,
            status: r.status,
            submitted_at: r.submitted_at,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
        };
        match r.claim {
            Claim::Credential {
                credential,
                issuer,
                certificate_number,
                issued_on,
            } => {
                view.credential = Some(credential);
                view.issuer = Some(issuer);
                view.certificate_number = Some(certificate_number);
                view.date = Some(issued_on.to_string());
            }
            Claim::AuditExperience { years, description } => {
                view.years = Some(years);
                view.description = Some(description);
            }
        }
        view
    }
}

async fn store(
    state: &AppState,
    candidate_id: Uuid,
    claim: Claim,
) -> Result<HttpResponse, ApiError> {
    let record = use_case::declare(state, candidate_id, &claim).await?;
    Ok(HttpResponse::Created().json(EvidenceView::from(record)))
}

#[utoipa::path(
    post,
    path = "/api/v1/me/credentials",
    tag = "me",
    security(("bearer" = [])),
    request_body = CredentialRequest,
    responses(
        (status = 201, description = "Declared; pending an administrator's decision", body = EvidenceView),
        (status = 403, description = "Only candidates declare evidence", body = Problem),
        (status = 409, description = "Too many declarations are waiting for a decision", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem),
    )
)]
#[post("/me/credentials")]
pub async fn declare_credential(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<CredentialRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let b = body.0;
    let claim = Claim::parse_credential(
        &b.kind,
        &b.issuer,
        &b.certificate_number,
        &b.date,
        &use_case::known_credentials(&state),
        state.clock.now().date(),
    )?;
    store(&state, user.id, claim).await
}

#[utoipa::path(
    post,
    path = "/api/v1/me/experience",
    tag = "me",
    security(("bearer" = [])),
    request_body = ExperienceRequest,
    responses(
        (status = 201, description = "Declared; pending an administrator's decision", body = EvidenceView),
        (status = 403, description = "Only candidates declare evidence", body = Problem),
        (status = 409, description = "Too many declarations are waiting for a decision", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem),
    )
)]
#[post("/me/experience")]
pub async fn declare_experience(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<ExperienceRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let claim = Claim::parse_experience(body.0.years, &body.0.description)?;
    store(&state, user.id, claim).await
}

#[utoipa::path(
    get,
    path = "/api/v1/me/evidence",
    tag = "me",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "What the candidate has declared, with its status, oldest first", body = [EvidenceView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/me/evidence")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = paging::paging(&query)?;
    let page = use_case::of_candidate(&state, user.id, paging.cursor, paging.limit).await?;
    Ok(paging::respond(&req, &paging, page.map(EvidenceView::from)))
}
