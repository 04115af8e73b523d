//! Examination statistics for administrators, per qualification: how many sittings were
//! scored, how many passed, how the scores spread, and each item's facility (the share
//! of the candidates given it who scored on it).
//!
//! Counts come from SQL aggregates over every scored sitting; the item figures from the
//! stored score sheets of the latest `ITEM_SAMPLE` scored sittings of each qualification,
//! so the page costs the same however many sittings there have been.

use std::collections::BTreeMap;

use sea_orm::DbErr;

use crate::domain::paper::Paper;
use crate::domain::scoring::ScoreSheet;
use crate::persistence::statistics as repo;
use crate::state::AppState;

/// How many of the latest scored sittings of a qualification the item figures read.
pub const ITEM_SAMPLE: u64 = 200;

/// One qualification's figures.
pub struct QualificationStatistics {
    pub qualification: String,
    /// From the catalog; the code when no loaded edition names it.
    pub title: String,
    pub sittings: u64,
    pub passed: u64,
    /// The marks available (the highest, should editions differ).
    pub max_score: u32,
    /// The pass mark, when every scored sitting had the same one.
    pub pass_mark: Option<u32>,
    /// How many sittings had each score, for every score from 0 to `max_score`.
    pub scores: Vec<u64>,
    /// How many sittings the item figures are based on.
    pub sample: u64,
    /// Every item given in the sample, by item id.
    pub items: Vec<ItemFacility>,
}

impl QualificationStatistics {
    /// The pass rate in whole percent (0 without sittings).
    pub fn pass_percent(&self) -> u32 {
        percent(self.passed, self.sittings)
    }
}

/// How one item fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFacility {
    pub item_id: String,
    pub area: String,
    pub pilot: bool,
    /// How many sittings of the sample gave it.
    pub given: u64,
    /// How many of those scored marks on it.
    pub scored: u64,
}

impl ItemFacility {
    /// The facility in whole percent.
    pub fn percent(&self) -> u32 {
        percent(self.scored, self.given)
    }
}

/// `part` of `whole` in whole percent, rounded to the nearest.
pub fn percent(part: u64, whole: u64) -> u32 {
    if whole == 0 {
        return 0;
    }
    u32::try_from((part * 200 + whole) / (2 * whole)).unwrap_or(100)
}

/// Every qualification with a scored sitting, in code order.
pub async fn by_qualification(state: &AppState) -> Result<Vec<QualificationStatistics>, DbErr> {
    let mut stats: BTreeMap<String, QualificationStatistics> = BTreeMap::new();
    let mut pass_marks: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for row in repo::result_counts(&state.db).await? {
        let entry =
            stats
                .entry(row.qualification.clone())
                .or_insert_with(|| QualificationStatistics {
                    title: title_of(state, &row.qualification),
                    qualification: row.qualification.clone(),
                    sittings: 0,
                    passed: 0,
                    max_score: 0,
                    pass_mark: None,
                    scores: Vec::new(),
                    sample: 0,
                    items: Vec::new(),
                });
        entry.sittings += row.sittings;
        if row.passed {
            entry.passed += row.sittings;
        }
        entry.max_score = entry.max_score.max(row.max_score.1);
        let marks = pass_marks.entry(row.qualification).or_insert(row.pass_mark);
        *marks = (marks.0.min(row.pass_mark.0), marks.1.max(row.pass_mark.1));
    }
    for (code, (low, high)) in pass_marks {
        if let Some(s) = stats.get_mut(&code) {
            s.pass_mark = (low == high).then_some(low);
        }
    }
    for s in stats.values_mut() {
        s.scores = vec![0; s.max_score as usize + 1];
    }
    for row in repo::score_counts(&state.db).await? {
        if let Some(s) = stats.get_mut(&row.qualification) {
            let last = s.scores.len().saturating_sub(1);
            s.scores[(row.score as usize).min(last)] += row.sittings;
        }
    }
    for s in stats.values_mut() {
        let sheets = repo::recent_sheets(&state.db, &s.qualification, ITEM_SAMPLE).await?;
        s.sample = sheets.len() as u64;
        s.items = facilities(&sheets);
    }
    Ok(stats.into_values().collect())
}

/// The qualification's title in an open edition, else in any loaded edition.
fn title_of(state: &AppState, code: &str) -> String {
    let catalog = &state.catalog;
    catalog
        .offered()
        .map(|(_, q)| q)
        .chain(
            catalog
                .editions
                .iter()
                .flat_map(|e| e.qualifications.iter()),
        )
        .find(|q| q.qualification.code == code)
        .map(|q| q.qualification.title.clone())
        .unwrap_or_else(|| code.to_owned())
}

/// Each item's facility over `sheets`, by item id: an item counts as given once per
/// paper that carried it, and as scored when the sheet awarded it any marks.
pub fn facilities(sheets: &[(Paper, ScoreSheet)]) -> Vec<ItemFacility> {
    let mut items: BTreeMap<&str, ItemFacility> = BTreeMap::new();
    for (paper, sheet) in sheets {
        for item in &paper.items {
            let entry = items
                .entry(item.item_id.as_str())
                .or_insert_with(|| ItemFacility {
                    item_id: item.item_id.clone(),
                    area: item.area.clone(),
                    pilot: item.pilot,
                    given: 0,
                    scored: 0,
                });
            entry.given += 1;
            if sheet.awarded.get(&item.number).is_some_and(|m| *m > 0) {
                entry.scored += 1;
            }
        }
    }
    items.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::paper::PaperItem;
    use crate::domain::pool::{ItemBody, Level};

    fn item(number: u32, id: &str) -> PaperItem {
        PaperItem {
            number,
            question: number,
            question_id: id.into(),
            scenario: None,
            item_id: id.into(),
            area: "SD".into(),
            level: Level::Knowledge,
            clause: "6.1".into(),
            marks: 1,
            pilot: false,
            stem: "Which?".into(),
            rationale: "Because.".into(),
            body: ItemBody::Classic {
                options: vec!["a".into(), "b".into()],
                key: 0,
            },
        }
    }

    fn sheet(awarded: &[(u32, u32)]) -> ScoreSheet {
        ScoreSheet {
            score: awarded.iter().map(|(_, m)| m).sum(),
            max_score: 2,
            pass_mark: 1,
            passed: true,
            areas: vec![],
            questions: vec![],
            awarded: awarded.iter().copied().collect(),
        }
    }

    #[test]
    fn an_items_facility_is_the_share_of_the_papers_carrying_it_that_scored_on_it() {
        let first = Paper {
            areas: vec![],
            items: vec![item(1, "SD-1"), item(2, "SD-2")],
        };
        // The same item may stand at another number on another paper.
        let second = Paper {
            areas: vec![],
            items: vec![item(1, "SD-2"), item(2, "SD-3")],
        };
        let figures = facilities(&[
            (first, sheet(&[(1, 1), (2, 0)])),
            (second, sheet(&[(1, 1), (2, 1)])),
        ]);
        let by_id: Vec<(&str, u64, u64)> = figures
            .iter()
            .map(|f| (f.item_id.as_str(), f.given, f.scored))
            .collect();
        assert_eq!(by_id, [("SD-1", 1, 1), ("SD-2", 2, 1), ("SD-3", 1, 1)]);
        assert_eq!(figures[1].percent(), 50);
    }

    #[test]
    fn percentages_round_to_the_nearest_whole_and_nothing_of_nothing_is_zero() {
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(1, 8), 13);
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(5, 5), 100);
    }
}
