//! The holder's certificates: the list, the PDF, a signed copy for offline checks, the
//! Open Badges credential, and the choice to be listed in the public register.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::{certificates as use_case, results};
use crate::domain::certificate::CertificateStatus;
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::signing::SignedCertificate;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct MyCertificateView {
    pub number: String,
    pub status: CertificateStatus,
    pub holder_name: String,
    pub qualification: String,
    pub qualification_title: String,
    pub edition: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: String,
    pub sitting_id: Uuid,
    /// The public verification page (the QR code on the PDF opens it).
    pub verification_url: String,
    /// The day it expires; absent when it does not. Past it, verification says `expired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<String>,
    /// The number of the certificate this one renews; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renews: Option<String>,
    /// The number of the certificate that renewed this one; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renewed_by: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "me", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "The signed-in candidate's certificates, oldest first", body = [MyCertificateView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/me/certificates")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = paging::paging(&query)?;
    let page = use_case::of_holder(&state, user.id, paging.cursor, paging.limit).await?;
    let views = page.map(|c| MyCertificateView {
        number: c.number.clone(),
        status: c.status,
        holder_name: c.holder_name.clone(),
        qualification: c.qualification.clone(),
        qualification_title: c.qualification_title.clone(),
        edition: c.edition.clone(),
        issued_on: c.issued_on.to_string(),
        sitting_id: c.sitting_id,
        verification_url: use_case::verification_url(&state, &c),
        expires_on: c.expires_on.map(|d| d.to_string()),
        renews: c.renews.clone(),
        renewed_by: c.renewed_by.clone(),
    });
    Ok(paging::respond(&req, &paging, views))
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/signed", tag = "certificates", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number", pattern = r"^[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]$")),
    responses((status = 200, description = "The signed fields, for offline verification with the published keys (`invigilator certificates verify`)", body = SignedCertificate),
        (status = 404, description = "Not your certificate, or no such certificate", body = Problem)))]
#[get("/certificates/{number}/signed")]
pub async fn signed(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = use_case::held_by(&state, user.id, &user.roles, &path).await?;
    Ok(HttpResponse::Ok().json(use_case::signed_copy(&c)))
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number", pattern = r"^[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]$")),
    responses((status = 200, description = "The PDF certificate (A4 landscape, with a QR code to the verification page)", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "Not your certificate, or no such certificate", body = Problem)))]
#[get("/certificates/{number}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = use_case::held_by(&state, user.id, &user.roles, &path).await?;
    let bytes = results::certificate_pdf(&state, &c).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"certificate-{}.pdf\"", c.number),
        ))
        .body(bytes))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingRequest {
    /// True to be listed in the public register of certificate holders.
    pub listed: bool,
}

#[utoipa::path(put, path = "/api/v1/me/register", tag = "me", security(("bearer" = [])), request_body = ListingRequest,
    responses((status = 200, description = "Your choice, recorded", body = serde_json::Value),
        (status = 403, description = "Only candidates are listed", body = Problem)))]
#[put("/me/register")]
pub async fn set_listing(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<ListingRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    use_case::set_listing(&state, user.id, body.0.listed).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"listed": body.0.listed})))
}

/// An Open Badges 3.0 credential for a certificate, as a VC-JWT.
#[derive(Serialize, ToSchema)]
pub struct BadgeView {
    /// The OpenBadgeCredential (W3C Verifiable Credential) as JSON.
    pub credential: serde_json::Value,
    /// The same credential signed as a VC-JWT (EdDSA, the certificate signing key; `kid`
    /// names the published key).
    pub jwt: String,
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/badge", tag = "certificates", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number", pattern = r"^[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]$")),
    responses((status = 200, description = "The certificate as an Open Badges 3.0 credential, signed as a VC-JWT; the subject is identified by a salted hash of the holder's e-mail address", body = BadgeView),
        (status = 409, description = "The certificate is suspended or revoked: it has no credential", body = Problem),
        (status = 404, description = "Not your certificate, or no such certificate", body = Problem)))]
#[get("/certificates/{number}/badge")]
pub async fn badge(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = use_case::held_by(&state, user.id, &user.roles, &path).await?;
    let (credential, jwt) = use_case::signed_badge(&state, &c).await?;
    Ok(HttpResponse::Ok().json(BadgeView { credential, jwt }))
}
