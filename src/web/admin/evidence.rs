//! Pending evidence, oldest first, each with who declared what and a form to approve it
//! or reject it with a reason the candidate reads.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, PageQuery, date, parse_id, when};
use crate::app::evidence::{self, EvidenceError};
use crate::domain::evidence::{Claim, Decision, EvidenceRecord, EvidenceStatus};
use crate::domain::role::Role;
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError, encode_query};
use crate::web::session::Visitor;

/// Declarations on one page.
const PER_PAGE: u64 = 20;

pub struct EvidenceItem {
    pub id: Uuid,
    /// The id of this item's reason field (several forms share the page).
    pub field: String,
    pub candidate_id: Uuid,
    pub candidate: String,
    pub email: String,
    pub submitted: String,
    pub kind: &'static str,
    pub facts: Vec<(&'static str, String)>,
    /// The reason as typed, when the form comes back with an error.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "web/admin/evidence.html")]
struct EvidencePage {
    chrome: Chrome,
    errors: FormErrors,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
    items: Vec<EvidenceItem>,
    /// This page's cursor, for the forms, and the next page's.
    after: String,
    next: Option<String>,
}

fn field_of(id: Uuid) -> String {
    format!("reason-{id}")
}

fn describe(claim: &Claim) -> (&'static str, Vec<(&'static str, String)>) {
    match claim {
        Claim::Credential {
            credential,
            issuer,
            certificate_number,
            issued_on,
        } => (
            "Credential",
            vec![
                ("Credential", credential.clone()),
                ("Issuer", issuer.clone()),
                ("Certificate number", certificate_number.clone()),
                ("Date on the certificate", date(*issued_on)),
            ],
        ),
        Claim::AuditExperience { years, description } => (
            "Audit experience",
            vec![
                ("Years", years.to_string()),
                ("What audits", description.clone()),
            ],
        ),
    }
}

async fn items(
    state: &AppState,
    records: Vec<EvidenceRecord>,
) -> Result<Vec<EvidenceItem>, PageError> {
    let mut names = Names::default();
    let mut items = Vec::with_capacity(records.len());
    for r in records {
        let (candidate, email) = names.of(state, r.candidate_id).await?;
        let (kind, facts) = describe(&r.claim);
        items.push(EvidenceItem {
            id: r.id,
            field: field_of(r.id),
            candidate_id: r.candidate_id,
            candidate,
            email,
            submitted: when(r.submitted_at),
            kind,
            facts,
            reason: String::new(),
        });
    }
    Ok(items)
}

async fn evidence_page(
    state: &AppState,
    visitor: &Visitor,
    cursor: Option<Uuid>,
) -> Result<EvidencePage, PageError> {
    let pending = evidence::with_status(state, EvidenceStatus::Pending, cursor, PER_PAGE).await?;
    Ok(EvidencePage {
        chrome: Chrome::new(visitor, "Evidence to decide"),
        errors: FormErrors::new(),
        notice: None,
        problem: None,
        items: items(state, pending.items).await?,
        after: cursor.map(|c| c.to_string()).unwrap_or_default(),
        next: pending.next.map(|n| encode_query(&n.to_string())),
    })
}

#[get("/admin/evidence")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let mut page = evidence_page(&state, &visitor, query.cursor()).await?;
    page.notice = match query.done.as_deref() {
        Some("approved") => Some("The evidence is approved. The candidate is told by e-mail."),
        Some("rejected") => {
            Some("The evidence is rejected. The candidate is told by e-mail, with your reason.")
        }
        _ => None,
    };
    page::ok(&visitor, &page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    /// `approve` or `reject`: which of the two buttons was pressed.
    decision: String,
    reason: String,
    /// The list page the form was on.
    after: String,
}

#[post("/admin/evidence/{id}/decision")]
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
    let decision = match form.decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        _ => return Err(PageError::NotFound),
    };
    let reason = Some(form.reason.as_str()).filter(|r| !r.trim().is_empty());
    let field = field_of(id);
    let (status, errors, problem) = match decision.record(reason) {
        Err(_) if reason.is_none() => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one(&field, "Give a reason to reject: the candidate reads it."),
            None,
        ),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormErrors::one(
                &field,
                format!(
                    "Reason {}.",
                    e.iter()
                        .map(|e| e.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ),
            None,
        ),
        Ok(record) => match evidence::decide(&state, id, &record, admin.user_id).await {
            Ok(_) => {
                let done = match decision {
                    Decision::Approve => "approved",
                    Decision::Reject => "rejected",
                };
                return Ok(page::see_other(
                    &visitor,
                    &format!("/admin/evidence?done={done}"),
                ));
            }
            Err(EvidenceError::AlreadyDecided) => (
                StatusCode::CONFLICT,
                FormErrors::new(),
                Some(
                    "That evidence has already been decided, perhaps by another administrator. The list below is up to date.",
                ),
            ),
            Err(e) => return Err(e.into()),
        },
    };
    let cursor = form.after.parse().ok();
    let mut page = evidence_page(&state, &visitor, cursor).await?;
    match page.items.iter_mut().find(|i| i.id == id) {
        Some(item) => item.reason = form.reason.clone(),
        // Nothing on the page to put the error next to: the id names no pending evidence.
        None if problem.is_none() => return Err(PageError::NotFound),
        None => {}
    }
    page.errors = errors;
    page.problem = problem;
    page::html(&visitor, status, &page)
}
