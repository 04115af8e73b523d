//! Training-organization use cases: staff invitations, accepting an invitation, and
//! enrolling a delegate. Each runs in one transaction, with its e-mail queued in it.

use rand::RngCore;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use secrecy::SecretString;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{Role, password::PasswordHasher, tokens::hash_refresh_token};
use crate::domain::ato::Delegate;
use crate::domain::values::{EmailAddress, NewPassword, PersonName};
use crate::email;
use crate::notices::{self, CourseSummary};
use crate::persistence::atos::{self, CourseRecord, InvitationKind, InvitationRecord};
use crate::persistence::{begin_write, users};
use crate::startup::AppState;

/// A random invitation token and the hash that is stored.
fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("this address already has an Invigilator account; staff accounts are separate")]
    HasAccount,
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[tracing::instrument(skip(state))]
pub async fn invite_staff(
    state: &AppState,
    ato_id: Uuid,
    ato_name: &str,
    email: &EmailAddress,
    by: Uuid,
) -> Result<(), InviteError> {
    let (db, mailer, now, valid_for) = (
        &state.db,
        &state.mailer,
        state.clock.now(),
        state.invitation_ttl,
    );
    let tx = begin_write(db).await?;
    if users::find_by_email(&tx, email).await?.is_some() {
        return Err(InviteError::HasAccount);
    }
    let (token, token_hash) = new_token();
    let invitation = InvitationRecord {
        id: Uuid::now_v7(),
        email: email.to_string(),
        kind: InvitationKind::AtoStaff,
        ato_id: Some(ato_id),
        user_id: None,
        token_hash,
        created_by: Some(by),
        created_at: now,
        expires_at: now + valid_for,
        accepted_at: None,
    };
    atos::insert_invitation(&tx, &invitation).await?;
    let message = notices::staff_invitation(
        &mailer.public_base_url,
        email.as_ref(),
        ato_name,
        &token,
        invitation.expires_at,
    );
    email::queue(&tx, &message, now).await?;
    tx.commit().await?;
    Ok(())
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
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    token: &str,
    password: NewPassword,
    names: Option<(PersonName, PersonName)>,
    now: OffsetDateTime,
) -> Result<Uuid, AcceptError> {
    let hash = hash_refresh_token(token);
    let invitation = atos::find_invitation(db, &hash)
        .await?
        .ok_or(AcceptError::Invalid)?;
    if invitation.accepted_at.is_some() || invitation.expires_at <= now {
        return Err(AcceptError::Invalid);
    }
    if invitation.kind == InvitationKind::AtoStaff && names.is_none() {
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
        InvitationKind::AtoStaff => {
            let (given, family) = names.ok_or(AcceptError::NamesRequired)?;
            let email = EmailAddress::parse(&invitation.email)
                .map_err(|e| anyhow::anyhow!("stored invitation address: {e}"))?;
            let ato_id = invitation
                .ato_id
                .ok_or_else(|| anyhow::anyhow!("staff invitation without an ATO"))?;
            let id = users::insert_user(
                &tx,
                users::NewUser {
                    email: &email,
                    password_hash,
                    given_name: &given,
                    family_name: &family,
                    roles: &[Role::AtoStaff],
                    now,
                },
            )
            .await
            .map_err(|e| match e {
                users::InsertUserError::EmailTaken => AcceptError::HasAccount,
                users::InsertUserError::Db(e) => e.into(),
            })?;
            atos::add_staff(&tx, id, ato_id, now).await?;
            id
        }
        InvitationKind::Delegate => {
            let id = invitation
                .user_id
                .ok_or_else(|| anyhow::anyhow!("delegate invitation without an account"))?;
            users::set_password(&tx, id, password_hash).await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// What enrolling one delegate did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolResult {
    /// A new candidate account was opened and invited to choose a password.
    Created,
    /// An existing candidate was enrolled.
    Linked,
    /// The candidate was already on this course; nothing changed.
    AlreadyEnrolled,
}

#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error("this address belongs to an account that is not a candidate's")]
    NotACandidate,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Enrols one delegate in its own transaction, so one bad row never blocks another.
#[tracing::instrument(skip_all, fields(course = %course.id))]
pub async fn enrol(
    state: &AppState,
    course: &CourseRecord,
    ato_name: &str,
    delegate: &Delegate,
    by: Uuid,
) -> Result<EnrolResult, EnrolError> {
    let (db, mailer, now, valid_for) = (
        &state.db,
        &state.mailer,
        state.clock.now(),
        state.invitation_ttl,
    );
    let summary = CourseSummary {
        title: &course.title,
        ato_name,
        starts_on: course.starts_on,
        ends_on: course.ends_on,
    };
    let tx = begin_write(db).await?;
    let result = match users::find_by_email(&tx, &delegate.email).await? {
        Some(user) => {
            if !users::roles_of(&tx, user.id)
                .await?
                .contains(&Role::Candidate)
            {
                return Err(EnrolError::NotACandidate);
            }
            if atos::enrol(&tx, course.id, user.id, by, now).await? {
                let message = notices::enrolment_notice(
                    &mailer.public_base_url,
                    &user.email,
                    &user.given_name,
                    &summary,
                );
                email::queue(&tx, &message, now).await?;
                EnrolResult::Linked
            } else {
                EnrolResult::AlreadyEnrolled
            }
        }
        None => {
            let id = create_delegate_account(&tx, delegate, now).await?;
            atos::enrol(&tx, course.id, id, by, now).await?;
            let (token, token_hash) = new_token();
            let invitation = InvitationRecord {
                id: Uuid::now_v7(),
                email: delegate.email.to_string(),
                kind: InvitationKind::Delegate,
                ato_id: Some(course.ato_id),
                user_id: Some(id),
                token_hash,
                created_by: Some(by),
                created_at: now,
                expires_at: now + valid_for,
                accepted_at: None,
            };
            atos::insert_invitation(&tx, &invitation).await?;
            let message = notices::delegate_invitation(
                &mailer.public_base_url,
                delegate.email.as_ref(),
                delegate.given_name.as_ref(),
                &summary,
                &token,
                invitation.expires_at,
            );
            email::queue(&tx, &message, now).await?;
            EnrolResult::Created
        }
    };
    tx.commit().await?;
    Ok(result)
}

async fn create_delegate_account(
    db: &impl ConnectionTrait,
    delegate: &Delegate,
    now: OffsetDateTime,
) -> Result<Uuid, DbErr> {
    users::insert_user(
        db,
        users::NewUser {
            email: &delegate.email,
            password_hash: users::NO_PASSWORD.to_owned(),
            given_name: &delegate.given_name,
            family_name: &delegate.family_name,
            roles: &[Role::Candidate],
            now,
        },
    )
    .await
    .map_err(|e| match e {
        users::InsertUserError::EmailTaken => {
            DbErr::Custom("the address was registered at the same moment; upload again".into())
        }
        users::InsertUserError::Db(e) => e,
    })
}
