//! Endpoints for staff of an accredited training organization, under `/api/v1/ato`.
//! Everything is scoped to the caller's own organization: another's ids answer 404.

pub mod vouchers;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::atos as ato_use_case;
use crate::app::courses::{self as use_case, CourseStanding, EnrolResult, RowResult};
use crate::domain::ato::{self, Delegate, Delivery, EnrolmentRecord, NewCourse, Outcome};
use crate::domain::role::Role;
use crate::domain::sitting::SittingStatus;
use crate::domain::values::EmailAddress;
use crate::routes::admin::atos::{AtoView, InvitationSentView, InviteRequest};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::{ApiJson, declared_length, read_limited};
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

/// Largest roster upload accepted.
pub const ROSTER_MAX_BYTES: usize = 256 * 1024;

/// 403 for anyone who is not staff of a training organization.
fn staff(user: &AuthenticatedUser) -> Result<uuid::Uuid, ApiError> {
    user.require(Role::AtoStaff)?;
    Ok(user.id)
}

#[utoipa::path(get, path = "/api/v1/ato", tag = "ato", security(("bearer" = [])),
    responses((status = 200, description = "Your training organization and its accreditations", body = AtoView), (status = 403, description = "Not ATO staff", body = Problem)))]
#[get("/ato")]
pub async fn me(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let profile = ato_use_case::own_profile(&state, staff(&user)?).await?;
    Ok(HttpResponse::Ok().json(AtoView::from(profile)))
}

#[utoipa::path(post, path = "/api/v1/ato/invitations", tag = "ato", security(("bearer" = [])), request_body = InviteRequest,
    responses((status = 202, description = "A colleague's invitation is queued for e-mail", body = InvitationSentView),
        (status = 409, description = "The address already has an account", body = Problem)))]
#[post("/ato/invitations")]
pub async fn invite_colleague(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse(&body.0.email).map_err(|m| ApiError::invalid("email", m))?;
    let expires_at = ato_use_case::invite_colleague(&state, staff(&user)?, &email).await?;
    Ok(HttpResponse::Accepted().json(InvitationSentView {
        email: email.to_string(),
        expires_at,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseRequest {
    #[schema(example = "iso20000-auditor")]
    pub qualification: String,
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^(?![\s\S]*(://|[Ww][Ww][Ww]\.))[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: String,
    #[schema(value_type = String, format = Date)]
    pub ends_on: String,
    pub delivery: Delivery,
    #[schema(
        min_length = 1,
        max_length = 120,
        pattern = r"^(?![\s\S]*(://|[Ww][Ww][Ww]\.))[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub trainer_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CourseView {
    pub id: Uuid,
    pub qualification: String,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: String,
    #[schema(value_type = String, format = Date)]
    pub ends_on: String,
    pub delivery: Delivery,
    pub trainer_name: String,
    /// Whether an accreditation of this organization covers the whole course: only then
    /// does completing it meet a course prerequisite.
    pub accredited: bool,
}

impl From<CourseStanding> for CourseView {
    fn from(s: CourseStanding) -> Self {
        let c = s.course;
        Self {
            id: c.id,
            qualification: c.qualification,
            title: c.title,
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            delivery: c.delivery,
            trainer_name: c.trainer_name,
            accredited: s.accredited,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/ato/courses", tag = "ato", security(("bearer" = [])), request_body = CourseRequest,
    responses((status = 201, description = "The course", body = CourseView), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/ato/courses")]
pub async fn create_course(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<CourseRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let b = body.0;
    let offered = |code: &str| {
        state
            .catalog
            .offered()
            .any(|(_, q)| q.qualification.code == code)
    };
    let new = NewCourse::parse(
        &b.qualification,
        &b.title,
        &b.starts_on,
        &b.ends_on,
        b.delivery,
        &b.trainer_name,
        offered,
    )?;
    let course = use_case::create(&state, staff, new).await?;
    Ok(HttpResponse::Created().json(CourseView::from(course)))
}

#[utoipa::path(get, path = "/api/v1/ato/courses", tag = "ato", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Your organization's courses, by start date", body = [CourseView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/ato/courses")]
pub async fn courses(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let paging = paging::paging(&query)?;
    let page = use_case::list(&state, staff, paging.cursor, paging.limit).await?;
    Ok(paging::respond(&req, &paging, page.map(CourseView::from)))
}

#[utoipa::path(get, path = "/api/v1/ato/courses/{id}", tag = "ato", security(("bearer" = [])), params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "The course", body = CourseView), (status = 404, description = "No such course of yours", body = Problem)))]
#[get("/ato/courses/{id}")]
pub async fn show_course(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let course = use_case::get(&state, staff(&user)?, parse_id(&path, "course")?).await?;
    Ok(HttpResponse::Ok().json(CourseView::from(course)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub given_name: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub family_name: String,
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?(\.[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?)+\s*$"
    )]
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolReply {
    pub email: String,
    pub result: EnrolResult,
}

#[utoipa::path(post, path = "/api/v1/ato/courses/{id}/enrolments", tag = "ato", security(("bearer" = [])), params(("id" = String, Path, description = "Course id")),
    request_body = EnrolRequest,
    responses((status = 200, description = "Enrolled: `created` (new account, invited), `linked` (an existing candidate, asked by e-mail to accept; nothing of theirs is shown until they do) or `already_enrolled`", body = EnrolReply),
        (status = 404, description = "No such course of yours", body = Problem), (status = 409, description = "The address belongs to a non-candidate account", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/ato/courses/{id}/enrolments")]
pub async fn enrol(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<EnrolRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let course = parse_id(&path, "course")?;
    // Another organization's course answers 404 whatever the body says.
    use_case::get(&state, staff, course).await?;
    let delegate = Delegate::parse(&body.0.given_name, &body.0.family_name, &body.0.email)?;
    let result = use_case::enrol(&state, staff, course, &delegate).await?;
    Ok(HttpResponse::Ok().json(EnrolReply {
        email: delegate.email.to_string(),
        result,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RosterRowReport {
    /// Line number in the file (the header is line 1).
    pub row: usize,
    pub email: Option<String>,
    /// `created`, `linked`, `already_enrolled` or `rejected`.
    pub result: &'static str,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema, Default)]
pub struct RosterReport {
    pub created: usize,
    pub linked: usize,
    pub already_enrolled: usize,
    pub rejected: usize,
    pub rows: Vec<RosterRowReport>,
}

#[utoipa::path(post, path = "/api/v1/ato/courses/{id}/enrolments/csv", tag = "ato", security(("bearer" = [])), params(("id" = String, Path, description = "Course id")),
    request_body(content = String, content_type = "text/csv", description = "UTF-8 CSV with the header given_name,family_name,email; at most 1000 rows and 256 KiB"),
    responses((status = 200, description = "A report per row; bad rows never block good ones, and uploading the same file again changes nothing", body = RosterReport),
        (status = 404, description = "No such course of yours", body = Problem), (status = 413, description = "The file is too large", body = Problem),
        (status = 415, description = "Not text/csv", body = Problem), (status = 422, description = "No header, not UTF-8, or too many rows", body = Problem),
        (status = 429, description = "Too many roster uploads for this organization; see Retry-After", body = Problem)))]
#[post("/ato/courses/{id}/enrolments/csv")]
pub async fn enrol_csv(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let course = parse_id(&path, "course")?;
    // The course is checked before the body is read: another organization's course
    // answers 404 whatever is uploaded.
    use_case::get(&state, staff, course).await?;
    if !crate::http::has_media_type(&req, "text/csv") {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the body must be text/csv",
        ));
    }
    let body = read_limited(
        payload.into_inner(),
        ROSTER_MAX_BYTES,
        declared_length(&req),
    )
    .await?;
    let rows = use_case::enrol_roster(&state, staff, course, &body).await?;
    let mut report = RosterReport::default();
    for row in rows {
        let (result, reason) = match row.result {
            RowResult::Enrolled(EnrolResult::Created) => ("created", None),
            RowResult::Enrolled(EnrolResult::Linked) => ("linked", None),
            RowResult::Enrolled(EnrolResult::AlreadyEnrolled) => ("already_enrolled", None),
            RowResult::Rejected(reason) => ("rejected", Some(reason)),
        };
        match result {
            "created" => report.created += 1,
            "linked" => report.linked += 1,
            "already_enrolled" => report.already_enrolled += 1,
            _ => report.rejected += 1,
        }
        report.rows.push(RosterRowReport {
            row: row.row,
            email: row.email,
            result,
            reason,
        });
    }
    Ok(HttpResponse::Ok().json(report))
}

/// Where an enrolment stands.
#[derive(Serialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// Waiting for the candidate to accept: nothing about them is shown.
    Invited,
    Accepted,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentView {
    pub id: Uuid,
    /// The candidate's account and names, once they accepted the enrolment.
    pub candidate_id: Option<Uuid>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// The address enrolled.
    pub email: String,
    /// `invited` until the candidate accepts, then `accepted`.
    pub status: EnrolmentStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub accepted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub enrolled_at: OffsetDateTime,
    pub outcome: Option<Outcome>,
}

impl From<EnrolmentRecord> for EnrolmentView {
    fn from(e: EnrolmentRecord) -> Self {
        Self {
            id: e.id,
            candidate_id: e.accepted_at.map(|_| e.candidate_id),
            given_name: e.given_name,
            family_name: e.family_name,
            email: e.email,
            status: if e.accepted_at.is_some() {
                EnrolmentStatus::Accepted
            } else {
                EnrolmentStatus::Invited
            },
            accepted_at: e.accepted_at,
            enrolled_at: e.enrolled_at,
            outcome: e.outcome,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/ato/courses/{id}/enrolments", tag = "ato", security(("bearer" = [])),
    params(("id" = String, Path, description = "Course id"), ListQuery),
    responses((status = 200, description = "The delegates on the course, in the order they were enrolled", body = [EnrolmentView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 404, description = "No such course of yours", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/ato/courses/{id}/enrolments")]
pub async fn enrolments(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let course = parse_id(&path, "course")?;
    let staff = staff(&user)?;
    let paging = paging::paging(&query)?;
    let page = use_case::enrolment_page(&state, staff, course, paging.cursor, paging.limit).await?;
    Ok(paging::respond(
        &req,
        &paging,
        page.map(EnrolmentView::from),
    ))
}

#[utoipa::path(get, path = "/api/v1/ato/courses/{id}/enrolments.csv", tag = "ato", security(("bearer" = [])), params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "The delegates as CSV; cells a spreadsheet would run as formulas are prefixed with an apostrophe", content_type = "text/csv", body = String),
        (status = 404, description = "No such course of yours", body = Problem)))]
#[get("/ato/courses/{id}/enrolments.csv")]
pub async fn enrolments_csv(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let course = parse_id(&path, "course")?;
    let rows = use_case::enrolments(&state, staff(&user)?, course).await?;
    let bytes = ato::enrolments_csv(&rows).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"enrolments-{course}.csv\""),
        ))
        .body(bytes))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    pub outcome: Outcome,
}

#[utoipa::path(put, path = "/api/v1/ato/courses/{id}/enrolments/{enrolment}/outcome", tag = "ato", security(("bearer" = [])),
    params(("id" = String, Path, description = "Course id"), ("enrolment" = String, Path, description = "Enrolment id")),
    request_body = OutcomeRequest,
    responses((status = 200, description = "Recorded", body = EnrolmentView), (status = 404, description = "No such course or enrolment of yours", body = Problem),
        (status = 409, description = "Too early (nothing before the course starts, completion not before it ends), the candidate has not accepted the enrolment, or completion while the accreditation is not in force", body = Problem)))]
#[put("/ato/courses/{id}/enrolments/{enrolment}/outcome")]
pub async fn record_outcome(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<(String, String)>,
    body: ApiJson<OutcomeRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let (course_raw, enrolment_raw) = path.into_inner();
    let course = parse_id(&course_raw, "course")?;
    let enrolment = parse_id(&enrolment_raw, "enrolment")?;
    let record = use_case::record_outcome(&state, staff, course, enrolment, body.0.outcome).await?;
    Ok(HttpResponse::Ok().json(EnrolmentView::from(record)))
}

#[derive(Serialize, ToSchema)]
pub struct DelegateResultView {
    pub candidate_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub qualification: String,
    pub edition: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub date: OffsetDateTime,
    /// `in_progress`, `submitted` or `expired`.
    pub status: SittingStatus,
    pub score: Option<i32>,
    pub max_score: i32,
    pub passed: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/ato/results", tag = "ato", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Sittings of delegates enrolled on your courses, for those courses' qualifications, oldest first; never item content", body = [DelegateResultView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/ato/results")]
pub async fn results(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let paging = paging::paging(&query)?;
    let page = use_case::delegate_results(&state, staff, paging.cursor, paging.limit).await?;
    let views = page.map(|r| DelegateResultView {
        candidate_id: r.candidate_id,
        given_name: r.given_name,
        family_name: r.family_name,
        qualification: r.qualification,
        edition: r.edition,
        date: r.started_at,
        status: r.status,
        score: r.score,
        max_score: r.max_score,
        passed: r.passed,
    });
    Ok(paging::respond(&req, &paging, views))
}
