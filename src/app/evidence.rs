//! Evidence toward prerequisites and what it makes a candidate eligible for: candidates
//! declare credentials and audit experience, administrators decide (and the candidate is
//! told by e-mail), administrators grant extra time.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use super::audit::{self, Action, Actor, TargetKind};
use super::notifications::{self, texts};
use super::paging::Page;
use crate::domain::account::User;
use crate::domain::certificate::CertificateStatus;
use crate::domain::eligibility::{self, Evidence, Requirement, RequirementKind, Rule};
use crate::domain::evidence::{
    Claim, DecisionRecord, EvidenceRecord, EvidenceStatus, ExtraTime, ExtraTimeGrant,
    MAX_PENDING_DECLARATIONS,
};
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::persistence::{atos, begin_write, certificates, evidence as repo, users};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("no such evidence")]
    NotFound,
    #[error("no such candidate")]
    NoSuchCandidate,
    #[error("this evidence has already been decided")]
    AlreadyDecided,
    #[error(
        "you have {MAX_PENDING_DECLARATIONS} declarations waiting for a decision; wait for those first"
    )]
    TooManyPending,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for EvidenceError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// What a candidate has proven, read inside the caller's transaction.
pub async fn evidence_of(db: &impl ConnectionTrait, candidate_id: Uuid) -> Result<Evidence, DbErr> {
    let (approved_credentials, approved_audit_years) = repo::approved(db, candidate_id).await?;
    let completed_courses = atos::courses_of_candidate(db, candidate_id)
        .await?
        .into_iter()
        .filter(|c| c.counts_toward_prerequisites())
        .map(|c| {
            let detail = c.describe();
            (c.course.qualification, detail)
        })
        .collect();
    // A pass counts while its certificate is valid: a suspended or revoked certificate
    // no longer opens the papers that build on it.
    let mut passed_qualifications = BTreeSet::new();
    let mut lapsed_passes = BTreeMap::new();
    for c in certificates::of_candidate(db, candidate_id).await? {
        match c.status {
            CertificateStatus::Valid => {
                passed_qualifications.insert(c.qualification);
            }
            CertificateStatus::Suspended | CertificateStatus::Revoked => {
                // A replacement (re-issue) is valid in its own right.
                if c.replaced_by.is_none() {
                    let status = c.status.as_ref().to_owned();
                    lapsed_passes.insert(
                        c.qualification,
                        format!("your certificate {} is {status}", c.number),
                    );
                }
            }
        }
    }
    for q in &passed_qualifications {
        lapsed_passes.remove(q);
    }
    Ok(Evidence {
        passed_qualifications,
        lapsed_passes,
        approved_credentials,
        approved_audit_years,
        completed_courses,
    })
}

/// A candidate's standing for one qualification of an open edition.
pub struct Standing {
    pub qualification: String,
    pub title: String,
    pub edition: String,
    pub rule: Rule,
    pub eligible: bool,
    /// Each met requirement with what satisfied it, where there is something to name.
    pub met: Vec<(Requirement, Option<String>)>,
    /// Each unmet requirement, with why where the candidate may not expect it.
    pub unmet: Vec<(Requirement, Option<String>)>,
    /// The resit rule that holds the candidate back now, if any (then not eligible).
    pub resit: Option<crate::domain::resits::Refusal>,
}

/// For every qualification of every open edition: eligible, and what is met and unmet.
pub async fn eligibility(
    state: &AppState,
    candidate_id: Uuid,
) -> Result<Vec<Standing>, EvidenceError> {
    let evidence = evidence_of(&state.db, candidate_id).await?;
    let mut refusals = super::resits::refusals(
        &state.db,
        state.catalog.offered().map(|(_, q)| &q.qualification),
        candidate_id,
        state.clock.now(),
    )
    .await?;
    Ok(state
        .catalog
        .offered()
        .map(|(e, q)| {
            let result = eligibility::evaluate(&q.qualification.prerequisites, &evidence);
            let resit = refusals.remove(&q.qualification.code);
            Standing {
                qualification: q.qualification.code.clone(),
                title: q.qualification.title.clone(),
                edition: e.edition.clone(),
                rule: q.qualification.prerequisites.rule,
                eligible: result.eligible && resit.is_none(),
                resit,
                met: result
                    .met
                    .into_iter()
                    .map(|r| {
                        let by = eligibility::satisfied_by(&r, &evidence);
                        (r, by)
                    })
                    .collect(),
                unmet: result
                    .unmet
                    .into_iter()
                    .map(|r| {
                        let why = eligibility::why_unmet(&r, &evidence);
                        (r, why)
                    })
                    .collect(),
            }
        })
        .collect())
}

/// The credential codes any open qualification accepts.
pub fn known_credentials(state: &AppState) -> Vec<String> {
    let mut codes: Vec<String> = state
        .catalog
        .offered()
        .flat_map(|(_, q)| q.qualification.prerequisites.requirements.iter())
        .filter_map(|r| match &r.kind {
            RequirementKind::Credential { credential } => Some(credential.clone()),
            _ => None,
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Records a declaration, pending an administrator's decision.
pub async fn declare(
    state: &AppState,
    candidate_id: Uuid,
    claim: &Claim,
) -> Result<EvidenceRecord, EvidenceError> {
    let tx = begin_write(&state.db).await?;
    let pending = repo::for_candidate(&tx, candidate_id)
        .await?
        .iter()
        .filter(|e| e.status == EvidenceStatus::Pending)
        .count();
    if pending >= MAX_PENDING_DECLARATIONS {
        return Err(EvidenceError::TooManyPending);
    }
    let record = repo::insert(&tx, candidate_id, claim, state.clock.now()).await?;
    tx.commit().await?;
    tracing::info!(evidence = %record.id, kind = claim.kind().as_ref(), "evidence declared");
    Ok(record)
}

/// What a candidate has declared, with its status, oldest first: `limit` at a time after
/// `cursor` (the last id of the previous page).
pub async fn of_candidate(
    state: &AppState,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<EvidenceRecord>, EvidenceError> {
    let rows = repo::page_of_candidate(&state.db, candidate_id, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |r| r.id))
}

/// Evidence with this status, oldest first, for administrators: `limit` at a time after
/// `cursor`.
pub async fn with_status(
    state: &AppState,
    status: EvidenceStatus,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<EvidenceRecord>, EvidenceError> {
    let rows = repo::with_status(&state.db, status, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |r| r.id))
}

/// Decides on evidence once, with who and when, and tells the candidate by e-mail in the
/// same transaction.
pub async fn decide(
    state: &AppState,
    id: Uuid,
    decision: &DecisionRecord,
    by: Uuid,
) -> Result<EvidenceRecord, EvidenceError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if repo::find(&tx, id).await?.is_none() {
        return Err(EvidenceError::NotFound);
    }
    if !repo::decide(
        &tx,
        id,
        decision.status,
        decision.reason.as_deref(),
        by,
        now,
    )
    .await?
    {
        return Err(EvidenceError::AlreadyDecided);
    }
    let record = repo::find(&tx, id).await?.ok_or(EvidenceError::NotFound)?;
    if let Some(candidate) = users::find_by_id(&tx, record.candidate_id).await? {
        let message = texts::evidence_decided(
            &candidate.email,
            &candidate.given_name,
            &record.claim.describe(),
            decision.status == EvidenceStatus::Approved,
            decision.reason.as_deref(),
        );
        notifications::queue(&tx, &message, now).await?;
    }
    let decided = audit::event(
        Actor::User(by),
        Action::EvidenceDecided,
        TargetKind::Evidence,
        id,
        serde_json::json!({
            "candidate": record.candidate_id,
            "claim": record.claim.describe(),
            "before": {"status": EvidenceStatus::Pending.as_ref()},
            "after": {"status": decision.status.as_ref()},
            "reason": decision.reason,
        }),
    );
    audit::record(&tx, now, &[decided]).await?;
    tx.commit().await?;
    tracing::info!(evidence = %id, decision = decision.status.as_ref(), by = %by, "evidence decided");
    Ok(record)
}

/// The account with this e-mail address, if any, for administrators looking someone up.
pub async fn find_account(
    state: &AppState,
    email: &EmailAddress,
) -> Result<Option<User>, EvidenceError> {
    Ok(users::find_by_email(&state.db, email).await?)
}

/// `id` if it names a candidate; `NoSuchCandidate` otherwise.
pub async fn candidate(state: &AppState, id: Uuid) -> Result<Uuid, EvidenceError> {
    let exists = users::find_by_id(&state.db, id).await?.is_some()
        && users::roles_of(&state.db, id)
            .await?
            .contains(&Role::Candidate);
    if exists {
        Ok(id)
    } else {
        Err(EvidenceError::NoSuchCandidate)
    }
}

/// Grants extra time for sittings started from now on; sittings in progress keep their
/// deadline.
pub async fn grant_extra_time(
    state: &AppState,
    candidate_id: Uuid,
    percent: ExtraTime,
    reason: String,
    by: Uuid,
) -> Result<ExtraTimeGrant, EvidenceError> {
    let candidate_id = candidate(state, candidate_id).await?;
    let grant = ExtraTimeGrant {
        id: Uuid::now_v7(),
        candidate_id,
        percent: percent.percent(),
        reason,
        granted_by: by,
        granted_at: state.clock.now(),
    };
    let tx = begin_write(&state.db).await?;
    let before = repo::current_extra_time(&tx, candidate_id).await?;
    repo::insert_grant(&tx, &grant).await?;
    let granted = audit::event(
        Actor::User(by),
        Action::ExtraTimeGranted,
        TargetKind::Account,
        candidate_id,
        serde_json::json!({
            "before": {"percent": before},
            "after": {"percent": grant.percent},
            "reason": grant.reason,
        }),
    );
    audit::record(&tx, grant.granted_at, &[granted]).await?;
    tx.commit().await?;
    tracing::info!(candidate = %candidate_id, percent = grant.percent, by = %by, "extra time granted");
    Ok(grant)
}

/// The grants, oldest first (the last is in force): `limit` at a time after `cursor`.
pub async fn extra_time_history(
    state: &AppState,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<ExtraTimeGrant>, EvidenceError> {
    let candidate_id = candidate(state, candidate_id).await?;
    let rows = repo::grant_page(&state.db, candidate_id, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |g| g.id))
}
