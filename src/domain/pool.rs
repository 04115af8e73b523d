//! Question items in every objective-testing style, parsed from item files and
//! validated. Validation returns every problem found, each with its file and item id.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::values::{option_index, option_label};

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Knowledge,
    Comprehension,
    Application,
    Analysis,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    #[default]
    Classic,
    MultipleResponse,
    Matching,
    AssertionReason,
    Sequencing,
}

impl Style {
    /// The name a pool file and the API spell it with.
    pub fn name(self) -> &'static str {
        match self {
            Style::Classic => "classic",
            Style::MultipleResponse => "multiple_response",
            Style::Matching => "matching",
            Style::AssertionReason => "assertion_reason",
            Style::Sequencing => "sequencing",
        }
    }

    /// How a page names it to candidates.
    pub fn label(self) -> &'static str {
        match self {
            Style::Classic => "multiple choice",
            Style::MultipleResponse => "multiple response",
            Style::Matching => "matching",
            Style::AssertionReason => "assertion-reason",
            Style::Sequencing => "sequencing",
        }
    }
}

/// One item file: standalone `[[item]]`s and scenario `[[question]]`s.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFile {
    #[serde(default, rename = "item")]
    pub items: Vec<RawItem>,
    #[serde(default, rename = "question")]
    pub questions: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: String,
    pub area: String,
    pub scenario: String,
    #[serde(default)]
    pub pilot: bool,
    /// Items or questions this scenario must never share a paper with.
    #[serde(default)]
    pub enemies: Vec<String>,
    #[serde(rename = "item")]
    pub items: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawLine {
    Text(String),
    AssertionReason { assertion: String, reason: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItem {
    pub id: String,
    #[serde(default)]
    pub area: Option<String>,
    pub level: Level,
    pub clause: String,
    #[serde(default)]
    pub style: Style,
    #[serde(default = "one")]
    pub marks: u32,
    #[serde(default)]
    pub pilot: bool,
    pub stem: String,
    pub rationale: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub choose: Option<u32>,
    #[serde(default)]
    pub lines: Vec<RawLine>,
    #[serde(default)]
    pub steps: Vec<String>,
    /// Items this one must never share a paper with (one gives the other's answer away).
    /// The relation is symmetric: naming it on either side is enough.
    #[serde(default)]
    pub enemies: Vec<String>,
}

fn one() -> u32 {
    1
}

/// The five grades of an assertion/reason line.
pub const ASSERTION_REASON_GRADES: usize = 5;

/// What the grades A to E of an assertion/reason line mean, as every page says them.
pub const GRADE_MEANINGS: [&str; ASSERTION_REASON_GRADES] = [
    "Both true, and the reason explains the assertion",
    "Both true, but the reason does not explain the assertion",
    "The assertion is true, the reason is false",
    "The assertion is false, the reason is true",
    "Both false",
];

/// What the candidate works with, and the key, for each style. Option and line indexes
/// are positions in the lists as written (0 = A).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "style", rename_all = "snake_case")]
pub enum ItemBody {
    Classic {
        options: Vec<String>,
        key: usize,
    },
    MultipleResponse {
        options: Vec<String>,
        choose: u32,
        keys: Vec<usize>,
    },
    Matching {
        lines: Vec<String>,
        options: Vec<String>,
        keys: Vec<usize>,
    },
    AssertionReason {
        lines: Vec<(String, String)>,
        keys: Vec<usize>,
    },
    /// Steps as written or shown; `keys` lists their positions in the correct order
    /// (as written, the steps are in the correct order: `keys` is 0, 1, 2, …).
    Sequencing {
        steps: Vec<String>,
        keys: Vec<usize>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub area: String,
    pub level: Level,
    pub clause: String,
    pub marks: u32,
    pub pilot: bool,
    pub stem: String,
    pub rationale: String,
    pub body: ItemBody,
}

impl ItemBody {
    pub fn style(&self) -> Style {
        match self {
            ItemBody::Classic { .. } => Style::Classic,
            ItemBody::MultipleResponse { .. } => Style::MultipleResponse,
            ItemBody::Matching { .. } => Style::Matching,
            ItemBody::AssertionReason { .. } => Style::AssertionReason,
            ItemBody::Sequencing { .. } => Style::Sequencing,
        }
    }

    /// What the candidate picks from, in the order written or delivered: the options, or
    /// for sequencing the steps (empty for assertion/reason, graded A–E).
    pub fn options(&self) -> &[String] {
        match self {
            ItemBody::Classic { options, .. }
            | ItemBody::MultipleResponse { options, .. }
            | ItemBody::Matching { options, .. } => options,
            ItemBody::Sequencing { steps, .. } => steps,
            ItemBody::AssertionReason { .. } => &[],
        }
    }
}

impl Item {
    pub fn style(&self) -> Style {
        self.body.style()
    }
}

/// The unit a blueprint counts: a standalone item, or a scenario with its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub area: String,
    pub scenario: Option<String>,
    pub pilot: bool,
    pub items: Vec<Item>,
    /// The questions this one must never share a paper with. As parsed, the ids the
    /// file names (of items or questions); once the pool is loaded, question ids in both
    /// directions (see `resolve_enemies`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enemies: Vec<String>,
}

impl Question {
    pub fn marks(&self) -> u32 {
        self.items.iter().map(|i| i.marks).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub item: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{}: {}: {}", self.file, item, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Checks one raw item and turns it into an [`Item`]; problems are pushed, not returned
/// early, so one run of `pools check` reports everything.
pub fn parse_item(
    raw: RawItem,
    inherited_area: Option<&str>,
    file: &str,
    problems: &mut Vec<Problem>,
) -> Option<Item> {
    let before = problems.len();
    let mut problem = |message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            item: Some(raw.id.clone()),
            message,
        })
    };
    if raw.id.trim().is_empty() {
        problem("id must not be empty".into());
    }
    if raw.stem.trim().is_empty() {
        problem("stem must not be empty".into());
    }
    if raw.rationale.trim().is_empty() {
        problem("rationale must not be empty".into());
    }
    if raw.clause.trim().is_empty() {
        problem("clause must name the clause the item tests".into());
    }
    if raw.marks == 0 {
        problem("marks must be at least 1".into());
    }
    let area = match (raw.area.as_deref(), inherited_area) {
        (Some(a), Some(q)) if a != q => {
            problem(format!("area {a} differs from its question's area {q}"));
            a.to_owned()
        }
        (Some(a), _) => a.to_owned(),
        (None, Some(q)) => q.to_owned(),
        (None, None) => {
            problem("area is missing".into());
            String::new()
        }
    };
    let options_ok = |problem: &mut dyn FnMut(String), options: &[String], min: usize| {
        if options.len() < min {
            problem(format!(
                "needs at least {min} options, has {}",
                options.len()
            ));
        }
        if options.len() > 26 {
            problem("has more than 26 options".into());
        }
        if options.iter().any(|o| o.trim().is_empty()) {
            problem("has an empty option".into());
        }
        let distinct: HashSet<&str> = options.iter().map(|o| o.trim()).collect();
        if distinct.len() != options.len() {
            problem("has two identical options".into());
        }
    };
    let key_index = |problem: &mut dyn FnMut(String), label: &str, count: usize| {
        let index = option_index(label, count);
        if index.is_none() {
            problem(format!(
                "key {label:?} is not among the options A–{}",
                option_label(count.saturating_sub(1))
            ));
        }
        index.unwrap_or(0)
    };
    let unused = |problem: &mut dyn FnMut(String), what: &str, present: bool| {
        if present {
            problem(format!("{what} does not apply to this style"));
        }
    };
    let body = match raw.style {
        Style::Classic => {
            options_ok(&mut problem, &raw.options, 3);
            unused(&mut problem, "keys", !raw.keys.is_empty());
            unused(&mut problem, "lines", !raw.lines.is_empty());
            unused(&mut problem, "steps", !raw.steps.is_empty());
            unused(&mut problem, "choose", raw.choose.is_some());
            let key = match raw.key.as_deref() {
                Some(k) => key_index(&mut problem, k, raw.options.len()),
                None => {
                    problem("key is missing".into());
                    0
                }
            };
            ItemBody::Classic {
                options: raw.options,
                key,
            }
        }
        Style::MultipleResponse => {
            options_ok(&mut problem, &raw.options, 3);
            unused(&mut problem, "key", raw.key.is_some());
            let choose = raw.choose.unwrap_or(0);
            if choose < 2 {
                problem("choose must be at least 2 (use classic for one)".into());
            }
            if raw.keys.len() != choose as usize {
                problem(format!(
                    "has {} keys but asks the candidate to choose {choose}",
                    raw.keys.len()
                ));
            }
            if choose as usize >= raw.options.len() {
                problem("choose must be fewer than the options".into());
            }
            let keys: Vec<usize> = raw
                .keys
                .iter()
                .map(|k| key_index(&mut problem, k, raw.options.len()))
                .collect();
            if keys.iter().collect::<HashSet<_>>().len() != keys.len() {
                problem("names the same key twice".into());
            }
            ItemBody::MultipleResponse {
                options: raw.options,
                choose,
                keys,
            }
        }
        Style::Matching => {
            options_ok(&mut problem, &raw.options, 2);
            let lines: Vec<String> = raw
                .lines
                .into_iter()
                .filter_map(|l| match l {
                    RawLine::Text(t) => Some(t),
                    RawLine::AssertionReason { .. } => None,
                })
                .collect();
            if lines.len() < 2 {
                problem("a matching item needs at least 2 text lines".into());
            }
            if raw.keys.len() != lines.len() {
                problem(format!(
                    "has {} lines but {} keys",
                    lines.len(),
                    raw.keys.len()
                ));
            }
            lines_share_marks(&mut problem, raw.marks, lines.len());
            let keys = raw
                .keys
                .iter()
                .map(|k| key_index(&mut problem, k, raw.options.len()))
                .collect();
            ItemBody::Matching {
                lines,
                options: raw.options,
                keys,
            }
        }
        Style::AssertionReason => {
            unused(
                &mut problem,
                "options (the grades A–E are fixed)",
                !raw.options.is_empty(),
            );
            let lines: Vec<(String, String)> = raw
                .lines
                .into_iter()
                .filter_map(|l| match l {
                    RawLine::AssertionReason { assertion, reason } => Some((assertion, reason)),
                    RawLine::Text(_) => None,
                })
                .collect();
            if lines.is_empty() {
                problem("needs lines with an assertion and a reason".into());
            }
            if raw.keys.len() != lines.len() {
                problem(format!(
                    "has {} lines but {} keys",
                    lines.len(),
                    raw.keys.len()
                ));
            }
            lines_share_marks(&mut problem, raw.marks, lines.len());
            let keys = raw
                .keys
                .iter()
                .map(|k| key_index(&mut problem, k, ASSERTION_REASON_GRADES))
                .collect();
            ItemBody::AssertionReason { lines, keys }
        }
        Style::Sequencing => {
            if raw.steps.len() < 3 {
                problem("a sequencing item needs at least 3 steps".into());
            }
            unused(
                &mut problem,
                "key",
                raw.key.is_some() || !raw.keys.is_empty(),
            );
            let keys = (0..raw.steps.len()).collect();
            ItemBody::Sequencing {
                steps: raw.steps,
                keys,
            }
        }
    };
    if problems.len() > before {
        return None;
    }
    Some(Item {
        id: raw.id,
        area,
        level: raw.level,
        clause: raw.clause,
        marks: raw.marks,
        pilot: raw.pilot,
        stem: raw.stem,
        rationale: raw.rationale,
        body,
    })
}

/// Per-line credit needs the item's marks to split evenly among its lines.
fn lines_share_marks(problem: &mut dyn FnMut(String), marks: u32, lines: usize) {
    if lines > 0 && !marks.is_multiple_of(lines as u32) {
        problem(format!(
            "marks ({marks}) must divide evenly among its {lines} lines"
        ));
    }
}

/// Parses one item file's text into questions, recording problems against `file`.
pub fn parse_item_file(text: &str, file: &str, problems: &mut Vec<Problem>) -> Vec<Question> {
    let parsed: ItemFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            problems.push(Problem {
                file: file.to_owned(),
                item: None,
                message: e.to_string().trim().replace('\n', " "),
            });
            return Vec::new();
        }
    };
    let mut questions = Vec::new();
    for mut raw in parsed.items {
        let enemies = std::mem::take(&mut raw.enemies);
        if let Some(item) = parse_item(raw, None, file, problems) {
            questions.push(Question {
                id: item.id.clone(),
                area: item.area.clone(),
                scenario: None,
                pilot: item.pilot,
                items: vec![item],
                enemies,
            });
        }
    }
    for raw in parsed.questions {
        if raw.scenario.trim().is_empty() {
            problems.push(Problem {
                file: file.to_owned(),
                item: Some(raw.id.clone()),
                message: "scenario must not be empty".into(),
            });
        }
        if raw.items.is_empty() {
            problems.push(Problem {
                file: file.to_owned(),
                item: Some(raw.id.clone()),
                message: "a scenario question needs at least one item".into(),
            });
        }
        let mut enemies = raw.enemies;
        let items: Vec<Item> = raw
            .items
            .into_iter()
            .filter_map(|mut i| {
                enemies.append(&mut i.enemies);
                parse_item(i, Some(&raw.area), file, problems)
            })
            .collect();
        questions.push(Question {
            id: raw.id,
            area: raw.area,
            scenario: Some(raw.scenario),
            pilot: raw.pilot,
            items,
            enemies,
        });
    }
    questions
}

/// Turns the enemy ids a qualification's files name (of items or of scenario questions)
/// into question ids, in both directions, and reports ids that are unknown or name the
/// question itself. `files` gives each question's file for the report.
pub fn resolve_enemies(questions: &mut [Question], files: &[String], problems: &mut Vec<Problem>) {
    let mut question_of: HashMap<&str, usize> = HashMap::new();
    for (index, q) in questions.iter().enumerate() {
        question_of.insert(&q.id, index);
        for item in &q.items {
            question_of.insert(&item.id, index);
        }
    }
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (index, q) in questions.iter().enumerate() {
        for enemy in &q.enemies {
            let report = |message: String| Problem {
                file: files.get(index).cloned().unwrap_or_default(),
                item: Some(q.id.clone()),
                message,
            };
            match question_of.get(enemy.as_str()) {
                None => problems.push(report(format!(
                    "enemy {enemy} is not an item of this qualification"
                ))),
                Some(&other) if other == index => {
                    problems.push(report(format!("enemy {enemy} is in the same question")))
                }
                Some(&other) => {
                    pairs.insert((index, other));
                    pairs.insert((other, index));
                }
            }
        }
    }
    let ids: Vec<String> = questions.iter().map(|q| q.id.clone()).collect();
    for q in questions.iter_mut() {
        q.enemies.clear();
    }
    for (a, b) in pairs {
        questions[a].enemies.push(ids[b].clone());
    }
}

/// Counts of scored and pilot questions per area.
pub fn count_by_area(questions: &[Question]) -> BTreeMap<String, (u32, u32)> {
    let mut counts: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for q in questions {
        let entry = counts.entry(q.area.clone()).or_default();
        if q.pilot {
            entry.1 += 1;
        } else {
            entry.0 += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Question>, Vec<Problem>) {
        let mut problems = Vec::new();
        let questions = parse_item_file(text, "f.toml", &mut problems);
        (questions, problems)
    }

    const CLASSIC: &str = r#"
[[item]]
id = "X-1"
area = "SD"
level = "knowledge"
clause = "20000-1:2011 6.1"
stem = "Which?"
options = ["a", "b", "c", "d"]
key = "C"
rationale = "because"
"#;

    #[test]
    fn a_classic_item_is_parsed_with_its_key_as_an_index() {
        let (questions, problems) = parse(CLASSIC);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            questions[0].items[0].body,
            ItemBody::Classic {
                options: vec!["a".into(), "b".into(), "c".into(), "d".into()],
                key: 2
            }
        );
    }

    #[test]
    fn a_key_outside_the_options_is_reported_with_file_and_id() {
        let (_, problems) = parse(&CLASSIC.replace("key = \"C\"", "key = \"E\""));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "f.toml");
        assert_eq!(problems[0].item.as_deref(), Some("X-1"));
        assert!(problems[0].message.contains("not among the options"));
    }

    #[test]
    fn a_multiple_response_item_must_have_as_many_keys_as_it_asks_for() {
        let text = CLASSIC.replace(
            "key = \"C\"",
            "style = \"multiple_response\"\nchoose = 2\nkeys = [\"A\"]",
        );
        let (_, problems) = parse(&text);
        assert!(
            problems.iter().any(|p| p.message.contains("choose 2")),
            "{problems:?}"
        );
    }

    #[test]
    fn assertion_reason_lines_are_graded_a_to_e() {
        let text = r#"
[[item]]
id = "AR-1"
area = "CP"
level = "analysis"
clause = "20000-1:2011 9.2"
style = "assertion_reason"
marks = 2
stem = "Grade each line."
lines = [{ assertion = "x", reason = "y" }, { assertion = "p", reason = "q" }]
keys = ["A", "F"]
rationale = "r"
"#;
        let (_, problems) = parse(text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("\"F\""));
    }

    #[test]
    fn line_marks_must_divide_evenly() {
        let text = r#"
[[item]]
id = "M-1"
area = "SD"
level = "application"
clause = "20000-1:2011 6.1"
style = "matching"
marks = 4
stem = "Match."
lines = ["one", "two", "three"]
options = ["x", "y"]
keys = ["A", "B", "A"]
rationale = "r"
"#;
        let (_, problems) = parse(text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("divide evenly"));
    }

    #[test]
    fn a_scenario_question_collects_its_items_under_its_area() {
        let text = r#"
[[question]]
id = "P-1"
area = "SD"
scenario = "A provider..."
[[question.item]]
id = "P-1-a"
level = "application"
clause = "20000-1:2011 6.1"
style = "sequencing"
marks = 4
stem = "Order these."
steps = ["one", "two", "three"]
rationale = "r"
"#;
        let (questions, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(questions[0].items[0].area, "SD");
        assert_eq!(questions[0].marks(), 4);
    }

    #[test]
    fn an_unknown_field_is_a_problem() {
        let (_, problems) = parse(&CLASSIC.replace("stem =", "stme = \"typo\"\nstem ="));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("stme"));
    }
}
