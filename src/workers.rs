//! Background work every server runs: closing sittings past their deadline (and queueing
//! voucher expiry reminders) and sending queued e-mail. Both are safe with several servers on one database (each sitting is
//! closed once, each message claimed by one server), so nothing depends on which runs.
//! Both stop when the server shuts down (`AppState::shutdown`), between items.

use actix_web::web;
use tokio_util::sync::CancellationToken;

use crate::app::{exam_sessions, notifications, personal_data, sittings, vouchers};
use crate::state::AppState;

/// Closes sittings past their deadline, whether or not anyone calls: at least every
/// `every`, and sooner when the earliest deadline of a sitting in progress comes first,
/// so a sitting is closed (and its result sent) within moments of its deadline.
///
/// Once a shutdown begins it stops between steps (and between the transactions of a
/// step), never in the middle of one.
pub async fn sweep_forever(state: web::Data<AppState>, every: std::time::Duration) {
    let stop = state.shutdown.clone();
    if !pause(&stop, every).await {
        return;
    }
    loop {
        match sittings::close_overdue(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "closed sittings past their deadline"),
            Err(e) => tracing::error!(error = %e, "closing overdue sittings failed"),
        }
        if stop.is_cancelled() {
            break;
        }
        // Reminders before a voucher expires: each queued once, whichever server sweeps.
        match vouchers::send_reminders(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "voucher expiry reminders queued"),
            Err(e) => tracing::error!(error = %e, "queueing voucher reminders failed"),
        }
        if stop.is_cancelled() {
            break;
        }
        // Bookings of closed sessions whose candidate never started: no-shows.
        match exam_sessions::settle_no_shows(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(settled = n, "no-shows settled"),
            Err(e) => tracing::error!(error = %e, "settling no-shows failed"),
        }
        if stop.is_cancelled() {
            break;
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
        if stop.is_cancelled() || !pause(&stop, until_next_sweep(&state, every).await).await {
            break;
        }
    }
    tracing::info!("sweeper stopped");
}

/// Sleeps for `wait` unless a shutdown begins first; false if it did.
async fn pause(stop: &CancellationToken, wait: std::time::Duration) -> bool {
    tokio::select! {
        () = stop.cancelled() => false,
        () = tokio::time::sleep(wait) => true,
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
/// delays mail: requests never wait for it. Once a shutdown begins it stops between
/// messages, never in the middle of an SMTP conversation.
pub async fn deliver_forever(state: web::Data<AppState>, every: std::time::Duration) {
    let stop = state.shutdown.clone();
    let mut ticker = ticker(every);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticker.tick() => {}
        }
        match notifications::deliver_due(&state, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, "e-mail sent"),
            Err(e) => tracing::error!(error = %e, "sending queued e-mail failed"),
        }
    }
    tracing::info!("outbox delivery stopped");
}

/// A ticker whose first tick is one period after start (not at once), so a server that
/// has just started is not racing its own first requests.
fn ticker(every: std::time::Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}
