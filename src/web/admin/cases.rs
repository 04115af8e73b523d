//! Appeals and complaints for administrators: the list with each case's age, oldest
//! first, filtered by state and kind; and a case's page with its history, where a
//! reviewer is assigned (only one not involved in the decision appealed), notes are
//! added and the reviewer decides, with a remedy for an upheld appeal.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, parse_id, when};
use crate::app::cases::{self, CaseError, DecisionInput};
use crate::domain::case::{CaseKind, CaseOutcome, CaseState, Remedy, TargetKind};
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::state::AppState;
use crate::web::cases::{CaseItem, kind_label, state_label};
use crate::web::page::{self, Chrome, FormErrors, PageError, encode_query};
use crate::web::session::Visitor;

const PER_PAGE: u64 = 50;

pub struct Row {
    pub id: Uuid,
    pub received: String,
    pub age_days: i64,
    pub kind: &'static str,
    pub state: &'static str,
    pub candidate: String,
    pub subject: String,
}

/// One choice of a filter's list.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "web/admin/cases.html")]
struct CasesPage {
    chrome: Chrome,
    rows: Vec<Row>,
    states: Vec<Choice>,
    kinds: Vec<Choice>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    state: String,
    kind: String,
    after: String,
}

static KINDS: [CaseKind; 2] = [CaseKind::Appeal, CaseKind::Complaint];

static STATES: [CaseState; 5] = [
    CaseState::Received,
    CaseState::UnderReview,
    CaseState::Upheld,
    CaseState::Rejected,
    CaseState::Withdrawn,
];

#[get("/admin/cases")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let case_state: Option<CaseState> = query.state.parse().ok();
    let kind: Option<CaseKind> = query.kind.parse().ok();
    let page = cases::list(&state, case_state, kind, query.after.parse().ok(), PER_PAGE).await?;
    let now = state.clock.now();
    let mut names = Names::default();
    let mut rows = Vec::with_capacity(page.items.len());
    for c in page.items {
        rows.push(Row {
            id: c.id,
            received: when(c.received_at),
            age_days: c.age_days(now),
            kind: kind_label(c.kind),
            state: state_label(c.state),
            candidate: names.name(&state, c.candidate_id).await?,
            subject: c
                .target
                .as_ref()
                .map(|t| format!("{} {}", t.kind.as_ref(), t.id))
                .or(c.about.clone())
                .unwrap_or_default(),
        });
    }
    let states = STATES
        .iter()
        .map(|s| Choice {
            value: s.as_ref(),
            label: state_label(*s),
            selected: case_state == Some(*s),
        })
        .collect();
    let kinds = KINDS
        .iter()
        .map(|k| Choice {
            value: k.as_ref(),
            label: kind_label(*k),
            selected: kind == Some(*k),
        })
        .collect();
    let next = page.next.map(|n| {
        format!(
            "/admin/cases?state={}&kind={}&after={}",
            encode_query(&query.state),
            encode_query(&query.kind),
            n
        )
    });
    page::ok(
        &visitor,
        &CasesPage {
            chrome: Chrome::new(&visitor, "Appeals and complaints"),
            rows,
            states,
            kinds,
            next,
        },
    )
}

pub struct NoteItem {
    pub at: String,
    pub author: String,
    pub text: String,
}

pub struct HistoryItem {
    pub at: String,
    pub action: String,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "web/admin/case.html")]
struct CasePage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    problem: Option<String>,
    case: CaseItem,
    candidate: String,
    candidate_id: Uuid,
    lodged_by: Option<String>,
    age_days: i64,
    /// Where the target can be read, and how it is named.
    target_link: Option<(String, String)>,
    reviewer: Option<String>,
    under_review: bool,
    reviewers: Vec<(Uuid, String)>,
    notes: Vec<NoteItem>,
    history: Vec<HistoryItem>,
    /// The certificate remedy fits only an appeal against a certificate.
    certificate: bool,
    form: DecisionForm,
}

async fn case_page(state: &AppState, visitor: &Visitor, id: Uuid) -> Result<CasePage, PageError> {
    let file = cases::file(state, id).await?;
    let c = &file.case;
    let mut names = Names::default();
    let candidate = names.name(state, c.candidate_id).await?;
    let lodged_by = if c.lodged_by == c.candidate_id {
        None
    } else {
        Some(names.name(state, c.lodged_by).await?)
    };
    let reviewer = match c.reviewer_id {
        Some(r) => Some(names.name(state, r).await?),
        None => None,
    };
    let target_link = c.target.as_ref().map(|t| match t.kind {
        TargetKind::Sitting => (
            format!("/admin/sittings/{}", t.id),
            format!("Sitting {}", t.id),
        ),
        TargetKind::Certificate => (
            format!("/admin/certificates/{}", t.id),
            format!("Certificate {}", t.id),
        ),
        TargetKind::Evidence => (
            format!("/admin/candidates/{}", c.candidate_id),
            format!("Evidence decision {}", t.id),
        ),
    });
    let reviewers = if c.state.is_open() {
        cases::eligible_reviewers(state, c).await?
    } else {
        Vec::new()
    };
    let mut notes = Vec::new();
    for n in &file.notes {
        notes.push(NoteItem {
            at: when(n.at),
            author: names.name(state, n.author_id).await?,
            text: n.text.clone(),
        });
    }
    let mut history = Vec::new();
    for e in &file.history {
        let actor = match e.actor.parse::<Uuid>() {
            Ok(u) => names.name(state, u).await?,
            Err(_) => e.actor.clone(),
        };
        history.push(HistoryItem {
            at: e.at.replace('T', " ").replace('Z', " UTC"),
            action: e.action.clone(),
            actor,
        });
    }
    Ok(CasePage {
        chrome: Chrome::new(visitor, format!("{} {}", kind_label(c.kind), c.id)),
        errors: FormErrors::new(),
        notice: None,
        problem: None,
        candidate,
        candidate_id: c.candidate_id,
        lodged_by,
        age_days: c.age_days(state.clock.now()),
        target_link,
        reviewer,
        under_review: c.state == CaseState::UnderReview,
        reviewers,
        notes,
        history,
        certificate: c.target.as_ref().map(|t| t.kind) == Some(TargetKind::Certificate),
        case: CaseItem::from(file.case),
        form: DecisionForm::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: Option<String>,
}

#[get("/admin/cases/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    let mut page = case_page(&state, &visitor, id).await?;
    page.notice = match query.done.as_deref() {
        Some("assigned") => Some("The reviewer is assigned. The appellant is told by e-mail."),
        Some("noted") => Some("The note is added."),
        Some("decided") => {
            Some("The case is decided. The appellant is told by e-mail, with the reasons.")
        }
        _ => None,
    };
    page::ok(&visitor, &page)
}

/// The case page again, with what went wrong.
async fn refused(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    error: CaseError,
    field: &str,
    form: DecisionForm,
) -> Result<HttpResponse, PageError> {
    let (status, errors, problem) = match error {
        CaseError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::from(errors),
            None,
        ),
        CaseError::ReviewerInvolved(m) => (StatusCode::CONFLICT, FormErrors::one(field, m), None),
        CaseError::WrongState(m) | CaseError::RemedyRefused(m) => {
            (StatusCode::CONFLICT, FormErrors::new(), Some(m))
        }
        e => return Err(e.into()),
    };
    let mut page = case_page(state, visitor, id).await?;
    page.errors = errors;
    page.problem = problem;
    page.form = form;
    page::html(visitor, status, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewerForm {
    csrf: String,
    reviewer: String,
}

#[post("/admin/cases/{id}/reviewer")]
pub async fn assign(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ReviewerForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    let result = match form.reviewer.parse::<Uuid>() {
        Ok(reviewer) => cases::assign_reviewer(&state, id, reviewer, admin.user_id).await,
        Err(_) => Err(CaseError::Invalid(FieldErrors::one(
            "reviewer",
            "must be chosen",
        ))),
    };
    match result {
        Ok(_) => Ok(page::see_other(
            &visitor,
            &format!("/admin/cases/{id}?done=assigned"),
        )),
        Err(e) => refused(&state, &visitor, id, e, "reviewer", DecisionForm::default()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    csrf: String,
    text: String,
}

#[post("/admin/cases/{id}/notes")]
pub async fn note(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<NoteForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    match cases::add_note(&state, id, &form.text, admin.user_id).await {
        Ok(_) => Ok(page::see_other(
            &visitor,
            &format!("/admin/cases/{id}?done=noted"),
        )),
        Err(e) => refused(&state, &visitor, id, e, "text", DecisionForm::default()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    outcome: String,
    reasons: String,
    remedy: String,
    remedy_detail: String,
}

#[post("/admin/cases/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    let form = form.into_inner();
    let outcome = form.outcome.parse::<CaseOutcome>();
    let remedy = match form.remedy.as_str() {
        "" => Ok(None),
        r => r.parse::<Remedy>().map(Some),
    };
    let result = match (outcome, remedy) {
        (Ok(outcome), Ok(remedy)) => {
            let reasons = Some(form.reasons.as_str()).filter(|r| !r.trim().is_empty());
            let input = DecisionInput {
                outcome,
                reasons,
                remedy,
                remedy_detail: Some(form.remedy_detail.as_str()),
            };
            cases::decide(&state, id, &input, admin.user_id).await
        }
        (Err(_), _) => Err(CaseError::Invalid(FieldErrors::one(
            "outcome",
            "must be chosen: upheld or rejected",
        ))),
        (_, Err(_)) => Err(CaseError::Invalid(FieldErrors::one(
            "remedy",
            "is not one of the remedies listed",
        ))),
    };
    match result {
        Ok(_) => Ok(page::see_other(
            &visitor,
            &format!("/admin/cases/{id}?done=decided"),
        )),
        Err(e) => refused(&state, &visitor, id, e, "outcome", form).await,
    }
}
