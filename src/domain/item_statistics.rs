//! Psychometric item statistics for one form (a qualification, an edition and a pool hash:
//! the papers drawn from one pool): per item its facility, corrected point-biserial,
//! discriminative efficiency, upper–lower discrimination and option analysis, with
//! flags; per paper the mean, standard deviation, KR-20 (or Cronbach's alpha) and the
//! standard error of measurement; per syllabus area the mean facility.
//!
//! Papers are drawn at random, so each candidate sees a subset of the pool: every item
//! figure is computed over the candidates who were given that item, against their
//! scored total. Pilot items (not in the total) get the same figures, against the same
//! total, so they can be promoted or retired.
//!
//! Conventions, chosen once and used everywhere:
//! - Variances and standard deviations are population ones (divided by n), as in the
//!   KR-20 formula, where an item's variance is p·q.
//! - The 27% groups are `round(0.27 · n)` candidates (half up) among those given the
//!   item, ranked by their scored total. Candidates tied at a group's boundary score
//!   share the places left equally (fractional weights), so the result does not depend
//!   on the order the sittings were read in; a group is then exactly 27% of n.
//! - An option's discrimination is its selection rate in the upper group minus that in
//!   the lower group (not an option point-biserial).

use std::collections::BTreeMap;

use serde::Serialize;

/// The share of candidates in each of the upper and lower groups.
pub const GROUP_SHARE_PERCENT: usize = 27;

/// When an item or a paper is flagged. The defaults are justified in the README.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Thresholds {
    /// Facility below this is flagged (too hard, or a wrong key).
    pub facility_low: f64,
    /// Facility above this is flagged (too easy to tell candidates apart).
    pub facility_high: f64,
    /// A corrected point-biserial below this is flagged.
    pub min_point_biserial: f64,
    /// An upper–lower discrimination below this is flagged.
    pub min_upper_lower: f64,
    /// Moodle's "needs checking" rule: a discriminative efficiency below this.
    pub min_efficiency: f64,
    /// No flag is raised for an item given to fewer candidates than this.
    pub min_candidates: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            facility_low: 0.30,
            facility_high: 0.90,
            min_point_biserial: 0.20,
            min_upper_lower: 0.20,
            min_efficiency: 0.15,
            min_candidates: 30,
        }
    }
}

/// What an item of the form is, as the statistics need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFacts {
    pub item_id: String,
    pub area: String,
    pub pilot: bool,
    pub max_marks: u32,
    /// Scored all or nothing (0 or `max_marks`): KR-20 applies when every scored item is.
    pub dichotomous: bool,
    /// The options a candidate picks from, in a fixed order (labelled A, B, … by it);
    /// empty for styles without an option to pick (matching, sequencing, assertion/reason).
    pub options: Vec<String>,
    /// Indexes into `options` of the key(s).
    pub keys: Vec<usize>,
}

/// One candidate's outcome on one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    /// Index into the form's items.
    pub item: usize,
    pub marks: u32,
    /// The options chosen (indexes into the item's `options`); `None` when no answer
    /// was saved.
    pub chosen: Option<Vec<usize>>,
}

/// One scored sitting: its total (pilot items excluded) and every item it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateOutcome {
    pub total: u32,
    pub items: Vec<ItemOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Facility below the band.
    FacilityLow,
    /// Facility above the band.
    FacilityHigh,
    /// Corrected point-biserial below the threshold (or negative).
    LowPointBiserial,
    /// Upper–lower discrimination below the threshold.
    LowUpperLower,
    /// Moodle's rule: discriminative efficiency below the threshold.
    NeedsChecking,
    /// A distractor nobody chose.
    UnusedDistractor,
    /// A key chosen more by the lower group than by the upper one.
    KeyNegative,
}

impl Flag {
    pub fn code(self) -> &'static str {
        match self {
            Flag::FacilityLow => "facility_low",
            Flag::FacilityHigh => "facility_high",
            Flag::LowPointBiserial => "low_point_biserial",
            Flag::LowUpperLower => "low_upper_lower",
            Flag::NeedsChecking => "needs_checking",
            Flag::UnusedDistractor => "unused_distractor",
            Flag::KeyNegative => "key_negative",
        }
    }

    /// In words, for the page.
    pub fn describe(self) -> &'static str {
        match self {
            Flag::FacilityLow => "facility below the band",
            Flag::FacilityHigh => "facility above the band",
            Flag::LowPointBiserial => "point-biserial below the threshold",
            Flag::LowUpperLower => "upper–lower discrimination below the threshold",
            Flag::NeedsChecking => "needs checking (discriminative efficiency)",
            Flag::UnusedDistractor => "a distractor nobody chose",
            Flag::KeyNegative => "key chosen more by weaker candidates",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OptionStatistics {
    /// A, B, … in the item's fixed option order.
    pub label: String,
    pub text: String,
    pub key: bool,
    /// The share of the candidates given the item who chose it.
    pub rate: f64,
    /// Selection rate in the upper 27% group minus that in the lower group; null when
    /// there are no groups (fewer than two candidates, or all totals equal).
    pub discrimination: Option<f64>,
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemStatistics {
    pub item_id: String,
    pub area: String,
    pub pilot: bool,
    pub max_marks: u32,
    /// How many candidates were given the item.
    pub candidates: u64,
    /// Mean mark over maximum mark.
    pub facility: f64,
    /// Pearson correlation of the item's marks with the total minus the item (for a
    /// pilot item, with the total, which never includes it); null without variance.
    pub point_biserial: Option<f64>,
    /// Moodle's discriminative efficiency: the covariance of item and rest over the
    /// largest covariance their marks allow (both sorted); null without variance.
    pub efficiency: Option<f64>,
    /// Mean mark in the upper 27% group minus that in the lower, over maximum mark.
    pub upper_lower: Option<f64>,
    /// The share of candidates who saved no answer.
    pub omitted: f64,
    pub options: Vec<OptionStatistics>,
    /// Empty when fewer than `min_candidates` were given the item.
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReliabilityMethod {
    /// Every scored item is scored right or wrong.
    Kr20,
    /// Some scored item gives partial credit.
    CronbachAlpha,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PaperStatistics {
    pub candidates: u64,
    pub max_score: u32,
    pub mean: f64,
    pub sd: f64,
    pub method: ReliabilityMethod,
    /// KR-20 or alpha; null with fewer than two candidates or scored items per paper,
    /// when every total is the same, or when the estimate comes out above 1 (with papers
    /// drawn at random, items given to few candidates can push it there; see
    /// `paper_statistics`): read it once every item has been given to many candidates.
    pub reliability: Option<f64>,
    /// SD × √(1 − reliability), a negative reliability taken as 0.
    pub sem: Option<f64>,
    /// Scored items per paper (the mean, should papers differ).
    pub items_per_paper: f64,
    /// How many candidates had each total, from 0 to `max_score`.
    pub histogram: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AreaStatistics {
    pub area: String,
    /// Scored items of the area given to anyone (pilot items are left out).
    pub items: u64,
    /// The unweighted mean of those items' facilities.
    pub mean_facility: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FormStatistics {
    pub paper: PaperStatistics,
    pub items: Vec<ItemStatistics>,
    pub areas: Vec<AreaStatistics>,
}

/// `round(0.27 · n)`, half up.
pub fn group_size(n: usize) -> usize {
    (n * GROUP_SHARE_PERCENT + 50) / 100
}

/// Each candidate's weight in the upper and in the lower group, by `totals`; `None`
/// when a group would be empty or every total is the same. Candidates tied at a group's
/// boundary share the places left equally, so each group's weights add up to
/// `group_size(n)`.
pub fn group_weights(totals: &[u32]) -> Option<(Vec<f64>, Vec<f64>)> {
    let g = group_size(totals.len());
    let (low, high) = (totals.iter().min()?, totals.iter().max()?);
    if g == 0 || low == high {
        return None;
    }
    let weights = |descending: bool| -> Vec<f64> {
        let mut sorted = totals.to_vec();
        sorted.sort_unstable();
        if descending {
            sorted.reverse();
        }
        let boundary = sorted[g - 1];
        let inside = |t: u32| {
            if descending {
                t > boundary
            } else {
                t < boundary
            }
        };
        let clear = totals.iter().filter(|t| inside(**t)).count();
        let tied = totals.iter().filter(|t| **t == boundary).count();
        let share = (g - clear) as f64 / tied as f64;
        totals
            .iter()
            .map(|&t| {
                if inside(t) {
                    1.0
                } else if t == boundary {
                    share
                } else {
                    0.0
                }
            })
            .collect()
    };
    Some((weights(true), weights(false)))
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Population covariance.
fn covariance(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    mean(
        &x.iter()
            .zip(y)
            .map(|(a, b)| (a - mx) * (b - my))
            .collect::<Vec<_>>(),
    )
}

fn variance(x: &[f64]) -> f64 {
    covariance(x, x)
}

/// Pearson's r; `None` when either side has no variance.
pub fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let (vx, vy) = (variance(x), variance(y));
    (x.len() >= 2 && vx > 0.0 && vy > 0.0).then(|| covariance(x, y) / (vx * vy).sqrt())
}

/// Moodle's discriminative efficiency: cov(x, y) over the covariance of x and y each
/// sorted ascending (the largest their values allow).
pub fn efficiency(x: &[f64], y: &[f64]) -> Option<f64> {
    let mut xs = x.to_vec();
    let mut ys = y.to_vec();
    xs.sort_by(f64::total_cmp);
    ys.sort_by(f64::total_cmp);
    let most = covariance(&xs, &ys);
    (x.len() >= 2 && most > 0.0).then(|| covariance(x, y) / most)
}

/// One candidate's answer to an item, as the item's figures need it.
struct Given<'a> {
    total: u32,
    marks: u32,
    chosen: Option<&'a [usize]>,
}

/// Every figure of a form from its candidates' outcomes.
pub fn analyse(
    items: &[ItemFacts],
    candidates: &[CandidateOutcome],
    max_score: u32,
    thresholds: &Thresholds,
) -> FormStatistics {
    let mut given: Vec<Vec<Given>> = items.iter().map(|_| Vec::new()).collect();
    for c in candidates {
        for o in &c.items {
            if let Some(list) = given.get_mut(o.item) {
                list.push(Given {
                    total: c.total,
                    marks: o.marks,
                    chosen: o.chosen.as_deref(),
                });
            }
        }
    }
    let stats: Vec<ItemStatistics> = items
        .iter()
        .zip(&given)
        .filter(|(_, g)| !g.is_empty())
        .map(|(facts, g)| item_statistics(facts, g, thresholds))
        .collect();
    FormStatistics {
        paper: paper_statistics(items, candidates, max_score),
        areas: areas(&stats),
        items: stats,
    }
}

fn item_statistics(facts: &ItemFacts, given: &[Given], t: &Thresholds) -> ItemStatistics {
    let n = given.len();
    let max = f64::from(facts.max_marks.max(1));
    let marks: Vec<f64> = given.iter().map(|g| f64::from(g.marks)).collect();
    // A scored item is part of the total; a pilot item never is.
    let rest: Vec<f64> = given
        .iter()
        .map(|g| {
            let own = if facts.pilot { 0 } else { g.marks };
            f64::from(g.total) - f64::from(own)
        })
        .collect();
    let totals: Vec<u32> = given.iter().map(|g| g.total).collect();
    let groups = group_weights(&totals);
    let g = group_size(n) as f64;
    let group_means = |value: &dyn Fn(&Given) -> f64| -> Option<f64> {
        let (upper, lower) = groups.as_ref()?;
        let side = |w: &[f64]| given.iter().zip(w).map(|(c, w)| w * value(c)).sum::<f64>() / g;
        Some(side(upper) - side(lower))
    };
    let facility = mean(&marks) / max;
    let upper_lower = group_means(&|c| f64::from(c.marks)).map(|d| d / max);
    let point_biserial = correlation(&marks, &rest);
    let efficiency = efficiency(&marks, &rest);
    let omitted = given.iter().filter(|c| c.chosen.is_none()).count() as f64 / n as f64;
    let flagging = n as u64 >= t.min_candidates;
    let options: Vec<OptionStatistics> = facts
        .options
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let picked =
                |c: &Given| f64::from(u8::from(c.chosen.is_some_and(|o| o.contains(&index))));
            let rate = given.iter().map(picked).sum::<f64>() / n as f64;
            let discrimination = group_means(&picked);
            let key = facts.keys.contains(&index);
            let mut flags = Vec::new();
            if flagging && !key && rate == 0.0 {
                flags.push(Flag::UnusedDistractor);
            }
            if flagging && key && discrimination.is_some_and(|d| d < 0.0) {
                flags.push(Flag::KeyNegative);
            }
            OptionStatistics {
                label: crate::domain::values::option_label(index),
                text: text.clone(),
                key,
                rate,
                discrimination,
                flags,
            }
        })
        .collect();
    let mut flags = Vec::new();
    if flagging {
        if facility < t.facility_low {
            flags.push(Flag::FacilityLow);
        }
        if facility > t.facility_high {
            flags.push(Flag::FacilityHigh);
        }
        if point_biserial.is_some_and(|r| r < t.min_point_biserial) {
            flags.push(Flag::LowPointBiserial);
        }
        if upper_lower.is_some_and(|d| d < t.min_upper_lower) {
            flags.push(Flag::LowUpperLower);
        }
        if efficiency.is_some_and(|e| e < t.min_efficiency) {
            flags.push(Flag::NeedsChecking);
        }
        flags.extend(options.iter().flat_map(|o| o.flags.iter().copied()));
        flags.sort_unstable();
        flags.dedup();
    }
    ItemStatistics {
        item_id: facts.item_id.clone(),
        area: facts.area.clone(),
        pilot: facts.pilot,
        max_marks: facts.max_marks,
        candidates: n as u64,
        facility,
        point_biserial,
        efficiency,
        upper_lower,
        omitted,
        options,
        flags,
    }
}

/// KR-20 / alpha with papers drawn at random: `k / (k − 1) · (1 − Σσ²ᵢ / σ²ₓ)`, where
/// `k` is the number of scored items per paper and `Σσ²ᵢ` the sum of the item variances
/// of a paper, averaged over the candidates' papers (each item's variance taken over the
/// candidates given it). When everyone sat the same items it is the textbook formula.
fn paper_statistics(
    items: &[ItemFacts],
    candidates: &[CandidateOutcome],
    max_score: u32,
) -> PaperStatistics {
    let n = candidates.len();
    let totals: Vec<f64> = candidates.iter().map(|c| f64::from(c.total)).collect();
    let mut histogram = vec![0u64; max_score as usize + 1];
    for c in candidates {
        let last = histogram.len() - 1;
        histogram[(c.total as usize).min(last)] += 1;
    }
    let mut marks: Vec<Vec<f64>> = items.iter().map(|_| Vec::new()).collect();
    for o in candidates.iter().flat_map(|c| &c.items) {
        if let Some(m) = marks.get_mut(o.item) {
            m.push(f64::from(o.marks));
        }
    }
    let item_variance: Vec<f64> = marks.iter().map(|m| variance(m)).collect();
    let scored = |o: &&ItemOutcome| items.get(o.item).is_some_and(|i| !i.pilot);
    let per_paper: Vec<f64> = candidates
        .iter()
        .map(|c| c.items.iter().filter(scored).count() as f64)
        .collect();
    let variance_sums: Vec<f64> = candidates
        .iter()
        .map(|c| {
            c.items
                .iter()
                .filter(scored)
                .map(|o| item_variance[o.item])
                .sum()
        })
        .collect();
    let k = mean(&per_paper);
    let total_variance = variance(&totals);
    // Items given to few candidates have their variance underestimated (one candidate:
    // none at all), which can push the estimate past 1. No reliability is above 1, so
    // such an estimate is withheld rather than shown as a perfect 1.0.
    let reliability = (n >= 2 && k >= 2.0 && total_variance > 0.0)
        .then(|| k / (k - 1.0) * (1.0 - mean(&variance_sums) / total_variance))
        .filter(|r| *r <= 1.0);
    let sd = total_variance.sqrt();
    let method = if items.iter().filter(|i| !i.pilot).all(|i| i.dichotomous) {
        ReliabilityMethod::Kr20
    } else {
        ReliabilityMethod::CronbachAlpha
    };
    PaperStatistics {
        candidates: n as u64,
        max_score,
        mean: mean(&totals),
        sd,
        method,
        reliability,
        sem: reliability.map(|r| sd * (1.0 - r.max(0.0)).sqrt()),
        items_per_paper: k,
        histogram,
    }
}

fn areas(items: &[ItemStatistics]) -> Vec<AreaStatistics> {
    let mut by_area: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for i in items {
        let entry = by_area.entry(i.area.as_str()).or_default();
        if !i.pilot {
            entry.push(i.facility);
        }
    }
    by_area
        .into_iter()
        .map(|(area, f)| AreaStatistics {
            area: area.to_owned(),
            items: f.len() as u64,
            mean_facility: (!f.is_empty()).then(|| mean(&f)),
        })
        .collect()
}

/// The CSV export's header: one row per item per form.
pub const CSV_HEADER: [&str; 14] = [
    "qualification",
    "edition",
    "pool_hash",
    "item_id",
    "area",
    "pilot",
    "candidates",
    "facility",
    "point_biserial",
    "efficiency",
    "upper_lower",
    "omitted",
    "flags",
    "options",
];

/// A figure to four decimals; empty when there is none.
pub fn figure(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// One item's options in a cell: `A (key) 0.4000 D 1.0000; B 0.4000 D 0.0000; …`.
fn options_cell(options: &[OptionStatistics]) -> String {
    options
        .iter()
        .map(|o| {
            let key = if o.key { " (key)" } else { "" };
            let d = o
                .discrimination
                .map(|d| format!(" D {d:.4}"))
                .unwrap_or_default();
            format!("{}{key} {:.4}{d}", o.label, o.rate)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every item of every form as CSV, every cell made safe for spreadsheets. `forms` are
/// (edition, pool hash, figures).
pub fn items_csv(
    qualification: &str,
    forms: &[(&str, &str, &FormStatistics)],
) -> Result<Vec<u8>, csv::Error> {
    use super::ato::spreadsheet_safe;
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER.map(spreadsheet_safe))?;
    for (edition, pool_hash, form) in forms {
        for i in &form.items {
            let flags: Vec<&str> = i.flags.iter().map(|f| f.code()).collect();
            // Text cells are made safe; figures are written by us and stay numbers
            // (a negative one starts with '-' but is no formula).
            let text = |c: &str| spreadsheet_safe(c);
            writer.write_record([
                text(qualification),
                text(edition),
                text(pool_hash),
                text(&i.item_id),
                text(&i.area),
                i.pilot.to_string(),
                i.candidates.to_string(),
                figure(Some(i.facility)),
                figure(i.point_biserial),
                figure(i.efficiency),
                figure(i.upper_lower),
                figure(Some(i.omitted)),
                text(&flags.join(";")),
                text(&options_cell(&i.options)),
            ])?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
#[path = "item_statistics_tests.rs"]
mod tests;
