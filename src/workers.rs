//! Background work every server runs: closing sittings past their deadline (and queueing
//! voucher expiry reminders) and sending queued e-mail. Both are safe with several servers on one database (each sitting is
//! closed once, each message claimed by one server), so nothing depends on which runs.

use actix_web::web;

use crate::app::{exam_sessions, notifications, personal_data, sittings, vouchers};
use crate::state::AppState;

/// Closes sittings past their deadline, whether or not anyone calls: at least every
/// `every`, and sooner when the earliest deadline of a sitting in progress comes first,
/// so a sitting is closed (and its result sent) within moments of its deadline.
pub async fn sweep_forever(state: web::Data<AppState>, every: std::time::Duration) {
    tokio::time::sleep(every).await;
    loop {
        match sittings::close_overdue(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "closed sittings past their deadline"),
            Err(e) => tracing::error!(error = %e, "closing overdue sittings failed"),
        }
        // Reminders before a voucher expires: each queued once, whichever server sweeps.
        match vouchers::send_reminders(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "voucher expiry reminders queued"),
            Err(e) => tracing::error!(error = %e, "queueing voucher reminders failed"),
        }
        // Bookings of closed sessions whose candidate never started: no-shows.
        match exam_sessions::settle_no_shows(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(settled = n, "no-shows settled"),
            Err(e) => tracing::error!(error = %e, "settling no-shows failed"),
        }
        // Personal data past its retention period ([retention]).
        match personal_data::apply_retention(&state, state.clock.now()).await {
            Ok(r) if r.total() == 0 => {}
            Ok(r) => tracing::info!(
                sittings = r.sittings,
                evidence = r.evidence,
                emails = r.emails,
                "retention periods applied"
            ),
            Err(e) => tracing::error!(error = %e, "applying the retention periods failed"),
        }
        tokio::time::sleep(until_next_sweep(&state, every).await).await;
    }
}

/// How long to sleep before the next sweep: until the next deadline (a moment after it,
/// deadlines being whole seconds), never longer than `every`.
async fn until_next_sweep(state: &AppState, every: std::time::Duration) -> std::time::Duration {
    const AFTER_DEADLINE: std::time::Duration = std::time::Duration::from_millis(50);
    match sittings::next_deadline(state).await {
        Ok(Some(deadline)) => {
            let wait = (deadline - state.clock.now()).max(time::Duration::ZERO);
            std::time::Duration::try_from(wait)
                .unwrap_or(every)
                .saturating_add(AFTER_DEADLINE)
                .min(every)
        }
        Ok(None) => every,
        Err(e) => {
            tracing::error!(error = %e, "reading the next deadline failed");
            every
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
