//! Key corrections: the list with the form to record one, and each correction's page with
//! its dry run (every affected sitting, old and new score, each pass/fail change written
//! out) and the forms to commit it (another administrator) or withdraw it.

use actix_web::{HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::shared::{Names, PageQuery, form_errors, parse_id, when};
use crate::app::regrade::{self, NewCorrection, RegradeError};
use crate::domain::regrade::{CorrectionKind, CorrectionStatus, KeyCorrection, Summary, Verdict};
use crate::domain::role::Role;
use crate::domain::scoring::Response;
use crate::state::AppState;
use crate::web::page::{self, Chrome, CsrfForm, FormErrors, PageError};
use crate::web::session::Visitor;

impl From<RegradeError> for PageError {
    fn from(e: RegradeError) -> Self {
        match e {
            RegradeError::NotFound => Self::NotFound,
            RegradeError::Unexpected(e) => Self::Unexpected(e),
            other => Self::Unexpected(anyhow::anyhow!(other.to_string())),
        }
    }
}

const PER_PAGE: u64 = 50;

fn kind_label(kind: CorrectionKind) -> &'static str {
    match kind {
        CorrectionKind::NewKey => "New key",
        CorrectionKind::CreditAll => "Credit to everyone",
        CorrectionKind::AcceptEither => "Another option accepted",
    }
}

fn status_label(status: CorrectionStatus) -> &'static str {
    match status {
        CorrectionStatus::Draft => "Draft, not yet committed",
        CorrectionStatus::Committed => "Committed",
        CorrectionStatus::Withdrawn => "Withdrawn",
    }
}

fn key_text(key: &Option<Response>) -> String {
    let Some(k) = key else {
        return "none".into();
    };
    k.choice
        .iter()
        .cloned()
        .chain(
            [&k.choices, &k.matches, &k.grades, &k.order]
                .into_iter()
                .flatten()
                .flatten()
                .cloned(),
        )
        .collect::<Vec<_>>()
        .join(", ")
}

pub struct Row {
    id: Uuid,
    item: String,
    qualification: String,
    kind: &'static str,
    key: String,
    status: &'static str,
    version: String,
    recorded: String,
}

fn row(c: &KeyCorrection) -> Row {
    Row {
        id: c.id,
        item: c.item_id.clone(),
        qualification: c.qualification.clone(),
        kind: kind_label(c.kind),
        key: key_text(&c.key),
        status: status_label(c.status),
        version: c.version.map(|v| v.to_string()).unwrap_or_default(),
        recorded: when(c.recorded_at),
    }
}

/// The record form as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordForm {
    csrf: String,
    qualification: String,
    item_id: String,
    kind: String,
    key: String,
    reason: String,
    appeal_id: String,
}

#[derive(Template)]
#[template(path = "web/admin/key_corrections.html")]
struct ListPage {
    chrome: Chrome,
    errors: FormErrors,
    rows: Vec<Row>,
    next: Option<String>,
    qualifications: Vec<(String, String)>,
    form: RecordForm,
}

async fn list_page(
    state: &AppState,
    visitor: &Visitor,
    cursor: Option<Uuid>,
) -> Result<ListPage, PageError> {
    let page = regrade::list(state, None, cursor, PER_PAGE).await?;
    Ok(ListPage {
        chrome: Chrome::new(visitor, "Key corrections"),
        errors: FormErrors::new(),
        rows: page.items.iter().map(row).collect(),
        next: page.next.map(|n| n.to_string()),
        qualifications: regrade::qualifications(state),
        form: RecordForm {
            kind: "new_key".into(),
            ..RecordForm::default()
        },
    })
}

#[get("/admin/key-corrections")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let page = list_page(&state, &visitor, query.cursor()).await?;
    page::ok(&visitor, &page)
}

const LABELS: &[(&str, &str)] = &[
    ("qualification", "Qualification"),
    ("edition", "Qualification"),
    ("item_id", "Item id"),
    ("kind", "Correction"),
    ("key", "Key"),
    ("reason", "Reason"),
    ("appeal_id", "Appeal"),
];

#[post("/admin/key-corrections")]
pub async fn record(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<RecordForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let form = form.into_inner();
    let mut errors = FormErrors::new();
    let kind = match form.kind.as_str() {
        "new_key" => Some(CorrectionKind::NewKey),
        "credit_all" => Some(CorrectionKind::CreditAll),
        "accept_either" => Some(CorrectionKind::AcceptEither),
        _ => {
            errors.add("kind", "Correction: choose what the correction does.");
            None
        }
    };
    let appeal_id = match form.appeal_id.trim() {
        "" => None,
        raw => match raw.parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add(
                    "appeal_id",
                    "Appeal: give the appeal's id, or leave it empty.",
                );
                None
            }
        },
    };
    if form.item_id.trim().is_empty() {
        errors.add("item_id", "Item id: give the item's id, as in the pool.");
    }
    if let (Some(kind), true) = (kind, errors.is_empty()) {
        let labels: Vec<String> = form
            .key
            .split(',')
            .map(|l| l.trim().to_uppercase())
            .filter(|l| !l.is_empty())
            .collect();
        let key = (!labels.is_empty()).then(|| {
            regrade::key_from_labels(&state, &form.qualification, form.item_id.trim(), labels)
        });
        let new = NewCorrection {
            qualification: form.qualification.clone(),
            edition: None,
            item_id: form.item_id.trim().to_owned(),
            kind,
            key,
            reason: form.reason.clone(),
            appeal_id,
        };
        match regrade::record(&state, new, admin.user_id).await {
            Ok(c) => {
                return Ok(page::see_other(
                    &visitor,
                    &format!("/admin/key-corrections/{}", c.id),
                ));
            }
            Err(RegradeError::Invalid(e)) => errors = form_errors(e, "", LABELS),
            Err(e) => return Err(e.into()),
        }
    }
    let mut page = list_page(&state, &visitor, None).await?;
    page.errors = errors;
    page.form = form;
    page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub struct SittingRow {
    sitting_id: Uuid,
    candidate: String,
    old_score: u32,
    new_score: u32,
    old_result: &'static str,
    new_result: &'static str,
    /// The change in words: "Fail to pass", "Pass to fail", "Score only", "No change",
    /// "Kept: results may only rise".
    change: &'static str,
    /// `ok`, `bad` or `` for the change's emphasis (the words say it all).
    tone: &'static str,
}

fn passed(p: bool) -> &'static str {
    if p { "Pass" } else { "Fail" }
}

fn sitting_row(sitting_id: Uuid, candidate: String, v: &Verdict) -> SittingRow {
    let (change, tone) = if v.kept {
        ("Old result kept: results may only rise", "")
    } else if v.fail_to_pass() {
        ("Fail to pass: a certificate is issued", "ok")
    } else if v.pass_to_fail() {
        ("Pass to fail: the certificate is revoked", "bad")
    } else if v.old_score != v.new_score {
        ("Score changes, result does not", "")
    } else {
        ("No change", "")
    };
    SittingRow {
        sitting_id,
        candidate,
        old_score: v.old_score,
        new_score: v.new_score,
        old_result: passed(v.old_passed),
        new_result: passed(v.new_passed),
        change,
        tone,
    }
}

#[derive(Template)]
#[template(path = "web/admin/key_correction.html")]
struct CorrectionPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    problem: Option<String>,
    row: Row,
    reason: String,
    appeal: Option<Uuid>,
    recorded_by: String,
    decided_by: Option<String>,
    decided: Option<String>,
    draft: bool,
    /// The visitor recorded it: they cannot commit it.
    own: bool,
    only_rise: bool,
    summary: Summary,
    sittings: Vec<SittingRow>,
}

async fn correction_page(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
) -> Result<CorrectionPage, PageError> {
    let admin = visitor.with_role(Role::Admin)?;
    let shown = regrade::show(state, id).await?;
    let c = &shown.correction;
    let mut names = Names::default();
    let decided_by = match c.decided_by {
        Some(by) => Some(names.name(state, by).await?),
        None => None,
    };
    let (only_rise, summary, sittings) = match &shown.dry_run {
        Some(d) => (
            d.policy.results_may_only_rise,
            d.summary,
            d.sittings
                .iter()
                .map(|a| {
                    sitting_row(
                        a.sitting_id,
                        format!("{} ({})", a.candidate_name, a.candidate_email),
                        &a.verdict,
                    )
                })
                .collect(),
        ),
        None => (false, Summary::default(), Vec::new()),
    };
    Ok(CorrectionPage {
        chrome: Chrome::new(visitor, format!("Key correction of {}", c.item_id)),
        notice: None,
        problem: None,
        row: row(c),
        reason: c.reason.clone(),
        appeal: c.appeal_id,
        recorded_by: shown.recorded_by_name.clone(),
        decided_by,
        decided: c.decided_at.map(when),
        draft: c.status == CorrectionStatus::Draft,
        own: c.recorded_by == admin.user_id,
        only_rise,
        summary,
        sittings,
    })
}

#[get("/admin/key-corrections/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    let mut page = correction_page(&state, &visitor, id).await?;
    page.notice = match query.done.as_deref() {
        Some("committed") => Some(
            "The correction is committed: the sittings are rescored, certificates issued or revoked, and the candidates whose result changed are told by e-mail.",
        ),
        Some("withdrawn") => Some("The correction is withdrawn. Nothing was changed."),
        _ => None,
    };
    page::ok(&visitor, &page)
}

#[post("/admin/key-corrections/{id}/commit")]
pub async fn commit(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    let (status, problem) = match regrade::commit(&state, id, admin.user_id).await {
        Ok(_) => {
            return Ok(page::see_other(
                &visitor,
                &format!("/admin/key-corrections/{id}?done=committed"),
            ));
        }
        Err(e @ RegradeError::FourEyes) => (StatusCode::FORBIDDEN, e.to_string()),
        Err(e @ (RegradeError::NotDraft(_) | RegradeError::Raced)) => {
            (StatusCode::CONFLICT, e.to_string())
        }
        Err(e) => return Err(e.into()),
    };
    let mut page = correction_page(&state, &visitor, id).await?;
    page.problem = Some(problem);
    page::html(&visitor, status, &page)
}

#[post("/admin/key-corrections/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let admin = visitor.with_role(Role::Admin)?;
    let id = parse_id(&path)?;
    match regrade::withdraw(&state, id, admin.user_id).await {
        Ok(_) => Ok(page::see_other(
            &visitor,
            &format!("/admin/key-corrections/{id}?done=withdrawn"),
        )),
        Err(e @ RegradeError::NotDraft(_)) => {
            let mut page = correction_page(&state, &visitor, id).await?;
            page.problem = Some(e.to_string());
            page::html(&visitor, StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e.into()),
    }
}
