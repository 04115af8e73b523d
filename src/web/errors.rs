//! Why a page could not be shown, each with the page the visitor sees instead, and the
//! security policy every page carries.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::chrome::Chrome;
use crate::app::throttle::Throttled;

/// Scripts and styles come only from the server itself, never inline; nothing may frame
/// a page; forms post only back to the server.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Why a page could not be shown, each with the page the visitor sees instead.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    /// Not signed in: to the sign-in page, then back to this path.
    #[error("sign in first")]
    SignIn(String),
    #[error("forbidden")]
    Forbidden,
    #[error("the form has expired")]
    Csrf,
    #[error(transparent)]
    Throttled(Throttled),
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    heading: &'a str,
    message: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::SignIn(_) => StatusCode::SEE_OTHER,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(e) if crate::app::health::is_unavailable(e) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignIn(back) = self {
            let to = format!("/sign-in?next={}", encode_query(back));
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to))
                .finish();
        }
        let (heading, message, retry) = match self {
            Self::NotFound => (
                "Page not found",
                "There is nothing at this address. Check that the whole address was copied, or go back to the start page.",
                None,
            ),
            Self::Forbidden => (
                "Not available to you",
                "Your account cannot open this page. If you think it should, ask your certification body.",
                None,
            ),
            Self::Csrf => (
                "This form has expired",
                "For your safety the form could not be sent. Go back, reload the page and send it again.",
                None,
            ),
            Self::Throttled(t) => (
                "Too many attempts",
                "Please wait a moment and try again.",
                Some(t.0),
            ),
            Self::Busy => (
                "The server is busy",
                "Please try again in a few seconds.",
                Some(2),
            ),
            Self::Unexpected(e) if crate::app::health::is_unavailable(e) => {
                tracing::warn!(error = ?e, "page failed: database unavailable");
                (
                    "Temporarily unavailable",
                    "The service cannot save or show this just now. Nothing you sent was half-saved; please try again in a few seconds.",
                    Some(2),
                )
            }
            Self::Unexpected(e) => {
                tracing::error!(error = ?e, "page failed");
                (
                    "Something went wrong",
                    "The page could not be shown. Nothing you sent was half-saved; please try again.",
                    None,
                )
            }
            Self::SignIn(_) => ("Sign in", "Please sign in to see this page.", None),
        };
        let page = ErrorPage {
            chrome: Chrome::bare(heading),
            heading,
            message,
        };
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP));
        if let Some(seconds) = retry {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.body(page.render().unwrap_or_else(|_| heading.to_owned()))
    }
}

/// Percent-encodes a value for a query string.
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
