//! A sitting's marked paper as examiners read it for an appeal: every item in the order
//! the candidate saw it, its options, the key, the candidate's response and the marks.
//! Only administrators reach it; the candidate's own pages never show a key.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{parse_id, when};
use crate::app::audit::{self, Action, Entry, TrailError};
use crate::app::sittings::{self, ExtendError};
use crate::domain::paper::PaperItem;
use crate::domain::pool::{GRADE_MEANINGS, ItemBody};
use crate::domain::role::Role;
use crate::domain::scoring::{self, Response};
use crate::domain::sitting::SittingStatus;
use crate::domain::values::{option_label, parse_text};
use crate::state::AppState;
use crate::web::page::{self, Chrome, FormErrors, PageError};
use crate::web::session::Visitor;

pub struct OptionRow {
    pub label: String,
    pub text: String,
    /// Part of the key (classic and multiple-response items).
    pub key: bool,
    /// Chosen by the candidate (classic and multiple-response items).
    pub chosen: bool,
}

/// A line of a matching or assertion/reason item, or a position of a sequencing item.
pub struct LineRow {
    pub text: String,
    pub reason: Option<String>,
    pub key: String,
    pub given: String,
    pub right: bool,
}

pub struct MarkedItem {
    pub number: u32,
    pub question: u32,
    pub scenario: Option<String>,
    pub item_id: String,
    pub area: String,
    pub level: String,
    pub clause: String,
    pub style: &'static str,
    pub stem: String,
    pub options: Vec<OptionRow>,
    pub lines: Vec<LineRow>,
    pub key: String,
    pub response: String,
    pub marks: u32,
    pub awarded: u32,
    pub pilot: bool,
    pub rationale: String,
}

#[derive(Template)]
#[template(path = "web/admin/marked_paper.html")]
struct MarkedPaperPage {
    chrome: Chrome,
    id: Uuid,
    candidate_id: Uuid,
    candidate: String,
    email: String,
    qualification: String,
    edition: String,
    pool_hash: String,
    seed: i64,
    status: &'static str,
    started: String,
    deadline: String,
    closed: Option<String>,
    closed_reason: Option<String>,
    result: String,
    items: Vec<MarkedItem>,
    /// Still in progress: time can be added.
    open: bool,
    errors: FormErrors,
    notice: Option<&'static str>,
    minutes: String,
    reason: String,
    /// The sitting's audit trail, oldest first.
    trail: Vec<TrailRow>,
    /// The trail has more entries than the page shows.
    trail_cut: bool,
}

/// One audit entry as the marked paper page lists it.
pub struct TrailRow {
    seq: i64,
    at: String,
    by: String,
    what: String,
    detail: String,
}

/// Most trail entries the page lists; the API pages through all of them.
const TRAIL_ROWS: u64 = 300;

fn trail_row(e: Entry, candidate: &str) -> TrailRow {
    let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let action = e.action.parse::<Action>().ok();
    let what = match action {
        Some(Action::SittingStarted) => "Started".to_owned(),
        Some(Action::AnswerSaved) => format!("Answer to item {} saved", detail["number"]),
        Some(Action::SittingSubmitted) => "Submitted".to_owned(),
        Some(Action::SittingClosedAtDeadline) => "Closed at the deadline".to_owned(),
        Some(Action::SittingScored) => "Scored".to_owned(),
        Some(Action::SittingExtended) => "Time added".to_owned(),
        Some(Action::MarkedPaperRead) => "Marked paper read".to_owned(),
        _ => e.action.clone(),
    };
    let detail = match action {
        Some(Action::AnswerSaved) => detail["response"].to_string(),
        Some(Action::SittingScored) => format!(
            "{} of {}, {}",
            detail["score"],
            detail["max_score"],
            if detail["passed"] == true {
                "passed"
            } else {
                "not passed"
            }
        ),
        Some(Action::SittingExtended) => format!(
            "{} minutes: {}",
            detail["minutes"],
            detail["reason"].as_str().unwrap_or_default()
        ),
        _ => String::new(),
    };
    // The server's own steps say no address: one taken during a request is the
    // requester's, already shown on the request's own entry.
    let by = match (e.actor.as_str(), e.client) {
        ("system", _) => "The server".to_owned(),
        (id, Some(client)) if id == candidate => format!("The candidate from {client}"),
        (id, None) if id == candidate => "The candidate".to_owned(),
        (id, Some(client)) => format!("Account {id} from {client}"),
        (id, None) => format!("Account {id}"),
    };
    // To the second, as stored (RFC 3339, UTC), with the date and time apart.
    let at = e.at.replacen('T', " ", 1).replacen('Z', " UTC", 1);
    TrailRow {
        seq: e.seq,
        at,
        by,
        what,
        detail,
    }
}

fn labels(indexes: &[usize]) -> Vec<String> {
    indexes.iter().map(|k| option_label(*k)).collect()
}

/// The lines of an item answered line by line, each with its key and the response.
fn lines(
    texts: Vec<(String, Option<String>)>,
    keys: &[usize],
    given: Option<&Vec<String>>,
) -> Vec<LineRow> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, (text, reason))| {
            let key = keys.get(i).map(|k| option_label(*k)).unwrap_or_default();
            let given = given
                .and_then(|g| g.get(i))
                .cloned()
                .unwrap_or_else(|| "no answer".into());
            LineRow {
                right: given == key,
                text,
                reason,
                key,
                given,
            }
        })
        .collect()
}

/// One item as marked; `stored` is the mark the stored result gives it (a regrade's
/// corrected key may differ from the key the paper was delivered with).
fn marked_item(
    item: &PaperItem,
    response: Option<&Response>,
    stored: Option<u32>,
    first: bool,
) -> MarkedItem {
    let options = |texts: &[String], key: &[usize], chosen: &[String]| -> Vec<OptionRow> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let label = option_label(i);
                OptionRow {
                    key: key.contains(&i),
                    chosen: chosen.contains(&label),
                    label,
                    text: text.clone(),
                }
            })
            .collect()
    };
    let (style, option_rows, line_rows, key, answer) = match &item.body {
        ItemBody::Classic {
            options: texts,
            key,
        } => {
            let chosen: Vec<String> = response
                .and_then(|r| r.choice.clone())
                .into_iter()
                .collect();
            (
                "Classic",
                options(texts, &[*key], &chosen),
                vec![],
                option_label(*key),
                chosen.join(", "),
            )
        }
        ItemBody::MultipleResponse {
            options: texts,
            keys,
            ..
        } => {
            let chosen = response.and_then(|r| r.choices.clone()).unwrap_or_default();
            (
                "Multiple response",
                options(texts, keys, &chosen),
                vec![],
                labels(keys).join(", "),
                chosen.join(", "),
            )
        }
        ItemBody::Matching {
            lines: texts,
            options: choices,
            keys,
        } => {
            let given = response.and_then(|r| r.matches.as_ref());
            (
                "Matching",
                options(choices, &[], &[]),
                lines(
                    texts.iter().map(|t| (t.clone(), None)).collect(),
                    keys,
                    given,
                ),
                labels(keys).join(", "),
                given.map(|g| g.join(", ")).unwrap_or_default(),
            )
        }
        ItemBody::AssertionReason { lines: pairs, keys } => {
            let given = response.and_then(|r| r.grades.as_ref());
            let grades: Vec<String> = GRADE_MEANINGS.iter().map(|g| (*g).to_owned()).collect();
            (
                "Assertion and reason",
                options(&grades, &[], &[]),
                lines(
                    pairs
                        .iter()
                        .map(|(a, r)| (a.clone(), Some(r.clone())))
                        .collect(),
                    keys,
                    given,
                ),
                labels(keys).join(", "),
                given.map(|g| g.join(", ")).unwrap_or_default(),
            )
        }
        ItemBody::Sequencing { steps, keys } => {
            let given = response.and_then(|r| r.order.as_ref());
            (
                "Sequencing",
                options(steps, &[], &[]),
                lines(
                    (1..=steps.len())
                        .map(|p| (format!("Position {p}"), None))
                        .collect(),
                    keys,
                    given,
                ),
                labels(keys).join(", "),
                given.map(|g| g.join(", ")).unwrap_or_default(),
            )
        }
    };
    MarkedItem {
        number: item.number,
        question: item.question,
        scenario: item.scenario.clone().filter(|_| first),
        item_id: item.item_id.clone(),
        area: item.area.clone(),
        level: format!("{:?}", item.level),
        clause: item.clause.clone(),
        style,
        stem: item.stem.clone(),
        options: option_rows,
        lines: line_rows,
        key,
        response: if answer.is_empty() {
            "No answer".into()
        } else {
            answer
        },
        marks: item.marks,
        awarded: stored.unwrap_or_else(|| scoring::mark_item(item, response)),
        pilot: item.pilot,
        rationale: item.rationale.clone(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MarkedQuery {
    done: Option<String>,
}

#[get("/admin/sittings/{id}")]
pub async fn marked_paper(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<MarkedQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let mut page = build(&state, &visitor, parse_id(&path)?).await?;
    if query.done.as_deref() == Some("extended") {
        page.notice = Some("The time is added. An open exam page shows it within seconds.");
    }
    page::ok(&visitor, &page)
}

/// A closed sitting's responses and outcomes as QTI 3.0 Results Reporting XML (the same
/// document as the API's), to hand to another system.
#[get("/admin/sittings/{id}/results.qti.xml")]
pub async fn results_qti(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    let document =
        crate::app::qti_results::qti_results(&state, id, admin.user_id, state.clock.now()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"sitting-{id}-results.qti.xml\""),
        ))
        .body(document))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExtensionForm {
    csrf: String,
    minutes: String,
    reason: String,
}

/// Adds time to a sitting in progress (an interruption in the exam room, a technical
/// problem); the candidate's open page shows it at its next check.
#[post("/admin/sittings/{id}/extension")]
pub async fn extend(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<ExtensionForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    let mut errors = FormErrors::new();
    let minutes = form
        .minutes
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=240).contains(m));
    if minutes.is_none() {
        errors.add("minutes", "Minutes must be a whole number from 1 to 240.");
    }
    let reason = parse_text(&form.reason, 500)
        .map_err(|m| errors.add("reason", format!("Reason {m}.")))
        .ok();
    let status = match (minutes, reason) {
        (Some(minutes), Some(reason)) => {
            match sittings::extend(&state, id, minutes, &reason, admin.user_id).await {
                Ok(_) => {
                    return Ok(page::see_other(
                        &visitor,
                        &format!("/admin/sittings/{id}?done=extended"),
                    ));
                }
                Err(ExtendError::NotFound) => return Err(PageError::NotFound),
                Err(ExtendError::Closed) => {
                    errors.add(
                        "minutes",
                        "The sitting is closed or its time has run out: time can no longer be added.",
                    );
                    StatusCode::CONFLICT
                }
                Err(ExtendError::Unexpected(e)) => return Err(PageError::Unexpected(e.into())),
            }
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut page = build(&state, &visitor, id).await?;
    page.errors = errors;
    page.minutes = form.minutes.clone();
    page.reason = form.reason.clone();
    page::html(&visitor, status, &page)
}

async fn build(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
) -> Result<MarkedPaperPage, PageError> {
    let sittings::MarkedPaper {
        record,
        candidate,
        answers,
    } = sittings::marked_paper(state, id, visitor.signed_in()?.user_id, state.clock.now()).await?;
    let trail = audit::of_sitting(state, id, None, TRAIL_ROWS)
        .await
        .map_err(|e| match e {
            TrailError::NotFound => PageError::NotFound,
            TrailError::Unexpected(e) => PageError::Unexpected(e.into()),
        })?;
    let trail_cut = trail.next.is_some();
    let candidate_id = candidate.id.to_string();
    let trail = trail
        .items
        .into_iter()
        .map(|e| trail_row(e, &candidate_id))
        .collect();
    let mut previous_question = None;
    let items = record
        .paper
        .items
        .iter()
        .map(|item| {
            let first = previous_question != Some(item.question);
            previous_question = Some(item.question);
            let stored = record
                .result
                .as_ref()
                .and_then(|r| r.awarded.get(&item.number).copied());
            marked_item(item, answers.get(&item.number), stored, first)
        })
        .collect();
    let title = state
        .catalog
        .qualification_title(&record.edition, &record.qualification_code);
    let name = format!("{} {}", candidate.given_name, candidate.family_name);
    Ok(MarkedPaperPage {
        chrome: Chrome::new(visitor, format!("Marked paper: {title}, {name}")),
        open: record.status == SittingStatus::InProgress,
        errors: FormErrors::new(),
        notice: None,
        minutes: String::new(),
        reason: String::new(),
        id: record.id,
        candidate_id: candidate.id,
        candidate: name,
        email: candidate.email,
        qualification: title,
        edition: record.edition.clone(),
        pool_hash: record.pool_hash.clone(),
        seed: record.seed,
        status: match record.status {
            SittingStatus::InProgress => "In progress",
            SittingStatus::Submitted => "Submitted",
            SittingStatus::Expired => "Time ran out",
            SittingStatus::Voided => "Voided",
        },
        started: when(record.started_at),
        deadline: when(record.deadline),
        closed: record.closed_at.map(when),
        closed_reason: record.closed_reason.clone(),
        result: match &record.result {
            Some(r) => format!(
                "{}: {} of {} (pass mark {})",
                if r.passed { "Passed" } else { "Not passed" },
                r.score,
                record.max_score,
                record.pass_mark
            ),
            None => format!(
                "Not scored yet (pass mark {} of {})",
                record.pass_mark, record.max_score
            ),
        },
        items,
        trail,
        trail_cut,
    })
}
