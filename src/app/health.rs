//! Whether the server can do its work: the database answers.

use crate::persistence;
use crate::state::AppState;

/// Ok once the database answers a trivial query.
pub async fn check(state: &AppState) -> Result<(), sea_orm::DbErr> {
    persistence::ping(&state.db).await
}
