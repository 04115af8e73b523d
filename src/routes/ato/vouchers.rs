//! ATO staff see their organization's vouchers and assign them to delegates who accepted
//! one of its enrolments: one by one, or from a CSV file with a report per row.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::vouchers::{self as use_case, AssignmentResult, Filter};
use crate::domain::role::Role;
use crate::domain::values::EmailAddress;
use crate::domain::voucher::VoucherState;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::{ApiJson, declared_length, read_limited};
use crate::routes::me::vouchers::VoucherView;
use crate::routes::paging::{self, ListQuery};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

/// Largest assignment upload accepted.
pub const ASSIGNMENTS_MAX_BYTES: usize = 256 * 1024;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffVoucherQuery {
    /// Only those of this qualification.
    pub qualification: Option<String>,
    /// Only those in this state, as read now.
    pub state: Option<VoucherState>,
}

#[utoipa::path(get, path = "/api/v1/ato/vouchers", tag = "ato", security(("bearer" = [])), params(StaffVoucherQuery, ListQuery),
    responses((status = 200, description = "Your organization's vouchers, oldest first", body = [VoucherView],
            headers(("Link" = String, description = "`<…>; rel=\"next\"`: the next page, with the same parameters; absent on the last page"))),
        (status = 403, description = "Not ATO staff", body = Problem),
        (status = 422, description = "A bad filter, limit or cursor", body = Problem)))]
#[get("/ato/vouchers")]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    query: web::Query<StaffVoucherQuery>,
    page_query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::AtoStaff)?;
    let paging = paging::paging(&page_query)?;
    let filter = Filter {
        qualification: query.qualification.clone(),
        state: query.state,
        ..Filter::default()
    };
    let page =
        use_case::list_for_staff(&state, user.id, filter, paging.cursor, paging.limit).await?;
    let now = state.clock.now();
    Ok(paging::respond(
        &req,
        &paging,
        page.map(|v| VoucherView::at(v, now)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    /// The delegate's address: a candidate who accepted an enrolment with your organization.
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s@\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?(\.[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f](?:[^\s\x00-\x2c\x2e-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f]*[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f])?)+\s*$"
    )]
    pub email: String,
}

#[utoipa::path(post, path = "/api/v1/ato/vouchers/{id}/assignment", tag = "ato", security(("bearer" = [])),
    params(("id" = String, Path, description = "Voucher id")), request_body = AssignmentRequest,
    responses((status = 200, description = "Assigned to the delegate, with who and when", body = VoucherView),
        (status = 403, description = "Not ATO staff", body = Problem),
        (status = 404, description = "No such voucher of your organization", body = Problem),
        (status = 409, description = "Already assigned, used, expired or void", body = Problem),
        (status = 422, description = "Not a delegate who accepted an enrolment with your organization", body = Problem)))]
#[post("/ato/vouchers/{id}/assignment")]
pub async fn assign(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<AssignmentRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::AtoStaff)?;
    let id = parse_id(&path, "voucher")?;
    let email = EmailAddress::parse(&body.0.email).map_err(|m| ApiError::invalid("email", m))?;
    let voucher = use_case::assign(&state, user.id, id, &email).await?;
    Ok(HttpResponse::Ok().json(VoucherView::at(voucher, state.clock.now())))
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentRowReport {
    /// Line number in the file (the header is line 1).
    pub row: usize,
    pub email: Option<String>,
    pub qualification: Option<String>,
    /// `assigned`, `already_assigned` (the delegate holds an unused voucher of yours for
    /// it, so an upload sent twice assigns nothing twice) or `rejected`.
    pub result: &'static str,
    pub voucher_id: Option<Uuid>,
    pub code_last4: Option<String>,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema, Default)]
pub struct AssignmentReport {
    pub assigned: usize,
    pub already_assigned: usize,
    pub rejected: usize,
    pub rows: Vec<AssignmentRowReport>,
}

impl AssignmentReport {
    pub fn of(rows: Vec<use_case::AssignmentRowOutcome>) -> Self {
        let mut report = Self::default();
        for row in rows {
            let (result, voucher_id, code_last4, reason) = match row.result {
                AssignmentResult::Assigned {
                    voucher,
                    code_last4,
                } => {
                    report.assigned += 1;
                    ("assigned", Some(voucher), Some(code_last4), None)
                }
                AssignmentResult::AlreadyAssigned => {
                    report.already_assigned += 1;
                    ("already_assigned", None, None, None)
                }
                AssignmentResult::Rejected(reason) => {
                    report.rejected += 1;
                    ("rejected", None, None, Some(reason))
                }
            };
            report.rows.push(AssignmentRowReport {
                row: row.row,
                email: row.email,
                qualification: row.qualification,
                result,
                voucher_id,
                code_last4,
                reason,
            });
        }
        report
    }
}

fn is_csv(req: &HttpRequest) -> bool {
    crate::http::has_media_type(req, "text/csv")
}

#[utoipa::path(post, path = "/api/v1/ato/vouchers/assignments/csv", tag = "ato", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "UTF-8 CSV with the header email,qualification; at most 1000 rows and 256 KiB"),
    responses((status = 200, description = "A report per row; bad rows never block good ones", body = AssignmentReport),
        (status = 403, description = "Not ATO staff", body = Problem),
        (status = 413, description = "The file is too large", body = Problem),
        (status = 415, description = "Not text/csv", body = Problem),
        (status = 422, description = "No header, not UTF-8, or too many rows", body = Problem)))]
#[post("/ato/vouchers/assignments/csv")]
pub async fn assign_csv(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::AtoStaff)?;
    use_case::ato_of(&state, user.id).await?;
    if !is_csv(&req) {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the body must be text/csv",
        ));
    }
    let body = read_limited(
        payload.into_inner(),
        ASSIGNMENTS_MAX_BYTES,
        declared_length(&req),
    )
    .await?;
    let rows = use_case::assign_csv(&state, user.id, &body).await?;
    Ok(HttpResponse::Ok().json(AssignmentReport::of(rows)))
}
