//! Course materials in the API: training organization staff attach files and links to
//! their courses (`/api/v1/ato/courses/{id}/materials`), administrators to a qualification
//! (`/api/v1/admin/qualifications/{code}/materials`), and delegates list and download
//! what their enrolments give them (`/api/v1/me/materials`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::materials::{self as use_case, Upload};
use crate::domain::material::{MaterialBody, MaterialOwner, MaterialRecord};
use crate::domain::role::Role;
use crate::http::upload::{self, UploadError, file_download};
use crate::routes::caller::AuthenticatedUser;
use crate::routes::errors::too_large_file;
use crate::routes::ids::parse_id;
use crate::routes::json::{declared_length, parse, read_limited};
use crate::routes::problem::{ApiError, Problem};
use crate::state::AppState;

/// The largest JSON body (a link) accepted.
const LINK_BODY_MAX_BYTES: usize = 16 * 1024;

/// A material: a file (with its name, type and size) or a link.
#[derive(Serialize, ToSchema)]
pub struct MaterialView {
    pub id: Uuid,
    pub title: String,
    /// `file` or `link`.
    #[schema(example = "file")]
    pub kind: &'static str,
    /// The course it belongs to; absent for a qualification's material.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course: Option<Uuid>,
    /// The qualification it belongs to as a whole; absent for a course's material.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification: Option<String>,
    /// A file's stored name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// A file's type, as read from its content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// A link's address (always `https`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where a delegate downloads a file (in `GET /api/v1/me/materials` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<MaterialRecord> for MaterialView {
    fn from(m: MaterialRecord) -> Self {
        let (course, qualification) = match m.owner {
            MaterialOwner::Course(id) => (Some(id), None),
            MaterialOwner::Qualification(code) => (None, Some(code)),
        };
        let mut view = Self {
            id: m.id,
            title: m.title,
            kind: "link",
            course,
            qualification,
            file_name: None,
            content_type: None,
            size_bytes: None,
            url: None,
            download: None,
            created_at: m.created_at,
        };
        match m.body {
            MaterialBody::File {
                file_name,
                file_type,
                size_bytes,
            } => {
                view.kind = "file";
                view.file_name = Some(file_name);
                view.content_type = Some(file_type.mime().to_owned());
                view.size_bytes = Some(size_bytes);
            }
            MaterialBody::Link { url } => view.url = Some(url),
        }
        view
    }
}

/// A link, sent as JSON.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    #[schema(min_length = 1, max_length = 120)]
    pub title: String,
    /// An `https://` address.
    #[schema(
        example = "https://www.iso.org/standard/51986.html",
        pattern = "^https://"
    )]
    pub url: String,
}

/// A file upload or a link, as multipart form data.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MaterialUpload {
    /// The title delegates see; for a file, the file's name when left empty.
    title: Option<String>,
    /// The file: PDF, .pptx, .odp, .docx or .odt (the type is read from the content).
    #[schema(value_type = Option<String>, format = Binary, content_media_type = "application/octet-stream")]
    file: Option<Vec<u8>>,
    /// Instead of a file, an `https://` address.
    url: Option<String>,
}

fn upload_failure(e: UploadError) -> ApiError {
    match e {
        UploadError::NotMultipart => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the body must be multipart/form-data (a file or a link) or application/json (a link)",
        ),
        UploadError::FileTooLarge(limit) => too_large_file(limit),
        UploadError::Field(field, message) => ApiError::invalid(field, message),
        UploadError::Malformed(m) => ApiError::bad_request(m),
    }
}

/// Reads the request as a file or a link.
async fn read_upload(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Upload, ApiError> {
    if crate::http::has_media_type(req, "application/json") {
        let body = read_limited(
            payload.into_inner(),
            LINK_BODY_MAX_BYTES,
            declared_length(req),
        )
        .await?;
        let link: LinkRequest = parse(&body)?;
        return Ok(Upload::Link {
            title: link.title,
            url: link.url,
        });
    }
    // The whole body may be a little larger than the file (the other fields, the part
    // headers); a declared length far beyond the limit is refused before reading.
    if declared_length(req).is_some_and(|n| n > state.materials.max_bytes + 64 * 1024) {
        return Err(too_large_file(state.materials.max_bytes));
    }
    let form = upload::read(req, payload, state.materials.max_bytes)
        .await
        .map_err(upload_failure)?;
    let title = form.text("title").to_owned();
    match (
        form.file,
        form.fields.get("url").filter(|u| !u.trim().is_empty()),
    ) {
        (Some((file_name, content)), None) => Ok(Upload::File {
            title,
            file_name,
            content,
        }),
        (None, Some(url)) => Ok(Upload::Link {
            title,
            url: url.clone(),
        }),
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "url",
            "send either a file or a link, not both",
        )),
        (None, None) => Err(ApiError::invalid("file", "send a file, or a link in `url`")),
    }
}

fn staff(user: &AuthenticatedUser) -> Result<Uuid, ApiError> {
    user.require(Role::AtoStaff)?;
    Ok(user.id)
}

fn admin(user: &AuthenticatedUser) -> Result<Uuid, ApiError> {
    user.require(Role::Admin)?;
    Ok(user.id)
}

#[utoipa::path(post, path = "/api/v1/ato/courses/{id}/materials", tag = "ato", security(("bearer" = [])),
    params(("id" = String, Path, description = "Course id")),
    request_body(content(
        (MaterialUpload = "multipart/form-data"),
        (LinkRequest = "application/json")
    ), description = "A file (field `file`, with an optional `title`) or a link (`title` and `url`)"),
    responses((status = 201, description = "Attached: the course's delegates see it while enrolled", body = MaterialView),
        (status = 403, description = "Not ATO staff", body = Problem),
        (status = 404, description = "No such course of yours", body = Problem),
        (status = 413, description = "The file is larger than `[materials] max_bytes`; names `file`", body = Problem),
        (status = 415, description = "Not multipart or JSON, or the file's content is not PDF, .pptx, .odp, .docx or .odt; names `file`", body = Problem),
        (status = 422, description = "A bad title, or a link that is not https; names the field", body = Problem)))]
#[post("/ato/courses/{id}/materials")]
pub async fn attach_to_course(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let course = parse_id(&path, "course")?;
    // Another organization's course answers 404 whatever is uploaded.
    use_case::of_course(&state, staff, course).await?;
    let upload = read_upload(&state, &req, payload).await?;
    let record = use_case::attach_to_course(&state, staff, course, upload).await?;
    Ok(HttpResponse::Created().json(MaterialView::from(record)))
}

#[utoipa::path(get, path = "/api/v1/ato/courses/{id}/materials", tag = "ato", security(("bearer" = [])),
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "The course's materials, oldest first", body = [MaterialView]),
        (status = 403, description = "Not ATO staff", body = Problem),
        (status = 404, description = "No such course of yours", body = Problem)))]
#[get("/ato/courses/{id}/materials")]
pub async fn of_course(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let course = parse_id(&path, "course")?;
    let rows = use_case::of_course(&state, staff(&user)?, course).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(MaterialView::from).collect::<Vec<_>>()))
}

#[utoipa::path(delete, path = "/api/v1/ato/courses/{id}/materials/{material}", tag = "ato", security(("bearer" = [])),
    params(("id" = String, Path, description = "Course id"), ("material" = String, Path, description = "Material id")),
    responses((status = 204, description = "Deleted: delegates no longer see it"),
        (status = 403, description = "Not ATO staff", body = Problem),
        (status = 404, description = "No such course or material of yours", body = Problem)))]
#[delete("/ato/courses/{id}/materials/{material}")]
pub async fn delete_from_course(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let staff = staff(&user)?;
    let (course, material) = path.into_inner();
    let course = parse_id(&course, "course")?;
    let material = parse_id(&material, "material")?;
    use_case::delete_from_course(&state, staff, course, material).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/admin/qualifications/{code}/materials", tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Qualification code, e.g. `iso20000-foundation`")),
    request_body(content(
        (MaterialUpload = "multipart/form-data"),
        (LinkRequest = "application/json")
    ), description = "A file (field `file`, with an optional `title`) or a link (`title` and `url`)"),
    responses((status = 201, description = "Attached: the delegates of every course for the qualification see it while enrolled", body = MaterialView),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such qualification", body = Problem),
        (status = 413, description = "The file is larger than `[materials] max_bytes`; names `file`", body = Problem),
        (status = 415, description = "Not multipart or JSON, or the file's content is not PDF, .pptx, .odp, .docx or .odt; names `file`", body = Problem),
        (status = 422, description = "A bad title, or a link that is not https; names the field", body = Problem)))]
#[post("/admin/qualifications/{code}/materials")]
pub async fn attach_to_qualification(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let admin = admin(&user)?;
    use_case::of_qualification(&state, &path).await?;
    let upload = read_upload(&state, &req, payload).await?;
    let record = use_case::attach_to_qualification(&state, admin, &path, upload).await?;
    Ok(HttpResponse::Created().json(MaterialView::from(record)))
}

#[utoipa::path(get, path = "/api/v1/admin/qualifications/{code}/materials", tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Qualification code")),
    responses((status = 200, description = "The qualification's own materials, oldest first", body = [MaterialView]),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such qualification", body = Problem)))]
#[get("/admin/qualifications/{code}/materials")]
pub async fn of_qualification(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    admin(&user)?;
    let rows = use_case::of_qualification(&state, &path).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(MaterialView::from).collect::<Vec<_>>()))
}

#[utoipa::path(delete, path = "/api/v1/admin/qualifications/{code}/materials/{material}", tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, description = "Qualification code"), ("material" = String, Path, description = "Material id")),
    responses((status = 204, description = "Deleted"),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such qualification or material of it", body = Problem)))]
#[delete("/admin/qualifications/{code}/materials/{material}")]
pub async fn delete_from_qualification(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let admin = admin(&user)?;
    let (code, material) = path.into_inner();
    let material = parse_id(&material, "material")?;
    use_case::delete_from_qualification(&state, admin, &code, material).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/me/materials", tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "The materials of the courses you are enrolled on (and of their qualifications), while the enrolment gives access: from accepting it until `[materials] access_days_after_course` after the course, unless recorded absent or not completing; oldest first", body = [MaterialView])))]
#[get("/me/materials")]
pub async fn mine(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let rows = use_case::of_candidate(&state, user.id).await?;
    let views: Vec<MaterialView> = rows
        .into_iter()
        .map(|m| {
            let file = matches!(m.body, MaterialBody::File { .. });
            let id = m.id;
            let mut view = MaterialView::from(m);
            if file {
                view.download = Some(format!("/api/v1/me/materials/{id}"));
            }
            view
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(views))
}

#[utoipa::path(get, path = "/api/v1/me/materials/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = String, Path, description = "Material id")),
    responses((status = 200, description = "The file, as an attachment with the type read from its content; not cached",
            content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/octet-stream")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…\"; filename*=UTF-8''…`"))),
        (status = 404, description = "No such file, or not while you are enrolled", body = Problem)))]
#[get("/me/materials/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&path, "material")?;
    let (record, content) = use_case::download(&state, user.id, id).await?;
    Ok(file_download(&record, content))
}
