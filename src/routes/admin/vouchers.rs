//! Administrators issue vouchers in batches (to an ATO, or for candidates to redeem by
//! code), list and filter them, and void one with a reason.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::vouchers::{self as use_case, Filter, IssuedBatch};
use crate::domain::role::Role;
use crate::domain::voucher::{VoucherState, parse_void_reason};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::me::vouchers::VoucherView;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    #[schema(example = "iso20000-foundation")]
    pub qualification: String,
    /// How many vouchers (1 to 1000).
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(deserialize_with = "crate::routes::json::whole_number")]
    pub count: i64,
    /// The first day they can be used (UTC).
    #[schema(value_type = String, format = Date)]
    pub valid_from: String,
    /// The last day they can be used (UTC): they expire at the end of it.
    #[schema(value_type = String, format = Date)]
    pub expires_on: String,
}

/// One issued voucher with its code: shown once, never again.
#[derive(Serialize, ToSchema)]
pub struct IssuedVoucherView {
    pub id: Uuid,
    #[schema(example = "ABCD-EFGH-JKMN-P")]
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct BatchView {
    pub batch_id: Uuid,
    pub ato_id: Option<Uuid>,
    pub qualification: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub valid_from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// The codes, shown only in this response: the server keeps only their hashes.
    pub vouchers: Vec<IssuedVoucherView>,
}

impl From<IssuedBatch> for BatchView {
    fn from(b: IssuedBatch) -> Self {
        let first = b
            .vouchers
            .first()
            .map(|(v, _)| (v.qualification.clone(), v.valid_from, v.expires_at));
        let (qualification, valid_from, expires_at) = first.unwrap_or((
            String::new(),
            OffsetDateTime::UNIX_EPOCH,
            OffsetDateTime::UNIX_EPOCH,
        ));
        Self {
            batch_id: b.batch_id,
            ato_id: b.ato.map(|a| a.id),
            qualification,
            valid_from,
            expires_at,
            vouchers: b
                .vouchers
                .into_iter()
                .map(|(v, code)| IssuedVoucherView {
                    id: v.id,
                    code: code.grouped(),
                })
                .collect(),
        }
    }
}

async fn issue_batch(
    state: &AppState,
    user: &AuthenticatedUser,
    ato: Option<Uuid>,
    body: &BatchRequest,
) -> Result<HttpResponse, ApiError> {
    let batch = use_case::parse_batch(
        state,
        &body.qualification,
        body.count,
        &body.valid_from,
        &body.expires_on,
    )?;
    let issued = use_case::issue(state, ato, &batch, user.id).await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(BatchView::from(issued)))
}

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/vouchers", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "ATO id")), request_body = BatchRequest,
    responses((status = 201, description = "The batch, with every code (shown only here)", body = BatchView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such training organization", body = Problem),
        (status = 409, description = "The organization holds no active accreditation for the qualification today (`not-accredited`, `field: qualification`)", body = Problem),
        (status = 422, description = "An unknown qualification, a count outside 1-1000, or bad dates", body = Problem)))]
#[post("/admin/atos/{id}/vouchers")]
pub async fn issue_to_ato(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<BatchRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let ato = parse_id(&path, "training organization")?;
    issue_batch(&state, &user, Some(ato), &body.0).await
}

#[utoipa::path(post, path = "/api/v1/admin/vouchers", tag = "admin", security(("bearer" = [])),
    request_body = BatchRequest,
    responses((status = 201, description = "A batch for candidates to redeem by code (issued to no ATO), with every code (shown only here)", body = BatchView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "An unknown qualification, a count outside 1-1000, or bad dates", body = Problem)))]
#[post("/admin/vouchers")]
pub async fn issue_to_redeem(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    body: ApiJson<BatchRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    issue_batch(&state, &user, None, &body.0).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VoucherQuery {
    /// Only this training organization's.
    pub ato: Option<Uuid>,
    /// Only those of this qualification.
    pub qualification: Option<String>,
    /// Only those in this state, as read now.
    pub state: Option<VoucherState>,
}

#[utoipa::path(get, path = "/api/v1/admin/vouchers", tag = "admin", security(("bearer" = [])), params(VoucherQuery, ListQuery),
    responses((status = 200, description = "Vouchers, oldest first", body = [VoucherView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 422, description = "A bad filter, limit or cursor", body = Problem)))]
#[get("/admin/vouchers")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<VoucherQuery>,
    page_query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let paging = paging::paging(&page_query)?;
    let filter = Filter {
        ato: query.ato,
        qualification: query.qualification.clone(),
        state: query.state,
        candidate: None,
    };
    let page = use_case::list(&state, &filter, paging.cursor, paging.limit).await?;
    let now = state.clock.now();
    Ok(paging::respond(
        &req,
        &paging,
        page.map(|v| VoucherView::at(v, now)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    /// Why, for the ATO and the ledger.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
    )]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/vouchers/{id}/void", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Voucher id")), request_body = VoidRequest,
    responses((status = 200, description = "Void, with who, when and why", body = VoucherView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such voucher", body = Problem),
        (status = 409, description = "Already used, expired or void", body = Problem),
        (status = 422, description = "No reason", body = Problem)))]
#[post("/admin/vouchers/{id}/void")]
pub async fn void(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<VoidRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = parse_id(&path, "voucher")?;
    let reason = parse_void_reason(&body.0.reason).map_err(|m| ApiError::invalid("reason", m))?;
    let voucher = use_case::void(&state, id, &reason, user.id).await?;
    Ok(HttpResponse::Ok().json(VoucherView::at(voucher, state.clock.now())))
}
