//! The public scheme portal: the scheme explained, its editions and related frameworks,
//! and the FAQ and Contact pages. Every scheme fact (papers, formats, pass marks, times,
//! book policy, prerequisites, syllabus areas, editions) comes from the loaded
//! `scheme.toml` files; the FAQ and Contact pages are Markdown files an operator edits
//! (`[portal] content_dir`), rendered with their raw HTML escaped.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};

use super::page::{self, Chrome, PageError};
use super::papers::PaperSummary;
use super::session::Visitor;
use crate::app::study_guide;
use crate::state::AppState;

/// One paper with its syllabus: each area it draws from and how many questions.
pub struct Syllabus {
    pub paper: PaperSummary,
    pub areas: Vec<(String, u32)>,
    /// The item styles every paper holds, as candidates read them ("" when not fixed).
    pub styles: String,
    /// The study guide's address, when the qualification has one.
    pub study_guide: Option<String>,
}

/// One scheme's papers, under the body that sets them.
pub struct SchemeGroup {
    pub scheme: String,
    pub body: String,
    pub papers: Vec<Syllabus>,
}

#[derive(Template)]
#[template(path = "web/portal/scheme.html")]
struct SchemePage {
    chrome: Chrome,
    schemes: Vec<SchemeGroup>,
}

#[get("/scheme")]
pub async fn scheme(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    let mut schemes: Vec<SchemeGroup> = Vec::new();
    for (edition, pool) in state.catalog.offered() {
        let areas = pool
            .qualification
            .blueprint
            .as_ref()
            .map(|b| {
                edition
                    .areas
                    .iter()
                    .filter_map(|a| b.areas.get(&a.code).map(|n| (a.title.clone(), *n)))
                    .filter(|(_, n)| *n > 0)
                    .collect()
            })
            .unwrap_or_default();
        let styles = pool
            .qualification
            .blueprint
            .as_ref()
            .map(|b| {
                let labels: Vec<&str> = b.styles.iter().map(|s| s.label()).collect();
                match labels.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} and {last}", rest.join(", "))
                    }
                    _ => labels.concat(),
                }
            })
            .unwrap_or_default();
        let code = &pool.qualification.code;
        let study_guide = study_guide::has_study_guide(&state, code)
            .then(|| format!("/scheme/{code}/study-guide.pdf"));
        let paper = Syllabus {
            paper: PaperSummary::new(&edition.title, &pool.qualification),
            areas,
            styles,
            study_guide,
        };
        // Papers of one scheme together, schemes in the order their folders load.
        match schemes.iter_mut().find(|g| g.scheme == edition.scheme) {
            Some(group) => group.papers.push(paper),
            None => schemes.push(SchemeGroup {
                scheme: edition.scheme.clone(),
                body: edition.issuer(&state.issuer_name).to_owned(),
                papers: vec![paper],
            }),
        }
    }
    page::ok(
        &visitor,
        &SchemePage {
            chrome: Chrome::new(&visitor, "The ISO/IEC 20000 scheme"),
            schemes,
        },
    )
}

/// A qualification's study guide, generated from the scheme file (404 when its areas
/// have no summaries). Public, like the scheme page that links it.
#[get("/scheme/{qualification}/study-guide.pdf")]
pub async fn study_guide_pdf(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let pdf = study_guide::study_guide_pdf(&state, &path)
        .await
        .map_err(PageError::Unexpected)?
        .ok_or(PageError::NotFound)?;
    Ok(visitor.finish(
        HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-study-guide.pdf\"", path.as_str()),
            ))
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(pdf.as_ref().clone()),
    ))
}

/// An edition as the frameworks page lists it: which papers it has and whether they are
/// open for sittings.
pub struct EditionRow {
    pub edition: String,
    pub title: String,
    pub open: bool,
    pub papers: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/portal/frameworks.html")]
struct FrameworksPage {
    chrome: Chrome,
    editions: Vec<EditionRow>,
}

#[get("/scheme/frameworks")]
pub async fn frameworks(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    let editions = state
        .catalog
        .editions
        .iter()
        .map(|e| EditionRow {
            edition: e.edition.clone(),
            title: e.title.clone(),
            open: e.open,
            papers: e
                .qualifications
                .iter()
                .map(|q| q.qualification.title.clone())
                .collect(),
        })
        .collect();
    page::ok(
        &visitor,
        &FrameworksPage {
            chrome: Chrome::new(&visitor, "Related frameworks and editions"),
            editions,
        },
    )
}

/// A line of the directory as the page shows it.
pub struct DirectoryRow {
    pub name: String,
    pub country: String,
    pub contact_email: String,
    pub qualification: String,
    pub valid_from: String,
    pub valid_until: String,
}

#[derive(Template)]
#[template(path = "web/portal/training_organizations.html")]
struct DirectoryPage {
    chrome: Chrome,
    /// (code, title, selected) for the qualification filter.
    qualifications: Vec<(String, String, bool)>,
    country: String,
    rows: Vec<DirectoryRow>,
    filtered: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DirectoryQuery {
    qualification: String,
    country: String,
}

#[get("/training-organizations")]
pub async fn training_organizations(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, PageError> {
    let mut qualifications: Vec<(String, String, bool)> = Vec::new();
    for (_, pool) in state.catalog.offered() {
        let q = &pool.qualification;
        if !qualifications.iter().any(|(code, _, _)| *code == q.code) {
            qualifications.push((
                q.code.clone(),
                q.title.clone(),
                q.code == query.qualification,
            ));
        }
    }
    // An unknown qualification filters nothing rather than showing an empty page.
    let qualification = qualifications
        .iter()
        .find(|(_, _, selected)| *selected)
        .map(|(code, _, _)| code.as_str());
    let country: String = query
        .country
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .take(2)
        .collect::<String>()
        .to_ascii_uppercase();
    let entries = crate::app::atos::directory(
        &state,
        qualification,
        (!country.is_empty()).then_some(country.as_str()),
    )
    .await
    .map_err(super::ato::ato_failure)?;
    let title_of = |code: &str| {
        qualifications
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, t, _)| t.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    let rows = entries
        .into_iter()
        .map(|e| DirectoryRow {
            qualification: title_of(&e.qualification),
            name: e.name,
            country: e.country,
            contact_email: e.contact_email,
            valid_from: e.valid_from.to_string(),
            valid_until: e.valid_until.to_string(),
        })
        .collect();
    page::ok(
        &visitor,
        &DirectoryPage {
            chrome: Chrome::new(&visitor, "Find a training organization"),
            filtered: qualification.is_some() || !country.is_empty(),
            qualifications,
            country,
            rows,
        },
    )
}

#[derive(Template)]
#[template(path = "web/portal/content.html")]
struct ContentPage {
    chrome: Chrome,
    html: String,
}

#[get("/faq")]
pub async fn faq(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, PageError> {
    content_page(&state, &visitor, "faq.md", "Frequently asked questions").await
}

#[get("/contact")]
pub async fn contact(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    content_page(&state, &visitor, "contact.md", "Contact").await
}

/// An editable page: 404 when the operator has not written it.
async fn content_page(
    state: &AppState,
    visitor: &Visitor,
    file: &str,
    title: &str,
) -> Result<HttpResponse, PageError> {
    let path = state.content_dir.join(file);
    let markdown = tokio::fs::read_to_string(&path)
        .await
        .map_err(|_| PageError::NotFound)?;
    page::ok(
        visitor,
        &ContentPage {
            chrome: Chrome::new(visitor, title),
            html: render_markdown(&markdown),
        },
    )
}

/// Markdown to HTML with any raw HTML in the file shown as text, and links only to
/// http(s), mailto or paths on this site (a `javascript:` link becomes `#`).
pub fn render_markdown(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let prefix = lower.split_once(':').map(|(s, _)| s);
    let allowed = match prefix {
        None => true,
        Some(s) if s.contains('/') || s.contains('?') || s.contains('#') => true,
        Some(s) => matches!(s, "http" | "https" | "mailto"),
    };
    if allowed { url } else { CowStr::Borrowed("#") }
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn markdown_is_rendered_with_raw_html_escaped_and_unsafe_links_dropped() {
        let html = render_markdown(
            "# Title\n\nSome *text* <script>alert(1)</script>\n\n[mail](mailto:a@b.c) [bad](JavaScript:alert(1)) [ok](/scheme)",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>text</em>"));
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"));
        assert!(html.contains("href=\"mailto:a@b.c\""));
        assert!(html.contains("href=\"#\""));
        assert!(!html.to_lowercase().contains("javascript:"));
        assert!(html.contains("href=\"/scheme\""));
    }
}
