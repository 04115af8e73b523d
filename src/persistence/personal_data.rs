//! Data protection in the database: the e-mails held for an address, erasing an account's
//! personal data (in the caller's transaction), and removing what the retention periods
//! no longer keep. Every removal is an idempotent update that names the state it changes
//! (a second server, or a second run, finds nothing left to do).

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{
    answers, cases, certificates, evidence, extra_time_grants, flags, invitations, outbox,
    refresh_tokens, register_listings, sittings, users, web_sessions,
};
use super::outbox::OutboxStatus;

/// One message of the outbox as held: its texts are empty for a message built when it is
/// sent (a sitting's result) and once the retention period blanked them.
pub struct HeldEmail {
    pub id: Uuid,
    pub kind: String,
    pub subject: String,
    pub text_body: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    /// What a message built when sent is about (a sitting).
    pub reference: Option<Uuid>,
}

/// Every message queued to `recipient`, oldest first.
#[tracing::instrument(skip_all)]
pub async fn emails_to(
    db: &impl ConnectionTrait,
    recipient: &str,
) -> Result<Vec<HeldEmail>, DbErr> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Recipient.eq(recipient))
        .order_by_asc(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| HeldEmail {
            id: m.id,
            kind: m.kind,
            subject: m.subject,
            text_body: m.text_body,
            status: m.status,
            created_at: m.created_at,
            sent_at: m.sent_at,
            reference: m.reference,
        })
        .collect())
}

/// What an erasure writes in place of the personal data.
pub struct Erasure<'a> {
    pub id: Uuid,
    /// The address as it was: messages and invitations to it are found by it.
    pub old_email: &'a str,
    pub given_name: &'a str,
    pub family_name: &'a str,
    /// A unique address that cannot receive mail.
    pub placeholder_email: &'a str,
    pub by: Uuid,
    pub now: OffsetDateTime,
}

/// Why an erased account is disabled, on the account.
pub const ERASED_REASON: &str = "erased at the holder's request";

/// Written over free text the holder or others wrote about them that must stay a row
/// (an extra-time grant's reason, a case's statement).
pub const ERASED_TEXT: &str = "(erased)";

/// Removes or pseudonymises an account's personal data, in the caller's transaction:
/// names and address replaced, the password and every session gone (it can never sign
/// in again), declarations' free text and identifiers, messages' bodies and addresses,
/// certificates' holder name and stored PDF, the register listing, the holder's own
/// words in cases, and the responses and paper content of its closed sittings. What the
/// certification body keeps (certificate numbers, statuses, qualifications, dates,
/// results, decisions, the audit ledger) stays. True when this call erased it (false: it
/// was already erased, or does not exist).
#[tracing::instrument(skip_all, fields(user = %e.id))]
pub async fn erase(db: &impl ConnectionTrait, e: &Erasure<'_>) -> Result<bool, DbErr> {
    let holder = format!("{} {}", e.given_name, e.family_name);
    let done = users::Entity::update_many()
        .col_expr(users::Column::Email, Expr::value(e.placeholder_email))
        .col_expr(users::Column::GivenName, Expr::value(e.given_name))
        .col_expr(users::Column::FamilyName, Expr::value(e.family_name))
        .col_expr(
            users::Column::PasswordHash,
            Expr::value(super::users::NO_PASSWORD),
        )
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .col_expr(users::Column::DisabledAt, Expr::value(e.now))
        .col_expr(users::Column::DisabledReason, Expr::value(ERASED_REASON))
        .col_expr(users::Column::DisabledBy, Expr::value(e.by))
        .col_expr(
            users::Column::EmailVerifiedAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .col_expr(users::Column::ErasedAt, Expr::value(e.now))
        .filter(users::Column::Id.eq(e.id))
        .filter(users::Column::ErasedAt.is_null())
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Ok(false);
    }
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(e.now))
        .filter(refresh_tokens::Column::UserId.eq(e.id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    web_sessions::Entity::delete_many()
        .filter(web_sessions::Column::UserId.eq(e.id))
        .exec(db)
        .await?;
    let theirs = || {
        Condition::any()
            .add(invitations::Column::UserId.eq(e.id))
            .add(invitations::Column::Email.eq(e.old_email))
    };
    invitations::Entity::update_many()
        .col_expr(invitations::Column::ExpiresAt, Expr::value(e.now))
        .filter(theirs())
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(e.now))
        .exec(db)
        .await?;
    invitations::Entity::update_many()
        .col_expr(invitations::Column::Email, Expr::value(e.placeholder_email))
        .filter(theirs())
        .exec(db)
        .await?;
    evidence::Entity::update_many()
        .col_expr(
            evidence::Column::Description,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            evidence::Column::CertificateNumber,
            Expr::value(Option::<String>::None),
        )
        .filter(evidence::Column::CandidateId.eq(e.id))
        .exec(db)
        .await?;
    extra_time_grants::Entity::update_many()
        .col_expr(extra_time_grants::Column::Reason, Expr::value(ERASED_TEXT))
        .filter(extra_time_grants::Column::CandidateId.eq(e.id))
        .exec(db)
        .await?;
    // Never sent: nothing of it needs keeping, and it must not go out to the placeholder.
    outbox::Entity::delete_many()
        .filter(outbox::Column::Recipient.eq(e.old_email))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_ref()))
        .exec(db)
        .await?;
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Recipient, Expr::value(e.placeholder_email))
        .col_expr(outbox::Column::TextBody, Expr::value(""))
        .col_expr(outbox::Column::HtmlBody, Expr::value(""))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Recipient.eq(e.old_email))
        .exec(db)
        .await?;
    certificates::Entity::update_many()
        .col_expr(certificates::Column::HolderName, Expr::value(holder))
        .col_expr(
            certificates::Column::HolderNameFolded,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            certificates::Column::Pdf,
            Expr::value(Option::<Vec<u8>>::None),
        )
        .filter(certificates::Column::CandidateId.eq(e.id))
        .exec(db)
        .await?;
    register_listings::Entity::delete_many()
        .filter(register_listings::Column::CandidateId.eq(e.id))
        .exec(db)
        .await?;
    cases::Entity::update_many()
        .col_expr(cases::Column::Statement, Expr::value(ERASED_TEXT))
        .col_expr(cases::Column::About, Expr::value(Option::<String>::None))
        .filter(cases::Column::CandidateId.eq(e.id))
        .exec(db)
        .await?;
    let closed: Vec<Uuid> = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .filter(sittings::Column::CandidateId.eq(e.id))
        .filter(sittings::Column::ClosedAt.is_not_null())
        .filter(sittings::Column::ContentRemovedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    remove_sitting_content(db, &closed, e.now).await?;
    Ok(true)
}

/// Up to `limit` closed sittings closed before `cutoff` whose content is still held,
/// leaving out those an open appeal is about (its review may need the responses).
#[tracing::instrument(skip(db))]
pub async fn sittings_closed_before(
    db: &impl ConnectionTrait,
    cutoff: OffsetDateTime,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let appealed: Vec<String> = cases::Entity::find()
        .select_only()
        .column(cases::Column::TargetId)
        .filter(cases::Column::TargetKind.eq("sitting"))
        .filter(cases::Column::State.is_in(["received", "under_review"]))
        .into_tuple::<Option<String>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let appealed: Vec<Uuid> = appealed.iter().filter_map(|s| s.parse().ok()).collect();
    let mut query = sittings::Entity::find()
        .select_only()
        .column(sittings::Column::Id)
        .filter(sittings::Column::ClosedAt.lt(cutoff))
        .filter(sittings::Column::ContentRemovedAt.is_null());
    if !appealed.is_empty() {
        query = query.filter(sittings::Column::Id.is_not_in(appealed));
    }
    query
        .order_by_asc(sittings::Column::ClosedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Removes the responses, flags and paper content (items, keys, rationales) of closed
/// sittings, keeping their outcome (score, pass, per-area breakdown, dates) and the
/// paper's list of syllabus areas. Returns how many this call removed; a sitting already
/// done (by another server) is left alone.
#[tracing::instrument(skip_all, fields(sittings = ids.len()))]
pub async fn remove_sitting_content(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    let mut removed = 0;
    for &id in ids {
        let Some(paper) = sittings::Entity::find_by_id(id)
            .select_only()
            .column(sittings::Column::Paper)
            .filter(sittings::Column::ClosedAt.is_not_null())
            .filter(sittings::Column::ContentRemovedAt.is_null())
            .into_tuple::<String>()
            .one(db)
            .await?
        else {
            continue;
        };
        let areas = serde_json::from_str::<serde_json::Value>(&paper)
            .ok()
            .and_then(|p| p.get("areas").cloned())
            .unwrap_or_else(|| serde_json::json!([]));
        let emptied = serde_json::json!({"areas": areas, "items": []}).to_string();
        let done = sittings::Entity::update_many()
            .col_expr(sittings::Column::Paper, Expr::value(emptied))
            .col_expr(sittings::Column::ContentRemovedAt, Expr::value(now))
            .filter(sittings::Column::Id.eq(id))
            .filter(sittings::Column::ContentRemovedAt.is_null())
            .exec(db)
            .await?;
        if done.rows_affected != 1 {
            continue;
        }
        answers::Entity::delete_many()
            .filter(answers::Column::SittingId.eq(id))
            .exec(db)
            .await?;
        flags::Entity::delete_many()
            .filter(flags::Column::SittingId.eq(id))
            .exec(db)
            .await?;
        removed += 1;
    }
    Ok(removed)
}

/// Clears the free-text description of up to `limit` declarations decided before
/// `cutoff`; the decision and the facts eligibility rests on stay. Returns how many.
#[tracing::instrument(skip(db))]
pub async fn clear_evidence_text(
    db: &impl ConnectionTrait,
    cutoff: OffsetDateTime,
    limit: u64,
) -> Result<u64, DbErr> {
    let ids: Vec<Uuid> = evidence::Entity::find()
        .select_only()
        .column(evidence::Column::Id)
        .filter(evidence::Column::DecidedAt.lt(cutoff))
        .filter(evidence::Column::Description.is_not_null())
        .order_by_asc(evidence::Column::DecidedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let done = evidence::Entity::update_many()
        .col_expr(
            evidence::Column::Description,
            Expr::value(Option::<String>::None),
        )
        .filter(evidence::Column::Id.is_in(ids))
        .filter(evidence::Column::Description.is_not_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Blanks the bodies of up to `limit` messages sent before `cutoff`; their recipient,
/// subject, status and times stay. Returns how many.
#[tracing::instrument(skip(db))]
pub async fn blank_sent_bodies(
    db: &impl ConnectionTrait,
    cutoff: OffsetDateTime,
    limit: u64,
) -> Result<u64, DbErr> {
    let held = || {
        Condition::any()
            .add(outbox::Column::TextBody.ne(""))
            .add(outbox::Column::HtmlBody.ne(""))
    };
    let ids: Vec<Uuid> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::Status.eq(OutboxStatus::Sent.as_ref()))
        .filter(outbox::Column::SentAt.lt(cutoff))
        .filter(held())
        .order_by_asc(outbox::Column::SentAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::TextBody, Expr::value(""))
        .col_expr(outbox::Column::HtmlBody, Expr::value(""))
        .filter(outbox::Column::Id.is_in(ids))
        .filter(held())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
