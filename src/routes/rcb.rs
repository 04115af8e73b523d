//! Endpoints for staff of a registered certification body, under `/api/v1/rcb`, and the
//! public register of certified organizations. A staff member reaches only their own
//! body's records: another's ids answer 404. A suspended or withdrawn body's staff can
//! read but not write (409).

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::rcbs::{self as use_case, CertifiedView, RcbError, Search};
use crate::domain::rcb::{
    CertificationChange, CertificationStatus, CertifiedDetails, CertifiedInput, ShownStatus,
};
use crate::domain::role::Role;
use crate::routes::admin::rcbs::{BodySummary, BodyView, StatusChangeView};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

impl From<RcbError> for ApiError {
    fn from(e: RcbError) -> Self {
        match e {
            RcbError::NotStaff => ApiError::forbidden(e.to_string()),
            RcbError::NoSuchBody | RcbError::NoSuchRecord => ApiError::not_found(e.to_string()),
            RcbError::BodyNotActive(_) => ApiError::conflict("body-not-active", e.to_string()),
            RcbError::StatusRefused(_) => ApiError::conflict("status-refused", e.to_string()),
            RcbError::DuplicateNumber => {
                ApiError::conflict("duplicate-certificate-number", e.to_string())
            }
            RcbError::HasAccount => ApiError::conflict("has-account", e.to_string()),
            RcbError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

/// 403 for anyone who is not staff of a certification body.
fn staff(user: &AuthenticatedUser) -> Result<Uuid, ApiError> {
    user.require(Role::RcbStaff)?;
    Ok(user.id)
}

#[derive(Serialize, ToSchema)]
pub struct BodyRef {
    pub id: Uuid,
    pub name: String,
}

/// A certified organization as it reads today: `expired` once its expiry date is past.
#[derive(Serialize, ToSchema)]
pub struct CertifiedOrganizationView {
    pub id: Uuid,
    pub organization: String,
    pub country: String,
    pub scope: String,
    #[schema(example = "ISO/IEC 20000-1:2011")]
    pub edition: String,
    pub certificate_number: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: String,
    #[schema(value_type = String, format = Date)]
    pub expires_on: String,
    pub status: ShownStatus,
    pub certification_body: BodyRef,
    /// Each status decision with its date and reason, oldest first (staff views only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StatusChangeView<CertificationStatus>>>,
}

impl CertifiedOrganizationView {
    fn of(v: CertifiedView, with_history: bool) -> Self {
        let d = v.record.details;
        Self {
            id: v.record.id,
            organization: d.organization,
            country: d.country.as_ref().to_owned(),
            scope: d.scope,
            edition: d.edition,
            certificate_number: d.certificate_number,
            issued_on: d.issued_on.to_string(),
            expires_on: d.expires_on.to_string(),
            status: v.status,
            certification_body: BodyRef {
                id: v.record.body_id,
                name: v.body_name,
            },
            history: with_history
                .then(|| v.history.into_iter().map(StatusChangeView::from).collect()),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/rcb", tag = "rcb", security(("bearer" = [])),
    responses((status = 200, description = "Your certification body and its status history", body = BodyView), (status = 403, description = "Not certification body staff", body = Problem)))]
#[get("/rcb")]
pub async fn me(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let profile = use_case::body_of_staff(&state, staff(&user)?).await?;
    Ok(HttpResponse::Ok().json(BodyView::from(profile)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertifiedOrganizationRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub organization: String,
    /// An ISO 3166-1 alpha-2 code, e.g. "NL".
    #[schema(pattern = r"^\s*[A-Za-z]{2}\s*$")]
    pub country: String,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub scope: String,
    #[schema(example = "ISO/IEC 20000-1:2011")]
    pub edition: String,
    /// Unique within your certification body.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]+\s*$"
    )]
    pub certificate_number: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: String,
    /// After `issued_on`.
    #[schema(value_type = String, format = Date)]
    pub expires_on: String,
}

impl CertifiedOrganizationRequest {
    fn parse(&self) -> Result<CertifiedDetails, ApiError> {
        Ok(CertifiedDetails::parse(&CertifiedInput {
            organization: &self.organization,
            country: &self.country,
            scope: &self.scope,
            edition: &self.edition,
            certificate_number: &self.certificate_number,
            issued_on: &self.issued_on,
            expires_on: &self.expires_on,
        })?)
    }
}

#[utoipa::path(post, path = "/api/v1/rcb/organizations", tag = "rcb", security(("bearer" = [])), request_body = CertifiedOrganizationRequest,
    responses((status = 201, description = "Recorded, valid", body = CertifiedOrganizationView),
        (status = 403, description = "Not certification body staff", body = Problem),
        (status = 409, description = "The certificate number is taken in your body, or your body is not active", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/rcb/organizations")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<CertifiedOrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let details = body.0.parse()?;
    let view = use_case::record(&state, staff, details).await?;
    Ok(HttpResponse::Created().json(CertifiedOrganizationView::of(view, true)))
}

#[utoipa::path(get, path = "/api/v1/rcb/organizations", tag = "rcb", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Your body's records by organization name", body = [CertifiedOrganizationView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not certification body staff", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/rcb/organizations")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let paging = paging::paging(&query)?;
    let page = use_case::own_records(&state, staff, paging.cursor, paging.limit).await?;
    Ok(paging::respond(
        &req,
        &paging,
        page.map(|v| CertifiedOrganizationView::of(v, false)),
    ))
}

#[utoipa::path(get, path = "/api/v1/rcb/organizations/{id}", tag = "rcb", security(("bearer" = [])), params(("id" = String, Path, description = "Record id")),
    responses((status = 200, description = "The record with its status history", body = CertifiedOrganizationView),
        (status = 403, description = "Not certification body staff", body = Problem),
        (status = 404, description = "No such record in your body", body = Problem)))]
#[get("/rcb/organizations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let id = parse_id(&path, "certified organization")?;
    let view = use_case::own_record(&state, staff, id).await?;
    Ok(HttpResponse::Ok().json(CertifiedOrganizationView::of(view, true)))
}

#[utoipa::path(put, path = "/api/v1/rcb/organizations/{id}", tag = "rcb", security(("bearer" = [])), params(("id" = String, Path, description = "Record id")),
    request_body = CertifiedOrganizationRequest,
    responses((status = 200, description = "Corrected", body = CertifiedOrganizationView),
        (status = 403, description = "Not certification body staff", body = Problem),
        (status = 404, description = "No such record in your body", body = Problem),
        (status = 409, description = "The certificate number is taken in your body, or your body is not active", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem)))]
#[put("/rcb/organizations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<CertifiedOrganizationRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let id = parse_id(&path, "certified organization")?;
    // Another body's record answers 404 whatever the body says.
    use_case::own_record(&state, staff, id).await?;
    let details = body.0.parse()?;
    let view = use_case::correct(&state, staff, id, details).await?;
    Ok(HttpResponse::Ok().json(CertifiedOrganizationView::of(view, true)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationStatusRequest {
    /// `valid`, `suspended` or `withdrawn` (final); takes effect today.
    pub status: CertificationStatus,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/rcb/organizations/{id}/status", tag = "rcb", security(("bearer" = [])), params(("id" = String, Path, description = "Record id")),
    request_body = CertificationStatusRequest,
    responses((status = 200, description = "Changed from today; kept in the history with its reason", body = CertifiedOrganizationView),
        (status = 403, description = "Not certification body staff", body = Problem),
        (status = 404, description = "No such record in your body", body = Problem),
        (status = 409, description = "Already so, withdrawn, expired, or your body is not active", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/rcb/organizations/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<CertificationStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let id = parse_id(&path, "certified organization")?;
    use_case::own_record(&state, staff, id).await?;
    let change = CertificationChange::parse(body.0.status, &body.0.reason)?;
    let view = use_case::change_record_status(&state, staff, id, change).await?;
    Ok(HttpResponse::Ok().json(CertifiedOrganizationView::of(view, true)))
}

/// A parameter's text, trimmed; blank is absent.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A search of the register; every parameter is optional.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterSearch {
    /// Part of the organization's name, in any case.
    #[param(max_length = 200)]
    pub organization: Option<String>,
    /// An ISO 3166-1 alpha-2 code, in any case; blank is no filter.
    #[param(pattern = r"^\s*([A-Za-z]{2})?\s*$")]
    pub country: Option<String>,
    /// A certification body's id (see `/api/v1/certification-bodies`); blank (the
    /// search page's "any body") is no filter.
    #[param(
        pattern = r"^\s*([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})?\s*$"
    )]
    pub rcb: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// The parts of a search that say something: blank fields are no filter.
pub fn parse_search(q: &RegisterSearch) -> Result<Search<'_>, ApiError> {
    let organization = given(&q.organization);
    // What was sent, as the schema's maxLength counts it (spaces around included).
    if q.organization
        .as_deref()
        .is_some_and(|o| o.chars().count() > 200)
    {
        return Err(ApiError::invalid(
            "organization",
            "must be at most 200 characters",
        ));
    }
    let country = given(&q.country);
    if country.is_some_and(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic())) {
        return Err(ApiError::invalid(
            "country",
            "must be a two-letter country code such as GB",
        ));
    }
    let rcb = given(&q.rcb)
        .map(|r| {
            Uuid::parse_str(r)
                .map_err(|_| ApiError::invalid("rcb", "must be a certification body id"))
        })
        .transpose()?;
    Ok(Search {
        organization,
        country,
        body: rcb,
    })
}

#[utoipa::path(get, path = "/api/v1/certified-organizations", tag = "register", params(RegisterSearch),
    responses((status = 200, description = "Organizations certified by active certification bodies, by name, as they read today", body = [CertifiedOrganizationView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad parameter", body = Problem)))]
#[get("/certified-organizations")]
pub async fn search(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<RegisterSearch>,
) -> Result<HttpResponse, ApiError> {
    let search = parse_search(&query)?;
    let paging = paging::paging(&ListQuery {
        limit: query.limit.clone(),
        cursor: query.cursor.clone(),
    })?;
    let page = use_case::search(&state, &search, paging.cursor, paging.limit).await?;
    Ok(paging::respond(
        &req,
        &paging,
        page.map(|v| CertifiedOrganizationView::of(v, false)),
    ))
}

#[utoipa::path(get, path = "/api/v1/certification-bodies", tag = "register", params(ListQuery),
    responses((status = 200, description = "The active certification bodies, by name", body = [BodySummary],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/certification-bodies")]
pub async fn bodies(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = paging::paging(&query)?;
    let page = use_case::list(&state, true, paging.cursor, paging.limit).await?;
    Ok(paging::respond(&req, &paging, page.map(BodySummary::from)))
}
