//! Notifications: e-mail queued in the transaction of the change that causes it, and the
//! delivery that sends what is due, retrying with back-off. Several servers may deliver
//! at once: each message is claimed (a lease) by one of them before it is sent.

pub mod texts;

use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::sitting::SittingRecord;
use crate::email::OutgoingEmail;
use crate::persistence::outbox::{self, MessageKind, QueuedEmail};
use crate::state::AppState;

/// Queues a written e-mail in the caller's transaction: it is sent only if that commits.
pub async fn queue(
    db: &impl ConnectionTrait,
    email: &OutgoingEmail,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let queued = QueuedEmail {
        to: email.to.clone(),
        subject: email.subject.clone(),
        text: email.text.clone(),
        html: email.html.clone(),
    };
    outbox::enqueue(db, &queued, MessageKind::Ready, None, now).await
}

/// Queues the result e-mail of a sitting to its candidate, in the caller's (scoring)
/// transaction; it is built, with its PDFs, when it is sent.
pub async fn queue_sitting_result_to(
    db: &impl ConnectionTrait,
    sitting: &SittingRecord,
    email: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let sitting_id = sitting.id;
    let queued = QueuedEmail {
        to: email.to_owned(),
        subject: "result".into(),
        text: String::new(),
        html: String::new(),
    };
    outbox::enqueue(
        db,
        &queued,
        MessageKind::SittingResult,
        Some(sitting_id),
        now,
    )
    .await
}

/// Seconds to wait before attempt `n + 1` (after `n` failures): 30 s, 1 min, 2 min, … ≤ 1 h.
pub fn backoff_seconds(failures: u32) -> i64 {
    (30_i64 << failures.saturating_sub(1).min(7)).min(3600)
}

/// Sends every message due now; returns how many were sent.
#[tracing::instrument(skip(state))]
pub async fn deliver_due(state: &AppState, now: OffsetDateTime) -> Result<usize, DbErr> {
    const BATCH: u64 = 100;
    let mut sent = 0;
    // Batch after batch until nothing is due: every message handled leaves the due set
    // (sent, failed for good, or put back with a later attempt time), so this ends.
    loop {
        let batch = outbox::due(&state.db, now, BATCH).await?;
        let full = batch.len() as u64 == BATCH;
        for id in batch {
            // A shutdown stops between messages, never in the middle of one.
            if state.shutdown.is_cancelled() {
                return Ok(sent);
            }
            sent += deliver_one(state, id, now).await?;
        }
        if !full {
            return Ok(sent);
        }
    }
}

/// Builds a claimed message: a ready one as queued, a sitting's result by its use case.
async fn build(
    state: &AppState,
    message: &outbox::ClaimedMessage,
) -> anyhow::Result<OutgoingEmail> {
    match (message.kind, message.reference) {
        (MessageKind::Ready, _) => Ok(OutgoingEmail {
            to: message.email.to.clone(),
            subject: message.email.subject.clone(),
            text: message.email.text.clone(),
            html: message.email.html.clone(),
            attachments: Vec::new(),
        }),
        (MessageKind::SittingResult, Some(sitting)) => {
            super::results::result_email(state, sitting, &message.email.to).await
        }
        (MessageKind::SittingResult, None) => {
            anyhow::bail!("a result message without its sitting")
        }
    }
}

/// Claims, builds and sends one message; 1 if it was sent.
async fn deliver_one(state: &AppState, id: Uuid, now: OffsetDateTime) -> Result<usize, DbErr> {
    let (db, mailer) = (&state.db, &state.mailer);
    let Some(message) = outbox::claim(db, id, now, time::Duration::minutes(5)).await? else {
        return Ok(0);
    };
    let outcome = match build(state, &message).await {
        // The outbox id as the Message-ID: a message sent again because a crash came
        // between the SMTP server's acceptance and marking it sent is the same message
        // to the recipient's mail system, which can drop the copy.
        Ok(email) => mailer.send_keyed(&email, Some(&id.to_string())).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            outbox::mark_sent(db, id, now).await?;
            Ok(1)
        }
        Err(e) => {
            let give_up = message.attempts >= mailer.max_attempts;
            let retry_at = now + time::Duration::seconds(backoff_seconds(message.attempts));
            tracing::warn!(message = %id, attempt = message.attempts, give_up, error = %e, "e-mail not sent");
            outbox::mark_failed(db, id, &e.to_string(), retry_at, give_up).await?;
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped_at_an_hour() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(3), 120);
        assert_eq!(backoff_seconds(20), 3600);
    }
}
