//! Regrading with a versioned key: an administrator records a key correction for an item
//! (checked against the item as it is in the pool), reads its dry run (every closed,
//! scored sitting whose paper holds the item, with its old and new result), and a second
//! administrator commits it. The commit, one transaction, makes the correction the next
//! version of the qualification's key, rescores those sittings, issues certificates to
//! new passes, revokes those of new fails as superseded by regrade (unless the scheme's
//! results may only rise), tells each candidate whose result changed by e-mail and puts
//! every step in the audit ledger. Sittings scored later use the corrected key too.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Action, Actor, Event, TargetKind};
use super::certificates as issuing;
use super::notifications;
use super::paging::Page;
use crate::domain::case::{CaseState, Remedy};
use crate::domain::certificate::{CertificateEvent, CertificateStatus};
use crate::domain::fields::FieldErrors;
use crate::domain::regrade::{
    self, Correction, CorrectionKind, CorrectionStatus, KeyCorrection, Summary, Verdict,
};
use crate::domain::scheme::Regrading;
use crate::domain::scoring::{Response, ScoreSheet};
use crate::domain::sitting::SittingRecord;
use crate::domain::values::parse_text;
use crate::email::{OutgoingEmail, html_escape};
use crate::persistence::key_corrections::{self as repo, CommitRowError};
use crate::persistence::{begin_write, certificates, sittings, users};
use crate::state::AppState;

/// What the public reason of a certificate revoked by a regrade says.
pub const SUPERSEDED: &str = "superseded by regrade";

#[derive(Debug, thiserror::Error)]
pub enum RegradeError {
    #[error("no such key correction")]
    NotFound,
    #[error("the correction is invalid")]
    Invalid(FieldErrors),
    #[error("the correction is {}, not a draft", .0.as_ref())]
    NotDraft(CorrectionStatus),
    #[error(
        "the administrator who recorded a key correction cannot commit it: another administrator must (ISO/IEC 17024 four-eyes rule)"
    )]
    FourEyes,
    #[error("another correction of this key was committed meanwhile; try again")]
    Raced,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for RegradeError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// A correction as an administrator proposes it.
pub struct NewCorrection {
    pub qualification: String,
    /// Needed only when the qualification's item is in several loaded editions.
    pub edition: Option<String>,
    pub item_id: String,
    pub kind: CorrectionKind,
    /// As written in the pool (the item's own labels).
    pub key: Option<Response>,
    pub reason: String,
    pub appeal_id: Option<Uuid>,
}

fn invalid(field: &str, message: impl Into<String>) -> RegradeError {
    RegradeError::Invalid(FieldErrors::one(field, message))
}

fn corrections_of(records: &[KeyCorrection]) -> Result<Vec<Correction>, DbErr> {
    records
        .iter()
        .map(|r| {
            r.correction()
                .ok_or_else(|| DbErr::Custom(format!("key correction {}: unreadable key", r.id)))
        })
        .collect()
}

/// Records a draft correction, checked against the item in the pool with the committed
/// corrections applied.
pub async fn record(
    state: &AppState,
    new: NewCorrection,
    by: Uuid,
) -> Result<KeyCorrection, RegradeError> {
    let reason =
        parse_text(&new.reason, regrade::MAX_REASON_CHARS).map_err(|m| invalid("reason", m))?;
    // A correction that cites an appeal cites one that was upheld with a regrade.
    if let Some(appeal) = new.appeal_id {
        let upheld = crate::persistence::cases::find(&state.db, appeal)
            .await?
            .is_some_and(|case| {
                case.state == CaseState::Upheld && case.remedy == Some(Remedy::Regrade)
            });
        if !upheld {
            return Err(invalid(
                "appeal_id",
                "must name an appeal upheld with a regrade as its remedy",
            ));
        }
    }
    let holding: Vec<_> = state
        .catalog
        .editions
        .iter()
        .filter(|e| {
            new.edition
                .as_deref()
                .is_none_or(|wanted| e.edition == wanted)
        })
        .filter_map(|e| {
            let q = e
                .qualifications
                .iter()
                .find(|q| q.qualification.code == new.qualification)?;
            Some((e, q))
        })
        .collect();
    if holding.is_empty() {
        return Err(match &new.edition {
            Some(edition) => invalid(
                "edition",
                format!("{} is not offered in edition {edition}", new.qualification),
            ),
            None => invalid("qualification", "no such qualification"),
        });
    }
    let found: Vec<_> = holding
        .iter()
        .filter_map(|(e, q)| {
            q.questions
                .iter()
                .flat_map(|question| &question.items)
                .find(|i| i.id == new.item_id)
                .map(|i| (*e, i))
        })
        .collect();
    let (edition, item) = match found.as_slice() {
        [] => {
            return Err(invalid(
                "item_id",
                format!("no item {} in {}", new.item_id, new.qualification),
            ));
        }
        [one] => *one,
        several => {
            let editions: Vec<&str> = several.iter().map(|(e, _)| e.edition.as_str()).collect();
            return Err(invalid(
                "edition",
                format!("the item is in editions {}: name one", editions.join(", ")),
            ));
        }
    };
    let options = item.body.options().to_vec();
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let committed = repo::committed(&tx, &new.qualification, &edition.edition, false).await?;
    let of_item: Vec<Correction> = corrections_of(&committed)?
        .into_iter()
        .filter(|c| c.item_id == item.id)
        .collect();
    let current = regrade::current(&item.body, &options, &of_item);
    regrade::check(&current, new.kind, new.key.as_ref())
        .map_err(|e| invalid(e.field, e.message))?;
    let correction = KeyCorrection {
        id: Uuid::now_v7(),
        qualification: new.qualification,
        edition: edition.edition.clone(),
        item_id: item.id.clone(),
        kind: new.kind,
        options,
        key: new.key,
        reason,
        appeal_id: new.appeal_id,
        status: CorrectionStatus::Draft,
        version: None,
        recorded_by: by,
        recorded_at: now,
        decided_by: None,
        decided_at: None,
    };
    repo::insert(&tx, &correction).await?;
    let recorded = audit::event(
        Actor::User(by),
        Action::KeyCorrectionRecorded,
        TargetKind::KeyCorrection,
        correction.id,
        serde_json::json!({
            "qualification": correction.qualification,
            "edition": correction.edition,
            "item": correction.item_id,
            "kind": correction.kind.as_ref(),
            "key": correction.key,
            "reason": correction.reason,
            "appeal": correction.appeal_id,
        }),
    );
    audit::record(&tx, now, &[recorded]).await?;
    tx.commit().await?;
    tracing::info!(correction = %correction.id, item = %correction.item_id, by = %by, "key correction recorded");
    Ok(correction)
}

/// Corrections, oldest first, optionally only those with `status`.
pub async fn list(
    state: &AppState,
    status: Option<CorrectionStatus>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<KeyCorrection>, RegradeError> {
    let rows = repo::page(&state.db, status, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |c| c.id))
}

/// One affected sitting of a dry run or a commit.
pub struct Affected {
    pub sitting_id: Uuid,
    pub candidate_id: Uuid,
    pub candidate_name: String,
    pub candidate_email: String,
    pub verdict: Verdict,
}

pub struct DryRun {
    pub sittings: Vec<Affected>,
    pub summary: Summary,
    pub policy: Regrading,
}

/// A correction, with its dry run while it is a draft.
pub struct Shown {
    pub correction: KeyCorrection,
    pub dry_run: Option<DryRun>,
    /// Who recorded it, by name.
    pub recorded_by_name: String,
}

fn policy_of(state: &AppState, edition: &str) -> Regrading {
    state
        .catalog
        .edition(edition)
        .map(|e| e.regrading)
        .unwrap_or_default()
}

/// Each closed, scored sitting holding the item, rescored with `corrections`.
async fn rescored(
    db: &impl ConnectionTrait,
    c: &KeyCorrection,
    corrections: &[Correction],
    policy: Regrading,
) -> Result<Vec<(SittingRecord, ScoreSheet, Verdict)>, DbErr> {
    let mut out = Vec::new();
    for record in repo::closed_holding(db, &c.qualification, &c.edition, &c.item_id).await? {
        if !regrade::holds(&record.paper, &c.item_id) {
            continue;
        }
        let Some(old) = record.result.clone() else {
            continue;
        };
        let answers = sittings::answers(db, record.id).await?;
        let corrected = regrade::rescore(&record.paper, &answers, record.pass_mark, corrections);
        let verdict = regrade::judge(&old, &corrected, policy);
        out.push((record, corrected, verdict));
    }
    Ok(out)
}

async fn affected(
    db: &impl ConnectionTrait,
    rows: &[(SittingRecord, ScoreSheet, Verdict)],
) -> Result<Vec<Affected>, DbErr> {
    let mut names: BTreeMap<Uuid, (String, String)> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (record, _, verdict) in rows {
        let (name, email) = match names.get(&record.candidate_id) {
            Some(known) => known.clone(),
            None => {
                let who = users::find_by_id(db, record.candidate_id)
                    .await?
                    .map(|u| (format!("{} {}", u.given_name, u.family_name), u.email))
                    .unwrap_or_default();
                names.insert(record.candidate_id, who.clone());
                who
            }
        };
        out.push(Affected {
            sitting_id: record.id,
            candidate_id: record.candidate_id,
            candidate_name: name,
            candidate_email: email,
            verdict: *verdict,
        });
    }
    Ok(out)
}

/// A correction; while a draft, with the dry run of committing it now.
pub async fn show(state: &AppState, id: Uuid) -> Result<Shown, RegradeError> {
    let db = &state.db;
    let correction = repo::find(db, id).await?.ok_or(RegradeError::NotFound)?;
    let recorded_by_name = users::find_by_id(db, correction.recorded_by)
        .await?
        .map(|u| format!("{} {}", u.given_name, u.family_name))
        .unwrap_or_default();
    let dry_run = if correction.status == CorrectionStatus::Draft {
        let mut corrections = corrections_of(
            &repo::committed(db, &correction.qualification, &correction.edition, false).await?,
        )?;
        corrections.extend(corrections_of(std::slice::from_ref(&correction))?);
        let policy = policy_of(state, &correction.edition);
        let rows = rescored(db, &correction, &corrections, policy).await?;
        let verdicts: Vec<Verdict> = rows.iter().map(|(_, _, v)| *v).collect();
        Some(DryRun {
            sittings: affected(db, &rows).await?,
            summary: regrade::summarize(&verdicts),
            policy,
        })
    } else {
        None
    };
    Ok(Shown {
        correction,
        dry_run,
        recorded_by_name,
    })
}

/// What a commit did.
pub struct Committed {
    pub correction: KeyCorrection,
    pub sittings: Vec<Affected>,
    pub summary: Summary,
}

/// Commits a draft, by an administrator other than the one who recorded it, in one
/// transaction (see the module's comment).
pub async fn commit(state: &AppState, id: Uuid, by: Uuid) -> Result<Committed, RegradeError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let draft = repo::find(&tx, id).await?.ok_or(RegradeError::NotFound)?;
    if draft.status != CorrectionStatus::Draft {
        return Err(RegradeError::NotDraft(draft.status));
    }
    if !draft.may_be_committed_by(by) {
        return Err(RegradeError::FourEyes);
    }
    let version = repo::next_version(&tx, &draft.qualification, &draft.edition).await?;
    match repo::mark_committed(&tx, id, version, by, now).await {
        Ok(true) => {}
        Ok(false) => {
            let status = repo::find(&tx, id)
                .await?
                .map_or(CorrectionStatus::Withdrawn, |c| c.status);
            return Err(RegradeError::NotDraft(status));
        }
        Err(CommitRowError::VersionTaken) => return Err(RegradeError::Raced),
        Err(CommitRowError::Db(e)) => return Err(e.into()),
    }
    let correction = repo::find(&tx, id).await?.ok_or(RegradeError::NotFound)?;
    let corrections =
        corrections_of(&repo::committed(&tx, &draft.qualification, &draft.edition, false).await?)?;
    let policy = policy_of(state, &draft.edition);
    let rows = rescored(&tx, &correction, &corrections, policy).await?;
    let mut events = vec![audit::event(
        Actor::User(by),
        Action::KeyCorrectionCommitted,
        TargetKind::KeyCorrection,
        id,
        serde_json::json!({
            "qualification": correction.qualification,
            "edition": correction.edition,
            "item": correction.item_id,
            "version": version,
            "recorded_by": correction.recorded_by,
            "affected": rows.len(),
            "results_may_only_rise": policy.results_may_only_rise,
        }),
    )];
    let title = state
        .catalog
        .qualification_title(&correction.edition, &correction.qualification);
    for (record, corrected, verdict) in &rows {
        apply_one(
            &tx,
            state,
            (&correction, version, by, now),
            (record, corrected, verdict),
            &title,
            &mut events,
        )
        .await?;
    }
    audit::record(&tx, now, &events).await?;
    let sittings = affected(&tx, &rows).await?;
    tx.commit().await?;
    let verdicts: Vec<Verdict> = rows.iter().map(|(_, _, v)| *v).collect();
    let summary = regrade::summarize(&verdicts);
    tracing::info!(correction = %id, version, affected = summary.affected, by = %by, "key correction committed");
    Ok(Committed {
        correction,
        sittings,
        summary,
    })
}

/// Stores one sitting's regrade, with its certificate and e-mail.
async fn apply_one(
    tx: &sea_orm::DatabaseTransaction,
    state: &AppState,
    (correction, version, by, now): (&KeyCorrection, u32, Uuid, OffsetDateTime),
    (record, corrected, verdict): (&SittingRecord, &ScoreSheet, &Verdict),
    title: &str,
    events: &mut Vec<Event>,
) -> Result<(), DbErr> {
    // A result kept under "results may only rise" stays as it was, with the key version
    // that scored it.
    if !verdict.kept {
        sittings::store_result(tx, record.id, corrected).await?;
        sittings::store_key_version(tx, record.id, version).await?;
    }
    events.push(audit::event(
        Actor::User(by),
        Action::SittingRescored,
        TargetKind::Sitting,
        record.id,
        serde_json::json!({
            "correction": correction.id,
            "key_version": version,
            "before": {"score": verdict.old_score, "passed": verdict.old_passed},
            "after": {"score": verdict.new_score, "passed": verdict.new_passed},
            "corrected_score": verdict.corrected_score,
            "kept": verdict.kept,
        }),
    ));
    let holder = users::find_by_id(tx, record.candidate_id).await?;
    let mut certificate_number = None;
    if verdict.fail_to_pass()
        && let Some(holder) = &holder
    {
        let mut rescored = record.clone();
        rescored.result = Some(corrected.clone());
        certificate_number = issue(tx, state, &rescored, holder, now, events).await?;
    }
    if verdict.pass_to_fail()
        && let Some(current) = repo::live_certificate(tx, record.id).await?
        && current.status != CertificateStatus::Revoked
        && certificates::set_status(
            tx,
            current.id,
            current.status,
            CertificateStatus::Revoked,
            SUPERSEDED,
            None,
            now,
        )
        .await?
    {
        certificates::record_event(
            tx,
            current.id,
            CertificateEvent::Revoked,
            Some(SUPERSEDED),
            Some(by),
            now,
        )
        .await?;
        certificate_number = Some(current.number.clone());
        events.push(audit::event(
            Actor::User(by),
            Action::CertificateStatusChanged,
            TargetKind::Certificate,
            &current.number,
            serde_json::json!({
                "action": CertificateEvent::Revoked.as_ref(),
                "before": {"status": current.status.as_ref()},
                "after": {"status": CertificateStatus::Revoked.as_ref()},
                "public_reason": SUPERSEDED,
                "private_reason": format!("key correction {} (key version {version})", correction.id),
            }),
        ));
    }
    if verdict.changed()
        && let Some(holder) = &holder
    {
        let message = changed_result(
            &holder.email,
            &holder.given_name,
            title,
            verdict,
            corrected,
            certificate_number.as_deref(),
        );
        notifications::queue(tx, &message, now).await?;
    }
    Ok(())
}

/// Issues the certificate of a sitting that passes on regrade. A certificate revoked by
/// an earlier regrade is not brought back (a revoked certificate is final): it is marked
/// replaced by the new one, which gets a new number.
async fn issue(
    tx: &sea_orm::DatabaseTransaction,
    state: &AppState,
    record: &SittingRecord,
    holder: &crate::domain::account::User,
    now: OffsetDateTime,
    events: &mut Vec<Event>,
) -> Result<Option<String>, DbErr> {
    let previous = repo::live_certificate(tx, record.id).await?;
    if let Some(previous) = &previous {
        if previous.status != CertificateStatus::Revoked {
            return Ok(None);
        }
        // One live certificate per sitting: point the revoked one at itself while the new
        // one is issued, then at the new one.
        let reason = previous.status_reason.as_deref().unwrap_or(SUPERSEDED);
        certificates::set_status(
            tx,
            previous.id,
            CertificateStatus::Revoked,
            CertificateStatus::Revoked,
            reason,
            Some(previous.id),
            now,
        )
        .await?;
    }
    let issued = issuing::issue_to(tx, state, record, holder, now).await?;
    if let Some(previous) = &previous {
        let reason = previous.status_reason.as_deref().unwrap_or(SUPERSEDED);
        certificates::set_status(
            tx,
            previous.id,
            CertificateStatus::Revoked,
            CertificateStatus::Revoked,
            reason,
            Some(issued.id),
            now,
        )
        .await?;
    }
    events.push(issuing::issued_event(&issued, None));
    Ok(Some(issued.number))
}

/// The e-mail to a candidate whose result a regrade changed.
fn changed_result(
    to: &str,
    given_name: &str,
    title: &str,
    verdict: &Verdict,
    sheet: &ScoreSheet,
    certificate: Option<&str>,
) -> OutgoingEmail {
    let mut paragraphs = vec![
        format!("Dear {given_name},"),
        format!(
            "An error was found in the marking key of a question of your {title} examination, and every paper that included it has been marked again with the corrected key."
        ),
        format!(
            "Your score is now {} out of {} (pass mark {}); it was {}.",
            verdict.new_score, sheet.max_score, sheet.pass_mark, verdict.old_score
        ),
    ];
    let number = certificate.map(|n| format!(" {n}")).unwrap_or_default();
    if verdict.fail_to_pass() {
        paragraphs.push(format!(
            "You have now passed. Your certificate{number} is in your account."
        ));
    } else if verdict.pass_to_fail() {
        paragraphs.push(format!(
            "You no longer reach the pass mark, so your certificate{number} has been revoked as {SUPERSEDED}. You may appeal against this decision."
        ));
    } else if verdict.new_passed {
        paragraphs.push("You have still passed; your certificate stands.".into());
    } else {
        paragraphs.push("You have still not reached the pass mark.".into());
    }
    let mut text = paragraphs.join("\n\n");
    text.push_str("\n\n-- \nInvigilator, ISO/IEC 20000 certification\n");
    let mut html = String::from("<!doctype html><html><body>");
    for p in &paragraphs {
        html.push_str(&format!("<p>{}</p>", html_escape(p)));
    }
    html.push_str("</body></html>");
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("Your {title} result has been corrected"),
        text,
        html,
        attachments: Vec::new(),
    }
}

/// Withdraws a draft.
pub async fn withdraw(state: &AppState, id: Uuid, by: Uuid) -> Result<KeyCorrection, RegradeError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let draft = repo::find(&tx, id).await?.ok_or(RegradeError::NotFound)?;
    if !repo::mark_withdrawn(&tx, id, by, now).await? {
        let status = repo::find(&tx, id)
            .await?
            .map_or(draft.status, |c| c.status);
        return Err(RegradeError::NotDraft(status));
    }
    let withdrawn = audit::event(
        Actor::User(by),
        Action::KeyCorrectionWithdrawn,
        TargetKind::KeyCorrection,
        id,
        serde_json::json!({"item": draft.item_id, "recorded_by": draft.recorded_by}),
    );
    audit::record(&tx, now, &[withdrawn]).await?;
    let correction = repo::find(&tx, id).await?.ok_or(RegradeError::NotFound)?;
    tx.commit().await?;
    Ok(correction)
}

/// The committed corrections of a qualification's key and its version, read inside the
/// transaction that scores a sitting (locked against a commit in flight; see
/// `persistence::key_corrections::committed`).
pub async fn key_for(
    db: &impl ConnectionTrait,
    qualification: &str,
    edition: &str,
) -> Result<(Vec<Correction>, u32), DbErr> {
    let committed = repo::committed(db, qualification, edition, true).await?;
    let version = committed
        .iter()
        .filter_map(|c| c.version)
        .max()
        .unwrap_or(0);
    Ok((corrections_of(&committed)?, version))
}

/// The key version that scored a sitting (`None` while it is unscored).
pub async fn key_version_of(state: &AppState, sitting: Uuid) -> Result<Option<u32>, DbErr> {
    sittings::key_version(&state.db, sitting).await
}

/// A key typed as labels (`B`, or `A, D`, …) in the answer shape of the item `item_id`
/// of `qualification` (a classic item's one choice when the item is unknown: recording
/// then names the item as the problem).
pub fn key_from_labels(
    state: &AppState,
    qualification: &str,
    item_id: &str,
    labels: Vec<String>,
) -> Response {
    let body = state
        .catalog
        .editions
        .iter()
        .flat_map(|e| &e.qualifications)
        .filter(|q| q.qualification.code == qualification)
        .flat_map(|q| &q.questions)
        .flat_map(|q| &q.items)
        .find(|i| i.id == item_id)
        .map(|i| &i.body);
    let mut key = Response::default();
    match body.map(crate::domain::scoring::response_field) {
        Some("choices") => key.choices = Some(labels),
        Some("matches") => key.matches = Some(labels),
        Some("grades") => key.grades = Some(labels),
        Some("order") => key.order = Some(labels),
        _ => key.choice = Some(labels.join(",")),
    }
    key
}

/// The qualifications whose keys can be corrected: every loaded one, by code and title.
pub fn qualifications(state: &AppState) -> Vec<(String, String)> {
    let mut seen = std::collections::BTreeSet::new();
    state
        .catalog
        .editions
        .iter()
        .flat_map(|e| &e.qualifications)
        .filter(|q| !q.questions.is_empty() && seen.insert(q.qualification.code.clone()))
        .map(|q| (q.qualification.code.clone(), q.qualification.title.clone()))
        .collect()
}
