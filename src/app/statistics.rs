//! Examination statistics for administrators, per qualification: how many sittings were
//! scored, how many passed, how the scores spread, and each item's facility (the share
//! of the candidates given it who scored on it).
//!
//! Counts come from SQL aggregates over every scored sitting; the item figures from the
//! stored score sheets of the latest `ITEM_SAMPLE` scored sittings of each qualification,
//! so the page costs the same however many sittings there have been.
//!
//! The psychometric item statistics of one qualification (`items`) read a bounded
//! sample too: the latest `statistics.sample_sittings` scored sittings, with their
//! papers, score sheets and answers, grouped into forms (edition + pool hash, as each
//! sitting stores them) and measured by `domain::item_statistics`.

use std::collections::BTreeMap;

use sea_orm::DbErr;

use crate::domain::item_statistics::{
    self as psychometrics, CandidateOutcome, FormStatistics, ItemFacts, ItemOutcome, Thresholds,
};
use crate::domain::paper::{Paper, PaperItem};
use crate::domain::pool::ItemBody;
use crate::domain::scoring::{Response, ScoreSheet};
use crate::domain::values::option_index;
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

/// Why a qualification's item statistics cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum ItemStatisticsError {
    #[error("there is no qualification {0}")]
    UnknownQualification(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A qualification's item statistics, form by form.
pub struct ItemReport {
    pub qualification: String,
    pub title: String,
    /// How many scored sittings were read, and the most that are.
    pub sittings_read: u64,
    pub sample_limit: u64,
    pub thresholds: Thresholds,
    /// Newest form first (the form of the latest sitting read).
    pub forms: Vec<Form>,
}

impl ItemReport {
    /// As CSV: one row per item per form.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let forms: Vec<(&str, &str, &FormStatistics)> = self
            .forms
            .iter()
            .map(|f| (f.edition.as_str(), f.pool_hash.as_str(), &f.statistics))
            .collect();
        psychometrics::items_csv(&self.qualification, &forms)
    }
}

/// The papers drawn from one pool: a qualification, an edition and a pool hash.
pub struct Form {
    pub edition: String,
    pub pool_hash: String,
    pub statistics: FormStatistics,
}

/// The flag thresholds of the settings.
pub fn thresholds(state: &AppState) -> Thresholds {
    let s = &state.statistics;
    Thresholds {
        facility_low: s.facility_low,
        facility_high: s.facility_high,
        min_point_biserial: s.min_point_biserial,
        min_upper_lower: s.min_upper_lower,
        min_efficiency: s.min_efficiency,
        min_candidates: s.min_candidates,
    }
}

/// The item statistics of qualification `code` (known to any loaded edition).
#[tracing::instrument(skip(state))]
pub async fn items(state: &AppState, code: &str) -> Result<ItemReport, ItemStatisticsError> {
    let known = state
        .catalog
        .editions
        .iter()
        .flat_map(|e| e.qualifications.iter())
        .any(|q| q.qualification.code == code);
    if !known {
        return Err(ItemStatisticsError::UnknownQualification(code.to_owned()));
    }
    let limit = state.statistics.sample_sittings.max(1);
    let sittings = repo::scored_sittings(&state.db, code, limit)
        .await
        .map_err(anyhow::Error::from)?;
    let thresholds = thresholds(state);
    let mut order: Vec<(String, String)> = Vec::new();
    let mut by_form: BTreeMap<(String, String), Vec<repo::ScoredSitting>> = BTreeMap::new();
    let read = sittings.len() as u64;
    for s in sittings {
        let form = (s.edition.clone(), s.pool_hash.clone());
        if !by_form.contains_key(&form) {
            order.push(form.clone());
        }
        by_form.entry(form).or_default().push(s);
    }
    let forms = order
        .into_iter()
        .filter_map(|form| {
            let sittings = by_form.remove(&form)?;
            let written = written_options(state, &form.0, &form.1, code);
            Some(Form {
                statistics: form_statistics(&sittings, &written, &thresholds),
                edition: form.0,
                pool_hash: form.1,
            })
        })
        .collect();
    Ok(ItemReport {
        qualification: code.to_owned(),
        title: title_of(state, code),
        sittings_read: read,
        sample_limit: limit,
        thresholds,
        forms,
    })
}

/// Each item's options as written in the pool file of this form, by item id, when the
/// form's pool is the one loaded; empty otherwise (options are then put in text order).
fn written_options(
    state: &AppState,
    edition: &str,
    pool_hash: &str,
    code: &str,
) -> BTreeMap<String, Vec<String>> {
    state
        .catalog
        .editions
        .iter()
        .filter(|e| e.edition == edition && e.pool_hash == pool_hash)
        .flat_map(|e| e.qualifications.iter())
        .filter(|q| q.qualification.code == code)
        .flat_map(|q| {
            q.questions
                .iter()
                .flat_map(|question| question.items.iter())
        })
        .map(|i| (i.id.clone(), i.body.options().to_vec()))
        .collect()
}

/// Whether the style picks options, so that selection rates mean something.
fn picks_options(body: &ItemBody) -> bool {
    matches!(
        body,
        ItemBody::Classic { .. } | ItemBody::MultipleResponse { .. }
    )
}

/// Scored all or nothing: matching and assertion/reason give a mark per line.
fn dichotomous(body: &ItemBody) -> bool {
    match body {
        ItemBody::Matching { keys, .. } | ItemBody::AssertionReason { keys, .. } => keys.len() <= 1,
        _ => true,
    }
}

fn key_indexes(body: &ItemBody) -> Vec<usize> {
    match body {
        ItemBody::Classic { key, .. } => vec![*key],
        ItemBody::MultipleResponse { keys, .. } => keys.clone(),
        _ => Vec::new(),
    }
}

/// The fixed option order of an item: as written in the pool when it has the same
/// options, else in text order (each paper shows them shuffled).
fn option_order(item: &PaperItem, written: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    if !picks_options(&item.body) {
        return Vec::new();
    }
    let shown = item.body.options();
    let mut sorted = shown.to_vec();
    sorted.sort();
    match written.get(&item.item_id) {
        Some(w)
            if {
                let mut ws = w.clone();
                ws.sort();
                ws == sorted
            } =>
        {
            w.clone()
        }
        _ => sorted,
    }
}

/// The options a response chose, as indexes into `order`.
fn chosen(item: &PaperItem, response: &Response, order: &[String]) -> Vec<usize> {
    let shown = item.body.options();
    let labels: Vec<&str> = match &item.body {
        ItemBody::Classic { .. } => response.choice.iter().map(String::as_str).collect(),
        ItemBody::MultipleResponse { .. } => response
            .choices
            .iter()
            .flatten()
            .map(String::as_str)
            .collect(),
        _ => Vec::new(),
    };
    let mut picked: Vec<usize> = labels
        .into_iter()
        .filter_map(|l| option_index(l, shown.len()))
        .filter_map(|i| order.iter().position(|o| *o == shown[i]))
        .collect();
    picked.sort_unstable();
    picked.dedup();
    picked
}

/// One form's figures from its sittings.
fn form_statistics(
    sittings: &[repo::ScoredSitting],
    written: &BTreeMap<String, Vec<String>>,
    thresholds: &Thresholds,
) -> FormStatistics {
    let mut facts: Vec<ItemFacts> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut candidates = Vec::new();
    let mut max_score = 0;
    for s in sittings {
        max_score = max_score.max(s.sheet.max_score);
        let mut outcomes = Vec::new();
        for item in &s.paper.items {
            let at = *index.entry(item.item_id.clone()).or_insert_with(|| {
                let options = option_order(item, written);
                let shown = item.body.options();
                let keys = key_indexes(&item.body)
                    .into_iter()
                    .filter_map(|k| shown.get(k))
                    .filter_map(|text| options.iter().position(|o| o == text))
                    .collect();
                facts.push(ItemFacts {
                    item_id: item.item_id.clone(),
                    area: item.area.clone(),
                    pilot: item.pilot,
                    max_marks: item.marks,
                    dichotomous: dichotomous(&item.body),
                    keys,
                    options,
                });
                facts.len() - 1
            });
            outcomes.push(ItemOutcome {
                item: at,
                marks: s.sheet.awarded.get(&item.number).copied().unwrap_or(0),
                chosen: s
                    .answers
                    .get(&item.number)
                    .map(|r| chosen(item, r, &facts[at].options)),
            });
        }
        candidates.push(CandidateOutcome {
            total: s.sheet.score,
            items: outcomes,
        });
    }
    let mut stats = psychometrics::analyse(&facts, &candidates, max_score, thresholds);
    stats.items.sort_by(|a, b| a.item_id.cmp(&b.item_id));
    stats
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
