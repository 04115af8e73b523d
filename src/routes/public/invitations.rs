//! Accepting an invitation or an enrolment through the API. The pages the e-mailed links
//! open are the web front door's (`web::links`).

use actix_web::{HttpRequest, HttpResponse, post, web};
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
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    /// Needed for a staff invitation; a delegate's account already has the names.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub given_name: Option<String>,
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
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
        (status = 422, description = "A field is invalid", body = Problem),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem)))]
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
        (status = 410, description = "The link is unknown, used or expired", body = Problem),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem)))]
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
