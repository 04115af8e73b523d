//! The administrators' start page: what waits for them and where everything is.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::evidence;
use crate::domain::evidence::EvidenceStatus;
use crate::domain::role::Role;
use crate::state::AppState;
use crate::web::page::{self, Chrome, PageError};
use crate::web::session::Visitor;

/// How far the start page counts pending evidence: beyond it, "more than".
const COUNTED: u64 = 100;

#[derive(Template)]
#[template(path = "web/admin/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    pending: usize,
    more: bool,
}

#[get("/admin")]
pub async fn overview(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let pending = evidence::with_status(&state, EvidenceStatus::Pending, None, COUNTED).await?;
    page::ok(
        &visitor,
        &OverviewPage {
            chrome: Chrome::new(&visitor, "Administration"),
            pending: pending.items.len(),
            more: pending.next.is_some(),
        },
    )
}
