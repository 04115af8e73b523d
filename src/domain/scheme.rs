//! A scheme edition as data: syllabus areas and qualifications (format, blueprint,
//! prerequisites). Parsed from an edition's `scheme.toml`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::eligibility::Prerequisites;
use super::pool::Style;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeFile {
    pub scheme: String,
    pub edition: String,
    pub edition_title: String,
    #[serde(default = "yes")]
    pub open: bool,
    /// A sample bank published with the software: anyone can read its keys, so a
    /// production server refuses it unless the operator explicitly allows it.
    #[serde(default)]
    pub sample: bool,
    #[serde(rename = "area", default)]
    pub areas: Vec<Area>,
    #[serde(rename = "qualification", default)]
    pub qualifications: Vec<Qualification>,
    /// The appeals policy (`[appeals]`): the window, in days, for an appeal against a
    /// result or a decision. Absent: `AppealsPolicy::default()` (30 days).
    #[serde(default)]
    pub appeals: super::case::AppealsPolicy,
    /// What a committed key correction may do to results already issued.
    #[serde(default)]
    pub regrading: Regrading,
    /// The exam body that sets this scheme's papers and issues its certificates
    /// (`[body]`). Absent: the configured `[certificates] issuer`.
    #[serde(default)]
    pub body: Option<Body>,
    /// What this scheme's certificates say (`[certificate]`); each line left out keeps
    /// the default wording.
    #[serde(default)]
    pub certificate: CertificateWording,
}

/// A scheme's `[body]` table: the exam body, named on the scheme page and printed on
/// (and signed with) its certificates.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub name: String,
}

/// A scheme's `[certificate]` table: the fixed lines of its certificate, around the
/// holder's name, the qualification and the edition.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CertificateWording {
    /// The large heading ("CERTIFICATE").
    pub heading: String,
    /// The line above the holder's name ("This is to certify that").
    pub preamble: String,
    /// The line between the holder's name and the qualification.
    pub statement: String,
    /// The line between the qualification and the edition ("based on").
    pub based_on: String,
}

impl Default for CertificateWording {
    fn default() -> Self {
        Self {
            heading: "CERTIFICATE".into(),
            preamble: "This is to certify that".into(),
            statement: "has passed the examination".into(),
            based_on: "based on".into(),
        }
    }
}

impl CertificateWording {
    /// Problems with the lines: each must say something, on one line.
    pub fn problems(&self) -> Vec<String> {
        [
            ("heading", &self.heading),
            ("preamble", &self.preamble),
            ("statement", &self.statement),
            ("based_on", &self.based_on),
        ]
        .into_iter()
        .filter(|(_, text)| text.trim().is_empty() || text.contains('\n'))
        .map(|(name, _)| format!("certificate.{name} must be one line of text"))
        .collect()
    }
}

/// The scheme's regrading policy (`[regrading]` in `scheme.toml`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Regrading {
    /// When true a regrade never lowers a stored score: a sitting the corrected key
    /// would mark lower keeps its result (and a pass its certificate). When false (the
    /// default) results follow the corrected key, and a pass that turns into a fail has
    /// its certificate revoked as superseded by regrade.
    #[serde(default)]
    pub results_may_only_rise: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub code: String,
    pub title: String,
    /// What a candidate should study for this area, in a few sentences: the study guide
    /// (`GET /scheme/{qualification}/study-guide.pdf`) prints it. A qualification has a
    /// study guide only when every area of its blueprint has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    pub code: String,
    pub title: String,
    /// Folder (inside the edition folder) holding this qualification's items.
    pub items: String,
    /// Four characters (0-9, A-Z) that start this qualification's certificate numbers.
    pub certificate_prefix: String,
    pub format: Format,
    /// Absent while no pool exists for the paper: it is listed but cannot be sat.
    #[serde(default)]
    pub blueprint: Option<Blueprint>,
    pub prerequisites: Prerequisites,
    /// What a candidate learns of a closed sitting beyond score, pass mark and result.
    #[serde(default)]
    pub disclosure: Disclosure,
    /// Resit rules (none: any number of sittings, one after another).
    #[serde(default)]
    pub resits: Option<super::resits::ResitRules>,
    /// Whether results are final when scored or confirmed by two people.
    #[serde(default)]
    pub results: super::result_decision::ResultPolicy,
    /// How long certificates stay valid (none: they do not expire).
    #[serde(default)]
    pub validity: Option<super::validity::Validity>,
    /// Whether a sitting needs a voucher, and what follows from it.
    #[serde(default)]
    pub entitlement: Entitlement,
    /// How the paper is delivered: whether a sitting needs a booked exam session.
    #[serde(default)]
    pub delivery: Delivery,
}

/// A qualification's `[qualification.entitlement]` table.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entitlement {
    /// `required`: each sitting consumes a voucher; `none` (the default): it does not.
    #[serde(default)]
    pub voucher: super::voucher::VoucherPolicy,
    /// Whether a candidate who does not show for a booked session loses the voucher.
    #[serde(default)]
    pub no_show_consumes_voucher: bool,
    /// Days before expiry at which a voucher's candidate is reminded (0: never).
    #[serde(default = "fourteen")]
    pub reminder_days_before_expiry: u32,
}

fn fourteen() -> u32 {
    14
}

impl Default for Entitlement {
    fn default() -> Self {
        Self {
            voucher: Default::default(),
            no_show_consumes_voucher: false,
            reminder_days_before_expiry: fourteen(),
        }
    }
}

/// `[qualification.delivery]`: whether a sitting must be booked into an invigilated
/// exam session, and how long before a session opens a booking may still be moved.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    #[serde(default)]
    pub sessions: SessionPolicy,
    /// A session's default reschedule cut-off, in hours before it opens.
    #[serde(default = "default_cutoff_hours")]
    pub reschedule_cutoff_hours: u32,
}

impl Default for Delivery {
    fn default() -> Self {
        Self {
            sessions: SessionPolicy::default(),
            reschedule_cutoff_hours: default_cutoff_hours(),
        }
    }
}

fn default_cutoff_hours() -> u32 {
    24
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionPolicy {
    /// A candidate may sit on their own, or in a session they booked (the default).
    #[default]
    Optional,
    /// A sitting starts only in a session the candidate booked.
    Required,
}

/// What a candidate sees of a closed sitting. Never item content: stems, options, keys
/// and their own answers stay with the examiners.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Disclosure {
    /// The score per syllabus area (the default).
    #[default]
    Areas,
    /// The score per syllabus area and per question number. Only for papers without
    /// pilot questions: the list would show which questions are pilots.
    Questions,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Book {
    Closed,
    Open,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    pub questions: u32,
    pub marks: u32,
    pub pass_mark: u32,
    pub duration_minutes: u32,
    pub book: Book,
    #[serde(default)]
    pub permitted_material: Option<String>,
}

impl Format {
    /// Every question of a paper carries the same marks, so any paper drawn adds up.
    pub fn marks_per_question(&self) -> Option<u32> {
        (self.questions > 0 && self.marks.is_multiple_of(self.questions))
            .then(|| self.marks / self.questions)
    }

    /// Problems with the numbers themselves.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.questions == 0 {
            problems.push("format.questions must be at least 1".to_owned());
        }
        if self.marks_per_question().is_none() {
            problems.push(format!(
                "format.marks ({}) must be a whole multiple of format.questions ({})",
                self.marks, self.questions
            ));
        }
        if self.pass_mark == 0 || self.pass_mark > self.marks {
            problems.push(format!(
                "format.pass_mark ({}) must be between 1 and the marks available ({})",
                self.pass_mark, self.marks
            ));
        }
        if self.duration_minutes == 0 {
            problems.push("format.duration_minutes must be at least 1".to_owned());
        }
        if self.book == Book::Open && self.permitted_material.is_none() {
            problems.push("an open-book paper must name its permitted_material".to_owned());
        }
        problems
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blueprint {
    /// Scored questions per syllabus area.
    pub areas: BTreeMap<String, u32>,
    /// Unscored pilot questions added to each paper.
    #[serde(default)]
    pub pilot: u32,
    /// Item styles every paper holds at least one scored item of, so that each candidate
    /// meets the same kinds of item (a draw that misses one is drawn again).
    #[serde(default)]
    pub styles: Vec<Style>,
}

impl Blueprint {
    pub fn scored_questions(&self) -> u32 {
        self.areas.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(questions: u32, marks: u32, pass_mark: u32) -> Format {
        Format {
            questions,
            marks,
            pass_mark,
            duration_minutes: 60,
            book: Book::Closed,
            permitted_material: None,
        }
    }

    #[test]
    fn a_pass_mark_above_the_marks_available_is_rejected() {
        assert!(!format(40, 40, 41).problems().is_empty());
        assert!(format(40, 40, 26).problems().is_empty());
    }

    #[test]
    fn marks_that_do_not_divide_evenly_among_questions_are_rejected() {
        assert!(!format(3, 40, 20).problems().is_empty());
        assert_eq!(format(4, 80, 40).marks_per_question(), Some(20));
    }
}
