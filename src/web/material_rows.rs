//! Course materials as the pages show them: a row of the course page's list, what its
//! two forms sent, sizes in words, and the page error a material use case's error is.

use uuid::Uuid;

use crate::app::materials::MaterialError;
use crate::domain::material::{MaterialBody, MaterialRecord};
use crate::web::page::PageError;

/// A material as the course page lists it.
pub struct MaterialRow {
    pub id: Uuid,
    pub title: String,
    /// A link's address; none for a file.
    pub url: Option<String>,
    /// A file's name, type and size in words.
    pub detail: String,
}

impl From<MaterialRecord> for MaterialRow {
    fn from(m: MaterialRecord) -> Self {
        let (url, detail) = match m.body {
            MaterialBody::File {
                file_name,
                file_type,
                size_bytes,
            } => (
                None,
                format!(
                    "{file_name}, {}, {}",
                    file_type.extension().to_uppercase(),
                    size_words(size_bytes)
                ),
            ),
            MaterialBody::Link { url } => (Some(url), "link".to_owned()),
        };
        Self {
            id: m.id,
            title: m.title,
            url,
            detail,
        }
    }
}

/// What the two forms sent, shown again when one is refused.
#[derive(Default)]
pub struct MaterialForm {
    pub file_title: String,
    pub link_title: String,
    pub url: String,
}

/// A size as people read it: `12 KB`, `3.4 MB`.
pub fn size_words(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10 + MB / 2) / MB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} KB", bytes.div_ceil(KB).max(1))
    }
}

pub fn failure(e: MaterialError) -> PageError {
    match e {
        MaterialError::NotFound => PageError::NotFound,
        MaterialError::NotStaff => PageError::Forbidden,
        other => PageError::Unexpected(anyhow::anyhow!(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::size_words;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_words(10), "1 KB");
        assert_eq!(size_words(12 * 1024), "12 KB");
        assert_eq!(size_words(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_words(3_565_158), "3.4 MB");
    }
}
