//! The examination statistics: per qualification, the sittings scored, the pass rate, a
//! histogram of the scores and each item's facility, drawn as SVG by the template (no
//! script, nothing fetched) with a table of the same numbers beside each chart.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::statistics::{self as figures, ITEM_SAMPLE, QualificationStatistics};
use crate::domain::role::Role;
use crate::state::AppState;
use crate::web::page::{self, Chrome, PageError};
use crate::web::session::Visitor;

/// The drawing area of a chart, in SVG units: left and top margins, width and height.
const LEFT: f64 = 48.0;
const TOP: f64 = 12.0;
const WIDTH: f64 = 580.0;
const HEIGHT: f64 = 180.0;
/// The most bars a histogram has; beyond it, scores are grouped.
const MAX_BARS: usize = 50;

/// One bar, placed, with what it stands for.
pub struct Bar {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    pub label: String,
    pub value: u64,
}

pub struct ScoreRange {
    pub label: String,
    pub sittings: u64,
}

pub struct ItemRow {
    pub item_id: String,
    pub area: String,
    pub pilot: bool,
    pub given: u64,
    pub scored: u64,
    pub percent: u32,
}

pub struct QualificationView {
    pub code: String,
    pub title: String,
    pub sittings: u64,
    pub passed: u64,
    pub pass_percent: u32,
    pub max_score: u32,
    pub pass_mark: Option<u32>,
    /// The histogram: its bars, the tallest count, where the pass mark falls, the labels
    /// under the first and last bar.
    pub bars: Vec<Bar>,
    pub tallest: u64,
    pub pass_x: Option<String>,
    pub ranges: Vec<ScoreRange>,
    pub sample: u64,
    pub items: Vec<ItemRow>,
    pub item_bars: Vec<Bar>,
}

fn num(v: f64) -> String {
    format!("{v:.1}")
}

/// Bars for `values` across the drawing area, scaled so that `top` is full height.
fn bars(values: &[(String, u64)], top: u64) -> Vec<Bar> {
    let n = values.len().max(1) as f64;
    let slot = WIDTH / n;
    let gap = if slot > 6.0 { slot * 0.15 } else { 0.0 };
    values
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let height = if top == 0 {
                0.0
            } else {
                HEIGHT * (*value as f64) / (top as f64)
            };
            Bar {
                x: num(LEFT + slot * i as f64 + gap / 2.0),
                y: num(TOP + HEIGHT - height),
                width: num((slot - gap).max(0.5)),
                height: num(height),
                label: label.clone(),
                value: *value,
            }
        })
        .collect()
}

/// The score histogram's ranges: one score each, or equal groups of scores when there
/// are more than `MAX_BARS` possible scores.
fn ranges(scores: &[u64]) -> Vec<ScoreRange> {
    let width = scores.len().div_ceil(MAX_BARS).max(1);
    scores
        .chunks(width)
        .enumerate()
        .map(|(i, chunk)| {
            let low = i * width;
            let high = low + chunk.len() - 1;
            ScoreRange {
                label: if low == high {
                    low.to_string()
                } else {
                    format!("{low}–{high}")
                },
                sittings: chunk.iter().sum(),
            }
        })
        .collect()
}

impl QualificationView {
    fn new(s: QualificationStatistics) -> Self {
        let ranges = ranges(&s.scores);
        let tallest = ranges.iter().map(|r| r.sittings).max().unwrap_or(0);
        let values: Vec<(String, u64)> = ranges
            .iter()
            .map(|r| (r.label.clone(), r.sittings))
            .collect();
        let pass_x = s
            .pass_mark
            .filter(|_| !s.scores.is_empty())
            .map(|mark| num(LEFT + WIDTH * f64::from(mark) / s.scores.len() as f64));
        let items: Vec<ItemRow> = s
            .items
            .iter()
            .map(|i| ItemRow {
                item_id: i.item_id.clone(),
                area: i.area.clone(),
                pilot: i.pilot,
                given: i.given,
                scored: i.scored,
                percent: i.percent(),
            })
            .collect();
        let facility: Vec<(String, u64)> = items
            .iter()
            .map(|i| (i.item_id.clone(), u64::from(i.percent)))
            .collect();
        Self {
            pass_percent: s.pass_percent(),
            code: s.qualification,
            title: s.title,
            sittings: s.sittings,
            passed: s.passed,
            max_score: s.max_score,
            pass_mark: s.pass_mark,
            bars: bars(&values, tallest),
            tallest,
            pass_x,
            ranges,
            sample: s.sample,
            item_bars: bars(&facility, 100),
            items,
        }
    }
}

#[derive(Template)]
#[template(path = "web/admin/statistics.html")]
struct StatisticsPage {
    chrome: Chrome,
    qualifications: Vec<QualificationView>,
    sample_limit: u64,
}

#[get("/admin/statistics")]
pub async fn statistics(
    state: web::Data<AppState>,
    visitor: Visitor,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let found = figures::by_qualification(&state)
        .await
        .map_err(|e| PageError::Unexpected(e.into()))?;
    page::ok(
        &visitor,
        &StatisticsPage {
            chrome: Chrome::new(&visitor, "Statistics"),
            qualifications: found.into_iter().map(QualificationView::new).collect(),
            sample_limit: ITEM_SAMPLE,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_one_scores_are_grouped_in_pairs_and_the_last_stands_alone() {
        let mut scores = vec![0u64; 61];
        scores[60] = 3;
        scores[26] = 1;
        scores[27] = 2;
        let r = ranges(&scores);
        assert_eq!(r.len(), 31);
        assert_eq!((r[13].label.as_str(), r[13].sittings), ("26–27", 3));
        assert_eq!((r[30].label.as_str(), r[30].sittings), ("60", 3));
        assert_eq!(ranges(&[0; 41]).len(), 41);
    }

    #[test]
    fn a_short_scale_has_one_bar_per_score_and_the_tallest_fills_the_height() {
        let r = ranges(&[1, 0, 2]);
        let labels: Vec<&str> = r.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["0", "1", "2"]);
        let drawn = bars(&[("a".into(), 1), ("b".into(), 2)], 2);
        assert_eq!(drawn[1].height, num(HEIGHT));
        assert_eq!(drawn[0].height, num(HEIGHT / 2.0));
    }
}
