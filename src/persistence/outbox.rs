//! The e-mail outbox: messages queued in the transaction of the change that caused them,
//! sent later by the notifications use case (`app::notifications::deliver_due`).

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::outbox;

/// A message as queued: its recipient and, for a ready message, its texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a queued message is, and so how it is built when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr, strum::EnumString)]
pub enum MessageKind {
    /// Written when queued; sent as it is.
    #[strum(serialize = "plain")]
    Ready,
    /// The result of the sitting named by the reference, with its PDFs: built when sent.
    #[strum(serialize = "result")]
    SittingResult,
}

/// Where a message is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    Sent,
    /// Given up after the last attempt.
    Failed,
}

/// Queues a message in the caller's transaction. A message whose body is built when it
/// is sent names what it is built from in `reference` (its texts are then empty).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    email: &QueuedEmail,
    kind: MessageKind,
    reference: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    outbox::Entity::insert(outbox::ActiveModel {
        kind: Set(kind.as_ref().to_owned()),
        reference: Set(reference),
        id: Set(Uuid::now_v7()),
        recipient: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        text_body: Set(email.text.clone()),
        html_body: Set(email.html.clone()),
        status: Set(OutboxStatus::Pending.as_ref().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn claimable(now: OffsetDateTime) -> Condition {
    Condition::all()
        .add(outbox::Column::Status.eq(OutboxStatus::Pending.as_ref()))
        .add(outbox::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(outbox::Column::LockedUntil.is_null())
                .add(outbox::Column::LockedUntil.lte(now)),
        )
}

pub async fn due(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(claimable(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

pub struct ClaimedMessage {
    pub email: QueuedEmail,
    pub kind: MessageKind,
    pub reference: Option<Uuid>,
    /// Attempts including this one.
    pub attempts: u32,
}

/// Takes a lease on a due message; None if another server has it or it is no longer due.
pub async fn claim(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
    lease: time::Duration,
) -> Result<Option<ClaimedMessage>, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::LockedUntil, Expr::value(now + lease))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    let Some(m) = outbox::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let kind: MessageKind = m
        .kind
        .parse()
        .map_err(|_| DbErr::Custom(format!("message {id}: unknown kind {}", m.kind)))?;
    Ok(Some(ClaimedMessage {
        attempts: u32::try_from(m.attempts).unwrap_or(1),
        kind,
        reference: m.reference,
        email: QueuedEmail {
            to: m.recipient,
            subject: m.subject,
            text: m.text_body,
            html: m.html_body,
        },
    }))
}

pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(OutboxStatus::Sent.as_ref()),
        )
        .col_expr(outbox::Column::SentAt, Expr::value(now))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    retry_at: OffsetDateTime,
    give_up: bool,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(
                if give_up {
                    OutboxStatus::Failed
                } else {
                    OutboxStatus::Pending
                }
                .as_ref(),
            ),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(error.chars().take(1000).collect::<String>()),
        )
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(retry_at))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Status, attempts and last error of every message to `recipient`, oldest first.
pub async fn status_for(
    db: &impl ConnectionTrait,
    recipient: &str,
) -> Result<Vec<(OutboxStatus, i32, Option<String>)>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(recipient))
        .order_by_asc(outbox::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let status = m.status.parse().map_err(|_| {
                DbErr::Custom(format!("message {}: unknown status {}", m.id, m.status))
            })?;
            Ok((status, m.attempts, m.last_error))
        })
        .collect()
}

/// How many messages are waiting to be sent and how many were given up on.
pub async fn counts(db: &impl ConnectionTrait) -> Result<(u64, u64), DbErr> {
    let count = |status: OutboxStatus| {
        outbox::Entity::find()
            .filter(outbox::Column::Status.eq(status.as_ref()))
            .count(db)
    };
    Ok((
        count(OutboxStatus::Pending).await?,
        count(OutboxStatus::Failed).await?,
    ))
}
