//! The pages an ATO's e-mailed links open: accepting an invitation (choosing a password,
//! and for staff their names) and accepting an enrolment on a course. The token travels
//! in the link's fragment, which the browser never sends; `static/link.js` copies it into
//! the form, so it is posted but never appears in a URL the server logs.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use serde::Deserialize;

use super::page::{self, Chrome, FormErrors, PageError};
use super::session::Visitor;
use crate::app::atos::{self, AcceptError};
use crate::app::courses::{self, CourseError};
use crate::domain::values::{NewPassword, PersonName};
use crate::http::client_address;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "web/invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    errors: FormErrors,
    given_name: String,
    family_name: String,
    outcome: Option<String>,
}

fn invitation_page(visitor: &Visitor) -> InvitationPage {
    InvitationPage {
        chrome: Chrome::new(visitor, "Accept your invitation"),
        errors: FormErrors::new(),
        given_name: String::new(),
        family_name: String::new(),
        outcome: None,
    }
}

#[get("/invitations/accept")]
pub async fn invitation(visitor: Visitor) -> Result<HttpResponse, PageError> {
    page::ok(&visitor, &invitation_page(&visitor))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InvitationForm {
    csrf: String,
    token: String,
    given_name: String,
    family_name: String,
    password: String,
}

#[post("/invitations/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<InvitationForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let mut page = invitation_page(&visitor);
    page.given_name = form.given_name.clone();
    page.family_name = form.family_name.clone();
    let password = match NewPassword::parse(form.password) {
        Ok(p) => p,
        Err(m) => {
            page.errors.add("password", format!("Password {m}."));
            return page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    // Names are asked for on staff invitations; a delegate's account has them already.
    let names = match (form.given_name.trim(), form.family_name.trim()) {
        ("", "") => None,
        (given, family) => match (PersonName::parse(given), PersonName::parse(family)) {
            (Ok(g), Ok(f)) => Some((g, f)),
            (g, f) => {
                if let Err(m) = g {
                    page.errors.add("given_name", format!("Given name {m}."));
                }
                if let Err(m) = f {
                    page.errors.add("family_name", format!("Family name {m}."));
                }
                return page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        },
    };
    let status = match atos::accept(&state, client_address(&req), &form.token, password, names)
        .await
    {
        Ok(_) => return Ok(page::see_other(&visitor, "/sign-in?done=password")),
        Err(AcceptError::NamesRequired) => {
            page.errors
                .add("given_name", "Given name is needed to open your account.");
            page.errors
                .add("family_name", "Family name is needed to open your account.");
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(AcceptError::Invalid) => {
            page.outcome = Some(
                "This invitation is not valid any more: it has been used or has expired. Ask the organization for a new one.".into(),
            );
            StatusCode::GONE
        }
        Err(AcceptError::HasAccount) => {
            page.outcome =
                Some("This address already has an account. Sign in with its password.".into());
            StatusCode::CONFLICT
        }
        Err(AcceptError::Throttled(t)) => return Err(PageError::Throttled(t)),
        Err(AcceptError::Unexpected(e)) => return Err(PageError::Unexpected(e)),
    };
    page::html(&visitor, status, &page)
}

#[derive(Template)]
#[template(path = "web/enrolment.html")]
struct EnrolmentPage {
    chrome: Chrome,
    outcome: Option<(bool, String)>,
}

#[get("/enrolments/accept")]
pub async fn enrolment(visitor: Visitor) -> Result<HttpResponse, PageError> {
    page::ok(
        &visitor,
        &EnrolmentPage {
            chrome: Chrome::new(&visitor, "Accept the enrolment"),
            outcome: None,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EnrolmentForm {
    csrf: String,
    token: String,
}

#[post("/enrolments/accept")]
pub async fn accept_enrolment(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<EnrolmentForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let (status, outcome) =
        match courses::accept_by_token(&state, client_address(&req), &form.token).await {
            Ok(_) => (
                StatusCode::OK,
                (true, "Done: the enrolment is accepted.".to_owned()),
            ),
            Err(CourseError::LinkInvalid) => (
                StatusCode::GONE,
                (
                    false,
                    "This link is not valid any more: it has been used or has expired.".to_owned(),
                ),
            ),
            Err(e) => return Err(e.into()),
        };
    page::html(
        &visitor,
        status,
        &EnrolmentPage {
            chrome: Chrome::new(&visitor, "Accept the enrolment"),
            outcome: Some(outcome),
        },
    )
}
