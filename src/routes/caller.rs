//! `AuthenticatedUser`: the caller of an API request, from a verified bearer token, or a
//! 401 problem.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

use super::problem::ApiError;
use crate::domain::role::Role;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct AuthenticatedUser {
    pub id: Uuid,
    pub roles: Vec<Role>,
}

impl AuthenticatedUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// 403 unless the user holds `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {} role",
                role.as_ref()
            )))
        }
    }
}

impl FromRequest for AuthenticatedUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthenticatedUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be a Bearer token"))?;
    let verified = state
        .tokens
        .verify_access(token.trim(), state.clock.now())
        .ok_or_else(|| ApiError::unauthorized("the access token is invalid or has expired"))?;
    Ok(AuthenticatedUser {
        id: verified.user_id,
        roles: verified.roles,
    })
}
