//! Administrators record a course of any training organization, including one that has
//! already run (staff may only announce future courses); the record names them.

use actix_web::{HttpResponse, post, web};

use crate::app::courses as use_case;
use crate::domain::ato::NewCourse;
use crate::domain::role::Role;
use crate::routes::ato::{CourseRequest, CourseView};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::ids::parse_id;
use crate::routes::json::ApiJson;
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/admin/atos/{id}/courses", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "ATO id")), request_body = CourseRequest,
    responses((status = 201, description = "The course, recorded as the administrator's; past dates allowed, but an accreditation must have covered it", body = CourseView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such organization", body = Problem),
        (status = 422, description = "A field is invalid, or no accreditation covers the course", body = Problem)))]
#[post("/admin/atos/{id}/courses")]
pub async fn record(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    body: ApiJson<CourseRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let ato = parse_id(&path, "training organization")?;
    let b = body.0;
    let offered = |code: &str| {
        state
            .catalog
            .offered()
            .any(|(_, q)| q.qualification.code == code)
    };
    let new = NewCourse::parse(
        &b.qualification,
        &b.title,
        &b.starts_on,
        &b.ends_on,
        b.delivery,
        &b.trainer_name,
        offered,
    )?;
    let course = use_case::record_for(&state, ato, new, user.id).await?;
    Ok(HttpResponse::Created().json(CourseView::from(course)))
}
