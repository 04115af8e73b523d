//! Certificates: public verification (API and a page for the QR code), published keys,
//! the holder's certificates and signed copies, the opt-in public register, and the
//! administrators' suspend / reinstate / revoke / re-issue.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::ApiJson;
use super::problem::{ApiError, Problem};
use crate::auth::{AuthenticatedUser, Role};
use crate::certificates::{self as use_case, ChangeError};
use crate::domain::certificate::{CertificateNumber, CertificateStatus, NumberError, StatusAction};
use crate::domain::evidence::parse_text;
use crate::persistence::begin_write;
use crate::persistence::certificates::{self as repo, CertificateRecord};
use crate::signing::{Jwks, SignedCertificate};
use crate::startup::AppState;

/// Per-client limit on public verification lookups.
#[derive(Clone)]
pub struct VerificationLimiter(pub Arc<DefaultKeyedRateLimiter<IpAddr>>);

impl VerificationLimiter {
    pub fn per_minute(n: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self(Arc::new(RateLimiter::keyed(quota)))
    }

    /// 429 with Retry-After once a client has used its quota. Keyed by the peer address
    /// (not a forwarded-for header, which a client could forge).
    fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let ip = req
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        self.0.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            ApiError::new(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "too many verification requests; try again shortly",
            )
            .with_retry_after(wait.as_secs().max(1))
        })
    }
}

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
    /// `valid`, `suspended` or `revoked`.
    pub status: CertificateStatus,
    pub holder_name: String,
    pub qualification: String,
    pub qualification_title: String,
    pub edition: String,
    pub edition_title: String,
    #[schema(value_type = String, format = Date)]
    pub issued_on: String,
    pub issuer: String,
    /// When not valid: since when, and why (a reason fit for the public).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub status_changed_at: Option<OffsetDateTime>,
    pub reason: Option<String>,
}

impl From<&CertificateRecord> for VerificationView {
    fn from(c: &CertificateRecord) -> Self {
        let not_valid = c.status != CertificateStatus::Valid;
        Self {
            number: c.number.clone(),
            status: c.status,
            holder_name: c.holder_name.clone(),
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

#[utoipa::path(get, path = "/api/v1/certificates/{number}/verification", tag = "certificates",
    params(("number" = String, Path, description = "Certificate number, e.g. I20F-2026-000123-K")),
    responses((status = 200, description = "The certificate's status and public details", body = VerificationView),
        (status = 400, description = "Malformed number, or a wrong check character (a typo)", body = Problem),
        (status = 404, description = "No certificate has this number", body = Problem),
        (status = 429, description = "Too many requests from this client; see Retry-After", body = Problem)))]
#[get("/certificates/{number}/verification")]
pub async fn verification(
    state: web::Data<AppState>,
    limiter: web::Data<VerificationLimiter>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(&req)?;
    let number = parse_number(&path)?;
    let certificate = repo::by_number(&state.db, number.as_ref())
        .await?
        .ok_or_else(|| ApiError::not_found("no certificate has this number"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(VerificationView::from(&certificate)))
}

#[utoipa::path(get, path = "/api/v1/certificates/keys", tag = "certificates",
    responses((status = 200, description = "The public keys that sign certificates (JWKS, Ed25519), with key ids for rotation", body = Jwks)))]
#[get("/certificates/keys")]
pub async fn keys(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.certificates.signer.jwks())
}

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
}

pub fn verification_url(state: &AppState, c: &CertificateRecord) -> String {
    format!(
        "{}/verify/{}",
        state.mailer.public_base_url, c.verification_code
    )
}

#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "The signed-in candidate's certificates", body = [MyCertificateView])))]
#[get("/me/certificates")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let rows = repo::of_candidate(&state.db, user.id).await?;
    let views: Vec<MyCertificateView> = rows
        .iter()
        .map(|c| MyCertificateView {
            number: c.number.clone(),
            status: c.status,
            holder_name: c.holder_name.clone(),
            qualification: c.qualification.clone(),
            qualification_title: c.qualification_title.clone(),
            edition: c.edition.clone(),
            issued_on: c.issued_on.to_string(),
            sitting_id: c.sitting_id,
            verification_url: verification_url(&state, c),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// The certificate if the user holds it or is an administrator; 404 for anyone else.
pub async fn holders_certificate(
    state: &AppState,
    user: &AuthenticatedUser,
    raw: &str,
) -> Result<CertificateRecord, ApiError> {
    let number =
        CertificateNumber::parse(raw).map_err(|_| ApiError::not_found("no such certificate"))?;
    repo::by_number(&state.db, number.as_ref())
        .await?
        .filter(|c| c.candidate_id == user.id || user.has(Role::Admin))
        .ok_or_else(|| ApiError::not_found("no such certificate"))
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/signed", tag = "certificates", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number")),
    responses((status = 200, description = "The signed fields, for offline verification with the published keys (`invigilator certificates verify`)", body = SignedCertificate),
        (status = 404, description = "Not your certificate, or no such certificate", body = Problem)))]
#[get("/certificates/{number}/signed")]
pub async fn signed(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = holders_certificate(&state, &user, &path).await?;
    Ok(HttpResponse::Ok().json(SignedCertificate {
        certificate: c.signed_fields(),
        kid: c.kid.clone(),
        signature: c.signature.clone(),
    }))
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number")),
    responses((status = 200, description = "The PDF certificate (A4 landscape, with a QR code to the verification page)", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "Not your certificate, or no such certificate", body = Problem)))]
#[get("/certificates/{number}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = holders_certificate(&state, &user, &path).await?;
    let bytes = crate::results::certificate_pdf(&state, &c).await?;
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
    responses((status = 200, description = "Your choice, recorded", body = serde_json::Value)))]
#[put("/me/register")]
pub async fn set_listing(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<ListingRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let tx = begin_write(&state.db).await?;
    repo::set_listed(&tx, user.id, body.0.listed, state.clock.now()).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"listed": body.0.listed})))
}

#[derive(Deserialize, IntoParams)]
pub struct RegisterQuery {
    /// Family name (or part of the holder's name) to look for.
    pub family_name: Option<String>,
    pub number: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/register", tag = "certificates", params(RegisterQuery),
    responses((status = 200, description = "Certificates of holders who chose to be listed", body = [VerificationView]),
        (status = 400, description = "Neither a family name nor a number, or a malformed number", body = Problem),
        (status = 429, description = "Too many requests from this client", body = Problem)))]
#[get("/register")]
pub async fn search(
    state: web::Data<AppState>,
    limiter: web::Data<VerificationLimiter>,
    req: HttpRequest,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(&req)?;
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
        repo::search_register(&state.db, family, number.as_ref().map(|n| n.as_ref())).await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(VerificationView::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub action: StatusAction,
    /// Why, for the record (who and when are recorded too).
    pub reason: String,
    /// What the public verification shows; defaults to a neutral sentence.
    #[serde(default)]
    pub public_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CertificateEventView {
    pub action: String,
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
    let history = repo::events(&state.db, c.id)
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
        certificate: VerificationView::from(c),
        candidate_id: c.candidate_id,
        sitting_id: c.sitting_id,
        replaced_by: c.replaced_by,
        history,
    })
}

fn change_error(e: ChangeError) -> ApiError {
    match e {
        ChangeError::NotFound => ApiError::not_found("no such certificate"),
        ChangeError::NotAllowed(m) => ApiError::conflict("status-not-allowed", m),
        ChangeError::Db(e) => e.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/admin/certificates/{number}", tag = "admin", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number")),
    responses((status = 200, description = "The certificate with its history", body = AdminCertificateView), (status = 404, description = "No such certificate", body = Problem)))]
#[get("/admin/certificates/{number}")]
pub async fn admin_get(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let c = holders_certificate(&state, &user, &path).await?;
    Ok(HttpResponse::Ok().json(admin_view(&state, &c).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/certificates/{number}/status", tag = "admin", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number")), request_body = StatusRequest,
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
    let public = match (&body.0.public_reason, body.0.action) {
        (Some(p), _) => parse_text(p, 500).map_err(|m| ApiError::invalid("public_reason", m))?,
        (None, StatusAction::Suspend) => "Suspended by the certification body".to_owned(),
        (None, StatusAction::Revoke) => "Revoked by the certification body".to_owned(),
        (None, StatusAction::Reinstate) => "Reinstated".to_owned(),
    };
    let c = use_case::change_status(
        &state.db,
        number.as_ref(),
        body.0.action,
        &public,
        &reason,
        user.id,
        state.clock.now(),
    )
    .await
    .map_err(change_error)?;
    tracing::info!(certificate = %c.number, action = ?body.0.action, by = %user.id, "certificate status changed");
    Ok(HttpResponse::Ok().json(admin_view(&state, &c).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueRequest {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/certificates/{number}/reissue", tag = "admin", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number")), request_body = ReissueRequest,
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
    let new = use_case::reissue(
        &state.db,
        &state.certificates,
        number.as_ref(),
        &reason,
        user.id,
        state.clock.now(),
    )
    .await
    .map_err(change_error)?;
    Ok(HttpResponse::Created().json(admin_view(&state, &new).await?))
}

/// The public page the QR code opens: readable on a phone, no login, says plainly when a
/// certificate is not valid.
#[get("/verify/{code}")]
pub async fn page(
    state: web::Data<AppState>,
    limiter: web::Data<VerificationLimiter>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    limiter.check(&req)?;
    let found = repo::by_code(&state.db, &path).await?;
    let e = crate::email::html_escape;
    let body = match found {
        None => "<h1>Certificate not found</h1><p class=\"bad\">No certificate matches this link. Check that the whole address was copied.</p>".to_owned(),
        Some(c) => {
            let v = VerificationView::from(&c);
            let (banner, class) = match c.status {
                CertificateStatus::Valid => ("This certificate is valid.".to_owned(), "ok"),
                CertificateStatus::Suspended => (format!("This certificate is SUSPENDED and is not valid{}.", v.status_changed_at.map(|d| format!(" since {}", d.date())).unwrap_or_default()), "bad"),
                CertificateStatus::Revoked => (format!("This certificate has been REVOKED and is not valid{}.", v.status_changed_at.map(|d| format!(" since {}", d.date())).unwrap_or_default()), "bad"),
            };
            let reason = v.reason.as_deref().map(|r| format!("<p>Reason: {}</p>", e(r))).unwrap_or_default();
            format!(
                "<h1>{}</h1><p class=\"{class}\">{}</p>{reason}<dl><dt>Holder</dt><dd>{}</dd><dt>Qualification</dt><dd>{}</dd><dt>Based on</dt><dd>{}</dd><dt>Issued</dt><dd>{}</dd><dt>Number</dt><dd>{}</dd><dt>Issuer</dt><dd>{}</dd></dl>",
                e(&v.qualification_title), e(&banner), e(&v.holder_name), e(&v.qualification_title), e(&v.edition_title), e(&v.issued_on), e(&v.number), e(&v.issuer)
            )
        }
    };
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>Certificate verification</title><style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5}}.ok{{background:#e6f4ea;color:#0b5d1e;padding:.8rem;font-weight:bold;font-size:1.2rem}}.bad{{background:#fde8e8;color:#8a1212;padding:.8rem;font-weight:bold;font-size:1.2rem}}dt{{font-weight:bold;margin-top:.6rem}}dd{{margin:0}}</style></head><body>{body}</body></html>"
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(page))
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

/// Builds the OpenBadgeCredential. Its `credentialStatus` points at the public
/// verification endpoint, so the badge's status is always the certificate's status.
pub fn open_badge(state: &AppState, c: &CertificateRecord) -> serde_json::Value {
    let base = &state.mailer.public_base_url;
    let status_url = format!("{base}/api/v1/certificates/{}/verification", c.number);
    serde_json::json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("{base}/verify/{}", c.verification_code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": base, "type": ["Profile"], "name": c.issuer},
        "validFrom": format!("{}T00:00:00Z", c.issued_on),
        "name": c.qualification_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": c.holder_name,
            "achievement": {
                "id": format!("{base}/achievements/{}/{}", c.qualification, c.edition),
                "type": ["Achievement"],
                "name": c.qualification_title,
                "description": format!("Passed the {} examination based on {}.", c.qualification_title, c.edition_title),
                "criteria": {"narrative": format!("Pass the {} examination set by {}.", c.qualification_title, c.issuer)}
            },
            "identifier": [{"type": "IdentityObject", "identityHash": c.number, "identityType": "identifier", "hashed": false}]
        },
        "credentialStatus": {
            "id": status_url,
            "type": "InvigilatorCertificateStatus",
            "statusPurpose": "revocation"
        },
        "certificateStatus": c.status.as_str()
    })
}

#[utoipa::path(get, path = "/api/v1/certificates/{number}/badge", tag = "certificates", security(("bearer" = [])),
    params(("number" = String, Path, description = "Certificate number")),
    responses((status = 200, description = "The certificate as an Open Badges 3.0 credential, signed as a VC-JWT", body = BadgeView),
        (status = 404, description = "Not your certificate, or no such certificate", body = Problem)))]
#[get("/certificates/{number}/badge")]
pub async fn badge(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let c = holders_certificate(&state, &user, &path).await?;
    let credential = open_badge(&state, &c);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(state.certificates.signer.kid.clone());
    header.typ = Some("vc+jwt".into());
    let mut claims = credential.clone();
    claims["iss"] = serde_json::json!(state.mailer.public_base_url);
    claims["jti"] = credential["id"].clone();
    claims["iat"] = serde_json::json!(state.clock.now().unix_timestamp());
    let key = jsonwebtoken::EncodingKey::from_ed_der(&state.certificates.signer.pkcs8_der()?);
    let jwt = jsonwebtoken::encode(&header, &claims, &key)
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    Ok(HttpResponse::Ok().json(BadgeView { credential, jwt }))
}
