//! Administrators create training organizations, accredit them per course, suspend or
//! withdraw an accreditation with a reason, and invite an organization's first staff.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::atos::{self as use_case, AtoProfile};
use crate::domain::ato::{
    AccreditationEnding, AccreditationRecord, AccreditationStatus, NewAccreditation, NewAto,
};
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAtoRequest {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
    /// ISO 3166-1 alpha-2 code, e.g. "GB".
    #[schema(pattern = r"^\s*[A-Za-z]{2}\s*$")]
    pub country: String,
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?(\.[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?)+\s*$"
    )]
    pub contact_email: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccreditationView {
    pub id: Uuid,
    pub qualification: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: String,
    #[schema(value_type = String, format = Date)]
    pub valid_until: String,
    pub status: AccreditationStatus,
    /// The day a suspension or withdrawal took effect.
    #[schema(value_type = Option<String>, format = Date)]
    pub ended_on: Option<String>,
    pub status_reason: Option<String>,
    pub status_changed_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub status_changed_at: Option<OffsetDateTime>,
}

impl From<AccreditationRecord> for AccreditationView {
    fn from(a: AccreditationRecord) -> Self {
        Self {
            id: a.id,
            qualification: a.period.qualification,
            valid_from: a.period.valid_from.to_string(),
            valid_until: a.period.valid_until.to_string(),
            status: a.status,
            ended_on: a.period.ended_on.map(|d| d.to_string()),
            status_reason: a.status_reason,
            status_changed_by: a.status_changed_by,
            status_changed_at: a.status_changed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AtoView {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub contact_email: String,
    pub accreditations: Vec<AccreditationView>,
}

impl From<AtoProfile> for AtoView {
    fn from(p: AtoProfile) -> Self {
        Self {
            id: p.ato.id,
            name: p.ato.name,
            country: p.ato.country,
            contact_email: p.ato.contact_email,
            accreditations: p
                .accreditations
                .into_iter()
                .map(AccreditationView::from)
                .collect(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/admin/atos", tag = "admin", security(("bearer" = [])), request_body = NewAtoRequest,
    responses((status = 201, description = "Created", body = AtoView), (status = 403, description = "Not an administrator", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/atos")]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<NewAtoRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let b = &body.0;
    let new = NewAto::parse(&b.name, &b.country, &b.contact_email)?;
    let profile = use_case::create(&state, new).await?;
    Ok(HttpResponse::Created().json(AtoView::from(profile)))
}

#[utoipa::path(get, path = "/api/v1/admin/atos", tag = "admin", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "The training organizations with their accreditations, by name", body = [AtoView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/admin/atos")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let paging = paging::paging(&query)?;
    let page = use_case::list(&state, paging.cursor, paging.limit).await?;
    Ok(paging::respond(&req, &paging, page.map(AtoView::from)))
}

#[utoipa::path(get, path = "/api/v1/admin/atos/{id}", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "ATO id")),
    responses((status = 200, description = "The training organization", body = AtoView), (status = 404, description = "No such organization", body = Problem)))]
#[get("/admin/atos/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let profile = use_case::get(&state, parse_id(&path, "training organization")?).await?;
    Ok(HttpResponse::Ok().json(AtoView::from(profile)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccreditRequest {
    /// The qualification whose course is accredited, e.g. `iso20000-auditor`.
    pub qualification: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: String,
    #[schema(value_type = String, format = Date)]
    pub valid_until: String,
}

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/accreditations", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "ATO id")),
    request_body = AccreditRequest,
    responses((status = 201, description = "Accredited", body = AtoView), (status = 404, description = "No such organization", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/atos/{id}/accreditations")]
pub async fn accredit(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<AccreditRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let ato = parse_id(&path, "training organization")?;
    // An unknown organization answers 404 whatever the body says.
    use_case::get(&state, ato).await?;
    let b = &body.0;
    let offered = |code: &str| {
        state
            .catalog
            .offered()
            .any(|(_, q)| q.qualification.code == code)
    };
    let new = NewAccreditation::parse(&b.qualification, &b.valid_from, &b.valid_until, offered)?;
    let profile = use_case::accredit(&state, ato, new, user.id).await?;
    Ok(HttpResponse::Created().json(AtoView::from(profile)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccreditationStatusRequest {
    /// `suspended` or `withdrawn`; takes effect today.
    pub status: AccreditationStatus,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/accreditations/{accreditation}/status", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "ATO id"), ("accreditation" = String, Path, description = "Accreditation id")),
    request_body = AccreditationStatusRequest,
    responses((status = 200, description = "Suspended or withdrawn from today, with who, when and why", body = AtoView),
        (status = 404, description = "No such organization or accreditation", body = Problem),
        (status = 409, description = "Not active any more", body = Problem), (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/admin/atos/{id}/accreditations/{accreditation}/status")]
pub async fn end_accreditation(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<(String, String)>,
    body: ApiJson<AccreditationStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (ato_raw, accreditation_raw) = path.into_inner();
    let ato = parse_id(&ato_raw, "training organization")?;
    let accreditation = parse_id(&accreditation_raw, "accreditation")?;
    use_case::get(&state, ato).await?;
    let ending = AccreditationEnding::parse(body.0.status, &body.0.reason)?;
    let profile = use_case::end_accreditation(&state, ato, accreditation, ending, user.id).await?;
    Ok(HttpResponse::Ok().json(AtoView::from(profile)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?(\.[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?)+\s*$"
    )]
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationSentView {
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/invitations", tag = "admin", security(("bearer" = [])), params(("id" = String, Path, description = "ATO id")),
    request_body = InviteRequest,
    responses((status = 202, description = "Invitation queued for e-mail", body = InvitationSentView),
        (status = 404, description = "No such organization", body = Problem), (status = 409, description = "The address already has an account", body = Problem)))]
#[post("/admin/atos/{id}/invitations")]
pub async fn invite_staff(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let ato = parse_id(&path, "training organization")?;
    let email = EmailAddress::parse(&body.0.email).map_err(|m| ApiError::invalid("email", m))?;
    let expires_at = use_case::invite_staff_of(&state, ato, &email, user.id).await?;
    Ok(HttpResponse::Accepted().json(InvitationSentView {
        email: email.to_string(),
        expires_at,
    }))
}
