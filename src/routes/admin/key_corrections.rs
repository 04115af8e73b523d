//! Administrators correct a wrong key: record a correction, read its dry run, and have a
//! second administrator commit it (or withdraw it).

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::regrade::{self as use_case, Affected, NewCorrection, RegradeError};
use crate::domain::regrade::{CorrectionKind, CorrectionStatus, KeyCorrection, Summary};
use crate::domain::role::Role;
use crate::domain::scoring::Response;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

impl From<RegradeError> for ApiError {
    fn from(e: RegradeError) -> Self {
        match e {
            RegradeError::NotFound => ApiError::not_found(e.to_string()),
            RegradeError::Invalid(errors) => ApiError::invalid_fields(errors),
            RegradeError::NotDraft(_) => ApiError::conflict("not-a-draft", e.to_string()),
            RegradeError::FourEyes => {
                ApiError::new(StatusCode::FORBIDDEN, "four-eyes", e.to_string())
            }
            RegradeError::Raced => ApiError::conflict("changed-meanwhile", e.to_string()),
            RegradeError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct KeyCorrectionView {
    pub id: Uuid,
    pub qualification: String,
    pub edition: String,
    pub item_id: String,
    pub kind: CorrectionKind,
    /// The new (or additionally accepted) key, labelled as written in the pool.
    pub key: Option<Response>,
    pub reason: String,
    pub appeal_id: Option<Uuid>,
    pub status: CorrectionStatus,
    /// The key version this correction made once committed (1, 2, …; 0 is the pool's).
    pub version: Option<u32>,
    pub recorded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
    /// Who committed or withdrew it.
    pub decided_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
}

impl From<KeyCorrection> for KeyCorrectionView {
    fn from(c: KeyCorrection) -> Self {
        Self {
            id: c.id,
            qualification: c.qualification,
            edition: c.edition,
            item_id: c.item_id,
            kind: c.kind,
            key: c.key,
            reason: c.reason,
            appeal_id: c.appeal_id,
            status: c.status,
            version: c.version,
            recorded_by: c.recorded_by,
            recorded_at: c.recorded_at,
            decided_by: c.decided_by,
            decided_at: c.decided_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AffectedSittingView {
    pub sitting_id: Uuid,
    pub candidate_id: Uuid,
    pub candidate_name: String,
    pub candidate_email: String,
    pub old_score: u32,
    /// The score after the commit.
    pub new_score: u32,
    /// What the corrected key gives (differs from `new_score` only when `kept`).
    pub corrected_score: u32,
    pub old_passed: bool,
    pub new_passed: bool,
    /// The old result stands: the scheme's results may only rise.
    pub kept: bool,
}

impl From<Affected> for AffectedSittingView {
    fn from(a: Affected) -> Self {
        let v = a.verdict;
        Self {
            sitting_id: a.sitting_id,
            candidate_id: a.candidate_id,
            candidate_name: a.candidate_name,
            candidate_email: a.candidate_email,
            old_score: v.old_score,
            new_score: v.new_score,
            corrected_score: v.corrected_score,
            old_passed: v.old_passed,
            new_passed: v.new_passed,
            kept: v.kept,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DryRunView {
    /// The scheme's policy: a regrade never lowers a result when true.
    pub results_may_only_rise: bool,
    pub summary: Summary,
    /// Every closed, scored sitting whose paper holds the item, oldest first.
    pub sittings: Vec<AffectedSittingView>,
}

#[derive(Serialize, ToSchema)]
pub struct KeyCorrectionDetail {
    #[serde(flatten)]
    pub correction: KeyCorrectionView,
    /// What committing it now would do; only while it is a draft.
    pub dry_run: Option<DryRunView>,
}

#[derive(Serialize, ToSchema)]
pub struct CommitView {
    pub correction: KeyCorrectionView,
    pub summary: Summary,
    /// Every sitting rescored, with what changed.
    pub sittings: Vec<AffectedSittingView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The qualification's code, e.g. `iso20000-foundation`.
    #[schema(min_length = 1, max_length = 100)]
    pub qualification: String,
    /// Needed only when the item is in several loaded editions of the qualification.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub edition: Option<String>,
    /// The item's stable id in the pool, e.g. `FND-CP-001`.
    #[schema(min_length = 1, max_length = 100)]
    pub item_id: String,
    pub kind: CorrectionKind,
    /// For `new_key` and `accept_either`: the key in the item's own answer shape,
    /// labelled as written in the pool (`{"choice": "B"}` for a classic item). Absent
    /// for `credit_all`.
    #[serde(default)]
    pub key: Option<Response>,
    /// Why: kept with the correction and in the audit ledger.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
    /// The upheld appeal that led to this correction, if any.
    #[serde(default)]
    pub appeal_id: Option<Uuid>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/key-corrections",
    tag = "admin",
    security(("bearer" = [])),
    request_body = CorrectionRequest,
    responses(
        (status = 201, description = "Recorded as a draft; read its dry run, then another administrator commits it", body = KeyCorrectionView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "No such qualification or item, or a key that does not fit the item or is its current key", body = Problem),
    )
)]
#[post("/admin/key-corrections")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<CorrectionRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let b = body.0;
    let new = NewCorrection {
        qualification: b.qualification,
        edition: b.edition,
        item_id: b.item_id,
        kind: b.kind,
        key: b.key,
        reason: b.reason,
        appeal_id: b.appeal_id,
    };
    let correction = use_case::record(&state, new, user.id).await?;
    Ok(HttpResponse::Created().json(KeyCorrectionView::from(correction)))
}

#[derive(Deserialize, IntoParams)]
pub struct CorrectionQuery {
    /// Only corrections with this status; all when absent.
    pub status: Option<CorrectionStatus>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/key-corrections",
    tag = "admin",
    security(("bearer" = [])),
    params(CorrectionQuery, ListQuery),
    responses(
        (status = 200, description = "Key corrections, oldest first", body = [KeyCorrectionView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "A bad status, limit or cursor", body = Problem),
    )
)]
#[get("/admin/key-corrections")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<CorrectionQuery>,
    page_query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let paging = paging::paging(&page_query)?;
    let page = use_case::list(&state, query.status, paging.cursor, paging.limit).await?;
    Ok(paging::respond(
        &req,
        &paging,
        page.map(KeyCorrectionView::from),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/key-corrections/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Key correction id")),
    responses(
        (status = 200, description = "The correction; while a draft, its dry run: every affected sitting with its old and new result", body = KeyCorrectionDetail),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such key correction", body = Problem),
    )
)]
#[get("/admin/key-corrections/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "key correction")?;
    let shown = use_case::show(&state, id).await?;
    Ok(HttpResponse::Ok().json(KeyCorrectionDetail {
        correction: shown.correction.into(),
        dry_run: shown.dry_run.map(|d| DryRunView {
            results_may_only_rise: d.policy.results_may_only_rise,
            summary: d.summary,
            sittings: d.sittings.into_iter().map(Into::into).collect(),
        }),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/key-corrections/{id}/commit",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Key correction id")),
    responses(
        (status = 200, description = "Committed as the next key version: the affected sittings rescored, certificates issued or revoked, candidates told", body = CommitView),
        (status = 403, description = "Not an administrator, or the administrator who recorded the correction (another must commit it)", body = Problem),
        (status = 404, description = "No such key correction", body = Problem),
        (status = 409, description = "Not a draft, or another correction was committed meanwhile", body = Problem),
    )
)]
#[post("/admin/key-corrections/{id}/commit")]
pub async fn commit(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "key correction")?;
    let done = use_case::commit(&state, id, user.id).await?;
    Ok(HttpResponse::Ok().json(CommitView {
        correction: done.correction.into(),
        summary: done.summary,
        sittings: done.sittings.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/key-corrections/{id}/withdraw",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Key correction id")),
    responses(
        (status = 200, description = "Withdrawn; nothing was changed", body = KeyCorrectionView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such key correction", body = Problem),
        (status = 409, description = "Not a draft", body = Problem),
    )
)]
#[post("/admin/key-corrections/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "key correction")?;
    let correction = use_case::withdraw(&state, id, user.id).await?;
    Ok(HttpResponse::Ok().json(KeyCorrectionView::from(correction)))
}
