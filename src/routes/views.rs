//! Response bodies. Candidate-facing views are built only from fields that are safe to
//! show: there is no key, rationale or marking data in any of them.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::sittings::Outcome;
use crate::domain::eligibility::{Requirement, RequirementKind};
use crate::domain::paper::PaperItem;
use crate::domain::pool::{GRADE_MEANINGS, ItemBody, Style};
use crate::domain::role::Role;
use crate::domain::scheme::{Book, Disclosure};
use crate::domain::scoring::{self, Response};
use crate::domain::sitting::{SittingRecord, SittingStatus};
use crate::domain::values::option_label;

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
    /// For a met course requirement: the course that satisfied it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfied_by: Option<String>,
    /// For an unmet requirement the candidate may think met: why it is not (a pass whose
    /// certificate is suspended or revoked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl RequirementView {
    pub fn satisfied_by(mut self, detail: Option<String>) -> Self {
        self.satisfied_by = detail;
        self
    }

    pub fn because(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }
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
            satisfied_by: None,
            reason: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OptionView {
    #[schema(example = "B")]
    pub label: String,
    pub text: String,
}

/// An assertion/reason line as the candidate sees it.
#[derive(Serialize, ToSchema)]
pub struct AssertionView {
    pub assertion: String,
    pub reason: String,
}

/// A question as the candidate sees it. Which fields are set depends on `style`:
/// classic and multiple response show `options` (and `choose`); matching shows `lines`
/// and the shared `options`; assertion/reason shows `assertions` and the grades A–E as
/// `options`; sequencing shows the steps as `options`, to be put in order.
#[derive(Serialize, ToSchema)]
pub struct QuestionView {
    pub number: u32,
    /// The scenario question this item belongs to (see `scenarios`); on papers without
    /// scenarios each item is its own question.
    pub question: u32,
    pub style: Style,
    pub area: String,
    pub marks: u32,
    pub stem: String,
    pub options: Vec<OptionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choose: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assertions: Option<Vec<AssertionView>>,
    /// The body to send to save an answer: `choice`, `choices`, `matches`, `grades` or `order`.
    pub answer_with: &'static str,
    /// The answer saved so far, if any.
    pub answer: Option<Response>,
}

/// The options of an item, labelled as this candidate sees them.
pub fn options_of(item: &PaperItem) -> Vec<OptionView> {
    let texts: Vec<String> = match &item.body {
        ItemBody::AssertionReason { .. } => {
            GRADE_MEANINGS.iter().map(|g| (*g).to_owned()).collect()
        }
        body => body.options().to_vec(),
    };
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| OptionView {
            label: option_label(i),
            text,
        })
        .collect()
}

impl QuestionView {
    pub fn build(item: &PaperItem, answer: Option<Response>) -> Self {
        let (choose, lines, assertions) = match &item.body {
            ItemBody::MultipleResponse { choose, .. } => (Some(*choose), None, None),
            ItemBody::Matching { lines, .. } => (None, Some(lines.clone()), None),
            ItemBody::AssertionReason { lines, .. } => (
                None,
                None,
                Some(
                    lines
                        .iter()
                        .map(|(assertion, reason)| AssertionView {
                            assertion: assertion.clone(),
                            reason: reason.clone(),
                        })
                        .collect(),
                ),
            ),
            ItemBody::Classic { .. } | ItemBody::Sequencing { .. } => (None, None, None),
        };
        Self {
            number: item.number,
            question: item.question,
            style: item.style(),
            area: item.area.clone(),
            marks: item.marks,
            stem: item.stem.clone(),
            options: options_of(item),
            choose,
            lines,
            assertions,
            answer_with: scoring::response_field(&item.body),
            answer,
        }
    }
}

/// A scenario, shown once for all the items of its question.
#[derive(Serialize, ToSchema)]
pub struct ScenarioView {
    pub question: u32,
    pub text: String,
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
    /// Seconds left by the server's clock; 0 once closed; frozen while paused.
    pub remaining_seconds: i64,
    /// Paused by the invigilator: the clock stands still and answers are refused.
    pub paused: bool,
    /// The exam session it is sat in, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<uuid::Uuid>,
    pub duration_minutes: u32,
    pub extra_time_percent: u32,
    pub book: Book,
    pub permitted_material: Option<String>,
    pub answered: usize,
    /// Scenario texts, for papers made of scenario questions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub scenarios: Vec<ScenarioView>,
    /// The paper while the sitting is in progress; empty once it is closed (the items
    /// are the exam body's: a closed sitting shows its result summary only).
    pub questions: Vec<QuestionView>,
    /// Once closed: score, pass mark, result and breakdown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ResultView>,
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
            record.remaining_seconds(now)
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
            paused: record.paused_at.is_some(),
            session_id: record.session_id,
            duration_minutes: record.duration_minutes,
            extra_time_percent: record.extra_time_percent,
            book: qualification
                .map(|q| q.qualification.format.book)
                .unwrap_or(Book::Closed),
            permitted_material: qualification
                .and_then(|q| q.qualification.format.permitted_material.clone()),
            answered: answers.len(),
            scenarios: scenarios_of(record),
            questions: record
                .paper
                .items
                .iter()
                .map(|item| QuestionView::build(item, answers.get(&item.number).cloned()))
                .collect(),
            result: None,
        }
    }

    /// A voided sitting: what it was, without an item or a result.
    pub fn voided(record: &SittingRecord, catalog: &Catalog, now: OffsetDateTime) -> Self {
        let mut view = Self::build(record, &Default::default(), catalog, now);
        view.questions.clear();
        view.scenarios.clear();
        view
    }

    /// A closed sitting: what it was and its result, without a single item.
    pub fn closed(outcome: &Outcome, catalog: &Catalog, now: OffsetDateTime) -> Self {
        let mut view = Self::build(&outcome.record, &Default::default(), catalog, now);
        view.questions.clear();
        view.scenarios.clear();
        view.answered = 0;
        view.result = Some(ResultView::from(outcome));
        view
    }
}

fn scenarios_of(record: &SittingRecord) -> Vec<ScenarioView> {
    let mut scenarios: Vec<ScenarioView> = Vec::new();
    for item in &record.paper.items {
        if let Some(text) = &item.scenario
            && scenarios.last().is_none_or(|s| s.question != item.question)
        {
            scenarios.push(ScenarioView {
                question: item.question,
                text: text.clone(),
            });
        }
    }
    scenarios
}

#[derive(Serialize, ToSchema)]
pub struct QuestionResultView {
    pub question: u32,
    pub area: String,
    pub score: u32,
    pub max_score: u32,
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
    /// `areas` (the default) or `questions`: what the qualification's policy shows.
    pub disclosure: Disclosure,
    /// Score per question (a scenario question with all its items counts as one), only
    /// where the qualification's policy is `questions`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub questions: Vec<QuestionResultView>,
    /// The certificate issued for this pass, once certificates exist.
    pub certificate_number: Option<String>,
    /// `provisional` until the certification decision where the qualification's policy
    /// asks for one (no certificate until then), otherwise `final`.
    pub result_status: crate::domain::result_decision::ResultStatus,
}

impl From<&Outcome> for ResultView {
    fn from(outcome: &Outcome) -> Self {
        let (record, sheet) = (&outcome.record, &outcome.sheet);
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
            disclosure: outcome.disclosure,
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
            questions: sheet
                .questions
                .iter()
                .map(|q| QuestionResultView {
                    question: q.question,
                    area: q.area.clone(),
                    score: q.score,
                    max_score: q.max_score,
                })
                .collect(),
            certificate_number: outcome.certificate_number.clone(),
            result_status: outcome.result_status,
        }
    }
}
