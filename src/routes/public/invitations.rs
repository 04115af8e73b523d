//! Accepting an invitation or an enrolment: the API calls, and the small pages an
//! e-mailed link opens.
//! The token travels in the link's fragment, which the browser keeps to itself; the page
//! posts it in a JSON body, so it never appears in a URL the server logs.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::atos as use_case;
use crate::app::courses;
use crate::domain::fields::FieldErrors;
use crate::domain::values::{NewPassword, PersonName};
use crate::routes::json::ApiJson;
use crate::routes::limits::client_address;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    pub token: String,
    pub password: String,
    /// Needed for a staff invitation; a delegate's account already has the names.
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AcceptedView {
    pub user_id: Uuid,
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "auth", request_body = AcceptRequest,
    responses((status = 200, description = "The password is set; log in with it", body = AcceptedView),
        (status = 409, description = "The address already has an account", body = Problem),
        (status = 410, description = "The invitation is unknown, used or expired", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem)))]
#[post("/invitations/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<AcceptRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let password = errors.check("password", NewPassword::parse(b.password));
    let mut name = |field: &str, raw: Option<String>| {
        raw.and_then(|raw| errors.check(field, PersonName::parse(&raw)))
    };
    let given = name("given_name", b.given_name);
    let family = name("family_name", b.family_name);
    let (password, names) = errors.finish(|| Some((password?, given.zip(family))))?;
    let user_id = use_case::accept(&state, client_address(&req), &b.token, password, names).await?;
    Ok(HttpResponse::Ok().json(AcceptedView { user_id }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentAcceptRequest {
    /// The token from the e-mailed link.
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentAcceptedView {
    pub enrolment_id: Uuid,
}

#[utoipa::path(post, path = "/api/v1/enrolments/accept", tag = "me", request_body = EnrolmentAcceptRequest,
    responses((status = 200, description = "The enrolment is accepted: the organization now sees the candidate's name and, from now on, their results for the course's paper", body = EnrolmentAcceptedView),
        (status = 410, description = "The link is unknown, used or expired", body = Problem)))]
#[post("/enrolments/accept")]
pub async fn accept_enrolment(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<EnrolmentAcceptRequest>,
) -> Result<HttpResponse, ApiError> {
    let enrolment_id =
        courses::accept_by_token(&state, client_address(&req), &body.0.token).await?;
    Ok(HttpResponse::Ok().json(EnrolmentAcceptedView { enrolment_id }))
}

const ENROLMENT_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accept the enrolment · Invigilator</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}#message{margin-top:1rem;font-weight:bold}</style></head>
<body><h1>Accept the enrolment</h1>
<p>If you accept, the training organization sees your name and, from now on, your results in the examinations its course prepares for.</p>
<form id="accept"><button type="submit">Accept</button></form><p id="message" role="status"></p>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get("token");
document.getElementById("accept").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await fetch("/api/v1/enrolments/accept", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
  const j = await r.json();
  document.getElementById("message").textContent = r.ok ? "Done. The enrolment is accepted." : (j.detail || "Something went wrong.");
});
</script></body></html>"#;

#[get("/enrolments/accept")]
pub async fn enrolment_page() -> HttpResponse {
    page_response(ENROLMENT_PAGE)
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accept your invitation · Invigilator</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin-top:1rem}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}#message{margin-top:1rem;font-weight:bold}</style></head>
<body><h1>Choose your password</h1>
<form id="accept"><label>Given name (staff invitations)<input name="given_name" autocomplete="given-name"></label>
<label>Family name (staff invitations)<input name="family_name" autocomplete="family-name"></label>
<label>Password (at least 10 characters)<input name="password" type="password" autocomplete="new-password" required minlength="10"></label>
<button type="submit">Accept</button></form><p id="message" role="status"></p>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get("token");
document.getElementById("accept").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const body = { token, password: f.get("password") };
  if (f.get("given_name")) body.given_name = f.get("given_name");
  if (f.get("family_name")) body.family_name = f.get("family_name");
  const r = await fetch("/api/v1/invitations/accept", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const j = await r.json();
  document.getElementById("message").textContent = r.ok ? "Done. You can now log in." : (j.detail || "Something went wrong.");
});
</script></body></html>"#;

/// The page an invitation link opens.
#[get("/invitations/accept")]
pub async fn page() -> HttpResponse {
    page_response(PAGE)
}

fn page_response(html: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'"))
        .body(html)
}
