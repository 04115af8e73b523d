//! Single-use links sent by e-mail (invitations, enrolment requests, e-mail verification,
//! password resets): a random token travels in the link's fragment and only its SHA-256
//! is stored, like a refresh token's.

use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::tokens::hash_refresh_token;
use crate::domain::ato::{InvitationKind, InvitationRecord};
use crate::domain::values::EmailAddress;
use crate::persistence::atos;

/// A link to store: who it is for, and what using it does.
pub(super) struct NewInvitation<'a> {
    pub kind: InvitationKind,
    pub email: &'a EmailAddress,
    pub ato_id: Option<Uuid>,
    /// The account it is for, if there is one yet.
    pub user_id: Option<Uuid>,
    /// The enrolment using it accepts.
    pub enrolment_id: Option<Uuid>,
    /// The certification body a staff invitation is for.
    pub certification_body_id: Option<Uuid>,
    pub by: Option<Uuid>,
    pub valid_for: time::Duration,
}

/// Stores a link in the caller's transaction; returns its token and when it expires.
pub(super) async fn store_invitation(
    db: &impl ConnectionTrait,
    new: NewInvitation<'_>,
    now: OffsetDateTime,
) -> Result<(String, OffsetDateTime), DbErr> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let invitation = InvitationRecord {
        id: Uuid::now_v7(),
        email: new.email.to_string(),
        kind: new.kind,
        ato_id: new.ato_id,
        user_id: new.user_id,
        token_hash: hash_refresh_token(&token),
        created_by: new.by,
        created_at: now,
        expires_at: now + new.valid_for,
        accepted_at: None,
        enrolment_id: new.enrolment_id,
        certification_body_id: new.certification_body_id,
    };
    atos::insert_invitation(db, &invitation).await?;
    Ok((token, invitation.expires_at))
}

/// Uses a link of `kind` once, in the caller's transaction: the invitation if the token
/// names one of that kind, unused and unexpired; `None` otherwise (whatever the reason).
pub(super) async fn take(
    db: &impl ConnectionTrait,
    token: &str,
    kind: InvitationKind,
    now: OffsetDateTime,
) -> Result<Option<InvitationRecord>, DbErr> {
    let Some(invitation) = atos::find_invitation(db, &hash_refresh_token(token))
        .await?
        .filter(|i| i.kind == kind && i.accepted_at.is_none() && i.expires_at > now)
    else {
        return Ok(None);
    };
    Ok(atos::accept_invitation(db, invitation.id, now)
        .await?
        .then_some(invitation))
}
