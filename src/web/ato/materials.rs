//! The course page's materials section: staff upload a file (a multipart form) or add a
//! link, download what they uploaded, and delete a material. The same use cases as
//! `/api/v1/ato/courses/{id}/materials`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use super::{course_page, id_of, staff};
use crate::app::materials::{self as use_case, MaterialError, Upload};
use crate::domain::fields::FieldErrors;
use crate::http::upload::{self, UploadError, file_download};
use crate::state::AppState;
use crate::web::material_rows::{MaterialForm, failure, size_words};
use crate::web::page::{self, FormErrors, PageError};
use crate::web::session::Visitor;

/// The title errors of the form that was sent, under that form's own field.
fn errors_of(errors: FieldErrors, title_field: &str) -> FormErrors {
    let mut renamed = FieldErrors::new();
    for e in errors.iter() {
        let field = if e.field == "title" {
            title_field
        } else {
            e.field.as_str()
        };
        renamed.add(field, e.message.clone());
    }
    FormErrors::from(renamed)
}

/// The course page again, with the refused form's errors and what was typed.
async fn refused(
    state: &AppState,
    visitor: &Visitor,
    staff: Uuid,
    id: Uuid,
    status: StatusCode,
    errors: FormErrors,
    form: MaterialForm,
) -> Result<HttpResponse, PageError> {
    let mut page = course_page(state, visitor, staff, id, None, errors, None).await?;
    page.material_form = form;
    page::html(visitor, status, &page)
}

/// Uploads a file from the multipart form. The whole form is read (within the size
/// limit) before its token can be checked; nothing is stored unless the token matches.
#[post("/ato/courses/{id}/materials")]
pub async fn upload_file(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let id = id_of(&path)?;
    use_case::of_course(&state, staff, id)
        .await
        .map_err(failure)?;
    let limit = state.materials.max_bytes;
    let fail = |status, field: &str, message: String| (status, FormErrors::one(field, message));
    let form = match upload::read(&req, payload, limit).await {
        Ok(form) => form,
        Err(e) => {
            let (status, errors) = match e {
                UploadError::FileTooLarge(_) => fail(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "file",
                    format!("File is larger than {}.", size_words(limit as u64)),
                ),
                UploadError::NotMultipart => fail(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "file",
                    "File: the form was not sent as a file upload.".into(),
                ),
                UploadError::Field(field, message) => fail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    if field == "title" {
                        "file_title"
                    } else {
                        "file"
                    },
                    format!("{message}."),
                ),
                UploadError::Malformed(_) => fail(
                    StatusCode::BAD_REQUEST,
                    "file",
                    "File: the upload could not be read; try again.".into(),
                ),
            };
            return refused(
                &state,
                &visitor,
                staff,
                id,
                status,
                errors,
                MaterialForm::default(),
            )
            .await;
        }
    };
    visitor.check_csrf(form.text("csrf"))?;
    let typed = MaterialForm {
        file_title: form.text("title").to_owned(),
        ..MaterialForm::default()
    };
    let Some((file_name, content)) = form.file else {
        let errors = FormErrors::one("file", "File: choose the file to upload.");
        return refused(
            &state,
            &visitor,
            staff,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            typed,
        )
        .await;
    };
    let upload = Upload::File {
        title: typed.file_title.clone(),
        file_name,
        content,
    };
    let (status, errors) = match use_case::attach_to_course(&state, staff, id, upload).await {
        Ok(_) => {
            let to = format!("/ato/courses/{id}?done=material#materials-heading");
            return Ok(page::see_other(&visitor, &to));
        }
        Err(MaterialError::Invalid(errors)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, errors_of(errors, "file_title"))
        }
        Err(MaterialError::UnsupportedType(_)) => fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file",
            "File must be a PDF, a presentation (.pptx, .odp) or a document (.docx, .odt); this file's content is none of these, whatever its name says.".into(),
        ),
        Err(MaterialError::TooLarge(limit)) => fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file",
            format!("File is larger than {}.", size_words(limit as u64)),
        ),
        Err(e) => return Err(failure(e)),
    };
    refused(&state, &visitor, staff, id, status, errors, typed).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    csrf: String,
    title: String,
    url: String,
}

#[post("/ato/courses/{id}/links")]
pub async fn add_link(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
    form: web::Form<LinkForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let id = id_of(&path)?;
    let form = form.into_inner();
    let upload = Upload::Link {
        title: form.title.clone(),
        url: form.url.clone(),
    };
    match use_case::attach_to_course(&state, staff, id, upload).await {
        Ok(_) => {
            let to = format!("/ato/courses/{id}?done=material#materials-heading");
            Ok(page::see_other(&visitor, &to))
        }
        Err(MaterialError::Invalid(errors)) => {
            let typed = MaterialForm {
                link_title: form.title,
                url: form.url,
                ..MaterialForm::default()
            };
            let errors = errors_of(errors, "link_title");
            refused(
                &state,
                &visitor,
                staff,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                typed,
            )
            .await
        }
        Err(e) => Err(failure(e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteForm {
    csrf: String,
}

#[post("/ato/courses/{id}/materials/{material}/delete")]
pub async fn delete_material(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    visitor.check_csrf(&form.csrf)?;
    let staff = staff(&visitor)?;
    let (course, material) = path.into_inner();
    let id = id_of(&course)?;
    let material = id_of(&material)?;
    use_case::delete_from_course(&state, staff, id, material)
        .await
        .map_err(failure)?;
    let to = format!("/ato/courses/{id}?done=material-deleted#materials-heading");
    Ok(page::see_other(&visitor, &to))
}

/// A file of the course, as its delegates get it.
#[get("/ato/courses/{id}/materials/{material}")]
pub async fn download(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let staff = staff(&visitor)?;
    let (course, material) = path.into_inner();
    let (record, content) =
        use_case::course_file(&state, staff, id_of(&course)?, id_of(&material)?)
            .await
            .map_err(failure)?;
    Ok(visitor.finish(file_download(&record, content)))
}
