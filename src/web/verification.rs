//! The public certificate pages: the page a certificate's QR code opens (phone-sized,
//! naming the holder, since whoever holds the code holds the certificate or a copy), and
//! the check by number with the public register search, which name a holder only when
//! the verifier knows their family name or the holder chose to be listed.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::page::{self, Chrome, FormErrors, PageError};
use super::session::Visitor;
use crate::app::certificates::{self, CertificateError};
use crate::domain::certificate::{
    CertificateNumber, CertificateRecord, CertificateStatus, NumberError, VerificationStatus,
};
use crate::http::client_address;
use crate::state::AppState;

/// A certificate as the public sees it.
pub struct PublicCertificate {
    pub number: String,
    pub heading: &'static str,
    pub valid: bool,
    pub banner: String,
    pub holder: Option<String>,
    /// The holder's name was erased at their request.
    pub holder_erased: bool,
    pub qualification_title: String,
    pub edition_title: String,
    pub issued_on: String,
    pub issuer: String,
    pub reason: Option<String>,
    pub expires_on: Option<String>,
    pub renews: Option<String>,
    pub renewed_by: Option<String>,
}

impl PublicCertificate {
    fn of(c: &CertificateRecord, named: bool, today: time::Date) -> Self {
        let since = c
            .status_changed_at
            .map(|d| format!(" since {}", d.date()))
            .unwrap_or_default();
        let expires = c.expires_on.map(|d| d.to_string()).unwrap_or_default();
        let (heading, banner) = match c.status_on(today) {
            VerificationStatus::Valid => ("Valid", "This certificate is valid.".to_owned()),
            VerificationStatus::Expired => (
                "Expired",
                format!("This certificate EXPIRED on {expires} and is no longer valid."),
            ),
            VerificationStatus::Suspended => (
                "Suspended",
                format!("This certificate is SUSPENDED and is not valid{since}."),
            ),
            VerificationStatus::Revoked => (
                "Revoked",
                format!("This certificate has been REVOKED and is not valid{since}."),
            ),
        };
        let valid = c.status_on(today) == VerificationStatus::Valid;
        let reason = c
            .status_reason
            .clone()
            .filter(|_| c.status != CertificateStatus::Valid);
        Self {
            expires_on: c.expires_on.map(|d| d.to_string()),
            renews: c.renews.clone(),
            renewed_by: c.renewed_by.clone(),
            number: c.number.clone(),
            heading,
            valid,
            banner,
            holder: named.then(|| c.holder_name.clone()),
            holder_erased: false,
            qualification_title: c.qualification_title.clone(),
            edition_title: c.edition_title.clone(),
            issued_on: c.issued_on.to_string(),
            issuer: c.issuer.clone(),
            reason,
        }
    }
}

#[derive(Template)]
#[template(path = "web/verification.html")]
struct VerificationPage {
    chrome: Chrome,
    certificate: Option<PublicCertificate>,
}

/// The page a certificate's QR code opens.
#[get("/verify/{code}")]
pub async fn by_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let found = certificates::by_verification_code(&state, client_address(&req), &path).await?;
    let certificate = match &found {
        Some(c) => {
            let erased = certificates::holder_erased(&state, c).await?;
            let mut public = PublicCertificate::of(c, !erased, state.clock.now().date());
            public.holder_erased = erased;
            Some(public)
        }
        None => None,
    };
    let title = match &certificate {
        Some(c) => format!("{} certificate {}", c.heading, c.number),
        None => "Certificate not found".to_owned(),
    };
    let status = if certificate.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    page::html(
        &visitor,
        status,
        &VerificationPage {
            chrome: Chrome::new(&visitor, title),
            certificate,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckQuery {
    number: Option<String>,
    family_name: Option<String>,
    search: Option<String>,
}

#[derive(Template)]
#[template(path = "web/certificates.html")]
struct CheckPage {
    chrome: Chrome,
    errors: FormErrors,
    number: String,
    family_name: String,
    search: String,
    found: Option<PublicCertificate>,
    family_matches: Option<bool>,
    listed: Option<Vec<PublicCertificate>>,
}

/// Checking a certificate by its number, and searching the public register.
#[get("/certificates")]
pub async fn check(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    query: web::Query<CheckQuery>,
) -> Result<HttpResponse, PageError> {
    let q = query.into_inner();
    let mut page = CheckPage {
        chrome: Chrome::new(&visitor, "Check a certificate"),
        errors: FormErrors::new(),
        number: q.number.clone().unwrap_or_default(),
        family_name: q.family_name.clone().unwrap_or_default(),
        search: q.search.clone().unwrap_or_default(),
        found: None,
        family_matches: None,
        listed: None,
    };
    let mut status = StatusCode::OK;
    if let Some(raw) = q.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        match CertificateNumber::parse(raw) {
            Err(e) => {
                let message = match e {
                    NumberError::Malformed => {
                        "This is not a certificate number: they look like I20F-2026-000123-K."
                    }
                    NumberError::CheckCharacter => {
                        "This number has a typing mistake: its last character does not match. Check it against the certificate."
                    }
                };
                page.errors.add("number", message);
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Ok(number) => {
                let family = q
                    .family_name
                    .as_deref()
                    .map(str::trim)
                    .filter(|f| !f.is_empty());
                match certificates::verify(&state, client_address(&req), &number, family).await {
                    Ok(v) => {
                        let mut found = PublicCertificate::of(
                            &v.certificate,
                            v.holder_named,
                            state.clock.now().date(),
                        );
                        found.holder_erased = v.holder_erased;
                        page.found = Some(found);
                        page.family_matches = v.family_name_matches;
                    }
                    Err(CertificateError::NotFound) => {
                        page.errors.add(
                            "number",
                            "No certificate has this number. Check it against the certificate.",
                        );
                        status = StatusCode::NOT_FOUND;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    if let Some(search) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if search.chars().count() < 2 {
            page.errors
                .add("search", "Family name needs at least two letters.");
            status = StatusCode::UNPROCESSABLE_ENTITY;
        } else {
            let rows =
                certificates::search_register(&state, client_address(&req), Some(search), None)
                    .await?;
            page.listed = Some(
                rows.iter()
                    .map(|c| PublicCertificate::of(c, true, state.clock.now().date()))
                    .collect(),
            );
        }
    }
    page::html(&visitor, status, &page)
}
