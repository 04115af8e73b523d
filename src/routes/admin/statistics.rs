//! Item statistics for administrators: per qualification, form by form, the figures of
//! every item, syllabus area and paper, as JSON or as CSV.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::statistics::{self as use_case, ItemReport, ItemStatisticsError};
use crate::domain::item_statistics::{AreaStatistics, ItemStatistics, PaperStatistics, Thresholds};
use crate::domain::role::Role;
use crate::routes::caller::AuthenticatedUser;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

impl From<ItemStatisticsError> for ApiError {
    fn from(e: ItemStatisticsError) -> Self {
        match e {
            ItemStatisticsError::UnknownQualification(_) => ApiError::not_found(e.to_string()),
            ItemStatisticsError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

/// One form: the papers drawn from one pool (qualification + edition + pool hash, as
/// each sitting stores them).
#[derive(Serialize, ToSchema)]
pub struct FormView {
    pub edition: String,
    /// SHA-256 of the pool the papers were drawn from.
    pub pool_hash: String,
    pub paper: PaperStatistics,
    /// By item id; each over the candidates who were given it.
    pub items: Vec<ItemStatistics>,
    pub areas: Vec<AreaStatistics>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemStatisticsView {
    pub qualification: String,
    pub title: String,
    /// The latest scored sittings read (at most `sample_limit`).
    pub sittings_read: u64,
    pub sample_limit: u64,
    /// When items are flagged (from the server's settings).
    pub thresholds: Thresholds,
    /// The form of the latest sitting first.
    pub forms: Vec<FormView>,
}

impl From<ItemReport> for ItemStatisticsView {
    fn from(r: ItemReport) -> Self {
        Self {
            qualification: r.qualification,
            title: r.title,
            sittings_read: r.sittings_read,
            sample_limit: r.sample_limit,
            thresholds: r.thresholds,
            forms: r
                .forms
                .into_iter()
                .map(|f| FormView {
                    edition: f.edition,
                    pool_hash: f.pool_hash,
                    paper: f.statistics.paper,
                    items: f.statistics.items,
                    areas: f.statistics.areas,
                })
                .collect(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/statistics/{qualification}/items",
    tag = "admin",
    security(("bearer" = [])),
    params(("qualification" = String, Path, description = "Qualification code, e.g. iso20000-foundation")),
    responses(
        (status = 200, description = "Item statistics per form: each item's facility, corrected point-biserial, discriminative efficiency, upper-lower discrimination (27% groups), options and flags; each area's mean facility; the paper's mean, SD, KR-20 or alpha, SEM and score histogram. Read from the latest scored sittings (at most `sample_limit`).", body = ItemStatisticsView),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such qualification", body = Problem),
    )
)]
#[get("/admin/statistics/{qualification}/items")]
pub async fn items(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let report = use_case::items(&state, &path).await?;
    Ok(HttpResponse::Ok().json(ItemStatisticsView::from(report)))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/statistics/{qualification}/items.csv",
    tag = "admin",
    security(("bearer" = [])),
    params(("qualification" = String, Path, description = "Qualification code, e.g. iso20000-foundation")),
    responses(
        (status = 200, description = "The item statistics as CSV, one row per item per form; cells a spreadsheet would run as formulas are prefixed with an apostrophe", content_type = "text/csv", body = String),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such qualification", body = Problem),
    )
)]
#[get("/admin/statistics/{qualification}/items.csv")]
pub async fn items_csv(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let report = use_case::items(&state, &path).await?;
    let bytes = report.csv().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"items-{}.csv\"",
                report.qualification
            ),
        ))
        .body(bytes))
}
