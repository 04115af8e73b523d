//! Administrators disable an account (every session of it ends at once) or enable it
//! again, with a reason on record; and erase an account's personal data at its holder's
//! request.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::accounts as use_case;
use crate::app::personal_data::{self, ErasureError};
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
        (status = 409, description = "An administrator cannot disable their own account (`own-account`), nor enable an erased one (`erased`)", body = Problem),
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

impl From<ErasureError> for ApiError {
    fn from(e: ErasureError) -> Self {
        match e {
            ErasureError::NotFound => ApiError::not_found(e.to_string()),
            ErasureError::AlreadyErased => ApiError::conflict("already-erased", e.to_string()),
            ErasureError::OwnAccount => ApiError::conflict("own-account", e.to_string()),
            ErasureError::SittingInProgress => {
                ApiError::conflict("sitting-in-progress", e.to_string())
            }
            ErasureError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// The reference of the holder's request (a ticket or letter number), kept on the
    /// audit ledger with the erasure. Not a name or an address: nothing personal belongs
    /// here.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        example = "DSR-2026-0042"
    )]
    pub reference: String,
}

/// What an erasure left in place of the person.
#[derive(Serialize, ToSchema)]
pub struct ErasureView {
    pub id: Uuid,
    /// The name the account and its certificates now carry.
    #[schema(example = "Erased person 3f2a9c1d")]
    pub name: String,
    /// The address the account now holds, which cannot receive mail.
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub erased_at: OffsetDateTime,
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/erasure", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = ErasureRequest,
    responses((status = 200, description = "Erased in one transaction: names replaced by a pseudonym, the address by one that cannot receive mail, the password and every session gone, declarations' free text, e-mail bodies, certificates' holder name and stored PDF, the register listing, the holder's words in cases and closed sittings' responses removed; certificate numbers, statuses, qualifications, dates, results and the audit ledger kept", body = ErasureView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such account", body = Problem),
        (status = 409, description = "Already erased (`already-erased`), the administrator's own account (`own-account`), or a sitting still in progress (`sitting-in-progress`)", body = Problem),
        (status = 422, description = "The request reference is missing or invalid", body = Problem)))]
#[post("/admin/accounts/{id}/erasure")]
pub async fn erase(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<ErasureRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "account")?;
    let reference = personal_data::parse_reference(&body.0.reference)
        .map_err(|m| ApiError::invalid("reference", m))?;
    let erased = personal_data::erase(&state, user.id, id, &reference).await?;
    Ok(HttpResponse::Ok().json(ErasureView {
        id: erased.id,
        name: erased.pseudonym,
        email: personal_data::placeholder_email(erased.id),
        erased_at: erased.erased_at,
    }))
}
