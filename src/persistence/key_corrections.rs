//! Key corrections and the sittings they reach. A correction is committed by a
//! conditional UPDATE (`… WHERE status = 'draft'`) that also gives it its key version;
//! the unique index on (qualification, edition, version) turns two commits racing for the
//! same version into one commit and one conflict.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, LikeExpr},
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{certificates, key_corrections, sittings};
use super::paging;
use crate::domain::certificate::CertificateRecord;
use crate::domain::regrade::{CorrectionStatus, KeyCorrection};
use crate::domain::sitting::{SittingRecord, SittingStatus};

fn unreadable(id: Uuid, what: &str) -> DbErr {
    DbErr::Custom(format!("key correction {id}: stored {what} is unreadable"))
}

impl TryFrom<key_corrections::Model> for KeyCorrection {
    type Error = DbErr;

    fn try_from(m: key_corrections::Model) -> Result<Self, DbErr> {
        let options =
            serde_json::from_str(&m.written_options).map_err(|_| unreadable(m.id, "options"))?;
        let key = match &m.new_key {
            Some(k) => Some(serde_json::from_str(k).map_err(|_| unreadable(m.id, "key"))?),
            None => None,
        };
        Ok(Self {
            id: m.id,
            qualification: m.qualification_code,
            edition: m.edition,
            item_id: m.item_id,
            kind: m.kind.parse().map_err(|_| unreadable(m.id, "kind"))?,
            options,
            key,
            reason: m.reason,
            appeal_id: m.appeal_id,
            status: m.status.parse().map_err(|_| unreadable(m.id, "status"))?,
            version: m.version.and_then(|v| u32::try_from(v).ok()),
            recorded_by: m.recorded_by,
            recorded_at: m.recorded_at,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
        })
    }
}

#[tracing::instrument(skip_all, fields(correction = %c.id))]
pub async fn insert(db: &impl ConnectionTrait, c: &KeyCorrection) -> Result<(), DbErr> {
    key_corrections::Entity::insert(key_corrections::ActiveModel {
        id: Set(c.id),
        qualification_code: Set(c.qualification.clone()),
        edition: Set(c.edition.clone()),
        item_id: Set(c.item_id.clone()),
        kind: Set(c.kind.as_ref().to_owned()),
        written_options: Set(to_json(&c.options)?),
        new_key: Set(c.key.as_ref().map(to_json).transpose()?),
        reason: Set(c.reason.clone()),
        appeal_id: Set(c.appeal_id),
        status: Set(c.status.as_ref().to_owned()),
        version: Set(c.version.map(|v| v as i32)),
        recorded_by: Set(c.recorded_by),
        recorded_at: Set(c.recorded_at),
        decided_by: Set(c.decided_by),
        decided_at: Set(c.decided_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, DbErr> {
    serde_json::to_string(v).map_err(|e| DbErr::Custom(e.to_string()))
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<KeyCorrection>, DbErr> {
    key_corrections::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(KeyCorrection::try_from)
        .transpose()
}

/// Every correction, oldest first: `limit` after `cursor`.
pub async fn page(
    db: &impl ConnectionTrait,
    status: Option<CorrectionStatus>,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Vec<KeyCorrection>, DbErr> {
    let mut query = key_corrections::Entity::find();
    if let Some(status) = status {
        query = query.filter(key_corrections::Column::Status.eq(status.as_ref()));
    }
    paging::oldest_first(query, key_corrections::Column::Id, cursor, limit)
        .all(db)
        .await?
        .into_iter()
        .map(KeyCorrection::try_from)
        .collect()
}

/// The committed corrections of a qualification's key, in version order. With `lock`
/// (when scoring a sitting), PostgreSQL share-locks every correction of the
/// qualification, so a commit in flight is waited for and seen, and a commit that starts
/// afterwards waits until the sitting's score is on record and then rescores it too.
pub async fn committed(
    db: &impl ConnectionTrait,
    qualification: &str,
    edition: &str,
    lock: bool,
) -> Result<Vec<KeyCorrection>, DbErr> {
    let mut query = key_corrections::Entity::find()
        .filter(key_corrections::Column::QualificationCode.eq(qualification))
        .filter(key_corrections::Column::Edition.eq(edition))
        .order_by_asc(key_corrections::Column::Version)
        .order_by_asc(key_corrections::Column::Id);
    if lock && db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_shared();
    }
    let rows = query.all(db).await?;
    rows.into_iter()
        .filter(|m| m.status == CorrectionStatus::Committed.as_ref())
        .map(KeyCorrection::try_from)
        .collect()
}

/// The next version of the qualification's key.
pub async fn next_version(
    db: &impl ConnectionTrait,
    qualification: &str,
    edition: &str,
) -> Result<u32, DbErr> {
    let last: Option<Option<i32>> = key_corrections::Entity::find()
        .select_only()
        .column_as(key_corrections::Column::Version.max(), "v")
        .filter(key_corrections::Column::QualificationCode.eq(qualification))
        .filter(key_corrections::Column::Edition.eq(edition))
        .into_tuple()
        .one(db)
        .await?;
    let last = last
        .flatten()
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(0);
    Ok(last + 1)
}

#[derive(Debug, thiserror::Error)]
pub enum CommitRowError {
    #[error("another correction took this key version")]
    VersionTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Commits a draft as `version`; false when it is no longer a draft.
pub async fn mark_committed(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: u32,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, CommitRowError> {
    let result = key_corrections::Entity::update_many()
        .col_expr(
            key_corrections::Column::Status,
            Expr::value(CorrectionStatus::Committed.as_ref()),
        )
        .col_expr(
            key_corrections::Column::Version,
            Expr::value(version as i32),
        )
        .col_expr(key_corrections::Column::DecidedBy, Expr::value(by))
        .col_expr(key_corrections::Column::DecidedAt, Expr::value(now))
        .filter(key_corrections::Column::Id.eq(id))
        .filter(key_corrections::Column::Status.eq(CorrectionStatus::Draft.as_ref()))
        .exec(db)
        .await;
    match result {
        Err(e)
            if super::is_unique_violation(
                &e,
                "key_corrections_version_key",
                "key_corrections.version",
            ) =>
        {
            Err(CommitRowError::VersionTaken)
        }
        Err(e) => Err(e.into()),
        Ok(r) => Ok(r.rows_affected == 1),
    }
}

/// Withdraws a draft; false when it is no longer a draft.
pub async fn mark_withdrawn(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = key_corrections::Entity::update_many()
        .col_expr(
            key_corrections::Column::Status,
            Expr::value(CorrectionStatus::Withdrawn.as_ref()),
        )
        .col_expr(key_corrections::Column::DecidedBy, Expr::value(by))
        .col_expr(key_corrections::Column::DecidedAt, Expr::value(now))
        .filter(key_corrections::Column::Id.eq(id))
        .filter(key_corrections::Column::Status.eq(CorrectionStatus::Draft.as_ref()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The closed, scored sittings of the qualification whose stored paper holds the item,
/// oldest first. The text search only narrows the rows read; the caller checks each
/// paper (`regrade::holds`).
pub async fn closed_holding(
    db: &impl ConnectionTrait,
    qualification: &str,
    edition: &str,
    item_id: &str,
) -> Result<Vec<SittingRecord>, DbErr> {
    let escaped: String = item_id
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '!' => vec!['!', c],
            c => vec![c],
        })
        .collect();
    let needle = serde_json::to_string(item_id).map_err(|e| DbErr::Custom(e.to_string()))?;
    let needle = needle.replace(item_id, &escaped);
    let pattern = format!("%\"item_id\":{needle}%");
    sittings::Entity::find()
        .filter(sittings::Column::QualificationCode.eq(qualification))
        .filter(sittings::Column::Edition.eq(edition))
        .filter(sittings::Column::Status.ne(SittingStatus::InProgress.as_ref()))
        .filter(sittings::Column::Score.is_not_null())
        .filter(Expr::col(sittings::Column::Paper).like(LikeExpr::new(pattern).escape('!')))
        .order_by_asc(sittings::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(SittingRecord::try_from)
        .collect()
}

/// The sitting's live certificate (not replaced by another), whatever its status.
pub async fn live_certificate(
    db: &impl ConnectionTrait,
    sitting_id: Uuid,
) -> Result<Option<CertificateRecord>, DbErr> {
    certificates::Entity::find()
        .filter(certificates::Column::SittingId.eq(sitting_id))
        .filter(certificates::Column::ReplacedBy.is_null())
        .into_partial_model::<certificates::Row>()
        .one(db)
        .await?
        .map(CertificateRecord::try_from)
        .transpose()
}
