//! Whether the server can do its work (the database answers), and the figures its
//! metrics report from the database.

use crate::persistence::{self, outbox, sittings};
use crate::state::AppState;

/// Ok once the database answers a trivial query.
pub async fn check(state: &AppState) -> Result<(), sea_orm::DbErr> {
    persistence::ping(&state.db).await
}

/// True when `err` (or an error in its chain) says the database cannot be used just now:
/// down, restarting, out of connections or out of disk. The front doors answer such an
/// error 503 with Retry-After instead of 500: nothing was done, and trying again later
/// may work.
pub fn is_unavailable(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<sea_orm::DbErr>())
        .any(persistence::is_unavailable)
}

/// What the database holds now that an operator watches: shared by every server.
pub struct Gauges {
    pub sittings_in_progress: u64,
    pub outbox_pending: u64,
    pub outbox_failed: u64,
}

pub async fn gauges(state: &AppState) -> Result<Gauges, sea_orm::DbErr> {
    let (outbox_pending, outbox_failed) = outbox::counts(&state.db).await?;
    Ok(Gauges {
        sittings_in_progress: sittings::count_in_progress(&state.db).await?,
        outbox_pending,
        outbox_failed,
    })
}
