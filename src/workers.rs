//! Background work every server runs: closing sittings past their deadline and sending
//! queued e-mail. Both are safe with several servers on one database (each sitting is
//! closed once, each message claimed by one server), so nothing depends on which runs.

use actix_web::web;

use crate::app::{notifications, sittings};
use crate::state::AppState;

/// Closes sittings past their deadline at every tick, whether or not anyone calls.
pub async fn sweep_forever(state: web::Data<AppState>, every: std::time::Duration) {
    let mut ticker = ticker(every);
    loop {
        ticker.tick().await;
        match sittings::close_overdue(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "closed sittings past their deadline"),
            Err(e) => tracing::error!(error = %e, "closing overdue sittings failed"),
        }
    }
}

/// Sends what is due in the e-mail outbox at every tick. A failing SMTP server only
/// delays mail: requests never wait for it.
pub async fn deliver_forever(state: web::Data<AppState>, every: std::time::Duration) {
    let mut ticker = ticker(every);
    loop {
        ticker.tick().await;
        match notifications::deliver_due(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, "e-mail sent"),
            Err(e) => tracing::error!(error = %e, "sending queued e-mail failed"),
        }
    }
}

/// A ticker whose first tick is one period after start (not at once), so a server that
/// has just started is not racing its own first requests.
fn ticker(every: std::time::Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}
