//! Accounts as administrators see them: found by e-mail address, with names, roles,
//! extra-time grants (and a form to grant more), sittings linked to their marked papers,
//! certificates, evidence, a form to disable the account or enable it again, and one to
//! erase its personal data at its holder's request.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, PageQuery, date, parse_id, when};
use crate::app::accounts::{self, AdministerError, ProfileError};
use crate::app::personal_data::{self, ErasureError};
use crate::app::{certificates, evidence, sittings};
use crate::domain::certificate::CertificateStatus;
use crate::domain::evidence::{EvidenceStatus, parse_grant};
use crate::domain::role::Role;
use crate::domain::sitting::SittingStatus;
use crate::domain::values::{EmailAddress, parse_text};
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError, capitalized};
use crate::web::session::Visitor;

/// How many of an account's sittings, certificates, evidence and grants the page lists.
const LISTED: u64 = 50;

#[derive(Template)]
#[template(path = "web/admin/find_account.html")]
struct FindPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    missing: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindQuery {
    email: Option<String>,
}

#[get("/admin/candidates")]
pub async fn find(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<FindQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let raw = query.email.clone().unwrap_or_default();
    let mut page = FindPage {
        chrome: Chrome::new(&visitor, "Find an account"),
        errors: FormErrors::new(),
        email: raw.clone(),
        missing: false,
    };
    if query.email.is_none() {
        return page::ok(&visitor, &page);
    }
    match EmailAddress::parse(&raw) {
        Err(m) => {
            page.errors.add("email", format!("Email {m}."));
            page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Ok(email) => match evidence::find_account(&state, &email).await? {
            Some(user) => Ok(page::see_other(
                &visitor,
                &format!("/admin/candidates/{}", user.id),
            )),
            None => {
                page.missing = true;
                page::html(&visitor, StatusCode::NOT_FOUND, &page)
            }
        },
    }
}

pub struct GrantRow {
    pub percent: u32,
    pub reason: String,
    pub by: String,
    pub at: String,
}

pub struct SittingRow {
    pub id: Uuid,
    pub title: String,
    pub started: String,
    pub status: &'static str,
    pub result: String,
}

pub struct CertificateRow {
    pub number: String,
    pub title: String,
    pub issued_on: String,
    pub status: &'static str,
    pub valid: bool,
}

pub struct EvidenceRow {
    pub what: String,
    pub status: &'static str,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "web/admin/account.html")]
struct AccountPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    id: Uuid,
    name: String,
    email: String,
    roles: String,
    candidate: bool,
    verified: bool,
    created: String,
    disabled_since: Option<String>,
    /// When the holder's personal data was erased at their request.
    erased_since: Option<String>,
    /// The administrator looking is this account: it cannot disable itself.
    own: bool,
    extra_time: u32,
    grants: Vec<GrantRow>,
    sittings: Vec<SittingRow>,
    certificates: Vec<CertificateRow>,
    evidence: Vec<EvidenceRow>,
    percent: String,
    reason: String,
    status_reason: String,
    reference: String,
}

fn role_name(role: &Role) -> &'static str {
    match role {
        Role::Candidate => "Candidate",
        Role::AtoStaff => "Training organization staff",
        Role::Admin => "Administrator",
        Role::Invigilator => "Invigilator",
        Role::RcbStaff => "Certification body staff",
    }
}

fn profile_error(e: ProfileError) -> PageError {
    match e {
        ProfileError::Gone => PageError::NotFound,
        ProfileError::Unexpected(e) => PageError::Unexpected(e.into()),
    }
}

async fn account_page(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
) -> Result<AccountPage, PageError> {
    let admin = visitor.with_role(Role::Admin)?;
    let profile = accounts::profile(state, id).await.map_err(profile_error)?;
    let candidate = profile.roles.contains(&Role::Candidate);
    let mut names = Names::default();
    let mut grants = Vec::new();
    let mut sittings_rows = Vec::new();
    let mut certificate_rows = Vec::new();
    let mut evidence_rows = Vec::new();
    if candidate {
        for g in evidence::extra_time_history(state, id, None, LISTED)
            .await?
            .items
        {
            grants.push(GrantRow {
                percent: g.percent,
                by: names.name(state, g.granted_by).await?,
                reason: g.reason,
                at: when(g.granted_at),
            });
        }
        sittings_rows = sittings::of_candidate(state, id, None, LISTED, state.clock.now())
            .await?
            .items
            .into_iter()
            .map(|s| {
                let r = s.record;
                SittingRow {
                    id: r.id,
                    title: s.title,
                    started: when(r.started_at),
                    status: match r.status {
                        SittingStatus::InProgress => "In progress",
                        SittingStatus::Submitted => "Submitted",
                        SittingStatus::Expired => "Time ran out",
                        SittingStatus::Voided => "Voided",
                    },
                    result: match &r.result {
                        Some(x) if x.passed => format!("Passed, {} of {}", x.score, x.max_score),
                        Some(x) => format!("Not passed, {} of {}", x.score, x.max_score),
                        None => "Not scored yet".into(),
                    },
                }
            })
            .collect();
        certificate_rows = certificates::of_holder(state, id, None, LISTED)
            .await?
            .items
            .into_iter()
            .map(|c| CertificateRow {
                valid: c.status == CertificateStatus::Valid,
                status: match c.status {
                    CertificateStatus::Valid => "Valid",
                    CertificateStatus::Suspended => "Suspended",
                    CertificateStatus::Revoked => "Revoked",
                },
                number: c.number,
                title: c.qualification_title,
                issued_on: date(c.issued_on),
            })
            .collect();
        evidence_rows = evidence::of_candidate(state, id, None, LISTED)
            .await?
            .items
            .into_iter()
            .map(|e| EvidenceRow {
                what: e.claim.describe(),
                status: match e.status {
                    EvidenceStatus::Pending => "Waiting for a decision",
                    EvidenceStatus::Approved => "Approved",
                    EvidenceStatus::Rejected => "Rejected",
                },
                reason: e.decision_reason,
            })
            .collect();
    }
    let user = profile.user;
    Ok(AccountPage {
        chrome: Chrome::new(visitor, format!("{} {}", user.given_name, user.family_name)),
        errors: FormErrors::new(),
        notice: None,
        id,
        name: format!("{} {}", user.given_name, user.family_name),
        email: user.email,
        roles: profile
            .roles
            .iter()
            .map(role_name)
            .collect::<Vec<_>>()
            .join(", "),
        candidate,
        verified: user.email_verified_at.is_some(),
        created: when(user.created_at),
        disabled_since: user.disabled_at.map(when),
        erased_since: user.erased_at.map(when),
        own: admin.user_id == id,
        extra_time: profile.extra_time_percent,
        grants,
        sittings: sittings_rows,
        certificates: certificate_rows,
        evidence: evidence_rows,
        percent: String::new(),
        reason: String::new(),
        status_reason: String::new(),
        reference: String::new(),
    })
}

#[get("/admin/candidates/{id}")]
pub async fn account(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let mut page = account_page(&state, &visitor, parse_id(&path)?).await?;
    page.notice = match query.done.as_deref() {
        Some("extra-time") => Some(
            "The extra time is granted. It applies to sittings started from now on; a sitting in progress keeps its deadline.",
        ),
        Some("disabled") => Some("The account is disabled. Every session of it has ended."),
        Some("enabled") => Some("The account is enabled again. Its holder can sign in."),
        Some("erased") => Some(
            "The personal data is erased. The account carries a pseudonym, can never sign in again, and its certificates still verify by number.",
        ),
        _ => None,
    };
    page::ok(&visitor, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExtraTimeForm {
    csrf: String,
    percent: String,
    reason: String,
}

#[post("/admin/candidates/{id}/extra-time")]
pub async fn grant_extra_time(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ExtraTimeForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = evidence::candidate(&state, parse_id(&path)?).await?;
    let form = form.into_inner();
    let errors = match form.percent.trim().parse::<i64>() {
        Err(_) => {
            let mut errors =
                FormErrors::one("percent", "Percent must be a whole number from 0 to 100.");
            if let Err(m) = parse_text(&form.reason, 2000) {
                errors.add("reason", format!("Reason {m}."));
            }
            errors
        }
        Ok(percent) => match parse_grant(percent, &form.reason) {
            Err(errors) => FormErrors::from(errors),
            Ok((percent, reason)) => {
                evidence::grant_extra_time(&state, id, percent, reason, admin.user_id).await?;
                return Ok(page::see_other(
                    &visitor,
                    &format!("/admin/candidates/{id}?done=extra-time"),
                ));
            }
        },
    };
    let mut page = account_page(&state, &visitor, id).await?;
    page.errors = errors;
    page.percent = form.percent;
    page.reason = form.reason;
    page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    /// `disable` or `enable`.
    action: String,
    status_reason: String,
}

#[post("/admin/candidates/{id}/status")]
pub async fn set_status(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    // An unknown account is not found, whatever the form says.
    accounts::profile(&state, id).await.map_err(profile_error)?;
    let form = form.into_inner();
    let (disable, done) = match form.action.as_str() {
        "disable" => (true, "disabled"),
        "enable" => (false, "enabled"),
        _ => return Err(PageError::NotFound),
    };
    let (status, errors) = match disable
        .then(|| parse_text(&form.status_reason, 2000))
        .transpose()
    {
        Err(m) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one(
                "status_reason",
                if form.status_reason.trim().is_empty() {
                    "Give a reason to disable the account; it is kept on record.".to_owned()
                } else {
                    format!("Reason {m}.")
                },
            ),
        ),
        Ok(reason) => {
            match accounts::set_disabled(&state, admin.user_id, id, reason.as_deref()).await {
                Ok(()) => {
                    return Ok(page::see_other(
                        &visitor,
                        &format!("/admin/candidates/{id}?done={done}"),
                    ));
                }
                Err(AdministerError::NotFound) => return Err(PageError::NotFound),
                Err(AdministerError::OwnAccount) => (
                    StatusCode::CONFLICT,
                    FormErrors::one("status_reason", "You cannot disable your own account."),
                ),
                Err(e @ AdministerError::Erased) => (
                    StatusCode::CONFLICT,
                    FormErrors::one("status_reason", capitalized(&e.to_string()) + "."),
                ),
                Err(AdministerError::Unexpected(e)) => return Err(PageError::Unexpected(e.into())),
            }
        }
    };
    let mut page = account_page(&state, &visitor, id).await?;
    page.errors = errors;
    page.status_reason = form.status_reason;
    page::html(&visitor, status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ErasureForm {
    csrf: String,
    reference: String,
}

#[post("/admin/candidates/{id}/erasure")]
pub async fn erase(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ErasureForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    // An unknown account is not found, whatever the form says.
    accounts::profile(&state, id).await.map_err(profile_error)?;
    let form = form.into_inner();
    let (status, message) = match personal_data::parse_reference(&form.reference) {
        Err(m) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            if form.reference.trim().is_empty() {
                "Give the reference of the holder's request; it is kept on the audit ledger."
                    .to_owned()
            } else {
                format!("Request reference {m}.")
            },
        ),
        Ok(reference) => match personal_data::erase(&state, admin.user_id, id, &reference).await {
            Ok(_) => {
                return Ok(page::see_other(
                    &visitor,
                    &format!("/admin/candidates/{id}?done=erased"),
                ));
            }
            Err(ErasureError::NotFound) => return Err(PageError::NotFound),
            Err(ErasureError::Unexpected(e)) => return Err(PageError::Unexpected(e)),
            Err(
                e @ (ErasureError::AlreadyErased
                | ErasureError::OwnAccount
                | ErasureError::SittingInProgress),
            ) => (StatusCode::CONFLICT, capitalized(&e.to_string()) + "."),
        },
    };
    let mut page = account_page(&state, &visitor, id).await?;
    page.errors = FormErrors::one("reference", message);
    page.reference = form.reference;
    page::html(&visitor, status, &page)
}
