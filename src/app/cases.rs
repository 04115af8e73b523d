//! Appeals and complaints (ISO/IEC 17024 9.8, 9.9): lodged by a candidate, or by the
//! staff of an ATO on behalf of a delegate who accepted their enrolment; reviewed by an
//! administrator who had no part in the decision appealed; decided with reasons and, for
//! an upheld appeal, a remedy. Every step is on the audit ledger and e-mailed to the
//! appellant, in the transaction that takes it.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Action, Actor, Entry, TargetKind as AuditTarget};
use super::certificates::{self, CertificateError};
use super::notifications::{self, texts};
use super::paging::Page;
use crate::domain::case::{
    self, AppealsPolicy, CaseKind, CaseNote, CaseOutcome, CaseRecord, CaseState, Decision, NewCase,
    Remedy, TargetKind,
};
use crate::domain::evidence::EvidenceStatus;
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::domain::values::parse_text;
use crate::persistence::{
    atos, begin_write, cases as repo, certificates as certificate_repo, evidence as evidence_repo,
    sittings as sitting_repo, users,
};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no such case")]
    NotFound,
    /// The target names nothing of the candidate's (or nothing the ATO may see).
    #[error("no such {} of this candidate", .0.as_ref())]
    NoSuchTarget(TargetKind),
    #[error("no such candidate among your delegates")]
    NoSuchDelegate,
    #[error("you are not staff of a training organization")]
    NotStaff,
    #[error("{0}")]
    OutOfWindow(String),
    #[error("{0}")]
    NotAppealable(String),
    #[error("{0}")]
    WrongState(String),
    #[error("{0}")]
    AlreadyOpen(String),
    #[error("{0}")]
    ReviewerInvolved(String),
    #[error("{0}")]
    RemedyRefused(String),
    #[error("the case cannot be recorded")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for CaseError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<FieldErrors> for CaseError {
    fn from(e: FieldErrors) -> Self {
        Self::Invalid(e)
    }
}

/// A case with what administrators read of it: its notes and its audit trail.
pub struct CaseFile {
    pub case: CaseRecord,
    pub notes: Vec<CaseNote>,
    pub history: Vec<Entry>,
}

/// Who lodges a case.
#[derive(Debug, Clone, Copy)]
pub enum Appellant {
    /// The candidate themself.
    Candidate(Uuid),
    /// ATO staff, on behalf of a delegate.
    Staff { staff: Uuid, candidate: Uuid },
}

/// The policy of an edition; for what belongs to no edition (evidence), the shortest
/// window of the loaded editions, so no appeal is accepted that one would refuse.
fn policy(state: &AppState, edition: Option<&str>) -> AppealsPolicy {
    edition
        .and_then(|e| state.catalog.edition(e))
        .map(|e| e.appeals)
        .or_else(|| {
            state
                .catalog
                .editions
                .iter()
                .map(|e| e.appeals)
                .min_by_key(|p| p.window_days)
        })
        .unwrap_or_default()
}

/// What a target is when checked: when it was decided and under which edition's policy.
struct Checked {
    decided_at: Option<OffsetDateTime>,
    edition: Option<String>,
}

/// Checks that the target is the candidate's own (and, for ATO staff, one they may see:
/// a sitting for a course's qualification started after the delegate accepted).
async fn check_target(
    db: &impl ConnectionTrait,
    candidate: Uuid,
    ato: Option<Uuid>,
    target: &case::Target,
) -> Result<Checked, CaseError> {
    match target.kind {
        TargetKind::Sitting => {
            let id: Uuid = target
                .id
                .parse()
                .map_err(|_| CaseError::NoSuchTarget(TargetKind::Sitting))?;
            let sitting = sitting_repo::find(db, id)
                .await?
                .filter(|s| s.candidate_id == candidate)
                .ok_or(CaseError::NoSuchTarget(TargetKind::Sitting))?;
            if let Some(ato) = ato {
                let accepted = repo::accepted_by_delegate(
                    db,
                    ato,
                    candidate,
                    Some(&sitting.qualification_code),
                )
                .await?;
                if accepted.is_none_or(|a| a >= sitting.started_at) {
                    return Err(CaseError::NoSuchTarget(TargetKind::Sitting));
                }
            }
            Ok(Checked {
                decided_at: sitting.result.as_ref().and(sitting.closed_at),
                edition: Some(sitting.edition),
            })
        }
        // A delegate's evidence and certificates are theirs to appeal: an ATO sees only
        // sittings.
        _ if ato.is_some() => Err(CaseError::NoSuchTarget(target.kind)),
        TargetKind::Evidence => {
            let id: Uuid = target
                .id
                .parse()
                .map_err(|_| CaseError::NoSuchTarget(TargetKind::Evidence))?;
            let evidence = evidence_repo::find(db, id)
                .await?
                .filter(|e| e.candidate_id == candidate)
                .ok_or(CaseError::NoSuchTarget(TargetKind::Evidence))?;
            Ok(Checked {
                decided_at: (evidence.status != EvidenceStatus::Pending)
                    .then_some(evidence.decided_at)
                    .flatten(),
                edition: None,
            })
        }
        TargetKind::Certificate => {
            let c = certificate_repo::by_number(db, &target.id)
                .await?
                .filter(|c| c.candidate_id == candidate)
                .ok_or(CaseError::NoSuchTarget(TargetKind::Certificate))?;
            Ok(Checked {
                decided_at: c.status_changed_at,
                edition: Some(c.edition),
            })
        }
    }
}

fn kind_word(kind: CaseKind) -> &'static str {
    match kind {
        CaseKind::Appeal => "appeal",
        CaseKind::Complaint => "complaint",
    }
}

/// Queues the e-mail of a step to the appellant (the candidate the case is for).
async fn tell(
    db: &impl ConnectionTrait,
    state: &AppState,
    case: &CaseRecord,
    subject: String,
    paragraphs: Vec<String>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    if let Some(candidate) = users::find_by_id(db, case.candidate_id).await? {
        let mut paragraphs = paragraphs;
        paragraphs.push(format!("Case reference: {}", case.id));
        let message = texts::case_update(
            state.public_base_url(),
            &candidate.email,
            &candidate.given_name,
            subject,
            paragraphs,
        );
        notifications::queue(db, &message, now).await?;
    }
    Ok(())
}

/// Lodges a case. An appeal names a result or decision of the candidate's, decided within
/// the scheme's window.
pub async fn lodge(
    state: &AppState,
    appellant: Appellant,
    new: &NewCase,
) -> Result<CaseRecord, CaseError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let (candidate, lodged_by, ato) = match appellant {
        Appellant::Candidate(c) => (c, c, None),
        Appellant::Staff { staff, candidate } => {
            let ato = atos::ato_of_staff(&tx, staff)
                .await?
                .ok_or(CaseError::NotStaff)?;
            if repo::accepted_by_delegate(&tx, ato, candidate, None)
                .await?
                .is_none()
            {
                return Err(CaseError::NoSuchDelegate);
            }
            (candidate, staff, Some(ato))
        }
    };
    if let Some(target) = &new.target {
        let checked = check_target(&tx, candidate, ato, target).await?;
        if new.kind == CaseKind::Appeal {
            let decided_at = checked.decided_at.ok_or_else(|| {
                CaseError::NotAppealable(format!(
                    "this {} has no result or decision yet to appeal against",
                    target.kind.as_ref()
                ))
            })?;
            policy(state, checked.edition.as_deref())
                .check_window(decided_at, now)
                .map_err(CaseError::OutOfWindow)?;
        }
    }
    let record = repo::insert(&tx, candidate, lodged_by, new, now)
        .await?
        .ok_or_else(|| {
            CaseError::AlreadyOpen(
                "an appeal against this is already open; add to it by writing to the reviewer, or withdraw it first".into(),
            )
        })?;
    let word = kind_word(record.kind);
    let mut paragraphs = vec![format!(
        "We have received your {word}. An administrator who had no part in the matter will review it, and we will write to you at each step."
    )];
    if lodged_by != candidate {
        paragraphs.push("It was lodged on your behalf by your training organization.".into());
    }
    tell(
        &tx,
        state,
        &record,
        format!("We have received your {word}"),
        paragraphs,
        now,
    )
    .await?;
    let lodged = audit::event(
        Actor::User(lodged_by),
        Action::CaseLodged,
        AuditTarget::Case,
        record.id,
        serde_json::json!({
            "kind": record.kind.as_ref(),
            "candidate": candidate,
            "target": record.target.as_ref().map(|t| serde_json::json!({"kind": t.kind.as_ref(), "id": t.id})),
            "on_behalf": lodged_by != candidate,
            "after": {"state": record.state.as_ref()},
        }),
    );
    audit::record(&tx, now, &[lodged]).await?;
    tx.commit().await?;
    tracing::info!(case = %record.id, kind = record.kind.as_ref(), "case lodged");
    Ok(record)
}

/// The candidate's own cases, oldest first: `limit` at a time after `cursor`.
pub async fn of_candidate(
    state: &AppState,
    candidate: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<CaseRecord>, CaseError> {
    let rows = repo::page(&state.db, Some(candidate), None, None, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |c| c.id))
}

/// The delegate with this e-mail address, for staff lodging a case on their behalf: a
/// candidate who accepted an enrolment with the staff member's organization.
pub async fn delegate_by_email(
    state: &AppState,
    staff: Uuid,
    email: &crate::domain::values::EmailAddress,
) -> Result<Uuid, CaseError> {
    let db = &state.db;
    let ato = atos::ato_of_staff(db, staff)
        .await?
        .ok_or(CaseError::NotStaff)?;
    let user = users::find_by_email(db, email)
        .await?
        .ok_or(CaseError::NoSuchDelegate)?;
    repo::accepted_by_delegate(db, ato, user.id, None)
        .await?
        .ok_or(CaseError::NoSuchDelegate)?;
    Ok(user.id)
}

/// The cases a staff member lodged on delegates' behalf, oldest first (at most `limit`).
pub async fn lodged_by(
    state: &AppState,
    staff: Uuid,
    limit: u64,
) -> Result<Vec<CaseRecord>, CaseError> {
    Ok(repo::lodged_by(&state.db, staff, limit).await?)
}

/// One of the candidate's cases; `NotFound` for anyone else's.
pub async fn own(state: &AppState, candidate: Uuid, id: Uuid) -> Result<CaseRecord, CaseError> {
    repo::find(&state.db, id)
        .await?
        .filter(|c| c.candidate_id == candidate)
        .ok_or(CaseError::NotFound)
}

/// Withdraws one of the candidate's cases, at any time before a decision.
pub async fn withdraw(
    state: &AppState,
    candidate: Uuid,
    id: Uuid,
) -> Result<CaseRecord, CaseError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let current = repo::find(&tx, id)
        .await?
        .filter(|c| c.candidate_id == candidate)
        .ok_or(CaseError::NotFound)?;
    case::withdraw(current.state).map_err(CaseError::WrongState)?;
    if !repo::withdraw(&tx, id, now).await? {
        return Err(changed_meanwhile());
    }
    let record = repo::find(&tx, id).await?.ok_or(CaseError::NotFound)?;
    let word = kind_word(record.kind);
    tell(
        &tx,
        state,
        &record,
        format!("Your {word} is withdrawn"),
        vec![format!(
            "You have withdrawn your {word}. Nothing more will be done about it."
        )],
        now,
    )
    .await?;
    let withdrawn = audit::event(
        Actor::User(candidate),
        Action::CaseWithdrawn,
        AuditTarget::Case,
        id,
        serde_json::json!({
            "before": {"state": current.state.as_ref()},
            "after": {"state": record.state.as_ref()},
        }),
    );
    audit::record(&tx, now, &[withdrawn]).await?;
    tx.commit().await?;
    Ok(record)
}

fn changed_meanwhile() -> CaseError {
    CaseError::WrongState("the case changed meanwhile; reload it and try again".into())
}

/// Cases for administrators, oldest first, by state and kind: `limit` at a time after
/// `cursor`.
pub async fn list(
    state: &AppState,
    case_state: Option<CaseState>,
    kind: Option<CaseKind>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<CaseRecord>, CaseError> {
    let rows = repo::page(&state.db, None, case_state, kind, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |c| c.id))
}

/// A case with its notes and history, for administrators.
pub async fn file(state: &AppState, id: Uuid) -> Result<CaseFile, CaseError> {
    let case = repo::find(&state.db, id)
        .await?
        .ok_or(CaseError::NotFound)?;
    let notes = repo::notes(&state.db, id).await?;
    let history = crate::persistence::audit::trail(
        &state.db,
        AuditTarget::Case.as_ref(),
        &id.to_string(),
        None,
        1000,
    )
    .await?;
    Ok(CaseFile {
        case,
        notes,
        history,
    })
}

/// Everyone who took part in what the case is about: the actors of its target's audit
/// trail (and, for a certificate, of the sitting it was issued for), and the recorded
/// decider of evidence.
async fn involved(db: &impl ConnectionTrait, case: &CaseRecord) -> Result<BTreeSet<Uuid>, DbErr> {
    let Some(target) = &case.target else {
        return Ok(BTreeSet::new());
    };
    let mut people = BTreeSet::new();
    match target.kind {
        TargetKind::Sitting => {
            people.extend(repo::actors_of(db, AuditTarget::Sitting.as_ref(), &target.id).await?);
        }
        TargetKind::Evidence => {
            people.extend(repo::actors_of(db, AuditTarget::Evidence.as_ref(), &target.id).await?);
            if let Ok(id) = target.id.parse()
                && let Some(e) = evidence_repo::find(db, id).await?
            {
                people.extend(e.decided_by);
            }
        }
        TargetKind::Certificate => {
            people
                .extend(repo::actors_of(db, AuditTarget::Certificate.as_ref(), &target.id).await?);
            if let Some(c) = certificate_repo::by_number(db, &target.id).await? {
                people.extend(
                    repo::actors_of(db, AuditTarget::Sitting.as_ref(), &c.sitting_id.to_string())
                        .await?,
                );
            }
        }
    }
    Ok(people)
}

/// Assigns a reviewer: an administrator who took no part in what the case is about.
pub async fn assign_reviewer(
    state: &AppState,
    id: Uuid,
    reviewer: Uuid,
    by: Uuid,
) -> Result<CaseRecord, CaseError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let current = repo::find(&tx, id).await?.ok_or(CaseError::NotFound)?;
    case::assign(current.state).map_err(CaseError::WrongState)?;
    let is_admin = users::find_by_id(&tx, reviewer)
        .await?
        .is_some_and(|u| u.disabled_at.is_none())
        && users::roles_of(&tx, reviewer).await?.contains(&Role::Admin);
    if !is_admin {
        return Err(FieldErrors::one("reviewer", "must be an administrator's account id").into());
    }
    case::check_reviewer(reviewer, &involved(&tx, &current).await?)
        .map_err(CaseError::ReviewerInvolved)?;
    if !repo::assign(&tx, id, reviewer, now).await? {
        return Err(changed_meanwhile());
    }
    let record = repo::find(&tx, id).await?.ok_or(CaseError::NotFound)?;
    if current.state == CaseState::Received {
        let word = kind_word(record.kind);
        tell(
            &tx,
            state,
            &record,
            format!("Your {word} is under review"),
            vec![format!(
                "Your {word} is now under review by an administrator who had no part in the matter. We will write to you with the decision and its reasons."
            )],
            now,
        )
        .await?;
    }
    let assigned = audit::event(
        Actor::User(by),
        Action::CaseReviewerAssigned,
        AuditTarget::Case,
        id,
        serde_json::json!({
            "before": {"state": current.state.as_ref(), "reviewer": current.reviewer_id},
            "after": {"state": record.state.as_ref(), "reviewer": reviewer},
        }),
    );
    audit::record(&tx, now, &[assigned]).await?;
    tx.commit().await?;
    Ok(record)
}

/// Adds a dated note to an open case.
pub async fn add_note(
    state: &AppState,
    id: Uuid,
    text: &str,
    by: Uuid,
) -> Result<CaseNote, CaseError> {
    let text = parse_text(text, case::REASONS_MAX).map_err(|m| FieldErrors::one("text", m))?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let current = repo::find(&tx, id).await?.ok_or(CaseError::NotFound)?;
    case::check_note(current.state).map_err(CaseError::WrongState)?;
    let note = CaseNote {
        id: Uuid::now_v7(),
        case_id: id,
        author_id: by,
        at: now,
        text,
    };
    repo::add_note(&tx, &note).await?;
    let added = audit::event(
        Actor::User(by),
        Action::CaseNoteAdded,
        AuditTarget::Case,
        id,
        serde_json::json!({"note": note.id, "text": note.text}),
    );
    audit::record(&tx, now, &[added]).await?;
    tx.commit().await?;
    Ok(note)
}

/// What the decision form sends, before it is checked against the case.
pub struct DecisionInput<'a> {
    pub outcome: CaseOutcome,
    pub reasons: Option<&'a str>,
    pub remedy: Option<Remedy>,
    pub remedy_detail: Option<&'a str>,
}

/// Decides a case under review, by its reviewer, with reasons; an upheld appeal's remedy
/// is recorded with it, and `reinstate_certificate` performed in the same transaction.
pub async fn decide(
    state: &AppState,
    id: Uuid,
    input: &DecisionInput<'_>,
    by: Uuid,
) -> Result<CaseRecord, CaseError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let current = repo::find(&tx, id).await?.ok_or(CaseError::NotFound)?;
    let decision = Decision::parse(
        &current,
        input.outcome,
        input.reasons,
        input.remedy,
        input.remedy_detail,
    )?;
    case::check_decide(&current, by).map_err(CaseError::WrongState)?;
    if !repo::decide(&tx, id, &decision, by, now).await? {
        return Err(changed_meanwhile());
    }
    let record = repo::find(&tx, id).await?.ok_or(CaseError::NotFound)?;
    let mut events = vec![audit::event(
        Actor::User(by),
        Action::CaseDecided,
        AuditTarget::Case,
        id,
        serde_json::json!({
            "before": {"state": current.state.as_ref()},
            "after": {"state": record.state.as_ref()},
            "reasons": decision.reasons,
            "remedy": decision.remedy.map(|r| r.as_ref().to_owned()),
            "remedy_detail": decision.remedy_detail,
        }),
    )];
    if let Some(remedy) = decision.remedy {
        let mut detail = serde_json::json!({"remedy": remedy.as_ref()});
        if remedy == Remedy::ReinstateCertificate
            && let Some(target) = &current.target
        {
            let private = format!("appeal {id} upheld: {}", decision.reasons);
            let (certificate, changed) =
                certificates::reinstate_on_appeal(&tx, &target.id, &private, by, now)
                    .await
                    .map_err(|e| match e {
                        CertificateError::NotAllowed(m) => CaseError::RemedyRefused(m),
                        CertificateError::NotFound => {
                            CaseError::NoSuchTarget(TargetKind::Certificate)
                        }
                        other => CaseError::Unexpected(other.into()),
                    })?;
            detail["certificate"] = serde_json::json!(certificate.number);
            detail["after"] = serde_json::json!({"status": certificate.status.as_ref()});
            events.push(changed);
        }
        events.push(audit::event(
            Actor::User(by),
            Action::CaseRemedyApplied,
            AuditTarget::Case,
            id,
            detail,
        ));
    }
    let word = kind_word(record.kind);
    let mut paragraphs = vec![match decision.outcome {
        CaseOutcome::Upheld => format!("Your {word} has been upheld."),
        CaseOutcome::Rejected => format!("Your {word} has not been upheld."),
    }];
    paragraphs.push(format!("The reasons: {}", decision.reasons));
    if let Some(remedy) = decision.remedy {
        paragraphs.push(remedy_sentence(remedy, decision.remedy_detail.as_deref()));
    }
    tell(
        &tx,
        state,
        &record,
        format!("The decision on your {word}"),
        paragraphs,
        now,
    )
    .await?;
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    tracing::info!(case = %id, outcome = decision.outcome.as_ref(), by = %by, "case decided");
    Ok(record)
}

/// What a remedy means, for the appellant.
pub fn remedy_sentence(remedy: Remedy, detail: Option<&str>) -> String {
    let base = match remedy {
        Remedy::ReinstateCertificate => "Your certificate is reinstated: it is valid again.",
        Remedy::Regrade => {
            "A key correction is needed: the paper will be rescored once it is made, and you will be told of the new result."
        }
        Remedy::ResitWithoutFee => "You may sit the paper again without a fee.",
        Remedy::Other => "The remedy:",
    };
    match detail {
        Some(d) => format!("{base} {d}"),
        None => base.to_owned(),
    }
}

/// Something of the candidate's an appeal can be lodged against, for the lodging form.
pub struct Appealable {
    pub kind: TargetKind,
    pub id: String,
    pub label: String,
    /// The last day of its appeal window.
    pub closes_on: time::Date,
}

/// The candidate's results and decisions, newest first: closed sittings, decided
/// evidence, suspended or revoked certificates.
pub async fn appealable(state: &AppState, candidate: Uuid) -> Result<Vec<Appealable>, CaseError> {
    let db = &state.db;
    let closes = |edition: Option<&str>, at: OffsetDateTime| {
        (at + time::Duration::days(i64::from(policy(state, edition).window_days))).date()
    };
    let mut out = Vec::new();
    for s in sitting_repo::of_candidate(db, candidate, None, 100).await? {
        if let (Some(sheet), Some(at)) = (&s.result, s.closed_at) {
            let title = state
                .catalog
                .qualification_title(&s.edition, &s.qualification_code);
            let outcome = if sheet.passed { "passed" } else { "not passed" };
            out.push(Appealable {
                kind: TargetKind::Sitting,
                id: s.id.to_string(),
                label: format!(
                    "Result of {title} on {}: {} of {}, {outcome}",
                    at.date(),
                    sheet.score,
                    sheet.max_score
                ),
                closes_on: closes(Some(&s.edition), at),
            });
        }
    }
    for e in evidence_repo::for_candidate(db, candidate)
        .await?
        .into_iter()
        .rev()
    {
        if let (true, Some(at)) = (e.status != EvidenceStatus::Pending, e.decided_at) {
            out.push(Appealable {
                kind: TargetKind::Evidence,
                id: e.id.to_string(),
                label: format!(
                    "Decision on your {} ({}) on {}",
                    e.claim.describe(),
                    e.status.as_ref(),
                    at.date()
                ),
                closes_on: closes(None, at),
            });
        }
    }
    for c in certificate_repo::of_candidate(db, candidate)
        .await?
        .into_iter()
        .rev()
    {
        if let (Some(at), false) = (
            c.status_changed_at,
            c.status == crate::domain::certificate::CertificateStatus::Valid,
        ) {
            out.push(Appealable {
                kind: TargetKind::Certificate,
                id: c.number.clone(),
                label: format!(
                    "Certificate {} {} on {}",
                    c.number,
                    c.status.as_ref(),
                    at.date()
                ),
                closes_on: closes(Some(&c.edition), at),
            });
        }
    }
    Ok(out)
}

/// The administrators who may review the case: enabled, and not involved in what it is
/// about.
pub async fn eligible_reviewers(
    state: &AppState,
    case: &CaseRecord,
) -> Result<Vec<(Uuid, String)>, CaseError> {
    let involved = involved(&state.db, case).await?;
    Ok(repo::administrators(&state.db)
        .await?
        .into_iter()
        .filter(|(id, _)| !involved.contains(id))
        .collect())
}
