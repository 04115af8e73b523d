//! Headers every response carries: no MIME sniffing, no referrer, nothing cached unless a
//! handler says otherwise (every private answer is `no-store`), a strict CSP that also
//! forbids framing, and HSTS when the server is reached over https. The API docs page is
//! the one page with scripts of its own, so it keeps its own policy.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// Whether responses carry HSTS (the public base URL is https).
#[derive(Clone, Copy)]
pub struct Hsts(pub bool);

const STRICT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn set_default(res: &mut ServiceResponse<impl MessageBody>, name: HeaderName, value: &'static str) {
    let headers = res.headers_mut();
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// The middleware (`actix_web::middleware::from_fn`).
pub async fn secure(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let hsts = req
        .app_data::<actix_web::web::Data<Hsts>>()
        .is_some_and(|h| h.0);
    let docs = req.path().starts_with("/api/docs");
    let mut res = next.call(req).await?;
    set_default(&mut res, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(&mut res, header::REFERRER_POLICY, "no-referrer");
    set_default(&mut res, header::CACHE_CONTROL, "no-store");
    if !docs {
        set_default(&mut res, header::CONTENT_SECURITY_POLICY, STRICT_CSP);
        // A page with its own policy still may not be framed.
        if let Some(policy) = res
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .filter(|p| !p.contains("frame-ancestors"))
            .map(|p| format!("{p}; frame-ancestors 'none'"))
            && let Ok(value) = HeaderValue::from_str(&policy)
        {
            res.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    if hsts {
        set_default(
            &mut res,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    Ok(res)
}
