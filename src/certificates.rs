//! Certificate use cases: issuing one inside the transaction that scores a passed
//! sitting, changing its status with a record of who, when and why, and re-issuing.

use std::sync::Arc;

use base64::Engine;
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::certificate::{self, CertificateNumber, CertificateStatus, StatusAction};
use crate::persistence::certificates::{self as repo, CertificateRecord};
use crate::persistence::sittings::SittingRecord;
use crate::persistence::{begin_write, users};
use crate::pools::Catalog;
use crate::signing::CertificateSigner;

/// What issuing needs: the signing key, the scheme (titles, number prefixes), the issuer.
#[derive(Clone)]
pub struct CertificateIssuer {
    pub signer: CertificateSigner,
    pub catalog: Arc<Catalog>,
    pub issuer_name: String,
}

/// An unguessable code for the public verification page (144 random bits).
fn verification_code() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues the certificate for a passed sitting, in the caller's transaction. The holder's
/// name is taken from their profile now; later changes to it never touch this certificate.
pub async fn issue(
    db: &impl ConnectionTrait,
    issuer: &CertificateIssuer,
    sitting: &SittingRecord,
    now: OffsetDateTime,
) -> Result<CertificateRecord, DbErr> {
    let holder = users::find_by_id(db, sitting.candidate_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(sitting.candidate_id.to_string()))?;
    issue_for(
        db,
        issuer,
        sitting,
        &format!("{} {}", holder.given_name, holder.family_name),
        None,
        now,
    )
    .await
}

async fn issue_for(
    db: &impl ConnectionTrait,
    issuer: &CertificateIssuer,
    sitting: &SittingRecord,
    holder_name: &str,
    id: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<CertificateRecord, DbErr> {
    let edition = issuer
        .catalog
        .edition(&sitting.edition)
        .ok_or_else(|| DbErr::Custom(format!("edition {} is not loaded", sitting.edition)))?;
    let qualification = edition
        .qualifications
        .iter()
        .find(|q| q.qualification.code == sitting.qualification_code)
        .ok_or_else(|| {
            DbErr::Custom(format!(
                "qualification {} is not loaded",
                sitting.qualification_code
            ))
        })?;
    let prefix = &qualification.qualification.certificate_prefix;
    let issued_on = now.date();
    let year = issued_on.year();
    let sequence = repo::next_sequence(db, prefix, year).await?;
    let number = CertificateNumber::new(prefix, year, sequence)
        .ok_or_else(|| DbErr::Custom(format!("bad certificate prefix {prefix}")))?;
    let mut record = CertificateRecord {
        id: id.unwrap_or_else(Uuid::now_v7),
        number: number.to_string(),
        verification_code: verification_code(),
        sitting_id: sitting.id,
        candidate_id: sitting.candidate_id,
        holder_name: holder_name.to_owned(),
        qualification: sitting.qualification_code.clone(),
        qualification_title: qualification.qualification.title.clone(),
        edition: sitting.edition.clone(),
        edition_title: edition.title.clone(),
        issued_on,
        issuer: issuer.issuer_name.clone(),
        kid: issuer.signer.kid.clone(),
        signature: String::new(),
        status: CertificateStatus::Valid,
        status_reason: None,
        status_changed_at: None,
        replaced_by: None,
        created_at: now,
    };
    record.signature = issuer.signer.sign(&record.signed_fields());
    repo::insert(db, &record).await?;
    repo::record_event(db, record.id, "issued", None, None, now).await?;
    tracing::info!(certificate = %record.number, sitting = %sitting.id, "certificate issued");
    Ok(record)
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no such certificate")]
    NotFound,
    #[error("{0}")]
    NotAllowed(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Suspends, reinstates or revokes, recording who, when and why: `public_reason` is what
/// verification shows, `private_reason` goes to the history only. One transaction.
pub async fn change_status(
    db: &sea_orm::DatabaseConnection,
    number: &str,
    action: StatusAction,
    public_reason: &str,
    private_reason: &str,
    actor: Uuid,
    now: OffsetDateTime,
) -> Result<CertificateRecord, ChangeError> {
    let reason = public_reason;
    let tx = begin_write(db).await?;
    let current = repo::by_number(&tx, number)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let next = certificate::apply(current.status, action).map_err(ChangeError::NotAllowed)?;
    if !repo::set_status(
        &tx,
        current.id,
        current.status,
        next,
        reason,
        current.replaced_by,
        now,
    )
    .await?
    {
        return Err(ChangeError::NotAllowed(
            "the certificate changed meanwhile; try again".into(),
        ));
    }
    let name = match action {
        StatusAction::Suspend => "suspended",
        StatusAction::Reinstate => "reinstated",
        StatusAction::Revoke => "revoked",
    };
    repo::record_event(&tx, current.id, name, Some(reason), Some(actor), now).await?;
    repo::record_event(
        &tx,
        current.id,
        "note",
        Some(private_reason),
        Some(actor),
        now,
    )
    .await?;
    let updated = repo::by_number(&tx, number)
        .await?
        .ok_or(ChangeError::NotFound)?;
    tx.commit().await?;
    Ok(updated)
}

/// Re-issues a certificate under the holder's current name: a new number, and the old
/// certificate revoked as replaced. Returns the new certificate.
pub async fn reissue(
    db: &sea_orm::DatabaseConnection,
    issuer: &CertificateIssuer,
    number: &str,
    reason: &str,
    actor: Uuid,
    now: OffsetDateTime,
) -> Result<CertificateRecord, ChangeError> {
    let tx = begin_write(db).await?;
    let old = repo::by_number(&tx, number)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if old.status == CertificateStatus::Revoked {
        return Err(ChangeError::NotAllowed(
            "a revoked certificate cannot be re-issued".into(),
        ));
    }
    let sitting = crate::persistence::sittings::find(&tx, old.sitting_id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let holder = users::find_by_id(&tx, old.candidate_id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let new_id = Uuid::now_v7();
    let replaced = format!("replaced by a re-issued certificate: {reason}");
    if !repo::set_status(
        &tx,
        old.id,
        old.status,
        CertificateStatus::Revoked,
        &replaced,
        Some(new_id),
        now,
    )
    .await?
    {
        return Err(ChangeError::NotAllowed(
            "the certificate changed meanwhile; try again".into(),
        ));
    }
    repo::record_event(&tx, old.id, "replaced", Some(reason), Some(actor), now).await?;
    let name = format!("{} {}", holder.given_name, holder.family_name);
    let new = issue_for(&tx, issuer, &sitting, &name, Some(new_id), now).await?;
    repo::record_event(
        &tx,
        new.id,
        "reissued",
        Some(&format!("replaces {}: {reason}", old.number)),
        Some(actor),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}
