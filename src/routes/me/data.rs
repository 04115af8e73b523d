//! The signed-in account's personal data, as one JSON document to download (the same
//! document as the page `/my/data`).

use actix_web::{HttpResponse, get, http::header, web};

use crate::app::personal_data::{self as use_case, ExportError, PersonalData};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Gone => ApiError::not_found(e.to_string()),
            ExportError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

/// The download's file name: `invigilator-data-<date>.json`.
pub fn file_name(document: &PersonalData) -> String {
    format!("invigilator-data-{}.json", document.generated_at.date())
}

#[utoipa::path(
    get,
    path = "/api/v1/me/data",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every piece of personal data held about the account, as an attachment: the account, evidence and the decisions on it, extra time, courses, sittings with the candidate's own responses and results (never an item, key or rationale), certificates, vouchers, bookings, appeals and complaints, and the e-mails sent to the address", body = PersonalData,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"invigilator-data-YYYY-MM-DD.json\""))),
        (status = 401, description = "Not signed in", body = Problem),
    )
)]
#[get("/me/data")]
pub async fn download(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let document = use_case::export(&state, user.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file_name(&document)),
        ))
        .json(document))
}
