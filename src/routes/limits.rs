//! Per-client rate limits on the public lookups (certificate verification and the
//! register), so the register cannot be scraped.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::HttpRequest;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::problem::ApiError;

/// Per-client limit on public verification lookups.
#[derive(Clone)]
pub struct VerificationLimiter(pub Arc<DefaultKeyedRateLimiter<IpAddr>>);

impl VerificationLimiter {
    pub fn per_minute(n: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Self(Arc::new(RateLimiter::keyed(quota)))
    }

    /// 429 with Retry-After once a client has used its quota. Keyed by the peer address
    /// (not a forwarded-for header, which a client could forge).
    pub fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let ip = req
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        self.0.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            ApiError::new(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "too many verification requests; try again shortly",
            )
            .with_retry_after(wait.as_secs().max(1))
        })
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy. A client
/// reaching the server directly cannot choose its address by sending the header.
pub fn client_address(req: &HttpRequest) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let trusted = req
        .app_data::<actix_web::web::Data<TrustedProxies>>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}
