//! `GET /metrics` in the Prometheus text format, and the middleware that counts every
//! request by route template and status and times it.
//!
//! The figures read from the database (sittings in progress, the outbox) are the same on
//! every server; the others are this process's own.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, get, web};
use secrecy::{ExposeSecret, SecretString};

use super::problem::ApiError;
use crate::app::health;
use crate::state::AppState;
use crate::telemetry;

/// Who may read `/metrics`: the holder of this token, or without one a loopback peer.
#[derive(Clone)]
pub struct MetricsAccess(pub Option<SecretString>);

/// Counts and times each request under its route template (never the raw path, which
/// can carry certificate numbers or codes).
pub async fn count(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    let method = req.method().as_str().to_owned();
    let res = next.call(req).await?;
    let status = res.status().as_u16().to_string();
    ::metrics::counter!("invigilator_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    ::metrics::histogram!("invigilator_http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

#[get("/metrics")]
pub async fn scrape(
    req: HttpRequest,
    state: web::Data<AppState>,
    access: web::Data<MetricsAccess>,
) -> Result<HttpResponse, ApiError> {
    let allowed = match &access.0 {
        Some(token) => req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                use sha2::Digest;
                // Compared as digests, so the time taken says nothing about the token.
                sha2::Sha256::digest(given.trim().as_bytes())
                    == sha2::Sha256::digest(token.expose_secret().as_bytes())
            }),
        None => req.peer_addr().is_some_and(|a| a.ip().is_loopback()),
    };
    if !allowed {
        return Err(ApiError::not_found("there is nothing at this address"));
    }
    let gauges = health::gauges(&state).await.map_err(ApiError::internal)?;
    ::metrics::gauge!("invigilator_sittings_in_progress").set(gauges.sittings_in_progress as f64);
    ::metrics::gauge!("invigilator_outbox_pending").set(gauges.outbox_pending as f64);
    ::metrics::gauge!("invigilator_outbox_failed").set(gauges.outbox_failed as f64);
    ::metrics::gauge!("invigilator_password_hash_queue_depth")
        .set(state.passwords.queue_depth() as f64);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(telemetry::metrics().render()))
}
