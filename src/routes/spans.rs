//! The span of each request, for the logs: the method and the route template
//! (`/api/v1/certificates/{number}/verification`), never the raw path or query, which can
//! carry e-mail addresses, names, certificate numbers or verification codes.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use uuid::Uuid;

pub struct RouteSpans;

impl RootSpanBuilder for RouteSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "(no route)".to_owned());
        let peer = request
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.peer_ip = %peer,
            otel.name = %format!("{} {route}", request.method()),
            otel.kind = "server",
            request_id = %Uuid::new_v4(),
            http.status_code = Empty,
            otel.status_code = Empty,
            exception.message = Empty,
            exception.details = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
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
}
