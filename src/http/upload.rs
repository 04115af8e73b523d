//! Reading a `multipart/form-data` upload (a course material) the same way for both front
//! doors: the text fields, and at most one file in the field named `file`, held to a size
//! limit while it streams in, so an oversized upload is refused before it is all read.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Payload;
use futures_util::StreamExt;

use crate::domain::material::{MaterialBody, MaterialRecord, attachment};

/// The longest text field accepted (a title, a link, the CSRF token).
const TEXT_FIELD_MAX_BYTES: usize = 8 * 1024;
/// The most parts a form may have.
const MAX_PARTS: usize = 16;

/// An upload as sent.
#[derive(Debug, Default)]
pub struct UploadForm {
    /// Text fields by name (the last of a repeated name wins).
    pub fields: BTreeMap<String, String>,
    /// The file's name as sent, and its bytes; none when no file was chosen.
    pub file: Option<(String, Vec<u8>)>,
}

impl UploadForm {
    /// A text field, or empty.
    pub fn text(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the body must be multipart/form-data")]
    NotMultipart,
    /// The file (field `file`) is larger than the limit.
    #[error("the file is larger than {0} bytes")]
    FileTooLarge(usize),
    /// A field (named) is malformed or too long.
    #[error("{1}")]
    Field(String, String),
    #[error("the upload could not be read: {0}")]
    Malformed(String),
}

/// Reads the form; the file may hold at most `max_file_bytes`.
pub async fn read(
    req: &HttpRequest,
    payload: Payload,
    max_file_bytes: usize,
) -> Result<UploadForm, UploadError> {
    if !super::has_media_type(req, "multipart/form-data") {
        return Err(UploadError::NotMultipart);
    }
    let mut parts = Multipart::new(req.headers(), payload.into_inner());
    let mut form = UploadForm::default();
    let mut count = 0;
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|e| UploadError::Malformed(e.to_string()))?;
        count += 1;
        if count > MAX_PARTS {
            return Err(UploadError::Malformed(format!(
                "the form has more than {MAX_PARTS} parts"
            )));
        }
        let name = part.name().unwrap_or_default().to_owned();
        let file_name = part
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let limit = if name == "file" {
            max_file_bytes
        } else {
            TEXT_FIELD_MAX_BYTES
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| UploadError::Malformed(e.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                return Err(if name == "file" {
                    UploadError::FileTooLarge(max_file_bytes)
                } else {
                    UploadError::Field(
                        name,
                        format!("must be at most {TEXT_FIELD_MAX_BYTES} bytes"),
                    )
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            // A form whose file input was left empty sends an empty, unnamed part.
            let file_name = file_name.unwrap_or_default();
            if !(file_name.is_empty() && bytes.is_empty()) {
                form.file = Some((file_name, bytes));
            }
        } else {
            let text = String::from_utf8(bytes)
                .map_err(|_| UploadError::Field(name.clone(), "must be UTF-8 text".into()))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

/// A material's file as an attachment: its checked type, a safely quoted name, never
/// cached, never sniffed into something else.
pub fn file_download(record: &MaterialRecord, content: Vec<u8>) -> HttpResponse {
    let (name, mime) = match &record.body {
        MaterialBody::File {
            file_name,
            file_type,
            ..
        } => (file_name.as_str(), file_type.mime()),
        MaterialBody::Link { .. } => ("material", "application/octet-stream"),
    };
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((header::CONTENT_DISPOSITION, attachment(name)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(content)
}
