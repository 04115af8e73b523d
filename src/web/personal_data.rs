//! The signed-in person's data as one JSON file to download (`/my/data`): the same
//! document as `GET /api/v1/me/data`, built by the same use case.

use actix_web::{HttpResponse, get, http::header, web};

use super::page::PageError;
use super::session::Visitor;
use crate::app::personal_data::{self, ExportError};
use crate::state::AppState;

impl From<ExportError> for PageError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Gone => Self::NotFound,
            ExportError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

#[get("/my/data")]
pub async fn download(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    let user = visitor.signed_in()?.user_id;
    let document = personal_data::export(&state, user).await?;
    let body = serde_json::to_vec_pretty(&document).map_err(|e| PageError::Unexpected(e.into()))?;
    Ok(visitor.finish(
        HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"invigilator-data-{}.json\"",
                    document.generated_at.date()
                ),
            ))
            .body(body),
    ))
}
