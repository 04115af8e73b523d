//! The candidate's "Appeals and complaints" page: lodge an appeal against one of their
//! results or decisions (chosen from a list of their own) or a complaint, follow each
//! case's state and decision, and withdraw one before it is decided.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;

use super::page::{self, Chrome, CsrfForm, FormErrors, PageError, when};
use super::session::Visitor;
use crate::app::cases::{self, Appellant, CaseError};
use crate::domain::case::{CaseKind, CaseRecord, CaseState, NewCase, TargetKind};
use crate::domain::role::Role;
use crate::state::AppState;

impl From<CaseError> for PageError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound | CaseError::NoSuchTarget(_) | CaseError::NoSuchDelegate => {
                Self::NotFound
            }
            CaseError::NotStaff => Self::Forbidden,
            CaseError::Unexpected(e) => Self::Unexpected(e),
            other => Self::Unexpected(anyhow::anyhow!(other.to_string())),
        }
    }
}

/// A case as the pages show it.
pub struct CaseItem {
    pub id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub open: bool,
    pub received: String,
    pub target: Option<String>,
    pub about: Option<String>,
    pub statement: String,
    pub reasons: Option<String>,
    pub remedy: Option<String>,
}

pub fn kind_label(kind: CaseKind) -> &'static str {
    match kind {
        CaseKind::Appeal => "Appeal",
        CaseKind::Complaint => "Complaint",
    }
}

pub fn state_label(state: CaseState) -> &'static str {
    match state {
        CaseState::Received => "Received",
        CaseState::UnderReview => "Under review",
        CaseState::Upheld => "Upheld",
        CaseState::Rejected => "Rejected",
        CaseState::Withdrawn => "Withdrawn",
    }
}

fn target_label(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Sitting => "Sitting",
        TargetKind::Evidence => "Evidence decision",
        TargetKind::Certificate => "Certificate",
    }
}

impl From<CaseRecord> for CaseItem {
    fn from(c: CaseRecord) -> Self {
        Self {
            id: c.id.to_string(),
            kind: kind_label(c.kind),
            state: state_label(c.state),
            open: c.state.is_open(),
            received: when(c.received_at),
            target: c
                .target
                .map(|t| format!("{} {}", target_label(t.kind), t.id)),
            about: c.about,
            statement: c.statement,
            reasons: c.reasons,
            remedy: c
                .remedy
                .map(|r| cases::remedy_sentence(r, c.remedy_detail.as_deref())),
        }
    }
}

/// One choice of the form's "What it is about" list.
pub struct TargetOption {
    pub value: String,
    pub label: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LodgeForm {
    csrf: String,
    kind: String,
    /// `kind:id` of one of the candidate's results or decisions, or empty.
    target: String,
    about: String,
    statement: String,
}

#[derive(Template)]
#[template(path = "web/cases.html")]
struct CasesPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    problem: Option<String>,
    cases: Vec<CaseItem>,
    targets: Vec<TargetOption>,
    form: LodgeForm,
}

async fn cases_page(
    state: &AppState,
    visitor: &Visitor,
    candidate: uuid::Uuid,
    form: LodgeForm,
) -> Result<CasesPage, PageError> {
    let mine = cases::of_candidate(state, candidate, None, 100).await?;
    let targets = cases::appealable(state, candidate)
        .await?
        .into_iter()
        .map(|a| TargetOption {
            value: format!("{}:{}", a.kind.as_ref(), a.id),
            label: format!("{} (appeal by {})", a.label, a.closes_on),
        })
        .collect();
    Ok(CasesPage {
        chrome: Chrome::new(visitor, "Appeals and complaints"),
        errors: FormErrors::new(),
        notice: None,
        problem: None,
        cases: mine.items.into_iter().map(CaseItem::from).collect(),
        targets,
        form,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: Option<String>,
}

#[get("/my/cases")]
pub async fn cases_list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.with_role(Role::Candidate)?;
    let mut page = cases_page(&state, &visitor, user.user_id, LodgeForm::default()).await?;
    page.notice = match query.done.as_deref() {
        Some("lodged") => {
            Some("Your case is received. We have sent you an e-mail and will write at each step.")
        }
        Some("withdrawn") => Some("Your case is withdrawn."),
        _ => None,
    };
    page::ok(&visitor, &page)
}

fn parse_form(form: &LodgeForm) -> Result<NewCase, FormErrors> {
    let kind = match form.kind.as_str() {
        "appeal" => CaseKind::Appeal,
        "complaint" => CaseKind::Complaint,
        _ => return Err(FormErrors::one("kind", "Choose an appeal or a complaint.")),
    };
    let target = match form.target.split_once(':') {
        Some((k, id)) => match k.parse::<TargetKind>() {
            Ok(k) => Some((k, id)),
            Err(_) => {
                return Err(FormErrors::one(
                    "target",
                    "Choose one of your results or decisions.",
                ));
            }
        },
        None => None,
    };
    NewCase::parse(kind, target, Some(&form.about), &form.statement).map_err(|errors| {
        let mut out = FormErrors::new();
        for e in errors.iter() {
            match e.field.as_str() {
                "target_id" => out.add("target", format!("What it is about: {}.", e.message)),
                "about" => out.add("about", format!("Subject: {}.", e.message)),
                _ => out.add("statement", format!("Your statement {}.", e.message)),
            }
        }
        out
    })
}

#[post("/my/cases")]
pub async fn lodge(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<LodgeForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let form = form.into_inner();
    let (status, errors) = match parse_form(&form) {
        Ok(new) => match cases::lodge(&state, Appellant::Candidate(user.user_id), &new).await {
            Ok(_) => return Ok(page::see_other(&visitor, "/my/cases?done=lodged")),
            Err(
                CaseError::OutOfWindow(m) | CaseError::NotAppealable(m) | CaseError::AlreadyOpen(m),
            ) => (StatusCode::CONFLICT, FormErrors::one("target", m)),
            Err(e) => return Err(e.into()),
        },
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let mut page = cases_page(&state, &visitor, user.user_id, form).await?;
    page.errors = errors;
    page::html(&visitor, status, &page)
}

#[post("/my/cases/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let id = path.parse().map_err(|_| PageError::NotFound)?;
    match cases::withdraw(&state, user.user_id, id).await {
        Ok(_) => Ok(page::see_other(&visitor, "/my/cases?done=withdrawn")),
        Err(CaseError::WrongState(m)) => {
            let mut page = cases_page(&state, &visitor, user.user_id, LodgeForm::default()).await?;
            page.problem = Some(m);
            page::html(&visitor, StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// One result of a delegate's, as the staff's "Result appealed" list offers it.
pub struct DelegateTarget {
    pub value: String,
    pub label: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffLodgeForm {
    csrf: String,
    email: String,
    kind: String,
    /// A delegate's sitting id, or empty.
    target: String,
    about: String,
    statement: String,
}

#[derive(Template)]
#[template(path = "web/ato/cases.html")]
struct StaffCasesPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    cases: Vec<CaseItem>,
    targets: Vec<DelegateTarget>,
    form: StaffLodgeForm,
}

async fn staff_cases_page(
    state: &AppState,
    visitor: &Visitor,
    staff: uuid::Uuid,
    form: StaffLodgeForm,
) -> Result<StaffCasesPage, PageError> {
    let lodged = cases::lodged_by(state, staff, 100).await?;
    let results = crate::app::courses::delegate_results(state, staff, None, 100)
        .await
        .map_err(|e| PageError::Unexpected(anyhow::anyhow!(e.to_string())))?;
    let targets = results
        .items
        .into_iter()
        .filter_map(|r| {
            let (score, passed) = (r.score?, r.passed?);
            let title = state
                .catalog
                .qualification_title(&r.edition, &r.qualification);
            let outcome = if passed { "passed" } else { "not passed" };
            Some(DelegateTarget {
                value: r.sitting_id.to_string(),
                label: format!(
                    "{} {}: {title} on {}, {score} of {}, {outcome}",
                    r.given_name,
                    r.family_name,
                    r.started_at.date(),
                    r.max_score
                ),
            })
        })
        .collect();
    Ok(StaffCasesPage {
        chrome: Chrome::new(visitor, "Appeals and complaints for delegates"),
        errors: FormErrors::new(),
        notice: None,
        cases: lodged.into_iter().map(CaseItem::from).collect(),
        targets,
        form,
    })
}

/// Training-organization staff lodge an appeal or a complaint on a delegate's behalf.
#[get("/ato/cases")]
pub async fn staff_cases(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    let staff = visitor.with_role(Role::AtoStaff)?.user_id;
    let mut page = staff_cases_page(&state, &visitor, staff, StaffLodgeForm::default()).await?;
    if query.done.as_deref() == Some("lodged") {
        page.notice = Some("The case is received. The delegate is told by e-mail at each step.");
    }
    page::ok(&visitor, &page)
}

fn parse_staff_form(
    form: &StaffLodgeForm,
) -> Result<(crate::domain::values::EmailAddress, NewCase), FormErrors> {
    let mut errors = FormErrors::new();
    let email = crate::domain::values::EmailAddress::parse(&form.email);
    if let Err(e) = &email {
        errors.add("email", format!("The delegate's e-mail address {e}."));
    }
    let as_candidate = LodgeForm {
        csrf: String::new(),
        kind: form.kind.clone(),
        target: match form.target.trim() {
            "" => String::new(),
            id => format!("{}:{id}", TargetKind::Sitting.as_ref()),
        },
        about: form.about.clone(),
        statement: form.statement.clone(),
    };
    let case = parse_form(&as_candidate).map_err(|found| {
        for (field, message) in found.all() {
            errors.add(field, message.replace("Your statement", "The statement"));
        }
    });
    match (email, case) {
        (Ok(email), Ok(case)) if errors.is_empty() => Ok((email, case)),
        _ => Err(errors),
    }
}

#[post("/ato/cases")]
pub async fn staff_lodge(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<StaffLodgeForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = visitor.with_role(Role::AtoStaff)?.user_id;
    let form = form.into_inner();
    let (status, errors) = match parse_staff_form(&form) {
        Ok((email, new)) => match cases::delegate_by_email(&state, staff, &email).await {
            Err(CaseError::NoSuchDelegate) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                FormErrors::one(
                    "email",
                    "No delegate of your organization (one who accepted an enrolment) has this e-mail address.",
                ),
            ),
            Err(e) => return Err(e.into()),
            Ok(candidate) => {
                let appellant = Appellant::Staff { staff, candidate };
                match cases::lodge(&state, appellant, &new).await {
                    Ok(_) => return Ok(page::see_other(&visitor, "/ato/cases?done=lodged")),
                    Err(CaseError::NoSuchTarget(_)) => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        FormErrors::one(
                            "target",
                            "This result is not the delegate's: choose one of theirs, or none.",
                        ),
                    ),
                    Err(
                        CaseError::OutOfWindow(m)
                        | CaseError::NotAppealable(m)
                        | CaseError::AlreadyOpen(m),
                    ) => (
                        StatusCode::CONFLICT,
                        FormErrors::one("target", page::capitalized(&m)),
                    ),
                    Err(e) => return Err(e.into()),
                }
            }
        },
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
    };
    let mut page = staff_cases_page(&state, &visitor, staff, form).await?;
    page.errors = errors;
    page::html(&visitor, status, &page)
}
