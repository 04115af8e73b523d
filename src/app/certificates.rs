//! Certificate use cases: issuing one inside the transaction that scores a passed
//! sitting; public verification; the holder's certificates, signed copies and Open
//! Badges credential; the opt-in public register; and the administrators' status changes
//! and re-issues, each recorded with who, when and why.

use std::net::IpAddr;

use base64::Engine;
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit;
use super::paging::Page;
use super::throttle::{self, Action, Throttled};
use crate::domain::audit::{Actor, TargetKind};
use crate::domain::certificate::{
    self, CertificateEvent, CertificateNumber, CertificateRecord, CertificateStatus, EventRecord,
    StatusAction, StatusPurpose, VerificationStatus,
};
use crate::domain::role::Role;
use crate::domain::sitting::SittingRecord;
use crate::persistence::certificates as repo;
use crate::persistence::{begin_write, sittings as sitting_repo, users};
use crate::signing::SignedCertificate;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("no such certificate")]
    NotFound,
    #[error("{0}")]
    NotAllowed(String),
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for CertificateError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// The sequence that hands out places in the status lists.
const STATUS_LIST_SEQUENCE: &str = "status-list";

/// The public address of the status list of `purpose`.
pub fn status_list_url(state: &AppState, purpose: StatusPurpose) -> String {
    format!(
        "{}/api/v1/certificates/status/{}",
        state.public_base_url(),
        purpose.as_ref()
    )
}

/// The status list of `purpose` as a W3C BitstringStatusListCredential, signed as a
/// VC-JWT with the certificate signing key. Built from the statuses now, so a suspension,
/// reinstatement or revocation shows at once.
pub async fn status_list(
    state: &AppState,
    purpose: StatusPurpose,
) -> Result<String, CertificateError> {
    use std::io::Write;
    let entries = repo::statuses(&state.db).await?;
    let bits = certificate::status_bits(&entries, purpose);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&bits).map_err(anyhow::Error::from)?;
    let compressed = gzip.finish().map_err(anyhow::Error::from)?;
    let url = status_list_url(state, purpose);
    let now = state.clock.now();
    let credential = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": state.public_base_url(),
        "validFrom": now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_ref(),
            "encodedList": format!("u{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed)),
        }
    });
    sign_vc(state, credential)
}

/// A credential signed as a VC-JWT (EdDSA, the certificate signing key, `kid` naming the
/// published key).
fn sign_vc(state: &AppState, credential: serde_json::Value) -> Result<String, CertificateError> {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(state.signer.kid.clone());
    header.typ = Some("vc+jwt".into());
    let mut claims = credential.clone();
    claims["iss"] = serde_json::json!(state.public_base_url());
    claims["jti"] = credential["id"].clone();
    claims["iat"] = serde_json::json!(state.clock.now().unix_timestamp());
    let key = jsonwebtoken::EncodingKey::from_ed_der(&state.signer.pkcs8_der()?);
    Ok(jsonwebtoken::encode(&header, &claims, &key).map_err(anyhow::Error::from)?)
}

/// An unguessable code for the public verification page (144 random bits).
fn verification_code() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The public verification page of a certificate (the QR code on the PDF opens it).
pub fn verification_url(state: &AppState, c: &CertificateRecord) -> String {
    format!("{}/verify/{}", state.public_base_url(), c.verification_code)
}

/// Issues the certificate for a passed sitting, in the caller's transaction. The holder's
/// name is taken from their profile now; later changes to it never touch this certificate.
/// Where the qualification's certificates expire, this one carries its expiry date, and
/// it renews the holder's latest certificate of the qualification that stands (not
/// revoked, not renewed yet): the new one names the old (`renews`), the old the new
/// (`renewed_by`).
pub async fn issue_to(
    db: &impl ConnectionTrait,
    state: &AppState,
    sitting: &SittingRecord,
    holder: &crate::domain::account::User,
    now: OffsetDateTime,
) -> Result<CertificateRecord, DbErr> {
    let validity = state
        .catalog
        .edition(&sitting.edition)
        .and_then(|e| {
            e.qualifications
                .iter()
                .find(|q| q.qualification.code == sitting.qualification_code)
        })
        .and_then(|q| q.qualification.validity);
    let renewed = match validity {
        Some(_) => repo::of_candidate(db, sitting.candidate_id)
            .await?
            .into_iter()
            .filter(|c| {
                c.qualification == sitting.qualification_code
                    && c.status != CertificateStatus::Revoked
                    && c.renewed_by.is_none()
            })
            .max_by_key(|c| (c.issued_on, c.created_at)),
        None => None,
    };
    let terms = Terms {
        expires_on: validity.map(|v| v.expires_on(now.date())),
        renews: renewed.as_ref().map(|c| c.number.clone()),
    };
    let name = format!("{} {}", holder.given_name, holder.family_name);
    let issued = issue_for(db, state, sitting, &name, None, terms, now).await?;
    if let Some(old) = renewed {
        if !repo::mark_renewed(db, old.id, &issued.number).await? {
            return Err(DbErr::Custom(format!(
                "certificate {} was renewed meanwhile",
                old.number
            )));
        }
        let why = format!("renewed by {}", issued.number);
        repo::record_event(db, old.id, CertificateEvent::Renewed, Some(&why), None, now).await?;
    }
    Ok(issued)
}

/// What a new certificate carries besides the sitting's facts.
struct Terms {
    expires_on: Option<time::Date>,
    renews: Option<String>,
}

async fn issue_for(
    db: &impl ConnectionTrait,
    state: &AppState,
    sitting: &SittingRecord,
    holder_name: &str,
    id: Option<Uuid>,
    terms: Terms,
    now: OffsetDateTime,
) -> Result<CertificateRecord, DbErr> {
    let edition = state
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
        issuer: edition.issuer(&state.issuer_name).to_owned(),
        kid: state.signer.kid.clone(),
        signature: String::new(),
        status: CertificateStatus::Valid,
        status_reason: None,
        status_changed_at: None,
        replaced_by: None,
        created_at: now,
        status_index: Some(repo::next_sequence(db, STATUS_LIST_SEQUENCE, 0).await? - 1),
        expires_on: terms.expires_on,
        renews: terms.renews,
        renewed_by: None,
    };
    record.signature = state.signer.sign(&record.signed_fields());
    repo::insert(db, &record).await?;
    repo::record_event(db, record.id, CertificateEvent::Issued, None, None, now).await?;
    tracing::info!(certificate = %record.number, sitting = %sitting.id, "certificate issued");
    Ok(record)
}

/// The audit event of a certificate's issue (by the server when a pass is scored, by
/// `by` when an administrator re-issues).
pub fn issued_event(c: &CertificateRecord, by: Option<Uuid>) -> crate::domain::audit::Event {
    let mut event = audit::event(
        by.map_or(Actor::System, Actor::User),
        audit::Action::CertificateIssued,
        TargetKind::Certificate,
        &c.number,
        serde_json::json!({
            "sitting": c.sitting_id,
            "holder": c.candidate_id,
            "qualification": c.qualification,
            "edition": c.edition,
            "issued_on": c.issued_on.to_string(),
            "kid": c.kid,
        }),
    );
    // Only certificates that expire or renew another say so, as before this existed.
    if let Some(detail) = event.detail.as_object_mut() {
        if let Some(expires_on) = c.expires_on {
            detail.insert("expires_on".into(), expires_on.to_string().into());
        }
        if let Some(renews) = &c.renews {
            detail.insert("renews".into(), renews.clone().into());
        }
    }
    event
}

/// What public verification by number may say of a certificate.
pub struct Verification {
    pub certificate: CertificateRecord,
    /// Whether the holder may be named: they opted in to the public register, or the
    /// verifier gave their family name and it matches.
    pub holder_named: bool,
    /// Whether the family name the verifier gave is the holder's (`None` if none given).
    pub family_name_matches: Option<bool>,
    /// The holder's personal data was erased at their request: the certificate still
    /// answers its status, but never a name.
    pub holder_erased: bool,
}

/// Public verification by number; `NotFound` for a number no certificate has. The
/// holder's name is disclosed only to a verifier who already knows it (their family
/// name matches) or when the holder chose to be listed.
pub async fn verify(
    state: &AppState,
    client: IpAddr,
    number: &CertificateNumber,
    family_name: Option<&str>,
) -> Result<Verification, CertificateError> {
    throttle::admit(state, Action::Verification, client).await?;
    let certificate = repo::by_number(&state.db, number.as_ref())
        .await?
        .ok_or(CertificateError::NotFound)?;
    let family_name_matches =
        family_name.map(|f| certificate::family_name_matches(&certificate.holder_name, f));
    let holder_erased = holder_erased(state, &certificate).await?;
    let family_name_matches = family_name_matches.filter(|_| !holder_erased);
    let holder_named = !holder_erased
        && (family_name_matches == Some(true)
            || repo::is_listed(&state.db, certificate.candidate_id).await?);
    Ok(Verification {
        certificate,
        holder_named,
        family_name_matches,
        holder_erased,
    })
}

/// Whether the holder of `c` had their personal data erased at their request.
pub async fn holder_erased(
    state: &AppState,
    c: &CertificateRecord,
) -> Result<bool, CertificateError> {
    Ok(
        crate::persistence::users::find_by_id(&state.db, c.candidate_id)
            .await?
            .is_some_and(|u| u.erased_at.is_some()),
    )
}

/// The certificate a verification link (the QR code) names, if any.
pub async fn by_verification_code(
    state: &AppState,
    client: IpAddr,
    code: &str,
) -> Result<Option<CertificateRecord>, CertificateError> {
    throttle::admit(state, Action::Verification, client).await?;
    Ok(repo::by_code(&state.db, code).await?)
}

/// The candidate's own certificates, oldest first: `limit` at a time after `cursor` (the
/// last id of the previous page).
pub async fn of_holder(
    state: &AppState,
    candidate_id: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<CertificateRecord>, CertificateError> {
    let rows = repo::page_of_candidate(&state.db, candidate_id, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |c| c.id))
}

/// The certificate if `user` holds it or is an administrator; `NotFound` for anyone else,
/// so another holder's number tells nothing.
pub async fn held_by(
    state: &AppState,
    user: Uuid,
    roles: &[Role],
    raw_number: &str,
) -> Result<CertificateRecord, CertificateError> {
    let number = CertificateNumber::parse(raw_number).map_err(|_| CertificateError::NotFound)?;
    repo::by_number(&state.db, number.as_ref())
        .await?
        .filter(|c| c.candidate_id == user || roles.contains(&Role::Admin))
        .ok_or(CertificateError::NotFound)
}

/// The signed fields of a certificate, for offline verification with the published keys.
pub fn signed_copy(c: &CertificateRecord) -> SignedCertificate {
    SignedCertificate {
        certificate: c.signed_fields(),
        kid: c.kid.clone(),
        signature: c.signature.clone(),
    }
}

/// The OpenBadgeCredential (Open Badges 3.0) of a certificate. Its `credentialStatus`
/// points at the public verification endpoint, so the badge's status is always the
/// certificate's status.
/// `identity` is the holder's identifier as Open Badges 3.0 defines it: a salted hash of
/// their e-mail address, so the credential names its subject without carrying the address.
pub fn open_badge(
    state: &AppState,
    c: &CertificateRecord,
    identity: serde_json::Value,
) -> serde_json::Value {
    let base = state.public_base_url();
    let mut badge = serde_json::json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("{base}/verify/{}", c.verification_code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": base, "type": ["Profile"], "name": c.issuer},
        "validFrom": format!("{}T00:00:00Z", c.issued_on),
        "name": c.qualification_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": c.holder_name,
            "achievement": {
                "id": format!("{base}/achievements/{}/{}", c.qualification, c.edition),
                "type": ["Achievement"],
                "name": c.qualification_title,
                "description": format!("Passed the {} examination based on {}.", c.qualification_title, c.edition_title),
                "criteria": {"narrative": format!("Pass the {} examination set by {}.", c.qualification_title, c.issuer)}
            },
            "identifier": [identity]
        },
        "credentialStatus": status_entries(state, c),
        "certificateStatus": c.status.as_ref()
    });
    // Only a certificate that expires says until when (a null would not be a date).
    if let (Some(expires_on), Some(fields)) = (c.expires_on, badge.as_object_mut()) {
        fields.insert(
            "validUntil".into(),
            format!("{expires_on}T00:00:00Z").into(),
        );
    }
    badge
}

/// Where a verifier checks the certificate's status: one `BitstringStatusListEntry` per
/// purpose (revocation and suspension) in the published lists.
fn status_entries(state: &AppState, c: &CertificateRecord) -> serde_json::Value {
    let Some(index) = c.status_index else {
        return serde_json::json!([]);
    };
    [StatusPurpose::Revocation, StatusPurpose::Suspension]
        .iter()
        .map(|purpose| {
            let list = status_list_url(state, *purpose);
            serde_json::json!({
                "id": format!("{list}#{index}"),
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose.as_ref(),
                "statusListIndex": index.to_string(),
                "statusListCredential": list,
            })
        })
        .collect()
}

/// The holder's e-mail address as an Open Badges `IdentityObject`: `sha256$` and the hex
/// SHA-256 of the address followed by a fresh random salt, which travels with it.
fn salted_identity(email: &str) -> serde_json::Value {
    use sha2::{Digest, Sha256};
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = hex::encode(salt);
    let hash = hex::encode(Sha256::digest(
        format!("{}{salt}", email.to_lowercase()).as_bytes(),
    ));
    serde_json::json!({
        "type": "IdentityObject",
        "identityHash": format!("sha256${hash}"),
        "identityType": "emailAddress",
        "hashed": true,
        "salt": salt,
    })
}

/// The Open Badges credential and the same credential signed as a VC-JWT (EdDSA, with the
/// certificate signing key; `kid` names the published key). Only a valid certificate has
/// one: a badge of a suspended or revoked certificate would outlive its status.
pub async fn signed_badge(
    state: &AppState,
    c: &CertificateRecord,
) -> Result<(serde_json::Value, String), CertificateError> {
    let status = c.status_on(state.clock.now().date());
    if status != VerificationStatus::Valid {
        return Err(CertificateError::NotAllowed(format!(
            "the certificate is {}: only a valid certificate has an Open Badges credential",
            status.as_ref()
        )));
    }
    let holder = users::find_by_id(&state.db, c.candidate_id)
        .await?
        .ok_or(CertificateError::NotFound)?;
    let credential = open_badge(state, c, salted_identity(&holder.email));
    let jwt = sign_vc(state, credential.clone())?;
    Ok((credential, jwt))
}

/// The holder's choice to be listed in the public register (or not).
pub async fn set_listing(
    state: &AppState,
    candidate_id: Uuid,
    listed: bool,
) -> Result<(), CertificateError> {
    let tx = begin_write(&state.db).await?;
    repo::set_listed(&tx, candidate_id, listed, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Listed holders' certificates by (part of) a family name or a number.
pub async fn search_register(
    state: &AppState,
    client: IpAddr,
    family_name: Option<&str>,
    number: Option<&CertificateNumber>,
) -> Result<Vec<CertificateRecord>, CertificateError> {
    throttle::admit(state, Action::Verification, client).await?;
    Ok(repo::search_register(&state.db, family_name, number.map(|n| n.as_ref()), 50).await?)
}

/// A certificate's history, oldest first.
pub async fn history(
    state: &AppState,
    c: &CertificateRecord,
) -> Result<Vec<EventRecord>, CertificateError> {
    Ok(repo::events(&state.db, c.id).await?)
}

/// Suspends, reinstates or revokes, recording who, when and why: `public_reason` is what
/// verification shows (a neutral sentence when not given), `private_reason` goes to the
/// history only. One transaction.
pub async fn change_status(
    state: &AppState,
    number: &CertificateNumber,
    action: StatusAction,
    public_reason: Option<&str>,
    private_reason: &str,
    actor: Uuid,
) -> Result<CertificateRecord, CertificateError> {
    let now = state.clock.now();
    let reason = public_reason.unwrap_or(action.default_public_reason());
    let tx = begin_write(&state.db).await?;
    let current = repo::by_number(&tx, number.as_ref())
        .await?
        .ok_or(CertificateError::NotFound)?;
    let next = certificate::apply(current.status, action).map_err(CertificateError::NotAllowed)?;
    let change = StatusChange {
        next,
        event: action.event(),
        public_reason: reason,
        private_reason,
    };
    let (updated, changed) = write_status(&tx, &current, &change, actor, now).await?;
    audit::record(&tx, now, &[changed]).await?;
    tx.commit().await?;
    tracing::info!(certificate = %updated.number, ?action, by = %actor, "certificate status changed");
    Ok(updated)
}

/// A status change to write: the new status, its history entry and both reasons.
pub struct StatusChange<'a> {
    pub next: CertificateStatus,
    pub event: CertificateEvent,
    pub public_reason: &'a str,
    pub private_reason: &'a str,
}

/// Writes a status change of `current` in the caller's transaction (guarded on the status
/// it had), with its history entries; returns the certificate as changed and the audit
/// event to record.
async fn write_status(
    db: &impl ConnectionTrait,
    current: &CertificateRecord,
    change: &StatusChange<'_>,
    actor: Uuid,
    now: OffsetDateTime,
) -> Result<(CertificateRecord, crate::domain::audit::Event), CertificateError> {
    if !repo::set_status(
        db,
        current.id,
        current.status,
        change.next,
        change.public_reason,
        current.replaced_by,
        now,
    )
    .await?
    {
        return Err(changed_meanwhile());
    }
    repo::record_event(
        db,
        current.id,
        change.event,
        Some(change.public_reason),
        Some(actor),
        now,
    )
    .await?;
    repo::record_event(
        db,
        current.id,
        CertificateEvent::Note,
        Some(change.private_reason),
        Some(actor),
        now,
    )
    .await?;
    let updated = repo::by_number(db, &current.number)
        .await?
        .ok_or(CertificateError::NotFound)?;
    let changed = audit::event(
        Actor::User(actor),
        audit::Action::CertificateStatusChanged,
        TargetKind::Certificate,
        &updated.number,
        serde_json::json!({
            "action": change.event.as_ref(),
            "before": {"status": current.status.as_ref()},
            "after": {"status": updated.status.as_ref()},
            "public_reason": change.public_reason,
            "private_reason": change.private_reason,
        }),
    );
    Ok((updated, changed))
}

/// Reinstates a suspended or revoked certificate in the caller's transaction, as an
/// upheld appeal's remedy (the one way a revoked certificate becomes valid again): the
/// same write, history and audit event as any status change.
pub async fn reinstate_on_appeal(
    db: &impl ConnectionTrait,
    number: &str,
    private_reason: &str,
    actor: Uuid,
    now: OffsetDateTime,
) -> Result<(CertificateRecord, crate::domain::audit::Event), CertificateError> {
    let current = repo::by_number(db, number)
        .await?
        .ok_or(CertificateError::NotFound)?;
    crate::domain::case::check_reinstatement(current.status, current.replaced_by.is_some())
        .map_err(CertificateError::NotAllowed)?;
    let change = StatusChange {
        next: CertificateStatus::Valid,
        event: CertificateEvent::Reinstated,
        public_reason: "Reinstated after an appeal was upheld",
        private_reason,
    };
    write_status(db, &current, &change, actor, now).await
}

fn changed_meanwhile() -> CertificateError {
    CertificateError::NotAllowed("the certificate changed meanwhile; try again".into())
}

/// Re-issues a certificate under the holder's current name: a new number, and the old
/// certificate revoked as replaced. Returns the new certificate.
pub async fn reissue(
    state: &AppState,
    number: &CertificateNumber,
    reason: &str,
    actor: Uuid,
) -> Result<CertificateRecord, CertificateError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let old = repo::by_number(&tx, number.as_ref())
        .await?
        .ok_or(CertificateError::NotFound)?;
    certificate::check_reissue(old.status).map_err(CertificateError::NotAllowed)?;
    let sitting = sitting_repo::find(&tx, old.sitting_id)
        .await?
        .ok_or(CertificateError::NotFound)?;
    let holder = users::find_by_id(&tx, old.candidate_id)
        .await?
        .ok_or(CertificateError::NotFound)?;
    let new_id = Uuid::now_v7();
    // What verification shows is neutral; the administrator's reason stays in the history.
    let replaced = "replaced by a re-issued certificate";
    if !repo::set_status(
        &tx,
        old.id,
        old.status,
        CertificateStatus::Revoked,
        replaced,
        Some(new_id),
        now,
    )
    .await?
    {
        return Err(changed_meanwhile());
    }
    repo::record_event(
        &tx,
        old.id,
        CertificateEvent::Replaced,
        Some(reason),
        Some(actor),
        now,
    )
    .await?;
    let name = format!("{} {}", holder.given_name, holder.family_name);
    // A re-issue changes the name, never the validity or the renewal it was.
    let terms = Terms {
        expires_on: old.expires_on,
        renews: old.renews.clone(),
    };
    let new = issue_for(&tx, state, &sitting, &name, Some(new_id), terms, now).await?;
    repo::record_event(
        &tx,
        new.id,
        CertificateEvent::Reissued,
        Some(&format!("replaces {}: {reason}", old.number)),
        Some(actor),
        now,
    )
    .await?;
    let events = [
        audit::event(
            Actor::User(actor),
            audit::Action::CertificateReissued,
            TargetKind::Certificate,
            &old.number,
            serde_json::json!({
                "reason": reason,
                "before": {"status": old.status.as_ref()},
                "after": {"status": CertificateStatus::Revoked.as_ref(), "replaced_by": new.number},
            }),
        ),
        issued_event(&new, Some(actor)),
    ];
    audit::record(&tx, now, &events).await?;
    tx.commit().await?;
    Ok(new)
}

throttle::throttled_into!(CertificateError);

/// Whether the holder chose to be listed in the public register.
pub async fn is_listed(state: &AppState, candidate_id: Uuid) -> Result<bool, CertificateError> {
    Ok(repo::is_listed(&state.db, candidate_id).await?)
}
