//! Throttling, shared by every server through the database: each client address gets a
//! number of requests per minute and action, and repeated failed sign-ins to one account
//! from one address wait longer and longer. The wait is per address, so an attacker
//! hammering an account never locks its owner out (and a sitting in progress never
//! needs a sign-in).

use std::net::IpAddr;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::persistence::throttle as counters;
use crate::state::AppState;

/// What a client does that is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Login,
    Register,
    PasswordReset,
    /// Using an e-mailed link.
    Link,
    Refresh,
    /// Uploading a roster, counted per training organization.
    RosterUpload,
    /// Looking a certificate up (verification, its page, the register).
    Verification,
}

/// Refused for now: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts; try again in {0} seconds")]
pub struct Throttled(pub u64);

#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Unexpected(#[from] sea_orm::DbErr),
}

/// Lets `?` turn a throttling error into a use case's own error enum, which has a
/// `Throttled(Throttled)` and an `Unexpected(anyhow::Error)` variant.
macro_rules! throttled_into {
    ($($error:ty),+ $(,)?) => {$(
        impl From<$crate::app::throttle::ThrottleError> for $error {
            fn from(e: $crate::app::throttle::ThrottleError) -> Self {
                match e {
                    $crate::app::throttle::ThrottleError::Throttled(t) => Self::Throttled(t),
                    $crate::app::throttle::ThrottleError::Unexpected(e) => Self::Unexpected(e.into()),
                }
            }
        }
    )+};
}

pub(super) use throttled_into;

fn limit(state: &AppState, action: Action) -> u32 {
    let t = &state.throttle;
    match action {
        Action::Login => t.login_per_minute,
        Action::Register => t.register_per_minute,
        Action::PasswordReset => t.password_reset_per_minute,
        Action::Link => t.links_per_minute,
        Action::Refresh => t.refresh_per_minute,
        Action::RosterUpload => t.roster_uploads_per_minute,
        Action::Verification => state.verification_per_minute,
    }
}

/// Counts a request of `client` for `action`; refuses it beyond the minute's limit.
pub async fn admit(state: &AppState, action: Action, client: IpAddr) -> Result<(), ThrottleError> {
    admit_as(state, action, &client.to_string()).await
}

/// Counts a request of `who` (an address, an organization) for `action`.
pub async fn admit_as(state: &AppState, action: Action, who: &str) -> Result<(), ThrottleError> {
    let now = state.clock.now();
    let window = now
        .replace_second(0)
        .unwrap_or(now)
        .replace_nanosecond(0)
        .unwrap_or(now);
    let key = format!("{}:{who}", action.as_ref());
    let count = counters::hit(&state.db, &key, window).await?;
    if count > limit(state, action).max(1) {
        let retry = (window + time::Duration::minutes(1) - now)
            .whole_seconds()
            .max(1);
        tracing::warn!(action = action.as_ref(), who, "throttled");
        return Err(Throttled(u64::try_from(retry).unwrap_or(60)).into());
    }
    Ok(())
}

/// The key of one account's failures from one address. The address is hashed: the
/// table never holds an e-mail address.
fn failure_key(email: &str, client: IpAddr) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    format!("login_failures:{}:{client}", hex::encode(&digest[..16]))
}

/// The wait after `failures` consecutive failures, if any.
fn backoff(state: &AppState, failures: u32) -> Option<time::Duration> {
    let free = state.throttle.login_failures_before_backoff;
    (failures >= free).then(|| {
        let doublings = (failures - free).min(20);
        let seconds = (1u64 << doublings).min(state.throttle.max_backoff_seconds.max(1));
        time::Duration::seconds(i64::try_from(seconds).unwrap_or(900))
    })
}

/// Refuses a sign-in to `email` from `client` while its back-off runs, before any
/// password is checked.
pub async fn login_allowed(
    state: &AppState,
    email: &str,
    client: IpAddr,
    now: OffsetDateTime,
) -> Result<(), ThrottleError> {
    if let Some((failures, last)) =
        counters::failures(&state.db, &failure_key(email, client)).await?
        && let Some(wait) = backoff(state, failures)
        && now < last + wait
    {
        let retry = (last + wait - now).whole_seconds().max(1);
        return Err(Throttled(u64::try_from(retry).unwrap_or(1)).into());
    }
    Ok(())
}

/// Records a failed sign-in; a success clears the record.
pub async fn login_outcome(
    state: &AppState,
    email: &str,
    client: IpAddr,
    succeeded: bool,
    now: OffsetDateTime,
) -> Result<(), sea_orm::DbErr> {
    let key = failure_key(email, client);
    if succeeded {
        counters::clear(&state.db, &key).await
    } else {
        counters::fail(&state.db, &key, now).await.map(|_| ())
    }
}

/// Whether an error is the password-hashing queue being full.
pub fn is_busy(e: &anyhow::Error) -> bool {
    e.downcast_ref::<crate::auth::password::Busy>().is_some()
}
