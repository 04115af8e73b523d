//! Administrators read the audit trail of a sitting or of a certificate: every entry of
//! the ledger about it, oldest first, with its place in the hash chain.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::audit::{self as use_case, Entry};
use crate::domain::certificate::CertificateNumber;
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

/// One entry of the audit ledger.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    /// Position in the ledger (1, 2, 3, … with no gaps).
    pub seq: i64,
    /// When (RFC 3339, UTC, by the server's clock).
    pub at: String,
    /// The account that acted (a UUID), `system` (the server: closing at the deadline,
    /// scoring, issuing) or `anonymous` (a sign-in attempt naming no account).
    pub actor: String,
    /// The client address the request came from; absent for the server's own work.
    pub client: Option<String>,
    /// What happened, e.g. `sitting.started`, `sitting.answer_saved`,
    /// `certificate.status_changed`.
    pub action: String,
    /// `account`, `sitting`, `certificate`, `evidence`, `ato` or `enrolment`.
    pub target_kind: String,
    pub target_id: String,
    /// The facts of the event: before and after where a state changed.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The previous entry's hash (SHA-256, hex).
    pub prev_hash: String,
    /// This entry's hash, over its fields and `prev_hash`.
    pub hash: String,
}

impl From<Entry> for AuditEntryView {
    fn from(e: Entry) -> Self {
        Self {
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::String(e.detail)),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            client: e.client,
            action: e.action,
            target_kind: e.target_kind,
            target_id: e.target_id,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/sittings/{id}/audit",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Sitting id"), ListQuery),
    responses(
        (status = 200, description = "The sitting's trail, oldest first: started, each answer saved, submitted or closed at the deadline, scored, time added, marked paper read", body = [AuditEntryView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such sitting", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/admin/sittings/{id}/audit")]
pub async fn sitting_trail(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "sitting")?;
    let paging = paging::paging_or(&query, 100)?;
    let page = use_case::of_sitting(&state, id, paging.cursor, paging.limit).await?;
    Ok(paging::respond(
        &req,
        &paging,
        page.map(AuditEntryView::from),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/certificates/{number}/audit",
    tag = "admin",
    security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number"), ListQuery),
    responses(
        (status = 200, description = "The certificate's trail, oldest first: issued, each status change, re-issued", body = [AuditEntryView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such certificate", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem),
    )
)]
#[get("/admin/certificates/{number}/audit")]
pub async fn certificate_trail(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let number =
        CertificateNumber::parse(&path).map_err(|_| ApiError::not_found("no such certificate"))?;
    let paging = paging::paging_or(&query, 100)?;
    let page = use_case::of_certificate(&state, &number, paging.cursor, paging.limit).await?;
    Ok(paging::respond(
        &req,
        &paging,
        page.map(AuditEntryView::from),
    ))
}
