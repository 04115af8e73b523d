//! A closed sitting as a QTI 3.0 Results Reporting document (`assessmentResult`): the
//! candidate by our user id, the test's SCORE, MAXSCORE and PASSED, and one `itemResult`
//! per delivered item with the response and its SCORE. Identifiers are the option labels
//! as this candidate saw them (the snapshot's order), so each item's `correctResponse` is
//! given beside the candidate's.

use std::collections::BTreeMap;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::names::RESULT_NS;
use crate::domain::paper::{Paper, PaperItem};
use crate::domain::pool::ItemBody;
use crate::domain::scoring::{Response, ScoreSheet};
use crate::domain::values::{option_index, option_label};

/// What the document says, all from the sitting's stored snapshot and result.
pub struct SittingResult<'a> {
    pub sitting_id: Uuid,
    pub candidate_id: Uuid,
    pub qualification: &'a str,
    pub edition: &'a str,
    pub closed_at: OffsetDateTime,
    pub paper: &'a Paper,
    pub responses: &'a BTreeMap<u32, Response>,
    pub sheet: &'a ScoreSheet,
}

fn line(i: usize) -> String {
    format!("L{}", i + 1)
}

/// The candidate's response as QTI values, in the item's cardinality.
fn response_values(item: &PaperItem, response: Option<&Response>) -> Vec<String> {
    let Some(r) = response else {
        return Vec::new();
    };
    let pairs = |labels: &Option<Vec<String>>| {
        labels
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| format!("{} {l}", line(i)))
            .collect()
    };
    match &item.body {
        ItemBody::Classic { .. } => r.choice.iter().cloned().collect(),
        ItemBody::MultipleResponse { .. } => r.choices.clone().unwrap_or_default(),
        ItemBody::Matching { .. } => pairs(&r.matches),
        ItemBody::AssertionReason { .. } => pairs(&r.grades),
        ItemBody::Sequencing { .. } => r.order.clone().unwrap_or_default(),
    }
}

fn correct_values(item: &PaperItem) -> Vec<String> {
    match &item.body {
        ItemBody::Classic { key, .. } => vec![option_label(*key)],
        ItemBody::MultipleResponse { keys, .. } | ItemBody::Sequencing { keys, .. } => {
            keys.iter().map(|k| option_label(*k)).collect()
        }
        ItemBody::Matching { keys, .. } | ItemBody::AssertionReason { keys, .. } => keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{} {}", line(i), option_label(*k)))
            .collect(),
    }
}

fn shape(item: &PaperItem) -> (&'static str, &'static str) {
    match &item.body {
        ItemBody::Classic { .. } => ("single", "identifier"),
        ItemBody::MultipleResponse { .. } => ("multiple", "identifier"),
        ItemBody::Matching { .. } | ItemBody::AssertionReason { .. } => {
            ("multiple", "directedPair")
        }
        ItemBody::Sequencing { .. } => ("ordered", "identifier"),
    }
}

struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn start(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.0.write_event(Event::Start(start))
    }
    fn end(&mut self, name: &str) -> io::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }
    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.0.write_event(Event::Empty(start))
    }
    fn value(&mut self, text: &str) -> io::Result<()> {
        self.start("value", &[])?;
        self.0.write_event(Event::Text(BytesText::new(text)))?;
        self.end("value")
    }
    fn outcome(&mut self, identifier: &str, base_type: &str, value: &str) -> io::Result<()> {
        self.start(
            "outcomeVariable",
            &[
                ("identifier", identifier),
                ("cardinality", "single"),
                ("baseType", base_type),
            ],
        )?;
        self.value(value)?;
        self.end("outcomeVariable")
    }
}

/// The `assessmentResult` document.
pub fn assessment_result(result: &SittingResult<'_>) -> io::Result<String> {
    let mut x = Xml(Writer::new_with_indent(Vec::new(), b' ', 2));
    x.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let datestamp = result.closed_at.format(&Rfc3339).unwrap_or_default();
    let candidate = result.candidate_id.to_string();
    let sitting = result.sitting_id.to_string();
    x.start("assessmentResult", &[("xmlns", RESULT_NS)])?;
    x.start("context", &[("sourcedId", &candidate)])?;
    x.empty(
        "sessionIdentifier",
        &[
            ("sourceID", "urn:invigilator:sitting"),
            ("identifier", &sitting),
        ],
    )?;
    x.end("context")?;
    let test = format!("{}-{}", result.qualification, result.edition);
    x.start(
        "testResult",
        &[("identifier", &test), ("datestamp", &datestamp)],
    )?;
    x.outcome("SCORE", "float", &result.sheet.score.to_string())?;
    x.outcome("MAXSCORE", "float", &result.sheet.max_score.to_string())?;
    x.outcome("PASSMARK", "float", &result.sheet.pass_mark.to_string())?;
    x.outcome(
        "PASSED",
        "boolean",
        if result.sheet.passed { "true" } else { "false" },
    )?;
    x.end("testResult")?;
    for item in &result.paper.items {
        let number = item.number.to_string();
        x.start(
            "itemResult",
            &[
                ("identifier", &item.item_id),
                ("sequenceIndex", &number),
                ("datestamp", &datestamp),
                ("sessionStatus", "final"),
            ],
        )?;
        let (cardinality, base_type) = shape(item);
        x.start(
            "responseVariable",
            &[
                ("identifier", "RESPONSE"),
                ("cardinality", cardinality),
                ("baseType", base_type),
            ],
        )?;
        x.start("correctResponse", &[])?;
        for v in correct_values(item) {
            x.value(&v)?;
        }
        x.end("correctResponse")?;
        x.start("candidateResponse", &[])?;
        for v in response_values(item, result.responses.get(&item.number)) {
            // Only labels of this item (a response is checked when saved).
            if v.split(' ')
                .next_back()
                .is_some_and(|l| option_index(l, 26).is_some())
            {
                x.value(&v)?;
            }
        }
        x.end("candidateResponse")?;
        x.end("responseVariable")?;
        let awarded = result.sheet.awarded.get(&item.number).copied().unwrap_or(0);
        x.outcome("SCORE", "float", &awarded.to_string())?;
        x.outcome("MAXSCORE", "float", &item.marks.to_string())?;
        x.outcome(
            "PILOT",
            "boolean",
            if item.pilot { "true" } else { "false" },
        )?;
        x.end("itemResult")?;
    }
    x.end("assessmentResult")?;
    Ok(String::from_utf8_lossy(&x.0.into_inner()).into_owned() + "\n")
}
