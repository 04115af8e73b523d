//! Accounts: a person who signs in, with the roles they hold.

use time::OffsetDateTime;
use uuid::Uuid;

/// An account as stored. `password_hash` never leaves the use-case layer.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub given_name: String,
    pub family_name: String,
    pub created_at: OffsetDateTime,
    /// Every access token carries the version it was issued under; bumping it (logout,
    /// a password change, disabling) ends every session of the account at once.
    pub token_version: i32,
    /// Set while an administrator has disabled the account.
    pub disabled_at: Option<OffsetDateTime>,
    /// When the account proved it receives mail at its address.
    pub email_verified_at: Option<OffsetDateTime>,
    /// When the holder's personal data was erased at their request (it can never sign
    /// in again).
    pub erased_at: Option<OffsetDateTime>,
}
