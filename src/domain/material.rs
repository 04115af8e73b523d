//! Course materials: files (PDF, slides, documents) and links that a training
//! organization or the certification body attaches to a course or a qualification, and
//! the rules for accepting and serving them. A file's type is read from its bytes, never
//! from what the uploader's browser claims; its name is cleaned before it is stored; a
//! link must be `https`.

use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::ato::Outcome;
use super::values::parse_text;

/// The longest material title.
pub const TITLE_MAX_CHARS: usize = 120;
/// The longest stored file name (characters).
const FILE_NAME_MAX_CHARS: usize = 100;
/// The longest link.
const URL_MAX_CHARS: usize = 2000;

/// What a material belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaterialOwner {
    /// One course: its delegates see it.
    Course(Uuid),
    /// A whole qualification (attached by the certification body): the delegates of
    /// every course for it see it.
    Qualification(String),
}

/// A file's particulars, or a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaterialBody {
    File {
        file_name: String,
        file_type: FileType,
        size_bytes: u64,
    },
    Link {
        url: String,
    },
}

/// A material as stored (a file's bytes are read separately).
#[derive(Debug, Clone)]
pub struct MaterialRecord {
    pub id: Uuid,
    pub owner: MaterialOwner,
    pub title: String,
    pub body: MaterialBody,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
}

/// A file type the server accepts, as read from the file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Pptx,
    Docx,
    Odp,
    Odt,
}

impl FileType {
    /// The media type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Odp => "application/vnd.oasis.opendocument.presentation",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
        }
    }

    /// The file name extension that goes with the type (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Pptx => "pptx",
            FileType::Docx => "docx",
            FileType::Odp => "odp",
            FileType::Odt => "odt",
        }
    }

    /// The type a stored media type names (for rows read back).
    pub fn from_mime(mime: &str) -> Option<Self> {
        [
            FileType::Pdf,
            FileType::Pptx,
            FileType::Docx,
            FileType::Odp,
            FileType::Odt,
        ]
        .into_iter()
        .find(|t| t.mime() == mime)
    }
}

/// The type of a file from its content. A PDF must begin with `%PDF-` (stricter than
/// "somewhere in the first kilobyte", which an HTML page quoting the marker would pass);
/// the Office and OpenDocument formats are ZIP archives (`PK\x03\x04`) told apart by
/// their first entries, which the `infer` crate reads.
pub fn sniff(bytes: &[u8]) -> Result<FileType, String> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileType::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let found = if infer::doc::is_pptx(bytes) {
            Some(FileType::Pptx)
        } else if infer::doc::is_docx(bytes) {
            Some(FileType::Docx)
        } else if infer::odf::is_odp(bytes) {
            Some(FileType::Odp)
        } else if infer::odf::is_odt(bytes) {
            Some(FileType::Odt)
        } else {
            None
        };
        if let Some(t) = found {
            return Ok(t);
        }
    }
    Err("must be a PDF, a presentation (.pptx, .odp) or a document (.docx, .odt); this file's content is none of these".into())
}

/// A file name safe to store and to send back: the last path component only, without
/// control characters, quotes, backslashes or leading dots, at most 100 characters, and
/// ending in the extension of the type the content has (added when it does not).
pub fn clean_file_name(raw: &str, file_type: FileType) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = last
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '"' | '\\' | '/' | ':' | '*' | '?' | '<' | '>' | '|' | ';'
                )
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    name = name.trim().trim_start_matches('.').trim().to_owned();
    let ext = file_type.extension();
    let stem = match name.rsplit_once('.') {
        Some((stem, e)) if e.eq_ignore_ascii_case(ext) => stem.to_owned(),
        _ => name.clone(),
    };
    let mut stem: String = stem
        .chars()
        .take(FILE_NAME_MAX_CHARS - ext.len() - 1)
        .collect();
    stem = stem.trim().to_owned();
    if stem.is_empty() {
        stem = "material".into();
    }
    format!("{stem}.{ext}")
}

/// A `Content-Disposition: attachment` value for `name` (RFC 6266): an ASCII fallback in
/// `filename="…"` (anything else replaced by `_`) and the exact name, UTF-8 and
/// percent-encoded, in `filename*`.
pub fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.as_bytes() {
        let c = *b as char;
        if c.is_ascii_alphanumeric() || "!#$&+-.^_`|~".contains(c) {
            encoded.push(c);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A material's title: free text, not blank, at most 120 characters.
pub fn parse_title(raw: &str) -> Result<String, String> {
    parse_text(raw, TITLE_MAX_CHARS)
}

/// A link: an absolute `https` URL with a host, no spaces or control characters, at most
/// 2,000 characters. `http` (readable and changeable on the way) and every other scheme
/// (`javascript:`, `data:`, `file:`) are refused.
pub fn parse_link(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    if url.is_empty() {
        return Err("must not be empty".into());
    }
    if raw.chars().count() > URL_MAX_CHARS {
        return Err(format!("must be at most {URL_MAX_CHARS} characters"));
    }
    if url.chars().any(|c| {
        c.is_control() || c.is_whitespace() || c == '\\' || c == '"' || c == '<' || c == '>'
    }) {
        return Err("must not contain spaces, quotes, angle brackets or control characters".into());
    }
    let Some(rest) = url
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("https://"))
        .map(|_| &url[8..])
    else {
        return Err("must be an https:// address".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if host.is_empty() || authority.contains('@') {
        return Err("must name a host (and no user name or password)".into());
    }
    Ok(format!("https://{rest}"))
}

/// Whether a delegate may still download a course's materials: once they accepted the
/// enrolment, until `access_days` after the course's last day, and not once the
/// organization recorded them absent or not completing (their enrolment ended there).
pub fn access_open(
    accepted: bool,
    outcome: Option<Outcome>,
    course_ends_on: Date,
    today: Date,
    access_days: u32,
) -> bool {
    if !accepted || matches!(outcome, Some(Outcome::Absent | Outcome::DidNotComplete)) {
        return false;
    }
    course_ends_on
        .checked_add(Duration::days(i64::from(access_days)))
        .is_some_and(|last| today <= last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_pdf_is_known_by_its_first_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Ok(FileType::Pdf));
    }

    #[test]
    fn an_html_page_named_pdf_is_refused_even_when_it_quotes_the_marker() {
        assert!(sniff(b"<!doctype html><p>%PDF-1.7</p>").is_err());
        assert!(sniff(b"").is_err());
    }

    #[test]
    fn an_opendocument_presentation_is_known_by_its_mimetype_entry() {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&[0; 26]);
        zip.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.presentation");
        assert_eq!(sniff(&zip), Ok(FileType::Odp));
    }

    #[test]
    fn a_plain_zip_is_refused() {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&[0; 26]);
        zip.extend_from_slice(b"notes.txthello");
        assert!(sniff(&zip).is_err());
    }

    #[test]
    fn a_file_name_loses_its_path_and_dangerous_characters() {
        assert_eq!(
            clean_file_name("../../etc/pass\"wd\r\n.pdf", FileType::Pdf),
            "pass_wd__.pdf"
        );
        assert_eq!(
            clean_file_name("C:\\slides\\Week 1.PDF", FileType::Pdf),
            "Week 1.pdf"
        );
        assert_eq!(clean_file_name("...", FileType::Pdf), "material.pdf");
    }

    #[test]
    fn a_file_name_gets_the_extension_of_its_content() {
        assert_eq!(clean_file_name("deck.pdf", FileType::Pptx), "deck.pdf.pptx");
        assert_eq!(clean_file_name("notes", FileType::Pdf), "notes.pdf");
    }

    #[test]
    fn a_long_file_name_is_cut_keeping_its_extension() {
        let name = clean_file_name(&format!("{}.pdf", "a".repeat(300)), FileType::Pdf);
        assert_eq!(name.chars().count(), 100);
        assert!(name.ends_with(".pdf"));
    }

    #[test]
    fn the_attachment_header_quotes_safely_and_carries_the_exact_name() {
        assert_eq!(
            attachment("Übung 1.pdf"),
            "attachment; filename=\"_bung 1.pdf\"; filename*=UTF-8''%C3%9Cbung%201.pdf"
        );
    }

    #[test]
    fn only_https_links_are_accepted() {
        assert_eq!(
            parse_link(" https://example.org/guide?x=1 "),
            Ok("https://example.org/guide?x=1".into())
        );
        assert_eq!(
            parse_link("HTTPS://example.org"),
            Ok("https://example.org".into())
        );
        for bad in [
            "http://example.org",
            "javascript:alert(1)",
            "data:text/html,hi",
            "https://",
            "https:///path",
            "https://user:pw@example.org/",
            "https://exa mple.org",
            "//example.org",
        ] {
            assert!(parse_link(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn access_runs_from_acceptance_until_the_window_after_the_course_closes() {
        let ends = date!(2026 - 03 - 10);
        assert!(!access_open(false, None, ends, date!(2026 - 03 - 01), 30));
        assert!(access_open(true, None, ends, date!(2026 - 03 - 01), 30));
        assert!(access_open(
            true,
            Some(Outcome::Completed),
            ends,
            date!(2026 - 04 - 09),
            30
        ));
        assert!(!access_open(
            true,
            Some(Outcome::Completed),
            ends,
            date!(2026 - 04 - 10),
            30
        ));
    }

    #[test]
    fn an_absent_or_not_completing_delegate_loses_access() {
        let ends = date!(2026 - 03 - 10);
        for o in [Outcome::Absent, Outcome::DidNotComplete] {
            assert!(!access_open(true, Some(o), ends, date!(2026 - 03 - 05), 30));
        }
    }
}
