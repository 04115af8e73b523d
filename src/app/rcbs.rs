//! The organizational certification register. Administrators record certification
//! bodies, change their status and invite their staff; a body's staff record the
//! organizations it certified, correct them and change their status (a suspended or
//! withdrawn body's staff may read but no longer write); anyone searches the records of
//! active bodies. A staff member reaches only their own body's records. Expiry is read
//! from the date at every read, so no job runs.

use sea_orm::DbErr;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::audit::{self, Actor, TargetKind};
use super::links::{NewInvitation, store_invitation};
use super::notifications::{self, texts};
use super::paging::Page;
use crate::domain::ato::InvitationKind;
use crate::domain::rcb::{
    BodyRecord, BodyStatus, BodyStatusChange, CertificationChange, CertificationStatus,
    CertifiedDetails, CertifiedRecord, NewBody, ShownStatus, StatusChange, shown_status,
};
use crate::domain::values::EmailAddress;
use crate::persistence::certification_bodies::{self as store, RegisterQuery, WriteRecordError};
use crate::persistence::{begin_write, users};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum RcbError {
    #[error("you are not staff of a certification body")]
    NotStaff,
    #[error("no such certification body")]
    NoSuchBody,
    #[error("no such certified organization")]
    NoSuchRecord,
    #[error("your certification body is {0}: its records can be read but not changed")]
    BodyNotActive(&'static str),
    #[error("{0}")]
    StatusRefused(&'static str),
    #[error("certificate_number is already recorded by your certification body")]
    DuplicateNumber,
    #[error("this address already has an Invigilator account; staff accounts are separate")]
    HasAccount,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for RcbError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

impl From<WriteRecordError> for RcbError {
    fn from(e: WriteRecordError) -> Self {
        match e {
            WriteRecordError::DuplicateNumber => Self::DuplicateNumber,
            WriteRecordError::Db(e) => e.into(),
        }
    }
}

/// A body with its status history, oldest first.
pub struct BodyProfile {
    pub body: BodyRecord,
    pub history: Vec<StatusChange<BodyStatus>>,
}

/// A certified organization as it reads today, with its body and status history.
pub struct CertifiedView {
    pub record: CertifiedRecord,
    pub body_name: String,
    pub status: ShownStatus,
    pub history: Vec<StatusChange<CertificationStatus>>,
}

async fn profile(state: &AppState, body: BodyRecord) -> Result<BodyProfile, RcbError> {
    let history = store::body_history(&state.db, body.id).await?;
    Ok(BodyProfile { body, history })
}

async fn find_body(state: &AppState, id: Uuid) -> Result<BodyRecord, RcbError> {
    store::find_body(&state.db, id)
        .await?
        .ok_or(RcbError::NoSuchBody)
}

fn today(state: &AppState) -> Date {
    state.clock.now().date()
}

async fn view(
    state: &AppState,
    record: CertifiedRecord,
    body_name: String,
    with_history: bool,
) -> Result<CertifiedView, RcbError> {
    let history = if with_history {
        store::record_history(&state.db, record.id).await?
    } else {
        Vec::new()
    };
    Ok(CertifiedView {
        status: shown_status(record.status, record.details.expires_on, today(state)),
        record,
        body_name,
        history,
    })
}

/// An administrator records a certification body, active from today.
pub async fn create(state: &AppState, new: NewBody, by: Uuid) -> Result<BodyProfile, RcbError> {
    let now = state.clock.now();
    let body = BodyRecord {
        id: Uuid::now_v7(),
        name: new.name,
        country: new.country.as_ref().to_owned(),
        accreditation_body: new.accreditation_body,
        status: BodyStatus::Active,
        status_since: now.date(),
        created_at: now,
    };
    let tx = begin_write(&state.db).await?;
    store::insert_body(&tx, &body, by).await?;
    let registered = audit::event(
        Actor::User(by),
        audit::Action::CertificationBodyRegistered,
        TargetKind::CertificationBody,
        body.id,
        serde_json::json!({
            "name": body.name,
            "country": body.country,
            "accreditation_body": body.accreditation_body,
        }),
    );
    audit::record(&tx, now, &[registered]).await?;
    tx.commit().await?;
    profile(state, body).await
}

/// The bodies by name, `limit` at a time after `cursor`: every one for administrators,
/// the active ones for the public.
pub async fn list(
    state: &AppState,
    active_only: bool,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<BodyRecord>, RcbError> {
    let rows = store::list_bodies(&state.db, active_only, cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |b| b.id))
}

/// Every active body by name (the public search's filter).
pub async fn active_bodies(state: &AppState) -> Result<Vec<BodyRecord>, RcbError> {
    Ok(store::list_bodies(&state.db, true, None, u64::from(u32::MAX)).await?)
}

/// One body, for administrators.
pub async fn get(state: &AppState, id: Uuid) -> Result<BodyProfile, RcbError> {
    let body = find_body(state, id).await?;
    profile(state, body).await
}

/// An administrator changes a body's status from today, with a reason; a withdrawn
/// body stays withdrawn.
pub async fn change_status(
    state: &AppState,
    id: Uuid,
    change: BodyStatusChange,
    by: Uuid,
) -> Result<BodyProfile, RcbError> {
    let body = find_body(state, id).await?;
    if let Some(why) = change.refused_from(body.status) {
        return Err(RcbError::StatusRefused(why));
    }
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if !store::set_body_status(
        &tx,
        id,
        body.status,
        change.status,
        &change.reason,
        now.date(),
        by,
        now,
    )
    .await?
    {
        return Err(RcbError::StatusRefused(
            "the status changed meanwhile; reload and try again",
        ));
    }
    let changed = audit::event(
        Actor::User(by),
        audit::Action::CertificationBodyStatusChanged,
        TargetKind::CertificationBody,
        id,
        serde_json::json!({
            "before": {"status": body.status.as_ref()},
            "after": {"status": change.status.as_ref()},
            "reason": change.reason,
        }),
    );
    audit::record(&tx, now, &[changed]).await?;
    tx.commit().await?;
    tracing::info!(body = %id, status = change.status.as_ref(), by = %by, "certification body status changed");
    get(state, id).await
}

/// An administrator invites a staff member of a body; returns when the invitation
/// expires.
#[tracing::instrument(skip(state))]
pub async fn invite_staff(
    state: &AppState,
    id: Uuid,
    email: &EmailAddress,
    by: Uuid,
) -> Result<OffsetDateTime, RcbError> {
    let body = find_body(state, id).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if users::find_by_email(&tx, email).await?.is_some() {
        return Err(RcbError::HasAccount);
    }
    let invitation = NewInvitation {
        kind: InvitationKind::RcbStaff,
        email,
        ato_id: None,
        user_id: None,
        enrolment_id: None,
        certification_body_id: Some(body.id),
        by: Some(by),
        valid_for: state.invitation_ttl,
    };
    let (token, expires_at) = store_invitation(&tx, invitation, now).await?;
    let message = texts::rcb_staff_invitation(
        state.public_base_url(),
        email.as_ref(),
        &body.name,
        &token,
        expires_at,
    );
    notifications::queue(&tx, &message, now).await?;
    let invited = audit::event(
        Actor::User(by),
        audit::Action::CertificationBodyStaffInvited,
        TargetKind::CertificationBody,
        body.id,
        serde_json::json!({"expires_at": expires_at.unix_timestamp()}),
    );
    audit::record(&tx, now, &[invited]).await?;
    tx.commit().await?;
    Ok(expires_at)
}

/// The body a staff member works for; `NotStaff` for anyone else.
pub async fn body_of_staff(state: &AppState, staff: Uuid) -> Result<BodyProfile, RcbError> {
    let id = store::body_of_staff(&state.db, staff)
        .await?
        .ok_or(RcbError::NotStaff)?;
    let body = store::find_body(&state.db, id)
        .await?
        .ok_or(RcbError::NotStaff)?;
    profile(state, body).await
}

/// The staff member's body, if it may still write.
async fn writable_body(state: &AppState, staff: Uuid) -> Result<BodyRecord, RcbError> {
    let body = body_of_staff(state, staff).await?.body;
    match body.status {
        BodyStatus::Active => Ok(body),
        BodyStatus::Suspended => Err(RcbError::BodyNotActive("suspended")),
        BodyStatus::Withdrawn => Err(RcbError::BodyNotActive("withdrawn")),
    }
}

/// A page of the staff member's own body's records, by organization name.
pub async fn own_records(
    state: &AppState,
    staff: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<CertifiedView>, RcbError> {
    let body = body_of_staff(state, staff).await?.body;
    let query = RegisterQuery {
        own_body: Some(body.id),
        ..RegisterQuery::default()
    };
    let rows = store::search(&state.db, &query, cursor, limit + 1).await?;
    Page::cut(rows, limit, |r| r.id)
        .try_map(|r| view(state, r, body.name.clone(), false))
        .await
}

/// One of the staff member's own body's records with its history; another body's is
/// `NoSuchRecord`.
pub async fn own_record(
    state: &AppState,
    staff: Uuid,
    id: Uuid,
) -> Result<CertifiedView, RcbError> {
    let body = body_of_staff(state, staff).await?.body;
    let record = store::find_record(&state.db, id, body.id)
        .await?
        .ok_or(RcbError::NoSuchRecord)?;
    view(state, record, body.name, true).await
}

/// Staff record an organization their body certified, valid from its issue date.
pub async fn record(
    state: &AppState,
    staff: Uuid,
    details: CertifiedDetails,
) -> Result<CertifiedView, RcbError> {
    let body = writable_body(state, staff).await?;
    let now = state.clock.now();
    let record = CertifiedRecord {
        id: Uuid::now_v7(),
        body_id: body.id,
        details,
        status: CertificationStatus::Valid,
        created_at: now,
        updated_at: now,
    };
    let tx = begin_write(&state.db).await?;
    store::insert_record(&tx, &record, staff).await?;
    let recorded = audit::event(
        Actor::User(staff),
        audit::Action::CertifiedOrganizationRecorded,
        TargetKind::CertifiedOrganization,
        record.id,
        serde_json::json!({
            "certification_body": body.id,
            "certificate_number": record.details.certificate_number,
        }),
    );
    audit::record(&tx, now, &[recorded]).await?;
    tx.commit().await?;
    own_record(state, staff, record.id).await
}

/// Staff correct one of their body's records.
pub async fn correct(
    state: &AppState,
    staff: Uuid,
    id: Uuid,
    details: CertifiedDetails,
) -> Result<CertifiedView, RcbError> {
    let body = body_of_staff(state, staff).await?.body;
    // Another body's record is not found, whatever the state of the caller's body.
    store::find_record(&state.db, id, body.id)
        .await?
        .ok_or(RcbError::NoSuchRecord)?;
    let body = writable_body(state, staff).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if !store::update_record(&tx, id, body.id, &details, staff, now).await? {
        return Err(RcbError::NoSuchRecord);
    }
    let corrected = audit::event(
        Actor::User(staff),
        audit::Action::CertifiedOrganizationCorrected,
        TargetKind::CertifiedOrganization,
        id,
        serde_json::json!({"certificate_number": details.certificate_number}),
    );
    audit::record(&tx, now, &[corrected]).await?;
    tx.commit().await?;
    own_record(state, staff, id).await
}

/// Staff change the status of one of their body's records from today, with a reason
/// kept in its history.
pub async fn change_record_status(
    state: &AppState,
    staff: Uuid,
    id: Uuid,
    change: CertificationChange,
) -> Result<CertifiedView, RcbError> {
    let current = own_record(state, staff, id).await?;
    let body = writable_body(state, staff).await?;
    if let Some(why) = change.refused_from(current.record.status, current.status) {
        return Err(RcbError::StatusRefused(why));
    }
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    if !store::set_record_status(
        &tx,
        id,
        body.id,
        current.record.status,
        change.status,
        &change.reason,
        now.date(),
        staff,
        now,
    )
    .await?
    {
        return Err(RcbError::StatusRefused(
            "the status changed meanwhile; reload and try again",
        ));
    }
    let changed = audit::event(
        Actor::User(staff),
        audit::Action::CertifiedOrganizationStatusChanged,
        TargetKind::CertifiedOrganization,
        id,
        serde_json::json!({
            "before": {"status": current.record.status.as_ref()},
            "after": {"status": change.status.as_ref()},
            "reason": change.reason,
        }),
    );
    audit::record(&tx, now, &[changed]).await?;
    tx.commit().await?;
    own_record(state, staff, id).await
}

/// What the public asks the register for.
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    pub organization: Option<&'a str>,
    pub country: Option<&'a str>,
    pub body: Option<Uuid>,
}

/// A page of the records of active bodies by organization name, as they read today.
pub async fn search(
    state: &AppState,
    search: &Search<'_>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<CertifiedView>, RcbError> {
    let country = search.country.map(str::to_uppercase);
    let query = RegisterQuery {
        organization: search.organization,
        country: country.as_deref(),
        body: search.body,
        own_body: None,
    };
    let rows = store::search(&state.db, &query, cursor, limit + 1).await?;
    let bodies = active_bodies(state).await?;
    Page::cut(rows, limit, |r| r.id)
        .try_map(|r| {
            let name = bodies
                .iter()
                .find(|b| b.id == r.body_id)
                .map(|b| b.name.clone())
                .unwrap_or_default();
            view(state, r, name, false)
        })
        .await
}
