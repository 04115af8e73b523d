//! What the administrators' pages share: the list and confirmation query, ids in paths,
//! dates as the pages write them, account names, and form errors under a form's names.

use std::collections::HashMap;

use serde::Deserialize;
use uuid::Uuid;

use crate::app::accounts;
use crate::domain::fields::FieldErrors;
use crate::state::AppState;
use crate::web::page::{FormErrors, PageError, label_of};
pub use crate::web::page::{date, when};

/// The query of a page that may confirm what a form did, and may be one page of a list.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    pub done: Option<String>,
    after: Option<String>,
}

impl PageQuery {
    /// The cursor of a list page; a cursor that is no id starts at the beginning.
    pub fn cursor(&self) -> Option<Uuid> {
        self.after.as_deref().and_then(|a| a.parse().ok())
    }
}

/// An id in a path; anything else names nothing.
pub fn parse_id(raw: &str) -> Result<Uuid, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// Names of accounts (who declared, who decided, who granted), each looked up once.
#[derive(Default)]
pub struct Names(HashMap<Uuid, (String, String)>);

impl Names {
    /// The account's name and e-mail address; an account that is gone says so.
    pub async fn of(&mut self, state: &AppState, id: Uuid) -> Result<(String, String), PageError> {
        if let Some(found) = self.0.get(&id) {
            return Ok(found.clone());
        }
        let found = match accounts::profile(state, id).await {
            Ok(p) => (
                format!("{} {}", p.user.given_name, p.user.family_name),
                p.user.email,
            ),
            Err(accounts::ProfileError::Gone) => ("an account since removed".into(), String::new()),
            Err(e) => return Err(PageError::Unexpected(e.into())),
        };
        self.0.insert(id, found.clone());
        Ok(found)
    }

    pub async fn name(&mut self, state: &AppState, id: Uuid) -> Result<String, PageError> {
        Ok(self.of(state, id).await?.0)
    }
}

/// A form's field errors as the page shows them: each message after the field's visible
/// label (`labels` maps the domain's field names to labels), under the form's own field
/// name (`prefix` and the domain's name) so that several forms can share a page.
pub fn form_errors(errors: FieldErrors, prefix: &str, labels: &[(&str, &str)]) -> FormErrors {
    let label = |field: &str| {
        labels
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, l)| (*l).to_owned())
            .unwrap_or_else(|| label_of(field))
    };
    let mut form = FormErrors::new();
    for e in errors.iter() {
        // A message may name another field ("must not be before valid_from").
        let mut message = e.message.clone();
        for (field, text) in labels {
            message = message.replace(field, &text.to_lowercase());
        }
        form.add(
            &format!("{prefix}{}", e.field),
            format!("{}: {message}.", label(&e.field)),
        );
    }
    form
}
