//! The e-mail outbox: messages queued in the transaction of the change that caused them,
//! sent later by `email::deliver_due`.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::outbox;
use crate::email::OutgoingEmail;

pub async fn enqueue(
    db: &impl ConnectionTrait,
    email: &OutgoingEmail,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    enqueue_kind(db, email, "plain", None, now).await
}

/// Queues a message of a `kind` whose body is built when it is sent, from `reference`
/// (the queued e-mail then only carries the recipient).
pub async fn enqueue_kind(
    db: &impl ConnectionTrait,
    email: &OutgoingEmail,
    kind: &str,
    reference: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    outbox::Entity::insert(outbox::ActiveModel {
        kind: Set(kind.to_owned()),
        reference: Set(reference),
        id: Set(Uuid::now_v7()),
        recipient: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        text_body: Set(email.text.clone()),
        html_body: Set(email.html.clone()),
        status: Set("pending".into()),
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
        .add(outbox::Column::Status.eq("pending"))
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
    pub email: OutgoingEmail,
    pub kind: String,
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
    Ok(outbox::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|m| ClaimedMessage {
            attempts: u32::try_from(m.attempts).unwrap_or(1),
            kind: m.kind,
            reference: m.reference,
            email: OutgoingEmail {
                to: m.recipient,
                subject: m.subject,
                text: m.text_body,
                html: m.html_body,
                attachments: Vec::new(),
            },
        }))
}

pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value("sent"))
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
            Expr::value(if give_up { "failed" } else { "pending" }),
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
) -> Result<Vec<(String, i32, Option<String>)>, DbErr> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(recipient))
        .order_by_asc(outbox::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.status, m.attempts, m.last_error))
        .collect())
}
