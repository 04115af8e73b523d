//! The examination statistics: per qualification, the sittings scored, the pass rate, a
//! histogram of the scores and each item's facility, drawn as SVG by the template (no
//! script, nothing fetched) with a table of the same numbers beside each chart; and per
//! qualification the item statistics, form by form (`/admin/statistics/{code}`), with a
//! score histogram, a facility–discrimination scatter plot and a CSV export.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::statistics::{
    self as figures, ITEM_SAMPLE, ItemReport, ItemStatisticsError, QualificationStatistics,
};
use crate::domain::item_statistics::{FormStatistics, ReliabilityMethod, Thresholds, figure};
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

impl From<ItemStatisticsError> for PageError {
    fn from(e: ItemStatisticsError) -> Self {
        match e {
            ItemStatisticsError::UnknownQualification(_) => PageError::NotFound,
            ItemStatisticsError::Unexpected(e) => PageError::Unexpected(e),
        }
    }
}

/// The scatter plot's drawing area: facility 0–1 across, point-biserial −1 to 1 up.
const PLOT_HEIGHT: f64 = 240.0;

fn plot_x(facility: f64) -> f64 {
    LEFT + WIDTH * facility.clamp(0.0, 1.0)
}

fn plot_y(r: f64) -> f64 {
    TOP + PLOT_HEIGHT * (1.0 - (r.clamp(-1.0, 1.0) + 1.0) / 2.0)
}

pub struct Point {
    pub x: String,
    pub y: String,
    pub label: String,
    pub flagged: bool,
}

pub struct ItemLine {
    pub item_id: String,
    pub area: String,
    pub pilot: bool,
    pub candidates: u64,
    pub facility: String,
    pub point_biserial: String,
    pub efficiency: String,
    pub upper_lower: String,
    pub flags: Vec<&'static str>,
    pub options: Vec<String>,
}

pub struct AreaLine {
    pub area: String,
    pub items: u64,
    pub facility: String,
}

pub struct FormView {
    pub id: String,
    pub edition: String,
    pub pool_hash: String,
    pub candidates: u64,
    pub max_score: u32,
    pub mean: String,
    pub sd: String,
    pub method: &'static str,
    pub reliability: String,
    pub sem: String,
    pub items_per_paper: String,
    pub bars: Vec<Bar>,
    pub tallest: u64,
    pub ranges: Vec<ScoreRange>,
    pub points: Vec<Point>,
    pub undrawn: usize,
    pub flagged: usize,
    pub band: (String, String),
    pub threshold_y: String,
    pub items: Vec<ItemLine>,
    pub areas: Vec<AreaLine>,
}

fn or_dash(value: Option<f64>) -> String {
    let f = figure(value);
    if f.is_empty() { "–".to_owned() } else { f }
}

impl FormView {
    fn new(
        index: usize,
        edition: String,
        pool_hash: String,
        s: FormStatistics,
        t: &Thresholds,
    ) -> Self {
        let ranges = ranges(&s.paper.histogram);
        let tallest = ranges.iter().map(|r| r.sittings).max().unwrap_or(0);
        let values: Vec<(String, u64)> = ranges
            .iter()
            .map(|r| (r.label.clone(), r.sittings))
            .collect();
        let points: Vec<Point> = s
            .items
            .iter()
            .filter_map(|i| {
                let r = i.point_biserial?;
                Some(Point {
                    x: num(plot_x(i.facility)),
                    y: num(plot_y(r)),
                    label: format!(
                        "{}: facility {:.2}, point-biserial {r:.2}",
                        i.item_id, i.facility
                    ),
                    flagged: !i.flags.is_empty(),
                })
            })
            .collect();
        let items: Vec<ItemLine> = s
            .items
            .iter()
            .map(|i| ItemLine {
                item_id: i.item_id.clone(),
                area: i.area.clone(),
                pilot: i.pilot,
                candidates: i.candidates,
                facility: figure(Some(i.facility)),
                point_biserial: or_dash(i.point_biserial),
                efficiency: or_dash(i.efficiency),
                upper_lower: or_dash(i.upper_lower),
                flags: i.flags.iter().map(|f| f.describe()).collect(),
                options: i
                    .options
                    .iter()
                    .map(|o| {
                        format!(
                            "{}{} {:.2} (D {})",
                            o.label,
                            if o.key { " (key)" } else { "" },
                            o.rate,
                            o.discrimination
                                .map(|d| format!("{d:.2}"))
                                .unwrap_or_else(|| "–".into())
                        )
                    })
                    .collect(),
            })
            .collect();
        Self {
            id: format!("form-{}", index + 1),
            edition,
            pool_hash,
            candidates: s.paper.candidates,
            max_score: s.paper.max_score,
            mean: format!("{:.2}", s.paper.mean),
            sd: format!("{:.2}", s.paper.sd),
            method: match s.paper.method {
                ReliabilityMethod::Kr20 => "KR-20",
                ReliabilityMethod::CronbachAlpha => {
                    "Cronbach's alpha (some items give partial credit)"
                }
            },
            reliability: or_dash(s.paper.reliability),
            sem: or_dash(s.paper.sem),
            items_per_paper: format!("{:.1}", s.paper.items_per_paper),
            bars: bars(&values, tallest),
            tallest,
            ranges,
            undrawn: s.items.len() - points.len(),
            flagged: s.items.iter().filter(|i| !i.flags.is_empty()).count(),
            points,
            band: (num(plot_x(t.facility_low)), num(plot_x(t.facility_high))),
            threshold_y: num(plot_y(t.min_point_biserial)),
            areas: s
                .areas
                .iter()
                .map(|a| AreaLine {
                    area: a.area.clone(),
                    items: a.items,
                    facility: or_dash(a.mean_facility),
                })
                .collect(),
            items,
        }
    }
}

#[derive(Template)]
#[template(path = "web/admin/item_statistics.html")]
struct ItemStatisticsPage {
    chrome: Chrome,
    code: String,
    title: String,
    sittings_read: u64,
    sample_limit: u64,
    thresholds: Thresholds,
    forms: Vec<FormView>,
}

#[get("/admin/statistics/{qualification}")]
pub async fn item_statistics(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let ItemReport {
        qualification,
        title,
        sittings_read,
        sample_limit,
        thresholds,
        forms,
    } = figures::items(&state, &path).await?;
    let forms = forms
        .into_iter()
        .enumerate()
        .map(|(i, f)| FormView::new(i, f.edition, f.pool_hash, f.statistics, &thresholds))
        .collect();
    page::ok(
        &visitor,
        &ItemStatisticsPage {
            chrome: Chrome::new(&visitor, format!("Item statistics: {title}")),
            code: qualification,
            title,
            sittings_read,
            sample_limit,
            thresholds,
            forms,
        },
    )
}

/// The item statistics as a spreadsheet, as the API exports them.
#[get("/admin/statistics/{qualification}/items.csv")]
pub async fn item_statistics_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    visitor.with_role(Role::Admin)?;
    let report = figures::items(&state, &path).await?;
    let bytes = report.csv().map_err(|e| PageError::Unexpected(e.into()))?;
    Ok(visitor.finish(
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"items-{}.csv\"",
                    report.qualification
                ),
            ))
            .body(bytes),
    ))
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

    #[test]
    fn the_scatter_plot_puts_facility_across_and_the_point_biserial_up() {
        // Facility 0 at the left edge, 1 at the right; r = 1 at the top, 0 in the middle,
        // −1 at the bottom of the 240-unit plot; values outside are kept on the edge.
        assert_eq!(
            (plot_x(0.0), plot_x(1.0), plot_x(0.5)),
            (48.0, 628.0, 338.0)
        );
        assert_eq!(
            (plot_y(1.0), plot_y(0.0), plot_y(-1.0)),
            (12.0, 132.0, 252.0)
        );
        assert_eq!((plot_x(1.5), plot_y(-3.0)), (628.0, 252.0));
    }
}
