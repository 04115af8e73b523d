//! Appeals and complaints through the API: candidates lodge, follow and withdraw their
//! cases under `/api/v1/me/cases`; ATO staff lodge on behalf of a delegate under
//! `/api/v1/ato/cases`; administrators list, assign, annotate and decide under
//! `/api/v1/admin/cases`. One module for the three audiences: they share the views.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::cases::{self as use_case, Appellant, CaseError, DecisionInput};
use crate::domain::case::{
    CaseKind, CaseNote, CaseOutcome, CaseRecord, CaseState, NewCase, Remedy, TargetKind,
};
use crate::domain::role::Role;
use crate::routes::admin::audit::AuditEntryView;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound | CaseError::NoSuchTarget(_) | CaseError::NoSuchDelegate => {
                ApiError::not_found(e.to_string())
            }
            CaseError::NotStaff => ApiError::forbidden(e.to_string()),
            CaseError::OutOfWindow(m) => ApiError::conflict("appeal-window-closed", m),
            CaseError::NotAppealable(m) => ApiError::conflict("nothing-to-appeal", m),
            CaseError::WrongState(m) => ApiError::conflict("case-state", m),
            CaseError::AlreadyOpen(m) => ApiError::conflict("appeal-open", m),
            CaseError::ReviewerInvolved(m) => ApiError::conflict("reviewer-involved", m),
            CaseError::RemedyRefused(m) => ApiError::conflict("remedy-refused", m),
            CaseError::Invalid(errors) => ApiError::invalid_fields(errors),
            CaseError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

/// A case as its appellant and administrators see it.
#[derive(Serialize, ToSchema)]
pub struct CaseView {
    pub id: Uuid,
    pub kind: CaseKind,
    pub state: CaseState,
    pub candidate_id: Uuid,
    /// The candidate, or the ATO staff member who lodged it on their behalf.
    pub lodged_by: Uuid,
    /// What an appeal is against (`sitting`, `evidence` or `certificate`).
    pub target_kind: Option<TargetKind>,
    /// The sitting or evidence id, or the certificate number.
    pub target_id: Option<String>,
    /// What a complaint is about, in words.
    pub about: Option<String>,
    pub statement: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: OffsetDateTime,
    /// Whole days since it was received.
    pub age_days: i64,
    pub reviewer_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
    /// The decision's reasons, which the appellant reads.
    pub reasons: Option<String>,
    /// The remedy of an upheld appeal. `regrade` means a key correction is needed (it
    /// cites this case's id).
    pub remedy: Option<Remedy>,
    pub remedy_detail: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<OffsetDateTime>,
}

impl CaseView {
    fn of(c: CaseRecord, now: OffsetDateTime) -> Self {
        Self {
            age_days: c.age_days(now),
            id: c.id,
            kind: c.kind,
            state: c.state,
            candidate_id: c.candidate_id,
            lodged_by: c.lodged_by,
            target_kind: c.target.as_ref().map(|t| t.kind),
            target_id: c.target.map(|t| t.id),
            about: c.about,
            statement: c.statement,
            received_at: c.received_at,
            reviewer_id: c.reviewer_id,
            decided_at: c.decided_at,
            reasons: c.reasons,
            remedy: c.remedy,
            remedy_detail: c.remedy_detail,
            withdrawn_at: c.withdrawn_at,
        }
    }
}

/// A dated note on a case.
#[derive(Serialize, ToSchema)]
pub struct NoteView {
    pub id: Uuid,
    pub author_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub text: String,
}

impl From<CaseNote> for NoteView {
    fn from(n: CaseNote) -> Self {
        Self {
            id: n.id,
            author_id: n.author_id,
            at: n.at,
            text: n.text,
        }
    }
}

/// A case with its notes and its audit trail, for administrators.
#[derive(Serialize, ToSchema)]
pub struct CaseFileView {
    #[serde(flatten)]
    pub case: CaseView,
    pub notes: Vec<NoteView>,
    /// Every step, oldest first: lodged, reviewer assigned, notes, decided, remedy
    /// applied, withdrawn.
    pub history: Vec<AuditEntryView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseRequest {
    /// `appeal` (against a result or decision, within the scheme's window) or
    /// `complaint`.
    pub kind: CaseKind,
    /// What the case is against; required for an appeal, with `target_id`.
    pub target_kind: Option<TargetKind>,
    /// A sitting or evidence id, or a certificate number.
    #[schema(min_length = 1, max_length = 64, pattern = r"^\s*\S+\s*$")]
    pub target_id: Option<String>,
    /// What a complaint is about, in words (an ATO, an invigilator, the process).
    #[schema(max_length = 200, pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$")]
    pub about: Option<String>,
    /// The appellant's statement.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub statement: String,
}

/// The same as `CaseRequest`, by ATO staff for one of their delegates.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AtoCaseRequest {
    /// The delegate: a candidate who accepted an enrolment on one of your courses.
    pub candidate_id: Uuid,
    pub kind: CaseKind,
    /// An ATO appeals only a delegate's sitting it sees (`sitting`).
    pub target_kind: Option<TargetKind>,
    #[schema(min_length = 1, max_length = 64, pattern = r"^\s*\S+\s*$")]
    pub target_id: Option<String>,
    #[schema(max_length = 200, pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$")]
    pub about: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub statement: String,
}

/// Parses what a lodging request says into a new case.
pub fn new_case(
    kind: CaseKind,
    target_kind: Option<TargetKind>,
    target_id: Option<&str>,
    about: Option<&str>,
    statement: &str,
) -> Result<NewCase, ApiError> {
    let target = match (target_kind, target_id) {
        (Some(k), id) => Some((k, id.unwrap_or(""))),
        (None, Some(_)) => {
            return Err(ApiError::invalid(
                "target_kind",
                "is required with target_id",
            ));
        }
        (None, None) => None,
    };
    Ok(NewCase::parse(kind, target, about, statement)?)
}

async fn lodged(
    state: &AppState,
    appellant: Appellant,
    case: NewCase,
) -> Result<HttpResponse, ApiError> {
    let record = use_case::lodge(state, appellant, &case).await?;
    Ok(HttpResponse::Created().json(CaseView::of(record, state.clock.now())))
}

#[utoipa::path(
    post,
    path = "/api/v1/me/cases",
    tag = "me",
    security(("bearer" = [])),
    request_body = CaseRequest,
    responses(
        (status = 201, description = "Received; the candidate is told by e-mail", body = CaseView),
        (status = 403, description = "Only candidates lodge their own cases", body = Problem),
        (status = 404, description = "The target is not one of the candidate's", body = Problem),
        (status = 409, description = "The appeal window has closed (`appeals.window_days`), the target has no result or decision yet, or an appeal against it is already open", body = Problem),
        (status = 422, description = "A field is invalid, or an appeal names no target", body = Problem),
    )
)]
#[post("/me/cases")]
pub async fn lodge(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<CaseRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let b = body.0;
    let case = new_case(
        b.kind,
        b.target_kind,
        b.target_id.as_deref(),
        b.about.as_deref(),
        &b.statement,
    )?;
    lodged(&state, Appellant::Candidate(user.id), case).await
}

#[utoipa::path(
    get,
    path = "/api/v1/me/cases",
    tag = "me",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The caller's cases, oldest first", body = [CaseView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/me/cases")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = paging::paging(&query)?;
    let page = use_case::of_candidate(&state, user.id, paging.cursor, paging.limit).await?;
    let now = state.clock.now();
    Ok(paging::respond(
        &req,
        &paging,
        page.map(|c| CaseView::of(c, now)),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/me/cases/{id}",
    tag = "me",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, description = "One of the caller's cases", body = CaseView),
        (status = 404, description = "No case of yours has this id", body = Problem),
    )
)]
#[get("/me/cases/{id}")]
pub async fn one(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let case = use_case::own(&state, user.id, id).await?;
    Ok(HttpResponse::Ok().json(CaseView::of(case, state.clock.now())))
}

#[utoipa::path(
    post,
    path = "/api/v1/me/cases/{id}/withdraw",
    tag = "me",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, description = "Withdrawn; the candidate is told by e-mail", body = CaseView),
        (status = 404, description = "No case of yours has this id", body = Problem),
        (status = 409, description = "Already decided or withdrawn", body = Problem),
    )
)]
#[post("/me/cases/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "case")?;
    let case = use_case::withdraw(&state, user.id, id).await?;
    Ok(HttpResponse::Ok().json(CaseView::of(case, state.clock.now())))
}

#[utoipa::path(
    post,
    path = "/api/v1/ato/cases",
    tag = "ato",
    security(("bearer" = [])),
    request_body = AtoCaseRequest,
    responses(
        (status = 201, description = "Received on the delegate's behalf; the delegate is told by e-mail", body = CaseView),
        (status = 403, description = "Not staff of a training organization", body = Problem),
        (status = 404, description = "Not one of your delegates (who accepted an enrolment), or a sitting you do not see", body = Problem),
        (status = 409, description = "The appeal window has closed (`appeals.window_days`), the sitting has no result yet, or an appeal against it is already open", body = Problem),
        (status = 422, description = "A field is invalid, or an appeal names no target", body = Problem),
    )
)]
#[post("/ato/cases")]
pub async fn lodge_for_delegate(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<AtoCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::AtoStaff)?;
    let b = body.0;
    let case = new_case(
        b.kind,
        b.target_kind,
        b.target_id.as_deref(),
        b.about.as_deref(),
        &b.statement,
    )?;
    let appellant = Appellant::Staff {
        staff: user.id,
        candidate: b.candidate_id,
    };
    lodged(&state, appellant, case).await
}

#[derive(Deserialize, IntoParams)]
pub struct CasesQuery {
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only appeals or only complaints.
    pub kind: Option<CaseKind>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/cases",
    tag = "admin",
    security(("bearer" = [])),
    params(CasesQuery, ListQuery),
    responses(
        (status = 200, description = "Cases, oldest first, each with its age in days", body = [CaseView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "A bad filter, limit or cursor", body = Problem),
    )
)]
#[get("/admin/cases")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<CasesQuery>,
    page_query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let paging = paging::paging(&page_query)?;
    let page = use_case::list(&state, query.state, query.kind, paging.cursor, paging.limit).await?;
    let now = state.clock.now();
    Ok(paging::respond(
        &req,
        &paging,
        page.map(|c| CaseView::of(c, now)),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/cases/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case with its notes and history", body = CaseFileView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such case", body = Problem),
    )
)]
#[get("/admin/cases/{id}")]
pub async fn file(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "case")?;
    let file = use_case::file(&state, id).await?;
    Ok(HttpResponse::Ok().json(CaseFileView {
        case: CaseView::of(file.case, state.clock.now()),
        notes: file.notes.into_iter().map(NoteView::from).collect(),
        history: file.history.into_iter().map(AuditEntryView::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewerRequest {
    /// An administrator who took no part in the decision appealed.
    pub reviewer: Uuid,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/cases/{id}/reviewer",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body = ReviewerRequest,
    responses(
        (status = 200, description = "Assigned; the case is under review and the appellant told by e-mail", body = CaseView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such case", body = Problem),
        (status = 409, description = "The case is decided or withdrawn, or the reviewer took part in the decision appealed (`reviewer-involved`)", body = Problem),
        (status = 422, description = "The reviewer is not an administrator", body = Problem),
    )
)]
#[post("/admin/cases/{id}/reviewer")]
pub async fn assign(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<ReviewerRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "case")?;
    let case = use_case::assign_reviewer(&state, id, body.0.reviewer, user.id).await?;
    Ok(HttpResponse::Ok().json(CaseView::of(case, state.clock.now())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub text: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/cases/{id}/notes",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body = NoteRequest,
    responses(
        (status = 201, description = "The note, dated", body = NoteView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such case", body = Problem),
        (status = 409, description = "The case is decided or withdrawn", body = Problem),
        (status = 422, description = "The text is empty or too long", body = Problem),
    )
)]
#[post("/admin/cases/{id}/notes")]
pub async fn note(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<NoteRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "case")?;
    let note = use_case::add_note(&state, id, &body.0.text, user.id).await?;
    Ok(HttpResponse::Created().json(NoteView::from(note)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDecisionRequest {
    pub outcome: CaseOutcome,
    /// Required: the appellant reads them.
    #[schema(
        min_length = 1,
        max_length = 4000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reasons: String,
    /// Only with `upheld` on an appeal; `reinstate_certificate` only for an appeal against
    /// a certificate (performed with the decision).
    pub remedy: Option<Remedy>,
    /// What the remedy is; required with `other`.
    #[schema(max_length = 4000, pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$")]
    pub remedy_detail: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/cases/{id}/decision",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id")),
    request_body = CaseDecisionRequest,
    responses(
        (status = 200, description = "Decided, with the remedy applied or recorded; the appellant is told by e-mail", body = CaseView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such case", body = Problem),
        (status = 409, description = "The case is not under review, the caller is not its reviewer, or the remedy cannot be applied", body = Problem),
        (status = 422, description = "No reasons, or a remedy that does not fit the case", body = Problem),
    )
)]
#[post("/admin/cases/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<CaseDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "case")?;
    let b = body.0;
    let input = DecisionInput {
        outcome: b.outcome,
        reasons: Some(&b.reasons),
        remedy: b.remedy,
        remedy_detail: b.remedy_detail.as_deref(),
    };
    let case = use_case::decide(&state, id, &input, user.id).await?;
    Ok(HttpResponse::Ok().json(CaseView::of(case, state.clock.now())))
}
