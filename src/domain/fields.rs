//! Field errors: what the domain reports when input does not fit its rules, one field at
//! a time, collected the same way everywhere (the API turns them into a 422 problem's
//! `errors`, the pages into a message next to each field).

use std::fmt;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as a JSON path (`email`, `lines[2]`).
    pub field: String,
    pub message: String,
}

/// Every field that failed, in the order they were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// A single failed field.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Keeps the value of a parse, or records why `field` failed.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|message| self.add(field, message)).ok()
    }

    /// Takes in the errors of a nested parse.
    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing failed. Call it once every field is checked; `value`
    /// builds the result from the checked parts (it runs only when all are present).
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if !self.is_empty() {
            return Err(self);
        }
        value().ok_or(self)
    }
}

impl fmt::Display for FieldErrors {
    /// `field message; field message`, e.g. `email must not be empty`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failed_field_is_reported_in_order() {
        let mut errors = FieldErrors::new();
        let a: Option<u32> = errors.check("a", Ok(1));
        let b: Option<u32> = errors.check("b", Err("must not be empty".into()));
        let c: Option<u32> = errors.check("c", Err("is too long".into()));
        assert_eq!(a, Some(1));
        assert!(b.is_none() && c.is_none());
        let result = errors.finish(|| Some((a?, b?, c?)));
        let errors = result.expect_err("two fields failed");
        assert_eq!(errors.to_string(), "b must not be empty; c is too long");
    }

    #[test]
    fn nothing_failed_gives_the_value() {
        let mut errors = FieldErrors::new();
        let a = errors.check("a", Ok::<_, String>(2));
        assert_eq!(errors.finish(|| Some(a? * 2)), Ok(4));
    }
}
