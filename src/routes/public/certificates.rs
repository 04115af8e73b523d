//! Certificates for anyone: verification by number (API) and by the QR code's link (a
//! page), the published signing keys, and the opt-in public register.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::app::certificates::{self as use_case, CertificateError};
use crate::domain::certificate::{
    CertificateNumber, CertificateRecord, CertificateStatus, NumberError, StatusPurpose,
    VerificationStatus,
};
use crate::routes::limits::client_address;
use crate::routes::problem::{ApiError, Problem};
use crate::signing::Jwks;
use crate::state::AppState;

fn parse_number(raw: &str) -> Result<CertificateNumber, ApiError> {
    CertificateNumber::parse(raw).map_err(|e| {
        let slug = match e {
            NumberError::Malformed => "malformed-number",
            NumberError::CheckCharacter => "check-character",
        };
        ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            slug,
            e.to_string(),
        )
    })
}

/// What anyone may learn about a certificate.
#[derive(Serialize, ToSchema)]
pub struct VerificationView {
    pub number: String,
    /// `valid`, `suspended`, `revoked`, or `expired` from the certificate's expiry date
    /// on (computed from the date; a revoked certificate stays `revoked`).
    pub status: VerificationStatus,
    /// The holder, only when they opted in to the register or the verifier gave their
    /// family name and it matches (`family_name`); otherwise null.
    pub holder_name: Option<String>,
    /// Whether the `family_name` given is the holder's; absent when none was given
    /// (and when the holder's name was erased).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_name_matches: Option<bool>,
    /// True when the holder's name was erased at their request: the certificate keeps
    /// its number, status, qualification and dates, and no name is ever given.
    pub holder_erased: bool,
    pub qualification: String,
    pub qualification_title: String,
    pub edition: String,
    pub edition_title: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: String,
    pub issuer: String,
    /// The day the certificate expires; null when it does not.
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<String>,
    /// The number of the certificate this one renews, if any.
    pub renews: Option<String>,
    /// The number of the certificate that renewed this one, if any.
    pub renewed_by: Option<String>,
    /// When not valid: since when, and why (a reason fit for the public).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub status_changed_at: Option<OffsetDateTime>,
    pub reason: Option<String>,
}

impl VerificationView {
    /// The certificate's public details, naming the holder when `named`.
    pub fn of(c: &CertificateRecord, named: bool, today: time::Date) -> Self {
        // Suspension and revocation carry a reason and a time; expiry is the date itself.
        let not_valid = c.status != CertificateStatus::Valid;
        Self {
            number: c.number.clone(),
            status: c.status_on(today),
            expires_on: c.expires_on.map(|d| d.to_string()),
            renews: c.renews.clone(),
            renewed_by: c.renewed_by.clone(),
            holder_name: named.then(|| c.holder_name.clone()),
            holder_name_matches: None,
            holder_erased: false,
            qualification: c.qualification.clone(),
            qualification_title: c.qualification_title.clone(),
            edition: c.edition.clone(),
            edition_title: c.edition_title.clone(),
            issued_on: c.issued_on.to_string(),
            issuer: c.issuer.clone(),
            status_changed_at: c.status_changed_at.filter(|_| not_valid),
            reason: c.status_reason.clone().filter(|_| not_valid),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct VerificationQuery {
    /// The holder's family name, as the verifier knows it: the answer says whether it
    /// matches (and names the holder when it does).
    pub family_name: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/verification", tag = "certificates",
    params(("number" = String, Path, description = "Certificate number, e.g. I20F-2026-000123-K", pattern = r"^[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]$"), VerificationQuery),
    responses((status = 200, description = "The certificate's status and public details", body = VerificationView),
        (status = 400, description = "Malformed number, or a wrong check character (a typo)", body = Problem),
        (status = 404, description = "No certificate has this number", body = Problem),
        (status = 429, description = "Too many requests from this client; see Retry-After", body = Problem)))]
#[get("/certificates/{number}/verification")]
pub async fn verification(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<VerificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let number = parse_number(&path)?;
    let family_name = query
        .family_name
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty());
    let found = use_case::verify(&state, client_address(&req), &number, family_name)
        .await
        .map_err(|e| match e {
            CertificateError::NotFound => ApiError::not_found("no certificate has this number"),
            e => e.into(),
        })?;
    let today = state.clock.now().date();
    let mut view = VerificationView::of(&found.certificate, found.holder_named, today);
    view.holder_name_matches = found.family_name_matches;
    view.holder_erased = found.holder_erased;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(view))
}

#[utoipa::path(get, path = "/api/v1/certificates/keys", tag = "certificates",
    responses((status = 200, description = "The public keys that sign certificates (JWKS, Ed25519), with key ids for rotation", body = Jwks)))]
#[get("/certificates/keys")]
pub async fn keys(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.signer.jwks())
}

#[derive(Deserialize, IntoParams)]
pub struct RegisterQuery {
    /// Family name (or part of the holder's name) to look for.
    pub family_name: Option<String>,
    /// A certificate number, e.g. I20F-2026-000123-K.
    #[param(pattern = r"^\s*[0-9A-Za-z]{4}-[0-9]{4}-[0-9]{6}-[0-9A-Za-z]\s*$")]
    pub number: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/register", tag = "certificates", params(RegisterQuery),
    responses((status = 200, description = "Certificates of holders who chose to be listed", body = [VerificationView]),
        (status = 400, description = "Neither a family name nor a number, or a malformed number", body = Problem),
        (status = 429, description = "Too many requests from this client", body = Problem)))]
#[get("/register")]
pub async fn search(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, ApiError> {
    let family = query
        .family_name
        .as_deref()
        .map(str::trim)
        .filter(|f| f.chars().count() >= 2);
    let number = match query.number.as_deref() {
        Some(raw) => Some(parse_number(raw)?),
        None => None,
    };
    if family.is_none() && number.is_none() {
        return Err(ApiError::bad_request(
            "search by family_name (two letters or more) or number",
        ));
    }
    let rows =
        use_case::search_register(&state, client_address(&req), family, number.as_ref()).await?;
    // The register lists only holders who chose to be listed: it names them.
    let today = state.clock.now().date();
    Ok(HttpResponse::Ok().json(
        rows.iter()
            .map(|c| VerificationView::of(c, true, today))
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(get, path = "/api/v1/certificates/status/{purpose}", tag = "certificates",
    params(("purpose" = StatusPurpose, Path, description = "`revocation` or `suspension`")),
    responses((status = 200, description = "The W3C BitstringStatusListCredential of this purpose, as a VC-JWT signed with the certificate key; Open Badges credentials point into it", content_type = "application/vc+jwt", body = String),
        (status = 404, description = "No such list", body = Problem)))]
#[get("/certificates/status/{purpose}")]
pub async fn status_list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let purpose: StatusPurpose = path
        .parse()
        .map_err(|_| ApiError::not_found("the status lists are revocation and suspension"))?;
    let jwt = use_case::status_list(&state, purpose).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vc+jwt")
        .insert_header(("Cache-Control", "no-cache"))
        .body(jwt))
}
