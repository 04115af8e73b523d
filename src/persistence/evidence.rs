//! Declared evidence, decisions on it, and extra-time grants.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, IntoCondition},
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{evidence, extra_time_grants};
use super::paging;
use crate::domain::evidence::{Claim, ClaimKind, EvidenceRecord, EvidenceStatus, ExtraTimeGrant};

impl TryFrom<evidence::Model> for EvidenceRecord {
    type Error = DbErr;

    fn try_from(m: evidence::Model) -> Result<Self, DbErr> {
        let unreadable = || DbErr::Custom(format!("evidence {}: stored row is unreadable", m.id));
        let kind: ClaimKind = m.kind.parse().map_err(|_| unreadable())?;
        let claim = match kind {
            ClaimKind::Credential => Claim::Credential {
                credential: m.credential.clone().ok_or_else(unreadable)?,
                issuer: m.issuer.clone().unwrap_or_default(),
                certificate_number: m.certificate_number.clone().unwrap_or_default(),
                issued_on: m.issued_on.ok_or_else(unreadable)?,
            },
            ClaimKind::AuditExperience => Claim::AuditExperience {
                years: u32::try_from(m.years.unwrap_or_default()).unwrap_or_default(),
                description: m.description.clone().unwrap_or_default(),
            },
        };
        Ok(Self {
            id: m.id,
            candidate_id: m.candidate_id,
            claim,
            status: m
                .status
                .parse::<EvidenceStatus>()
                .ok()
                .ok_or_else(unreadable)?,
            submitted_at: m.submitted_at,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            decision_reason: m.decision_reason,
        })
    }
}

#[tracing::instrument(skip(db, claim))]
pub async fn insert(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    claim: &Claim,
    now: OffsetDateTime,
) -> Result<EvidenceRecord, DbErr> {
    let mut row = evidence::ActiveModel {
        id: Set(Uuid::now_v7()),
        candidate_id: Set(candidate_id),
        kind: Set(claim.kind().as_ref().to_owned()),
        credential: Set(None),
        issuer: Set(None),
        certificate_number: Set(None),
        issued_on: Set(None),
        years: Set(None),
        description: Set(None),
        status: Set(EvidenceStatus::Pending.as_ref().to_owned()),
        submitted_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
    };
    match claim {
        Claim::Credential {
            credential,
            issuer,
            certificate_number,
            issued_on,
        } => {
            row.credential = Set(Some(credential.clone()));
            row.issuer = Set(Some(issuer.clone()));
            row.certificate_number = Set(Some(certificate_number.clone()));
            row.issued_on = Set(Some(*issued_on));
        }
        Claim::AuditExperience { years, description } => {
            row.years = Set(Some(*years as i32));
            row.description = Set(Some(description.clone()));
        }
    }
    let id = *row.id.as_ref();
    evidence::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    find(db, id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(id.to_string()))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<EvidenceRecord>, DbErr> {
    evidence::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(EvidenceRecord::try_from)
        .transpose()
}

#[tracing::instrument(skip(db))]
pub async fn for_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<EvidenceRecord>, DbErr> {
    evidence::Entity::find()
        .filter(evidence::Column::CandidateId.eq(candidate_id))
        .order_by_asc(evidence::Column::SubmittedAt)
        .order_by_asc(evidence::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(EvidenceRecord::try_from)
        .collect()
}

/// A page of a candidate's declarations, oldest first, after `cursor`.
#[tracing::instrument(skip(db))]
pub async fn page_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<EvidenceRecord>, DbErr> {
    page(
        db,
        evidence::Column::CandidateId.eq(candidate_id),
        cursor,
        limit,
    )
    .await
}

/// A page of the evidence with this status, oldest first, after `cursor`.
#[tracing::instrument(skip(db))]
pub async fn with_status(
    db: &impl ConnectionTrait,
    status: EvidenceStatus,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<EvidenceRecord>, DbErr> {
    page(
        db,
        evidence::Column::Status.eq(status.as_ref()),
        cursor,
        limit,
    )
    .await
}

async fn page(
    db: &impl ConnectionTrait,
    condition: impl IntoCondition,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<EvidenceRecord>, DbErr> {
    let query = evidence::Entity::find().filter(condition);
    paging::oldest_first(query, evidence::Column::Id, cursor, limit)
        .all(db)
        .await?
        .into_iter()
        .map(EvidenceRecord::try_from)
        .collect()
}

/// Records a decision on pending evidence; false if it was not pending (already decided).
#[tracing::instrument(skip(db, reason))]
pub async fn decide(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: EvidenceStatus,
    reason: Option<&str>,
    decided_by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = evidence::Entity::update_many()
        .col_expr(evidence::Column::Status, Expr::value(status.as_ref()))
        .col_expr(evidence::Column::DecidedBy, Expr::value(decided_by))
        .col_expr(evidence::Column::DecidedAt, Expr::value(now))
        .col_expr(
            evidence::Column::DecisionReason,
            Expr::value(reason.map(str::to_owned)),
        )
        .filter(evidence::Column::Id.eq(id))
        .filter(evidence::Column::Status.eq(EvidenceStatus::Pending.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Approved credential kinds and the most years of approved audit experience.
pub async fn approved(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<(BTreeSet<String>, u32), DbErr> {
    let mut credentials = BTreeSet::new();
    let mut years = 0;
    for record in for_candidate(db, candidate_id).await? {
        if record.status != EvidenceStatus::Approved {
            continue;
        }
        match record.claim {
            Claim::Credential { credential, .. } => {
                credentials.insert(credential);
            }
            Claim::AuditExperience { years: y, .. } => years = years.max(y),
        }
    }
    Ok((credentials, years))
}

#[tracing::instrument(skip(db, grant))]
pub async fn insert_grant(db: &impl ConnectionTrait, grant: &ExtraTimeGrant) -> Result<(), DbErr> {
    extra_time_grants::Entity::insert(extra_time_grants::ActiveModel {
        id: Set(grant.id),
        candidate_id: Set(grant.candidate_id),
        percent: Set(grant.percent as i32),
        reason: Set(grant.reason.clone()),
        granted_by: Set(grant.granted_by),
        granted_at: Set(grant.granted_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

impl From<extra_time_grants::Model> for ExtraTimeGrant {
    fn from(m: extra_time_grants::Model) -> Self {
        Self {
            id: m.id,
            candidate_id: m.candidate_id,
            percent: u32::try_from(m.percent).unwrap_or_default(),
            reason: m.reason,
            granted_by: m.granted_by,
            granted_at: m.granted_at,
        }
    }
}

/// Every grant for a candidate, oldest first; the last one is in force.
#[tracing::instrument(skip(db))]
pub async fn grants_for(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<ExtraTimeGrant>, DbErr> {
    Ok(extra_time_grants::Entity::find()
        .filter(extra_time_grants::Column::CandidateId.eq(candidate_id))
        .order_by_asc(extra_time_grants::Column::GrantedAt)
        .order_by_asc(extra_time_grants::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(ExtraTimeGrant::from)
        .collect())
}

/// A page of a candidate's grants, oldest first, after `cursor`.
#[tracing::instrument(skip(db))]
pub async fn grant_page(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<ExtraTimeGrant>, DbErr> {
    let query = extra_time_grants::Entity::find()
        .filter(extra_time_grants::Column::CandidateId.eq(candidate_id));
    Ok(
        paging::oldest_first(query, extra_time_grants::Column::Id, cursor, limit)
            .all(db)
            .await?
            .into_iter()
            .map(ExtraTimeGrant::from)
            .collect(),
    )
}

/// The allowance in force: the latest grant's, or none.
pub async fn current_extra_time(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<u32, DbErr> {
    Ok(grants_for(db, candidate_id)
        .await?
        .last()
        .map(|g| g.percent)
        .unwrap_or(0))
}
