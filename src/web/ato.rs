//! (being written)

use actix_web::web;

/// Mounts this audience's pages.
pub fn configure(_cfg: &mut web::ServiceConfig) {}
