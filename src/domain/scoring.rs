//! Responses and scoring. A response is checked against its item when saved; scoring
//! never sees an invalid one. Pilot items are shown but never scored.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::paper::{Paper, PaperItem};
use super::pool::{ASSERTION_REASON_GRADES, ItemBody};
use super::values::{option_index, option_label};

/// A candidate's answer to one item, as sent and stored. Exactly one field is given,
/// the one the item's style takes; labels are as the candidate sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Classic: the label of one option, e.g. "B".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "B")]
    pub choice: Option<String>,
    /// Multiple response: the labels chosen, e.g. ["A", "D"]. More than the item asks
    /// for is accepted and scores zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// Matching: one option label per line, in line order (options may repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<Vec<String>>,
    /// Assertion/reason: one grade A–E per line, in line order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<String>>,
    /// Sequencing: every step label, in the order the candidate puts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<String>>,
}

impl Response {
    pub fn choice(label: &str) -> Self {
        Self {
            choice: Some(label.to_owned()),
            ..Self::default()
        }
    }
}

/// Why a response does not fit its item; `field` names the part of the body at fault.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct ResponseError {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> ResponseError {
    ResponseError {
        field,
        message: message.into(),
    }
}

/// The one field each style is answered with.
pub fn response_field(body: &ItemBody) -> &'static str {
    match body {
        ItemBody::Classic { .. } => "choice",
        ItemBody::MultipleResponse { .. } => "choices",
        ItemBody::Matching { .. } => "matches",
        ItemBody::AssertionReason { .. } => "grades",
        ItemBody::Sequencing { .. } => "order",
    }
}

fn labels(
    field: &'static str,
    given: &[String],
    count: usize,
) -> Result<Vec<usize>, ResponseError> {
    given
        .iter()
        .map(|label| {
            option_index(label, count).ok_or_else(|| {
                refuse(
                    field,
                    format!(
                        "{label} is not one of the labels A–{}",
                        option_label(count.saturating_sub(1))
                    ),
                )
            })
        })
        .collect()
}

fn distinct(field: &'static str, indexes: &[usize]) -> Result<(), ResponseError> {
    let set: BTreeSet<usize> = indexes.iter().copied().collect();
    if set.len() == indexes.len() {
        Ok(())
    } else {
        Err(refuse(field, "names the same label twice"))
    }
}

/// What checking a response needs to know of an item: its style and how many options,
/// lines or steps it shows. A few bytes per item, so a server can keep the shapes of
/// every sitting in progress without keeping their papers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerShape {
    style: ShapeStyle,
    /// Options (classic, multiple response, matching) or steps (sequencing).
    options: u16,
    /// Lines (matching, assertion/reason).
    lines: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ShapeStyle {
    Classic,
    MultipleResponse,
    Matching,
    AssertionReason,
    Sequencing,
}

impl AnswerShape {
    pub fn of(body: &ItemBody) -> Self {
        let count = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        let (style, options, lines) = match body {
            ItemBody::Classic { options, .. } => (ShapeStyle::Classic, options.len(), 0),
            ItemBody::MultipleResponse { options, .. } => {
                (ShapeStyle::MultipleResponse, options.len(), 0)
            }
            ItemBody::Matching { lines, options, .. } => {
                (ShapeStyle::Matching, options.len(), lines.len())
            }
            ItemBody::AssertionReason { lines, .. } => {
                (ShapeStyle::AssertionReason, 0, lines.len())
            }
            ItemBody::Sequencing { steps, .. } => (ShapeStyle::Sequencing, steps.len(), 0),
        };
        Self {
            style,
            options: count(options),
            lines: count(lines),
        }
    }

    /// The one field this item is answered with.
    pub fn field(&self) -> &'static str {
        match self.style {
            ShapeStyle::Classic => "choice",
            ShapeStyle::MultipleResponse => "choices",
            ShapeStyle::Matching => "matches",
            ShapeStyle::AssertionReason => "grades",
            ShapeStyle::Sequencing => "order",
        }
    }
}

/// Checks that a response has the item's shape and only names what the item shows.
pub fn check_response(item: &PaperItem, response: &Response) -> Result<(), ResponseError> {
    check_shape(&AnswerShape::of(&item.body), response)
}

/// [`check_response`] against an item's shape alone.
pub fn check_shape(shape: &AnswerShape, response: &Response) -> Result<(), ResponseError> {
    let field = shape.field();
    let given = [
        ("choice", response.choice.is_some()),
        ("choices", response.choices.is_some()),
        ("matches", response.matches.is_some()),
        ("grades", response.grades.is_some()),
        ("order", response.order.is_some()),
    ];
    if given
        .iter()
        .any(|(name, present)| *present && *name != field)
        || !given
            .iter()
            .any(|(name, present)| *present && *name == field)
    {
        return Err(refuse(
            field,
            format!("this question is answered with `{field}` alone"),
        ));
    }
    let empty = Vec::new();
    let (options, lines) = (usize::from(shape.options), usize::from(shape.lines));
    match shape.style {
        ShapeStyle::Classic => {
            let choice = response.choice.clone().unwrap_or_default();
            labels(field, &[choice], options).map(|_| ())
        }
        ShapeStyle::MultipleResponse => {
            let chosen = labels(field, response.choices.as_ref().unwrap_or(&empty), options)?;
            if chosen.is_empty() {
                return Err(refuse(field, "choose at least one option"));
            }
            distinct(field, &chosen)
        }
        ShapeStyle::Matching => {
            let given = response.matches.as_ref().unwrap_or(&empty);
            if given.len() != lines {
                return Err(refuse(
                    field,
                    format!(
                        "give one option for each of the {lines} lines (got {})",
                        given.len()
                    ),
                ));
            }
            labels(field, given, options).map(|_| ())
        }
        ShapeStyle::AssertionReason => {
            let given = response.grades.as_ref().unwrap_or(&empty);
            if given.len() != lines {
                return Err(refuse(
                    field,
                    format!(
                        "give one grade for each of the {lines} lines (got {})",
                        given.len()
                    ),
                ));
            }
            labels(field, given, ASSERTION_REASON_GRADES).map(|_| ())
        }
        ShapeStyle::Sequencing => {
            let given = response.order.as_ref().unwrap_or(&empty);
            if given.len() != options {
                return Err(refuse(
                    field,
                    format!("put all {options} steps in order (got {})", given.len()),
                ));
            }
            let order = labels(field, given, options)?;
            distinct(field, &order)
        }
    }
}

/// Marks awarded for one item (pilot or not). See question-pools/README.md for the rules.
pub fn mark_item(item: &PaperItem, response: Option<&Response>) -> u32 {
    let Some(response) = response else {
        return 0;
    };
    if check_response(item, response).is_err() {
        return 0;
    }
    let indexes = |given: &Option<Vec<String>>, count: usize| -> Vec<usize> {
        given
            .iter()
            .flatten()
            .filter_map(|l| option_index(l, count))
            .collect()
    };
    let per_line = |keys: &[usize], given: Vec<usize>| -> u32 {
        let right = keys.iter().zip(&given).filter(|(k, g)| k == g).count() as u32;
        (item.marks / keys.len().max(1) as u32) * right
    };
    match &item.body {
        ItemBody::Classic { options, key } => {
            if response
                .choice
                .as_deref()
                .and_then(|c| option_index(c, options.len()))
                == Some(*key)
            {
                item.marks
            } else {
                0
            }
        }
        ItemBody::MultipleResponse {
            options,
            choose,
            keys,
        } => {
            let chosen: BTreeSet<usize> = indexes(&response.choices, options.len())
                .into_iter()
                .collect();
            let keys: BTreeSet<usize> = keys.iter().copied().collect();
            if chosen.len() <= *choose as usize && chosen == keys {
                item.marks
            } else {
                0
            }
        }
        ItemBody::Matching { options, keys, .. } => {
            per_line(keys, indexes(&response.matches, options.len()))
        }
        ItemBody::AssertionReason { keys, .. } => {
            per_line(keys, indexes(&response.grades, ASSERTION_REASON_GRADES))
        }
        ItemBody::Sequencing { steps, keys } => {
            if indexes(&response.order, steps.len()) == *keys {
                item.marks
            } else {
                0
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionScore {
    pub question: u32,
    pub area: String,
    pub score: u32,
    pub max_score: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaScore {
    pub area: String,
    pub title: String,
    pub score: u32,
    pub max_score: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSheet {
    pub score: u32,
    pub max_score: u32,
    pub pass_mark: u32,
    pub passed: bool,
    /// Per syllabus area, in the scheme's order.
    pub areas: Vec<AreaScore>,
    /// Per question (a scenario and its items count as one), pilot questions excluded.
    #[serde(default)]
    pub questions: Vec<QuestionScore>,
    /// Marks awarded per item number (pilot items included, for examiners).
    pub awarded: BTreeMap<u32, u32>,
}

pub fn score(paper: &Paper, responses: &BTreeMap<u32, Response>, pass_mark: u32) -> ScoreSheet {
    let mut awarded = BTreeMap::new();
    let mut by_area: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut questions: Vec<QuestionScore> = Vec::new();
    for item in &paper.items {
        let marks = mark_item(item, responses.get(&item.number));
        awarded.insert(item.number, marks);
        if item.pilot {
            continue;
        }
        let entry = by_area.entry(item.area.as_str()).or_default();
        entry.0 += marks;
        entry.1 += item.marks;
        match questions.last_mut() {
            Some(q) if q.question == item.question => {
                q.score += marks;
                q.max_score += item.marks;
            }
            _ => questions.push(QuestionScore {
                question: item.question,
                area: item.area.clone(),
                score: marks,
                max_score: item.marks,
            }),
        }
    }
    let mut areas: Vec<AreaScore> = paper
        .areas
        .iter()
        .filter_map(|a| {
            by_area
                .remove(a.code.as_str())
                .map(|(score, max_score)| AreaScore {
                    area: a.code.clone(),
                    title: a.title.clone(),
                    score,
                    max_score,
                })
        })
        .collect();
    // Areas missing from the snapshot's list still count (titled by their code).
    areas.extend(
        by_area
            .into_iter()
            .map(|(a, (score, max_score))| AreaScore {
                area: a.to_owned(),
                title: a.to_owned(),
                score,
                max_score,
            }),
    );
    let score: u32 = areas.iter().map(|a| a.score).sum();
    let max_score = areas.iter().map(|a| a.max_score).sum();
    ScoreSheet {
        score,
        max_score,
        pass_mark,
        passed: score >= pass_mark,
        areas,
        questions,
        awarded,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::pool::Level;
    use crate::domain::scheme::Area;

    fn item(number: u32, area: &str, key: usize, pilot: bool) -> PaperItem {
        PaperItem {
            number,
            question: number,
            question_id: format!("q{number}"),
            scenario: None,
            item_id: format!("i{number}"),
            area: area.into(),
            level: Level::Knowledge,
            clause: "c".into(),
            marks: 1,
            pilot,
            stem: "s".into(),
            rationale: "r".into(),
            body: ItemBody::Classic {
                options: vec!["a".into(), "b".into(), "c".into(), "d".into()],
                key,
            },
        }
    }

    fn choice(label: &str) -> Response {
        Response::choice(label)
    }

    fn areas() -> Vec<Area> {
        ["X", "Y"]
            .map(|c| Area {
                code: c.into(),
                title: c.into(),
                summary: None,
            })
            .to_vec()
    }

    #[test]
    fn a_correct_choice_scores_its_marks_and_a_wrong_one_nothing() {
        let it = item(1, "X", 2, false);
        assert_eq!(mark_item(&it, Some(&choice("C"))), 1);
        assert_eq!(mark_item(&it, Some(&choice("A"))), 0);
        assert_eq!(mark_item(&it, None), 0);
    }

    #[test]
    fn pilot_items_never_count_toward_the_score() {
        let paper = Paper {
            areas: areas(),
            items: vec![item(1, "X", 0, false), item(2, "Y", 0, true)],
        };
        let responses = BTreeMap::from([(1, choice("A")), (2, choice("A"))]);
        let sheet = score(&paper, &responses, 1);
        assert_eq!(sheet.score, 1);
        assert_eq!(sheet.max_score, 1);
        assert_eq!(sheet.areas.len(), 1);
        assert_eq!(sheet.awarded[&2], 1);
    }

    #[test]
    fn the_pass_mark_is_inclusive() {
        let paper = Paper {
            areas: areas(),
            items: (1..=4).map(|n| item(n, "X", 0, false)).collect(),
        };
        let two = BTreeMap::from([(1, choice("A")), (2, choice("A"))]);
        assert!(score(&paper, &two, 2).passed);
        assert!(!score(&paper, &two, 3).passed);
    }

    #[test]
    fn the_breakdown_follows_the_area_order() {
        let paper = Paper {
            areas: areas(),
            items: vec![item(1, "Y", 0, false), item(2, "X", 0, false)],
        };
        let sheet = score(&paper, &BTreeMap::from([(1, choice("A"))]), 1);
        let names: Vec<&str> = sheet.areas.iter().map(|a| a.area.as_str()).collect();
        assert_eq!(names, ["X", "Y"]);
        assert_eq!(sheet.areas[1].score, 1);
    }

    #[test]
    fn an_option_that_is_not_on_the_item_is_refused() {
        let it = item(1, "X", 0, false);
        assert_eq!(
            check_response(&it, &choice("E")).map_err(|e| e.field),
            Err("choice")
        );
        assert_eq!(check_response(&it, &choice("D")), Ok(()));
    }

    fn styled(body: ItemBody, marks: u32) -> PaperItem {
        PaperItem {
            marks,
            body,
            ..item(1, "X", 0, false)
        }
    }

    fn strings(labels: &[&str]) -> Option<Vec<String>> {
        Some(labels.iter().map(|l| (*l).to_owned()).collect())
    }

    fn five() -> Vec<String> {
        ["a", "b", "c", "d", "e"].map(String::from).to_vec()
    }

    #[test]
    fn multiple_response_scores_only_the_exact_keys() {
        let it = styled(
            ItemBody::MultipleResponse {
                options: five(),
                choose: 2,
                keys: vec![1, 3],
            },
            4,
        );
        let answer = |l: &[&str]| Response {
            choices: strings(l),
            ..Response::default()
        };
        assert_eq!(mark_item(&it, Some(&answer(&["D", "B"]))), 4);
        assert_eq!(mark_item(&it, Some(&answer(&["B", "C"]))), 0);
        assert_eq!(mark_item(&it, Some(&answer(&["B"]))), 0);
    }

    #[test]
    fn choosing_more_than_asked_scores_zero_even_with_both_keys() {
        let it = styled(
            ItemBody::MultipleResponse {
                options: five(),
                choose: 2,
                keys: vec![1, 3],
            },
            4,
        );
        let over = Response {
            choices: strings(&["B", "D", "E"]),
            ..Response::default()
        };
        assert_eq!(check_response(&it, &over), Ok(()), "accepted, as on paper");
        assert_eq!(mark_item(&it, Some(&over)), 0);
    }

    #[test]
    fn matching_gives_partial_credit_per_line_and_reuses_options() {
        let it = styled(
            ItemBody::Matching {
                lines: vec!["l1".into(), "l2".into(), "l3".into()],
                options: vec!["o1".into(), "o2".into()],
                keys: vec![0, 1, 0],
            },
            6,
        );
        let answer = |l: &[&str]| Response {
            matches: strings(l),
            ..Response::default()
        };
        assert_eq!(mark_item(&it, Some(&answer(&["A", "B", "A"]))), 6);
        assert_eq!(mark_item(&it, Some(&answer(&["A", "A", "A"]))), 4);
        assert_eq!(mark_item(&it, Some(&answer(&["B", "A", "B"]))), 0);
        assert_eq!(
            check_response(&it, &answer(&["A", "B"])).map_err(|e| e.field),
            Err("matches")
        );
        assert_eq!(
            check_response(&it, &answer(&["A", "B", "C"])).map_err(|e| e.field),
            Err("matches")
        );
    }

    #[test]
    fn assertion_reason_lines_are_graded_a_to_e_with_credit_per_line() {
        let it = styled(
            ItemBody::AssertionReason {
                lines: vec![("a1".into(), "r1".into()), ("a2".into(), "r2".into())],
                keys: vec![0, 3],
            },
            4,
        );
        let answer = |l: &[&str]| Response {
            grades: strings(l),
            ..Response::default()
        };
        assert_eq!(mark_item(&it, Some(&answer(&["A", "D"]))), 4);
        assert_eq!(mark_item(&it, Some(&answer(&["B", "D"]))), 2);
        assert_eq!(
            check_response(&it, &answer(&["A", "F"])).map_err(|e| e.field),
            Err("grades")
        );
    }

    #[test]
    fn sequencing_scores_only_the_whole_right_order() {
        let it = styled(
            ItemBody::Sequencing {
                steps: vec!["s3".into(), "s1".into(), "s2".into()],
                keys: vec![1, 2, 0],
            },
            3,
        );
        let answer = |l: &[&str]| Response {
            order: strings(l),
            ..Response::default()
        };
        assert_eq!(mark_item(&it, Some(&answer(&["B", "C", "A"]))), 3);
        assert_eq!(mark_item(&it, Some(&answer(&["A", "B", "C"]))), 0);
        assert_eq!(
            check_response(&it, &answer(&["B", "B", "A"])).map_err(|e| e.field),
            Err("order")
        );
        assert_eq!(
            check_response(&it, &answer(&["B", "C"])).map_err(|e| e.field),
            Err("order")
        );
    }

    #[test]
    fn a_response_in_another_styles_shape_is_refused_naming_the_right_field() {
        let it = item(1, "X", 0, false);
        let wrong = Response {
            choices: strings(&["A"]),
            ..Response::default()
        };
        assert_eq!(
            check_response(&it, &wrong).map_err(|e| e.field),
            Err("choice")
        );
        assert_eq!(mark_item(&it, Some(&wrong)), 0);
        assert_eq!(
            check_response(&it, &Response::default()).map_err(|e| e.field),
            Err("choice")
        );
    }

    #[test]
    fn the_breakdown_by_question_groups_a_scenarios_items() {
        let mut a = item(1, "X", 0, false);
        let mut b = item(2, "X", 0, false);
        let c = item(3, "Y", 0, false);
        a.question = 1;
        b.question = 1;
        let paper = Paper {
            areas: areas(),
            items: vec![a, b, {
                let mut c = c;
                c.question = 2;
                c
            }],
        };
        let sheet = score(
            &paper,
            &BTreeMap::from([(1, choice("A")), (3, choice("A"))]),
            1,
        );
        assert_eq!(sheet.questions.len(), 2);
        assert_eq!(
            (sheet.questions[0].score, sheet.questions[0].max_score),
            (1, 2)
        );
        assert_eq!(
            (sheet.questions[1].score, sheet.questions[1].max_score),
            (1, 1)
        );
    }

    proptest! {
        #[test]
        fn a_score_lies_between_zero_and_the_maximum(
            keys in proptest::collection::vec(0usize..4, 1..40),
            answers in proptest::collection::vec(proptest::option::of(0usize..4), 1..40),
        ) {
            let paper = Paper { areas: areas(), items: keys.iter().enumerate().map(|(i, &k)| item(i as u32 + 1, if i % 2 == 0 { "X" } else { "Y" }, k, false)).collect() };
            let responses: BTreeMap<u32, Response> = answers.iter().enumerate()
                .filter_map(|(i, a)| a.map(|a| (i as u32 + 1, choice(&crate::domain::values::option_label(a)))))
                .collect();
            let sheet = score(&paper, &responses, 1);
            prop_assert!(sheet.score <= sheet.max_score);
            prop_assert_eq!(sheet.max_score, keys.len() as u32);
        }

        #[test]
        fn a_fully_correct_response_gets_full_marks(keys in proptest::collection::vec(0usize..4, 1..40)) {
            let paper = Paper { areas: areas(), items: keys.iter().enumerate().map(|(i, &k)| item(i as u32 + 1, "X", k, false)).collect() };
            let responses: BTreeMap<u32, Response> = keys.iter().enumerate()
                .map(|(i, &k)| (i as u32 + 1, choice(&crate::domain::values::option_label(k))))
                .collect();
            let sheet = score(&paper, &responses, 1);
            prop_assert_eq!(sheet.score, sheet.max_score);
        }

        #[test]
        fn any_response_to_any_style_scores_between_zero_and_the_items_marks(
            style in 0usize..5,
            n in 3usize..6,
            seed in proptest::collection::vec(0usize..6, 12),
            answer in proptest::collection::vec(0usize..6, 0..8),
        ) {
            let options: Vec<String> = (0..n).map(|i| format!("o{i}")).collect();
            let lines = 2usize;
            let key_of = |i: usize, m: usize| seed[i] % m;
            let (body, correct): (ItemBody, Response) = match style {
                0 => (
                    ItemBody::Classic { options: options.clone(), key: key_of(0, n) },
                    Response::choice(&option_label(key_of(0, n))),
                ),
                1 => {
                    let mut keys = vec![key_of(0, n), (key_of(0, n) + 1) % n];
                    keys.sort_unstable();
                    let r = Response { choices: Some(keys.iter().map(|k| option_label(*k)).collect()), ..Response::default() };
                    (ItemBody::MultipleResponse { options: options.clone(), choose: 2, keys }, r)
                }
                2 => {
                    let keys: Vec<usize> = (0..lines).map(|i| key_of(i, n)).collect();
                    let r = Response { matches: Some(keys.iter().map(|k| option_label(*k)).collect()), ..Response::default() };
                    (ItemBody::Matching { lines: vec!["a".into(), "b".into()], options: options.clone(), keys }, r)
                }
                3 => {
                    let keys: Vec<usize> = (0..lines).map(|i| key_of(i, 5)).collect();
                    let r = Response { grades: Some(keys.iter().map(|k| option_label(*k)).collect()), ..Response::default() };
                    (ItemBody::AssertionReason { lines: vec![("a".into(), "r".into()); 2], keys }, r)
                }
                _ => {
                    let mut keys: Vec<usize> = (0..n).collect();
                    keys.rotate_left(key_of(0, n));
                    let r = Response { order: Some(keys.iter().map(|k| option_label(*k)).collect()), ..Response::default() };
                    (ItemBody::Sequencing { steps: options.clone(), keys }, r)
                }
            };
            let it = PaperItem { marks: 4, body, ..item(1, "X", 0, false) };
            prop_assert_eq!(mark_item(&it, Some(&correct)), 4);
            let labels: Vec<String> = answer.iter().map(|a| option_label(*a)).collect();
            let field = response_field(&it.body);
            let arbitrary = match field {
                "choice" => Response::choice(labels.first().map(String::as_str).unwrap_or("A")),
                "choices" => Response { choices: Some(labels.clone()), ..Response::default() },
                "matches" => Response { matches: Some(labels.clone()), ..Response::default() },
                "grades" => Response { grades: Some(labels.clone()), ..Response::default() },
                _ => Response { order: Some(labels.clone()), ..Response::default() },
            };
            let marks = mark_item(&it, Some(&arbitrary));
            prop_assert!(marks <= 4);
            if check_response(&it, &arbitrary).is_err() {
                prop_assert_eq!(marks, 0);
            }
        }
    }
}
