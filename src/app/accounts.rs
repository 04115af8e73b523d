//! Accounts and sessions: creating an account (one path for self-registration and for
//! operators' commands), signing in with rotating refresh tokens, signing out, and the
//! account's own profile.

use sea_orm::{ConnectionTrait, DbErr};
use secrecy::SecretString;
use time::OffsetDateTime;
use uuid::Uuid;

use std::net::IpAddr;

use super::audit;
use super::links::{self, NewInvitation, store_invitation};
use super::notifications::{self, texts};
use super::throttle::{self, Action, Throttled};
use crate::auth::{password::PasswordHasher, tokens};
use crate::domain::account::User;
use crate::domain::ato::InvitationKind;
use crate::domain::audit::{Actor, Event, TargetKind};
use crate::domain::role::Role;
use crate::domain::values::{EmailAddress, NewPassword, PersonName, Registration};
use crate::persistence::{begin_write, evidence, users};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error("the server is busy; try again shortly")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub struct NewAccount {
    pub email: EmailAddress,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub roles: Vec<Role>,
    /// Whether the address is already known to be the holder's (an operator's account).
    pub email_verified: bool,
}

/// Hashes the password (on the blocking pool) and stores the account with its roles,
/// committed before returning.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    hasher: &PasswordHasher,
    account: &NewAccount,
    password: NewPassword,
    now: OffsetDateTime,
) -> Result<Uuid, CreateAccountError> {
    let hash = hasher
        .hash(SecretString::from(password.into_inner()))
        .await?;
    let tx = begin_write(db).await.map_err(anyhow::Error::from)?;
    let id = insert(&tx, account, hash, now).await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(id)
}

async fn insert(
    db: &impl ConnectionTrait,
    account: &NewAccount,
    hash: String,
    now: OffsetDateTime,
) -> Result<Uuid, CreateAccountError> {
    users::insert_user(
        db,
        users::NewUser {
            email_verified: account.email_verified,
            email: &account.email,
            password_hash: hash,
            given_name: &account.given_name,
            family_name: &account.family_name,
            roles: &account.roles,
            now,
        },
    )
    .await
    .map_err(|e| match e {
        users::InsertUserError::EmailTaken => CreateAccountError::EmailTaken,
        users::InsertUserError::Db(e) => CreateAccountError::Unexpected(e.into()),
    })
}

/// A candidate registers themselves; returns the new account. Unless the body verifies
/// identity another way, a link to verify the address is mailed in the same transaction.
pub async fn register(
    state: &AppState,
    client: IpAddr,
    registration: Registration,
) -> Result<(Uuid, NewAccount), CreateAccountError> {
    throttle::admit(state, Action::Register, client).await?;
    let account = NewAccount {
        email: registration.email,
        given_name: registration.given_name,
        family_name: registration.family_name,
        roles: vec![Role::Candidate],
        email_verified: !state.require_verified_email,
    };
    let hash = state
        .passwords
        .hash(SecretString::from(registration.password.into_inner()))
        .await
        .map_err(|e| hashing(e, CreateAccountError::Busy, CreateAccountError::Unexpected))?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await.map_err(anyhow::Error::from)?;
    let id = insert(&tx, &account, hash, now).await?;
    if !account.email_verified {
        send_verification(&tx, state, id, &account.email, &account.given_name, now)
            .await
            .map_err(anyhow::Error::from)?;
    }
    tx.commit().await.map_err(anyhow::Error::from)?;
    tracing::info!(user = %id, "candidate registered");
    Ok((id, account))
}

async fn send_verification(
    db: &impl ConnectionTrait,
    state: &AppState,
    user_id: Uuid,
    email: &EmailAddress,
    given_name: &PersonName,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let link = NewInvitation {
        kind: InvitationKind::EmailVerification,
        email,
        ato_id: None,
        user_id: Some(user_id),
        enrolment_id: None,
        certification_body_id: None,
        by: None,
        valid_for: state.invitation_ttl,
    };
    let (token, expires_at) = store_invitation(db, link, now).await?;
    let message = texts::email_verification(
        state.public_base_url(),
        email.as_ref(),
        given_name.as_ref(),
        &token,
        expires_at,
    );
    notifications::queue(db, &message, now).await
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid, has been used, or has expired")]
    Invalid,
    #[error("the address is already verified")]
    AlreadyVerified,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for LinkError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// The holder of an account proves the address through the mailed link.
pub async fn verify_email(state: &AppState, client: IpAddr, token: &str) -> Result<(), LinkError> {
    throttle::admit(state, Action::Link, client).await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let link = links::take(&tx, token, InvitationKind::EmailVerification, now)
        .await?
        .ok_or(LinkError::Invalid)?;
    let user = link.user_id.ok_or(LinkError::Invalid)?;
    users::mark_email_verified(&tx, user, now).await?;
    tx.commit().await?;
    tracing::info!(user = %user, "e-mail address verified");
    Ok(())
}

/// Mails a new verification link to the signed-in account.
pub async fn resend_verification(state: &AppState, user_id: Uuid) -> Result<(), LinkError> {
    let user = users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(LinkError::Invalid)?;
    if user.email_verified_at.is_some() {
        return Err(LinkError::AlreadyVerified);
    }
    let email =
        EmailAddress::parse(&user.email).map_err(|e| anyhow::anyhow!("stored address: {e}"))?;
    let given =
        PersonName::parse(&user.given_name).map_err(|e| anyhow::anyhow!("stored name: {e}"))?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    send_verification(&tx, state, user_id, &email, &given, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Mails a password reset link if the address has an account; answers the same either
/// way, so the answer tells nothing about who has an account.
pub async fn request_password_reset(
    state: &AppState,
    client: IpAddr,
    email: &str,
) -> Result<(), LinkError> {
    throttle::admit(state, Action::PasswordReset, client).await?;
    let Ok(email) = EmailAddress::parse(email) else {
        return Ok(());
    };
    // An erased account never gets a password again.
    let Some(user) = users::find_by_email(&state.db, &email)
        .await?
        .filter(|u| u.erased_at.is_none())
    else {
        return Ok(());
    };
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let link = NewInvitation {
        kind: InvitationKind::PasswordReset,
        email: &email,
        ato_id: None,
        user_id: Some(user.id),
        enrolment_id: None,
        certification_body_id: None,
        by: None,
        valid_for: state.reset_ttl,
    };
    let (token, expires_at) = store_invitation(&tx, link, now).await?;
    let message = texts::password_reset(
        state.public_base_url(),
        email.as_ref(),
        &user.given_name,
        &token,
        expires_at,
    );
    notifications::queue(&tx, &message, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password through a reset link: once, before it expires. Every session of
/// the account ends, and the address counts as verified (the link reached it).
pub async fn reset_password(
    state: &AppState,
    client: IpAddr,
    token: &str,
    password: NewPassword,
) -> Result<(), LinkError> {
    throttle::admit(state, Action::Link, client).await?;
    let hash = state
        .passwords
        .hash(SecretString::from(password.into_inner()))
        .await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let link = links::take(&tx, token, InvitationKind::PasswordReset, now)
        .await?
        .ok_or(LinkError::Invalid)?;
    let user = link.user_id.ok_or(LinkError::Invalid)?;
    users::set_password(&tx, user, hash).await?;
    users::end_sessions(&tx, user, now).await?;
    users::mark_email_verified(&tx, user, now).await?;
    tx.commit().await?;
    tracing::info!(user = %user, "password reset; sessions ended");
    Ok(())
}

/// A short-lived access token and the refresh token that renews it (used once).
pub struct TokenPair {
    pub access_token: String,
    pub expires_in_seconds: i64,
    pub refresh_token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the e-mail address or password is incorrect")]
    BadCredentials,
    #[error("the refresh token is not valid; log in again")]
    RefreshRefused,
    #[error("this account has been disabled; contact the certification body")]
    Disabled,
    #[error("the access token is no longer valid; log in again")]
    Ended,
    #[error("the current password is incorrect")]
    WrongCurrentPassword,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error("the server is busy; try again shortly")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for SessionError {
    fn from(e: DbErr) -> Self {
        Self::Unexpected(e.into())
    }
}

/// The hashing queue's refusal as `busy`, anything else as `other`.
fn hashing<E>(e: anyhow::Error, busy: E, other: impl FnOnce(anyhow::Error) -> E) -> E {
    if throttle::is_busy(&e) {
        busy
    } else {
        other(e)
    }
}

async fn issue_tokens(
    state: &AppState,
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    session_started_at: OffsetDateTime,
) -> Result<TokenPair, SessionError> {
    let now = state.clock.now();
    let (version, disabled) = users::session_state(db, user_id)
        .await?
        .ok_or(SessionError::RefreshRefused)?;
    if disabled {
        return Err(SessionError::Disabled);
    }
    let roles = users::roles_of(db, user_id).await?;
    let access_token = state.tokens.issue_access(user_id, &roles, version, now)?;
    let (refresh_token, hash) = tokens::new_refresh_token();
    users::insert_refresh_token(
        db,
        user_id,
        family_id,
        hash,
        now,
        (now + state.tokens.refresh_ttl).min(session_started_at + state.tokens.session_max),
        session_started_at,
    )
    .await?;
    Ok(TokenPair {
        access_token,
        expires_in_seconds: state.tokens.access_ttl.whole_seconds(),
        refresh_token,
    })
}

/// Signs in with an e-mail address and password. The answer (and its timing) is the same
/// whether the account does not exist or the password is wrong.
pub async fn login(
    state: &AppState,
    client: IpAddr,
    email: &str,
    password: SecretString,
) -> Result<TokenPair, SessionError> {
    let user = authenticate(state, client, email, password).await?;
    let tx = begin_write(&state.db).await?;
    let now = state.clock.now();
    let tokens = issue_tokens(state, &tx, user.id, Uuid::now_v7(), now).await?;
    audit::record(&tx, now, &[signed_in(&user, client, "api")]).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// The audit event of a successful sign-in through `door` (`api` or `web`).
pub(super) fn signed_in(user: &User, client: IpAddr, door: &str) -> Event {
    Event {
        client: Some(client.to_string()),
        ..Event::new(
            Actor::User(user.id),
            audit::Action::SignedIn,
            TargetKind::Account,
            user.id,
            serde_json::json!({"door": door}),
        )
    }
}

/// Records a refused sign-in: the account when the address names one, else only the
/// address's domain (as the log does), never the password.
async fn record_refusal(
    state: &AppState,
    client: IpAddr,
    email: &str,
    user: Option<&User>,
    why: &str,
) -> Result<(), DbErr> {
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or("(none)");
    let domain: String = domain.trim().to_lowercase().chars().take(253).collect();
    let (actor, target) = match user {
        Some(u) => (Actor::User(u.id), u.id.to_string()),
        None => (Actor::Anonymous, "unknown".to_owned()),
    };
    let event = Event {
        client: Some(client.to_string()),
        ..Event::new(
            actor,
            audit::Action::SignInFailed,
            TargetKind::Account,
            target,
            serde_json::json!({"reason": why, "email_domain": domain}),
        )
    };
    audit::record_alone(state, &[event]).await
}

/// Checks an e-mail address and password, throttled per client address and per account;
/// every front door signs in through here.
pub(super) async fn authenticate(
    state: &AppState,
    client: IpAddr,
    email: &str,
    password: SecretString,
) -> Result<User, SessionError> {
    // Refused before the throttle's write when the hashing queue is already full.
    let _entered = state.passwords.enter().map_err(|_| SessionError::Busy)?;
    throttle::admit(state, Action::Login, client).await?;
    let now = state.clock.now();
    throttle::login_allowed(state, email, client, now).await?;
    let user = match EmailAddress::parse(email) {
        Ok(email) => users::find_by_email(&state.db, &email).await?,
        Err(_) => None,
    };
    // An account whose owner has not chosen a password yet cannot log in.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .filter(|h| h != users::NO_PASSWORD);
    let matched = state
        .passwords
        .verify(password, hash)
        .await
        .map_err(|e| hashing(e, SessionError::Busy, SessionError::Unexpected))?;
    throttle::login_outcome(state, email, client, matched, now).await?;
    if !matched {
        // Never the password, and of the address only its domain.
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or("(none)");
        tracing::warn!(email_domain = %domain.trim().to_lowercase(), "login failed");
        record_refusal(state, client, email, user.as_ref(), "bad_credentials").await?;
        return Err(SessionError::BadCredentials);
    }
    let Some(user) = user else {
        return Err(SessionError::BadCredentials);
    };
    if user.disabled_at.is_some() {
        record_refusal(state, client, email, Some(&user), "account_disabled").await?;
        return Err(SessionError::Disabled);
    }
    Ok(user)
}

/// Exchanges a refresh token for a new pair. A spent token presented again means it was
/// copied: the whole login it belongs to is revoked.
pub async fn refresh(
    state: &AppState,
    client: IpAddr,
    refresh_token: &str,
) -> Result<TokenPair, SessionError> {
    throttle::admit(state, Action::Refresh, client).await?;
    let now = state.clock.now();
    let hash = tokens::hash_refresh_token(refresh_token);
    let tx = begin_write(&state.db).await?;
    let Some(stored) = users::find_refresh_token(&tx, &hash).await? else {
        return Err(SessionError::RefreshRefused);
    };
    if stored.revoked || !users::revoke_refresh_token(&tx, stored.id, now).await? {
        users::revoke_refresh_family(&tx, stored.family_id, now).await?;
        tx.commit().await?;
        tracing::warn!(user = %stored.user_id, "refresh token reused; login revoked");
        return Err(SessionError::RefreshRefused);
    }
    if stored.expires_at <= now || stored.session_started_at + state.tokens.session_max <= now {
        tx.commit().await?;
        return Err(SessionError::RefreshRefused);
    }
    let tokens = match issue_tokens(
        state,
        &tx,
        stored.user_id,
        stored.family_id,
        stored.session_started_at,
    )
    .await
    {
        Err(SessionError::Disabled) => {
            tx.commit().await?;
            return Err(SessionError::RefreshRefused);
        }
        other => other?,
    };
    tx.commit().await?;
    Ok(tokens)
}

/// Signs out: every session of the account behind the refresh token ends, access tokens
/// included (an unknown token changes nothing).
pub async fn logout(state: &AppState, refresh_token: &str) -> Result<(), SessionError> {
    let now = state.clock.now();
    let hash = tokens::hash_refresh_token(refresh_token);
    let tx = begin_write(&state.db).await?;
    if let Some(stored) = users::find_refresh_token(&tx, &hash).await? {
        users::end_sessions(&tx, stored.user_id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether a verified access token still opens a session: its account exists, is not
/// disabled, and has not ended its sessions since the token was issued.
pub async fn check_session(
    state: &AppState,
    user_id: Uuid,
    version: i32,
) -> Result<(), SessionError> {
    match users::session_state(&state.db, user_id).await? {
        Some((current, false)) if current == version => Ok(()),
        _ => Err(SessionError::Ended),
    }
}

/// Changes the password, given the current one; every session of the account ends.
pub async fn change_password(
    state: &AppState,
    user_id: Uuid,
    current: SecretString,
    new: NewPassword,
) -> Result<(), SessionError> {
    let user = users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(SessionError::Ended)?;
    let hash = Some(user.password_hash).filter(|h| h != users::NO_PASSWORD);
    if !state.passwords.verify(current, hash).await? {
        return Err(SessionError::WrongCurrentPassword);
    }
    let new_hash = state
        .passwords
        .hash(SecretString::from(new.into_inner()))
        .await?;
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    users::set_password(&tx, user_id, new_hash).await?;
    users::end_sessions(&tx, user_id, now).await?;
    tx.commit().await?;
    tracing::info!(user = %user_id, "password changed; sessions ended");
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum AdministerError {
    #[error("no such account")]
    NotFound,
    #[error("you cannot disable your own account")]
    OwnAccount,
    #[error(
        "this account's personal data was erased at its holder's request; it cannot be enabled again"
    )]
    Erased,
    #[error(transparent)]
    Unexpected(#[from] DbErr),
}

/// An administrator disables an account (ending every session at once) or re-enables
/// it, with a reason on record.
pub async fn set_disabled(
    state: &AppState,
    admin: Uuid,
    user_id: Uuid,
    disable: Option<&str>,
) -> Result<(), AdministerError> {
    if admin == user_id && disable.is_some() {
        return Err(AdministerError::OwnAccount);
    }
    let now = state.clock.now();
    let tx = begin_write(&state.db).await?;
    let user = users::find_by_id(&tx, user_id)
        .await?
        .ok_or(AdministerError::NotFound)?;
    if user.erased_at.is_some() {
        return Err(AdministerError::Erased);
    }
    if !users::set_disabled(&tx, user_id, disable.map(|r| (r, admin)), now).await? {
        return Err(AdministerError::NotFound);
    }
    if disable.is_some() {
        users::end_sessions(&tx, user_id, now).await?;
    }
    let event = match disable {
        Some(reason) => audit::event(
            Actor::User(admin),
            audit::Action::AccountDisabled,
            TargetKind::Account,
            user_id,
            serde_json::json!({"reason": reason, "before": {"disabled": false}, "after": {"disabled": true}}),
        ),
        None => audit::event(
            Actor::User(admin),
            audit::Action::AccountEnabled,
            TargetKind::Account,
            user_id,
            serde_json::json!({"after": {"disabled": false}}),
        ),
    };
    audit::record(&tx, now, &[event]).await?;
    tx.commit().await?;
    tracing::info!(user = %user_id, by = %admin, disabled = disable.is_some(), "account status changed");
    Ok(())
}

/// The signed-in account, its roles and its extra-time allowance in percent.
pub struct Profile {
    /// `email_verified_at` says whether the address is verified.
    pub user: User,
    pub roles: Vec<Role>,
    pub extra_time_percent: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("the account no longer exists")]
    Gone,
    #[error(transparent)]
    Unexpected(#[from] DbErr),
}

pub async fn profile(state: &AppState, user_id: Uuid) -> Result<Profile, ProfileError> {
    let user = users::find_by_id(&state.db, user_id)
        .await?
        .ok_or(ProfileError::Gone)?;
    Ok(Profile {
        roles: users::roles_of(&state.db, user_id).await?,
        extra_time_percent: evidence::current_extra_time(&state.db, user_id).await?,
        user,
    })
}

/// Changes the account's names; certificates already issued keep the name they were
/// issued to.
pub async fn rename(
    state: &AppState,
    user_id: Uuid,
    given: &PersonName,
    family: &PersonName,
) -> Result<(), ProfileError> {
    let tx = begin_write(&state.db).await?;
    users::set_names(&tx, user_id, given, family).await?;
    tx.commit().await?;
    Ok(())
}

throttle::throttled_into!(SessionError, CreateAccountError, LinkError);
