//! The exam: starting a paper, the exam page, its saves (a whole-form post without
//! JavaScript; one answer or flag at a time from the page's script), the review screen,
//! submitting, and the result. The server's clock decides everything: the page only
//! shows the time the server gives it.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::page::{self, Chrome, CsrfForm, PageError};
use super::papers;
use super::session::Visitor;
use crate::app::sittings::{
    self, Origin, Outcome, ReadSittingError, Resumed, SaveAnswerError, StartSittingError,
    SubmitError,
};
use crate::domain::paper::PaperItem;
use crate::domain::pool::{GRADE_MEANINGS, ItemBody};
use crate::domain::result_decision::ResultStatus;
use crate::domain::role::Role;
use crate::domain::scoring::Response;
use crate::domain::sitting::{self, Allowance, Device, SittingRecord, SittingStatus};
use crate::domain::values::option_label;
use crate::state::AppState;

fn sitting_id(raw: &str) -> Result<Uuid, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

impl From<ReadSittingError> for PageError {
    fn from(e: ReadSittingError) -> Self {
        match e {
            ReadSittingError::NotFound
            | ReadSittingError::InProgress { .. }
            | ReadSittingError::Voided => Self::NotFound,
            ReadSittingError::OtherDevice => Self::Forbidden,
            ReadSittingError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

impl From<SubmitError> for PageError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::NotFound => Self::NotFound,
            SubmitError::AlreadyClosed(_) | SubmitError::Paused => Self::NotFound,
            SubmitError::OtherDevice => Self::Forbidden,
            SubmitError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// "75 minutes (60 + 25%)", or "60 minutes" without extra time.
pub fn time_allowed(duration_minutes: u32, extra_time_percent: u32) -> String {
    if extra_time_percent == 0 {
        format!("{duration_minutes} minutes")
    } else {
        let total = (duration_minutes * (100 + extra_time_percent)).div_ceil(100);
        format!("{total} minutes ({duration_minutes} + {extra_time_percent}%)")
    }
}

#[derive(Template)]
#[template(path = "web/cannot_start.html")]
struct CannotStartPage {
    chrome: Chrome,
    title: String,
    reasons: Vec<String>,
}

/// The start button's form: its token, and the exam session's access code when the
/// candidate typed one (on the bookings page).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    csrf: String,
    access_code: Option<String>,
}

#[post("/papers/{code}/start")]
pub async fn start(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<StartForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let paper = papers::paper(&state, &path).ok_or(PageError::NotFound)?;
    let code = form.access_code.as_deref().filter(|c| !c.trim().is_empty());
    // The browser's device: an invigilated sitting is bound to the one it starts on.
    let device = visitor.device_or_new();
    let reasons = match sittings::start_with(
        &state,
        user.user_id,
        &paper.code,
        None,
        sittings::StartOptions {
            voucher: None,
            access_code: code,
            device: Some(&device),
        },
        state.clock.now(),
    )
    .await
    {
        Ok(record) => return Ok(page::see_other(&visitor, &format!("/sittings/{}", record.id))),
        Err(StartSittingError::AlreadyInProgress(id)) => {
            return Ok(page::see_other(&visitor, &format!("/sittings/{id}")));
        }
        Err(StartSittingError::NotEligible(unmet)) => unmet
            .into_iter()
            .map(|(r, why)| match why {
                Some(why) => format!("{} ({why})", r.description),
                None => r.description,
            })
            .collect(),
        Err(StartSittingError::ResitRefused(refusal)) => vec![refusal.message],
        Err(StartSittingError::EmailNotVerified) => vec![
            "Confirm your e-mail address first: open the link we sent you, or send it again from your dashboard.".into(),
        ],
        Err(StartSittingError::Session(refusal)) => vec![format!("{}.", page::capitalized(&refusal.to_string()))],
        Err(StartSittingError::NotOffered(_)) | Err(StartSittingError::Unknown(_)) => {
            vec!["This paper is not open for sittings yet.".into()]
        }
        Err(StartSittingError::Voucher(why)) => vec![format!("A voucher is needed: {why}.")],
        Err(StartSittingError::DeviceRequired) => {
            vec!["This browser did not keep its device cookie; allow cookies for this site.".into()]
        }
        Err(StartSittingError::Unexpected(e)) => return Err(PageError::Unexpected(e)),
    };
    page::html(
        &visitor,
        StatusCode::CONFLICT,
        &CannotStartPage {
            chrome: Chrome::new(&visitor, "You cannot start this paper yet"),
            title: paper.title,
            reasons,
        },
    )
}

/// One control of a question: a radio, checkbox or select option.
pub struct ChoiceView {
    pub label: String,
    pub text: String,
    pub checked: bool,
}

/// A line of a matching or assertion/reason item, or a position of a sequencing item.
pub struct LineView {
    pub text: String,
    pub reason: Option<String>,
    pub options: Vec<ChoiceView>,
}

/// How a question is answered on the page.
#[derive(PartialEq, Eq)]
pub enum Control {
    /// One radio per option.
    Radio,
    /// One checkbox per option, with a limit.
    Checkbox,
    /// One select per line (matching) or position (sequencing).
    Selects,
    /// One group of radios per line (assertion/reason).
    RadioLines,
}

pub struct QuestionView {
    pub number: u32,
    pub question: u32,
    /// The scenario, on the first item of its question.
    pub scenario: Option<String>,
    pub stem: String,
    pub control: Control,
    pub style: &'static str,
    pub choose: u32,
    pub marks: u32,
    pub choices: Vec<ChoiceView>,
    pub lines: Vec<LineView>,
    /// What the lines are called ("Line", "Position").
    pub line_word: &'static str,
    pub answered: bool,
    pub flagged: bool,
}

fn choices(texts: &[String], checked: impl Fn(&str) -> bool) -> Vec<ChoiceView> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let label = option_label(i);
            ChoiceView {
                checked: checked(&label),
                label,
                text: text.clone(),
            }
        })
        .collect()
}

impl QuestionView {
    fn build(item: &PaperItem, answer: Option<&Response>, flagged: bool, first: bool) -> Self {
        let picked = |i: usize, label: &str, list: Option<&Vec<String>>| {
            list.and_then(|l| l.get(i)).is_some_and(|l| l == label)
        };
        let (control, style, choose, choice_list, lines, line_word) = match &item.body {
            ItemBody::Classic { options, .. } => {
                let chosen = answer.and_then(|a| a.choice.as_deref());
                (
                    Control::Radio,
                    "classic",
                    1,
                    choices(options, |l| chosen == Some(l)),
                    vec![],
                    "",
                )
            }
            ItemBody::MultipleResponse {
                options, choose, ..
            } => {
                let chosen = answer.and_then(|a| a.choices.clone()).unwrap_or_default();
                (
                    Control::Checkbox,
                    "multiple_response",
                    *choose,
                    choices(options, |l| chosen.iter().any(|c| c == l)),
                    vec![],
                    "",
                )
            }
            ItemBody::Matching { lines, options, .. } => {
                let given = answer.and_then(|a| a.matches.as_ref());
                let lines = lines
                    .iter()
                    .enumerate()
                    .map(|(i, line)| LineView {
                        text: line.clone(),
                        reason: None,
                        options: choices(options, |l| picked(i, l, given)),
                    })
                    .collect();
                (Control::Selects, "matching", 0, vec![], lines, "Line")
            }
            ItemBody::AssertionReason { lines, .. } => {
                let given = answer.and_then(|a| a.grades.as_ref());
                let grades: Vec<String> = GRADE_MEANINGS.iter().map(|g| (*g).to_owned()).collect();
                let lines = lines
                    .iter()
                    .enumerate()
                    .map(|(i, (assertion, reason))| LineView {
                        text: assertion.clone(),
                        reason: Some(reason.clone()),
                        options: choices(&grades, |l| picked(i, l, given)),
                    })
                    .collect();
                (
                    Control::RadioLines,
                    "assertion_reason",
                    0,
                    vec![],
                    lines,
                    "Line",
                )
            }
            ItemBody::Sequencing { steps, .. } => {
                let given = answer.and_then(|a| a.order.as_ref());
                let lines = (0..steps.len())
                    .map(|i| LineView {
                        text: format!("Position {}", i + 1),
                        reason: None,
                        options: choices(steps, |l| picked(i, l, given)),
                    })
                    .collect();
                (Control::Selects, "sequencing", 0, vec![], lines, "Position")
            }
        };
        Self {
            number: item.number,
            question: item.question,
            scenario: item.scenario.clone().filter(|_| first),
            stem: item.stem.clone(),
            control,
            style,
            choose,
            marks: item.marks,
            choices: choice_list,
            lines,
            line_word,
            answered: answer.is_some(),
            flagged,
        }
    }
}

#[derive(Template)]
#[template(path = "web/exam.html")]
struct ExamPage {
    chrome: Chrome,
    id: Uuid,
    title: String,
    book: String,
    time_allowed: String,
    total_minutes: u32,
    remaining_seconds: i64,
    remaining_text: String,
    questions: Vec<QuestionView>,
    answered: usize,
    flagged: usize,
    notice: Option<String>,
    /// Paused by the invigilator: the clock stands still, answers wait.
    paused: bool,
}

/// "1 hour 5 minutes" style text for the remaining time, as the page first shows it.
pub fn clock_text(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

fn total_minutes(a: &Allowance) -> u32 {
    let seconds = (a.deadline - a.started_at).whole_seconds().max(0);
    u32::try_from(seconds).unwrap_or(0).div_ceil(60)
}

/// The time a sitting allows, with its parts: the paper's duration, the candidate's
/// extra time and any minutes added while it was in progress.
fn time_allowed_for(a: &Allowance) -> String {
    let (duration, percent) = (a.duration_minutes, a.extra_time_percent);
    let with_percent = (duration * (100 + percent)).div_ceil(100);
    let total = total_minutes(a);
    let added = total.saturating_sub(with_percent);
    match (percent, added) {
        (_, 0) => time_allowed(duration, percent),
        (0, added) => format!("{total} minutes ({duration} + {added} minutes added)"),
        (percent, added) => {
            format!("{total} minutes ({duration} + {percent}% + {added} minutes added)")
        }
    }
}

#[derive(Template)]
#[template(path = "web/other_device.html")]
struct OtherDevicePage {
    chrome: Chrome,
    id: Uuid,
    title: String,
}

struct Open {
    record: SittingRecord,
    answers: BTreeMap<u32, Response>,
    flags: BTreeSet<u32>,
}

/// The candidate's own sitting while open, or the redirect to its result once closed.
async fn open_sitting(
    state: &AppState,
    visitor: &Visitor,
    raw_id: &str,
) -> Result<Result<Open, HttpResponse>, PageError> {
    let user = visitor.with_role(Role::Candidate)?;
    let id = sitting_id(raw_id)?;
    let device = visitor.device_or_new();
    let resumed = sittings::resume(state, id, user.user_id, Some(&device), state.clock.now());
    match resumed.await {
        Err(ReadSittingError::OtherDevice) => {
            let title = match sittings::load_current(state, id, state.clock.now()).await {
                Ok(Some(r)) => papers::title_of(state, &r.qualification_code),
                _ => String::new(),
            };
            let page = OtherDevicePage {
                chrome: Chrome::new(visitor, "Open on another device"),
                id,
                title,
            };
            Ok(Err(page::html(visitor, StatusCode::CONFLICT, &page)?))
        }
        Err(e) => Err(e.into()),
        Ok(Resumed::Closed(_) | Resumed::Voided(_)) => Ok(Err(page::see_other(
            visitor,
            &format!("/sittings/{id}/result"),
        ))),
        Ok(Resumed::InProgress { record, answers }) => {
            let flags = sittings::flags_of(state, id, user.user_id).await?;
            Ok(Ok(Open {
                record,
                answers,
                flags,
            }))
        }
    }
}

fn questions_of(open: &Open) -> Vec<QuestionView> {
    let mut seen = BTreeSet::new();
    open.record
        .paper
        .items
        .iter()
        .map(|item| {
            let first = seen.insert(item.question);
            QuestionView::build(
                item,
                open.answers.get(&item.number),
                open.flags.contains(&item.number),
                first,
            )
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExamQuery {
    saved: Option<String>,
}

#[get("/sittings/{id}")]
pub async fn exam(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<ExamQuery>,
) -> Result<HttpResponse, PageError> {
    let open = match open_sitting(&state, &visitor, &path).await? {
        Ok(open) => open,
        Err(redirect) => return Ok(redirect),
    };
    let r = &open.record;
    let paper = papers::paper(&state, &r.qualification_code);
    let title = paper
        .as_ref()
        .map(|p| p.title.clone())
        .unwrap_or_else(|| r.qualification_code.clone());
    let remaining = r.remaining_seconds(state.clock.now());
    let questions = questions_of(&open);
    let page = ExamPage {
        chrome: Chrome::new(&visitor, title.clone()),
        id: r.id,
        book: paper.map(|p| p.book).unwrap_or_default(),
        time_allowed: time_allowed_for(&r.allowance()),
        total_minutes: total_minutes(&r.allowance()),
        remaining_seconds: remaining,
        remaining_text: clock_text(remaining),
        answered: questions.iter().filter(|q| q.answered).count(),
        flagged: questions.iter().filter(|q| q.flagged).count(),
        questions,
        title,
        notice: query
            .saved
            .as_ref()
            .map(|_| "Your answers are saved.".to_owned()),
        paused: r.paused_at.is_some(),
    };
    page::ok(&visitor, &page)
}

/// Reads one item's answer out of the whole exam form (`q3`, `q3-0`, `q3-1`, …); `None`
/// when the candidate has not answered it (completely) on the form.
fn response_from_form(item: &PaperItem, fields: &[(String, String)]) -> Option<Response> {
    let name = format!("q{}", item.number);
    let values = |key: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let per_line = |count: usize| -> Option<Vec<String>> {
        (0..count)
            .map(|i| values(&format!("{name}-{i}")).into_iter().next())
            .collect()
    };
    let response = match &item.body {
        ItemBody::Classic { .. } => Response {
            choice: Some(values(&name).into_iter().next()?),
            ..Response::default()
        },
        ItemBody::MultipleResponse { .. } => {
            let chosen = values(&name);
            if chosen.is_empty() {
                return None;
            }
            Response {
                choices: Some(chosen),
                ..Response::default()
            }
        }
        ItemBody::Matching { lines, .. } => Response {
            matches: Some(per_line(lines.len())?),
            ..Response::default()
        },
        ItemBody::AssertionReason { lines, .. } => Response {
            grades: Some(per_line(lines.len())?),
            ..Response::default()
        },
        ItemBody::Sequencing { steps, .. } => Response {
            order: Some(per_line(steps.len())?),
            ..Response::default()
        },
    };
    Some(response)
}

/// The whole exam form, posted without JavaScript: saves every answer that changed, then
/// flags or unflags one question, or goes on to the review screen.
#[post("/sittings/{id}")]
pub async fn save_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = form.into_inner();
    let field = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    visitor.check_csrf(field("csrf").unwrap_or_default())?;
    let open = match open_sitting(&state, &visitor, &path).await? {
        Ok(open) => open,
        Err(redirect) => return Ok(redirect),
    };
    let user = visitor.with_role(Role::Candidate)?;
    let id = open.record.id;
    for item in &open.record.paper.items {
        let Some(response) = response_from_form(item, &fields) else {
            continue;
        };
        if open.answers.get(&item.number) == Some(&response) {
            continue;
        }
        match sittings::save_answer(
            &state,
            id,
            user.user_id,
            item.number,
            &response,
            visitor.device().as_ref(),
            state.clock.now(),
        )
        .await
        {
            Ok(_) | Err(SaveAnswerError::Invalid(_)) | Err(SaveAnswerError::NoSuchQuestion(_)) => {}
            Err(SaveAnswerError::Closed) => {
                return Ok(page::see_other(&visitor, &format!("/sittings/{id}/result")));
            }
            Err(SaveAnswerError::Paused) | Err(SaveAnswerError::OtherDevice) => {
                return Ok(page::see_other(&visitor, &format!("/sittings/{id}")));
            }
            Err(SaveAnswerError::NotFound) => return Err(PageError::NotFound),
            Err(SaveAnswerError::Unexpected(e)) => return Err(PageError::Unexpected(e.into())),
        }
    }
    if let Some(number) = field("flag").and_then(|n| n.parse::<u32>().ok()) {
        let flagged = !open.flags.contains(&number);
        let device = visitor.device();
        let now = state.clock.now();
        match sittings::set_flag(
            &state,
            id,
            user.user_id,
            number,
            flagged,
            device.as_ref(),
            now,
        )
        .await
        {
            Ok(_) | Err(SaveAnswerError::NoSuchQuestion(_)) => {}
            Err(SaveAnswerError::OtherDevice) | Err(SaveAnswerError::Paused) => {
                return Ok(page::see_other(&visitor, &format!("/sittings/{id}")));
            }
            Err(SaveAnswerError::Closed) => {
                return Ok(page::see_other(&visitor, &format!("/sittings/{id}/result")));
            }
            Err(SaveAnswerError::NotFound) => return Err(PageError::NotFound),
            Err(e) => return Err(PageError::Unexpected(anyhow::anyhow!(e.to_string()))),
        }
        return Ok(page::see_other(
            &visitor,
            &format!("/sittings/{id}?saved=1#q{number}"),
        ));
    }
    if field("action") == Some("review") {
        return Ok(page::see_other(&visitor, &format!("/sittings/{id}/review")));
    }
    Ok(page::see_other(
        &visitor,
        &format!("/sittings/{id}?saved=1"),
    ))
}

/// What the page's script is told after a request: the server's view of the time.
#[derive(Serialize)]
struct ClockView {
    status: SittingStatus,
    remaining_seconds: i64,
    /// Paused by the invigilator: the countdown stands still.
    paused: bool,
    /// Invigilated and now open on another device: this page no longer saves.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    other_device: bool,
    total_minutes: u32,
    time_allowed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl ClockView {
    fn of(record: &SittingRecord, now: time::OffsetDateTime) -> Self {
        let mut view = Self::with(
            record.status,
            &record.allowance(),
            record.paused_at.unwrap_or(now),
        );
        view.paused = record.paused_at.is_some();
        view
    }

    /// [`ClockView::of`], saying whether `device` is no longer the one the sitting is on.
    fn on(record: &SittingRecord, device: Option<&Device>, now: time::OffsetDateTime) -> Self {
        let mut view = Self::of(record, now);
        view.other_device = record.status == SittingStatus::InProgress
            && !sitting::device_allows(
                record.session_id.is_some(),
                record.device.as_deref(),
                device,
            );
        view
    }

    fn with(status: SittingStatus, allowance: &Allowance, now: time::OffsetDateTime) -> Self {
        let open = status == SittingStatus::InProgress;
        Self {
            status,
            remaining_seconds: if open {
                sitting::remaining_seconds(now, allowance.deadline)
            } else {
                0
            },
            paused: false,
            other_device: false,
            total_minutes: total_minutes(allowance),
            time_allowed: time_allowed_for(allowance),
            stale: None,
            message: None,
        }
    }
}

/// A page error as the script sees it: the status and a sentence; never a redirect (a
/// script cannot follow one to the sign-in page).
fn script_error(e: PageError) -> HttpResponse {
    let (status, message) = match &e {
        PageError::SignIn(_) => (
            StatusCode::UNAUTHORIZED,
            "You are signed out. Sign in again in another tab; your answers are kept on this page.",
        ),
        PageError::NotFound => (StatusCode::NOT_FOUND, "No such sitting."),
        PageError::Forbidden => (StatusCode::FORBIDDEN, "Not available to you."),
        PageError::Csrf => (
            StatusCode::FORBIDDEN,
            "The page has expired. Reload it; your saved answers stay.",
        ),
        PageError::Throttled(_) | PageError::Busy => {
            (StatusCode::SERVICE_UNAVAILABLE, "The server is busy.")
        }
        PageError::Unexpected(err) => {
            tracing::error!(error = ?err, "exam page request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server could not save this.",
            )
        }
    };
    HttpResponse::build(status).json(serde_json::json!({ "message": message }))
}

fn script_csrf(req: &HttpRequest, visitor: &Visitor) -> Result<(), PageError> {
    let sent = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    visitor.check_csrf(sent)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptSave {
    response: Response,
    client: String,
    seq: i64,
}

async fn current(state: &AppState, id: Uuid, user: Uuid) -> Result<SittingRecord, PageError> {
    sittings::load_current(state, id, state.clock.now())
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?
        .filter(|r| r.candidate_id == user)
        .ok_or(PageError::NotFound)
}

/// Saves one answer from the page's script.
#[post("/sittings/{id}/answers/{number}")]
pub async fn save_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<(String, u32)>,
    body: web::Json<ScriptSave>,
) -> HttpResponse {
    let run = async {
        script_csrf(&req, &visitor)?;
        let user = visitor.with_role(Role::Candidate)?;
        let id = sitting_id(&path.0)?;
        let body = body.into_inner();
        if body.client.is_empty() || body.client.len() > 64 {
            return Ok(HttpResponse::UnprocessableEntity()
                .json(serde_json::json!({ "message": "client must be 1 to 64 characters" })));
        }
        let origin = Origin {
            client: body.client,
            seq: body.seq,
        };
        let device = visitor.device();
        let sent = sittings::Sent {
            origin: Some(&origin),
            device: device.as_ref(),
        };
        let saved = sittings::save_answer_from(
            &state,
            id,
            user.user_id,
            path.1,
            &body.response,
            sent,
            state.clock.now(),
        )
        .await;
        // A successful save already read the sitting; only a refusal reads it again.
        let now = state.clock.now();
        match saved {
            Ok(saved) => {
                let allowance = saved.facts.allowance(saved.deadline);
                let mut view = ClockView::with(SittingStatus::InProgress, &allowance, now);
                view.stale = Some(saved.stale);
                Ok(HttpResponse::Ok().json(view))
            }
            Err(SaveAnswerError::Closed) | Err(SaveAnswerError::Paused) => {
                let record = current(&state, id, user.user_id).await?;
                Ok(HttpResponse::Conflict().json(ClockView::of(&record, now)))
            }
            Err(SaveAnswerError::OtherDevice) => {
                let record = current(&state, id, user.user_id).await?;
                Ok(HttpResponse::Conflict().json(ClockView::on(&record, device.as_ref(), now)))
            }
            Err(SaveAnswerError::Invalid(e)) => {
                let record = current(&state, id, user.user_id).await?;
                let mut view = ClockView::of(&record, now);
                view.message = Some(e.message);
                Ok(HttpResponse::UnprocessableEntity().json(view))
            }
            Err(SaveAnswerError::NoSuchQuestion(_)) | Err(SaveAnswerError::NotFound) => {
                Err(PageError::NotFound)
            }
            Err(SaveAnswerError::Unexpected(e)) => Err(PageError::Unexpected(e.into())),
        }
    };
    run.await.unwrap_or_else(script_error)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptFlag {
    flagged: bool,
}

/// Flags or unflags one question from the page's script.
#[post("/sittings/{id}/flags/{number}")]
pub async fn flag_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    path: web::Path<(String, u32)>,
    body: web::Json<ScriptFlag>,
) -> HttpResponse {
    let run = async {
        script_csrf(&req, &visitor)?;
        let user = visitor.with_role(Role::Candidate)?;
        let id = sitting_id(&path.0)?;
        let device = visitor.device();
        let flagged = sittings::set_flag(
            &state,
            id,
            user.user_id,
            path.1,
            body.flagged,
            device.as_ref(),
            state.clock.now(),
        )
        .await;
        let now = state.clock.now();
        match flagged {
            Ok(record) => Ok(HttpResponse::Ok().json(ClockView::of(&record, now))),
            Err(SaveAnswerError::Closed)
            | Err(SaveAnswerError::Paused)
            | Err(SaveAnswerError::OtherDevice) => {
                let record = current(&state, id, user.user_id).await?;
                let view = ClockView::on(&record, device.as_ref(), now);
                Ok(HttpResponse::Conflict().json(view))
            }
            Err(SaveAnswerError::NoSuchQuestion(_)) | Err(SaveAnswerError::NotFound) => {
                Err(PageError::NotFound)
            }
            Err(e) => Err(PageError::Unexpected(anyhow::anyhow!(e.to_string()))),
        }
    };
    run.await.unwrap_or_else(script_error)
}

/// The server's time for an open page: the remaining seconds (after any extra time),
/// and whether the sitting is still open (reading it closes it once past its deadline).
#[get("/sittings/{id}/clock")]
pub async fn clock(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> HttpResponse {
    let run = async {
        let user = visitor.with_role(Role::Candidate)?;
        let id = sitting_id(&path)?;
        let record = current(&state, id, user.user_id).await?;
        let now = state.clock.now();
        let view = ClockView::on(&record, visitor.device().as_ref(), now);
        if view.other_device {
            // Moved to another device: this page stops, and is not the one "seen".
            return Ok(HttpResponse::Conflict().json(view));
        }
        sittings::seen(&state, id, now)
            .await
            .map_err(|e| PageError::Unexpected(e.into()))?;
        Ok::<_, PageError>(HttpResponse::Ok().json(view))
    };
    run.await.unwrap_or_else(script_error)
}

#[derive(Template)]
#[template(path = "web/review.html")]
struct ReviewPage {
    chrome: Chrome,
    id: Uuid,
    title: String,
    total: usize,
    unanswered: Vec<u32>,
    flagged: Vec<u32>,
    remaining_seconds: i64,
    remaining_text: String,
    total_minutes: u32,
    time_allowed: String,
}

#[get("/sittings/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let open = match open_sitting(&state, &visitor, &path).await? {
        Ok(open) => open,
        Err(redirect) => return Ok(redirect),
    };
    let r = &open.record;
    let title = papers::title_of(&state, &r.qualification_code);
    let remaining = sitting::remaining_seconds(state.clock.now(), r.deadline);
    let page = ReviewPage {
        chrome: Chrome::new(&visitor, format!("Review: {title}")),
        id: r.id,
        total: r.paper.items.len(),
        unanswered: r
            .paper
            .items
            .iter()
            .map(|i| i.number)
            .filter(|n| !open.answers.contains_key(n))
            .collect(),
        flagged: open.flags.iter().copied().collect(),
        remaining_seconds: remaining,
        remaining_text: clock_text(remaining),
        total_minutes: total_minutes(&r.allowance()),
        time_allowed: time_allowed_for(&r.allowance()),
        title,
    };
    page::ok(&visitor, &page)
}

#[post("/sittings/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let user = visitor.with_role(Role::Candidate)?;
    let id = sitting_id(&path)?;
    let device = visitor.device();
    match sittings::submit_and_score(&state, id, user.user_id, device.as_ref(), state.clock.now())
        .await
    {
        // Submitting twice (a double click, the back button) only shows the result.
        Ok(_) | Err(SubmitError::AlreadyClosed(_)) => {}
        Err(SubmitError::OtherDevice) | Err(SubmitError::Paused) => {
            return Ok(page::see_other(&visitor, &format!("/sittings/{id}")));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(page::see_other(&visitor, &format!("/sittings/{id}/result")))
}

pub struct AreaView {
    pub title: String,
    pub score: u32,
    pub max_score: u32,
    pub percent: u32,
}

#[derive(Template)]
#[template(path = "web/result.html")]
struct ResultPage {
    chrome: Chrome,
    id: Uuid,
    title: String,
    passed: bool,
    score: u32,
    max_score: u32,
    pass_mark: u32,
    expired: bool,
    areas: Vec<AreaView>,
    certificate: Option<String>,
    /// Awaiting the certification decision: no certificate yet.
    provisional: bool,
}

#[derive(Template)]
#[template(path = "web/voided.html")]
struct VoidedPage {
    chrome: Chrome,
    title: String,
}

#[get("/sittings/{id}/result")]
pub async fn result(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.signed_in()?;
    let id = sitting_id(&path)?;
    let outcome: Outcome =
        match sittings::outcome(&state, id, user.user_id, &user.roles, state.clock.now()).await {
            Ok(o) => o,
            Err(ReadSittingError::InProgress { .. }) => {
                return Ok(page::see_other(&visitor, &format!("/sittings/{id}")));
            }
            Err(ReadSittingError::Voided) => {
                let title = sittings::resume(&state, id, user.user_id, None, state.clock.now())
                    .await
                    .ok()
                    .and_then(|r| match r {
                        Resumed::Voided(record) => {
                            Some(papers::title_of(&state, &record.qualification_code))
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                return page::ok(
                    &visitor,
                    &VoidedPage {
                        chrome: Chrome::new(&visitor, "This sitting was voided"),
                        title,
                    },
                );
            }
            Err(e) => return Err(e.into()),
        };
    let r = &outcome.record;
    let title = papers::title_of(&state, &r.qualification_code);
    let sheet = &outcome.sheet;
    let provisional = outcome.result_status == ResultStatus::Provisional;
    let page = ResultPage {
        provisional,
        chrome: Chrome::new(
            &visitor,
            format!(
                "{}{}: {title}",
                if provisional {
                    "Provisional result: "
                } else {
                    ""
                },
                if sheet.passed { "Passed" } else { "Not passed" }
            ),
        ),
        id,
        passed: sheet.passed,
        score: sheet.score,
        max_score: sheet.max_score,
        pass_mark: sheet.pass_mark,
        expired: r.status == SittingStatus::Expired,
        areas: sheet
            .areas
            .iter()
            .map(|a| AreaView {
                title: a.title.clone(),
                score: a.score,
                max_score: a.max_score,
                percent: (a.score * 100).checked_div(a.max_score).unwrap_or(0),
            })
            .collect(),
        certificate: outcome.certificate_number.clone(),
        title,
    };
    page::ok(&visitor, &page)
}

/// The score report PDF of a closed sitting.
#[get("/sittings/{id}/report.pdf")]
pub async fn report(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = visitor.signed_in()?;
    let id = sitting_id(&path)?;
    let bytes =
        sittings::score_report(&state, id, user.user_id, &user.roles, state.clock.now()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"score-report-{id}.pdf\""),
        ))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_time_is_shown_with_its_parts() {
        assert_eq!(time_allowed(60, 0), "60 minutes");
        assert_eq!(time_allowed(60, 25), "75 minutes (60 + 25%)");
        assert_eq!(time_allowed(150, 10), "165 minutes (150 + 10%)");
    }

    #[test]
    fn the_clock_reads_hours_minutes_seconds() {
        assert_eq!(clock_text(3599), "0:59:59");
        assert_eq!(clock_text(3600 + 61), "1:01:01");
        assert_eq!(clock_text(-5), "0:00:00");
    }
}
