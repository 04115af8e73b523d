//! `GET /health` (liveness: ok once the database answers) and `GET /health/ready`
//! (readiness: the server should be sent traffic), for load balancers and orchestrators.

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

#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "health",
    responses(
        (status = 200, description = "Ready for traffic: the database answers, every migration this server knows is applied, and at least one qualification can be delivered", body = serde_json::Value, example = json!({
            "status": "ready",
            "checks": {
                "database": {"status": "ok", "detail": "answers"},
                "migrations": {"status": "ok", "detail": "20 applied"},
                "pools": {"status": "ok", "detail": "2 qualification(s) can be delivered"},
            }
        })),
        (status = 503, description = "Not ready: the problem names each failing check (`database`, `migrations`, `pools`), or the server is shutting down", body = Problem),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    use actix_web::http::StatusCode;
    let checks = match use_case::readiness(&state).await {
        use_case::Readiness::Ready(checks) => checks,
        use_case::Readiness::NotReady(checks) => {
            let failing: Vec<String> = checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{}: {}", c.name, c.detail))
                .collect();
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not-ready",
                format!("not ready: {}", failing.join("; ")),
            )
            .with("checks", checks_json(&checks))
            .with_retry_after(5));
        }
        use_case::Readiness::ShuttingDown => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting-down",
                "shutting down: this server finishes the requests in flight and takes no new ones",
            ));
        }
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "status": "ready",
        "checks": checks_json(&checks),
    })))
}

fn checks_json(checks: &[use_case::Check]) -> serde_json::Value {
    checks
        .iter()
        .map(|c| {
            (
                c.name.to_owned(),
                serde_json::json!({
                    "status": if c.ok { "ok" } else { "failing" },
                    "detail": c.detail,
                }),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}
