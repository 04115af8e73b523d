//! Property tests: the parsers that read what outsiders write (question-pool TOML files,
//! the JSON of a saved answer, CSV rosters) answer arbitrary and near-valid input with
//! an error or a value, never a panic. Structure-aware strategies start from the
//! shipped files and valid shapes and break them a little, where bugs hide.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use invigilator::domain::ato::{ROSTER_MAX_ROWS, RosterError, parse_roster};
use invigilator::domain::paper::{self, Paper};
use invigilator::domain::pool::{self, ItemBody};
use invigilator::domain::scoring::{self, AnswerShape, Response};
use invigilator::pools::{Catalog, load_catalog};
use proptest::prelude::*;

/// `PROPTEST_CASES` when set (the README's long run), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("question-pools")
}

/// The shipped catalog, loaded once.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| load_catalog(&pools_dir()).expect("the shipped pools load"))
}

/// A paper of every qualification that has a blueprint, drawn with seed 1.
fn papers() -> &'static Vec<Paper> {
    static PAPERS: OnceLock<Vec<Paper>> = OnceLock::new();
    PAPERS.get_or_init(|| {
        let mut papers = Vec::new();
        for edition in &catalog().editions {
            for q in &edition.qualifications {
                if let Some(blueprint) = &q.qualification.blueprint {
                    papers.push(
                        paper::assemble(&q.questions, blueprint, &edition.areas, 1)
                            .expect("a paper"),
                    );
                }
            }
        }
        papers
    })
}

/// Every shipped item file's text, with its name.
fn item_files() -> &'static Vec<(String, String)> {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut files = Vec::new();
        let mut dirs = vec![pools_dir()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "toml")
                    && path.file_name().is_some_and(|n| n != "scheme.toml")
                {
                    files.push((
                        path.display().to_string(),
                        std::fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
        files.sort();
        assert!(files.len() >= 3, "the shipped item files: {}", files.len());
        files
    })
}

/// A small edit of `text`: a line dropped, duplicated or swapped with another, a span
/// replaced with arbitrary text, a number changed, or the text cut short.
fn mutate(text: &str, edit: &Edit) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = |i: usize| i % lines.len().max(1);
    match edit {
        Edit::DropLine(i) => {
            let mut l = lines.clone();
            if !l.is_empty() {
                l.remove(at(*i));
            }
            l.join("\n")
        }
        Edit::DuplicateLine(i) => {
            let mut l = lines.clone();
            if !l.is_empty() {
                let line = l[at(*i)];
                l.insert(at(*i), line);
            }
            l.join("\n")
        }
        Edit::SwapLines(i, j) => {
            let mut l = lines.clone();
            if !l.is_empty() {
                l.swap(at(*i), at(*j));
            }
            l.join("\n")
        }
        Edit::Replace(i, with) => {
            let chars: Vec<char> = text.chars().collect();
            let start = i % chars.len().max(1);
            let end = (start + with.chars().count()).min(chars.len());
            chars[..start]
                .iter()
                .copied()
                .chain(with.chars())
                .chain(chars[end..].iter().copied())
                .collect()
        }
        Edit::Number(i, n) => {
            // The i-th run of digits becomes n.
            let mut out = String::new();
            let mut run = 0;
            let mut in_digits = false;
            for c in text.chars() {
                if c.is_ascii_digit() {
                    if !in_digits {
                        in_digits = true;
                        if run == i % 64 {
                            out.push_str(n);
                        }
                        run += 1;
                    }
                    if run - 1 != i % 64 {
                        out.push(c);
                    }
                } else {
                    in_digits = false;
                    out.push(c);
                }
            }
            out
        }
        Edit::Truncate(i) => text.chars().take(i % (text.chars().count() + 1)).collect(),
    }
}

#[derive(Debug, Clone)]
enum Edit {
    DropLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Replace(usize, String),
    Number(usize, String),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let numbers = prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("4294967296".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("99999999999999999999999999".to_owned()),
        Just("1e308".to_owned()),
        Just("nan".to_owned()),
        "[0-9]{1,12}",
    ];
    prop_oneof![
        any::<usize>().prop_map(Edit::DropLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::SwapLines(i, j)),
        (any::<usize>(), ".{0,12}").prop_map(|(i, s)| Edit::Replace(i, s)),
        (
            any::<usize>(),
            prop_oneof![
                Just("[]".to_owned()),
                Just("\"\"".to_owned()),
                Just("[[items]]".to_owned()),
                Just("key = []".to_owned()),
                Just("options = []".to_owned()),
                Just("keys = [99]".to_owned()),
                Just("\u{202e}".to_owned()),
            ]
        )
            .prop_map(|(i, s)| Edit::Replace(i, s)),
        (any::<usize>(), numbers).prop_map(|(i, n)| Edit::Number(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

/// Copies the shipped 2011 edition into a temporary folder.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn any_text_as_an_item_file_is_parsed_or_refused(text in any::<String>()) {
        let mut problems = Vec::new();
        let questions = pool::parse_item_file(&text, "fuzz.toml", &mut problems);
        // A refusal says which file it is about.
        prop_assert!(problems.iter().all(|p| p.file == "fuzz.toml"));
        let _ = questions;
    }

    #[test]
    fn a_shipped_item_file_with_a_small_edit_is_parsed_or_refused(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let (name, text) = &item_files()[file.index(item_files().len())];
        let mut text = text.clone();
        for e in &edits {
            text = mutate(&text, e);
        }
        let mut problems = Vec::new();
        let questions = pool::parse_item_file(&text, name, &mut problems);
        // What parses cleanly is well formed: every item can be answered and marked.
        if problems.is_empty() {
            for q in &questions {
                for item in &q.items {
                    let _ = AnswerShape::of(&item.body);
                }
            }
        }
    }

    #[test]
    fn any_bytes_as_an_answer_body_are_parsed_or_refused(bytes in any::<Vec<u8>>()) {
        if let Ok(response) = invigilator::routes::json::parse::<Response>(&bytes) {
            check_against_every_item(&response);
        }
    }

    #[test]
    fn a_near_valid_answer_is_checked_and_marked_without_panicking(body in answer_json()) {
        let text = body.to_string();
        match invigilator::routes::json::parse::<Response>(text.as_bytes()) {
            Ok(response) => check_against_every_item(&response),
            Err(e) => {
                let status = e.body()["status"].as_u64().unwrap_or_default();
                prop_assert!(status == 400 || status == 422, "{status}");
            }
        }
    }

    #[test]
    fn any_bytes_as_a_roster_are_parsed_or_refused(bytes in any::<Vec<u8>>()) {
        let _ = parse_roster(&bytes);
    }

    #[test]
    fn a_near_valid_roster_is_parsed_row_by_row(
        bom in any::<bool>(),
        crlf in any::<bool>(),
        header in prop_oneof![
            Just("given_name,family_name,email".to_owned()),
            Just("GIVEN_NAME, family_name ,Email".to_owned()),
            Just("given_name;family_name;email".to_owned()),
            Just("\"given_name\",\"family_name\",\"email\"".to_owned()),
            "[a-z_,\"]{0,40}",
        ],
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..5), 0..40),
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(&header);
        for row in &rows {
            text.push_str(newline);
            text.push_str(&row.join(","));
        }
        match parse_roster(text.as_bytes()) {
            Ok(parsed) => {
                // At most one row per line of the file (a cell may hold a line break).
                let lines = text.matches(['\n', '\r']).count() + 1;
                prop_assert!(parsed.len() < lines.max(2));
                let mut seen = std::collections::HashSet::new();
                for row in &parsed {
                    prop_assert!(seen.insert(row.row), "row numbers are distinct");
                }
            }
            Err(RosterError::TooManyRows(n)) => prop_assert!(n > ROSTER_MAX_ROWS),
            Err(_) => {}
        }
    }
}

proptest! {
    // Each case writes an edition folder: fewer cases.
    #![proptest_config(ProptestConfig { cases: cases(256) / 10, ..ProptestConfig::default() })]

    #[test]
    fn a_scheme_file_with_a_small_edit_is_loaded_or_refused(
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let edition = dir.path().join("iso20000-2011");
        copy_tree(&pools_dir().join("iso20000-2011"), &edition);
        let scheme = edition.join("scheme.toml");
        let mut text = std::fs::read_to_string(&scheme).unwrap();
        for e in &edits {
            text = mutate(&text, e);
        }
        std::fs::write(&scheme, text).unwrap();
        if let Ok(catalog) = load_catalog(dir.path()) {
            // Whatever loads can make its papers, or says why not.
            for edition in &catalog.editions {
                for q in &edition.qualifications {
                    if let Some(blueprint) = &q.qualification.blueprint {
                        let _ = paper::assemble(&q.questions, blueprint, &edition.areas, 7);
                    }
                }
            }
        }
    }
}

/// Checks (and, when it fits, marks and scores) `response` against every item of every
/// shipped paper.
fn check_against_every_item(response: &Response) {
    for paper in papers() {
        let mut responses = BTreeMap::new();
        for item in &paper.items {
            let fits = scoring::check_response(item, response).is_ok();
            let marks = scoring::mark_item(item, Some(response));
            assert!(marks <= item.marks, "more marks than the item has");
            assert!(fits || marks == 0, "an unfit response scored");
            responses.insert(item.number, response.clone());
        }
        let sheet = scoring::score(paper, &responses, 1);
        let _ = sheet;
    }
}

/// A cell of a roster: names, addresses, formulas, quotes, empty, long.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-zÀ-ÿ' -]{0,20}",
        "[a-z0-9.]{1,10}@[a-z]{1,8}\\.(org|io)",
        Just("=cmd|' /C calc'!A0".to_owned()),
        Just("\"a,b\"".to_owned()),
        Just("\"unterminated".to_owned()),
        Just("\"\"\"\"".to_owned()),
        Just(String::new()),
        Just("\u{202e}evil".to_owned()),
        ".{0,8}",
        Just("x".repeat(300)),
    ]
}

/// The JSON of an answer: the right fields with odd values, wrong types, extra fields.
fn answer_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let label = prop_oneof![
        "[A-Z]",
        "[A-Za-z]{0,3}",
        Just("AA".to_owned()),
        Just("ZZZZZZZZZZZZ".to_owned()),
        Just(String::new()),
        Just("\u{0}".to_owned()),
        ".{0,4}",
    ];
    let labels = prop::collection::vec(label.clone(), 0..12);
    let value = prop_oneof![
        label.clone().prop_map(Value::from),
        labels.clone().prop_map(|l| json!(l)),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(Value::Null),
        Just(json!({})),
        Just(json!([[["A"]]])),
    ];
    let field = prop_oneof![
        Just("choice"),
        Just("choices"),
        Just("matches"),
        Just("grades"),
        Just("order"),
        Just("key"),
        Just(""),
    ];
    prop_oneof![
        label.prop_map(|l| json!({"choice": l})),
        labels.clone().prop_map(|l| json!({"choices": l})),
        labels.clone().prop_map(|l| json!({"matches": l})),
        labels.clone().prop_map(|l| json!({"grades": l})),
        labels.prop_map(|l| json!({"order": l})),
        prop::collection::vec((field, value), 0..4).prop_map(|pairs| {
            Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        }),
        any::<i64>().prop_map(Value::from),
        Just(json!([])),
    ]
}

#[test]
fn the_mutations_do_change_the_files() {
    let (_, text) = &item_files()[0];
    assert_ne!(&mutate(text, &Edit::DropLine(3)), text);
    assert_ne!(&mutate(text, &Edit::Number(0, "99999".into())), text);
    assert_eq!(mutate(text, &Edit::Truncate(5)).chars().count(), 5);
    // A shipped file parses cleanly, so the edits start from valid input.
    let mut problems = Vec::new();
    assert!(!pool::parse_item_file(text, "x", &mut problems).is_empty());
    assert!(problems.is_empty(), "{problems:?}");
    // The answers are checked against items of every style.
    let styles: std::collections::BTreeSet<&str> = papers()
        .iter()
        .flat_map(|p| &p.items)
        .map(|i| match i.body {
            ItemBody::Classic { .. } => "classic",
            ItemBody::MultipleResponse { .. } => "multiple response",
            ItemBody::Matching { .. } => "matching",
            ItemBody::AssertionReason { .. } => "assertion/reason",
            ItemBody::Sequencing { .. } => "sequencing",
        })
        .collect();
    assert_eq!(styles.len(), 5, "{styles:?}");
}
