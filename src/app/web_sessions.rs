//! Sign-in sessions of the web pages. The browser holds a random value in an HttpOnly
//! cookie; the database holds its hash, the account's token version at sign-in and the
//! session's CSRF token. A session opens a page only while it has not expired and the
//! account's token version is unchanged, so whatever ends the account's API sessions
//! (signing out everywhere, a password change or reset, an administrator disabling the
//! account) ends its web sessions too, on every server sharing the database.

use std::net::IpAddr;

use secrecy::SecretString;
use uuid::Uuid;

use super::accounts::{self, SessionError};
use crate::auth::tokens;
use crate::domain::role::Role;
use crate::persistence::{begin_write, users, web_sessions as repo};
use crate::state::AppState;

/// How long a web session lasts at most, however active it is.
pub const LIFETIME: time::Duration = time::Duration::hours(12);

/// The signed-in user as the pages see them.
#[derive(Clone, Debug)]
pub struct WebSession {
    pub user_id: Uuid,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub roles: Vec<Role>,
    pub email_verified: bool,
    /// The token every form of this session carries.
    pub csrf_token: String,
}

impl WebSession {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Signs in with an e-mail address and password (throttled like the API's login) and
/// opens a session; returns the cookie's value.
pub async fn sign_in(
    state: &AppState,
    client: IpAddr,
    email: &str,
    password: SecretString,
) -> Result<String, SessionError> {
    let user = accounts::authenticate(state, client, email, password).await?;
    let signed_in = accounts::signed_in(&user, client, "web");
    let cookie = store(state, user.id, user.token_version, &[signed_in]).await?;
    tracing::info!(user = %user.id, "signed in on the web");
    Ok(cookie)
}

/// Opens a session for an account that has just been created by its owner.
pub async fn open(state: &AppState, user_id: Uuid) -> Result<String, sea_orm::DbErr> {
    let (version, _) = users::session_state(&state.db, user_id)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("user {user_id}")))?;
    store(state, user_id, version, &[]).await
}

async fn store(
    state: &AppState,
    user_id: Uuid,
    version: i32,
    events: &[crate::domain::audit::Event],
) -> Result<String, sea_orm::DbErr> {
    let now = state.clock.now();
    let (cookie, hash) = tokens::new_refresh_token();
    let (csrf, _) = tokens::new_refresh_token();
    let tx = begin_write(&state.db).await?;
    repo::prune(&tx, user_id, version, now).await?;
    repo::insert(&tx, hash, user_id, version, csrf, now, now + LIFETIME).await?;
    super::audit::record(&tx, now, events).await?;
    tx.commit().await?;
    Ok(cookie)
}

/// The session a cookie opens, if it still does.
pub async fn resolve(state: &AppState, cookie: &str) -> Result<Option<WebSession>, sea_orm::DbErr> {
    let Some(stored) = repo::find(&state.db, &tokens::hash_refresh_token(cookie)).await? else {
        return Ok(None);
    };
    if stored.expires_at <= state.clock.now() {
        return Ok(None);
    }
    let Some(user) = users::find_by_id(&state.db, stored.user_id).await? else {
        return Ok(None);
    };
    if user.disabled_at.is_some() || user.token_version != stored.token_version {
        return Ok(None);
    }
    let roles = users::roles_of(&state.db, user.id).await?;
    Ok(Some(WebSession {
        user_id: user.id,
        email: user.email,
        given_name: user.given_name,
        family_name: user.family_name,
        roles,
        email_verified: user.email_verified_at.is_some(),
        csrf_token: stored.csrf_token,
    }))
}

/// Ends the session a cookie opens (the account's other sessions go on).
pub async fn sign_out(state: &AppState, cookie: &str) -> Result<(), sea_orm::DbErr> {
    let tx = begin_write(&state.db).await?;
    repo::delete(&tx, &tokens::hash_refresh_token(cookie)).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the account, on the web and through the API.
pub async fn sign_out_everywhere(state: &AppState, user_id: Uuid) -> Result<(), sea_orm::DbErr> {
    let tx = begin_write(&state.db).await?;
    users::end_sessions(&tx, user_id, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}
