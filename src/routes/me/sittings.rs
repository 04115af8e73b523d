//! A candidate's sittings: start, resume, save answers, submit, read the result.

use actix_web::{HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::app::sittings::{
    self as use_case, Outcome, Resumed, SaveAnswerError, StartSittingError, SubmitError,
};
use crate::domain::role::Role;
use crate::domain::scoring::Response;
use crate::domain::sitting::{self, SittingStatus};
use crate::domain::voucher::VoucherCode;
use crate::pools::FindError;
use crate::routes::caller::{ApiDevice, AuthenticatedUser, DEVICE_HEADER};
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{ListQuery, paging_or};
use crate::routes::problem::{ApiError, Problem};
use crate::routes::views::{RequirementView, ResultView, SittingView};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSittingRequest {
    #[schema(example = "iso20000-foundation")]
    pub qualification: String,
    /// Needed only when the qualification is offered in more than one open edition.
    #[serde(default)]
    pub edition: Option<String>,
    /// The voucher code to pay with, where the qualification requires a voucher; without
    /// it, one of the candidate's valid vouchers for the qualification is used.
    #[serde(default)]
    #[schema(example = "ABCD-EFGH-JKMN-P", max_length = 64)]
    pub voucher: Option<String>,
    /// The access code of the booked exam session, when its invigilator gave one out
    /// instead of admitting candidates one by one.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub access_code: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/sittings",
    tag = "sittings",
    security(("bearer" = [])),
    params(("Invigilator-Device" = Option<String>, Header, description = "The device the request comes from: a sitting in an exam session is bound to the device it starts on (any value the client keeps, such as a random UUID), and refuses others until the invigilator releases it")),
    request_body = StartSittingRequest,
    responses(
        (status = 201, description = "The sitting, with its questions (never a key)", body = SittingView),
        (status = 403, description = "Prerequisites not met (`unmet` lists them), or the e-mail address is not verified yet", body = Problem),
        (status = 409, description = "A sitting is already in progress, the paper cannot be sat yet, a sitting of a booked exam session is started without naming its device (`device-required`, `field: Invigilator-Device`), it requires a voucher and none is valid (`voucher-required`, `field: voucher`), a resit rule refuses it (`resit-rule`: `rule` names it, `may_sit_from` says from when), or the booked exam session refuses it now (its `type` names the rule: session-required, session-not-open, session-closed, session-cancelled, not-admitted)", body = Problem),
        (status = 422, description = "Unknown qualification or edition, or a mistyped voucher code", body = Problem),
    )
)]
#[post("/sittings")]
pub async fn start(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    device: ApiDevice,
    body: ApiJson<StartSittingRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let now = state.clock.now();
    let voucher = body
        .0
        .voucher
        .as_deref()
        .map(VoucherCode::parse)
        .transpose()
        .map_err(|m| ApiError::invalid("voucher", m))?;
    let record = use_case::start_with(
        &state,
        user.id,
        &body.0.qualification,
        body.0.edition.as_deref(),
        use_case::StartOptions {
            voucher: voucher.as_ref(),
            access_code: body.0.access_code.as_deref(),
            device: device.get(),
        },
        now,
    )
    .await
    .map_err(|e| match e {
        StartSittingError::Unknown(FindError::Unknown(code)) => {
            ApiError::invalid("qualification", format!("there is no qualification {code}"))
        }
        StartSittingError::Unknown(
            e @ (FindError::EditionRequired(..) | FindError::NotInEdition(..)),
        ) => ApiError::invalid("edition", e.to_string()),
        StartSittingError::NotOffered(code) => ApiError::conflict(
            "not-offered",
            format!("{code} cannot be sat yet: its question pool is not available"),
        ),
        StartSittingError::NotEligible(unmet) => ApiError::forbidden(format!(
            "you do not yet meet the prerequisites for {}",
            body.0.qualification
        ))
        .with(
            "unmet",
            unmet
                .iter()
                .map(|(r, why)| RequirementView::from(r).because(why.clone()))
                .collect::<Vec<_>>(),
        ),
        StartSittingError::AlreadyInProgress(id) => {
            let error = ApiError::conflict(
                "sitting-in-progress",
                "you already have a sitting in progress; finish it first",
            );
            if id.is_nil() {
                error
            } else {
                error.with("sitting_id", id)
            }
        }
        StartSittingError::ResitRefused(refusal) => {
            let error = ApiError::conflict("resit-rule", refusal.message.clone())
                .with("rule", refusal.rule);
            match refusal.from {
                Some(from) => error.with("may_sit_from", from.to_string()),
                None => error,
            }
        }
        StartSittingError::Session(refusal) => {
            ApiError::conflict(refusal.rule(), refusal.to_string())
        }
        StartSittingError::EmailNotVerified => ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "email-not-verified",
            e.to_string(),
        ),
        StartSittingError::Voucher(why) => {
            ApiError::conflict("voucher-required", why).with("field", "voucher")
        }
        StartSittingError::DeviceRequired => {
            ApiError::conflict("device-required", e.to_string()).with("field", DEVICE_HEADER)
        }
        StartSittingError::Unexpected(e) => ApiError::internal(e),
    })?;
    tracing::info!(sitting = %record.id, qualification = %record.qualification_code, "sitting started");
    let view = SittingView::build(&record, &Default::default(), &state.catalog, now);
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(
    get,
    path = "/api/v1/sittings/{id}",
    tag = "sittings",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id"), ("Invigilator-Device" = Option<String>, Header, description = "The device the request comes from: a sitting in an exam session is bound to the device it starts on (any value the client keeps, such as a random UUID), and refuses others until the invigilator releases it")),
    responses(
        (status = 200, description = "While in progress: the paper with the answers saved so far (resumes after a disconnect). Once closed: status and result summary only, never an item", body = SittingView),
        (status = 404, description = "No such sitting of yours", body = Problem),
        (status = 409, description = "An invigilated sitting open on another device (`other-device`): the invigilator can release it to this one", body = Problem),
    )
)]
#[get("/sittings/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    device: ApiDevice,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sitting")?;
    let now = state.clock.now();
    let view = match use_case::resume(&state, id, user.id, device.get(), now).await? {
        Resumed::InProgress { record, answers } => {
            SittingView::build(&record, &answers, &state.catalog, now)
        }
        Resumed::Closed(outcome) => SittingView::closed(&outcome, &state.catalog, now),
        Resumed::Voided(record) => SittingView::voided(&record, &state.catalog, now),
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

#[derive(Serialize, ToSchema)]
pub struct SavedAnswerView {
    pub number: u32,
    pub answer: Response,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub saved_at: OffsetDateTime,
    pub remaining_seconds: i64,
}

#[utoipa::path(
    put,
    path = "/api/v1/sittings/{id}/answers/{number}",
    tag = "sittings",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Sitting id"),
        ("number" = u32, Path, description = "Question number, from 1"),
        ("Invigilator-Device" = Option<String>, Header, description = "The device the request comes from: a sitting in an exam session is bound to the device it starts on (any value the client keeps, such as a random UUID), and refuses others until the invigilator releases it"),
    ),
    request_body(content = Response, description = "A classic item takes the label of one option: `{\"choice\":\"B\"}`"),
    responses(
        (status = 200, description = "Saved (saving the same answer again changes nothing)", body = SavedAnswerView),
        (status = 404, description = "No such sitting of yours, or no such question", body = Problem),
        (status = 409, description = "The sitting is closed, past its deadline, paused by the invigilator (`type` paused), or invigilated and open on another device (`type` other-device); nothing was saved", body = Problem),
        (status = 422, description = "The answer does not fit the question", body = Problem),
    )
)]
#[put("/sittings/{id}/answers/{number}")]
pub async fn save_answer(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    device: ApiDevice,
    path: web::Path<(String, String)>,
    body: ApiJson<Response>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let id = parse_id(&id, "sitting")?;
    let number: u32 = number
        .parse()
        .map_err(|_| ApiError::not_found("no such question"))?;
    let now = state.clock.now();
    let saved = use_case::save_answer(&state, id, user.id, number, &body.0, device.get(), now)
        .await
        .map_err(|e| match e {
            SaveAnswerError::NotFound => ApiError::not_found("no such sitting"),
            SaveAnswerError::NoSuchQuestion(n) => {
                ApiError::not_found(format!("this sitting has no question {n}"))
            }
            SaveAnswerError::Invalid(e) => ApiError::invalid(e.field, e.message),
            SaveAnswerError::Closed => ApiError::conflict(
                "sitting-closed",
                "the sitting is closed or its deadline has passed; the answer was not saved",
            ),
            SaveAnswerError::Paused => ApiError::conflict(
                "paused",
                "paused: the invigilator has paused the sitting and its clock stands still; the answer was not saved",
            ),
            SaveAnswerError::OtherDevice => ApiError::conflict("other-device", e.to_string()),
            SaveAnswerError::Unexpected(e) => ApiError::internal(e),
        })?;
    Ok(HttpResponse::Ok().json(SavedAnswerView {
        number,
        answer: body.0,
        saved_at: saved.saved_at,
        remaining_seconds: sitting::remaining_seconds(saved.saved_at, saved.deadline),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/sittings/{id}/submit",
    tag = "sittings",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id"), ("Invigilator-Device" = Option<String>, Header, description = "The device the request comes from: a sitting in an exam session is bound to the device it starts on (any value the client keeps, such as a random UUID), and refuses others until the invigilator releases it")),
    responses(
        (status = 200, description = "Closed and scored", body = ResultView),
        (status = 404, description = "No such sitting of yours", body = Problem),
        (status = 409, description = "Already submitted, closed at its deadline (its result is at /result), voided, paused by the invigilator, or invigilated and open on another device (`other-device`)", body = Problem),
    )
)]
#[post("/sittings/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    device: ApiDevice,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sitting")?;
    let now = state.clock.now();
    let outcome = use_case::submit_and_score(&state, id, user.id, device.get(), now).await.map_err(|e| match e {
        SubmitError::NotFound => ApiError::not_found("no such sitting"),
        SubmitError::AlreadyClosed(SittingStatus::Expired) => ApiError::conflict(
            "sitting-closed",
            "the deadline has passed: the sitting was closed and scored with the answers saved in time",
        )
        .with("sitting_status", SittingStatus::Expired),
        SubmitError::Paused => ApiError::conflict("paused", "paused: the invigilator has paused the sitting; submit once it resumes"),
        SubmitError::AlreadyClosed(status) => {
            ApiError::conflict("sitting-closed", "the sitting has already been submitted").with("sitting_status", status)
        }
        SubmitError::OtherDevice => ApiError::conflict("other-device", e.to_string()),
        SubmitError::Unexpected(e) => ApiError::internal(e),
    })?;
    Ok(HttpResponse::Ok().json(result_view(&outcome)))
}

fn result_view(outcome: &Outcome) -> ResultView {
    ResultView::from(outcome)
}

#[utoipa::path(
    get,
    path = "/api/v1/sittings/{id}/result",
    tag = "sittings",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id")),
    responses(
        (status = 200, description = "The score, pass mark, result and breakdown per syllabus area", body = ResultView),
        (status = 404, description = "No such sitting of yours", body = Problem),
        (status = 409, description = "The sitting is still in progress", body = Problem),
    )
)]
#[get("/sittings/{id}/result")]
pub async fn result(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sitting")?;
    let now = state.clock.now();
    let outcome = use_case::outcome(&state, id, user.id, &user.roles, now).await?;
    Ok(HttpResponse::Ok().json(result_view(&outcome)))
}

#[utoipa::path(
    get,
    path = "/api/v1/sittings/{id}/report.pdf",
    tag = "sittings",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id")),
    responses(
        (status = 200, description = "The score report: score, pass mark, result and a bar chart per syllabus area (no item content)", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "No such sitting of yours", body = Problem),
        (status = 409, description = "The sitting is still in progress", body = Problem),
    )
)]
#[get("/sittings/{id}/report.pdf")]
pub async fn report(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "sitting")?;
    let bytes = use_case::score_report(&state, id, user.id, &user.roles, state.clock.now()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .body(bytes))
}

/// One of the candidate's sittings, without its paper.
#[derive(Serialize, ToSchema)]
pub struct SittingSummaryView {
    pub id: uuid::Uuid,
    pub qualification: String,
    pub title: String,
    pub edition: String,
    pub status: SittingStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub deadline: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<OffsetDateTime>,
    pub score: Option<u32>,
    pub max_score: u32,
    pub pass_mark: u32,
    pub passed: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SittingPage {
    pub items: Vec<SittingSummaryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The page size this list has had from the start (other lists hold 50); clients may
/// rely on it.
const SITTINGS_PER_PAGE: u64 = 20;

#[utoipa::path(
    get,
    path = "/api/v1/me/sittings",
    tag = "me",
    security(("bearer" = [])),
    params(
        ("limit" = Option<u32>, Query, description = "At most this many (1 to 100, default 20)", minimum = 1, maximum = 100),
        ("cursor" = Option<uuid::Uuid>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "The candidate's sittings, newest first, with the result summary of each closed one (never an item)", body = SittingPage),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/me/sittings")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = paging_or(&query, SITTINGS_PER_PAGE)?;
    let now = state.clock.now();
    let page = use_case::of_candidate(&state, user.id, paging.cursor, paging.limit, now).await?;
    let items = page
        .items
        .into_iter()
        .map(|s| {
            let r = s.record;
            SittingSummaryView {
                id: r.id,
                qualification: r.qualification_code,
                title: s.title,
                edition: r.edition,
                status: r.status,
                started_at: r.started_at,
                deadline: r.deadline,
                closed_at: r.closed_at,
                score: r.result.as_ref().map(|x| x.score),
                max_score: r.max_score,
                pass_mark: r.pass_mark,
                passed: r.result.as_ref().map(|x| x.passed),
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(SittingPage {
            items,
            next_cursor: page.next.map(|id| id.to_string()),
        }))
}
