//! Loads and validates the question pools under `question-pools/`: one folder per scheme
//! edition. This is the only place that reads pool files; the rules are in `domain`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::domain::pool::{Problem, Question, count_by_area, parse_item_file, resolve_enemies};
use crate::domain::scheme::{Area, Disclosure, Qualification, SchemeFile};

#[derive(Debug, Clone)]
pub struct Catalog {
    pub editions: Vec<Edition>,
}

#[derive(Debug, Clone)]
pub struct Edition {
    pub scheme: String,
    pub edition: String,
    pub title: String,
    pub open: bool,
    /// A published sample bank (see `SchemeFile::sample`).
    pub sample: bool,
    pub areas: Vec<Area>,
    /// SHA-256 of every file of the edition, stored with each sitting.
    pub pool_hash: String,
    pub qualifications: Vec<QualificationPool>,
    /// The scheme's regrading policy.
    pub regrading: crate::domain::scheme::Regrading,
    /// The edition's appeals policy (`[appeals]` in `scheme.toml`).
    pub appeals: crate::domain::case::AppealsPolicy,
    /// The exam body named in `[body]`, if the scheme names one.
    pub body: Option<String>,
    /// What the edition's certificates say (`[certificate]`).
    pub certificate: crate::domain::scheme::CertificateWording,
    /// The edition's `scheme.toml`, relative to the pools folder (for problems found
    /// once every edition is loaded).
    pub file: String,
}

#[derive(Debug, Clone)]
pub struct QualificationPool {
    pub qualification: Qualification,
    pub questions: Vec<Question>,
}

impl QualificationPool {
    /// How many papers without a shared question the pool can make.
    pub fn disjoint_papers(&self) -> Option<u32> {
        let blueprint = self.qualification.blueprint.as_ref()?;
        let counts = count_by_area(&self.questions);
        blueprint
            .areas
            .iter()
            .filter(|(_, needed)| **needed > 0)
            .map(|(area, needed)| counts.get(area).map(|c| c.0).unwrap_or(0) / needed)
            .min()
    }
}

impl Edition {
    /// The body that issues this edition's certificates: the scheme's `[body]`, else
    /// `default` (the configured issuer).
    pub fn issuer<'a>(&'a self, default: &'a str) -> &'a str {
        self.body.as_deref().unwrap_or(default)
    }

    pub fn area_codes(&self) -> Vec<String> {
        self.areas.iter().map(|a| a.code.clone()).collect()
    }

    pub fn area_title(&self, code: &str) -> Option<&str> {
        self.areas
            .iter()
            .find(|a| a.code == code)
            .map(|a| a.title.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FindError {
    #[error("there is no qualification {0}")]
    Unknown(String),
    #[error("qualification {0} is offered in several editions: choose one of {1:?}")]
    EditionRequired(String, Vec<String>),
    #[error("qualification {0} is not offered in edition {1}")]
    NotInEdition(String, String),
}

impl Catalog {
    /// The editions that are a published sample bank (their keys are public).
    pub fn sample_editions(&self) -> Vec<&str> {
        self.editions
            .iter()
            .filter(|e| e.sample)
            .map(|e| e.edition.as_str())
            .collect()
    }

    /// The open editions offering `code`, or the one named.
    pub fn find(
        &self,
        code: &str,
        edition: Option<&str>,
    ) -> Result<(&Edition, &QualificationPool), FindError> {
        let offering: Vec<(&Edition, &QualificationPool)> = self
            .editions
            .iter()
            .filter(|e| e.open)
            .filter_map(|e| {
                e.qualifications
                    .iter()
                    .find(|q| q.qualification.code == code)
                    .map(|q| (e, q))
            })
            .collect();
        if offering.is_empty() {
            return Err(FindError::Unknown(code.to_owned()));
        }
        match edition {
            Some(wanted) => offering
                .into_iter()
                .find(|(e, _)| e.edition == wanted)
                .ok_or_else(|| FindError::NotInEdition(code.to_owned(), wanted.to_owned())),
            None if offering.len() == 1 => Ok(offering[0]),
            None => Err(FindError::EditionRequired(
                code.to_owned(),
                offering.iter().map(|(e, _)| e.edition.clone()).collect(),
            )),
        }
    }

    /// Every qualification of every open edition, in file order.
    pub fn offered(&self) -> impl Iterator<Item = (&Edition, &QualificationPool)> {
        self.editions
            .iter()
            .filter(|e| e.open)
            .flat_map(|e| e.qualifications.iter().map(move |q| (e, q)))
    }

    pub fn edition(&self, edition: &str) -> Option<&Edition> {
        self.editions.iter().find(|e| e.edition == edition)
    }

    /// The title of qualification `code` in `edition`, or the code itself when that
    /// edition or qualification is no longer loaded.
    pub fn qualification_title(&self, edition: &str, code: &str) -> String {
        self.edition(edition)
            .and_then(|e| {
                e.qualifications
                    .iter()
                    .find(|q| q.qualification.code == code)
            })
            .map(|q| q.qualification.title.clone())
            .unwrap_or_else(|| code.to_owned())
    }
}

/// Loads every edition folder under `dir`; returns every problem found if any.
/// Loads the configured pools or explains every problem. A production server refuses a
/// sample bank unless the operator allows it: its keys are public.
pub fn load_pools(settings: &crate::config::Settings) -> anyhow::Result<Catalog> {
    let catalog = load_catalog(&settings.pools.dir).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::anyhow!(
            "the question pools in {} are invalid ({} problems):\n{}",
            settings.pools.dir.display(),
            problems.len(),
            list.join("\n")
        )
    })?;
    let samples = catalog.sample_editions();
    if settings.environment == crate::config::Environment::Production
        && !samples.is_empty()
        && !settings.pools.allow_sample
    {
        anyhow::bail!(
            "the question pools in {} are a published sample (edition {} says sample = true in its scheme.toml): anyone can read their keys, so a production server will not deliver them. Point APP_POOLS__DIR at your private item bank, kept out of any public repository, or set APP_POOLS__ALLOW_SAMPLE=true to run on the sample anyway",
            settings.pools.dir.display(),
            samples.join(", ")
        );
    }
    if !samples.is_empty() {
        tracing::warn!(editions = ?samples, "serving sample question pools: their keys are public");
    }
    Ok(catalog)
}

pub fn load_catalog(dir: &Path) -> Result<Catalog, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut editions = Vec::new();
    let entries = match sorted_entries(dir) {
        Ok(e) => e,
        Err(e) => {
            return Err(vec![Problem {
                file: dir.display().to_string(),
                item: None,
                message: format!("cannot read the pools folder: {e}"),
            }]);
        }
    };
    for path in entries.into_iter().filter(|p| p.is_dir()) {
        if let Some(edition) = load_edition(dir, &path, &mut problems) {
            editions.push(edition);
        }
    }
    if editions.is_empty() && problems.is_empty() {
        problems.push(Problem {
            file: dir.display().to_string(),
            item: None,
            message: "no scheme edition folder (with a scheme.toml) found".into(),
        });
    }
    check_across_editions(dir, &editions, &mut problems);
    if problems.is_empty() {
        Ok(Catalog { editions })
    } else {
        Err(problems)
    }
}

/// The checks that need every edition: an edition string names one edition of one scheme
/// (sittings and certificates name their edition by that string alone, so lookups by it
/// stay unambiguous); a qualification code belongs to one scheme (a certificate of it
/// satisfies prerequisites by code); and a `passed_qualification` or `course`
/// requirement names a qualification of any loaded scheme, so one scheme's rule can
/// accept another's certificates.
fn check_across_editions(dir: &Path, editions: &[Edition], problems: &mut Vec<Problem>) {
    let mut editions_seen: BTreeMap<&str, &Edition> = BTreeMap::new();
    let mut codes: BTreeMap<&str, &str> = BTreeMap::new();
    for e in editions {
        if let Some(first) = editions_seen.insert(e.edition.as_str(), e) {
            let message = if first.scheme == e.scheme {
                format!(
                    "edition {} of scheme {} is defined twice",
                    e.edition, e.scheme
                )
            } else {
                format!(
                    "edition {} is defined by scheme {} and by scheme {}: an edition string must be unique across schemes",
                    e.edition, first.scheme, e.scheme
                )
            };
            problems.push(Problem {
                file: dir.display().to_string(),
                item: None,
                message,
            });
        }
        for q in &e.qualifications {
            let code = q.qualification.code.as_str();
            match codes.insert(code, e.scheme.as_str()) {
                Some(other) if other != e.scheme => problems.push(Problem {
                    file: e.file.clone(),
                    item: None,
                    message: format!(
                        "qualification {code} is also defined by scheme {other}: a qualification code belongs to one scheme"
                    ),
                }),
                _ => {}
            }
        }
    }
    for e in editions {
        for q in &e.qualifications {
            for r in &q.qualification.prerequisites.requirements {
                use crate::domain::eligibility::RequirementKind;
                if let RequirementKind::PassedQualification { qualification }
                | RequirementKind::Course { qualification } = &r.kind
                    && !codes.contains_key(qualification.as_str())
                {
                    problems.push(Problem {
                        file: e.file.clone(),
                        item: None,
                        message: format!(
                            "{} requires unknown qualification {qualification}",
                            q.qualification.code
                        ),
                    });
                }
            }
        }
    }
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn load_edition(root: &Path, dir: &Path, problems: &mut Vec<Problem>) -> Option<Edition> {
    let scheme_path = dir.join("scheme.toml");
    let scheme_name = relative(root, &scheme_path);
    let problem = |problems: &mut Vec<Problem>, file: &str, item: Option<&str>, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            item: item.map(str::to_owned),
            message,
        })
    };
    let text = match std::fs::read_to_string(&scheme_path) {
        Ok(t) => t,
        Err(e) => {
            problem(problems, &scheme_name, None, format!("cannot read: {e}"));
            return None;
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(b"scheme.toml\0");
    hasher.update(text.as_bytes());
    let scheme: SchemeFile = match toml::from_str(&text) {
        Ok(s) => s,
        Err(e) => {
            problem(
                problems,
                &scheme_name,
                None,
                e.to_string().trim().replace('\n', " "),
            );
            return None;
        }
    };
    let area_codes: HashSet<&str> = scheme.areas.iter().map(|a| a.code.as_str()).collect();
    if area_codes.len() != scheme.areas.len() {
        problem(
            problems,
            &scheme_name,
            None,
            "two areas share a code".into(),
        );
    }
    let mut qualification_codes = HashSet::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut qualifications = Vec::new();
    for q in scheme.qualifications.clone() {
        let at = format!("{scheme_name} [{}]", q.code);
        if !qualification_codes.insert(q.code.clone()) {
            problem(
                problems,
                &scheme_name,
                None,
                format!("qualification {} is defined twice", q.code),
            );
        }
        for p in q.format.problems() {
            problem(problems, &at, None, p);
        }
        let policy_problems = q.resits.iter().flat_map(|r| r.problems());
        for p in policy_problems.chain(q.validity.iter().flat_map(|v| v.problems())) {
            problem(problems, &at, None, p);
        }
        if q.certificate_prefix.len() != 4
            || !q
                .certificate_prefix
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            problem(
                problems,
                &at,
                None,
                "certificate_prefix must be four characters 0-9 or A-Z".into(),
            );
        }
        let items_dir = dir.join(&q.items);
        let mut questions = Vec::new();
        let mut question_files = Vec::new();
        if items_dir.is_dir() {
            let files = sorted_entries(&items_dir).unwrap_or_default();
            for file in files
                .into_iter()
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
            {
                let name = relative(root, &file);
                let text = match std::fs::read_to_string(&file) {
                    Ok(t) => t,
                    Err(e) => {
                        problem(problems, &name, None, format!("cannot read: {e}"));
                        continue;
                    }
                };
                hasher.update(relative(dir, &file).as_bytes());
                hasher.update(b"\0");
                hasher.update(text.as_bytes());
                for question in parse_item_file(&text, &name, problems) {
                    check_question(&question, &q, &area_codes, &name, &mut ids, problems);
                    questions.push(question);
                    question_files.push(name.clone());
                }
            }
        }
        resolve_enemies(&mut questions, &question_files, problems);
        if let Some(blueprint) = &q.blueprint {
            if !items_dir.is_dir() {
                problem(
                    problems,
                    &at,
                    None,
                    format!("has a blueprint but no items folder {}", q.items),
                );
            }
            if blueprint.scored_questions() != q.format.questions {
                problem(
                    problems,
                    &at,
                    None,
                    format!(
                        "blueprint asks for {} scored questions but the format says {}",
                        blueprint.scored_questions(),
                        q.format.questions
                    ),
                );
            }
            let counts = count_by_area(&questions);
            for (area, needed) in &blueprint.areas {
                if !area_codes.contains(area.as_str()) {
                    problem(
                        problems,
                        &at,
                        None,
                        format!("blueprint names unknown area {area}"),
                    );
                }
                let available = counts.get(area).map(|c| c.0).unwrap_or(0);
                if available < *needed {
                    problem(
                        problems,
                        &at,
                        None,
                        format!(
                            "blueprint needs {needed} scored questions in {area}, the pool has {available} (pilots excluded)"
                        ),
                    );
                }
            }
            for style in &blueprint.styles {
                let offered = questions.iter().any(|question| {
                    !question.pilot
                        && blueprint.areas.contains_key(&question.area)
                        && question.items.iter().any(|i| i.body.style() == *style)
                });
                if !offered {
                    problem(
                        problems,
                        &at,
                        None,
                        format!(
                            "blueprint asks every paper for a {} item but no scored question in its areas has one",
                            style.name()
                        ),
                    );
                }
            }
            if q.disclosure == Disclosure::Questions && blueprint.pilot > 0 {
                problem(
                    problems,
                    &at,
                    None,
                    "disclosure = \"questions\" would show candidates which questions are pilots: use it only with pilot = 0".to_owned(),
                );
            }
            let pilots: u32 = counts.values().map(|c| c.1).sum();
            if pilots < blueprint.pilot {
                problem(
                    problems,
                    &at,
                    None,
                    format!(
                        "blueprint needs {} pilot questions, the pool has {pilots}",
                        blueprint.pilot
                    ),
                );
            }
        }
        qualifications.push(QualificationPool {
            qualification: q,
            questions,
        });
    }
    for p in scheme.certificate.problems() {
        problem(problems, &scheme_name, None, p);
    }
    if scheme
        .body
        .as_ref()
        .is_some_and(|b| b.name.trim().is_empty())
    {
        problem(
            problems,
            &scheme_name,
            None,
            "body.name must not be empty".into(),
        );
    }
    Some(Edition {
        scheme: scheme.scheme,
        edition: scheme.edition,
        title: scheme.edition_title,
        open: scheme.open,
        sample: scheme.sample,
        areas: scheme.areas,
        pool_hash: hex::encode(hasher.finalize()),
        qualifications,
        regrading: scheme.regrading,
        appeals: scheme.appeals,
        body: scheme.body.map(|b| b.name),
        certificate: scheme.certificate,
        file: scheme_name,
    })
}

fn check_question(
    question: &Question,
    qualification: &Qualification,
    area_codes: &HashSet<&str>,
    file: &str,
    ids: &mut BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    let mut problem = |item: &str, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            item: Some(item.to_owned()),
            message,
        })
    };
    if !area_codes.contains(question.area.as_str()) {
        problem(
            &question.id,
            format!("area {} is not defined in scheme.toml", question.area),
        );
    }
    let mut all_ids = vec![question.id.clone()];
    if question.scenario.is_some() {
        all_ids.extend(question.items.iter().map(|i| i.id.clone()));
    }
    for id in all_ids {
        if let Some(first) = ids.insert(id.clone(), file.to_owned()) {
            problem(&id, format!("id is also used in {first}"));
        }
    }
    if let Some(per_question) = qualification.format.marks_per_question()
        && question.marks() != per_question
    {
        problem(
            &question.id,
            format!(
                "carries {} marks but each {} question carries {per_question}",
                question.marks(),
                qualification.code
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_pools_pass_the_check() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("question-pools");
        let catalog = load_catalog(&dir).unwrap_or_else(|problems| {
            panic!(
                "{}",
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        let (_, foundation) = catalog
            .find("iso20000-foundation", None)
            .expect("foundation");
        assert!(foundation.questions.len() >= 120);
        assert!(foundation.disjoint_papers() >= Some(3));
    }

    #[test]
    fn papers_drawn_from_the_shipped_pools_never_hold_two_enemies_and_hold_every_style_asked_for() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("question-pools");
        let catalog = load_catalog(&dir).expect("the shipped pools load");
        let mut checked = 0;
        for edition in &catalog.editions {
            for pool in &edition.qualifications {
                let Some(blueprint) = &pool.qualification.blueprint else {
                    continue;
                };
                let enemies: Vec<(&str, &str)> = pool
                    .questions
                    .iter()
                    .flat_map(|q| q.enemies.iter().map(move |e| (q.id.as_str(), e.as_str())))
                    .collect();
                for seed in 0..300 {
                    let paper = crate::domain::paper::assemble(
                        &pool.questions,
                        blueprint,
                        &edition.areas,
                        seed,
                    )
                    .expect("a paper is drawn");
                    for style in &blueprint.styles {
                        assert!(
                            paper.items.iter().any(|i| i.style() == *style),
                            "{}: the paper of seed {seed} has no {} item",
                            pool.qualification.code,
                            style.name()
                        );
                    }
                    let on_paper: HashSet<&str> =
                        paper.items.iter().map(|i| i.question_id.as_str()).collect();
                    for (a, b) in &enemies {
                        assert!(
                            !(on_paper.contains(a) && on_paper.contains(b)),
                            "{}: {a} and {b} share the paper of seed {seed}",
                            pool.qualification.code
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked >= 1200, "{checked} papers checked");
    }

    #[test]
    fn a_blueprint_style_no_scored_question_has_is_a_problem() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("question-pools/iso20000-2005");
        copy_dir(&source, &dir.path().join("iso20000-2005"));
        let scheme = dir.path().join("iso20000-2005/scheme.toml");
        let text = std::fs::read_to_string(&scheme).expect("read");
        let marker = "[qualification.blueprint]\n";
        assert!(text.contains(marker), "the 2005 Foundation has a blueprint");
        std::fs::write(
            &scheme,
            text.replacen(marker, &format!("{marker}styles = [\"sequencing\"]\n"), 1),
        )
        .expect("write");
        let problems = load_catalog(dir.path()).expect_err("no sequencing item in the pool");
        assert!(
            problems.iter().any(|p| p
                .message
                .contains("asks every paper for a sequencing item but no scored question")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_unknown_enemy_is_a_problem_and_enemies_are_mutual() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("question-pools/iso20000-2005");
        copy_dir(&source, &dir.path().join("iso20000-2005"));
        let file = dir.path().join("iso20000-2005/foundation/extra.toml");
        let item = |id: &str, enemies: &str| {
            format!(
                "[[item]]\nid = \"{id}\"\narea = \"CP\"\nlevel = \"knowledge\"\nclause = \"20000-1:2005 9.1\"\nstem = \"Stem of {id}?\"\noptions = [\"one\", \"two\", \"three\", \"four\"]\nkey = \"A\"\nrationale = \"r\"\nenemies = [{enemies}]\n"
            )
        };
        std::fs::write(
            &file,
            item("X-1", "\"X-2\"") + &item("X-2", "") + &item("X-3", "\"NOPE\""),
        )
        .expect("write");
        let problems = load_catalog(dir.path()).expect_err("an unknown enemy");
        assert!(
            problems
                .iter()
                .any(|p| p.item.as_deref() == Some("X-3") && p.message.contains("NOPE")),
            "{problems:?}"
        );
        std::fs::write(&file, item("X-1", "\"X-2\"") + &item("X-2", "")).expect("write");
        let catalog = load_catalog(dir.path()).expect("loads");
        let pool = &catalog.editions[0].qualifications[0];
        let enemies_of = |id: &str| {
            pool.questions
                .iter()
                .find(|q| q.id == id)
                .map(|q| q.enemies.clone())
                .unwrap_or_default()
        };
        assert_eq!(enemies_of("X-1"), vec!["X-2".to_owned()]);
        assert_eq!(enemies_of("X-2"), vec!["X-1".to_owned()]);
    }

    /// A minimal scheme folder: one qualification without a pool, whose prerequisite
    /// names `requires` (any scheme's qualification code).
    fn write_scheme(
        root: &Path,
        folder: &str,
        scheme: &str,
        edition: &str,
        code: &str,
        requires: &str,
    ) {
        let dir = root.join(folder);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let rule = if requires.is_empty() {
            "rule = \"none\"\n".to_owned()
        } else {
            format!(
                "rule = \"any\"\n[[qualification.prerequisites.requirement]]\nkind = \"passed_qualification\"\nqualification = \"{requires}\"\ndescription = \"d\"\n"
            )
        };
        std::fs::write(
            dir.join("scheme.toml"),
            format!(
                "scheme = \"{scheme}\"\nedition = \"{edition}\"\nedition_title = \"t\"\n[[qualification]]\ncode = \"{code}\"\ntitle = \"T\"\nitems = \"none\"\ncertificate_prefix = \"ABCD\"\n[qualification.format]\nquestions = 1\nmarks = 1\npass_mark = 1\nduration_minutes = 1\nbook = \"closed\"\n[qualification.prerequisites]\n{rule}"
            ),
        )
        .expect("write");
    }

    #[test]
    fn a_prerequisite_may_name_another_schemes_qualification_but_not_an_unknown_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_scheme(
            dir.path(),
            "a",
            "first",
            "a-1",
            "first-practitioner",
            "second-foundation",
        );
        write_scheme(dir.path(), "b", "second", "b-1", "second-foundation", "");
        let catalog = load_catalog(dir.path()).expect("a cross-scheme reference is valid");
        assert_eq!(catalog.editions.len(), 2);

        write_scheme(
            dir.path(),
            "a",
            "first",
            "a-1",
            "first-practitioner",
            "third-foundation",
        );
        let problems = load_catalog(dir.path()).expect_err("an unknown reference");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].file, "a/scheme.toml");
        assert!(
            problems[0]
                .message
                .contains("first-practitioner requires unknown qualification third-foundation"),
            "{problems:?}"
        );
    }

    #[test]
    fn two_schemes_may_not_share_an_edition_string_or_a_qualification_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        write_scheme(dir.path(), "a", "first", "2011", "first-foundation", "");
        write_scheme(dir.path(), "b", "second", "2011", "second-foundation", "");
        let problems = load_catalog(dir.path()).expect_err("a shared edition string");
        assert!(
            problems.iter().any(|p| p
                .message
                .contains("edition 2011 is defined by scheme first and by scheme second")),
            "{problems:?}"
        );

        write_scheme(dir.path(), "b", "second", "2012", "first-foundation", "");
        let problems = load_catalog(dir.path()).expect_err("a shared qualification code");
        assert!(
            problems.iter().any(|p| p.file == "b/scheme.toml"
                && p.message
                    .contains("qualification first-foundation is also defined by scheme first")),
            "{problems:?}"
        );
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read_dir") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).expect("copy");
            }
        }
    }
}
