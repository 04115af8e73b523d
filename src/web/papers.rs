//! The papers of the scheme as the pages describe them, from the loaded `scheme.toml`
//! (no fact typed twice).

use crate::domain::eligibility::Rule;
use crate::domain::scheme::{Book, Qualification};
use crate::state::AppState;

pub struct PaperSummary {
    pub code: String,
    pub title: String,
    pub edition_title: String,
    pub questions: u32,
    pub marks: u32,
    pub pass_mark: u32,
    pub duration_minutes: u32,
    /// "Closed book", or "Open book" with what may be brought.
    pub book: String,
    pub prerequisites: Vec<String>,
    /// How the prerequisites combine: "" (none), "all of" or "any one of".
    pub rule: &'static str,
    /// Whether papers can be drawn for it (a pool exists).
    pub sittable: bool,
}

impl PaperSummary {
    pub fn new(edition_title: &str, q: &Qualification) -> Self {
        let f = &q.format;
        let book = match (f.book, &f.permitted_material) {
            (Book::Closed, _) => "Closed book".to_owned(),
            (Book::Open, Some(material)) => format!("Open book: {material}"),
            (Book::Open, None) => "Open book".to_owned(),
        };
        Self {
            code: q.code.clone(),
            title: q.title.clone(),
            edition_title: edition_title.to_owned(),
            questions: f.questions,
            marks: f.marks,
            pass_mark: f.pass_mark,
            duration_minutes: f.duration_minutes,
            book,
            prerequisites: q
                .prerequisites
                .requirements
                .iter()
                .map(|r| r.description.clone())
                .collect(),
            rule: match q.prerequisites.rule {
                Rule::None => "",
                Rule::Any => "Any one of",
                Rule::All => "All of",
            },
            sittable: q.blueprint.is_some(),
        }
    }

    /// The pass mark as a share of the marks, e.g. "65%".
    pub fn pass_percent(&self) -> u32 {
        (self.pass_mark * 100).checked_div(self.marks).unwrap_or(0)
    }
}

/// Every paper of every open edition, in the scheme's order.
pub fn papers(state: &AppState) -> Vec<PaperSummary> {
    state
        .catalog
        .offered()
        .map(|(e, q)| PaperSummary::new(&e.title, &q.qualification))
        .collect()
}

/// The paper `code` of an open edition.
pub fn paper(state: &AppState, code: &str) -> Option<PaperSummary> {
    papers(state).into_iter().find(|p| p.code == code)
}

/// The title of paper `code`, or the code itself for a paper no longer offered.
pub fn title_of(state: &AppState, code: &str) -> String {
    paper(state, code)
        .map(|p| p.title)
        .unwrap_or_else(|| code.to_owned())
}
