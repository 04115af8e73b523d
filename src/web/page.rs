//! What every page shares: the frame around it (`Chrome`: title, who is signed in, the
//! form token), the page's security policy, form errors shown next to their fields, and
//! the error pages.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

pub use super::chrome::{Chrome, NavUser};
pub use super::errors::{PageError, encode_query};
use super::session::Visitor;
use crate::domain::fields::FieldErrors;

pub use super::errors::PAGE_CSP;

/// A page's answer: the rendered template with the page policy, never cached.
pub fn html(
    visitor: &Visitor,
    status: StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(|e| PageError::Unexpected(e.into()))?;
    Ok(visitor.finish(
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
    ))
}

/// 200 with the page.
pub fn ok(visitor: &Visitor, page: &impl Template) -> Result<HttpResponse, PageError> {
    html(visitor, StatusCode::OK, page)
}

/// 303 to `to` (after a form post: reloading the next page does not post again).
pub fn see_other(visitor: &Visitor, to: &str) -> HttpResponse {
    visitor.finish(
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish(),
    )
}

/// A form that carries only its token (a button that acts: sign out, submit, accept).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// 303 to `to`, ending the session cookie on the way (signing out, a changed password).
pub fn see_other_signed_out(visitor: &Visitor, to: &str) -> Result<HttpResponse, PageError> {
    let mut response = see_other(visitor, to);
    response
        .add_cookie(&visitor.expired_session_cookie())
        .map_err(|e| PageError::Unexpected(e.into()))?;
    Ok(response)
}

/// A sentence's first letter in upper case.
pub fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A date as the pages write it: "17 May 2026".
pub fn date(d: time::Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// A moment as the pages write it, in UTC: "17 May 2026, 09:30 UTC".
pub fn when(t: time::OffsetDateTime) -> String {
    format!(
        "{} {} {}, {:02}:{:02} UTC",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The errors of a form, by field name, shown next to the fields and listed in a summary
/// at the top that links to them.
#[derive(Default)]
pub struct FormErrors(BTreeMap<String, String>);

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// The message for `field`, if it failed.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every failed field and its message, for the summary.
    pub fn all(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(f, m)| (f.as_str(), m.as_str()))
            .collect()
    }
}

impl From<FieldErrors> for FormErrors {
    /// The domain names the field (`given_name`) and says what is wrong with it (`must
    /// not be empty`); the page says it as a sentence about the label.
    fn from(errors: FieldErrors) -> Self {
        let mut form = Self::new();
        for e in errors.iter() {
            form.add(&e.field, format!("{} {}.", label_of(&e.field), e.message));
        }
        form
    }
}

/// The visible label of a form field, for its error messages.
pub fn label_of(field: &str) -> String {
    let mut text = field.replace('_', " ");
    if let Some(first) = text.get(0..1) {
        let upper = first.to_uppercase();
        text.replace_range(0..1, &upper);
    }
    text
}

/// A path to come back to after signing in: only a local path, never another site.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/dashboard",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/sittings/1")), "/sittings/1");
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
    }

    #[test]
    fn queries_are_encoded() {
        assert_eq!(encode_query("/a?b=c d"), "%2Fa%3Fb%3Dc%20d");
    }

    #[test]
    fn field_names_read_as_labels() {
        assert_eq!(label_of("given_name"), "Given name");
    }
}
