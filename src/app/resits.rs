//! The resit rules applied to a candidate: their previous sittings and certificates read
//! (inside the caller's transaction when starting a sitting), the domain decides.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::resits::{self, HeldCertificate, PreviousSitting, Refusal};
use crate::domain::scheme::Qualification;
use crate::persistence::{certificates, result_decisions as repo};

/// What the rules read of one candidate, for every qualification at once.
pub struct Record {
    sittings: Vec<repo::SittingHistory>,
    undecided: Vec<Uuid>,
    certificates: Vec<crate::domain::certificate::CertificateRecord>,
}

/// Reads the candidate's record (sittings, undecided results, certificates).
pub async fn record_of(db: &impl ConnectionTrait, candidate_id: Uuid) -> Result<Record, DbErr> {
    Ok(Record {
        sittings: repo::history_of(db, candidate_id).await?,
        undecided: repo::undecided_of(db, candidate_id).await?,
        certificates: certificates::of_candidate(db, candidate_id).await?,
    })
}

impl Record {
    /// Why the candidate may not sit `q` at `now`, if a resit rule says so.
    pub fn refusal(&self, q: &Qualification, now: OffsetDateTime) -> Option<Refusal> {
        let previous: Vec<PreviousSitting> = self
            .sittings
            .iter()
            .filter(|s| s.qualification == q.code)
            .map(|s| PreviousSitting {
                started_at: s.started_at,
                closed_at: s.closed_at,
                passed: s.passed,
                awaiting_decision: s.passed == Some(true) && self.undecided.contains(&s.id),
            })
            .collect();
        let held: Vec<HeldCertificate> = self
            .certificates
            .iter()
            .filter(|c| c.qualification == q.code && c.replaced_by.is_none())
            .map(|c| HeldCertificate {
                number: c.number.clone(),
                status: c.status,
                expires_on: c.expires_on,
                renewed: c.renewed_by.is_some(),
            })
            .collect();
        resits::decide(
            &q.title,
            q.resits.as_ref(),
            q.validity.as_ref(),
            &previous,
            &held,
            now,
        )
        .err()
    }
}

/// Why the candidate may not sit `q` now, read in the caller's transaction.
pub async fn refusal(
    db: &impl ConnectionTrait,
    q: &Qualification,
    candidate_id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<Refusal>, DbErr> {
    if q.resits.is_none() {
        return Ok(None);
    }
    Ok(record_of(db, candidate_id).await?.refusal(q, now))
}

/// The refusals of every qualification in `qualifications` with resit rules, by code.
pub async fn refusals<'a>(
    db: &impl ConnectionTrait,
    qualifications: impl Iterator<Item = &'a Qualification>,
    candidate_id: Uuid,
    now: OffsetDateTime,
) -> Result<BTreeMap<String, Refusal>, DbErr> {
    let ruled: Vec<&Qualification> = qualifications.filter(|q| q.resits.is_some()).collect();
    if ruled.is_empty() {
        return Ok(BTreeMap::new());
    }
    let record = record_of(db, candidate_id).await?;
    Ok(ruled
        .into_iter()
        .filter_map(|q| record.refusal(q, now).map(|r| (q.code.clone(), r)))
        .collect())
}
