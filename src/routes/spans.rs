//! The span of each request and its one log line: the method and the route template
//! (`/api/v1/certificates/{number}/verification`), never the raw path or query, which can
//! carry e-mail addresses, names, certificate numbers or verification codes, and the
//! request's id, which the response carries back in `X-Request-Id`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use uuid::Uuid;

/// The header a request's id comes in (from a proxy in front) and goes back out in.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request's id, kept in its extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The id a proxy in front gave the request when it looks like one (up to 128 letters,
/// digits and `-_.:`, as UUIDs, ULIDs and nginx's hex ids do), so the proxy's log and
/// ours can be joined; otherwise a fresh UUID. Anything else a client sends there is
/// ignored, never echoed.
fn request_id(request: &ServiceRequest) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane(id))
        .map(str::to_owned)
        .unwrap_or_else(|| Uuid::new_v4().to_string())
}

fn is_sane(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

fn route_of(request: &ServiceRequest) -> String {
    request
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned())
}

pub struct RouteSpans;

impl RootSpanBuilder for RouteSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = route_of(request);
        let peer = request
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        let id = request_id(request);
        let span = tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.peer_ip = %peer,
            otel.name = %format!("{} {route}", request.method()),
            otel.kind = "server",
            request_id = %id,
            http.status_code = Empty,
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
        );
        request.extensions_mut().insert(RequestId(id));
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The middleware (`actix_web::middleware::from_fn`, mounted inside the tracing span)
/// that writes one line per request, once its response is ready: method, route template,
/// status, duration in milliseconds and request id; and echoes the id in `X-Request-Id`.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let route = route_of(&req);
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    let outcome = next.call(req).await;
    let status = match &outcome {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    let duration_ms = started.elapsed().as_micros() as f64 / 1000.0;
    tracing::info!(
        http.method = %method,
        http.route = %route,
        http.status_code = status.as_u16(),
        duration_ms,
        request_id = %id,
        "request"
    );
    let mut res = outcome?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_request_span_names_the_route_but_never_the_path_or_query() {
        let _guard = tracing::subscriber::set_default(
            tracing_subscriber::fmt()
                .with_writer(std::io::sink)
                .finish(),
        );
        let request = TestRequest::get()
            .uri("/api/v1/admin/candidates?email=zoe%40example.org")
            .to_srv_request();
        let span = RouteSpans::on_request_start(&request);
        let metadata = span.metadata().expect("an enabled span");
        let fields: Vec<&str> = metadata.fields().iter().map(|f| f.name()).collect();
        assert!(fields.contains(&"http.route"), "{fields:?}");
        for leaky in [
            "http.target",
            "http.url",
            "http.user_agent",
            "http.client_ip",
        ] {
            assert!(!fields.contains(&leaky), "{leaky} in {fields:?}");
        }
    }

    #[test]
    fn a_proxys_request_id_is_kept_and_anything_else_is_replaced() {
        let id_of = |header: Option<&str>| {
            let mut request = TestRequest::get().uri("/health");
            if let Some(value) = header {
                request = request.insert_header(("X-Request-Id", value));
            }
            request_id(&request.to_srv_request())
        };
        assert_eq!(
            id_of(Some("5f0c6c1e-2b7d-4a3e-9d2c-0c1f6c8e9a10")),
            "5f0c6c1e-2b7d-4a3e-9d2c-0c1f6c8e9a10"
        );
        assert_eq!(
            id_of(Some("a1b2c3d4e5f60718293a4b5c6d7e8f90")),
            "a1b2c3d4e5f60718293a4b5c6d7e8f90"
        );
        for hostile in [
            "",
            "x\" injected=\"1",
            "a b",
            "zoe@example.org",
            &"a".repeat(129),
        ] {
            let id = id_of(Some(hostile));
            assert_ne!(id, hostile);
            assert!(Uuid::parse_str(&id).is_ok(), "{hostile:?} gave {id}");
        }
        assert!(Uuid::parse_str(&id_of(None)).is_ok());
    }
}
