//! Provisional results awaiting a step, oldest first: an examiner recommends each, and a
//! different administrator makes the certification decision (which issues the
//! certificate of a pass and e-mails the candidate).

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, PageQuery, parse_id, when};
use crate::app::result_decisions::{self as use_case, DecisionError};
use crate::domain::result_decision::{Stage, StepRefused};
use crate::domain::role::Role;
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError};
use crate::web::session::Visitor;

/// Results on the page.
const LISTED: u64 = 200;

pub struct ResultItem {
    pub sitting_id: Uuid,
    /// The id of this item's note field (several forms share the page).
    pub field: String,
    pub candidate_id: Uuid,
    pub candidate: String,
    pub title: String,
    pub score: String,
    pub passed: bool,
    pub provisional_since: String,
    /// Who recommended it and when; `None` while it awaits its recommendation.
    pub recommended: Option<String>,
    pub recommendation_note: Option<String>,
    /// Whether the signed-in administrator recommended it (so may not decide it).
    pub recommended_by_me: bool,
}

#[derive(Template)]
#[template(path = "web/admin/results.html")]
struct ResultsPage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    problem: Option<String>,
    items: Vec<ResultItem>,
}

async fn results_page(
    state: &AppState,
    visitor: &Visitor,
    me: Uuid,
) -> Result<ResultsPage, PageError> {
    let mut names = Names::default();
    let mut items = Vec::new();
    for a in use_case::awaiting(state, LISTED)
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?
    {
        let d = &a.decision;
        let recommended = match (d.recommended_by, d.recommended_at) {
            (Some(by), Some(at)) => {
                Some(format!("{} on {}", names.name(state, by).await?, when(at)))
            }
            _ => None,
        };
        let result = a.sitting.result.as_ref();
        items.push(ResultItem {
            sitting_id: d.sitting_id,
            field: format!("note-{}", d.sitting_id),
            candidate_id: a.sitting.candidate_id,
            candidate: a.candidate_name.clone(),
            title: a.title.clone(),
            score: format!(
                "{} of {} (pass mark {})",
                result.map(|r| r.score).unwrap_or(0),
                a.sitting.max_score,
                a.sitting.pass_mark
            ),
            passed: result.is_some_and(|r| r.passed),
            provisional_since: when(d.created_at),
            recommended,
            recommendation_note: d.recommendation_note.clone(),
            recommended_by_me: d.stage == Stage::Recommended && d.recommended_by == Some(me),
        });
    }
    Ok(ResultsPage {
        chrome: Chrome::new(visitor, "Provisional results"),
        errors: FormErrors::new(),
        notice: None,
        problem: None,
        items,
    })
}

#[get("/admin/results")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let admin = visitor.with_role(Role::Admin)?;
    let mut page = results_page(&state, &visitor, admin.user_id).await?;
    page.notice = match query.done.as_deref() {
        Some("recommended") => {
            Some("The recommendation is recorded. Another administrator makes the decision.")
        }
        Some("decided") => Some(
            "The result is final. A pass has its certificate, and the candidate is told by e-mail.",
        ),
        _ => None,
    };
    page::ok(&visitor, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    note: String,
}

async fn step(
    state: &AppState,
    visitor: &Visitor,
    raw_id: &str,
    form: StepForm,
    deciding: bool,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(raw_id)?;
    let note = Some(form.note.trim()).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        let mut page = results_page(state, visitor, admin.user_id).await?;
        page.errors = FormErrors::one(&format!("note-{id}"), "Note at most 2000 characters.");
        return page::html(visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let done = if deciding {
        use_case::decide(state, id, note, admin.user_id).await
    } else {
        use_case::recommend(state, id, note, admin.user_id).await
    };
    let problem = match done {
        Ok(_) => {
            let done = if deciding { "decided" } else { "recommended" };
            return Ok(page::see_other(
                visitor,
                &format!("/admin/results?done={done}"),
            ));
        }
        Err(DecisionError::NotFound) => return Err(PageError::NotFound),
        Err(DecisionError::Refused(r @ StepRefused::SamePerson)) => {
            format!("{r}. Ask another administrator to decide it.")
        }
        Err(DecisionError::Refused(r)) => {
            format!("{r}; perhaps another administrator acted first. The list below is up to date.")
        }
        Err(DecisionError::Unexpected(e)) => return Err(PageError::Unexpected(e)),
    };
    let mut page = results_page(state, visitor, admin.user_id).await?;
    page.problem = Some(problem);
    page::html(visitor, StatusCode::CONFLICT, &page)
}

#[post("/admin/results/{sitting}/recommendation")]
pub async fn recommend(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    step(&state, &visitor, &path, form.into_inner(), false).await
}

#[post("/admin/results/{sitting}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, PageError> {
    step(&state, &visitor, &path, form.into_inner(), true).await
}
