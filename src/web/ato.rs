//! The training organization's pages, under `/ato`: its home (accreditations, courses,
//! announcing a course, inviting a colleague), one course (its delegates, enrolling one
//! or a pasted roster, recording outcomes) and its delegates' results. They show and allow
//! what the JSON API under `/api/v1/ato` does, through the same use cases.

use std::str::FromStr;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::page::{self, Chrome, FormErrors, PageError, date, label_of, when};
use super::papers::{PaperSummary, papers};
use super::session::Visitor;
use crate::app::atos::{self, AtoError, AtoProfile};
use crate::app::courses::{self, CourseError, CourseStanding, EnrolResult, RowResult};
use crate::domain::ato::{
    AccreditationStatus, Delegate, Delivery, EnrolmentRecord, NewCourse, Outcome,
    check_completion_allowed, check_outcome_date, enrolments_csv,
};
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::domain::sitting::SittingStatus;
use crate::domain::values::EmailAddress;
use crate::state::AppState;

pub mod materials;

use super::material_rows::{self, MaterialForm, MaterialRow};

/// The largest roster accepted, as by the API.
const ROSTER_MAX_BYTES: usize = 256 * 1024;
/// The largest roster form: a pasted roster arrives percent-encoded, up to three bytes a
/// byte; the roster itself is then held to `ROSTER_MAX_BYTES`.
const ROSTER_FORM_LIMIT: usize = 3 * ROSTER_MAX_BYTES + 4096;
const COURSES_PER_PAGE: u64 = 25;
const DELEGATES_PER_PAGE: u64 = 100;
const RESULTS_PER_PAGE: u64 = 50;

/// Mounts this audience's pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(home)
        .service(create_course)
        .service(invite_colleague)
        .service(show_course)
        .service(delegates_csv)
        .service(enrol_delegate)
        .service(record_outcome)
        .service(delegate_results)
        .service(
            web::resource("/ato/courses/{id}/roster")
                .app_data(web::FormConfig::default().limit(ROSTER_FORM_LIMIT))
                .route(web::post().to(upload_roster))
                .route(web::get().to(roster_form)),
        );
}

/// The signed-in staff member: 403 for anyone else, the sign-in page when signed out.
fn staff(visitor: &Visitor) -> Result<Uuid, PageError> {
    Ok(visitor.with_role(Role::AtoStaff)?.user_id)
}

pub(super) fn ato_failure(e: AtoError) -> PageError {
    match e {
        AtoError::NotStaff => PageError::Forbidden,
        AtoError::Unexpected(e) => PageError::Unexpected(e),
        other => PageError::Unexpected(anyhow::anyhow!(other.to_string())),
    }
}

/// A path's id; anything else is not a page.
fn id_of(raw: &str) -> Result<Uuid, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// Where a list continues (`?after=`); an unreadable cursor starts at the beginning.
fn cursor(after: Option<&str>) -> Option<Uuid> {
    after.and_then(|a| a.parse().ok())
}

fn title_of(titles: &[PaperSummary], code: &str) -> String {
    titles
        .iter()
        .find(|p| p.code == code)
        .map_or_else(|| code.to_owned(), |p| p.title.clone())
}

fn delivery_word(d: Delivery) -> &'static str {
    match d {
        Delivery::Classroom => "Classroom",
        Delivery::Virtual => "Virtual classroom",
    }
}

/// The form value of an outcome, as the API spells it.
fn outcome_value(o: Outcome) -> &'static str {
    match o {
        Outcome::Completed => "completed",
        Outcome::DidNotComplete => "did_not_complete",
        Outcome::Absent => "absent",
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Completed => "Completed",
        Outcome::DidNotComplete => "Did not complete",
        Outcome::Absent => "Absent",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    done: Option<String>,
    after: Option<String>,
}

// The organization's home.

pub struct AccreditationRow {
    pub qualification: String,
    pub from: String,
    pub until: String,
    pub status: &'static str,
    pub active: bool,
    /// When and why a suspension or withdrawal took effect.
    pub detail: Option<String>,
}

pub struct CourseRow {
    pub id: Uuid,
    pub title: String,
    pub qualification: String,
    pub dates: String,
    pub delivery: &'static str,
    pub trainer: String,
    pub delegates: usize,
}

pub struct Choice {
    pub code: String,
    pub title: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CourseForm {
    csrf: String,
    title: String,
    qualification: String,
    starts_on: String,
    ends_on: String,
    delivery: String,
    trainer_name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    csrf: String,
    email: String,
}

#[derive(Template)]
#[template(path = "web/ato/home.html")]
struct HomePage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    name: String,
    accreditations: Vec<AccreditationRow>,
    courses: Vec<CourseRow>,
    next: Option<Uuid>,
    /// The qualifications a course may be announced for: an accreditation in force.
    qualifications: Vec<Choice>,
    course: CourseForm,
    invite: InviteForm,
}

/// The home page with empty forms; a failed form puts itself and its errors back.
async fn home_page(
    state: &AppState,
    visitor: &Visitor,
    staff: Uuid,
    after: Option<Uuid>,
) -> Result<HomePage, PageError> {
    let AtoProfile {
        ato,
        accreditations,
    } = atos::own_profile(state, staff).await.map_err(ato_failure)?;
    let titles = papers(state);
    let today = state.clock.now().date();
    let mut qualifications: Vec<Choice> = Vec::new();
    for a in &accreditations {
        let code = &a.period.qualification;
        if a.status == AccreditationStatus::Active
            && a.period.valid_until >= today
            && titles.iter().any(|p| &p.code == code)
            && !qualifications.iter().any(|q| &q.code == code)
        {
            qualifications.push(Choice {
                code: code.clone(),
                title: title_of(&titles, code),
            });
        }
    }
    let accreditations = accreditations
        .into_iter()
        .map(|a| AccreditationRow {
            qualification: title_of(&titles, &a.period.qualification),
            from: date(a.period.valid_from),
            until: date(a.period.valid_until),
            status: match a.status {
                AccreditationStatus::Active => "Active",
                AccreditationStatus::Suspended => "Suspended",
                AccreditationStatus::Withdrawn => "Withdrawn",
            },
            active: a.status == AccreditationStatus::Active,
            detail: a.period.ended_on.map(|d| match &a.status_reason {
                Some(reason) => format!("From {}: {reason}", date(d)),
                None => format!("From {}", date(d)),
            }),
        })
        .collect();
    let page = courses::list(state, staff, after, COURSES_PER_PAGE).await?;
    let mut rows = Vec::with_capacity(page.items.len());
    for CourseStanding { course: c, .. } in page.items {
        let delegates = courses::enrolments(state, staff, c.id).await?.len();
        rows.push(CourseRow {
            id: c.id,
            qualification: title_of(&titles, &c.qualification),
            dates: format!("{} to {}", date(c.starts_on), date(c.ends_on)),
            delivery: delivery_word(c.delivery),
            title: c.title,
            trainer: c.trainer_name,
            delegates,
        });
    }
    Ok(HomePage {
        chrome: Chrome::new(visitor, ato.name.clone()),
        errors: FormErrors::new(),
        notice: None,
        name: ato.name,
        accreditations,
        courses: rows,
        next: page.next,
        qualifications,
        course: CourseForm::default(),
        invite: InviteForm::default(),
    })
}

#[get("/ato")]
pub async fn home(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let notice = match query.done.as_deref() {
        Some("invited") => Some(
            "The invitation is on its way. Your colleague opens their account from the link in the e-mail.",
        ),
        _ => None,
    };
    let mut page = home_page(&state, &visitor, staff, cursor(query.after.as_deref())).await?;
    page.notice = notice;
    page::ok(&visitor, &page)
}

/// The course form's errors as sentences about its labels.
fn course_errors(errors: &FieldErrors) -> FormErrors {
    let mut form = FormErrors::new();
    for e in errors.iter() {
        let label = match e.field.as_str() {
            "trainer_name" => "Trainer".to_owned(),
            other => label_of(other),
        };
        let message = e.message.replace("starts_on", "the start date");
        if message.starts_with("must") {
            form.add(&e.field, format!("{label} {message}."));
        } else {
            form.add(&e.field, format!("{label}: {message}."));
        }
    }
    form
}

#[post("/ato/courses")]
pub async fn create_course(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<CourseForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let form = form.into_inner();
    let delivery = Delivery::from_str(form.delivery.trim()).ok();
    let offered = |code: &str| {
        state
            .catalog
            .offered()
            .any(|(_, q)| q.qualification.code == code)
    };
    let parsed = NewCourse::parse(
        form.qualification.trim(),
        &form.title,
        form.starts_on.trim(),
        form.ends_on.trim(),
        delivery.unwrap_or(Delivery::Classroom),
        &form.trainer_name,
        offered,
    );
    let mut errors = match parsed {
        Ok(new) if delivery.is_some() => match courses::create(&state, staff, new).await {
            Ok(created) => {
                let to = format!("/ato/courses/{}?done=created", created.course.id);
                return Ok(page::see_other(&visitor, &to));
            }
            Err(CourseError::Invalid(errors)) => course_errors(&errors),
            Err(e) => return Err(e.into()),
        },
        Ok(_) => FormErrors::new(),
        Err(errors) => course_errors(&errors),
    };
    if delivery.is_none() {
        errors.add(
            "delivery",
            "Delivery: choose classroom or virtual classroom.",
        );
    }
    let mut page = home_page(&state, &visitor, staff, None).await?;
    page.course = form;
    page.errors = errors;
    page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[post("/ato/colleagues")]
pub async fn invite_colleague(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let form = form.into_inner();
    let (status, errors) = match EmailAddress::parse(&form.email) {
        Err(m) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one("email", format!("Email {m}.")),
        ),
        Ok(email) => match atos::invite_colleague(&state, staff, &email).await {
            Ok(_) => return Ok(page::see_other(&visitor, "/ato?done=invited")),
            Err(AtoError::HasAccount) => (
                StatusCode::CONFLICT,
                FormErrors::one(
                    "email",
                    "This address already has an Invigilator account. Staff accounts are separate: invite your colleague at another address.",
                ),
            ),
            Err(e) => return Err(ato_failure(e)),
        },
    };
    let mut page = home_page(&state, &visitor, staff, None).await?;
    page.invite = form;
    page.errors = errors;
    page::html(&visitor, status, &page)
}

// One course.

pub struct DelegateRow {
    pub id: Uuid,
    /// The delegate's names, when the organization may see them.
    pub name: Option<String>,
    pub email: String,
    pub accepted: bool,
    pub enrolled: String,
    /// The outcome recorded, as a word, and its form value ("" when none).
    pub outcome: Option<&'static str>,
    pub outcome_value: &'static str,
}

impl From<EnrolmentRecord> for DelegateRow {
    fn from(e: EnrolmentRecord) -> Self {
        let accepted = e.accepted_at.is_some();
        // The record carries names only where the API shows them: those the organization
        // typed for an account it opened, and a linked candidate's once they accept.
        let name = match (e.given_name, e.family_name) {
            (Some(given), Some(family)) => Some(format!("{given} {family}")),
            _ => None,
        };
        Self {
            id: e.id,
            name,
            email: e.email,
            accepted,
            enrolled: when(e.enrolled_at),
            outcome: e.outcome.map(outcome_word),
            outcome_value: e.outcome.map_or("", outcome_value),
        }
    }
}

pub struct OutcomeChoice {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct ReportRow {
    pub row: usize,
    pub email: String,
    pub result: String,
    pub ok: bool,
}

#[derive(Default)]
pub struct RosterReport {
    pub rows: Vec<ReportRow>,
    pub created: usize,
    pub linked: usize,
    pub already: usize,
    pub refused: usize,
}

impl From<Vec<courses::RosterRowOutcome>> for RosterReport {
    fn from(rows: Vec<courses::RosterRowOutcome>) -> Self {
        let mut report = Self::default();
        for row in rows {
            let (result, ok) = match row.result {
                RowResult::Enrolled(EnrolResult::Created) => {
                    report.created += 1;
                    ("Created: a new account, invited by e-mail".to_owned(), true)
                }
                RowResult::Enrolled(EnrolResult::Linked) => {
                    report.linked += 1;
                    (
                        "Linked: an existing account, asked by e-mail to accept".to_owned(),
                        true,
                    )
                }
                RowResult::Enrolled(EnrolResult::AlreadyEnrolled) => {
                    report.already += 1;
                    ("Already enrolled: nothing changed".to_owned(), true)
                }
                RowResult::Rejected(reason) => {
                    report.refused += 1;
                    (format!("Refused: {}", readable(&reason)), false)
                }
            };
            report.rows.push(ReportRow {
                row: row.row,
                email: row.email.unwrap_or_default(),
                result,
                ok,
            });
        }
        report
    }
}

/// A row's reason as people read it: the field names it starts with in words.
fn readable(reason: &str) -> String {
    reason
        .replace("given_name ", "given name ")
        .replace("family_name ", "family name ")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EnrolForm {
    csrf: String,
    email: String,
    given_name: String,
    family_name: String,
}

#[derive(Template)]
#[template(path = "web/ato/course.html")]
struct CoursePage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    /// Why the last action could not be done (shown as an alert).
    problem: Option<String>,
    id: Uuid,
    title: String,
    qualification: String,
    dates: String,
    delivery: &'static str,
    trainer: String,
    accredited: bool,
    delegates: Vec<DelegateRow>,
    next: Option<Uuid>,
    /// The outcomes that may be recorded today: none before the course starts, completion
    /// only from its end and while an accreditation covering it is in force.
    outcomes: Vec<OutcomeChoice>,
    outcome_hint: Option<String>,
    enrol: EnrolForm,
    roster: String,
    report: Option<RosterReport>,
    /// The course's materials, and the two forms that add one.
    materials: Vec<MaterialRow>,
    material_form: MaterialForm,
    /// How long delegates keep access after the course, and the largest file, in words.
    access_days: u32,
    max_size: String,
}

impl CoursePage {
    fn with_problem(mut self, problem: impl Into<String>) -> Self {
        self.problem = Some(problem.into());
        self
    }
}

async fn course_page(
    state: &AppState,
    visitor: &Visitor,
    staff: Uuid,
    id: Uuid,
    after: Option<Uuid>,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> Result<CoursePage, PageError> {
    let standing = courses::get(state, staff, id).await?;
    let profile = atos::own_profile(state, staff).await.map_err(ato_failure)?;
    let delegates = courses::enrolment_page(state, staff, id, after, DELEGATES_PER_PAGE).await?;
    let c = &standing.course;
    let today = state.clock.now().date();
    let mut outcomes = Vec::new();
    let mut outcome_hint = None;
    if check_outcome_date(Outcome::Absent, c.starts_on, c.ends_on, today).is_err() {
        outcome_hint = Some(format!(
            "Outcomes can be recorded from {}, when the course starts.",
            date(c.starts_on)
        ));
    } else {
        let completion = check_outcome_date(Outcome::Completed, c.starts_on, c.ends_on, today)
            .map_err(|_| {
                format!(
                    "Completion can be recorded from {}, when the course ends.",
                    date(c.ends_on)
                )
            })
            .and_then(|()| {
                check_completion_allowed(Outcome::Completed, &profile.accreditations, c).map_err(
                    |_| {
                        "Completion cannot be recorded: no accreditation of your organization covering this course is in force.".to_owned()
                    },
                )
            });
        match completion {
            Ok(()) => outcomes.push(OutcomeChoice {
                value: outcome_value(Outcome::Completed),
                label: outcome_word(Outcome::Completed),
            }),
            Err(why) => outcome_hint = Some(why),
        }
        for o in [Outcome::DidNotComplete, Outcome::Absent] {
            outcomes.push(OutcomeChoice {
                value: outcome_value(o),
                label: outcome_word(o),
            });
        }
    }
    let titles = papers(state);
    let rows = crate::app::materials::of_course(state, staff, id)
        .await
        .map_err(material_rows::failure)?;
    Ok(CoursePage {
        chrome: Chrome::new(visitor, c.title.clone()),
        errors,
        notice,
        problem: None,
        id: c.id,
        title: c.title.clone(),
        qualification: title_of(&titles, &c.qualification),
        dates: format!("{} to {}", date(c.starts_on), date(c.ends_on)),
        delivery: delivery_word(c.delivery),
        trainer: c.trainer_name.clone(),
        accredited: standing.accredited,
        delegates: delegates.items.into_iter().map(DelegateRow::from).collect(),
        next: delegates.next,
        outcomes,
        outcome_hint,
        enrol: EnrolForm::default(),
        roster: String::new(),
        report: None,
        materials: rows.into_iter().map(MaterialRow::from).collect(),
        material_form: MaterialForm::default(),
        access_days: state.materials.access_days_after_course,
        max_size: material_rows::size_words(state.materials.max_bytes as u64),
    })
}

#[get("/ato/courses/{id}")]
pub async fn show_course(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let id = id_of(&path)?;
    let notice = match query.done.as_deref() {
        Some("created") => Some("The course is announced. Enrol its delegates below."),
        Some("enrolled") => Some(
            "The delegate is enrolled. We opened an account for them and e-mailed them a link to choose a password.",
        ),
        Some("linked") => Some(
            "The delegate already has an account: we e-mailed them to accept the enrolment. Their name shows here once they do.",
        ),
        Some("already") => Some("This delegate was already on the course; nothing changed."),
        Some("outcome") => Some("The outcome is recorded."),
        Some("material") => {
            Some("The material is added: the course's delegates find it on their dashboard.")
        }
        Some("material-deleted") => Some("The material is deleted."),
        _ => None,
    };
    let page = course_page(
        &state,
        &visitor,
        staff,
        id,
        cursor(query.after.as_deref()),
        FormErrors::new(),
        notice,
    )
    .await?;
    page::ok(&visitor, &page)
}

/// The delegates as a spreadsheet, as the API exports them.
#[get("/ato/courses/{id}/delegates.csv")]
pub async fn delegates_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let id = id_of(&path)?;
    let rows = courses::enrolments(&state, staff, id).await?;
    let bytes = enrolments_csv(&rows).map_err(|e| PageError::Unexpected(e.into()))?;
    Ok(visitor.finish(
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"delegates-{id}.csv\""),
            ))
            .body(bytes),
    ))
}

#[post("/ato/courses/{id}/delegates")]
pub async fn enrol_delegate(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<EnrolForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let id = id_of(&path)?;
    // Another organization's course answers 404 whatever the form says.
    courses::get(&state, staff, id).await?;
    let form = form.into_inner();
    let (status, errors) = match Delegate::parse(&form.given_name, &form.family_name, &form.email) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from(errors)),
        Ok(delegate) => match courses::enrol(&state, staff, id, &delegate).await {
            Ok(result) => {
                let done = match result {
                    EnrolResult::Created => "enrolled",
                    EnrolResult::Linked => "linked",
                    EnrolResult::AlreadyEnrolled => "already",
                };
                let to = format!("/ato/courses/{id}?done={done}");
                return Ok(page::see_other(&visitor, &to));
            }
            Err(CourseError::NotACandidate) => (
                StatusCode::CONFLICT,
                FormErrors::one(
                    "email",
                    "This address belongs to an account that is not a candidate's, so it cannot be enrolled.",
                ),
            ),
            Err(e) => return Err(e.into()),
        },
    };
    let mut page = course_page(&state, &visitor, staff, id, None, errors, None).await?;
    page.enrol = form;
    page::html(&visitor, status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RosterForm {
    csrf: String,
    roster: String,
}

/// Enrols a pasted roster and shows what happened to each row. The report is the answer
/// itself, not a redirect: it lives nowhere else, and sending the same roster again
/// changes nothing.
pub async fn upload_roster(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<RosterForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let id = id_of(&path)?;
    courses::get(&state, staff, id).await?;
    let form = form.into_inner();
    let (status, errors, report) = if form.roster.trim().is_empty() {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one(
                "roster",
                "Roster: paste the rows, starting with the header line given_name,family_name,email.",
            ),
            None,
        )
    } else if form.roster.len() > ROSTER_MAX_BYTES {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            FormErrors::one(
                "roster",
                "Roster is larger than 256 KB: send it in smaller parts.",
            ),
            None,
        )
    } else {
        match courses::enrol_roster(&state, staff, id, form.roster.as_bytes()).await {
            Ok(rows) => (StatusCode::OK, FormErrors::new(), Some(rows.into())),
            Err(CourseError::Roster(e)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                FormErrors::one("roster", format!("Roster: {e}.")),
                None,
            ),
            Err(e) => return Err(e.into()),
        }
    };
    let mut page = course_page(&state, &visitor, staff, id, None, errors, None).await?;
    if report.is_none() {
        page.roster = form.roster;
    }
    page.report = report;
    page::html(&visitor, status, &page)
}

/// The address the roster report answers at, opened again (a bookmark, a reload after
/// signing in): the course page with the form.
pub async fn roster_form(
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&visitor)?;
    let id = id_of(&path)?;
    Ok(page::see_other(
        &visitor,
        &format!("/ato/courses/{id}#roster-heading"),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutcomeForm {
    csrf: String,
    outcome: String,
}

#[post("/ato/courses/{id}/delegates/{enrolment}/outcome")]
pub async fn record_outcome(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
    form: web::Form<OutcomeForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let (course_raw, enrolment_raw) = path.into_inner();
    let id = id_of(&course_raw)?;
    let enrolment = id_of(&enrolment_raw)?;
    let (status, problem) = match Outcome::from_str(form.outcome.trim()) {
        Err(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose an outcome: completed, did not complete or absent.".to_owned(),
        ),
        Ok(outcome) => match courses::record_outcome(&state, staff, id, enrolment, outcome).await {
            Ok(_) => {
                let to = format!("/ato/courses/{id}?done=outcome");
                return Ok(page::see_other(&visitor, &to));
            }
            Err(CourseError::TooEarly(why) | CourseError::NotAccredited(why)) => {
                (StatusCode::CONFLICT, format!("Not recorded: {why}."))
            }
            Err(CourseError::NotAccepted) => (
                StatusCode::CONFLICT,
                "Not recorded: the delegate has not accepted the enrolment yet.".to_owned(),
            ),
            Err(e) => return Err(e.into()),
        },
    };
    let page = course_page(&state, &visitor, staff, id, None, FormErrors::new(), None).await?;
    page::html(&visitor, status, &page.with_problem(problem))
}

// Delegates' results.

pub struct ResultRow {
    pub name: String,
    pub qualification: String,
    pub edition: String,
    pub date: String,
    pub status: &'static str,
    pub score: String,
    pub result: &'static str,
    pub passed: bool,
}

#[derive(Template)]
#[template(path = "web/ato/results.html")]
struct ResultsPage {
    chrome: Chrome,
    results: Vec<ResultRow>,
    next: Option<Uuid>,
}

#[get("/ato/results")]
pub async fn delegate_results(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let page = courses::delegate_results(
        &state,
        staff,
        cursor(query.after.as_deref()),
        RESULTS_PER_PAGE,
    )
    .await?;
    let titles = papers(&state);
    let results = page
        .items
        .into_iter()
        .map(|r| ResultRow {
            name: format!("{} {}", r.given_name, r.family_name),
            qualification: title_of(&titles, &r.qualification),
            edition: r.edition,
            date: when(r.started_at),
            status: match r.status {
                SittingStatus::InProgress => "In progress",
                SittingStatus::Submitted => "Submitted",
                SittingStatus::Expired => "Time ran out",
                SittingStatus::Voided => "Voided",
            },
            score: match r.score {
                Some(score) => format!("{score} of {}", r.max_score),
                None => "Not finished".to_owned(),
            },
            result: match r.passed {
                Some(true) => "Passed",
                Some(false) => "Not passed",
                None => "No result yet",
            },
            passed: r.passed == Some(true),
        })
        .collect();
    page::ok(
        &visitor,
        &ResultsPage {
            chrome: Chrome::new(&visitor, "Delegates' results"),
            results,
            next: page.next,
        },
    )
}
