//! Registration, login, token refresh and logout.

use actix_web::{HttpResponse, post, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::problem::{ApiError, FieldError, Problem};
use super::views::UserView;
use crate::accounts::{self, CreateAccountError, NewAccount};
use crate::auth::{Role, tokens};
use crate::domain::values::{EmailAddress, NewPassword, PersonName};
use crate::persistence::{begin_write, users};
use crate::startup::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "zoe.obrien@example.org")]
    pub email: String,
    /// 10 to 128 characters.
    pub password: String,
    #[schema(example = "Zoë")]
    pub given_name: String,
    #[schema(example = "O'Brien")]
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
    )
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: ApiJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = Vec::new();
    let mut field = |name: &str, result: Result<(), String>| {
        if let Err(message) = result {
            errors.push(FieldError {
                field: name.into(),
                message,
            });
        }
    };
    let email = EmailAddress::parse(&body.email);
    let given = PersonName::parse(&body.given_name);
    let family = PersonName::parse(&body.family_name);
    let password = NewPassword::parse(body.password);
    field("email", email.as_ref().map(|_| ()).map_err(Clone::clone));
    field(
        "password",
        password.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    field(
        "given_name",
        given.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    field(
        "family_name",
        family.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let (Ok(email), Ok(password), Ok(given), Ok(family)) = (email, password, given, family) else {
        return Err(ApiError::invalid_fields(errors));
    };
    let account = NewAccount {
        email,
        given_name: given,
        family_name: family,
        roles: vec![Role::Candidate],
    };
    let id = accounts::create(
        &state.db,
        &state.passwords,
        &account,
        password,
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        CreateAccountError::EmailTaken => ApiError::conflict(
            "email-taken",
            "an account with this e-mail address already exists",
        ),
        CreateAccountError::Unexpected(e) => ApiError::internal(e),
    })?;
    tracing::info!(user = %id, "candidate registered");
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

async fn issue_tokens(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    user_id: uuid::Uuid,
    family_id: uuid::Uuid,
) -> Result<TokenResponse, ApiError> {
    let now = state.clock.now();
    let roles = users::roles_of(db, user_id).await?;
    let access_token = state.tokens.issue_access(user_id, &roles, now)?;
    let (refresh_token, hash) = tokens::new_refresh_token();
    users::insert_refresh_token(
        db,
        user_id,
        family_id,
        hash,
        now,
        now + state.tokens.refresh_ttl,
    )
    .await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl.whole_seconds(),
        refresh_token,
    })
}

fn bad_credentials() -> ApiError {
    ApiError::unauthorized("the e-mail address or password is incorrect")
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        (status = 401, description = "Wrong e-mail address or password (the same answer either way)", body = Problem),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let user = match EmailAddress::parse(&body.email) {
        Ok(email) => users::find_by_email(&state.db, &email).await?,
        Err(_) => None,
    };
    // An account whose owner has not chosen a password yet cannot log in.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .filter(|h| h != users::NO_PASSWORD);
    if !state
        .passwords
        .verify(SecretString::from(body.password), hash)
        .await?
    {
        return Err(bad_credentials());
    }
    let Some(user) = user else {
        return Err(bad_credentials());
    };
    let tx = begin_write(&state.db).await?;
    let tokens = issue_tokens(&state, &tx, user.id, uuid::Uuid::now_v7()).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(tokens))
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
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let hash = tokens::hash_refresh_token(&body.0.refresh_token);
    let refused = || ApiError::unauthorized("the refresh token is not valid; log in again");
    let tx = begin_write(&state.db).await?;
    let Some(stored) = users::find_refresh_token(&tx, &hash).await? else {
        return Err(refused());
    };
    if stored.revoked || !users::revoke_refresh_token(&tx, stored.id, now).await? {
        // A spent token presented again means it was copied: end the whole login.
        users::revoke_refresh_family(&tx, stored.family_id, now).await?;
        tx.commit().await.map_err(ApiError::from)?;
        tracing::warn!(user = %stored.user_id, "refresh token reused; login revoked");
        return Err(refused());
    }
    if stored.expires_at <= now {
        tx.commit().await.map_err(ApiError::from)?;
        return Err(refused());
    }
    let tokens = issue_tokens(&state, &tx, stored.user_id, stored.family_id).await?;
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(tokens))
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
    let now = state.clock.now();
    let hash = tokens::hash_refresh_token(&body.0.refresh_token);
    let tx = begin_write(&state.db).await?;
    if let Some(stored) = users::find_refresh_token(&tx, &hash).await? {
        users::revoke_refresh_family(&tx, stored.family_id, now).await?;
    }
    tx.commit().await.map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}
