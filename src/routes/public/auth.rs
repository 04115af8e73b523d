//! Registration, login, token refresh and logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::accounts::{self, TokenPair};
use crate::domain::values::{NewPassword, Registration};
use crate::routes::json::ApiJson;
use crate::routes::limits::client_address;
use crate::routes::problem::{ApiError, Problem};
use crate::routes::views::UserView;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "zoe.obrien@example.org")]
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?(\.[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?)+\s*$"
    )]
    pub email: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    #[schema(example = "Zoë")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub given_name: String,
    #[schema(example = "O'Brien")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub family_name: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The candidate account", body = UserView),
        (status = 409, description = "An account with this e-mail address exists", body = Problem),
        (status = 422, description = "A field is invalid", body = Problem),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem),
        (status = 503, description = "The password-hashing queue is full; see Retry-After", body = Problem),
    )
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let registration = Registration::parse(&b.email, b.password, &b.given_name, &b.family_name)?;
    let (id, account) = accounts::register(&state, client_address(&req), registration).await?;
    Ok(HttpResponse::Created().json(UserView {
        id,
        email: account.email.to_string(),
        given_name: account.given_name.as_ref().to_owned(),
        family_name: account.family_name.as_ref().to_owned(),
        roles: account.roles,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Exchange at `/api/v1/auth/refresh` for a new pair; each is used once.
    pub refresh_token: String,
}

impl From<TokenPair> for TokenResponse {
    fn from(t: TokenPair) -> Self {
        Self {
            access_token: t.access_token,
            token_type: "Bearer",
            expires_in: t.expires_in_seconds,
            refresh_token: t.refresh_token,
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        (status = 401, description = "Wrong e-mail address or password (the same answer either way)", body = Problem),
        (status = 403, description = "The account is disabled", body = Problem),
        (status = 429, description = "Too many attempts from this address, or a back-off after failed attempts on this account; see Retry-After", body = Problem),
        (status = 503, description = "The password-hashing queue is full; see Retry-After", body = Problem),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let tokens = accounts::login(
        &state,
        client_address(&req),
        &b.email,
        SecretString::from(b.password),
    )
    .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair; the refresh token sent is spent", body = TokenResponse),
        (status = 401, description = "The refresh token is unknown, spent, revoked or expired", body = Problem),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = accounts::refresh(&state, client_address(&req), &body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "The login behind this refresh token is revoked")),
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkTokenRequest {
    /// The token from the e-mailed link.
    pub token: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/verify-email",
    tag = "auth",
    request_body = LinkTokenRequest,
    responses(
        (status = 204, description = "The address is verified"),
        (status = 409, description = "The address is already verified", body = Problem),
        (status = 410, description = "The link is unknown, used or expired", body = Problem),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LinkTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::verify_email(&state, client_address(&req), &body.0.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset",
    tag = "auth",
    request_body = ResetRequest,
    responses((status = 202, description = "If the address has an account, a reset link is on its way; the answer is the same either way"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem)),
)]
#[post("/auth/password-reset")]
pub async fn request_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::request_password_reset(&state, client_address(&req), &body.0.email).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "detail": "if this address has an account, a link to choose a new password is on its way"
    })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmRequest {
    pub token: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset/confirm",
    tag = "auth",
    request_body = ResetConfirmRequest,
    responses(
        (status = 204, description = "The new password is set; every session of the account has ended"),
        (status = 410, description = "The link is unknown, used or expired", body = Problem),
        (status = 422, description = "The password is invalid", body = Problem),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<ResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let password = NewPassword::parse(b.password).map_err(|m| ApiError::invalid("password", m))?;
    accounts::reset_password(&state, client_address(&req), &b.token, password).await?;
    Ok(HttpResponse::NoContent().finish())
}
