//! Examiners read a sitting's marked paper, for appeals.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::sittings as use_case;
use crate::domain::fields::FieldErrors;
use crate::domain::pool::{ItemBody, Level, Style};
use crate::domain::role::Role;
use crate::domain::scoring::{self, Response};
use crate::domain::sitting::SittingStatus;
use crate::domain::values::{option_label, parse_text};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::routes::views::{OptionView, options_of};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub id: Uuid,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedItemView {
    pub number: u32,
    pub item_id: String,
    pub area: String,
    pub level: Level,
    pub clause: String,
    pub style: Style,
    pub stem: String,
    /// In the order this candidate saw them.
    pub options: Vec<OptionView>,
    /// The key, as labelled for this candidate.
    pub key: Vec<String>,
    pub response: Option<Response>,
    pub marks: u32,
    pub awarded: u32,
    pub pilot: bool,
    pub rationale: String,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedSittingView {
    pub id: Uuid,
    pub candidate: CandidateView,
    pub qualification: String,
    pub edition: String,
    /// SHA-256 of the pool the paper was drawn from.
    pub pool_hash: String,
    pub seed: i64,
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
    pub closed_reason: Option<String>,
    pub score: Option<u32>,
    pub max_score: u32,
    pub pass_mark: u32,
    pub passed: Option<bool>,
    /// The version of the qualification's key that scored the sitting: 0 is the key as
    /// shipped, each committed key correction the next; null while unscored.
    pub key_version: Option<u32>,
    pub items: Vec<MarkedItemView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/sittings/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id")),
    responses(
        (status = 200, description = "The marked paper: each item, the response, the key and the marks awarded", body = MarkedSittingView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such sitting", body = Problem),
    )
)]
#[get("/admin/sittings/{id}")]
pub async fn sitting(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "sitting")?;
    let now = state.clock.now();
    let use_case::MarkedPaper {
        record,
        candidate,
        answers,
    } = use_case::marked_paper(&state, id, user.id, now).await?;
    let items = record
        .paper
        .items
        .iter()
        .map(|item| {
            let response = answers.get(&item.number).cloned();
            let key: Vec<String> = match &item.body {
                ItemBody::Classic { key, .. } => vec![option_label(*key)],
                ItemBody::MultipleResponse { keys, .. }
                | ItemBody::Matching { keys, .. }
                | ItemBody::AssertionReason { keys, .. }
                | ItemBody::Sequencing { keys, .. } => {
                    keys.iter().map(|k| option_label(*k)).collect()
                }
            };
            MarkedItemView {
                number: item.number,
                item_id: item.item_id.clone(),
                area: item.area.clone(),
                level: item.level,
                clause: item.clause.clone(),
                style: item.style(),
                stem: item.stem.clone(),
                options: options_of(item),
                key,
                // As stored: a regrade's corrected key may have changed the marks.
                awarded: record
                    .result
                    .as_ref()
                    .and_then(|r| r.awarded.get(&item.number).copied())
                    .unwrap_or_else(|| scoring::mark_item(item, response.as_ref())),
                response,
                marks: item.marks,
                pilot: item.pilot,
                rationale: item.rationale.clone(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(MarkedSittingView {
        id: record.id,
        candidate: CandidateView {
            id: candidate.id,
            email: candidate.email,
            given_name: candidate.given_name,
            family_name: candidate.family_name,
        },
        qualification: record.qualification_code.clone(),
        edition: record.edition.clone(),
        pool_hash: record.pool_hash.clone(),
        seed: record.seed,
        status: record.status,
        started_at: record.started_at,
        deadline: record.deadline,
        closed_at: record.closed_at,
        closed_reason: record.closed_reason.clone(),
        score: record.result.as_ref().map(|r| r.score),
        max_score: record.max_score,
        pass_mark: record.pass_mark,
        passed: record.result.as_ref().map(|r| r.passed),
        key_version: crate::app::regrade::key_version_of(&state, record.id)
            .await
            .map_err(ApiError::internal)?,
        items,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/sittings/{id}/results.qti.xml",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id")),
    responses(
        (status = 200, description = "The closed sitting's responses and outcomes as a QTI 3.0 Results Reporting document (assessmentResult): the candidate by user id, SCORE, MAXSCORE, PASSMARK and PASSED, and per delivered item the response, the correct response (labels as this candidate saw them) and its SCORE", content_type = "application/xml", body = String),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such sitting", body = Problem),
        (status = 409, description = "The sitting is still in progress, or was voided", body = Problem),
    )
)]
#[get("/admin/sittings/{id}/results.qti.xml")]
pub async fn results_qti(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "sitting")?;
    let document =
        crate::app::qti_results::qti_results(&state, id, user.id, state.clock.now()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"sitting-{id}-results.qti.xml\""),
        ))
        .body(document))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    /// Minutes to add, 1 to 240.
    #[schema(minimum = 1, maximum = 240)]
    #[serde(deserialize_with = "crate::routes::json::whole_number")]
    pub minutes: i64,
    /// Why (kept on record), up to 500 characters.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExtensionView {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub deadline: OffsetDateTime,
    pub remaining_seconds: i64,
}

#[utoipa::path(post, path = "/api/v1/admin/sittings/{id}/extension", tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id")),
    request_body = ExtensionRequest,
    responses(
        (status = 200, description = "The sitting's new deadline; an open exam page shows the added time within seconds", body = ExtensionView),
        (status = 404, description = "No such sitting", body = Problem),
        (status = 409, description = "The sitting is closed or its time has already run out", body = Problem),
        (status = 422, description = "A bad number of minutes or reason", body = Problem),
    ))]
#[post("/admin/sittings/{id}/extension")]
pub async fn extend(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<ExtensionRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "sitting")?;
    let b = body.0;
    let mut errors = FieldErrors::new();
    let minutes = errors.check(
        "minutes",
        u32::try_from(b.minutes)
            .ok()
            .filter(|m| (1..=240).contains(m))
            .ok_or_else(|| "must be between 1 and 240".to_owned()),
    );
    let reason = errors.check("reason", parse_text(&b.reason, 500));
    let (minutes, reason) = errors.finish(|| Some((minutes?, reason?)))?;
    let record = use_case::extend(&state, id, minutes, &reason, user.id).await?;
    Ok(HttpResponse::Ok().json(ExtensionView {
        id: record.id,
        deadline: record.deadline,
        remaining_seconds: crate::domain::sitting::remaining_seconds(
            state.clock.now(),
            record.deadline,
        ),
    }))
}
