//! Certificates as administrators handle them: found by number, shown with their status
//! and history, and suspended, reinstated or revoked (a private reason for the record, an
//! optional one for the public verification) or re-issued under the holder's current
//! name, as the certificate's status allows.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, PageQuery, date, when};
use crate::app::certificates::{self, CertificateError};
use crate::domain::certificate::{
    CertificateEvent, CertificateNumber, CertificateRecord, CertificateStatus, StatusAction,
};
use crate::domain::role::Role;
use crate::domain::values::parse_text;
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError};
use crate::web::session::Visitor;

#[derive(Template)]
#[template(path = "web/admin/find_certificate.html")]
struct FindPage {
    chrome: Chrome,
    errors: FormErrors,
    number: String,
    missing: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindQuery {
    number: Option<String>,
}

#[get("/admin/certificates")]
pub async fn find(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<FindQuery>,
) -> Result<HttpResponse, PageError> {
    let admin = visitor.with_role(Role::Admin)?;
    let raw = query.number.clone().unwrap_or_default();
    let mut page = FindPage {
        chrome: Chrome::new(&visitor, "Find a certificate"),
        errors: FormErrors::new(),
        number: raw.clone(),
        missing: false,
    };
    if query.number.is_none() {
        return page::ok(&visitor, &page);
    }
    if let Err(e) = CertificateNumber::parse(&raw) {
        page.errors.add("number", format!("Number: {e}."));
        return page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    match certificates::held_by(&state, admin.user_id, &admin.roles, &raw).await {
        Ok(c) => Ok(page::see_other(
            &visitor,
            &format!("/admin/certificates/{}", c.number),
        )),
        Err(CertificateError::NotFound) => {
            page.missing = true;
            page::html(&visitor, StatusCode::NOT_FOUND, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub struct EventRow {
    pub at: String,
    pub what: &'static str,
    pub reason: String,
    pub by: String,
}

/// A form the certificate's status allows: its action, button and field names.
pub struct ActionForm {
    pub action: &'static str,
    pub heading: &'static str,
    pub button: &'static str,
    pub danger: bool,
    /// `/status` or `/reissue`.
    pub path: &'static str,
    /// The confirmation asked before it is sent.
    pub confirm: String,
    pub intro: &'static str,
    /// Whether the form also asks for what the public verification shows.
    pub public: bool,
    pub reason_field: String,
    pub public_field: String,
    pub reason: String,
    pub public_reason: String,
}

#[derive(Template)]
#[template(path = "web/admin/certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    number: String,
    holder_name: String,
    candidate_id: Uuid,
    sitting_id: Uuid,
    qualification: String,
    edition: String,
    issued_on: String,
    issuer: String,
    status: &'static str,
    valid: bool,
    status_reason: Option<String>,
    status_since: Option<String>,
    replaced_by: Option<String>,
    verification_code: String,
    history: Vec<EventRow>,
    forms: Vec<ActionForm>,
}

fn status_word(s: CertificateStatus) -> &'static str {
    match s {
        CertificateStatus::Valid => "Valid",
        CertificateStatus::Suspended => "Suspended",
        CertificateStatus::Revoked => "Revoked",
    }
}

fn event_word(e: CertificateEvent) -> &'static str {
    match e {
        CertificateEvent::Issued => "Issued",
        CertificateEvent::Suspended => "Suspended",
        CertificateEvent::Reinstated => "Reinstated",
        CertificateEvent::Revoked => "Revoked",
        CertificateEvent::Note => "Note for the record",
        CertificateEvent::Replaced => "Replaced by a re-issue",
        CertificateEvent::Reissued => "Re-issued",
        CertificateEvent::Renewed => "Renewed",
    }
}

fn form(
    action: &'static str,
    heading: &'static str,
    button: &'static str,
    path: &'static str,
    intro: &'static str,
    confirm: String,
) -> ActionForm {
    ActionForm {
        action,
        heading,
        button,
        danger: matches!(action, "suspend" | "revoke"),
        path,
        confirm,
        intro,
        public: path == "status",
        reason_field: format!("{action}_reason"),
        public_field: format!("{action}_public_reason"),
        reason: String::new(),
        public_reason: String::new(),
    }
}

/// The forms the certificate's status allows, as `certificate::apply` and
/// `certificate::check_reissue` decide.
fn forms_for(c: &CertificateRecord) -> Vec<ActionForm> {
    let n = &c.number;
    let suspend = || {
        form(
            "suspend",
            "Suspend",
            "Suspend the certificate",
            "status",
            "The public verification says suspended at once. You can reinstate it later.",
            format!("Suspend certificate {n}?"),
        )
    };
    let reinstate = || {
        form(
            "reinstate",
            "Reinstate",
            "Reinstate the certificate",
            "status",
            "The certificate is valid again at once.",
            format!("Reinstate certificate {n}?"),
        )
    };
    let revoke = || {
        form(
            "revoke",
            "Revoke",
            "Revoke the certificate",
            "status",
            "Revoking is final: a revoked certificate can never be valid again.",
            format!("Revoke certificate {n}? This cannot be undone."),
        )
    };
    let re_issue = || {
        form(
            "reissue",
            "Re-issue",
            "Re-issue the certificate",
            "reissue",
            "A new certificate with a new number, under the holder's current name; this one is revoked as replaced.",
            format!("Re-issue certificate {n} under a new number?"),
        )
    };
    match c.status {
        CertificateStatus::Valid => vec![suspend(), revoke(), re_issue()],
        CertificateStatus::Suspended => vec![reinstate(), revoke()],
        CertificateStatus::Revoked => vec![],
    }
}

async fn certificate_page(
    state: &AppState,
    visitor: &Visitor,
    raw_number: &str,
) -> Result<CertificatePage, PageError> {
    let admin = visitor.with_role(Role::Admin)?;
    let c = certificates::held_by(state, admin.user_id, &admin.roles, raw_number).await?;
    let mut names = Names::default();
    let mut history = Vec::new();
    for e in certificates::history(state, &c).await? {
        history.push(EventRow {
            at: when(e.at),
            what: event_word(e.action),
            reason: e.reason.unwrap_or_default(),
            by: match e.actor {
                Some(actor) => names.name(state, actor).await?,
                None => "the system".into(),
            },
        });
    }
    // The replacement is one of the holder's own certificates.
    let replaced_by = match c.replaced_by {
        Some(id) => certificates::of_holder(state, c.candidate_id, None, 100)
            .await?
            .items
            .into_iter()
            .find(|r| r.id == id)
            .map(|r| r.number),
        None => None,
    };
    let not_valid = c.status != CertificateStatus::Valid;
    Ok(CertificatePage {
        chrome: Chrome::new(visitor, format!("Certificate {}", c.number)),
        errors: FormErrors::new(),
        notice: None,
        forms: forms_for(&c),
        holder_name: c.holder_name,
        candidate_id: c.candidate_id,
        sitting_id: c.sitting_id,
        qualification: c.qualification_title,
        edition: c.edition_title,
        issued_on: date(c.issued_on),
        issuer: c.issuer,
        status: status_word(c.status),
        valid: !not_valid,
        status_reason: c.status_reason.filter(|_| not_valid),
        status_since: c.status_changed_at.filter(|_| not_valid).map(when),
        replaced_by,
        verification_code: c.verification_code,
        number: c.number,
        history,
    })
}

#[get("/admin/certificates/{number}")]
pub async fn certificate(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let mut page = certificate_page(&state, &visitor, &path).await?;
    page.notice = match query.done.as_deref() {
        Some("suspend") => {
            Some("The certificate is suspended. The public verification says so now.")
        }
        Some("reinstate") => Some("The certificate is reinstated and valid again."),
        Some("revoke") => Some("The certificate is revoked. The public verification says so now."),
        Some("reissue") => {
            Some("This is the re-issued certificate. The one it replaces is revoked as replaced.")
        }
        _ => None,
    };
    page::ok(&visitor, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionFormData {
    csrf: String,
    /// `suspend`, `reinstate`, `revoke` or `reissue`.
    action: String,
    reason: String,
    public_reason: String,
}

/// The certificate's page again with the errors of the form just sent.
async fn again(
    state: &AppState,
    visitor: &Visitor,
    number: &str,
    status: StatusCode,
    errors: FormErrors,
    form: &ActionFormData,
) -> Result<HttpResponse, PageError> {
    let mut page = certificate_page(state, visitor, number).await?;
    page.errors = errors;
    for f in page.forms.iter_mut().filter(|f| f.action == form.action) {
        f.reason = form.reason.clone();
        f.public_reason = form.public_reason.clone();
    }
    page::html(visitor, status, &page)
}

fn not_allowed(action: &str, message: &str) -> FormErrors {
    FormErrors::one(
        &format!("{action}_reason"),
        format!("This cannot be done: {message}."),
    )
}

#[post("/admin/certificates/{number}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ActionFormData>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    // An unknown number is not found, whatever the form says.
    let current = certificates::held_by(&state, admin.user_id, &admin.roles, &path).await?;
    let number = CertificateNumber::parse(&current.number).map_err(|_| PageError::NotFound)?;
    let form = form.into_inner();
    let action = match form.action.as_str() {
        "suspend" => StatusAction::Suspend,
        "reinstate" => StatusAction::Reinstate,
        "revoke" => StatusAction::Revoke,
        _ => return Err(PageError::NotFound),
    };
    let mut errors = FormErrors::new();
    let reason = parse_text(&form.reason, 2000)
        .map_err(|m| {
            errors.add(
                &format!("{}_reason", form.action),
                format!("Reason for the record: {m}."),
            )
        })
        .ok();
    let public = Some(form.public_reason.as_str())
        .filter(|p| !p.trim().is_empty())
        .map(|p| parse_text(p, 500))
        .transpose()
        .map_err(|m| {
            errors.add(
                &format!("{}_public_reason", form.action),
                format!("What the public sees: {m}."),
            )
        })
        .ok()
        .flatten();
    let (status, errors) = match reason {
        Some(reason) if errors.is_empty() => {
            match certificates::change_status(
                &state,
                &number,
                action,
                public.as_deref(),
                &reason,
                admin.user_id,
            )
            .await
            {
                Ok(c) => {
                    return Ok(page::see_other(
                        &visitor,
                        &format!("/admin/certificates/{}?done={}", c.number, form.action),
                    ));
                }
                Err(CertificateError::NotAllowed(m)) => {
                    (StatusCode::CONFLICT, not_allowed(&form.action, &m))
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    again(&state, &visitor, &path, status, errors, &form).await
}

#[post("/admin/certificates/{number}/reissue")]
pub async fn reissue(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ActionFormData>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let current = certificates::held_by(&state, admin.user_id, &admin.roles, &path).await?;
    let number = CertificateNumber::parse(&current.number).map_err(|_| PageError::NotFound)?;
    let mut form = form.into_inner();
    form.action = "reissue".into();
    let (status, errors) = match parse_text(&form.reason, 2000) {
        Err(m) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one("reissue_reason", format!("Reason for the record: {m}.")),
        ),
        Ok(reason) => match certificates::reissue(&state, &number, &reason, admin.user_id).await {
            Ok(new) => {
                return Ok(page::see_other(
                    &visitor,
                    &format!("/admin/certificates/{}?done=reissue", new.number),
                ));
            }
            Err(CertificateError::NotAllowed(m)) => {
                (StatusCode::CONFLICT, not_allowed("reissue", &m))
            }
            Err(e) => return Err(e.into()),
        },
    };
    again(&state, &visitor, &path, status, errors, &form).await
}
