//! `GET /health`: ok once the database answers.

use actix_web::{HttpResponse, get, web};

use crate::app::health as use_case;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    responses(
        (status = 200, description = "The server and its database answer", body = serde_json::Value, example = json!({"status": "ok"})),
        (status = 503, description = "The database does not answer", body = Problem),
    )
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    use_case::check(&state).await.map_err(|e| {
        tracing::error!(error = %e, "health check: database unreachable");
        ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database does not answer",
        )
    })?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok"})))
}
