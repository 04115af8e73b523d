//! Endpoints for staff of an accredited training organization, under `/api/v1/ato`.
//! Everything is scoped to the caller's own organization: another's ids answer 404.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::admin::atos::{AtoView, InviteRequest, ato_view, invite, parse_date};
use super::json::{ApiJson, declared_length, read_limited};
use super::parse_id;
use super::problem::{ApiError, FieldError, Problem};
use crate::atos::{self as use_case, EnrolError, EnrolResult};
use crate::auth::{AuthenticatedUser, Role};
use crate::domain::ato::{
    Delegate, Delivery, Outcome, RosterError, check_outcome_date, parse_roster, spreadsheet_safe,
};
use crate::domain::evidence::parse_text;
use crate::persistence::atos::{self, AtoRecord, CourseRecord, EnrolmentRecord};
use crate::persistence::begin_write;
use crate::startup::AppState;

/// Largest roster upload accepted.
pub const ROSTER_MAX_BYTES: usize = 256 * 1024;

/// The caller's organization; 403 for anyone who is not staff of one.
async fn my_ato(state: &AppState, user: &AuthenticatedUser) -> Result<AtoRecord, ApiError> {
    user.require(Role::AtoStaff)?;
    let id = atos::ato_of_staff(&state.db, user.id)
        .await?
        .ok_or_else(|| ApiError::forbidden("you are not staff of a training organization"))?;
    atos::find_ato(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::forbidden("your training organization no longer exists"))
}

async fn my_course(state: &AppState, ato: &AtoRecord, raw: &str) -> Result<CourseRecord, ApiError> {
    let id = parse_id(raw, "course")?;
    atos::find_course(&state.db, id, ato.id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such course"))
}

#[utoipa::path(get, path = "/api/v1/ato", tag = "ato", security(("bearer" = [])),
    responses((status = 200, description = "Your training organization and its accreditations", body = AtoView), (status = 403, description = "Not ATO staff", body = Problem)))]
#[get("/ato")]
pub async fn me(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    Ok(HttpResponse::Ok().json(ato_view(&state, ato).await?))
}

#[utoipa::path(post, path = "/api/v1/ato/invitations", tag = "ato", security(("bearer" = [])), request_body = InviteRequest,
    responses((status = 202, description = "A colleague's invitation is queued for e-mail", body = super::admin::atos::InvitationSentView),
        (status = 409, description = "The address already has an account", body = Problem)))]
#[post("/ato/invitations")]
pub async fn invite_colleague(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    invite(&state, &ato, &body.0.email, user.id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseRequest {
    #[schema(example = "iso20000-auditor")]
    pub qualification: String,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub starts_on: String,
    #[schema(value_type = String, format = Date)]
    pub ends_on: String,
    pub delivery: Delivery,
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

async fn course_view(state: &AppState, c: CourseRecord) -> Result<CourseView, ApiError> {
    let accredited = atos::course_accredited(&state.db, &c).await?;
    Ok(CourseView {
        id: c.id,
        qualification: c.qualification,
        title: c.title,
        starts_on: c.starts_on.to_string(),
        ends_on: c.ends_on.to_string(),
        delivery: c.delivery,
        trainer_name: c.trainer_name,
        accredited,
    })
}

#[utoipa::path(post, path = "/api/v1/ato/courses", tag = "ato", security(("bearer" = [])), request_body = CourseRequest,
    responses((status = 201, description = "The course", body = CourseView), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/ato/courses")]
pub async fn create_course(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<CourseRequest>,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let b = body.0;
    let mut errors = Vec::new();
    let mut check = |field: &str, r: Result<(), String>| {
        if let Err(message) = r {
            errors.push(FieldError {
                field: field.into(),
                message,
            });
        }
    };
    let known = state
        .catalog
        .offered()
        .any(|(_, q)| q.qualification.code == b.qualification);
    check(
        "qualification",
        if known {
            Ok(())
        } else {
            Err(format!("there is no qualification {}", b.qualification))
        },
    );
    let title = parse_text(&b.title, 200);
    check("title", title.as_ref().map(|_| ()).map_err(Clone::clone));
    let starts = parse_date(&b.starts_on);
    check(
        "starts_on",
        starts.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let ends = parse_date(&b.ends_on);
    check("ends_on", ends.as_ref().map(|_| ()).map_err(Clone::clone));
    if let (Ok(s), Ok(e)) = (&starts, &ends)
        && e < s
    {
        check("ends_on", Err("must not be before starts_on".into()));
    }
    let trainer = parse_text(&b.trainer_name, 200);
    check(
        "trainer_name",
        trainer.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let (Ok(title), Ok(starts_on), Ok(ends_on), Ok(trainer_name), true) =
        (title, starts, ends, trainer, errors.is_empty())
    else {
        return Err(ApiError::invalid_fields(errors));
    };
    let course = CourseRecord {
        id: Uuid::now_v7(),
        ato_id: ato.id,
        qualification: b.qualification,
        title,
        starts_on,
        ends_on,
        delivery: b.delivery,
        trainer_name,
        created_by: user.id,
        created_at: state.clock.now(),
    };
    let tx = begin_write(&state.db).await?;
    atos::insert_course(&tx, &course).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::Created().json(course_view(&state, course).await?))
}

#[utoipa::path(get, path = "/api/v1/ato/courses", tag = "ato", security(("bearer" = [])),
    responses((status = 200, description = "Your organization's courses", body = [CourseView])))]
#[get("/ato/courses")]
pub async fn courses(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let mut views = Vec::new();
    for c in atos::courses_of(&state.db, ato.id).await? {
        views.push(course_view(&state, c).await?);
    }
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(get, path = "/api/v1/ato/courses/{id}", tag = "ato", security(("bearer" = [])), params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "The course", body = CourseView), (status = 404, description = "No such course of yours", body = Problem)))]
#[get("/ato/courses/{id}")]
pub async fn show_course(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let course = my_course(&state, &ato, &path).await?;
    Ok(HttpResponse::Ok().json(course_view(&state, course).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub given_name: String,
    pub family_name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolReply {
    pub email: String,
    pub result: EnrolResult,
}

async fn enrol_one(
    state: &AppState,
    course: &CourseRecord,
    ato: &AtoRecord,
    delegate: &Delegate,
    by: Uuid,
) -> Result<EnrolResult, EnrolError> {
    use_case::enrol(state, course, &ato.name, delegate, by).await
}

#[utoipa::path(post, path = "/api/v1/ato/courses/{id}/enrolments", tag = "ato", security(("bearer" = [])), params(("id" = String, Path, description = "Course id")),
    request_body = EnrolRequest,
    responses((status = 200, description = "Enrolled: `created` (new account, invited), `linked` (existing candidate) or `already_enrolled`", body = EnrolReply),
        (status = 404, description = "No such course of yours", body = Problem), (status = 409, description = "The address belongs to a non-candidate account", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/ato/courses/{id}/enrolments")]
pub async fn enrol(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<EnrolRequest>,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let course = my_course(&state, &ato, &path).await?;
    let delegate = Delegate::parse(&body.0.given_name, &body.0.family_name, &body.0.email)
        .map_err(|message| {
            let field = message
                .split_whitespace()
                .next()
                .unwrap_or("body")
                .to_owned();
            ApiError::invalid(field, message)
        })?;
    let result = enrol_one(&state, &course, &ato, &delegate, user.id)
        .await
        .map_err(|e| match e {
            EnrolError::NotACandidate => ApiError::conflict("not-a-candidate", e.to_string()),
            EnrolError::Db(e) => e.into(),
        })?;
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
        (status = 415, description = "Not text/csv", body = Problem), (status = 422, description = "No header, not UTF-8, or too many rows", body = Problem)))]
#[post("/ato/courses/{id}/enrolments/csv")]
pub async fn enrol_csv(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let course = my_course(&state, &ato, &path).await?;
    let is_csv = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
        });
    if !is_csv {
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
    let rows = parse_roster(&body).map_err(|e| match e {
        RosterError::NotUtf8 | RosterError::BadHeader | RosterError::TooManyRows(_) => {
            ApiError::invalid("file", e.to_string())
        }
    })?;
    let mut report = RosterReport::default();
    for row in rows {
        let (email, result, reason) = match row.delegate {
            Err(reason) => (None, "rejected", Some(reason)),
            Ok(delegate) => {
                let email = Some(delegate.email.to_string());
                match enrol_one(&state, &course, &ato, &delegate, user.id).await {
                    Ok(EnrolResult::Created) => (email, "created", None),
                    Ok(EnrolResult::Linked) => (email, "linked", None),
                    Ok(EnrolResult::AlreadyEnrolled) => (email, "already_enrolled", None),
                    Err(EnrolError::NotACandidate) => (
                        email,
                        "rejected",
                        Some(EnrolError::NotACandidate.to_string()),
                    ),
                    Err(EnrolError::Db(e)) => {
                        tracing::error!(error = %e, row = row.row, "enrolling a roster row failed");
                        (
                            email,
                            "rejected",
                            Some("could not be stored; upload the file again".to_owned()),
                        )
                    }
                }
            }
        };
        match result {
            "created" => report.created += 1,
            "linked" => report.linked += 1,
            "already_enrolled" => report.already_enrolled += 1,
            _ => report.rejected += 1,
        }
        report.rows.push(RosterRowReport {
            row: row.row,
            email,
            result,
            reason,
        });
    }
    tracing::info!(course = %course.id, created = report.created, linked = report.linked, rejected = report.rejected, "roster uploaded");
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentView {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub enrolled_at: OffsetDateTime,
    pub outcome: Option<Outcome>,
}

impl From<EnrolmentRecord> for EnrolmentView {
    fn from(e: EnrolmentRecord) -> Self {
        Self {
            id: e.id,
            candidate_id: e.candidate_id,
            given_name: e.given_name,
            family_name: e.family_name,
            email: e.email,
            enrolled_at: e.enrolled_at,
            outcome: e.outcome,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/ato/courses/{id}/enrolments", tag = "ato", security(("bearer" = [])), params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "The delegates on the course", body = [EnrolmentView]), (status = 404, description = "No such course of yours", body = Problem)))]
#[get("/ato/courses/{id}/enrolments")]
pub async fn enrolments(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let course = my_course(&state, &ato, &path).await?;
    let rows = atos::enrolments_of_course(&state.db, course.id).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(EnrolmentView::from)
            .collect::<Vec<_>>(),
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
    let ato = my_ato(&state, &user).await?;
    let course = my_course(&state, &ato, &path).await?;
    let rows = atos::enrolments_of_course(&state.db, course.id).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, cells: [&str; 5]| {
        w.write_record(cells.map(spreadsheet_safe))
            .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))
    };
    write(
        &mut writer,
        [
            "given_name",
            "family_name",
            "email",
            "enrolled_at",
            "outcome",
        ],
    )?;
    for r in rows {
        let enrolled = r
            .enrolled_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        write(
            &mut writer,
            [
                &r.given_name,
                &r.family_name,
                &r.email,
                &enrolled,
                r.outcome.map(Outcome::as_str).unwrap_or(""),
            ],
        )?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"enrolments-{}.csv\"", course.id),
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
        (status = 409, description = "Too early: nothing before the course starts, completion not before it ends", body = Problem)))]
#[put("/ato/courses/{id}/enrolments/{enrolment}/outcome")]
pub async fn record_outcome(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<(String, String)>,
    body: ApiJson<OutcomeRequest>,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let (course_raw, enrolment_raw) = path.into_inner();
    let course = my_course(&state, &ato, &course_raw).await?;
    let enrolment_id = parse_id(&enrolment_raw, "enrolment")?;
    let now = state.clock.now();
    check_outcome_date(body.0.outcome, course.starts_on, course.ends_on, now.date())
        .map_err(|m| ApiError::conflict("too-early", m))?;
    let tx = begin_write(&state.db).await?;
    atos::find_enrolment(&tx, enrolment_id, course.id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such enrolment"))?;
    atos::set_outcome(&tx, enrolment_id, body.0.outcome, user.id, now).await?;
    let record = atos::find_enrolment(&tx, enrolment_id, course.id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such enrolment"))?;
    tx.commit().await.map_err(ApiError::from)?;
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
    pub status: String,
    pub score: Option<i32>,
    pub max_score: i32,
    pub passed: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/ato/results", tag = "ato", security(("bearer" = [])),
    responses((status = 200, description = "Sittings of delegates enrolled on your courses, for those courses' qualifications; never item content", body = [DelegateResultView])))]
#[get("/ato/results")]
pub async fn results(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let ato = my_ato(&state, &user).await?;
    let rows = atos::results_of_ato(&state.db, ato.id).await?;
    let views: Vec<DelegateResultView> = rows
        .into_iter()
        .map(|r| DelegateResultView {
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
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
