//! Certification bodies: the list, recording a new one, and one body's page with its
//! status history, a status change with a reason, and inviting its staff.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, PageQuery, date, form_errors, parse_id, when};
use crate::app::rcbs::{self, BodyProfile, RcbError};
use crate::domain::rcb::{BodyStatus, BodyStatusChange, NewBody};
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError, capitalized, encode_query};
use crate::web::session::Visitor;

/// Bodies on one page of the list.
const PER_PAGE: u64 = 25;

fn rcb_error(e: RcbError) -> PageError {
    match e {
        RcbError::NoSuchBody => PageError::NotFound,
        RcbError::Unexpected(e) => PageError::Unexpected(e),
        other => PageError::Unexpected(anyhow::anyhow!(other.to_string())),
    }
}

pub struct BodyRow {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub accreditation_body: String,
    pub status: String,
    pub active: bool,
    pub since: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewBodyForm {
    csrf: String,
    name: String,
    country: String,
    accreditation_body: String,
}

#[derive(Template)]
#[template(path = "web/admin/rcbs.html")]
struct BodiesPage {
    chrome: Chrome,
    errors: FormErrors,
    bodies: Vec<BodyRow>,
    next: Option<String>,
    form: NewBodyForm,
}

async fn bodies_page(
    state: &AppState,
    visitor: &Visitor,
    cursor: Option<Uuid>,
) -> Result<BodiesPage, PageError> {
    let listed = rcbs::list(state, false, cursor, PER_PAGE)
        .await
        .map_err(rcb_error)?;
    Ok(BodiesPage {
        chrome: Chrome::new(visitor, "Certification bodies"),
        errors: FormErrors::new(),
        next: listed.next.map(|n| encode_query(&n.to_string())),
        bodies: listed
            .items
            .into_iter()
            .map(|b| BodyRow {
                id: b.id,
                status: capitalized(b.status.as_ref()),
                active: b.status == BodyStatus::Active,
                since: date(b.status_since),
                name: b.name,
                country: b.country,
                accreditation_body: b.accreditation_body,
            })
            .collect(),
        form: NewBodyForm::default(),
    })
}

#[get("/admin/certification-bodies")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let page = bodies_page(&state, &visitor, query.cursor()).await?;
    page::ok(&visitor, &page)
}

#[post("/admin/certification-bodies")]
pub async fn create(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<NewBodyForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let form = form.into_inner();
    let errors = match NewBody::parse(&form.name, &form.country, &form.accreditation_body) {
        Ok(new) => {
            let created = rcbs::create(&state, new, admin.user_id)
                .await
                .map_err(rcb_error)?;
            return Ok(page::see_other(
                &visitor,
                &format!(
                    "/admin/certification-bodies/{}?done=created",
                    created.body.id
                ),
            ));
        }
        Err(errors) => form_errors(
            errors,
            "",
            &[
                ("name", "Name"),
                ("country", "Country"),
                ("accreditation_body", "Accreditation body"),
            ],
        ),
    };
    let mut page = bodies_page(&state, &visitor, None).await?;
    page.errors = errors;
    page.form = form;
    page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub struct HistoryRow {
    pub status: String,
    pub effective_on: String,
    pub reason: String,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "web/admin/rcb.html")]
struct BodyPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    id: Uuid,
    name: String,
    country: String,
    accreditation_body: String,
    status: String,
    active: bool,
    withdrawn: bool,
    since: String,
    created: String,
    history: Vec<HistoryRow>,
    status_choice: String,
    reason: String,
    invite_email: String,
}

async fn body_page(state: &AppState, visitor: &Visitor, id: Uuid) -> Result<BodyPage, PageError> {
    let BodyProfile { body, history } = rcbs::get(state, id).await.map_err(rcb_error)?;
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
    Ok(BodyPage {
        chrome: Chrome::new(visitor, body.name.clone()),
        errors: FormErrors::new(),
        notice: None,
        id: body.id,
        status: capitalized(body.status.as_ref()),
        active: body.status == BodyStatus::Active,
        withdrawn: body.status == BodyStatus::Withdrawn,
        since: date(body.status_since),
        created: when(body.created_at),
        name: body.name,
        country: body.country,
        accreditation_body: body.accreditation_body,
        history: rows,
        // The form offers a change, not the status the body already has.
        status_choice: match body.status {
            BodyStatus::Active => "suspended",
            BodyStatus::Suspended | BodyStatus::Withdrawn => "active",
        }
        .to_owned(),
        reason: String::new(),
        invite_email: String::new(),
    })
}

#[get("/admin/certification-bodies/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let mut page = body_page(&state, &visitor, parse_id(&path)?).await?;
    page.notice = match query.done.as_deref() {
        Some("created") => {
            Some("The certification body is recorded, active from today. Invite its staff below.")
        }
        Some("status") => Some("The status is changed from today."),
        Some("invited") => Some("The invitation is on its way by e-mail."),
        _ => None,
    };
    page::ok(&visitor, &page)
}

/// The body's page again, with the errors of the form just sent.
async fn again(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    status: StatusCode,
    errors: FormErrors,
    fill: impl FnOnce(&mut BodyPage),
) -> Result<HttpResponse, PageError> {
    let mut page = body_page(state, visitor, id).await?;
    page.errors = errors;
    fill(&mut page);
    page::html(visitor, status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    status: String,
    reason: String,
}

#[post("/admin/certification-bodies/{id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    rcbs::get(&state, id).await.map_err(rcb_error)?;
    let form = form.into_inner();
    let (code, errors) = match form.status.parse::<BodyStatus>() {
        Err(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one("status", "Status: choose active, suspended or withdrawn."),
        ),
        Ok(status) => match BodyStatusChange::parse(status, &form.reason) {
            Err(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                form_errors(errors, "", &[("reason", "Reason")]),
            ),
            Ok(change) => match rcbs::change_status(&state, id, change, admin.user_id).await {
                Ok(_) => {
                    return Ok(page::see_other(
                        &visitor,
                        &format!("/admin/certification-bodies/{id}?done=status"),
                    ));
                }
                Err(RcbError::StatusRefused(why)) => (
                    StatusCode::CONFLICT,
                    FormErrors::one("status", format!("Status: {why}.")),
                ),
                Err(e) => return Err(rcb_error(e)),
            },
        },
    };
    again(&state, &visitor, id, code, errors, |p| {
        p.status_choice = form.status;
        p.reason = form.reason;
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    csrf: String,
    invite_email: String,
}

#[post("/admin/certification-bodies/{id}/invitations")]
pub async fn invite(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    rcbs::get(&state, id).await.map_err(rcb_error)?;
    let form = form.into_inner();
    let (status, message) = match EmailAddress::parse(&form.invite_email) {
        Err(m) => (StatusCode::UNPROCESSABLE_ENTITY, format!("Email: {m}.")),
        Ok(email) => match rcbs::invite_staff(&state, id, &email, admin.user_id).await {
            Ok(_) => {
                return Ok(page::see_other(
                    &visitor,
                    &format!("/admin/certification-bodies/{id}?done=invited"),
                ));
            }
            Err(RcbError::HasAccount) => (
                StatusCode::CONFLICT,
                "Email: this address already has an account, and staff accounts are separate. Invite another address.".to_owned(),
            ),
            Err(e) => return Err(rcb_error(e)),
        },
    };
    let errors = FormErrors::one("invite_email", message);
    again(&state, &visitor, id, status, errors, |p| {
        p.invite_email = form.invite_email
    })
    .await
}
