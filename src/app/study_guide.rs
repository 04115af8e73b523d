//! The study guide of a qualification, generated from the scheme file: the paper's format
//! and, per syllabus area of its blueprint, the questions it carries and what to study.
//! A qualification has one only when every area of its blueprint has a `summary`. The
//! scheme does not change while the server runs, so each guide is drawn once and kept.

use std::sync::Arc;

use crate::domain::scheme::Book;
use crate::pdf::{GuideArea, StudyGuideDocument, render_study_guide};
use crate::pools::{Edition, QualificationPool};
use crate::state::AppState;
use crate::telemetry::spawn_blocking_with_tracing;

/// What the guide of a qualification says, owned so it can go to the blocking pool.
struct Guide {
    qualification_title: String,
    edition_title: String,
    questions: u32,
    marks: u32,
    pass_mark: u32,
    duration_minutes: u32,
    book: String,
    /// Title, questions, summary.
    areas: Vec<(String, u32, String)>,
}

fn guide_of(edition: &Edition, pool: &QualificationPool) -> Option<Guide> {
    let q = &pool.qualification;
    let blueprint = q.blueprint.as_ref()?;
    let mut areas = Vec::new();
    // In the scheme file's order of areas, which is the syllabus order.
    for area in &edition.areas {
        let Some(&questions) = blueprint.areas.get(&area.code) else {
            continue;
        };
        if questions == 0 {
            continue;
        }
        let summary = area.summary.as_ref().filter(|s| !s.trim().is_empty())?;
        areas.push((area.title.clone(), questions, summary.clone()));
    }
    if areas.is_empty() {
        return None;
    }
    let book = match (&q.format.book, &q.format.permitted_material) {
        (Book::Closed, _) => "Closed book: no material may be taken in".to_owned(),
        (Book::Open, Some(m)) => format!("Open book: {m}"),
        (Book::Open, None) => "Open book".to_owned(),
    };
    Some(Guide {
        qualification_title: q.title.clone(),
        edition_title: edition.title.clone(),
        questions: q.format.questions,
        marks: q.format.marks,
        pass_mark: q.format.pass_mark,
        duration_minutes: q.format.duration_minutes,
        book,
        areas,
    })
}

fn find(state: &AppState, code: &str) -> Option<Guide> {
    state
        .catalog
        .offered()
        .filter(|(_, q)| q.qualification.code == code)
        .find_map(|(e, q)| guide_of(e, q))
}

/// Whether the qualification offered under `code` has a study guide.
pub fn has_study_guide(state: &AppState, code: &str) -> bool {
    find(state, code).is_some()
}

/// The study guide's PDF, or `None` when the qualification has none.
pub async fn study_guide_pdf(state: &AppState, code: &str) -> anyhow::Result<Option<Arc<Vec<u8>>>> {
    if let Some(pdf) = state.study_guides.get(code) {
        return Ok(Some(pdf));
    }
    let Some(guide) = find(state, code) else {
        return Ok(None);
    };
    let pdf = spawn_blocking_with_tracing(move || {
        let areas: Vec<GuideArea<'_>> = guide
            .areas
            .iter()
            .map(|(title, questions, summary)| GuideArea {
                title,
                questions: *questions,
                summary,
            })
            .collect();
        render_study_guide(&StudyGuideDocument {
            qualification_title: &guide.qualification_title,
            edition_title: &guide.edition_title,
            questions: guide.questions,
            marks: guide.marks,
            pass_mark: guide.pass_mark,
            duration_minutes: guide.duration_minutes,
            book: &guide.book,
            areas: &areas,
        })
    })
    .await??;
    let pdf = Arc::new(pdf);
    state.study_guides.put(code, pdf.clone());
    Ok(Some(pdf))
}
