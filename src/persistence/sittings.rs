//! Sittings and their answers. Every state change is a conditional UPDATE on the sitting's
//! row (`… WHERE status = 'in_progress' AND deadline …`), so on PostgreSQL a concurrent
//! save and close serialize on the row lock and, with several servers, each change
//! happens once.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, OnConflict},
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{answers, flags, sitting_extensions, sittings};
use crate::domain::paper::Paper;
use crate::domain::scoring::{Response, ScoreSheet};
use crate::domain::sitting::{Closing, Device, SittingRecord, SittingStatus};

fn corrupt(what: &str, id: Uuid, e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("sitting {id}: stored {what} is unreadable: {e}"))
}

impl TryFrom<sittings::Model> for SittingRecord {
    type Error = DbErr;

    fn try_from(m: sittings::Model) -> Result<Self, DbErr> {
        let status = m
            .status
            .parse::<SittingStatus>()
            .ok()
            .ok_or_else(|| corrupt("status", m.id, &m.status))?;
        let paper: Paper = serde_json::from_str(&m.paper).map_err(|e| corrupt("paper", m.id, e))?;
        let result = match &m.breakdown {
            Some(b) => Some(serde_json::from_str(b).map_err(|e| corrupt("result", m.id, e))?),
            None => None,
        };
        Ok(Self {
            id: m.id,
            candidate_id: m.candidate_id,
            qualification_code: m.qualification_code,
            edition: m.edition,
            pool_hash: m.pool_hash,
            seed: m.seed,
            status,
            started_at: m.started_at,
            deadline: m.deadline,
            duration_minutes: u32::try_from(m.duration_minutes).unwrap_or_default(),
            extra_time_percent: u32::try_from(m.extra_time_percent).unwrap_or_default(),
            paper,
            max_score: u32::try_from(m.max_score).unwrap_or_default(),
            pass_mark: u32::try_from(m.pass_mark).unwrap_or_default(),
            closed_at: m.closed_at,
            closed_reason: m.closed_reason,
            result,
            session_id: m.session_id,
            paused_at: m.paused_at,
            device: m.device_hash,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsertSittingError {
    #[error("the candidate already has a sitting in progress")]
    AlreadyInProgress,
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[tracing::instrument(skip_all, fields(sitting = %record.id))]
pub async fn insert(
    db: &impl ConnectionTrait,
    record: &SittingRecord,
) -> Result<(), InsertSittingError> {
    let paper = serde_json::to_string(&record.paper).map_err(|e| DbErr::Custom(e.to_string()))?;
    let result = sittings::Entity::insert(sittings::ActiveModel {
        id: Set(record.id),
        candidate_id: Set(record.candidate_id),
        qualification_code: Set(record.qualification_code.clone()),
        edition: Set(record.edition.clone()),
        pool_hash: Set(record.pool_hash.clone()),
        seed: Set(record.seed),
        status: Set(record.status.as_ref().to_owned()),
        started_at: Set(record.started_at),
        deadline: Set(record.deadline),
        duration_minutes: Set(record.duration_minutes as i32),
        extra_time_percent: Set(record.extra_time_percent as i32),
        paper: Set(paper),
        max_score: Set(record.max_score as i32),
        pass_mark: Set(record.pass_mark as i32),
        closed_at: Set(None),
        closed_reason: Set(None),
        score: Set(None),
        passed: Set(None),
        breakdown: Set(None),
        key_version: Set(None),
        session_id: Set(record.session_id),
        paused_at: Set(None),
        last_seen_at: Set(None),
        device_hash: Set(record.device.clone()),
        device_bound_at: Set(record.device.as_ref().map(|_| record.started_at)),
        device_refused_at: Set(None),
        content_removed_at: Set(None),
    })
    .exec_without_returning(db)
    .await;
    match result {
        Err(e)
            if super::is_unique_violation(
                &e,
                "sittings_one_in_progress_key",
                "sittings.candidate_id",
            ) =>
        {
            Err(InsertSittingError::AlreadyInProgress)
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(()),
    }
}

#[tracing::instrument(skip(db))]
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<SittingRecord>, DbErr> {
    sittings::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(SittingRecord::try_from)
        .transpose()
}

/// The candidate's sitting in progress, if any (possibly past its deadline).
#[tracing::instrument(skip(db))]
pub async fn in_progress_for(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Option<(Uuid, OffsetDateTime)>, DbErr> {
    sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .column(sittings::Column::Deadline)
        .filter(sittings::Column::CandidateId.eq(candidate_id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .into_tuple::<(Uuid, OffsetDateTime)>()
        .one(db)
        .await
}

/// The earliest deadline among sittings in progress.
pub async fn earliest_deadline(db: &impl ConnectionTrait) -> Result<Option<OffsetDateTime>, DbErr> {
    sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Deadline)
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::PausedAt.is_null())
        .order_by_asc(sittings::Column::Deadline)
        .limit(1)
        .into_tuple()
        .one(db)
        .await
}

/// Ids of sittings still in progress whose deadline has passed, oldest first.
#[tracing::instrument(skip(db))]
pub async fn overdue(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::Deadline.lte(now))
        .filter(sittings::Column::PausedAt.is_null())
        .order_by_asc(sittings::Column::Deadline)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Locks the sitting's row for an answer if it is the candidate's, in progress and
/// before its deadline; false otherwise. Run inside the transaction that saves the answer.
#[tracing::instrument(skip(db))]
pub async fn lock_open_for_answer(
    db: &impl ConnectionTrait,
    id: Uuid,
    candidate_id: Uuid,
    device: Option<&Device>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    // Outside a session any device; in one, only the device it is bound to.
    let mut on_device = sea_orm::Condition::any().add(sittings::Column::SessionId.is_null());
    if let Some(device) = device {
        on_device = on_device.add(sittings::Column::DeviceHash.eq(device.hash()));
    }
    let result = sittings::Entity::update_many()
        .col_expr(
            sittings::Column::Status,
            Expr::col(sittings::Column::Status),
        )
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::CandidateId.eq(candidate_id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::Deadline.gt(now))
        .filter(sittings::Column::PausedAt.is_null())
        .filter(on_device)
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Where a save came from: the page (an id it chose when it loaded) and the save's
/// sequence number there, which only grows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub client: String,
    pub seq: i64,
}

/// Flags question `number` for review, or takes the flag off.
pub async fn set_flag(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
    number: u32,
    flagged: bool,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    if flagged {
        flags::Entity::insert(flags::ActiveModel {
            sitting_id: Set(sitting_id),
            number: Set(number as i32),
            flagged_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([flags::Column::SittingId, flags::Column::Number])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    } else {
        flags::Entity::delete_many()
            .filter(flags::Column::SittingId.eq(sitting_id))
            .filter(flags::Column::Number.eq(number as i32))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The questions flagged for review.
pub async fn flags(db: &impl ConnectionTrait, sitting_id: Uuid) -> Result<BTreeSet<u32>, DbErr> {
    Ok(flags::Entity::find()
        .select_only()
        .column(flags::Column::Number)
        .filter(flags::Column::SittingId.eq(sitting_id))
        .into_tuple::<i32>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|n| u32::try_from(n).ok())
        .collect())
}

#[tracing::instrument(skip(db))]
pub async fn answers(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
) -> Result<BTreeMap<u32, Response>, DbErr> {
    let rows = answers::Entity::find()
        .filter(answers::Column::SittingId.eq(sitting_id))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            let response =
                serde_json::from_str(&r.response).map_err(|e| corrupt("answer", sitting_id, e))?;
            Ok((u32::try_from(r.number).unwrap_or_default(), response))
        })
        .collect()
}

/// Moves the sitting out of `in_progress` if the deadline allows this kind of closing;
/// true when this call did it. Run inside the transaction that then scores it. A paused
/// sitting is never closed: its clock stands still, whatever its (stale) deadline says.
#[tracing::instrument(skip(db))]
pub async fn claim_close(
    db: &impl ConnectionTrait,
    id: Uuid,
    closing: Closing,
    candidate: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let (status, reason, deadline) = match closing {
        Closing::Submit => (
            SittingStatus::Submitted,
            "submitted by the candidate",
            sittings::Column::Deadline.gt(now),
        ),
        Closing::Expire => (
            SittingStatus::Expired,
            "deadline passed",
            sittings::Column::Deadline.lte(now),
        ),
    };
    let mut update = sittings::Entity::update_many()
        .col_expr(sittings::Column::Status, Expr::value(status.as_ref()))
        .col_expr(sittings::Column::ClosedAt, Expr::value(now))
        .col_expr(sittings::Column::ClosedReason, Expr::value(reason))
        .filter(sittings::Column::Id.eq(id));
    if let Some(candidate) = candidate {
        update = update.filter(sittings::Column::CandidateId.eq(candidate));
    }
    let result = update
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::PausedAt.is_null())
        .filter(deadline)
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

#[tracing::instrument(skip(db, sheet))]
pub async fn store_result(
    db: &impl ConnectionTrait,
    id: Uuid,
    sheet: &ScoreSheet,
) -> Result<(), DbErr> {
    let breakdown = serde_json::to_string(sheet).map_err(|e| DbErr::Custom(e.to_string()))?;
    sittings::Entity::update_many()
        .col_expr(sittings::Column::Score, Expr::value(sheet.score as i32))
        .col_expr(sittings::Column::Passed, Expr::value(sheet.passed))
        .col_expr(sittings::Column::Breakdown, Expr::value(breakdown))
        .filter(sittings::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records which version of the qualification's key scored the sitting.
pub async fn store_key_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: u32,
) -> Result<(), DbErr> {
    sittings::Entity::update_many()
        .col_expr(sittings::Column::KeyVersion, Expr::value(version as i32))
        .filter(sittings::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The version of the key that scored the sitting: `None` while it is unscored, 0 for
/// one scored before key versions were recorded (no correction existed then).
pub async fn key_version(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<u32>, DbErr> {
    let row: Option<(Option<i32>, Option<i32>)> = sittings::Entity::find_by_id(id)
        .select_only()
        .column(sittings::Column::KeyVersion)
        .column(sittings::Column::Score)
        .into_tuple()
        .one(db)
        .await?;
    Ok(match row {
        Some((version, Some(_))) => Some(version.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)),
        _ => None,
    })
}

/// A candidate's sittings, newest first (ids are time-ordered), after `before` if given.
#[tracing::instrument(skip(db))]
pub async fn of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<Vec<SittingRecord>, DbErr> {
    let mut query = sittings::Entity::find().filter(sittings::Column::CandidateId.eq(candidate_id));
    if let Some(before) = before {
        query = query.filter(sittings::Column::Id.lt(before));
    }
    query
        .order_by_desc(sittings::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(SittingRecord::try_from)
        .collect()
}

/// Moves the deadline of a sitting still open at `now` later by `minutes` and records who
/// added the time and why; false when the sitting is closed or past its deadline.
pub async fn extend(
    db: &impl ConnectionTrait,
    id: Uuid,
    minutes: u32,
    reason: &str,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let Some(record) = sittings::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    let deadline = record.deadline + time::Duration::minutes(i64::from(minutes));
    let result = sittings::Entity::update_many()
        .col_expr(sittings::Column::Deadline, Expr::value(deadline))
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::Deadline.eq(record.deadline))
        .filter(
            sea_orm::Condition::any()
                .add(sittings::Column::Deadline.gt(now))
                .add(sittings::Column::PausedAt.is_not_null()),
        )
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(false);
    }
    sitting_extensions::Entity::insert(sitting_extensions::ActiveModel {
        id: Set(Uuid::now_v7()),
        sitting_id: Set(id),
        minutes: Set(minutes as i32),
        reason: Set(reason.to_owned()),
        granted_by: Set(by),
        granted_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(true)
}

/// The minutes added to a sitting while it was in progress.
pub async fn added_minutes(db: &impl ConnectionTrait, id: Uuid) -> Result<u32, DbErr> {
    let minutes: Vec<i32> = sitting_extensions::Entity::find()
        .select_only()
        .column(sitting_extensions::Column::Minutes)
        .filter(sitting_extensions::Column::SittingId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(minutes.into_iter().map(|m| m.max(0) as u32).sum())
}

/// How many sittings are in progress.
pub async fn count_in_progress(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    sittings::Entity::find()
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .count(db)
        .await
}

/// Pauses a sitting open at `now`: its clock stands still from `now`; false when it is
/// closed, already paused or past its deadline.
pub async fn pause(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = sittings::Entity::update_many()
        .col_expr(sittings::Column::PausedAt, Expr::value(now))
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::PausedAt.is_null())
        .filter(sittings::Column::Deadline.gt(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Resumes a paused sitting: its deadline moves later by exactly the time it stood still.
/// Returns the deadlines before and after; `None` when it is not paused (or closed).
pub async fn resume(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<(OffsetDateTime, OffsetDateTime)>, DbErr> {
    let Some(row) = sittings::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let Some(paused_at) = row.paused_at else {
        return Ok(None);
    };
    let deadline = crate::domain::sitting::resumed_deadline(row.deadline, paused_at, now);
    let result = sittings::Entity::update_many()
        .col_expr(sittings::Column::Deadline, Expr::value(deadline))
        .col_expr(
            sittings::Column::PausedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::PausedAt.eq(paused_at))
        .filter(sittings::Column::Deadline.eq(row.deadline))
        .exec(db)
        .await?;
    Ok((result.rows_affected == 1).then_some((row.deadline, deadline)))
}

/// Ends a sitting in progress unscored (status `voided`); false when already closed.
pub async fn void(
    db: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = sittings::Entity::update_many()
        .col_expr(
            sittings::Column::Status,
            Expr::value(SittingStatus::Voided.as_ref()),
        )
        .col_expr(sittings::Column::ClosedAt, Expr::value(now))
        .col_expr(sittings::Column::ClosedReason, Expr::value(reason))
        .col_expr(
            sittings::Column::PausedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Notes that the candidate's page asked for the time (at most one write every 5 s).
pub async fn seen(db: &impl ConnectionTrait, id: Uuid, now: OffsetDateTime) -> Result<(), DbErr> {
    sittings::Entity::update_many()
        .col_expr(sittings::Column::LastSeenAt, Expr::value(now))
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(
            sea_orm::Condition::any()
                .add(sittings::Column::LastSeenAt.is_null())
                .add(sittings::Column::LastSeenAt.lt(now - time::Duration::seconds(5))),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Binds a sitting in progress that no device holds to `device`; false when a device
/// holds it already (this one or another) or it is closed.
pub async fn claim_device(
    db: &impl ConnectionTrait,
    id: Uuid,
    device: &Device,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = sittings::Entity::update_many()
        .col_expr(sittings::Column::DeviceHash, Expr::value(device.hash()))
        .col_expr(sittings::Column::DeviceBoundAt, Expr::value(now))
        .col_expr(
            sittings::Column::DeviceRefusedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::DeviceHash.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Notes that another device tried to open the sitting; true for the first try since
/// it was bound (the one the audit ledger records; later tries only move the time).
pub async fn note_other_device(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let row: Option<Option<OffsetDateTime>> = sittings::Entity::find_by_id(id)
        .select_only()
        .column(sittings::Column::DeviceRefusedAt)
        .into_tuple()
        .one(db)
        .await?;
    let Some(before) = row else {
        return Ok(false);
    };
    // At most one write every 5 s, however often the other device asks.
    if before.is_some_and(|at| now - at < time::Duration::seconds(5)) {
        return Ok(false);
    }
    sittings::Entity::update_many()
        .col_expr(sittings::Column::DeviceRefusedAt, Expr::value(now))
        .filter(sittings::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(before.is_none())
}

/// Releases an invigilated sitting in progress from its device, so that the next device
/// to open it holds it; false when no device holds it or it is closed.
pub async fn release_device(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let result = sittings::Entity::update_many()
        .col_expr(
            sittings::Column::DeviceHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            sittings::Column::DeviceBoundAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .col_expr(
            sittings::Column::DeviceRefusedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(sittings::Column::Id.eq(id))
        .filter(sittings::Column::Status.eq(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::DeviceHash.is_not_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Whether the sitting is in an exam session and the device it is bound to; `None` for
/// no such sitting.
pub async fn device_binding(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(bool, Option<String>)>, DbErr> {
    let row: Option<(Option<Uuid>, Option<String>)> = sittings::Entity::find_by_id(id)
        .select_only()
        .column(sittings::Column::SessionId)
        .column(sittings::Column::DeviceHash)
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.map(|(session, device)| (session.is_some(), device)))
}

/// What the invigilator's view needs of one sitting: status, paused, deadline, when its
/// page was last seen, the answers saved, the last save and the time allowed.
pub struct Watch {
    pub record_status: SittingStatus,
    pub paused_at: Option<OffsetDateTime>,
    pub deadline: OffsetDateTime,
    pub last_seen_at: Option<OffsetDateTime>,
    pub answered: u64,
    pub last_saved_at: Option<OffsetDateTime>,
    pub duration_minutes: u32,
    pub extra_time_percent: u32,
    /// Since when one device holds it (`None`: released, waiting for a device).
    pub device_bound_at: Option<OffsetDateTime>,
    /// When another device last tried to open it.
    pub device_refused_at: Option<OffsetDateTime>,
}

pub async fn watch(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Watch>, DbErr> {
    let Some(row) = sittings::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let status = row
        .status
        .parse::<SittingStatus>()
        .map_err(|e| corrupt("status", id, e))?;
    let answered = answers::Entity::find()
        .filter(answers::Column::SittingId.eq(id))
        .count(db)
        .await?;
    let last_saved_at: Option<OffsetDateTime> = answers::Entity::find()
        .select_only()
        .column(answers::Column::SavedAt)
        .filter(answers::Column::SittingId.eq(id))
        .order_by_desc(answers::Column::SavedAt)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(Some(Watch {
        record_status: status,
        paused_at: row.paused_at,
        deadline: row.deadline,
        last_seen_at: row.last_seen_at,
        answered,
        last_saved_at,
        duration_minutes: u32::try_from(row.duration_minutes).unwrap_or_default(),
        extra_time_percent: u32::try_from(row.extra_time_percent).unwrap_or_default(),
        device_bound_at: row.device_bound_at,
        device_refused_at: row.device_refused_at,
    }))
}
