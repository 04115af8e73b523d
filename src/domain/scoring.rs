//! Responses and scoring. A response is checked against its item when saved; scoring
//! never sees an invalid one. Pilot items are shown but never scored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::paper::{Paper, PaperItem};
use super::pool::ItemBody;
use super::values::option_index;

/// A candidate's answer to one item, as sent and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The label of the chosen option, e.g. "B".
    #[schema(example = "B")]
    pub choice: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResponseError {
    #[error("{0} is not one of this question's options")]
    UnknownOption(String),
    #[error("this item is not answered with a single choice")]
    WrongShape,
}

/// Checks that a response fits its item.
pub fn check_response(item: &PaperItem, response: &Response) -> Result<(), ResponseError> {
    match &item.body {
        ItemBody::Classic { options, .. } => option_index(&response.choice, options.len())
            .map(|_| ())
            .ok_or_else(|| ResponseError::UnknownOption(response.choice.clone())),
        _ => Err(ResponseError::WrongShape),
    }
}

/// Marks awarded for one item (pilot or not).
pub fn mark_item(item: &PaperItem, response: Option<&Response>) -> u32 {
    match (&item.body, response) {
        (ItemBody::Classic { options, key }, Some(r))
            if option_index(&r.choice, options.len()) == Some(*key) =>
        {
            item.marks
        }
        _ => 0,
    }
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
    /// Marks awarded per item number (pilot items included, for examiners).
    pub awarded: BTreeMap<u32, u32>,
}

pub fn score(paper: &Paper, responses: &BTreeMap<u32, Response>, pass_mark: u32) -> ScoreSheet {
    let mut awarded = BTreeMap::new();
    let mut by_area: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for item in &paper.items {
        let marks = mark_item(item, responses.get(&item.number));
        awarded.insert(item.number, marks);
        if item.pilot {
            continue;
        }
        let entry = by_area.entry(item.area.as_str()).or_default();
        entry.0 += marks;
        entry.1 += item.marks;
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
        Response {
            choice: label.into(),
        }
    }

    fn areas() -> Vec<Area> {
        ["X", "Y"]
            .map(|c| Area {
                code: c.into(),
                title: c.into(),
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
            check_response(&it, &choice("E")),
            Err(ResponseError::UnknownOption("E".into()))
        );
        assert_eq!(check_response(&it, &choice("D")), Ok(()));
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
    }
}
