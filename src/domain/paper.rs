//! Paper assembly: draws a paper from a pool by its blueprint, reproducibly from a seed,
//! and shuffles each item's options. The result is the snapshot a sitting keeps.

use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::pool::{Item, ItemBody, Level, Question, Style};
use super::scheme::{Area, Blueprint};

/// One item as delivered in a sitting: options in the order this candidate sees them,
/// keys pointing at those positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperItem {
    pub number: u32,
    /// The question (1, 2, …) this item belongs to: a scenario's items share one.
    pub question: u32,
    pub question_id: String,
    pub scenario: Option<String>,
    pub item_id: String,
    pub area: String,
    pub level: Level,
    pub clause: String,
    pub marks: u32,
    pub pilot: bool,
    pub stem: String,
    pub rationale: String,
    pub body: ItemBody,
}

impl PaperItem {
    pub fn style(&self) -> Style {
        self.body.style()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    /// The syllabus areas of the paper, in the scheme's order, as they were when drawn.
    pub areas: Vec<Area>,
    pub items: Vec<PaperItem>,
}

impl Paper {
    pub fn item(&self, number: u32) -> Option<&PaperItem> {
        self.items.iter().find(|i| i.number == number)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AssemblyError {
    #[error("area {area} needs {needed} questions but the pool has {available}")]
    NotEnoughQuestions {
        area: String,
        needed: u32,
        available: u32,
    },
    #[error("the blueprint needs {needed} pilot questions but the pool has {available}")]
    NotEnoughPilots { needed: u32, available: u32 },
    #[error("no paper can be drawn in {area} without putting two enemy items on it")]
    EnemiesUnsatisfiable { area: String },
    #[error(
        "no paper could be drawn holding every style the blueprint asks for (missing {missing:?})"
    )]
    StylesUnsatisfiable { missing: Vec<Style> },
}

/// Draws a paper. Areas are visited in the scheme's order so the same seed always gives the same
/// paper; the chosen questions are then put in a random order, and options shuffled.
pub fn assemble(
    questions: &[Question],
    blueprint: &Blueprint,
    areas: &[Area],
    seed: u64,
) -> Result<Paper, AssemblyError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // A draw that misses a style the blueprint asks for is drawn again (the next draw of the
    // same seeded generator, so a seed still gives one paper); without styles, one draw.
    let mut attempt = 1;
    let mut chosen = loop {
        let chosen = draw_scored(questions, blueprint, areas, &mut rng)?;
        let missing: Vec<Style> = blueprint
            .styles
            .iter()
            .copied()
            .filter(|style| {
                !chosen
                    .iter()
                    .any(|q| q.items.iter().any(|i| i.body.style() == *style))
            })
            .collect();
        if missing.is_empty() {
            break chosen;
        }
        if attempt == STYLE_ATTEMPTS {
            return Err(AssemblyError::StylesUnsatisfiable { missing });
        }
        attempt += 1;
    };
    let pilots: Vec<&Question> = questions.iter().filter(|q| q.pilot).collect();
    if (pilots.len() as u32) < blueprint.pilot {
        return Err(AssemblyError::NotEnoughPilots {
            needed: blueprint.pilot,
            available: pilots.len() as u32,
        });
    }
    let picked = draw_without_enemies(&pilots, blueprint.pilot as usize, &chosen, &mut rng)
        .ok_or_else(|| AssemblyError::EnemiesUnsatisfiable {
            area: "pilot".to_owned(),
        })?;
    chosen.extend(picked);
    chosen.shuffle(&mut rng);

    let mut items = Vec::new();
    for (index, question) in chosen.into_iter().enumerate() {
        for item in &question.items {
            let number = items.len() as u32 + 1;
            items.push(deliver(question, index as u32 + 1, item, number, &mut rng));
        }
    }
    let areas = areas
        .iter()
        .filter(|a| items.iter().any(|i: &PaperItem| i.area == a.code))
        .cloned()
        .collect();
    Ok(Paper { areas, items })
}

/// The scored questions of one draw: the blueprint's count per area, in the scheme's area
/// order, none an enemy of another.
fn draw_scored<'a>(
    questions: &'a [Question],
    blueprint: &Blueprint,
    areas: &[Area],
    rng: &mut ChaCha8Rng,
) -> Result<Vec<&'a Question>, AssemblyError> {
    let mut chosen: Vec<&Question> = Vec::new();
    for area in areas.iter().map(|a| &a.code) {
        let Some(&needed) = blueprint.areas.get(area) else {
            continue;
        };
        let candidates: Vec<&Question> = questions
            .iter()
            .filter(|q| !q.pilot && &q.area == area)
            .collect();
        if (candidates.len() as u32) < needed {
            return Err(AssemblyError::NotEnoughQuestions {
                area: area.clone(),
                needed,
                available: candidates.len() as u32,
            });
        }
        let picked = draw_without_enemies(&candidates, needed as usize, &chosen, rng)
            .ok_or_else(|| AssemblyError::EnemiesUnsatisfiable { area: area.clone() })?;
        chosen.extend(picked);
    }
    Ok(chosen)
}

/// How many draws a paper tries before it gives up on the blueprint's styles.
const STYLE_ATTEMPTS: usize = 256;

/// How many shuffles a draw tries before it gives up on the enemy rule.
const DRAW_ATTEMPTS: usize = 64;

/// Draws `needed` of `candidates` at random, none of them an enemy of another drawn or of
/// a question already `chosen`: a random order, taken greedily, tried again in a new order
/// when the greedy pass comes up short. `None` when no attempt succeeds.
fn draw_without_enemies<'a>(
    candidates: &[&'a Question],
    needed: usize,
    chosen: &[&Question],
    rng: &mut ChaCha8Rng,
) -> Option<Vec<&'a Question>> {
    let enemies =
        |a: &Question, b: &Question| a.enemies.contains(&b.id) || b.enemies.contains(&a.id);
    let mut order: Vec<&'a Question> = candidates.to_vec();
    for _ in 0..DRAW_ATTEMPTS {
        order.shuffle(rng);
        let mut picked: Vec<&'a Question> = Vec::with_capacity(needed);
        for &candidate in &order {
            if picked.len() == needed {
                break;
            }
            if chosen
                .iter()
                .chain(picked.iter())
                .all(|q| !enemies(q, candidate))
            {
                picked.push(candidate);
            }
        }
        if picked.len() == needed {
            return Some(picked);
        }
    }
    None
}

fn deliver(
    question: &Question,
    question_number: u32,
    item: &Item,
    number: u32,
    rng: &mut ChaCha8Rng,
) -> PaperItem {
    PaperItem {
        number,
        question: question_number,
        question_id: question.id.clone(),
        scenario: question.scenario.clone(),
        item_id: item.id.clone(),
        area: item.area.clone(),
        level: item.level,
        clause: item.clause.clone(),
        marks: item.marks,
        pilot: item.pilot || question.pilot,
        stem: item.stem.clone(),
        rationale: item.rationale.clone(),
        body: shuffle_body(&item.body, rng),
    }
}

/// Shuffles options (matching and choice styles) and steps (sequencing); keys follow
/// what they point at. Matching lines and assertion/reason lines keep their order.
fn shuffle_body(body: &ItemBody, rng: &mut ChaCha8Rng) -> ItemBody {
    fn permutation(n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(rng);
        order
    }
    // `order[shown] = written`; `position[written] = shown`.
    fn apply(options: &[String], order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| options[i].clone()).collect()
    }
    fn position(order: &[usize], written: usize) -> usize {
        order.iter().position(|&i| i == written).unwrap_or(written)
    }
    fn remap(order: &[usize], keys: &[usize]) -> Vec<usize> {
        keys.iter().map(|&k| position(order, k)).collect()
    }
    match body {
        ItemBody::Classic { options, key } => {
            let order = permutation(options.len(), rng);
            ItemBody::Classic {
                options: apply(options, &order),
                key: position(&order, *key),
            }
        }
        ItemBody::MultipleResponse {
            options,
            choose,
            keys,
        } => {
            let order = permutation(options.len(), rng);
            let mut keys = remap(&order, keys);
            keys.sort_unstable();
            ItemBody::MultipleResponse {
                options: apply(options, &order),
                choose: *choose,
                keys,
            }
        }
        ItemBody::Matching {
            lines,
            options,
            keys,
        } => {
            let order = permutation(options.len(), rng);
            ItemBody::Matching {
                lines: lines.clone(),
                options: apply(options, &order),
                keys: remap(&order, keys),
            }
        }
        ItemBody::Sequencing { steps, keys } => {
            let order = permutation(steps.len(), rng);
            ItemBody::Sequencing {
                steps: apply(steps, &order),
                keys: remap(&order, keys),
            }
        }
        ItemBody::AssertionReason { .. } => body.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn item(id: &str, area: &str, pilot: bool) -> Question {
        Question {
            id: id.into(),
            area: area.into(),
            scenario: None,
            pilot,
            items: vec![Item {
                id: id.into(),
                area: area.into(),
                level: Level::Knowledge,
                clause: "c".into(),
                marks: 1,
                pilot,
                stem: format!("stem {id}"),
                rationale: "r".into(),
                body: ItemBody::Classic {
                    options: vec![format!("{id} right"), "w1".into(), "w2".into(), "w3".into()],
                    key: 0,
                },
            }],
            enemies: Vec::new(),
        }
    }

    fn pool() -> Vec<Question> {
        let mut q = Vec::new();
        for i in 0..10 {
            q.push(item(&format!("A{i}"), "A", false));
            q.push(item(&format!("B{i}"), "B", false));
        }
        q.push(item("P0", "A", true));
        q.push(item("P1", "B", true));
        q
    }

    fn blueprint(a: u32, b: u32, pilot: u32) -> Blueprint {
        Blueprint {
            areas: BTreeMap::from([("A".into(), a), ("B".into(), b)]),
            pilot,
            styles: Vec::new(),
        }
    }

    fn order() -> Vec<Area> {
        ["A", "B"]
            .map(|c| Area {
                code: c.into(),
                title: format!("Area {c}"),
                summary: None,
            })
            .to_vec()
    }

    #[test]
    fn a_paper_has_the_blueprint_count_per_area_and_no_repeats() {
        let paper = assemble(&pool(), &blueprint(3, 5, 1), &order(), 7).expect("assembles");
        let count = |area: &str| {
            paper
                .items
                .iter()
                .filter(|i| i.area == area && !i.pilot)
                .count()
        };
        assert_eq!(count("A"), 3);
        assert_eq!(count("B"), 5);
        assert_eq!(paper.items.iter().filter(|i| i.pilot).count(), 1);
        let mut ids: Vec<&str> = paper.items.iter().map(|i| i.item_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 9);
        let numbers: Vec<u32> = paper.items.iter().map(|i| i.number).collect();
        assert_eq!(numbers, (1..=9).collect::<Vec<_>>());
    }

    #[test]
    fn the_same_seed_gives_the_same_paper_and_another_seed_another() {
        let a = assemble(&pool(), &blueprint(3, 5, 0), &order(), 42).expect("assembles");
        let b = assemble(&pool(), &blueprint(3, 5, 0), &order(), 42).expect("assembles");
        let c = assemble(&pool(), &blueprint(3, 5, 0), &order(), 43).expect("assembles");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn the_key_follows_its_option_when_options_are_shuffled() {
        let mut moved = false;
        for seed in 0..20 {
            let paper =
                assemble(&pool(), &blueprint(10, 10, 0), &order(), seed).expect("assembles");
            for item in &paper.items {
                let ItemBody::Classic { options, key } = &item.body else {
                    panic!("classic")
                };
                assert_eq!(options[*key], format!("{} right", item.item_id));
                moved |= *key != 0;
            }
        }
        assert!(moved, "options were never shuffled");
    }

    #[test]
    fn shuffled_sequencing_steps_and_matching_options_keep_their_keys() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let steps: Vec<String> = ["one", "two", "three", "four", "five"]
            .map(String::from)
            .to_vec();
        let mut moved = false;
        for _ in 0..10 {
            let ItemBody::Sequencing { steps: shown, keys } = shuffle_body(
                &ItemBody::Sequencing {
                    steps: steps.clone(),
                    keys: vec![0, 1, 2, 3, 4],
                },
                &mut rng,
            ) else {
                panic!("sequencing")
            };
            let in_key_order: Vec<&String> = keys.iter().map(|&k| &shown[k]).collect();
            assert_eq!(in_key_order, steps.iter().collect::<Vec<_>>());
            moved |= shown != steps;
            let options: Vec<String> = ["x", "y", "z"].map(String::from).to_vec();
            let ItemBody::Matching {
                options: shown,
                keys,
                ..
            } = shuffle_body(
                &ItemBody::Matching {
                    lines: vec!["l1".into(), "l2".into()],
                    options: options.clone(),
                    keys: vec![2, 0],
                },
                &mut rng,
            )
            else {
                panic!("matching")
            };
            assert_eq!(
                (shown[keys[0]].as_str(), shown[keys[1]].as_str()),
                ("z", "x")
            );
        }
        assert!(moved);
    }

    #[test]
    fn a_pool_too_small_for_the_blueprint_is_refused() {
        let err = assemble(&pool(), &blueprint(11, 1, 0), &order(), 1).expect_err("too small");
        assert_eq!(
            err,
            AssemblyError::NotEnoughQuestions {
                area: "A".into(),
                needed: 11,
                available: 10
            }
        );
    }

    /// Turns question `id`'s item into a two-step sequencing item.
    fn as_sequencing(questions: &mut [Question], id: &str) {
        let question = questions.iter_mut().find(|q| q.id == id).expect("question");
        question.items[0].body = ItemBody::Sequencing {
            steps: vec!["first".into(), "second".into()],
            keys: vec![0, 1],
        };
    }

    #[test]
    fn a_style_the_blueprint_asks_for_is_on_every_paper() {
        // One A question of ten and one B question of ten are sequencing; a paper of 2 + 2
        // misses both most of the time unless the draw is repeated.
        let mut questions = pool();
        as_sequencing(&mut questions, "A7");
        as_sequencing(&mut questions, "B3");
        let mut wanted = blueprint(2, 2, 0);
        wanted.styles = vec![Style::Classic, Style::Sequencing];
        let mut without = 0;
        for seed in 0..500 {
            let paper = assemble(&questions, &wanted, &order(), seed).expect("assembles");
            assert!(
                paper.items.iter().any(|i| i.style() == Style::Sequencing),
                "seed {seed} drew no sequencing item"
            );
            assert_eq!(paper.items.len(), 4);
            let plain = assemble(&questions, &blueprint(2, 2, 0), &order(), seed).expect("plain");
            if !plain.items.iter().any(|i| i.style() == Style::Sequencing) {
                without += 1;
            }
        }
        assert!(
            without > 250,
            "without the rule most papers miss it: {without}"
        );
        let again = assemble(&questions, &wanted, &order(), 9).expect("assembles");
        assert_eq!(
            again,
            assemble(&questions, &wanted, &order(), 9).expect("assembles")
        );
    }

    #[test]
    fn a_style_no_question_has_is_refused() {
        let mut wanted = blueprint(2, 2, 0);
        wanted.styles = vec![Style::Matching];
        let err = assemble(&pool(), &wanted, &order(), 1).expect_err("no matching item");
        assert_eq!(
            err,
            AssemblyError::StylesUnsatisfiable {
                missing: vec![Style::Matching]
            }
        );
    }

    /// Enemy pairs as a matching over the pool's scored questions (each at most one enemy,
    /// in its own area or the other): a paper of 3 + 4 always exists, and every drawn paper keeps the
    /// blueprint and never holds both of a pair.
    mod enemies {
        use proptest::prelude::*;

        use super::*;

        fn with_enemies(pairs: &[(usize, usize)]) -> Vec<Question> {
            let mut questions = pool();
            for &(a, b) in pairs {
                let (ida, idb) = (questions[a].id.clone(), questions[b].id.clone());
                questions[a].enemies.push(idb);
                questions[b].enemies.push(ida);
            }
            questions
        }

        /// Disjoint pairs from a shuffled order of the pool's questions.
        fn matching() -> impl Strategy<Value = Vec<(usize, usize)>> {
            (
                Just((0..20).collect::<Vec<usize>>()).prop_shuffle(),
                0usize..=10,
            )
                .prop_map(|(order, pairs)| {
                    order.chunks(2).take(pairs).map(|c| (c[0], c[1])).collect()
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn a_paper_never_holds_two_enemies(pairs in matching(), seed in any::<u64>()) {
                let questions = with_enemies(&pairs);
                let paper = assemble(&questions, &blueprint(3, 4, 1), &order(), seed)
                    .expect("a matching always leaves a paper");
                let ids: Vec<&str> = paper.items.iter().map(|i| i.question_id.as_str()).collect();
                for &(a, b) in &pairs {
                    prop_assert!(
                        !(ids.contains(&questions[a].id.as_str()) && ids.contains(&questions[b].id.as_str())),
                        "{} and {} are enemies but share a paper", questions[a].id, questions[b].id
                    );
                }
                prop_assert_eq!(paper.items.iter().filter(|i| i.area == "A" && !i.pilot).count(), 3);
                prop_assert_eq!(paper.items.iter().filter(|i| i.area == "B" && !i.pilot).count(), 4);
                prop_assert_eq!(paper.items.iter().filter(|i| i.pilot).count(), 1);
            }
        }

        #[test]
        fn enemies_that_leave_no_paper_are_refused_not_ignored() {
            // Every A question is an enemy of every other: no paper has two of them.
            let mut questions = pool();
            let a_ids: Vec<String> = (0..10).map(|i| format!("A{i}")).collect();
            for q in questions.iter_mut().filter(|q| q.area == "A") {
                q.enemies = a_ids.iter().filter(|id| **id != q.id).cloned().collect();
            }
            assert!(assemble(&questions, &blueprint(1, 4, 0), &order(), 3).is_ok());
            assert!(matches!(
                assemble(&questions, &blueprint(2, 4, 0), &order(), 3),
                Err(AssemblyError::EnemiesUnsatisfiable { area }) if area == "A"
            ));
        }
    }
}
