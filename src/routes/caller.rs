//! `AuthenticatedUser`: the caller of an API request, from a verified bearer token, or a
//! 401 problem.

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use super::problem::ApiError;
use crate::app::accounts;
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
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = verify(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (verified, state) = (verified?, state.ok_or_else(missing_state)?);
            // The signature alone is not enough: logout, a password change or disabling
            // the account end its tokens at once.
            accounts::check_session(&state, verified.user_id, verified.version).await?;
            Ok(AuthenticatedUser {
                id: verified.user_id,
                roles: verified.roles,
            })
        })
    }
}

fn missing_state() -> ApiError {
    ApiError::internal(anyhow::anyhow!("application state missing"))
}

fn verify(req: &HttpRequest) -> Result<crate::auth::tokens::Verified, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(missing_state)?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("an Authorization: Bearer token is required"))?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be a Bearer token"))?;
    state
        .tokens
        .verify_access(token.trim(), state.clock.now())
        .ok_or_else(|| ApiError::unauthorized("the access token is invalid or has expired"))
}

/// The header naming the device a request comes from: an invigilated sitting is sat on
/// one device (any value the client keeps for the sitting, e.g. a random UUID; the
/// server keeps only its SHA-256).
pub const DEVICE_HEADER: &str = "Invigilator-Device";

/// The device a request names with [`DEVICE_HEADER`], if any.
pub struct ApiDevice(pub Option<crate::domain::sitting::Device>);

impl ApiDevice {
    pub fn get(&self) -> Option<&crate::domain::sitting::Device> {
        self.0.as_ref()
    }
}

impl FromRequest for ApiDevice {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let device = req
            .headers()
            .get(DEVICE_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::domain::sitting::Device::from_token);
        std::future::ready(Ok(Self(device)))
    }
}
