//! Administrators read a certificate with its history, suspend, reinstate or revoke it
//! (recording who, when and why), and re-issue it under the holder's current name.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::certificates as use_case;
use crate::domain::certificate::{
    CertificateEvent, CertificateNumber, CertificateRecord, StatusAction,
};
use crate::domain::role::Role;
use crate::domain::values::parse_text;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::routes::public::certificates::VerificationView;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub action: StatusAction,
    /// Why, for the record (who and when are recorded too).
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
    /// What the public verification shows; defaults to a neutral sentence.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub public_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CertificateEventView {
    pub action: CertificateEvent,
    pub reason: Option<String>,
    pub actor: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

#[derive(Serialize, ToSchema)]
pub struct AdminCertificateView {
    #[serde(flatten)]
    pub certificate: VerificationView,
    pub candidate_id: Uuid,
    pub sitting_id: Uuid,
    pub replaced_by: Option<Uuid>,
    pub history: Vec<CertificateEventView>,
}

async fn admin_view(
    state: &AppState,
    c: &CertificateRecord,
) -> Result<AdminCertificateView, ApiError> {
    let history = use_case::history(state, c)
        .await?
        .into_iter()
        .map(|e| CertificateEventView {
            action: e.action,
            reason: e.reason,
            actor: e.actor,
            at: e.at,
        })
        .collect();
    Ok(AdminCertificateView {
        certificate: VerificationView::of(c, true, state.clock.now().date()),
        candidate_id: c.candidate_id,
        sitting_id: c.sitting_id,
        replaced_by: c.replaced_by,
        history,
    })
}

#[utoipa::path(get, path = "/api/v1/admin/certificates/{number}", tag = "admin", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number", pattern = r"^[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]$")),
    responses((status = 200, description = "The certificate with its history", body = AdminCertificateView), (status = 404, description = "No such certificate", body = Problem)))]
#[get("/admin/certificates/{number}")]
pub async fn admin_get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let c = use_case::held_by(&state, user.id, &user.roles, &path).await?;
    Ok(HttpResponse::Ok().json(admin_view(&state, &c).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/certificates/{number}/status", tag = "admin", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number", pattern = r"^[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]$")), request_body = StatusRequest,
    responses((status = 200, description = "Changed; verification shows it at once", body = AdminCertificateView),
        (status = 404, description = "No such certificate", body = Problem), (status = 409, description = "Not allowed from the current status", body = Problem),
        (status = 422, description = "A reason is missing", body = Problem)))]
#[post("/admin/certificates/{number}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<StatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let number =
        CertificateNumber::parse(&path).map_err(|_| ApiError::not_found("no such certificate"))?;
    let reason = parse_text(&body.0.reason, 2000).map_err(|m| ApiError::invalid("reason", m))?;
    let public = match &body.0.public_reason {
        Some(p) => Some(parse_text(p, 500).map_err(|m| ApiError::invalid("public_reason", m))?),
        None => None,
    };
    let c = use_case::change_status(
        &state,
        &number,
        body.0.action,
        public.as_deref(),
        &reason,
        user.id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(admin_view(&state, &c).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueRequest {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/certificates/{number}/reissue", tag = "admin", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number", pattern = r"^[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]$")), request_body = ReissueRequest,
    responses((status = 201, description = "The new certificate, under the holder's current name; the old one is revoked as replaced", body = AdminCertificateView),
        (status = 404, description = "No such certificate", body = Problem), (status = 409, description = "Revoked certificates are not re-issued", body = Problem)))]
#[post("/admin/certificates/{number}/reissue")]
pub async fn reissue(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<ReissueRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let number =
        CertificateNumber::parse(&path).map_err(|_| ApiError::not_found("no such certificate"))?;
    let reason = parse_text(&body.0.reason, 2000).map_err(|m| ApiError::invalid("reason", m))?;
    let new = use_case::reissue(&state, &number, &reason, user.id).await?;
    Ok(HttpResponse::Created().json(admin_view(&state, &new).await?))
}
