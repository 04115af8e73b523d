//! Training organizations: the list, recording a new one, and one organization's page
//! with its accreditations (accredit a course, suspend or withdraw an accreditation with
//! a reason), inviting its staff, and recording a course it ran.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, PageQuery, date, form_errors, parse_id, when};
use crate::app::atos::{self, AtoError, AtoProfile};
use crate::app::courses::{self, CourseError};
use crate::domain::ato::{
    AccreditationEnding, AccreditationStatus, Delivery, NewAccreditation, NewAto, NewCourse,
};
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError, encode_query};
use crate::web::session::Visitor;

/// Organizations on one page of the list.
const PER_PAGE: u64 = 25;

fn ato_error(e: AtoError) -> PageError {
    match e {
        AtoError::NoSuchAto | AtoError::NoSuchAccreditation => PageError::NotFound,
        AtoError::NotStaff => PageError::Forbidden,
        AtoError::Unexpected(e) => PageError::Unexpected(e),
        other => PageError::Unexpected(anyhow::anyhow!(other.to_string())),
    }
}

fn status_word(s: AccreditationStatus) -> &'static str {
    match s {
        AccreditationStatus::Active => "Active",
        AccreditationStatus::Suspended => "Suspended",
        AccreditationStatus::Withdrawn => "Withdrawn",
    }
}

/// The qualifications the scheme offers, as (code, title), in the scheme's order.
fn qualifications(state: &AppState) -> Vec<(String, String)> {
    let mut seen = Vec::<(String, String)>::new();
    for (_, q) in state.catalog.offered() {
        let q = &q.qualification;
        if !seen.iter().any(|(c, _)| *c == q.code) {
            seen.push((q.code.clone(), q.title.clone()));
        }
    }
    seen
}

fn offered(state: &AppState) -> impl Fn(&str) -> bool + '_ {
    |code| {
        state
            .catalog
            .offered()
            .any(|(_, q)| q.qualification.code == code)
    }
}

pub struct AtoRow {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub contact_email: String,
    pub accreditations: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewAtoForm {
    csrf: String,
    name: String,
    country: String,
    contact_email: String,
}

#[derive(Template)]
#[template(path = "web/admin/atos.html")]
struct AtosPage {
    chrome: Chrome,
    errors: FormErrors,
    atos: Vec<AtoRow>,
    next: Option<String>,
    form: NewAtoForm,
}

async fn atos_page(
    state: &AppState,
    visitor: &Visitor,
    cursor: Option<Uuid>,
) -> Result<AtosPage, PageError> {
    let titles = qualifications(state);
    let title = |code: &str| {
        titles
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    let listed = atos::list(state, cursor, PER_PAGE)
        .await
        .map_err(ato_error)?;
    Ok(AtosPage {
        chrome: Chrome::new(visitor, "Training organizations"),
        errors: FormErrors::new(),
        next: listed.next.map(|n| encode_query(&n.to_string())),
        atos: listed
            .items
            .into_iter()
            .map(|p| AtoRow {
                id: p.ato.id,
                accreditations: p
                    .accreditations
                    .iter()
                    .map(|a| {
                        format!(
                            "{}: {} to {}, {}",
                            title(&a.period.qualification),
                            date(a.period.valid_from),
                            date(a.period.valid_until),
                            status_word(a.status).to_lowercase()
                        )
                    })
                    .collect(),
                name: p.ato.name,
                country: p.ato.country,
                contact_email: p.ato.contact_email,
            })
            .collect(),
        form: NewAtoForm::default(),
    })
}

#[get("/admin/atos")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let page = atos_page(&state, &visitor, query.cursor()).await?;
    page::ok(&visitor, &page)
}

#[post("/admin/atos")]
pub async fn create(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<NewAtoForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    visitor.with_role(Role::Admin)?;
    let form = form.into_inner();
    let errors = match NewAto::parse(&form.name, &form.country, &form.contact_email) {
        Ok(new) => {
            let created = atos::create(&state, new).await.map_err(ato_error)?;
            return Ok(page::see_other(
                &visitor,
                &format!("/admin/atos/{}?done=created", created.ato.id),
            ));
        }
        Err(errors) => form_errors(
            errors,
            "",
            &[
                ("name", "Name"),
                ("country", "Country"),
                ("contact_email", "Contact email"),
            ],
        ),
    };
    let mut page = atos_page(&state, &visitor, None).await?;
    page.errors = errors;
    page.form = form;
    page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub struct AccreditationRow {
    pub id: Uuid,
    pub qualification: String,
    pub valid_from: String,
    pub valid_until: String,
    pub status: &'static str,
    pub active: bool,
    /// What ended it: from when, why, by whom and when it was recorded.
    pub ended: Option<String>,
    pub status_field: String,
    pub reason_field: String,
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccreditForm {
    csrf: String,
    qualification: String,
    valid_from: String,
    valid_until: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    csrf: String,
    invite_email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CourseForm {
    csrf: String,
    course_qualification: String,
    course_title: String,
    course_starts_on: String,
    course_ends_on: String,
    course_delivery: String,
    course_trainer_name: String,
}

#[derive(Template)]
#[template(path = "web/admin/ato.html")]
struct AtoPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    id: Uuid,
    name: String,
    country: String,
    contact_email: String,
    created: String,
    accreditations: Vec<AccreditationRow>,
    qualifications: Vec<(String, String)>,
    accredit: AccreditForm,
    invite_email: String,
    course: CourseForm,
}

async fn ato_page(state: &AppState, visitor: &Visitor, id: Uuid) -> Result<AtoPage, PageError> {
    let AtoProfile {
        ato,
        accreditations,
    } = atos::get(state, id).await.map_err(ato_error)?;
    let titles = qualifications(state);
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(accreditations.len());
    for a in accreditations {
        let ended = match (a.period.ended_on, &a.status_reason) {
            (Some(on), reason) => {
                let by = match a.status_changed_by {
                    Some(by) => format!(" by {}", names.name(state, by).await?),
                    None => String::new(),
                };
                let at = a
                    .status_changed_at
                    .map(|t| format!(" on {}", when(t)))
                    .unwrap_or_default();
                Some(format!(
                    "From {}: {}. Recorded{by}{at}.",
                    date(on),
                    reason.as_deref().unwrap_or("no reason recorded")
                ))
            }
            (None, _) => None,
        };
        rows.push(AccreditationRow {
            id: a.id,
            qualification: titles
                .iter()
                .find(|(c, _)| *c == a.period.qualification)
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| a.period.qualification.clone()),
            valid_from: date(a.period.valid_from),
            valid_until: date(a.period.valid_until),
            status: status_word(a.status),
            active: a.status == AccreditationStatus::Active,
            ended,
            status_field: format!("status-{}", a.id),
            reason_field: format!("reason-{}", a.id),
            reason: String::new(),
        });
    }
    Ok(AtoPage {
        chrome: Chrome::new(visitor, ato.name.clone()),
        errors: FormErrors::new(),
        notice: None,
        id: ato.id,
        name: ato.name,
        country: ato.country,
        contact_email: ato.contact_email,
        created: when(ato.created_at),
        accreditations: rows,
        qualifications: titles,
        accredit: AccreditForm::default(),
        invite_email: String::new(),
        course: CourseForm::default(),
    })
}

#[get("/admin/atos/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let mut page = ato_page(&state, &visitor, parse_id(&path)?).await?;
    page.notice = match query.done.as_deref() {
        Some("created") => Some(
            "The training organization is recorded. Accredit its courses and invite its staff below.",
        ),
        Some("accredited") => Some("The accreditation is recorded."),
        Some("suspended") => Some("The accreditation is suspended from today."),
        Some("withdrawn") => Some("The accreditation is withdrawn from today."),
        Some("invited") => Some("The invitation is on its way by e-mail."),
        Some("course") => Some("The course is recorded."),
        _ => None,
    };
    page::ok(&visitor, &page)
}

/// The organization's page again, with the errors of the form just sent.
async fn again(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    status: StatusCode,
    errors: FormErrors,
    fill: impl FnOnce(&mut AtoPage),
) -> Result<HttpResponse, PageError> {
    let mut page = ato_page(state, visitor, id).await?;
    page.errors = errors;
    fill(&mut page);
    page::html(visitor, status, &page)
}

#[post("/admin/atos/{id}/accreditations")]
pub async fn accredit(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<AccreditForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    // An unknown organization is not found, whatever the form says.
    atos::get(&state, id).await.map_err(ato_error)?;
    let form = form.into_inner();
    match NewAccreditation::parse(
        &form.qualification,
        &form.valid_from,
        &form.valid_until,
        offered(&state),
    ) {
        Ok(new) => {
            atos::accredit(&state, id, new, admin.user_id)
                .await
                .map_err(ato_error)?;
            Ok(page::see_other(
                &visitor,
                &format!("/admin/atos/{id}?done=accredited"),
            ))
        }
        Err(errors) => {
            let errors = form_errors(
                errors,
                "",
                &[
                    ("qualification", "Qualification"),
                    ("valid_from", "Valid from"),
                    ("valid_until", "Valid until"),
                ],
            );
            again(
                &state,
                &visitor,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                |p| p.accredit = form,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    csrf: String,
    /// `suspended` or `withdrawn`.
    status: String,
    reason: String,
}

#[post("/admin/atos/{id}/accreditations/{accreditation}/status")]
pub async fn end_accreditation(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let (raw_ato, raw_accreditation) = path.into_inner();
    let (id, accreditation) = (parse_id(&raw_ato)?, parse_id(&raw_accreditation)?);
    let profile = atos::get(&state, id).await.map_err(ato_error)?;
    if !profile.accreditations.iter().any(|a| a.id == accreditation) {
        return Err(PageError::NotFound);
    }
    let form = form.into_inner();
    let status = form
        .status
        .parse::<AccreditationStatus>()
        .unwrap_or(AccreditationStatus::Active);
    let (code, errors) = match AccreditationEnding::parse(status, &form.reason) {
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            form_errors_for(errors, accreditation),
        ),
        Ok(ending) => {
            let done = ending.status.as_ref().to_owned();
            match atos::end_accreditation(&state, id, accreditation, ending, admin.user_id).await {
                Ok(_) => {
                    return Ok(page::see_other(
                        &visitor,
                        &format!("/admin/atos/{id}?done={done}"),
                    ));
                }
                Err(AtoError::NotActive) => (
                    StatusCode::CONFLICT,
                    FormErrors::one(
                        &format!("status-{accreditation}"),
                        "This accreditation is already suspended or withdrawn. To restore it, accredit the course again.",
                    ),
                ),
                Err(e) => return Err(ato_error(e)),
            }
        }
    };
    again(&state, &visitor, id, code, errors, |p| {
        for row in p
            .accreditations
            .iter_mut()
            .filter(|r| r.id == accreditation)
        {
            row.reason = form.reason.clone();
        }
    })
    .await
}

/// The errors of one accreditation's form, under that form's field names.
fn form_errors_for(errors: FieldErrors, accreditation: Uuid) -> FormErrors {
    let mut form = FormErrors::new();
    for e in errors.iter() {
        let (label, message) = match e.field.as_str() {
            "status" => ("Change", "choose suspend or withdraw".to_owned()),
            _ => ("Reason", e.message.clone()),
        };
        form.add(
            &format!("{}-{accreditation}", e.field),
            format!("{label}: {message}."),
        );
    }
    form
}

#[post("/admin/atos/{id}/invitations")]
pub async fn invite(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    atos::get(&state, id).await.map_err(ato_error)?;
    let form = form.into_inner();
    let (status, message) = match EmailAddress::parse(&form.invite_email) {
        Err(m) => (StatusCode::UNPROCESSABLE_ENTITY, format!("Email: {m}.")),
        Ok(email) => match atos::invite_staff_of(&state, id, &email, admin.user_id).await {
            Ok(_) => return Ok(page::see_other(&visitor, &format!("/admin/atos/{id}?done=invited"))),
            Err(AtoError::HasAccount) => (
                StatusCode::CONFLICT,
                "Email: this address already has an account, and staff accounts are separate. Invite another address.".to_owned(),
            ),
            Err(e) => return Err(ato_error(e)),
        },
    };
    let errors = FormErrors::one("invite_email", message);
    again(&state, &visitor, id, status, errors, |p| {
        p.invite_email = form.invite_email
    })
    .await
}

#[post("/admin/atos/{id}/courses")]
pub async fn record_course(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<CourseForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    atos::get(&state, id).await.map_err(ato_error)?;
    let form = form.into_inner();
    let delivery = form
        .course_delivery
        .parse::<Delivery>()
        .unwrap_or(Delivery::Classroom);
    let parsed = NewCourse::parse(
        &form.course_qualification,
        &form.course_title,
        &form.course_starts_on,
        &form.course_ends_on,
        delivery,
        &form.course_trainer_name,
        offered(&state),
    );
    let errors = match parsed {
        Err(errors) => errors,
        Ok(new) => match courses::record_for(&state, id, new, admin.user_id).await {
            Ok(_) => {
                return Ok(page::see_other(
                    &visitor,
                    &format!("/admin/atos/{id}?done=course"),
                ));
            }
            Err(CourseError::Invalid(errors)) => errors,
            Err(CourseError::NoSuchAto) => return Err(PageError::NotFound),
            Err(e) => return Err(e.into()),
        },
    };
    let errors = form_errors(
        errors,
        "course_",
        &[
            ("qualification", "Qualification"),
            ("title", "Title"),
            ("starts_on", "Starts on"),
            ("ends_on", "Ends on"),
            ("trainer_name", "Trainer"),
        ],
    );
    again(
        &state,
        &visitor,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        errors,
        |p| p.course = form,
    )
    .await
}
