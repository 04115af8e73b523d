//! Regrading with a versioned key. A key correction says, in an item's own terms as
//! written in the pool, that its key was wrong: a new key, full marks for everyone given
//! the item, or a second accepted key (classic items). Committed corrections are the
//! versions of a qualification's key (version 0 is the pool as shipped, never edited);
//! rescoring applies them, in version order, to a sitting's stored paper and then scores
//! it with [`scoring::score`], so a regrade marks exactly as a first marking would.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::paper::{Paper, PaperItem};
use super::pool::ItemBody;
use super::scheme::Regrading;
use super::scoring::{self, AnswerShape, Response, ResponseError, ScoreSheet};
use super::values::{option_index, option_label};

/// The longest reason an administrator may give.
pub const MAX_REASON_CHARS: usize = 2000;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::AsRefStr,
    strum::EnumString,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CorrectionKind {
    /// The item's key is replaced by `key`, in the item's own answer shape.
    NewKey,
    /// Every candidate given the item gets its full marks, whatever they answered.
    CreditAll,
    /// `key` (one option of a classic item) is accepted beside the key.
    AcceptEither,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::AsRefStr,
    strum::EnumString,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CorrectionStatus {
    /// Recorded; its dry run can be read; not yet applied to anything.
    Draft,
    /// Applied: the next version of the key, by a second administrator.
    Committed,
    /// Given up before it was committed.
    Withdrawn,
}

/// What a correction changes, as positions in the item as written in the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The new key: the one option of a classic item, the options of a multiple-response
    /// item, one option (matching) or grade (assertion/reason) per line, or the steps of
    /// a sequencing item in the right order.
    NewKey(Vec<usize>),
    CreditAll,
    AcceptEither(usize),
}

/// One correction of one item, ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub item_id: String,
    /// The item's options (or steps) as written in the pool when the correction was
    /// recorded: how the shuffled options of a delivered paper are found again.
    pub options: Vec<String>,
    pub change: Change,
}

/// A key correction as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCorrection {
    pub id: Uuid,
    pub qualification: String,
    pub edition: String,
    pub item_id: String,
    pub kind: CorrectionKind,
    /// As [`Correction::options`].
    pub options: Vec<String>,
    /// The new or additionally accepted key, labelled as written in the pool.
    pub key: Option<Response>,
    pub reason: String,
    /// The upheld appeal this correction answers, if any.
    pub appeal_id: Option<Uuid>,
    pub status: CorrectionStatus,
    /// The key version this correction made, once committed (1, 2, …).
    pub version: Option<u32>,
    pub recorded_by: Uuid,
    pub recorded_at: OffsetDateTime,
    /// Who committed or withdrew it, and when.
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<OffsetDateTime>,
}

impl KeyCorrection {
    /// The correction to apply; `None` if the stored key cannot be read as one.
    pub fn correction(&self) -> Option<Correction> {
        let labels = |given: &[String]| -> Option<Vec<usize>> {
            given.iter().map(|l| option_index(l, 26)).collect()
        };
        let change = match self.kind {
            CorrectionKind::CreditAll => Change::CreditAll,
            CorrectionKind::AcceptEither => {
                Change::AcceptEither(option_index(self.key.as_ref()?.choice.as_deref()?, 26)?)
            }
            CorrectionKind::NewKey => {
                let key = self.key.as_ref()?;
                if let Some(choice) = &key.choice {
                    Change::NewKey(vec![option_index(choice, 26)?])
                } else if let Some(choices) = &key.choices {
                    let mut keys = labels(choices)?;
                    keys.sort_unstable();
                    Change::NewKey(keys)
                } else {
                    let given = key.matches.as_ref().or(key.grades.as_ref());
                    Change::NewKey(labels(given.or(key.order.as_ref())?)?)
                }
            }
        };
        Some(Correction {
            item_id: self.item_id.clone(),
            options: self.options.clone(),
            change,
        })
    }

    /// Only another administrator may commit a correction (ISO/IEC 17024 keeps the one
    /// who proposes a decision apart from the one who takes it).
    pub fn may_be_committed_by(&self, who: Uuid) -> bool {
        self.recorded_by != who
    }
}

/// How an item is marked once corrections are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marking {
    /// The item with its key as corrected.
    pub body: ItemBody,
    /// Further accepted options of a classic item.
    pub also: Vec<usize>,
    /// Everyone given the item gets its marks.
    pub credit_all: bool,
}

/// The key positions of a body (as [`Change::NewKey`] holds them).
pub fn keys_of(body: &ItemBody) -> Vec<usize> {
    match body {
        ItemBody::Classic { key, .. } => vec![*key],
        ItemBody::MultipleResponse { keys, .. }
        | ItemBody::Matching { keys, .. }
        | ItemBody::AssertionReason { keys, .. }
        | ItemBody::Sequencing { keys, .. } => keys.clone(),
    }
}

fn with_keys(body: &ItemBody, new: Vec<usize>) -> ItemBody {
    let mut body = body.clone();
    match &mut body {
        ItemBody::Classic { key, .. } => *key = new.first().copied().unwrap_or(*key),
        ItemBody::MultipleResponse { keys, .. }
        | ItemBody::Matching { keys, .. }
        | ItemBody::AssertionReason { keys, .. }
        | ItemBody::Sequencing { keys, .. } => *keys = new,
    }
    body
}

/// The fully correct response to a body, labelled as the body shows its options.
pub fn key_response(body: &ItemBody) -> Response {
    let labels = || Some(keys_of(body).into_iter().map(option_label).collect());
    match body {
        ItemBody::Classic { key, .. } => Response::choice(&option_label(*key)),
        ItemBody::MultipleResponse { .. } => Response {
            choices: labels(),
            ..Response::default()
        },
        ItemBody::Matching { .. } => Response {
            matches: labels(),
            ..Response::default()
        },
        ItemBody::AssertionReason { .. } => Response {
            grades: labels(),
            ..Response::default()
        },
        ItemBody::Sequencing { .. } => Response {
            order: labels(),
            ..Response::default()
        },
    }
}

/// Where each written option is shown: `shown[written]`. `None` when `shown_options`
/// is not a reordering of `written` (the paper was drawn from another text of the item).
fn positions(written: &[String], shown_options: &[String]) -> Option<Vec<usize>> {
    if written.len() != shown_options.len() {
        return None;
    }
    let mut used = vec![false; shown_options.len()];
    written
        .iter()
        .map(|w| {
            let at = (0..shown_options.len()).find(|&i| !used[i] && &shown_options[i] == w)?;
            used[at] = true;
            Some(at)
        })
        .collect()
}

/// `body` marked with `corrections` (those of its item, in version order) applied; the
/// body's options may be shown in another order than written. `None` when no correction
/// applies, or when the options are not those the corrections were recorded against.
pub fn marking(body: &ItemBody, corrections: &[&Correction]) -> Option<Marking> {
    if corrections.is_empty() {
        return None;
    }
    let mut marking = Marking {
        body: body.clone(),
        also: Vec::new(),
        credit_all: false,
    };
    let assertion_reason = matches!(body, ItemBody::AssertionReason { .. });
    for correction in corrections {
        let shown = if assertion_reason {
            // Grades A–E are never shuffled.
            (0..scoring_grades()).collect()
        } else {
            positions(&correction.options, body.options())?
        };
        let at = |k: usize| shown.get(k).copied();
        match &correction.change {
            Change::CreditAll => marking.credit_all = true,
            Change::AcceptEither(k) => marking.also.push(at(*k)?),
            Change::NewKey(keys) => {
                let mut new: Vec<usize> = keys.iter().map(|&k| at(k)).collect::<Option<_>>()?;
                if matches!(body, ItemBody::MultipleResponse { .. }) {
                    new.sort_unstable();
                }
                marking.body = with_keys(&marking.body, new);
            }
        }
    }
    Some(marking)
}

fn scoring_grades() -> usize {
    super::pool::ASSERTION_REASON_GRADES
}

/// The corrections of `item` among `corrections`, in the order given.
fn of_item<'a>(item: &PaperItem, corrections: &'a [Correction]) -> Vec<&'a Correction> {
    corrections
        .iter()
        .filter(|c| c.item_id == item.item_id)
        .collect()
}

/// Whether the paper holds the item.
pub fn holds(paper: &Paper, item_id: &str) -> bool {
    paper.items.iter().any(|i| i.item_id == item_id)
}

/// Scores a stored paper with `corrections` (committed ones in version order, then any
/// draft being tried) applied: corrected keys replace the paper's, a candidate given a
/// credited item is marked as if they had answered it right, and one who chose an
/// additionally accepted option as if they had chosen the key. Then [`scoring::score`].
pub fn rescore(
    paper: &Paper,
    responses: &BTreeMap<u32, Response>,
    pass_mark: u32,
    corrections: &[Correction],
) -> ScoreSheet {
    if corrections.is_empty() {
        return scoring::score(paper, responses, pass_mark);
    }
    let mut paper = paper.clone();
    let mut responses = responses.clone();
    for item in &mut paper.items {
        let Some(marking) = marking(&item.body, &of_item(item, corrections)) else {
            continue;
        };
        item.body = marking.body;
        let accepted = responses
            .get(&item.number)
            .and_then(|r| r.choice.as_deref())
            .and_then(|c| option_index(c, item.body.options().len()))
            .is_some_and(|c| marking.also.contains(&c));
        if marking.credit_all || accepted {
            responses.insert(item.number, key_response(&item.body));
        }
    }
    scoring::score(&paper, &responses, pass_mark)
}

fn refuse(field: &'static str, message: impl Into<String>) -> ResponseError {
    ResponseError {
        field,
        message: message.into(),
    }
}

/// Checks a correction against its item as written in the pool, with the corrections
/// already committed for it applied (`current`), and returns what it changes.
pub fn check(
    current: &Marking,
    kind: CorrectionKind,
    key: Option<&Response>,
) -> Result<Change, ResponseError> {
    let body = &current.body;
    if current.credit_all {
        return Err(refuse(
            "item_id",
            "every candidate already gets full marks for this item",
        ));
    }
    let key = match (kind, key) {
        (CorrectionKind::CreditAll, None) => return Ok(Change::CreditAll),
        (CorrectionKind::CreditAll, Some(_)) => {
            return Err(refuse("key", "credit_all takes no key"));
        }
        (_, None) => {
            return Err(refuse(
                "key",
                format!(
                    "is required: the key, answered with `{}` as on the item",
                    AnswerShape::of(body).field()
                ),
            ));
        }
        (_, Some(key)) => key,
    };
    if kind == CorrectionKind::AcceptEither && !matches!(body, ItemBody::Classic { .. }) {
        return Err(refuse(
            "kind",
            "accept_either is for classic items (one key) only",
        ));
    }
    scoring::check_shape(&AnswerShape::of(body), key)
        .map_err(|e| refuse("key", format!("`{}` {}", e.field, e.message)))?;
    let count = match body {
        ItemBody::AssertionReason { .. } => scoring_grades(),
        other => other.options().len(),
    };
    let given = key
        .choice
        .iter()
        .cloned()
        .chain(
            [&key.choices, &key.matches, &key.grades, &key.order]
                .into_iter()
                .flatten()
                .flatten()
                .cloned(),
        )
        .map(|l| option_index(&l, count))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| refuse("key", "names an option the item does not have"))?;
    if kind == CorrectionKind::AcceptEither {
        let choice = given.first().copied().unwrap_or_default();
        if keys_of(body).contains(&choice) || current.also.contains(&choice) {
            return Err(refuse("key", "is already accepted for this item"));
        }
        return Ok(Change::AcceptEither(choice));
    }
    let mut new = given;
    if let ItemBody::MultipleResponse { choose, .. } = body {
        new.sort_unstable();
        if new.len() != *choose as usize {
            return Err(refuse(
                "key",
                format!("the item asks for {choose} options: give {choose}"),
            ));
        }
    }
    if new == keys_of(body) {
        return Err(refuse("key", "is the item's current key"));
    }
    Ok(Change::NewKey(new))
}

/// The item as written with `corrections` applied (its current key), for [`check`].
pub fn current(body: &ItemBody, options: &[String], corrections: &[Correction]) -> Marking {
    let applied: Vec<&Correction> = corrections
        .iter()
        .filter(|c| c.options == options)
        .collect();
    marking(body, &applied).unwrap_or(Marking {
        body: body.clone(),
        also: Vec::new(),
        credit_all: false,
    })
}

/// What a regrade does to one sitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verdict {
    pub old_score: u32,
    pub old_passed: bool,
    /// What the corrected key gives.
    pub corrected_score: u32,
    /// What the sitting has after the regrade.
    pub new_score: u32,
    pub new_passed: bool,
    /// The old result stands: the corrected key would lower it and the scheme's results
    /// may only rise.
    pub kept: bool,
}

impl Verdict {
    pub fn changed(&self) -> bool {
        !self.kept && (self.old_score != self.new_score || self.old_passed != self.new_passed)
    }

    pub fn pass_to_fail(&self) -> bool {
        self.old_passed && !self.new_passed
    }

    pub fn fail_to_pass(&self) -> bool {
        !self.old_passed && self.new_passed
    }
}

/// Judges a sitting's rescoring under the scheme's policy: a lower score is kept off the
/// record when results may only rise; otherwise the corrected result replaces the old.
pub fn judge(old: &ScoreSheet, corrected: &ScoreSheet, policy: Regrading) -> Verdict {
    let kept = policy.results_may_only_rise && corrected.score < old.score;
    let (new_score, new_passed) = if kept {
        (old.score, old.passed)
    } else {
        (corrected.score, corrected.passed)
    };
    Verdict {
        old_score: old.score,
        old_passed: old.passed,
        corrected_score: corrected.score,
        new_score,
        new_passed,
        kept,
    }
}

/// The dry run's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// Closed, scored sittings whose paper holds the item.
    pub affected: u32,
    /// Whose score changes.
    pub score_changed: u32,
    pub pass_to_fail: u32,
    pub fail_to_pass: u32,
    /// Whose old result stands because results may only rise.
    pub kept: u32,
}

pub fn summarize(verdicts: &[Verdict]) -> Summary {
    let count = |f: fn(&Verdict) -> bool| verdicts.iter().filter(|v| f(v)).count() as u32;
    Summary {
        affected: verdicts.len() as u32,
        score_changed: count(|v| v.old_score != v.new_score),
        pass_to_fail: count(Verdict::pass_to_fail),
        fail_to_pass: count(Verdict::fail_to_pass),
        kept: count(|v| v.kept),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pool::Level;
    use crate::domain::scheme::Area;

    fn written() -> Vec<String> {
        ["w", "x", "y", "z"].map(String::from).to_vec()
    }

    /// A classic item whose options are shown as z, y, x, w (written w, x, y, z), keyed
    /// to written option `key`.
    fn shown_classic(number: u32, key: usize) -> PaperItem {
        let mut options = written();
        options.reverse();
        PaperItem {
            number,
            question: number,
            question_id: format!("q{number}"),
            scenario: None,
            item_id: format!("i{number}"),
            area: "X".into(),
            level: Level::Knowledge,
            clause: "c".into(),
            marks: 1,
            pilot: false,
            stem: "s".into(),
            rationale: "r".into(),
            body: ItemBody::Classic {
                options,
                key: 3 - key,
            },
        }
    }

    fn paper(items: Vec<PaperItem>) -> Paper {
        Paper {
            areas: vec![Area {
                code: "X".into(),
                title: "X".into(),
                summary: None,
            }],
            items,
        }
    }

    fn correction(item: &str, change: Change) -> Correction {
        Correction {
            item_id: item.into(),
            options: written(),
            change,
        }
    }

    /// Three items keyed to written A; the candidate answered the shown labels given.
    fn three(answers: [&str; 3]) -> (Paper, BTreeMap<u32, Response>) {
        let p = paper((1..=3).map(|n| shown_classic(n, 0)).collect());
        let r = answers
            .iter()
            .enumerate()
            .map(|(i, a)| (i as u32 + 1, Response::choice(a)))
            .collect();
        (p, r)
    }

    #[test]
    fn a_new_key_written_in_the_pools_terms_finds_its_shuffled_option() {
        // Written A (w) is shown as D; written B (x) as C.
        let (p, r) = three(["D", "C", "C"]);
        assert_eq!(scoring::score(&p, &r, 2).score, 1);
        let fix = [correction("i2", Change::NewKey(vec![1]))];
        let sheet = rescore(&p, &r, 2, &fix);
        assert_eq!(sheet.score, 2);
        assert!(sheet.passed);
        assert_eq!(sheet.awarded[&2], 1);
        assert_eq!(sheet.awarded[&3], 0, "another item keeps its key");
    }

    #[test]
    fn credit_all_gives_the_marks_to_everyone_given_the_item_even_unanswered() {
        let (p, mut r) = three(["A", "A", "A"]);
        r.remove(&2);
        let sheet = rescore(&p, &r, 1, &[correction("i2", Change::CreditAll)]);
        assert_eq!(sheet.score, 1);
        assert_eq!(sheet.awarded[&2], 1);
    }

    #[test]
    fn accept_either_credits_the_second_option_and_keeps_the_first() {
        let (p, r) = three(["D", "C", "B"]);
        let fix = [correction("i2", Change::AcceptEither(1))];
        let sheet = rescore(&p, &r, 1, &fix);
        assert_eq!((sheet.awarded[&1], sheet.awarded[&2]), (1, 1));
        let (p, r) = three(["D", "D", "B"]);
        assert_eq!(
            rescore(&p, &r, 1, &fix).awarded[&2],
            1,
            "the key still scores"
        );
    }

    #[test]
    fn later_versions_win_over_earlier_ones() {
        let (p, r) = three(["D", "B", "B"]);
        let fix = [
            correction("i2", Change::NewKey(vec![1])),
            correction("i2", Change::NewKey(vec![2])),
        ];
        assert_eq!(rescore(&p, &r, 1, &fix).awarded[&2], 1);
    }

    #[test]
    fn a_paper_with_other_option_texts_is_left_as_marked() {
        let (p, r) = three(["D", "C", "C"]);
        let mut fix = correction("i2", Change::NewKey(vec![1]));
        fix.options[0] = "reworded".into();
        assert_eq!(rescore(&p, &r, 2, &[fix]), scoring::score(&p, &r, 2));
    }

    fn classic_as_written(key: usize) -> ItemBody {
        ItemBody::Classic {
            options: written(),
            key,
        }
    }

    fn fresh(body: ItemBody) -> Marking {
        current(&body, &written(), &[])
    }

    #[test]
    fn a_new_key_must_fit_the_item_and_differ_from_the_current_one() {
        let m = fresh(classic_as_written(0));
        let err = |k: Option<&Response>, kind| check(&m, kind, k).map_err(|e| e.field);
        assert_eq!(
            check(&m, CorrectionKind::NewKey, Some(&Response::choice("B"))),
            Ok(Change::NewKey(vec![1]))
        );
        assert_eq!(
            err(Some(&Response::choice("A")), CorrectionKind::NewKey),
            Err("key")
        );
        assert_eq!(
            err(Some(&Response::choice("E")), CorrectionKind::NewKey),
            Err("key")
        );
        assert_eq!(err(None, CorrectionKind::NewKey), Err("key"));
        assert_eq!(
            err(Some(&Response::choice("B")), CorrectionKind::CreditAll),
            Err("key")
        );
        assert_eq!(
            check(&m, CorrectionKind::CreditAll, None),
            Ok(Change::CreditAll)
        );
    }

    #[test]
    fn the_current_key_is_the_one_after_committed_corrections() {
        let committed = [correction("i1", Change::NewKey(vec![1]))];
        let m = current(&classic_as_written(0), &written(), &committed);
        assert_eq!(
            check(&m, CorrectionKind::NewKey, Some(&Response::choice("B"))).map_err(|e| e.field),
            Err("key")
        );
        assert!(check(&m, CorrectionKind::NewKey, Some(&Response::choice("A"))).is_ok());
    }

    #[test]
    fn accept_either_is_for_classic_items_and_a_key_not_yet_accepted() {
        let m = fresh(classic_as_written(0));
        let accept = |l: &str| check(&m, CorrectionKind::AcceptEither, Some(&Response::choice(l)));
        assert_eq!(accept("C"), Ok(Change::AcceptEither(2)));
        assert_eq!(accept("A").map_err(|e| e.field), Err("key"));
        let multiple = fresh(ItemBody::MultipleResponse {
            options: written(),
            choose: 2,
            keys: vec![0, 1],
        });
        let answer = Response {
            choices: Some(vec!["A".into()]),
            ..Response::default()
        };
        assert_eq!(
            check(&multiple, CorrectionKind::AcceptEither, Some(&answer)).map_err(|e| e.field),
            Err("kind")
        );
    }

    #[test]
    fn a_multiple_response_key_has_as_many_options_as_the_item_asks_for() {
        let m = fresh(ItemBody::MultipleResponse {
            options: written(),
            choose: 2,
            keys: vec![0, 1],
        });
        let choices = |l: &[&str]| Response {
            choices: Some(l.iter().map(|s| (*s).to_owned()).collect()),
            ..Response::default()
        };
        assert_eq!(
            check(&m, CorrectionKind::NewKey, Some(&choices(&["D", "C"]))),
            Ok(Change::NewKey(vec![2, 3]))
        );
        assert!(check(&m, CorrectionKind::NewKey, Some(&choices(&["C"]))).is_err());
        assert!(check(&m, CorrectionKind::NewKey, Some(&choices(&["B", "A"]))).is_err());
    }

    #[test]
    fn a_sequencing_key_follows_the_shuffled_steps() {
        // Written steps w, x, y, z, correct order as written; shown reversed.
        let mut shown = written();
        shown.reverse();
        let body = ItemBody::Sequencing {
            steps: shown,
            keys: vec![3, 2, 1, 0],
        };
        let fix = correction("i1", Change::NewKey(vec![1, 0, 2, 3]));
        let m = marking(&body, &[&fix]).expect("applies");
        assert_eq!(keys_of(&m.body), vec![2, 3, 1, 0]);
    }

    #[test]
    fn a_stored_correction_reads_back_as_the_change_it_made() {
        let record = KeyCorrection {
            id: Uuid::nil(),
            qualification: "q".into(),
            edition: "1".into(),
            item_id: "i1".into(),
            kind: CorrectionKind::NewKey,
            options: written(),
            key: Some(Response {
                order: Some(vec!["B".into(), "A".into()]),
                ..Response::default()
            }),
            reason: "r".into(),
            appeal_id: None,
            status: CorrectionStatus::Draft,
            version: None,
            recorded_by: Uuid::nil(),
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            decided_by: None,
            decided_at: None,
        };
        assert_eq!(
            record.correction().map(|c| c.change),
            Some(Change::NewKey(vec![1, 0]))
        );
        assert!(!record.may_be_committed_by(Uuid::nil()));
        assert!(record.may_be_committed_by(Uuid::max()));
    }

    fn sheet(score: u32, pass_mark: u32) -> ScoreSheet {
        ScoreSheet {
            score,
            max_score: 40,
            pass_mark,
            passed: score >= pass_mark,
            areas: Vec::new(),
            questions: Vec::new(),
            awarded: BTreeMap::new(),
        }
    }

    #[test]
    fn a_pass_that_turns_into_a_fail_stands_only_when_results_may_only_rise() {
        let follow = Regrading::default();
        let rise = Regrading {
            results_may_only_rise: true,
        };
        let v = judge(&sheet(26, 26), &sheet(25, 26), follow);
        assert!(v.pass_to_fail() && !v.kept && v.changed());
        let v = judge(&sheet(26, 26), &sheet(25, 26), rise);
        assert!(!v.pass_to_fail() && v.kept && !v.changed());
        assert_eq!((v.new_score, v.corrected_score), (26, 25));
        let v = judge(&sheet(25, 26), &sheet(26, 26), rise);
        assert!(v.fail_to_pass() && !v.kept);
        let all = summarize(&[
            judge(&sheet(26, 26), &sheet(25, 26), follow),
            judge(&sheet(25, 26), &sheet(26, 26), follow),
            judge(&sheet(30, 26), &sheet(30, 26), follow),
        ]);
        assert_eq!(
            (
                all.affected,
                all.score_changed,
                all.pass_to_fail,
                all.fail_to_pass
            ),
            (3, 2, 1, 1)
        );
    }
}
