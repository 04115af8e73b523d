//! Training organizations: administrators record them, accredit them per qualification
//! and suspend or withdraw an accreditation; staff are invited (by an administrator or a
//! colleague) and accept by choosing a password. Each runs in one transaction, with its
//! e-mail queued in it. A staff member reaches only their own organization.

use sea_orm::DbErr;
use secrecy::SecretString;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Actor, TargetKind};
use super::links::{NewInvitation, store_invitation};
use super::notifications::{self, texts};
use super::paging::Page;
use super::throttle::{self, Action, Throttled};
use crate::auth::tokens::hash_refresh_token;
use crate::domain::ato::{
    AccreditationEnding, AccreditationRecord, AccreditationStatus, AtoRecord, InvitationKind,
    NewAccreditation, NewAto,
};
use crate::domain::role::Role;
use crate::domain::values::{EmailAddress, NewPassword, PersonName};
use crate::persistence::{atos, begin_write, certification_bodies, users};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum AtoError {
    #[error("you are not staff of a training organization")]
    NotStaff,
    #[error("no such training organization")]
    NoSuchAto,
    #[error("no such accreditation")]
    NoSuchAccreditation,
    #[error("this accreditation is already suspended or withdrawn")]
    NotActive,
    #[error("this address already has an Invigilator account; staff accounts are separate")]
    HasAccount,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for AtoError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// An organization with its accreditations, oldest first.
pub struct AtoProfile {
    pub ato: AtoRecord,
    pub accreditations: Vec<AccreditationRecord>,
}

async fn profile_of(state: &AppState, ato: AtoRecord) -> Result<AtoProfile, AtoError> {
    let accreditations = atos::accreditations_of(&state.db, ato.id).await?;
    Ok(AtoProfile {
        ato,
        accreditations,
    })
}

/// The organization a staff member works for; `NotStaff` for anyone else.
pub async fn ato_of_staff(state: &AppState, staff: Uuid) -> Result<AtoRecord, AtoError> {
    let id = atos::ato_of_staff(&state.db, staff)
        .await?
        .ok_or(AtoError::NotStaff)?;
    atos::find_ato(&state.db, id)
        .await?
        .ok_or(AtoError::NotStaff)
}

/// The caller's own organization with its accreditations.
pub async fn own_profile(state: &AppState, staff: Uuid) -> Result<AtoProfile, AtoError> {
    let ato = ato_of_staff(state, staff).await?;
    profile_of(state, ato).await
}

async fn find(state: &AppState, id: Uuid) -> Result<AtoRecord, AtoError> {
    atos::find_ato(&state.db, id)
        .await?
        .ok_or(AtoError::NoSuchAto)
}

/// An administrator records a training organization.
pub async fn create(state: &AppState, new: NewAto) -> Result<AtoProfile, AtoError> {
    let ato = AtoRecord {
        id: Uuid::now_v7(),
        name: new.name,
        country: new.country.as_ref().to_owned(),
        contact_email: new.contact_email.to_string(),
        created_at: state.clock.now(),
    };
    let tx = begin_write(&state.db).await?;
    atos::insert_ato(&tx, &ato).await?;
    tx.commit().await?;
    profile_of(state, ato).await
}

/// The organizations with their accreditations, by name: `limit` at a time after
/// `cursor` (the last id of the previous page).
pub async fn list(
    state: &AppState,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<AtoProfile>, AtoError> {
    let rows = atos::list_atos(&state.db, cursor, limit + 1).await?;
    Page::cut(rows, limit, |a| a.id)
        .try_map(|ato| profile_of(state, ato))
        .await
}

/// One line of the public directory: an organization accredited today for a
/// qualification's course.
pub struct DirectoryEntry {
    pub name: String,
    pub country: String,
    pub contact_email: String,
    pub qualification: String,
    pub valid_from: time::Date,
    pub valid_until: time::Date,
}

/// The organizations accredited on the server's today, by name: for `qualification` when
/// given, and in `country` (ISO code, any case) when given. Suspended, withdrawn, expired
/// and future accreditations are left out.
pub async fn directory(
    state: &AppState,
    qualification: Option<&str>,
    country: Option<&str>,
) -> Result<Vec<DirectoryEntry>, AtoError> {
    let today = state.clock.now().date();
    let (organizations, accreditations) = atos::active_accreditations(&state.db).await?;
    let mut entries = Vec::new();
    for ato in organizations
        .iter()
        .filter(|a| country.is_none_or(|c| a.country.eq_ignore_ascii_case(c.trim())))
    {
        for acc in accreditations.iter().filter(|acc| {
            acc.ato_id == ato.id
                && acc.period.valid_from <= today
                && today <= acc.period.valid_until
                && qualification.is_none_or(|q| acc.period.qualification == q)
        }) {
            entries.push(DirectoryEntry {
                name: ato.name.clone(),
                country: ato.country.clone(),
                contact_email: ato.contact_email.clone(),
                qualification: acc.period.qualification.clone(),
                valid_from: acc.period.valid_from,
                valid_until: acc.period.valid_until,
            });
        }
    }
    Ok(entries)
}

/// One organization, for administrators.
pub async fn get(state: &AppState, id: Uuid) -> Result<AtoProfile, AtoError> {
    let ato = find(state, id).await?;
    profile_of(state, ato).await
}

/// Accredits an organization's course for one qualification, for a period.
pub async fn accredit(
    state: &AppState,
    ato_id: Uuid,
    new: NewAccreditation,
    by: Uuid,
) -> Result<AtoProfile, AtoError> {
    let ato = find(state, ato_id).await?;
    let record = AccreditationRecord {
        id: Uuid::now_v7(),
        ato_id: ato.id,
        period: crate::domain::ato::Accreditation {
            qualification: new.qualification,
            valid_from: new.valid_from,
            valid_until: new.valid_until,
            ended_on: None,
        },
        status: AccreditationStatus::Active,
        status_reason: None,
        status_changed_by: None,
        status_changed_at: None,
        created_by: by,
        created_at: state.clock.now(),
    };
    let tx = begin_write(&state.db).await?;
    atos::insert_accreditation(&tx, &record).await?;
    let accredited = audit::event(
        Actor::User(by),
        audit::Action::Accredited,
        TargetKind::Ato,
        ato.id,
        serde_json::json!({
            "accreditation": record.id,
            "qualification": record.period.qualification,
            "valid_from": record.period.valid_from.to_string(),
            "valid_until": record.period.valid_until.to_string(),
        }),
    );
    audit::record(&tx, record.created_at, &[accredited]).await?;
    tx.commit().await?;
    profile_of(state, ato).await
}

/// Suspends or withdraws an active accreditation from today, with who, when and why.
pub async fn end_accreditation(
    state: &AppState,
    ato_id: Uuid,
    accreditation_id: Uuid,
    ending: AccreditationEnding,
    by: Uuid,
) -> Result<AtoProfile, AtoError> {
    let ato = find(state, ato_id).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if !atos::accreditations_of(&tx, ato.id)
        .await?
        .iter()
        .any(|a| a.id == accreditation_id)
    {
        return Err(AtoError::NoSuchAccreditation);
    }
    if !atos::end_accreditation(
        &tx,
        accreditation_id,
        ato.id,
        ending.status,
        &ending.reason,
        now.date(),
        by,
        now,
    )
    .await?
    {
        return Err(AtoError::NotActive);
    }
    let ended = audit::event(
        Actor::User(by),
        audit::Action::AccreditationEnded,
        TargetKind::Ato,
        ato.id,
        serde_json::json!({
            "accreditation": accreditation_id,
            "before": {"status": AccreditationStatus::Active.as_ref()},
            "after": {"status": ending.status.as_ref()},
            "reason": ending.reason,
        }),
    );
    audit::record(&tx, now, &[ended]).await?;
    tx.commit().await?;
    tracing::info!(ato = %ato.id, accreditation = %accreditation_id, status = ending.status.as_ref(), by = %by, "accreditation ended");
    profile_of(state, ato).await
}

/// An administrator invites a staff member of any organization; returns when the
/// invitation expires.
pub async fn invite_staff_of(
    state: &AppState,
    ato_id: Uuid,
    email: &EmailAddress,
    by: Uuid,
) -> Result<OffsetDateTime, AtoError> {
    let ato = find(state, ato_id).await?;
    invite_staff(state, &ato, email, by).await
}

/// A staff member invites a colleague to their own organization.
pub async fn invite_colleague(
    state: &AppState,
    staff: Uuid,
    email: &EmailAddress,
) -> Result<OffsetDateTime, AtoError> {
    let ato = ato_of_staff(state, staff).await?;
    invite_staff(state, &ato, email, staff).await
}

#[tracing::instrument(skip(state))]
async fn invite_staff(
    state: &AppState,
    ato: &AtoRecord,
    email: &EmailAddress,
    by: Uuid,
) -> Result<OffsetDateTime, AtoError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if users::find_by_email(&tx, email).await?.is_some() {
        return Err(AtoError::HasAccount);
    }
    let invitation = NewInvitation {
        kind: InvitationKind::AtoStaff,
        email,
        ato_id: Some(ato.id),
        user_id: None,
        enrolment_id: None,
        certification_body_id: None,
        by: Some(by),
        valid_for: state.invitation_ttl,
    };
    let (token, expires_at) = store_invitation(&tx, invitation, now).await?;
    let message = texts::staff_invitation(
        state.public_base_url(),
        email.as_ref(),
        &ato.name,
        &token,
        expires_at,
    );
    notifications::queue(&tx, &message, now).await?;
    tx.commit().await?;
    Ok(expires_at)
}

#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("this invitation link is not valid, has been used, or has expired")]
    Invalid,
    #[error("given_name and family_name are needed to open a staff account")]
    NamesRequired,
    #[error("this address already has an Invigilator account")]
    HasAccount,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for AcceptError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// Uses an invitation: a staff invitation opens a staff account; a delegate invitation
/// sets the password of the account opened at enrolment. Returns the account's id.
#[tracing::instrument(skip_all)]
pub async fn accept(
    state: &AppState,
    client: std::net::IpAddr,
    token: &str,
    password: NewPassword,
    names: Option<(PersonName, PersonName)>,
) -> Result<Uuid, AcceptError> {
    throttle::admit(state, Action::Link, client).await?;
    let (db, hasher, now) = (&state.db, &state.passwords, state.clock.now());
    let hash = hash_refresh_token(token);
    let invitation = atos::find_invitation(db, &hash)
        .await?
        .ok_or(AcceptError::Invalid)?;
    // Only invitations that open or take up an account are used here; an enrolment
    // request, a verification or a reset link has its own use case.
    if invitation.accepted_at.is_some()
        || invitation.expires_at <= now
        || !matches!(
            invitation.kind,
            InvitationKind::AtoStaff | InvitationKind::Delegate | InvitationKind::RcbStaff
        )
    {
        return Err(AcceptError::Invalid);
    }
    if matches!(
        invitation.kind,
        InvitationKind::AtoStaff | InvitationKind::RcbStaff
    ) && names.is_none()
    {
        return Err(AcceptError::NamesRequired);
    }
    let password_hash = hasher
        .hash(SecretString::from(password.into_inner()))
        .await?;
    let tx = begin_write(db).await?;
    if !atos::accept_invitation(&tx, invitation.id, now).await? {
        return Err(AcceptError::Invalid);
    }
    let id = match invitation.kind {
        InvitationKind::AtoStaff | InvitationKind::RcbStaff => {
            let (given, family) = names.ok_or(AcceptError::NamesRequired)?;
            let email = EmailAddress::parse(&invitation.email)
                .map_err(|e| anyhow::anyhow!("stored invitation address: {e}"))?;
            let role = match invitation.kind {
                InvitationKind::RcbStaff => Role::RcbStaff,
                _ => Role::AtoStaff,
            };
            let id = users::insert_user(
                &tx,
                users::NewUser {
                    email_verified: true,
                    email: &email,
                    password_hash,
                    given_name: &given,
                    family_name: &family,
                    roles: &[role],
                    now,
                },
            )
            .await
            .map_err(|e| match e {
                users::InsertUserError::EmailTaken => AcceptError::HasAccount,
                users::InsertUserError::Db(e) => e.into(),
            })?;
            if role == Role::RcbStaff {
                let body = invitation.certification_body_id.ok_or_else(|| {
                    anyhow::anyhow!("staff invitation without a certification body")
                })?;
                certification_bodies::add_staff(&tx, id, body, now).await?;
            } else {
                let ato_id = invitation
                    .ato_id
                    .ok_or_else(|| anyhow::anyhow!("staff invitation without an ATO"))?;
                atos::add_staff(&tx, id, ato_id, now).await?;
            }
            id
        }
        InvitationKind::Delegate => {
            let id = invitation
                .user_id
                .ok_or_else(|| anyhow::anyhow!("delegate invitation without an account"))?;
            users::set_password(&tx, id, password_hash).await?;
            // The link came to their mailbox: the address is theirs.
            users::mark_email_verified(&tx, id, now).await?;
            // Taking up the account the organization opened accepts its enrolment.
            if let Some(enrolment) = invitation.enrolment_id {
                atos::accept_enrolment(&tx, enrolment, id, now).await?;
            }
            id
        }
        InvitationKind::Enrolment
        | InvitationKind::EmailVerification
        | InvitationKind::PasswordReset => return Err(AcceptError::Invalid),
    };
    tx.commit().await?;
    Ok(id)
}

throttle::throttled_into!(AcceptError);
