//! Provisional results and the certification decision (ISO/IEC 17024 separates
//! recommending from deciding). Under a qualification's `confirmed` policy, closing a
//! sitting keeps its result provisional and issues no certificate; an examiner (an
//! administrator) records a recommendation, and a different administrator makes the
//! decision, which makes the result final, issues the certificate of a pass (as closing
//! does under the `automatic` policy) and e-mails the candidate. Both steps go to the
//! audit ledger.

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Action, Actor, TargetKind};
use super::{certificates, notifications};
use crate::domain::result_decision::{self, Decision, DecisionRecord, Stage, StepRefused};
use crate::domain::sitting::SittingRecord;
use crate::persistence::{begin_write, result_decisions as repo, sittings, users};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error("no such provisional result")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] StepRefused),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for DecisionError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// The results policy of the sitting's qualification (automatic if it is not loaded).
pub fn policy_of(state: &AppState, record: &SittingRecord) -> Decision {
    state
        .catalog
        .edition(&record.edition)
        .and_then(|e| {
            e.qualifications
                .iter()
                .find(|q| q.qualification.code == record.qualification_code)
        })
        .map(|q| q.qualification.results.decision)
        .unwrap_or_default()
}

/// Keeps the result of a sitting being closed provisional, in the closing transaction.
pub async fn keep_provisional(
    db: &impl ConnectionTrait,
    record: &SittingRecord,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    repo::insert(
        db,
        record.id,
        record.candidate_id,
        &record.qualification_code,
        now,
    )
    .await
}

/// A result awaiting its recommendation or decision, with what the administrator needs.
pub struct Awaiting {
    pub decision: DecisionRecord,
    pub sitting: SittingRecord,
    pub candidate_name: String,
    pub title: String,
}

/// The results awaiting a recommendation or a decision, oldest first.
pub async fn awaiting(state: &AppState, limit: u64) -> Result<Vec<Awaiting>, DecisionError> {
    let mut list = Vec::new();
    for decision in repo::awaiting(&state.db, limit).await? {
        let Some(sitting) = sittings::find(&state.db, decision.sitting_id).await? else {
            continue;
        };
        let candidate_name = users::find_by_id(&state.db, sitting.candidate_id)
            .await?
            .map(|u| format!("{} {}", u.given_name, u.family_name))
            .unwrap_or_default();
        let title = state
            .catalog
            .qualification_title(&sitting.edition, &sitting.qualification_code);
        list.push(Awaiting {
            decision,
            sitting,
            candidate_name,
            title,
        });
    }
    Ok(list)
}

/// The step's outcome: the decision as it now stands and the certificate it issued.
pub struct Stepped {
    pub decision: DecisionRecord,
    pub certificate_number: Option<String>,
}

/// The examiner's recommendation: the result is as scored. One transaction.
#[tracing::instrument(skip(state, note))]
pub async fn recommend(
    state: &AppState,
    sitting: Uuid,
    note: Option<&str>,
    by: Uuid,
) -> Result<Stepped, DecisionError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let current = repo::find(&tx, sitting)
        .await?
        .ok_or(DecisionError::NotFound)?;
    result_decision::check_recommend(&current)?;
    if !repo::recommend(&tx, sitting, by, note, now).await? {
        // Someone else recommended it meanwhile.
        return Err(StepRefused::AlreadyRecommended.into());
    }
    let record = sittings::find(&tx, sitting)
        .await?
        .ok_or(DecisionError::NotFound)?;
    let event = audit::event(
        Actor::User(by),
        Action::ResultRecommended,
        TargetKind::Sitting,
        sitting,
        serde_json::json!({
            "candidate": record.candidate_id,
            "qualification": record.qualification_code,
            "passed": record.result.as_ref().map(|r| r.passed),
            "score": record.result.as_ref().map(|r| r.score),
            "note": note,
            "before": {"stage": Stage::Provisional.as_ref()},
            "after": {"stage": Stage::Recommended.as_ref()},
        }),
    );
    audit::record(&tx, now, &[event]).await?;
    tx.commit().await?;
    tracing::info!(sitting = %sitting, by = %by, "result recommended");
    let decision = repo::find(&state.db, sitting)
        .await?
        .ok_or(DecisionError::NotFound)?;
    Ok(Stepped {
        decision,
        certificate_number: None,
    })
}

/// The certification decision by someone other than the examiner who recommended: the
/// result becomes final, a pass gets its certificate, and the candidate is e-mailed their
/// result. One transaction.
#[tracing::instrument(skip(state, note))]
pub async fn decide(
    state: &AppState,
    sitting: Uuid,
    note: Option<&str>,
    by: Uuid,
) -> Result<Stepped, DecisionError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let current = repo::find(&tx, sitting)
        .await?
        .ok_or(DecisionError::NotFound)?;
    result_decision::check_decide(&current, by)?;
    if !repo::decide(&tx, sitting, by, note, now).await? {
        return Err(StepRefused::AlreadyDecided.into());
    }
    let record = sittings::find(&tx, sitting)
        .await?
        .ok_or(DecisionError::NotFound)?;
    let passed = record.result.as_ref().is_some_and(|r| r.passed);
    let holder = users::find_by_id(&tx, record.candidate_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("sitting {sitting} has no candidate"))?;
    let mut events = vec![audit::event(
        Actor::User(by),
        Action::ResultDecided,
        TargetKind::Sitting,
        sitting,
        serde_json::json!({
            "candidate": record.candidate_id,
            "qualification": record.qualification_code,
            "passed": passed,
            "recommended_by": current.recommended_by,
            "note": note,
            "before": {"stage": Stage::Recommended.as_ref()},
            "after": {"stage": Stage::Decided.as_ref()},
        }),
    )];
    let certificate = if passed {
        let c = certificates::issue_to(&tx, state, &record, &holder, now).await?;
        events.push(certificates::issued_event(&c, Some(by)));
        Some(c.number)
    } else {
        None
    };
    notifications::queue_sitting_result_to(&tx, &record, &holder.email, now).await?;
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    tracing::info!(sitting = %sitting, by = %by, passed, "result decided");
    let decision = repo::find(&state.db, sitting)
        .await?
        .ok_or(DecisionError::NotFound)?;
    Ok(Stepped {
        decision,
        certificate_number: certificate,
    })
}
