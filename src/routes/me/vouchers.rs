//! A candidate's vouchers: the ones assigned to them, and redeeming a code they were
//! given. Also the voucher's JSON view and the API's answer to each voucher error, shared
//! by the ATO and administrator endpoints.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::vouchers::{self as use_case, VoucherError};
use crate::domain::role::Role;
use crate::domain::voucher::{VoucherCode, VoucherRecord, VoucherState};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::json::ApiJson;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

impl From<VoucherError> for ApiError {
    fn from(e: VoucherError) -> Self {
        match e {
            VoucherError::NotStaff => ApiError::forbidden(e.to_string()),
            VoucherError::NoSuchAto | VoucherError::NoSuchVoucher | VoucherError::UnknownCode => {
                ApiError::not_found(e.to_string())
            }
            VoucherError::NotADelegate => ApiError::invalid("email", e.to_string()),
            VoucherError::WrongState(..) => ApiError::conflict("voucher-state", e.to_string()),
            VoucherError::NotAccredited(_) => {
                ApiError::conflict("not-accredited", e.to_string()).with("field", "qualification")
            }
            VoucherError::BadUpload(m) => ApiError::invalid("file", m),
            VoucherError::Invalid(errors) => ApiError::invalid_fields(errors),
            VoucherError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

/// A voucher (never its code: only its last four characters).
#[derive(Serialize, ToSchema)]
pub struct VoucherView {
    pub id: Uuid,
    pub batch_id: Uuid,
    /// The code's last four characters, to tell vouchers apart.
    #[schema(example = "KMNP")]
    pub code_last4: String,
    pub qualification: String,
    /// As read now: a voucher past its expiry is `expired`.
    pub state: VoucherState,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub valid_from: OffsetDateTime,
    /// The first moment it can no longer be used.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// The training organization it was issued to; absent for one issued to redeem.
    pub ato_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: OffsetDateTime,
    pub candidate_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub assigned_at: Option<OffsetDateTime>,
    pub booking_id: Option<Uuid>,
    /// The sitting it paid for, once consumed.
    pub sitting_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub consumed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub voided_at: Option<OffsetDateTime>,
    pub void_reason: Option<String>,
}

impl VoucherView {
    pub fn at(v: VoucherRecord, now: OffsetDateTime) -> Self {
        Self {
            state: v.state_at(now),
            id: v.id,
            batch_id: v.batch_id,
            code_last4: v.code_last4,
            qualification: v.qualification,
            valid_from: v.valid_from,
            expires_at: v.expires_at,
            ato_id: v.ato_id,
            issued_at: v.issued_at,
            candidate_id: v.candidate_id,
            assigned_at: v.assigned_at,
            booking_id: v.booking_id,
            sitting_id: v.sitting_id,
            consumed_at: v.consumed_at,
            voided_at: v.voided_at,
            void_reason: v.void_reason,
        }
    }
}

/// Whether a qualification needs a voucher, and how many valid ones the candidate holds.
#[derive(Serialize, ToSchema)]
pub struct VoucherNeedView {
    pub required: bool,
    /// Valid vouchers held for it (0 where none is required).
    pub held: usize,
}

impl VoucherNeedView {
    pub fn of(held: &BTreeMap<String, usize>, qualification: &str) -> Self {
        match held.get(qualification) {
            Some(n) => Self {
                required: true,
                held: *n,
            },
            None => Self {
                required: false,
                held: 0,
            },
        }
    }
}

#[utoipa::path(get, path = "/api/v1/me/vouchers", tag = "me", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "Your vouchers, oldest first", body = [VoucherView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page; absent on the last page"))),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 422, description = "A bad limit or cursor", body = Problem)))]
#[get("/me/vouchers")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let paging = paging::paging(&query)?;
    let page = use_case::of_candidate(&state, user.id, paging.cursor, paging.limit).await?;
    let now = state.clock.now();
    Ok(paging::respond(
        &req,
        &paging,
        page.map(|v| VoucherView::at(v, now)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// The code as written: case, dashes and spaces do not matter.
    #[schema(example = "ABCD-EFGH-JKMN-P", max_length = 64)]
    pub code: String,
}

#[utoipa::path(post, path = "/api/v1/me/vouchers", tag = "me", security(("bearer" = [])), request_body = RedeemRequest,
    responses((status = 200, description = "The voucher, now yours (redeeming your own again changes nothing)", body = VoucherView),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not a candidate", body = Problem),
        (status = 404, description = "No voucher to redeem has this code", body = Problem),
        (status = 409, description = "The voucher is someone else's, used, expired or void", body = Problem),
        (status = 422, description = "Not a voucher code: the check character catches a mistyped or swapped character", body = Problem)))]
#[post("/me/vouchers")]
pub async fn redeem(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<RedeemRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Candidate)?;
    let code = VoucherCode::parse(&body.0.code).map_err(|m| ApiError::invalid("code", m))?;
    let voucher = use_case::redeem(&state, user.id, &code).await?;
    Ok(HttpResponse::Ok().json(VoucherView::at(voucher, state.clock.now())))
}
