//! Who is looking at a page: the signed-in user from the session cookie, or a visitor;
//! and the CSRF token every form and every script request must carry.
//!
//! The session cookie holds a random value (the database keeps its hash, see
//! `app::web_sessions`): HttpOnly, `SameSite=Lax` (a link from an e-mail opens the
//! dashboard; no other site can post with it), `Secure` and `__Host-` prefixed when the
//! public address is https. A signed-in form carries the session's own token; a visitor's
//! form (sign in, create an account) carries the value of a `SameSite=Strict` CSRF cookie.
//! Besides the token, a state-changing request that the browser marks as coming from
//! another site is refused.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::chrome::{Chrome, NavUser};
use super::errors::PageError;
use crate::app::web_sessions::{self, WebSession};
use crate::auth::tokens;
use crate::domain::role::Role;
use crate::domain::sitting::Device;
use crate::state::AppState;

/// The cookie names: `__Host-` prefixed (Secure, no Domain, Path=/) over https.
fn names(secure: bool) -> (&'static str, &'static str) {
    if secure {
        ("__Host-session", "__Host-csrf")
    } else {
        ("session", "csrf")
    }
}

/// The device cookie's name: a random value that stays with the browser across sign-ins
/// (an invigilated sitting is sat on the one device it is bound to).
fn device_name(secure: bool) -> &'static str {
    if secure { "__Host-device" } else { "device" }
}

/// How long a browser keeps its device cookie (the longest browsers allow).
const DEVICE_COOKIE_DAYS: i64 = 400;

fn is_secure(state: &AppState) -> bool {
    state.public_base_url().starts_with("https://")
}

/// The visitor of a page: signed in or not.
pub struct Visitor {
    pub session: Option<WebSession>,
    /// The session cookie's value, when it opened a session.
    cookie: Option<String>,
    /// The token this visitor's forms carry.
    csrf: String,
    /// The CSRF cookie was missing: the response sets it.
    fresh_csrf: bool,
    /// The token a visitor's form must match (the CSRF cookie as sent).
    sent_csrf: Option<String>,
    secure: bool,
    /// The path and query of the request, to come back to after signing in.
    pub here: String,
    /// The device cookie as sent.
    sent_device: Option<String>,
    /// A device cookie made during this visit, which the response sets.
    new_device: std::cell::RefCell<Option<String>>,
}

impl Visitor {
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// The signed-in user, or a redirect to the sign-in page that comes back here.
    pub fn signed_in(&self) -> Result<&WebSession, PageError> {
        self.session
            .as_ref()
            .ok_or_else(|| PageError::SignIn(self.here.clone()))
    }

    /// The signed-in user holding `role`, or 403 (a redirect when not signed in).
    pub fn with_role(&self, role: Role) -> Result<&WebSession, PageError> {
        let session = self.signed_in()?;
        if session.has(role) {
            Ok(session)
        } else {
            Err(PageError::Forbidden)
        }
    }

    /// Checks the token a form or script sent against the one this visitor's pages carry.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        let expected = match &self.session {
            Some(session) => Some(session.csrf_token.as_str()),
            None => self.sent_csrf.as_deref(),
        };
        match expected {
            Some(expected) if constant_time_eq(expected.as_bytes(), sent.as_bytes()) => Ok(()),
            _ => Err(PageError::Csrf),
        }
    }

    /// The device this browser named with its device cookie, if it sent one.
    pub fn device(&self) -> Option<Device> {
        self.sent_device
            .as_deref()
            .or(self.new_device.borrow().as_deref())
            .and_then(Device::from_token)
    }

    /// This browser's device, given a device cookie now if it has none (the response
    /// sets it): for pages that start or open a sitting.
    pub fn device_or_new(&self) -> Device {
        if let Some(device) = self.device() {
            return device;
        }
        let token = tokens::new_refresh_token().0;
        let device = Device::from_token(&token).expect("a random token is not empty");
        *self.new_device.borrow_mut() = Some(token);
        device
    }

    /// A cookie that opens `value`'s session.
    pub fn session_cookie(&self, value: String) -> Cookie<'static> {
        let (session, _) = names(self.secure);
        Cookie::build(session, value)
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::seconds(
                web_sessions::LIFETIME.whole_seconds(),
            ))
            .finish()
    }

    /// A cookie that removes the session cookie.
    pub fn expired_session_cookie(&self) -> Cookie<'static> {
        let mut cookie = self.session_cookie(String::new());
        cookie.make_removal();
        cookie
    }

    /// The session cookie's value, if it opened a session.
    pub fn session_value(&self) -> Option<&str> {
        self.cookie.as_deref()
    }

    /// Adds what this visit owes the browser to a response: the CSRF cookie when it was
    /// missing.
    pub fn finish(&self, mut response: HttpResponse) -> HttpResponse {
        if self.fresh_csrf {
            let (_, csrf) = names(self.secure);
            let cookie = Cookie::build(csrf, self.csrf.clone())
                .path("/")
                .http_only(true)
                .secure(self.secure)
                .same_site(SameSite::Strict)
                .finish();
            // A cookie that cannot be added only costs the visitor a reload.
            let _ = response.add_cookie(&cookie);
        }
        if let Some(token) = self.new_device.borrow().clone() {
            // Lax: a link from an e-mail or another site still opens the exam on it.
            let cookie = Cookie::build(device_name(self.secure), token)
                .path("/")
                .http_only(true)
                .secure(self.secure)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(DEVICE_COOKIE_DAYS))
                .finish();
            let _ = response.add_cookie(&cookie);
        }
        response
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let here = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".to_owned());
        let unsafe_method = !matches!(req.method().as_str(), "GET" | "HEAD");
        let cross_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        let cookies: Option<(Option<String>, Option<String>)> = state.as_ref().map(|state| {
            let (session, csrf) = names(is_secure(state));
            (
                req.cookie(session).map(|c| c.value().to_owned()),
                req.cookie(csrf).map(|c| c.value().to_owned()),
            )
        });
        let sent_device = state
            .as_ref()
            .and_then(|state| req.cookie(device_name(is_secure(state))))
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() >= 32 && v.len() <= 128);
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                PageError::Unexpected(anyhow::anyhow!("application state missing"))
            })?;
            if unsafe_method && cross_site {
                return Err(PageError::Csrf);
            }
            let (cookie, sent_csrf) = cookies.unwrap_or_default();
            let session = match cookie.as_deref().filter(|c| !c.is_empty()) {
                Some(value) => web_sessions::resolve(&state, value)
                    .await
                    .map_err(|e| PageError::Unexpected(e.into()))?,
                None => None,
            };
            let sent_csrf = sent_csrf.filter(|c| c.len() >= 32);
            let (csrf, fresh_csrf) = match (&session, &sent_csrf) {
                (Some(session), _) => (session.csrf_token.clone(), false),
                (None, Some(sent)) => (sent.clone(), false),
                (None, None) => (tokens::new_refresh_token().0, true),
            };
            Ok(Visitor {
                cookie: session.as_ref().and(cookie),
                session,
                csrf,
                fresh_csrf,
                sent_csrf,
                secure: is_secure(&state),
                here,
                sent_device,
                new_device: Default::default(),
            })
        })
    }
}

impl Chrome {
    pub fn new(visitor: &Visitor, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            user: visitor.session.as_ref().map(|s| NavUser {
                name: format!("{} {}", s.given_name, s.family_name),
                candidate: s.has(Role::Candidate),
                ato: s.has(Role::AtoStaff),
                rcb: s.has(Role::RcbStaff),
                admin: s.has(Role::Admin),
            }),
            csrf: visitor.csrf().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
