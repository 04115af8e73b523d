//! The pages of a certification body's staff: their body and the organizations it
//! certified (status as it reads today), recording one, and one record's page with its
//! correction form, its status change and its history. Another body's record is not
//! found; a suspended or withdrawn body's staff read everything but every write is
//! refused with a message on the page (409).

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::admin::shared::{Names, PageQuery, date, form_errors, parse_id, when};
use super::page::{self, Chrome, FormErrors, PageError, capitalized, encode_query};
use super::session::Visitor;
use crate::app::rcbs::{self, CertifiedView, RcbError};
use crate::domain::fields::FieldErrors;
use crate::domain::rcb::{
    BodyStatus, CertificationChange, CertificationStatus, CertifiedDetails, CertifiedInput,
    EDITIONS, ShownStatus,
};
use crate::domain::role::Role;
use crate::state::AppState;

/// Records on one page of the list.
const PER_PAGE: u64 = 50;

/// The labels of the record form's fields.
const LABELS: &[(&str, &str)] = &[
    ("organization", "Organization"),
    ("country", "Country"),
    ("scope", "Scope"),
    ("edition", "Edition"),
    ("certificate_number", "Certificate number"),
    ("issued_on", "Issued on"),
    ("expires_on", "Expires on"),
];

fn rcb_error(e: RcbError) -> PageError {
    match e {
        RcbError::NoSuchRecord | RcbError::NoSuchBody => PageError::NotFound,
        RcbError::NotStaff => PageError::Forbidden,
        RcbError::Unexpected(e) => PageError::Unexpected(e),
        other => PageError::Unexpected(anyhow::anyhow!(other.to_string())),
    }
}

fn staff(visitor: &Visitor) -> Result<Uuid, PageError> {
    Ok(visitor.with_role(Role::RcbStaff)?.user_id)
}

fn shown(s: ShownStatus) -> (String, bool) {
    (capitalized(s.as_ref()), s == ShownStatus::Valid)
}

/// What the forms of a refused write say: the body may no longer write.
fn refused_message(status: &str) -> String {
    format!(
        "Your certification body is {status}: its records can be read but not changed. Ask the scheme's administrators."
    )
}

/// The record form's fields, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct RecordForm {
    csrf: String,
    organization: String,
    country: String,
    scope: String,
    edition: String,
    certificate_number: String,
    issued_on: String,
    expires_on: String,
}

impl RecordForm {
    fn parse(&self) -> Result<CertifiedDetails, FieldErrors> {
        CertifiedDetails::parse(&CertifiedInput {
            organization: &self.organization,
            country: &self.country,
            scope: &self.scope,
            edition: &self.edition,
            certificate_number: &self.certificate_number,
            issued_on: &self.issued_on,
            expires_on: &self.expires_on,
        })
    }

    fn of(d: &CertifiedDetails) -> Self {
        Self {
            csrf: String::new(),
            organization: d.organization.clone(),
            country: d.country.as_ref().to_owned(),
            scope: d.scope.clone(),
            edition: d.edition.clone(),
            certificate_number: d.certificate_number.clone(),
            issued_on: d.issued_on.to_string(),
            expires_on: d.expires_on.to_string(),
        }
    }
}

/// A write's failure as the form shows it: the status and the errors.
fn write_failure(e: RcbError) -> Result<(StatusCode, FormErrors), PageError> {
    match e {
        RcbError::BodyNotActive(status) => Ok((
            StatusCode::CONFLICT,
            FormErrors::one("organization", refused_message(status)),
        )),
        RcbError::DuplicateNumber => Ok((
            StatusCode::CONFLICT,
            FormErrors::one(
                "certificate_number",
                "Certificate number: your certification body has already recorded this number.",
            ),
        )),
        e => Err(rcb_error(e)),
    }
}

pub struct RecordRow {
    pub id: Uuid,
    pub organization: String,
    pub country: String,
    pub edition: String,
    pub certificate_number: String,
    pub expires_on: String,
    pub status: String,
    pub ok: bool,
}

#[derive(Template)]
#[template(path = "web/rcb/home.html")]
struct HomePage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    body_name: String,
    body_country: String,
    body_status: String,
    /// Why writes are refused, when the body is not active.
    refused: Option<String>,
    records: Vec<RecordRow>,
    next: Option<String>,
    editions: &'static [&'static str],
    form: RecordForm,
}

async fn home_page(
    state: &AppState,
    visitor: &Visitor,
    staff: Uuid,
    cursor: Option<Uuid>,
) -> Result<HomePage, PageError> {
    let body = rcbs::body_of_staff(state, staff)
        .await
        .map_err(rcb_error)?
        .body;
    let listed = rcbs::own_records(state, staff, cursor, PER_PAGE)
        .await
        .map_err(rcb_error)?;
    Ok(HomePage {
        chrome: Chrome::new(visitor, body.name.clone()),
        errors: FormErrors::new(),
        notice: None,
        refused: (body.status != BodyStatus::Active).then(|| refused_message(body.status.as_ref())),
        body_status: capitalized(body.status.as_ref()),
        body_name: body.name,
        body_country: body.country,
        next: listed.next.map(|n| encode_query(&n.to_string())),
        records: listed
            .items
            .into_iter()
            .map(|v| {
                let (status, ok) = shown(v.status);
                let d = v.record.details;
                RecordRow {
                    id: v.record.id,
                    organization: d.organization,
                    country: d.country.as_ref().to_owned(),
                    edition: d.edition,
                    certificate_number: d.certificate_number,
                    expires_on: date(d.expires_on),
                    status,
                    ok,
                }
            })
            .collect(),
        editions: &EDITIONS,
        form: RecordForm {
            edition: EDITIONS[EDITIONS.len() - 1].to_owned(),
            ..RecordForm::default()
        },
    })
}

#[get("/rcb")]
pub async fn home(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let page = home_page(&state, &visitor, staff, query.cursor()).await?;
    page::ok(&visitor, &page)
}

#[post("/rcb/organizations")]
pub async fn add(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<RecordForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let form = form.into_inner();
    let (code, errors) = match form.parse() {
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            form_errors(errors, "", LABELS),
        ),
        Ok(details) => match rcbs::record(&state, staff, details).await {
            Ok(view) => {
                return Ok(page::see_other(
                    &visitor,
                    &format!("/rcb/organizations/{}?done=recorded", view.record.id),
                ));
            }
            Err(e) => write_failure(e)?,
        },
    };
    let mut page = home_page(&state, &visitor, staff, None).await?;
    page.errors = errors;
    page.form = form;
    page::html(&visitor, code, &page)
}

pub struct HistoryRow {
    pub status: String,
    pub effective_on: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "web/rcb/record.html")]
struct RecordPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    refused: Option<String>,
    id: Uuid,
    organization: String,
    status: String,
    ok: bool,
    withdrawn: bool,
    expired: bool,
    history: Vec<HistoryRow>,
    editions: &'static [&'static str],
    form: RecordForm,
    status_choice: String,
    reason: String,
}

async fn record_page(
    state: &AppState,
    visitor: &Visitor,
    staff: Uuid,
    id: Uuid,
) -> Result<RecordPage, PageError> {
    let body = rcbs::body_of_staff(state, staff)
        .await
        .map_err(rcb_error)?
        .body;
    let CertifiedView {
        record,
        status,
        history,
        ..
    } = rcbs::own_record(state, staff, id)
        .await
        .map_err(rcb_error)?;
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(history.len());
    for h in history {
        rows.push(HistoryRow {
            status: capitalized(h.status.as_ref()),
            effective_on: date(h.effective_on),
            reason: h.reason.unwrap_or_default(),
            by: names.name(state, h.changed_by).await?,
            at: when(h.changed_at),
        });
    }
    let (shown_word, ok) = shown(status);
    Ok(RecordPage {
        chrome: Chrome::new(visitor, record.details.organization.clone()),
        errors: FormErrors::new(),
        notice: None,
        refused: (body.status != BodyStatus::Active).then(|| refused_message(body.status.as_ref())),
        id: record.id,
        organization: record.details.organization.clone(),
        status: shown_word,
        ok,
        withdrawn: record.status == CertificationStatus::Withdrawn,
        expired: status == ShownStatus::Expired,
        history: rows,
        editions: &EDITIONS,
        form: RecordForm::of(&record.details),
        // The form offers a change, not the status the record already has.
        status_choice: match status {
            ShownStatus::Valid => "suspended",
            ShownStatus::Suspended => "valid",
            ShownStatus::Withdrawn | ShownStatus::Expired => "withdrawn",
        }
        .to_owned(),
        reason: String::new(),
    })
}

#[get("/rcb/organizations/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let mut page = record_page(&state, &visitor, staff, parse_id(&path)?).await?;
    page.notice = match query.done.as_deref() {
        Some("recorded") => Some("The certified organization is recorded."),
        Some("corrected") => Some("The record is corrected."),
        Some("status") => Some("The status is changed from today."),
        _ => None,
    };
    page::ok(&visitor, &page)
}

#[post("/rcb/organizations/{id}")]
pub async fn correct(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<RecordForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let id = parse_id(&path)?;
    // Another body's record is not found, whatever the form says.
    rcbs::own_record(&state, staff, id)
        .await
        .map_err(rcb_error)?;
    let form = form.into_inner();
    let (code, errors) = match form.parse() {
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            form_errors(errors, "", LABELS),
        ),
        Ok(details) => match rcbs::correct(&state, staff, id, details).await {
            Ok(_) => {
                return Ok(page::see_other(
                    &visitor,
                    &format!("/rcb/organizations/{id}?done=corrected"),
                ));
            }
            Err(e) => write_failure(e)?,
        },
    };
    let mut page = record_page(&state, &visitor, staff, id).await?;
    page.errors = errors;
    page.form = form;
    page::html(&visitor, code, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    status: String,
    reason: String,
}

#[post("/rcb/organizations/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let id = parse_id(&path)?;
    rcbs::own_record(&state, staff, id)
        .await
        .map_err(rcb_error)?;
    let form = form.into_inner();
    let (code, errors) = match form.status.parse::<CertificationStatus>() {
        Err(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one(
                "status",
                "New status: choose valid, suspended or withdrawn.",
            ),
        ),
        Ok(status) => match CertificationChange::parse(status, &form.reason) {
            Err(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                form_errors(errors, "", &[("reason", "Reason")]),
            ),
            Ok(change) => match rcbs::change_record_status(&state, staff, id, change).await {
                Ok(_) => {
                    return Ok(page::see_other(
                        &visitor,
                        &format!("/rcb/organizations/{id}?done=status"),
                    ));
                }
                Err(RcbError::StatusRefused(why)) => (
                    StatusCode::CONFLICT,
                    FormErrors::one("status", format!("New status: {why}.")),
                ),
                Err(RcbError::BodyNotActive(status)) => (
                    StatusCode::CONFLICT,
                    FormErrors::one("status", refused_message(status)),
                ),
                Err(e) => return Err(rcb_error(e)),
            },
        },
    };
    let mut page = record_page(&state, &visitor, staff, id).await?;
    page.errors = errors;
    page.status_choice = form.status;
    page.reason = form.reason;
    page::html(&visitor, code, &page)
}
