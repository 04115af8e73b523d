//! Administrators disable an account (every session of it ends at once) or enable it
//! again, with a reason on record.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::accounts as use_case;
use crate::domain::role::Role;
use crate::domain::values::parse_text;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountStatusRequest {
    /// `true` disables the account, `false` enables it again.
    pub disabled: bool,
    /// Why, for the record; required to disable.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/status", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = AccountStatusRequest,
    responses((status = 204, description = "Done; disabling ends every session of the account at once"),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such account", body = Problem),
        (status = 409, description = "An administrator cannot disable their own account", body = Problem),
        (status = 422, description = "Disabling needs a reason", body = Problem)))]
#[post("/admin/accounts/{id}/status")]
pub async fn set_status(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<AccountStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "account")?;
    let reason = match (&body.0.reason, body.0.disabled) {
        (None, true) => return Err(ApiError::invalid("reason", "disabling needs a reason")),
        (Some(r), _) => Some(parse_text(r, 2000).map_err(|m| ApiError::invalid("reason", m))?),
        (None, false) => None,
    };
    let disable = body.0.disabled.then_some(()).and(reason.as_deref());
    use_case::set_disabled(&state, user.id, id, disable).await?;
    Ok(HttpResponse::NoContent().finish())
}
