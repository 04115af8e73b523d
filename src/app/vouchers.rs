//! Vouchers: administrators issue them in batches (to an ATO, or for candidates to
//! redeem by code) and void them; ATO staff assign theirs to delegates who accepted the
//! ATO's enrolment, one by one or from a CSV file; candidates see theirs and redeem codes.
//! Starting a sitting of a qualification that requires one consumes a voucher in the
//! start's own transaction ([`consume_for_sitting`]); booking a session moves one to
//! booked ([`book`], [`unbook`]). The sweeper reminds candidates before expiry.

use std::collections::BTreeMap;

use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, Action, Actor, TargetKind};
use super::notifications::{self, texts};
use super::paging::Page;
use crate::domain::ato::{AccreditationStatus, AtoRecord};
use crate::domain::audit::Event;
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::domain::scheme::Entitlement;
use crate::domain::values::EmailAddress;
use crate::domain::voucher::{
    NewBatch, VoucherCode, VoucherPolicy, VoucherRecord, VoucherState, parse_assignments,
};
use crate::persistence::{atos, begin_write, users, vouchers as repo};
use crate::state::AppState;

pub use crate::persistence::vouchers::Filter;

#[derive(Debug, thiserror::Error)]
pub enum VoucherError {
    #[error("you are not staff of a training organization")]
    NotStaff,
    #[error("no such training organization")]
    NoSuchAto,
    #[error("no such voucher")]
    NoSuchVoucher,
    /// Vouchers go to an organization only for a qualification it is accredited to teach.
    #[error("the training organization holds no active accreditation for {0} today")]
    NotAccredited(String),
    #[error("no voucher has this code")]
    UnknownCode,
    #[error("is not a delegate who accepted an enrolment with your organization")]
    NotADelegate,
    #[error("this voucher is {0} and cannot be {1}")]
    WrongState(&'static str, &'static str),
    #[error("{0}")]
    BadUpload(String),
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for VoucherError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

fn state_name(s: VoucherState) -> &'static str {
    match s {
        VoucherState::Issued => "not assigned yet",
        VoucherState::Assigned => "already assigned",
        VoucherState::Booked => "booked for a session",
        VoucherState::Consumed => "used",
        VoucherState::Expired => "expired",
        VoucherState::Void => "void",
    }
}

/// The entitlement policy of qualification `code` (of any open edition).
pub fn policy(state: &AppState, code: &str) -> Option<Entitlement> {
    state
        .catalog
        .offered()
        .find(|(_, q)| q.qualification.code == code)
        .map(|(_, q)| q.qualification.entitlement.clone())
}

/// The title of an offered qualification, or its code.
pub(crate) fn title(state: &AppState, code: &str) -> String {
    state
        .catalog
        .offered()
        .find(|(_, q)| q.qualification.code == code)
        .map(|(_, q)| q.qualification.title.clone())
        .unwrap_or_else(|| code.to_owned())
}

fn offered(state: &AppState, code: &str) -> bool {
    state
        .catalog
        .offered()
        .any(|(_, q)| q.qualification.code == code)
}

/// A batch just issued: the only time its codes are shown.
pub struct IssuedBatch {
    pub batch_id: Uuid,
    pub ato: Option<AtoRecord>,
    pub vouchers: Vec<(VoucherRecord, VoucherCode)>,
}

/// Parses an administrator's batch request against the scheme.
pub fn parse_batch(
    state: &AppState,
    qualification: &str,
    count: i64,
    valid_from: &str,
    expires_on: &str,
) -> Result<NewBatch, VoucherError> {
    NewBatch::parse(
        qualification,
        count,
        valid_from,
        expires_on,
        state.clock.now().date(),
        |q| offered(state, q),
    )
    .map_err(VoucherError::Invalid)
}

/// Issues a batch of vouchers to `ato` (or, with `None`, for candidates to redeem by
/// code), in one transaction, with one ledger entry naming every voucher.
pub async fn issue(
    state: &AppState,
    ato: Option<Uuid>,
    batch: &NewBatch,
    by: Uuid,
) -> Result<IssuedBatch, VoucherError> {
    let now = state.clock.now();
    let ato = match ato {
        Some(id) => Some(
            atos::find_ato(&state.db, id)
                .await?
                .ok_or(VoucherError::NoSuchAto)?,
        ),
        None => None,
    };
    if let Some(ato) = &ato {
        let today = now.date();
        let accredited = atos::accreditations_of(&state.db, ato.id)
            .await?
            .iter()
            .any(|a| {
                a.status == AccreditationStatus::Active
                    && a.period.covers(&batch.qualification, today, today)
            });
        if !accredited {
            return Err(VoucherError::NotAccredited(batch.qualification.clone()));
        }
    }
    let batch_id = Uuid::now_v7();
    let mut rng = rand::rng();
    let issued: Vec<(VoucherRecord, VoucherCode)> = (0..batch.count)
        .map(|_| {
            // ThreadRng is a CSPRNG (ChaCha, seeded from the OS); 60 of its bits make a code.
            let code = VoucherCode::from_random(rng.next_u64() >> 4);
            let record = VoucherRecord {
                id: Uuid::now_v7(),
                batch_id,
                code_last4: code.last4(),
                qualification: batch.qualification.clone(),
                valid_from: batch.valid_from,
                expires_at: batch.expires_at,
                ato_id: ato.as_ref().map(|a| a.id),
                stored_state: VoucherState::Issued,
                issued_by: by,
                issued_at: now,
                candidate_id: None,
                assigned_by: None,
                assigned_at: None,
                booking_id: None,
                booked_at: None,
                sitting_id: None,
                consumed_at: None,
                voided_by: None,
                voided_at: None,
                void_reason: None,
                reminded_at: None,
            };
            (record, code)
        })
        .collect();
    let rows: Vec<(VoucherRecord, String)> = issued
        .iter()
        .map(|(v, code)| (v.clone(), code.hash()))
        .collect();
    let tx = begin_write(&state.db).await?;
    repo::insert_issued(&tx, &rows).await?;
    let event = audit::event(
        Actor::User(by),
        Action::VouchersIssued,
        TargetKind::Voucher,
        batch_id,
        serde_json::json!({
            "ato": ato.as_ref().map(|a| a.id),
            "qualification": batch.qualification,
            "count": batch.count,
            "valid_from": rfc3339(batch.valid_from),
            "expires_at": rfc3339(batch.expires_at),
            "vouchers": issued.iter().map(|(v, _)| v.id).collect::<Vec<_>>(),
        }),
    );
    audit::record(&tx, now, &[event]).await?;
    tx.commit().await?;
    tracing::info!(batch = %batch_id, count = batch.count, by = %by, "vouchers issued");
    Ok(IssuedBatch {
        batch_id,
        ato,
        vouchers: issued,
    })
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Vouchers matching `filter`, oldest first: `limit` at a time after `cursor`.
pub async fn list(
    state: &AppState,
    filter: &Filter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<VoucherRecord>, VoucherError> {
    let rows = repo::page(&state.db, filter, state.clock.now(), cursor, limit + 1).await?;
    Ok(Page::cut(rows, limit, |v| v.id))
}

/// The staff member's organization, or `NotStaff`.
pub async fn ato_of(state: &AppState, staff: Uuid) -> Result<Uuid, VoucherError> {
    atos::ato_of_staff(&state.db, staff)
        .await?
        .ok_or(VoucherError::NotStaff)
}

/// The staff member's organization's vouchers matching `filter`.
pub async fn list_for_staff(
    state: &AppState,
    staff: Uuid,
    mut filter: Filter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<VoucherRecord>, VoucherError> {
    filter.ato = Some(ato_of(state, staff).await?);
    list(state, &filter, cursor, limit).await
}

/// A candidate's vouchers, oldest first.
pub async fn of_candidate(
    state: &AppState,
    candidate: Uuid,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<VoucherRecord>, VoucherError> {
    let filter = Filter {
        candidate: Some(candidate),
        ..Filter::default()
    };
    list(state, &filter, cursor, limit).await
}

/// Voids a live voucher, with why.
pub async fn void(
    state: &AppState,
    id: Uuid,
    reason: &str,
    by: Uuid,
) -> Result<VoucherRecord, VoucherError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let before = repo::find(&tx, id)
        .await?
        .ok_or(VoucherError::NoSuchVoucher)?;
    if !repo::void(&tx, id, by, reason, now).await? {
        return Err(VoucherError::WrongState(
            state_name(before.state_at(now)),
            "voided",
        ));
    }
    let event = audit::event(
        Actor::User(by),
        Action::VoucherVoided,
        TargetKind::Voucher,
        id,
        serde_json::json!({
            "before": {"state": before.state_at(now).as_ref()},
            "after": {"state": VoucherState::Void.as_ref()},
            "reason": reason,
        }),
    );
    audit::record(&tx, now, &[event]).await?;
    let after = repo::find(&tx, id)
        .await?
        .ok_or(VoucherError::NoSuchVoucher)?;
    tx.commit().await?;
    tracing::info!(voucher = %id, by = %by, "voucher voided");
    Ok(after)
}

/// The candidate with this address, if they accepted an enrolment with `ato`.
async fn delegate(
    db: &impl ConnectionTrait,
    ato: Uuid,
    email: &EmailAddress,
) -> Result<Option<Uuid>, DbErr> {
    let Some(user) = users::find_by_email(db, email).await? else {
        return Ok(None);
    };
    let is_candidate = users::roles_of(db, user.id)
        .await?
        .contains(&Role::Candidate);
    Ok((is_candidate && repo::accepted_delegate(db, ato, user.id).await?).then_some(user.id))
}

fn assigned_event(by: Uuid, voucher: Uuid, candidate: Uuid, how: &str) -> Event {
    audit::event(
        Actor::User(by),
        Action::VoucherAssigned,
        TargetKind::Voucher,
        voucher,
        serde_json::json!({
            "candidate": candidate,
            "how": how,
            "before": {"state": VoucherState::Issued.as_ref()},
            "after": {"state": VoucherState::Assigned.as_ref()},
        }),
    )
}

/// Assigns one of the staff member's organization's vouchers to a delegate.
pub async fn assign(
    state: &AppState,
    staff: Uuid,
    id: Uuid,
    email: &EmailAddress,
) -> Result<VoucherRecord, VoucherError> {
    let ato = ato_of(state, staff).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let voucher = repo::find(&tx, id)
        .await?
        .filter(|v| v.ato_id == Some(ato))
        .ok_or(VoucherError::NoSuchVoucher)?;
    let candidate = delegate(&tx, ato, email)
        .await?
        .ok_or(VoucherError::NotADelegate)?;
    if !repo::assign(&tx, id, Some(ato), candidate, staff, now).await? {
        return Err(VoucherError::WrongState(
            state_name(voucher.state_at(now)),
            "assigned",
        ));
    }
    audit::record(&tx, now, &[assigned_event(staff, id, candidate, "one")]).await?;
    let after = repo::find(&tx, id)
        .await?
        .ok_or(VoucherError::NoSuchVoucher)?;
    tx.commit().await?;
    tracing::info!(voucher = %id, by = %staff, "voucher assigned");
    Ok(after)
}

/// What happened to one row of an assignment upload.
pub enum AssignmentResult {
    Assigned {
        voucher: Uuid,
        code_last4: String,
    },
    /// The delegate already holds an unused voucher of this organization for it: an
    /// upload sent twice assigns nothing twice.
    AlreadyAssigned,
    Rejected(String),
}

pub struct AssignmentRowOutcome {
    pub row: usize,
    pub email: Option<String>,
    pub qualification: Option<String>,
    pub result: AssignmentResult,
}

/// Assigns a voucher to each good row of an upload (`email,qualification`), each row in
/// its own transaction so one bad row never blocks another.
pub async fn assign_csv(
    state: &AppState,
    staff: Uuid,
    file: &[u8],
) -> Result<Vec<AssignmentRowOutcome>, VoucherError> {
    let ato = ato_of(state, staff).await?;
    let rows = parse_assignments(file).map_err(VoucherError::BadUpload)?;
    let mut report = Vec::with_capacity(rows.len());
    for row in rows {
        let outcome = match row.request {
            Err(reason) => AssignmentRowOutcome {
                row: row.row,
                email: None,
                qualification: None,
                result: AssignmentResult::Rejected(reason),
            },
            Ok((email, qualification)) => {
                let result = match assign_row(state, ato, staff, &email, &qualification).await {
                    Ok(result) => result,
                    Err(e) => {
                        tracing::error!(error = %e, row = row.row, "assigning a voucher row failed");
                        AssignmentResult::Rejected(
                            "could not be stored; upload the file again".into(),
                        )
                    }
                };
                AssignmentRowOutcome {
                    row: row.row,
                    email: Some(email.to_string()),
                    qualification: Some(qualification),
                    result,
                }
            }
        };
        report.push(outcome);
    }
    tracing::info!(ato = %ato, rows = report.len(), "voucher assignments uploaded");
    Ok(report)
}

async fn assign_row(
    state: &AppState,
    ato: Uuid,
    staff: Uuid,
    email: &EmailAddress,
    qualification: &str,
) -> Result<AssignmentResult, DbErr> {
    if !offered(state, qualification) {
        return Ok(AssignmentResult::Rejected(format!(
            "there is no qualification {qualification}"
        )));
    }
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let Some(candidate) = delegate(&tx, ato, email).await? else {
        return Ok(AssignmentResult::Rejected(
            VoucherError::NotADelegate.to_string(),
        ));
    };
    if repo::holds_unused(&tx, ato, candidate, qualification, now).await? {
        return Ok(AssignmentResult::AlreadyAssigned);
    }
    // Another upload may take a voucher first; the next one is tried then.
    for id in repo::unassigned_of(&tx, ato, qualification, now, 5).await? {
        if repo::assign(&tx, id, Some(ato), candidate, staff, now).await? {
            audit::record(&tx, now, &[assigned_event(staff, id, candidate, "upload")]).await?;
            let voucher = repo::find(&tx, id).await?;
            tx.commit().await?;
            return Ok(AssignmentResult::Assigned {
                voucher: id,
                code_last4: voucher.map(|v| v.code_last4).unwrap_or_default(),
            });
        }
    }
    Ok(AssignmentResult::Rejected(format!(
        "no unassigned voucher for {qualification} is left"
    )))
}

/// A candidate redeems the code of a voucher issued for candidates (not to an ATO).
/// Redeeming one's own voucher again changes nothing.
pub async fn redeem(
    state: &AppState,
    candidate: Uuid,
    code: &VoucherCode,
) -> Result<VoucherRecord, VoucherError> {
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let voucher = repo::find_by_hash(&tx, &code.hash())
        .await?
        .filter(|v| v.ato_id.is_none())
        .ok_or(VoucherError::UnknownCode)?;
    if voucher.candidate_id == Some(candidate) {
        return Ok(voucher);
    }
    if !repo::assign(&tx, voucher.id, None, candidate, candidate, now).await? {
        return Err(VoucherError::WrongState(
            state_name(voucher.state_at(now)),
            "redeemed",
        ));
    }
    audit::record(
        &tx,
        now,
        &[assigned_event(candidate, voucher.id, candidate, "redeemed")],
    )
    .await?;
    let after = repo::find(&tx, voucher.id)
        .await?
        .ok_or(VoucherError::NoSuchVoucher)?;
    tx.commit().await?;
    tracing::info!(voucher = %voucher.id, "voucher redeemed");
    Ok(after)
}

/// Per qualification that needs a voucher: how many usable vouchers the candidate holds.
pub async fn entitlements(
    state: &AppState,
    candidate: Uuid,
) -> Result<BTreeMap<String, usize>, VoucherError> {
    let now = state.clock.now();
    let mut out = BTreeMap::new();
    for (_, q) in state.catalog.offered() {
        let q = &q.qualification;
        if q.entitlement.voucher == VoucherPolicy::Required && !out.contains_key(&q.code) {
            let usable = repo::usable_of(&state.db, candidate, &q.code, now).await?;
            out.insert(q.code.clone(), usable.len());
        }
    }
    Ok(out)
}

/// Why a sitting or a booking could not take a voucher.
#[derive(Debug, thiserror::Error)]
pub enum TakeVoucherError {
    #[error(
        "you hold no valid voucher for {0}; ask your training organization for one, or redeem a code you were given"
    )]
    NoVoucher(String),
    #[error("this voucher is not yours, is not for {0}, or cannot be used now")]
    NotUsable(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The candidate's vouchers for `qualification` that may be taken at `now`, the one named
/// by `code` only when one is named.
async fn candidates_for(
    tx: &impl ConnectionTrait,
    candidate: Uuid,
    qualification: &str,
    code: Option<&VoucherCode>,
    now: OffsetDateTime,
) -> Result<Vec<VoucherRecord>, TakeVoucherError> {
    match code {
        Some(code) => {
            let named = repo::find_by_hash(tx, &code.hash())
                .await?
                .filter(|v| {
                    v.candidate_id == Some(candidate)
                        && v.qualification == qualification
                        && v.usable_at(now)
                })
                .ok_or_else(|| TakeVoucherError::NotUsable(qualification.to_owned()))?;
            Ok(vec![named])
        }
        None => Ok(repo::usable_of(tx, candidate, qualification, now).await?),
    }
}

/// Consumes one of the candidate's vouchers for the sitting `sitting_id`, inside the
/// start's transaction: the named one, or an assigned one before a booked one, soonest
/// expiry first. Each try is a conditional UPDATE, so two starts at once never consume
/// one voucher. Returns the voucher and the ledger entry to record before the commit.
pub async fn consume_for_sitting(
    tx: &impl ConnectionTrait,
    candidate: Uuid,
    qualification: &str,
    code: Option<&VoucherCode>,
    sitting_id: Uuid,
    now: OffsetDateTime,
) -> Result<(Uuid, Event), TakeVoucherError> {
    for v in candidates_for(tx, candidate, qualification, code, now).await? {
        if repo::consume(tx, v.id, candidate, sitting_id, now).await? {
            let event = audit::event(
                Actor::User(candidate),
                Action::VoucherConsumed,
                TargetKind::Voucher,
                v.id,
                serde_json::json!({
                    "sitting": sitting_id,
                    "qualification": qualification,
                    "before": {"state": v.stored_state.as_ref()},
                    "after": {"state": VoucherState::Consumed.as_ref()},
                }),
            );
            return Ok((v.id, event));
        }
    }
    Err(match code {
        Some(_) => TakeVoucherError::NotUsable(qualification.to_owned()),
        None => TakeVoucherError::NoVoucher(qualification.to_owned()),
    })
}

/// Books one of the candidate's assigned vouchers for `qualification` (the one named by
/// `code`, or the one expiring soonest) for `booking_id`, inside the booking's
/// transaction; returns the voucher's id.
pub async fn book(
    tx: &impl ConnectionTrait,
    candidate_id: Uuid,
    qualification: &str,
    code: Option<&VoucherCode>,
    booking_id: Uuid,
    now: OffsetDateTime,
) -> Result<Uuid, TakeVoucherError> {
    for v in candidates_for(tx, candidate_id, qualification, code, now).await? {
        if v.stored_state == VoucherState::Assigned
            && repo::book(tx, v.id, candidate_id, booking_id, now).await?
        {
            tracing::info!(voucher = %v.id, booking = %booking_id, "voucher booked");
            return Ok(v.id);
        }
    }
    Err(match code {
        Some(_) => TakeVoucherError::NotUsable(qualification.to_owned()),
        None => TakeVoucherError::NoVoucher(qualification.to_owned()),
    })
}

/// Gives the voucher booked for `booking_id` back to its candidate (assigned again), inside
/// the cancelling transaction; the voucher's id, if one was booked.
pub async fn unbook(
    tx: &impl ConnectionTrait,
    booking_id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<Uuid>, DbErr> {
    let voucher = repo::unbook(tx, booking_id).await?;
    if let Some(id) = voucher {
        tracing::info!(voucher = %id, booking = %booking_id, at = %now, "voucher unbooked");
    }
    Ok(voucher)
}

/// Settles the voucher booked for `booking_id` when its candidate did not show, inside
/// the caller's transaction: used up when `consumes` (the qualification's
/// `no_show_consumes_voucher`), otherwise given back to the candidate. The voucher's id,
/// if one was booked.
pub async fn settle_no_show(
    tx: &impl ConnectionTrait,
    booking_id: Uuid,
    consumes: bool,
    now: OffsetDateTime,
) -> Result<Option<Uuid>, DbErr> {
    if consumes {
        repo::consume_no_show(tx, booking_id, now).await
    } else {
        unbook(tx, booking_id, now).await
    }
}

/// Queues, once per voucher, a reminder to its candidate when it expires within the
/// qualification's `reminder_days_before_expiry`. Safe with several servers: the
/// reminder is queued in the transaction of the conditional UPDATE that marks it sent.
pub async fn send_reminders(state: &AppState, now: OffsetDateTime) -> Result<usize, DbErr> {
    let mut days: BTreeMap<String, u32> = BTreeMap::new();
    for (_, q) in state.catalog.offered() {
        let q = &q.qualification;
        let d = q.entitlement.reminder_days_before_expiry;
        if d > 0 {
            let entry = days.entry(q.code.clone()).or_insert(d);
            *entry = (*entry).max(d);
        }
    }
    let mut sent = 0;
    for (code, d) in days {
        let until = now + time::Duration::days(i64::from(d));
        for voucher in repo::due_reminders(&state.db, &code, now, until, 200).await? {
            let Some(candidate) = voucher.candidate_id else {
                continue;
            };
            let tx = begin_write(&state.db).await?;
            if !repo::mark_reminded(&tx, voucher.id, now).await? {
                tx.rollback().await?;
                continue;
            }
            if let Some(user) = users::find_by_id(&tx, candidate).await? {
                let message = texts::voucher_expiry_reminder(
                    &user.email,
                    &user.given_name,
                    &title(state, &code),
                    &voucher.code_last4,
                    voucher.expires_at,
                    state.public_base_url(),
                );
                notifications::queue(&tx, &message, now).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}
