//! Creating an account: one path for self-registration and for operators' commands.

use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{Role, password::PasswordHasher};
use crate::domain::values::{EmailAddress, NewPassword, PersonName};
use crate::persistence::{begin_write, users};

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub struct NewAccount {
    pub email: EmailAddress,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub roles: Vec<Role>,
}

/// Hashes the password (on the blocking pool) and stores the account with its roles,
/// committed before returning.
pub async fn create(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    account: &NewAccount,
    password: NewPassword,
    now: OffsetDateTime,
) -> Result<Uuid, CreateAccountError> {
    let hash = hasher
        .hash(SecretString::from(password.into_inner()))
        .await?;
    let tx = begin_write(db).await.map_err(anyhow::Error::from)?;
    let id = users::insert_user(
        &tx,
        users::NewUser {
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
    })?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(id)
}
