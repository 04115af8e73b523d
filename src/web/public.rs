//! The pages anyone may open: the start page, signing in and out, creating an account,
//! and the pages the e-mailed links open (confirming the address, a new password).

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::page::{self, Chrome, CsrfForm, FormErrors, PageError, safe_next};
use super::papers::{PaperSummary, papers};
use super::session::Visitor;
use crate::app::accounts::{self, CreateAccountError, LinkError, SessionError};
use crate::app::web_sessions;
use crate::domain::values::{NewPassword, Registration};
use crate::http::client_address;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "web/home.html")]
struct HomePage {
    chrome: Chrome,
    papers: Vec<PaperSummary>,
}

#[get("/")]
pub async fn home(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, PageError> {
    page::ok(
        &visitor,
        &HomePage {
            chrome: Chrome::new(&visitor, "ISO/IEC 20000 certification"),
            papers: papers(&state),
        },
    )
}

#[derive(Template)]
#[template(path = "web/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    next: String,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    next: Option<String>,
    done: Option<String>,
}

#[get("/sign-in")]
pub async fn sign_in_page(
    visitor: Visitor,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, PageError> {
    if visitor.session.is_some() {
        return Ok(page::see_other(&visitor, safe_next(query.next.as_deref())));
    }
    let notice = match query.done.as_deref() {
        Some("password") => Some("Your new password is set. Sign in with it."),
        Some("signed-out") => Some("You are signed out."),
        _ => None,
    };
    page::ok(
        &visitor,
        &SignInPage {
            chrome: Chrome::new(&visitor, "Sign in"),
            errors: FormErrors::new(),
            email: String::new(),
            next: safe_next(query.next.as_deref()).to_owned(),
            notice,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    csrf: String,
    email: String,
    password: String,
    next: String,
}

#[post("/sign-in")]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let next = safe_next(Some(&form.next)).to_owned();
    let mut errors = FormErrors::new();
    if form.email.trim().is_empty() {
        errors.add("email", "Enter your e-mail address.");
    }
    if form.password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    let status = if errors.is_empty() {
        match web_sessions::sign_in(
            &state,
            client_address(&req),
            &form.email,
            SecretString::from(form.password),
        )
        .await
        {
            Ok(cookie) => {
                let mut response = page::see_other(&visitor, &next);
                response
                    .add_cookie(&visitor.session_cookie(cookie))
                    .map_err(|e| PageError::Unexpected(e.into()))?;
                return Ok(response);
            }
            Err(SessionError::BadCredentials) => {
                errors.add("email", "The e-mail address or password is incorrect.");
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(SessionError::Disabled) => {
                errors.add(
                    "email",
                    "This account is disabled. Ask your certification body why.",
                );
                StatusCode::FORBIDDEN
            }
            Err(SessionError::Throttled(t)) => {
                errors.add(
                    "email",
                    format!("Too many attempts. Try again in {} seconds.", t.0),
                );
                StatusCode::TOO_MANY_REQUESTS
            }
            Err(SessionError::Busy) => return Err(PageError::Busy),
            Err(e) => return Err(PageError::Unexpected(e.into())),
        }
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page::html(
        &visitor,
        status,
        &SignInPage {
            chrome: Chrome::new(&visitor, "Sign in"),
            errors,
            email: form.email,
            next,
            notice: None,
        },
    )
}

#[post("/sign-out")]
pub async fn sign_out(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    if let Some(value) = visitor.session_value() {
        web_sessions::sign_out(&state, value)
            .await
            .map_err(|e| PageError::Unexpected(e.into()))?;
    }
    page::see_other_signed_out(&visitor, "/sign-in?done=signed-out")
}

#[derive(Template)]
#[template(path = "web/register.html")]
struct RegisterPage {
    chrome: Chrome,
    errors: FormErrors,
    given_name: String,
    family_name: String,
    email: String,
}

#[get("/register")]
pub async fn register_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    if visitor.session.is_some() {
        return Ok(page::see_other(&visitor, "/dashboard"));
    }
    page::ok(
        &visitor,
        &RegisterPage {
            chrome: Chrome::new(&visitor, "Create an account"),
            errors: FormErrors::new(),
            given_name: String::new(),
            family_name: String::new(),
            email: String::new(),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    csrf: String,
    given_name: String,
    family_name: String,
    email: String,
    password: String,
}

#[post("/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let (errors, status) = match Registration::parse(
        &form.email,
        form.password.clone(),
        &form.given_name,
        &form.family_name,
    ) {
        Err(errors) => (FormErrors::from(errors), StatusCode::UNPROCESSABLE_ENTITY),
        Ok(registration) => {
            match accounts::register(&state, client_address(&req), registration).await {
                Ok((user_id, _)) => {
                    let cookie = web_sessions::open(&state, user_id)
                        .await
                        .map_err(|e| PageError::Unexpected(e.into()))?;
                    let mut response = page::see_other(&visitor, "/dashboard?welcome=1");
                    response
                        .add_cookie(&visitor.session_cookie(cookie))
                        .map_err(|e| PageError::Unexpected(e.into()))?;
                    return Ok(response);
                }
                Err(CreateAccountError::EmailTaken) => (
                    FormErrors::one(
                        "email",
                        "An account with this e-mail address already exists. Sign in, or choose a new password if you have forgotten it.",
                    ),
                    StatusCode::CONFLICT,
                ),
                Err(CreateAccountError::Throttled(t)) => (
                    FormErrors::one(
                        "email",
                        format!(
                            "Too many new accounts from here. Try again in {} seconds.",
                            t.0
                        ),
                    ),
                    StatusCode::TOO_MANY_REQUESTS,
                ),
                Err(CreateAccountError::Busy) => return Err(PageError::Busy),
                Err(CreateAccountError::Unexpected(e)) => return Err(PageError::Unexpected(e)),
            }
        }
    };
    page::html(
        &visitor,
        status,
        &RegisterPage {
            chrome: Chrome::new(&visitor, "Create an account"),
            errors,
            given_name: form.given_name,
            family_name: form.family_name,
            email: form.email,
        },
    )
}

/// The page an e-mailed link opens: its form posts the token from the link's fragment.
#[derive(Template)]
#[template(path = "web/link.html")]
struct LinkPage {
    chrome: Chrome,
    heading: &'static str,
    intro: &'static str,
    action: &'static str,
    button: &'static str,
    password: bool,
    errors: FormErrors,
    outcome: Option<(bool, String)>,
}

impl LinkPage {
    fn verify(visitor: &Visitor) -> Self {
        Self {
            chrome: Chrome::new(visitor, "Confirm your e-mail address"),
            heading: "Confirm your e-mail address",
            intro: "Confirming shows that the address is yours. You need a confirmed address to sit a paper.",
            action: "/account/verify",
            button: "Confirm my address",
            password: false,
            errors: FormErrors::new(),
            outcome: None,
        }
    }

    fn reset(visitor: &Visitor) -> Self {
        Self {
            chrome: Chrome::new(visitor, "Choose a new password"),
            heading: "Choose a new password",
            intro: "Choose a password of at least 10 characters. Setting it signs you out everywhere else.",
            action: "/account/reset",
            button: "Set the password",
            password: true,
            errors: FormErrors::new(),
            outcome: None,
        }
    }
}

#[get("/account/verify")]
pub async fn verify_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    page::ok(&visitor, &LinkPage::verify(&visitor))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    csrf: String,
    token: String,
    password: String,
}

fn link_failure(e: LinkError) -> Result<(StatusCode, String), PageError> {
    match e {
        LinkError::Invalid => Ok((
            StatusCode::GONE,
            "This link is not valid any more: it has been used or has expired. Ask for a new one."
                .into(),
        )),
        LinkError::AlreadyVerified => Ok((
            StatusCode::OK,
            "Your address was already confirmed. Nothing more to do.".into(),
        )),
        LinkError::Throttled(t) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many attempts. Try again in {} seconds.", t.0),
        )),
        LinkError::Unexpected(e) => Err(PageError::Unexpected(e)),
    }
}

#[post("/account/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let mut page = LinkPage::verify(&visitor);
    let status = match accounts::verify_email(&state, client_address(&req), &form.token).await {
        Ok(()) => {
            page.outcome = Some((true, "Thank you: your address is confirmed.".into()));
            StatusCode::OK
        }
        Err(e) => {
            let (status, message) = link_failure(e)?;
            page.outcome = Some((status == StatusCode::OK, message));
            status
        }
    };
    page::html(&visitor, status, &page)
}

#[get("/account/reset")]
pub async fn reset_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    page::ok(&visitor, &LinkPage::reset(&visitor))
}

#[post("/account/reset")]
pub async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let mut page = LinkPage::reset(&visitor);
    let password = match NewPassword::parse(form.password) {
        Ok(p) => p,
        Err(message) => {
            page.errors = FormErrors::one("password", format!("Password {message}."));
            return page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match accounts::reset_password(&state, client_address(&req), &form.token, password).await {
        Ok(()) => Ok(page::see_other(&visitor, "/sign-in?done=password")),
        Err(e) => {
            let (status, message) = link_failure(e)?;
            page.outcome = Some((false, message));
            page::html(&visitor, status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "web/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    errors: FormErrors,
    email: String,
    sent: bool,
}

#[get("/account/forgot")]
pub async fn forgot_page(visitor: Visitor) -> Result<HttpResponse, PageError> {
    page::ok(
        &visitor,
        &ForgotPage {
            chrome: Chrome::new(&visitor, "Forgotten password"),
            errors: FormErrors::new(),
            email: String::new(),
            sent: false,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    csrf: String,
    email: String,
}

#[post("/account/forgot")]
pub async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    visitor: Visitor,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let form = form.into_inner();
    let mut page = ForgotPage {
        chrome: Chrome::new(&visitor, "Forgotten password"),
        errors: FormErrors::new(),
        email: form.email.clone(),
        sent: false,
    };
    if form.email.trim().is_empty() {
        page.errors
            .add("email", "Enter the e-mail address of your account.");
        return page::html(&visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    match accounts::request_password_reset(&state, client_address(&req), &form.email).await {
        Ok(()) => {
            page.sent = true;
            page::ok(&visitor, &page)
        }
        Err(e) => {
            let (status, message) = link_failure(e)?;
            page.errors.add("email", message);
            page::html(&visitor, status, &page)
        }
    }
}
