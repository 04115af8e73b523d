//! Accounts, roles and refresh tokens.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QuerySelect, sea_query::Expr,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::entities::{refresh_tokens, user_roles, users};
use crate::domain::account::User;
use crate::domain::role::Role;
use crate::domain::values::{EmailAddress, PersonName};

impl From<users::Model> for User {
    fn from(m: users::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            password_hash: m.password_hash,
            given_name: m.given_name,
            family_name: m.family_name,
            created_at: m.created_at,
            token_version: m.token_version,
            disabled_at: m.disabled_at,
            email_verified_at: m.email_verified_at,
            erased_at: m.erased_at,
        }
    }
}

pub struct NewUser<'a> {
    /// Whether the address is known to receive mail (an accepted invitation proves it).
    pub email_verified: bool,
    pub email: &'a EmailAddress,
    pub password_hash: String,
    pub given_name: &'a PersonName,
    pub family_name: &'a PersonName,
    pub roles: &'a [Role],
    pub now: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[tracing::instrument(skip_all)]
pub async fn insert_user(
    db: &impl ConnectionTrait,
    new: NewUser<'_>,
) -> Result<Uuid, InsertUserError> {
    let id = Uuid::now_v7();
    let result = users::Entity::insert(users::ActiveModel {
        id: Set(id),
        email: Set(new.email.as_ref().to_owned()),
        password_hash: Set(new.password_hash),
        given_name: Set(new.given_name.as_ref().to_owned()),
        family_name: Set(new.family_name.as_ref().to_owned()),
        created_at: Set(new.now),
        token_version: Set(0),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        disabled_by: Set(None),
        email_verified_at: Set(new.email_verified.then_some(new.now)),
        erased_at: Set(None),
    })
    .exec_without_returning(db)
    .await;
    match result {
        Err(e) if super::is_unique_violation(&e, "users_email_key", "users.email") => {
            return Err(InsertUserError::EmailTaken);
        }
        other => {
            other?;
        }
    }
    for role in new.roles {
        user_roles::Entity::insert(user_roles::ActiveModel {
            user_id: Set(id),
            role: Set(role.as_ref().to_owned()),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(id)
}

#[tracing::instrument(skip_all)]
pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &EmailAddress,
) -> Result<Option<User>, DbErr> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.as_ref()))
        .one(db)
        .await?
        .map(User::from))
}

#[tracing::instrument(skip(db))]
pub async fn find_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<User>, DbErr> {
    Ok(users::Entity::find_by_id(id).one(db).await?.map(User::from))
}

#[tracing::instrument(skip(db))]
pub async fn roles_of(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<Role>, DbErr> {
    let rows = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let mut roles: Vec<Role> = rows
        .iter()
        .filter_map(|r| r.role.parse::<Role>().ok())
        .collect();
    roles.sort();
    Ok(roles)
}

pub struct StoredRefreshToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: OffsetDateTime,
    pub revoked: bool,
    /// When the login this token descends from began.
    pub session_started_at: OffsetDateTime,
}

#[tracing::instrument(skip_all)]
pub async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
    session_started_at: OffsetDateTime,
) -> Result<(), DbErr> {
    refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        session_started_at: Set(Some(session_started_at)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn find_refresh_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<StoredRefreshToken>, DbErr> {
    Ok(refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
        .map(|m| StoredRefreshToken {
            id: m.id,
            user_id: m.user_id,
            family_id: m.family_id,
            expires_at: m.expires_at,
            revoked: m.revoked_at.is_some(),
            session_started_at: m.session_started_at.unwrap_or(m.created_at),
        }))
}

/// Revokes one token if it is still live; true when this call revoked it (so two
/// concurrent refreshes with the same token cannot both succeed).
#[tracing::instrument(skip(db))]
pub async fn revoke_refresh_token(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes every token descended from one login.
#[tracing::instrument(skip(db))]
pub async fn revoke_refresh_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Sets a password hash; used when an invited person chooses their password.
pub async fn set_password(
    db: &impl ConnectionTrait,
    id: Uuid,
    password_hash: String,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(password_hash))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The stored hash for a password that has not been chosen yet: it verifies nothing.
pub const NO_PASSWORD: &str = "";

/// Changes the names on an account (issued certificates keep the name they were issued to).
pub async fn set_names(
    db: &impl ConnectionTrait,
    id: Uuid,
    given: &PersonName,
    family: &PersonName,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::GivenName, Expr::value(given.as_ref()))
        .col_expr(users::Column::FamilyName, Expr::value(family.as_ref()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of an account: its access tokens (the version they carry no
/// longer matches) and every refresh token.
#[tracing::instrument(skip(db))]
pub async fn end_sessions(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Disables (with who and why) or re-enables an account.
pub async fn set_disabled(
    db: &impl ConnectionTrait,
    id: Uuid,
    disabled: Option<(&str, Uuid)>,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let (at, reason, by) = match disabled {
        Some((reason, by)) => (Some(now), Some(reason.to_owned()), Some(by)),
        None => (None, None, None),
    };
    let result = users::Entity::update_many()
        .col_expr(users::Column::DisabledAt, Expr::value(at))
        .col_expr(users::Column::DisabledReason, Expr::value(reason))
        .col_expr(users::Column::DisabledBy, Expr::value(by))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The token version and disabled state of an account, for checking a request's token.
pub async fn session_state(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<(i32, bool)>, DbErr> {
    Ok(users::Entity::find_by_id(id)
        .select_only()
        .column(users::Column::TokenVersion)
        .column(users::Column::DisabledAt)
        .into_tuple::<(i32, Option<OffsetDateTime>)>()
        .one(db)
        .await?
        .map(|(version, disabled)| (version, disabled.is_some())))
}

/// Records that the account receives mail at its address (once; later calls keep the
/// first time).
pub async fn mark_email_verified(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    users::Entity::update_many()
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .filter(users::Column::EmailVerifiedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
