//! Response bodies. Candidate-facing views are built only from fields that are safe to
//! show: there is no key, rationale or marking data in any of them.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Role;
use crate::domain::eligibility::{Requirement, RequirementKind};
use crate::domain::paper::PaperItem;
use crate::domain::pool::Style;
use crate::domain::scheme::Book;
use crate::domain::scoring::{Response, ScoreSheet};
use crate::domain::sitting::{self, SittingStatus};
use crate::domain::values::option_label;
use crate::persistence::sittings::SittingRecord;
use crate::pools::Catalog;

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub roles: Vec<Role>,
}

#[derive(Serialize, ToSchema)]
pub struct RequirementView {
    /// `passed_qualification`, `credential`, `audit_experience` or `course`.
    pub kind: &'static str,
    pub description: String,
}

impl From<&Requirement> for RequirementView {
    fn from(r: &Requirement) -> Self {
        let kind = match r.kind {
            RequirementKind::PassedQualification { .. } => "passed_qualification",
            RequirementKind::Credential { .. } => "credential",
            RequirementKind::AuditExperience { .. } => "audit_experience",
            RequirementKind::Course { .. } => "course",
        };
        Self {
            kind,
            description: r.description.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OptionView {
    #[schema(example = "B")]
    pub label: String,
    pub text: String,
}

/// A question as the candidate sees it.
#[derive(Serialize, ToSchema)]
pub struct QuestionView {
    pub number: u32,
    pub style: Style,
    pub area: String,
    pub stem: String,
    pub options: Vec<OptionView>,
    /// The answer saved so far, if any.
    pub answer: Option<Response>,
}

/// The options of an item, labelled as this candidate sees them.
pub fn options_of(item: &PaperItem) -> Vec<OptionView> {
    item.body
        .options()
        .iter()
        .enumerate()
        .map(|(i, text)| OptionView {
            label: option_label(i),
            text: text.clone(),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct SittingView {
    pub id: Uuid,
    #[schema(example = "iso20000-foundation")]
    pub qualification: String,
    pub title: String,
    #[schema(example = "2011")]
    pub edition: String,
    pub edition_title: String,
    pub status: SittingStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    /// Set by the server: start + duration × (1 + extra time).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub deadline: OffsetDateTime,
    /// Seconds left by the server's clock; 0 once closed.
    pub remaining_seconds: i64,
    pub duration_minutes: u32,
    pub extra_time_percent: u32,
    pub book: Book,
    pub permitted_material: Option<String>,
    pub answered: usize,
    pub questions: Vec<QuestionView>,
}

impl SittingView {
    pub fn build(
        record: &SittingRecord,
        answers: &std::collections::BTreeMap<u32, Response>,
        catalog: &Catalog,
        now: OffsetDateTime,
    ) -> Self {
        let edition = catalog.edition(&record.edition);
        let qualification = edition.and_then(|e| {
            e.qualifications
                .iter()
                .find(|q| q.qualification.code == record.qualification_code)
        });
        let remaining_seconds = if record.status == SittingStatus::InProgress {
            sitting::remaining_seconds(now, record.deadline)
        } else {
            0
        };
        Self {
            id: record.id,
            qualification: record.qualification_code.clone(),
            title: qualification
                .map(|q| q.qualification.title.clone())
                .unwrap_or_else(|| record.qualification_code.clone()),
            edition: record.edition.clone(),
            edition_title: edition.map(|e| e.title.clone()).unwrap_or_default(),
            status: record.status,
            started_at: record.started_at,
            deadline: record.deadline,
            remaining_seconds,
            duration_minutes: record.duration_minutes,
            extra_time_percent: record.extra_time_percent,
            book: qualification
                .map(|q| q.qualification.format.book)
                .unwrap_or(Book::Closed),
            permitted_material: qualification
                .and_then(|q| q.qualification.format.permitted_material.clone()),
            answered: answers.len(),
            questions: record
                .paper
                .items
                .iter()
                .map(|item| QuestionView {
                    number: item.number,
                    style: item.style(),
                    area: item.area.clone(),
                    stem: item.stem.clone(),
                    options: options_of(item),
                    answer: answers.get(&item.number).cloned(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AreaResultView {
    #[schema(example = "SD")]
    pub area: String,
    pub title: String,
    pub score: u32,
    pub max_score: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ResultView {
    pub sitting_id: Uuid,
    pub qualification: String,
    pub edition: String,
    pub status: SittingStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<OffsetDateTime>,
    pub score: u32,
    pub max_score: u32,
    pub pass_mark: u32,
    pub passed: bool,
    /// Score per syllabus area (pilot items excluded).
    pub areas: Vec<AreaResultView>,
    /// The certificate issued for this pass, once certificates exist.
    pub certificate_number: Option<String>,
}

impl ResultView {
    pub fn build(record: &SittingRecord, sheet: &ScoreSheet) -> Self {
        Self {
            sitting_id: record.id,
            qualification: record.qualification_code.clone(),
            edition: record.edition.clone(),
            status: record.status,
            closed_at: record.closed_at,
            score: sheet.score,
            max_score: sheet.max_score,
            pass_mark: sheet.pass_mark,
            passed: sheet.passed,
            areas: sheet
                .areas
                .iter()
                .map(|a| AreaResultView {
                    area: a.area.clone(),
                    title: a.title.clone(),
                    score: a.score,
                    max_score: a.max_score,
                })
                .collect(),
            certificate_number: None,
        }
    }
}
