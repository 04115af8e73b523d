//! The public register of certified organizations: a search form (GET) and the
//! organizations certified against ISO/IEC 20000-1 by active certification bodies, as
//! cards, each with its status as it reads today (Expired once past its expiry date).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use uuid::Uuid;

use super::errors::encode_query;
use super::page::{self, Chrome, FormErrors, PageError};
use super::session::Visitor;
use crate::app::rcbs::{self, RcbError, Search};
use crate::state::AppState;

/// How many records a page of results holds.
const PAGE_SIZE: u64 = 50;

fn failure(e: RcbError) -> PageError {
    match e {
        RcbError::Unexpected(e) => PageError::Unexpected(e),
        other => PageError::Unexpected(anyhow::anyhow!("{other}")),
    }
}

pub struct RegisterCard {
    pub organization: String,
    pub country: String,
    pub scope: String,
    pub edition: String,
    pub certificate_number: String,
    pub body: String,
    pub issued_on: String,
    pub expires_on: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "web/portal/certified_organizations.html")]
struct RegisterPage {
    chrome: Chrome,
    organization: String,
    country: String,
    /// (id, name, selected) for the certification body filter.
    bodies: Vec<(String, String, bool)>,
    errors: FormErrors,
    cards: Vec<RegisterCard>,
    filtered: bool,
    /// The query of the next page's link, when there is more.
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RegisterQuery {
    organization: String,
    country: String,
    rcb: String,
    cursor: String,
}

#[get("/certified-organizations")]
pub async fn certified_organizations(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, PageError> {
    let mut errors = FormErrors::new();
    let organization = query.organization.trim().to_owned();
    if organization.chars().count() > 200 {
        errors.add(
            "organization",
            "Organization must be at most 200 characters.",
        );
    }
    let country = query.country.trim().to_ascii_uppercase();
    if !country.is_empty()
        && (country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()))
    {
        errors.add(
            "country",
            "Country must be a two-letter code such as GB or NL.",
        );
    }
    let active = rcbs::active_bodies(&state).await.map_err(failure)?;
    // An unknown body filters nothing rather than showing an empty page.
    let body = Uuid::parse_str(query.rcb.trim())
        .ok()
        .filter(|id| active.iter().any(|b| b.id == *id));
    let bodies = active
        .iter()
        .map(|b| (b.id.to_string(), b.name.clone(), Some(b.id) == body))
        .collect();
    let (cards, next) = if errors.is_empty() {
        let search = Search {
            organization: (!organization.is_empty()).then_some(organization.as_str()),
            country: (!country.is_empty()).then_some(country.as_str()),
            body,
        };
        let cursor = Uuid::parse_str(query.cursor.trim()).ok();
        let page = rcbs::search(&state, &search, cursor, PAGE_SIZE)
            .await
            .map_err(failure)?;
        let next = page.next.map(|n| {
            let rcb = body.map(|b| b.to_string()).unwrap_or_default();
            [
                ("organization", organization.as_str()),
                ("country", country.as_str()),
                ("rcb", rcb.as_str()),
                ("cursor", n.to_string().as_str()),
            ]
            .iter()
            .map(|(k, v)| format!("{k}={}", encode_query(v)))
            .collect::<Vec<_>>()
            .join("&")
        });
        let cards = page
            .items
            .into_iter()
            .map(|v| {
                let d = v.record.details;
                RegisterCard {
                    organization: d.organization,
                    country: d.country.as_ref().to_owned(),
                    scope: d.scope,
                    edition: d.edition,
                    certificate_number: d.certificate_number,
                    body: v.body_name,
                    issued_on: d.issued_on.to_string(),
                    expires_on: d.expires_on.to_string(),
                    status: page::capitalized(v.status.as_ref()),
                }
            })
            .collect();
        (cards, next)
    } else {
        (Vec::new(), None)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page::html(
        &visitor,
        status,
        &RegisterPage {
            chrome: Chrome::new(&visitor, "Find a certified organization"),
            filtered: !organization.is_empty() || !country.is_empty() || body.is_some(),
            organization,
            country,
            bodies,
            errors,
            cards,
            next,
        },
    )
}
