//! Ids in request paths.

use uuid::Uuid;

use super::problem::ApiError;

/// A path id: anything that is not a UUID cannot name a resource, so it answers 404.
pub fn parse_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("no such {what}")))
}
