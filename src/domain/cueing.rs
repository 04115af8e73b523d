//! Test-wiseness checks on a pool: what a candidate who knows nothing could still pick up
//! from how items are written. `invigilator pools check` prints them.
//!
//! - **Key length.** In a classic item the key should be the strictly longest option about
//!   as often as chance (one in the number of options) and no more; a bank where it is the
//!   longest 38% of the time rewards "pick the longest". The same holds for the shortest.
//! - **Cue words.** A word that turns up in many options but almost never (or almost
//!   always) in the key tells the candidate which options to drop ("certification" in 41
//!   distracters and one key).
//! - **Give-aways.** An item whose stem or key carries most of another item's key text
//!   answers that item when both are drawn onto one paper: such pairs should be enemies.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::pool::{ItemBody, Question};

/// The share of classic items whose key is the strictly longest (or strictly shortest)
/// option above which `pools check` warns.
///
/// Chance is 25% with four options. Above 30% a candidate who picks the longest option on
/// the 20 questions they cannot answer of a 40-question paper gains more than one mark over
/// guessing (20 × 0.05), enough to move a borderline result across the pass mark; below it
/// the gain is under a mark and within what a random bank of this size shows (one standard
/// deviation is about 3.5 points for 150 items).
pub const LENGTH_CUE_THRESHOLD: f64 = 0.30;

/// A cue word needs at least this many options to be judged, and a key share this many
/// standard deviations from chance.
pub const CUE_WORD_MIN_OPTIONS: usize = 12;
pub const CUE_WORD_Z: f64 = 2.5;

/// A give-away: at least this many of the key's distinctive words, and this share of
/// them, found in the other item's stem or options. A word is distinctive when at most
/// `GIVEAWAY_RARE` of the pool's items use it (words such as "service" or "management"
/// are in every other item and say nothing).
pub const GIVEAWAY_MIN_WORDS: usize = 3;
pub const GIVEAWAY_SHARE: f64 = 0.8;
pub const GIVEAWAY_RARE: f64 = 0.04;

#[derive(Debug, Clone, PartialEq)]
pub struct KeyLength {
    /// Classic items counted.
    pub items: usize,
    pub strictly_longest: usize,
    /// The key is a longest option, ties included.
    pub longest: usize,
    pub strictly_shortest: usize,
    /// The expected share of `strictly_longest` by chance: the mean of 1 / options.
    pub chance: f64,
}

impl KeyLength {
    pub fn share(count: usize, items: usize) -> f64 {
        if items == 0 {
            0.0
        } else {
            count as f64 / items as f64
        }
    }

    pub fn longest_share(&self) -> f64 {
        Self::share(self.strictly_longest, self.items)
    }

    pub fn shortest_share(&self) -> f64 {
        Self::share(self.strictly_shortest, self.items)
    }

    /// Warnings when the key is too often the longest or the shortest option.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        for (what, share) in [
            ("longest", self.longest_share()),
            ("shortest", self.shortest_share()),
        ] {
            if self.items > 0 && share > LENGTH_CUE_THRESHOLD {
                warnings.push(format!(
                    "the key is the strictly {what} option in {:.0}% of classic items (chance {:.0}%, threshold {:.0}%)",
                    share * 100.0,
                    self.chance * 100.0,
                    LENGTH_CUE_THRESHOLD * 100.0
                ));
            }
        }
        warnings
    }
}

/// Key-length statistics over a pool's classic items (scored and pilot). Lengths are in
/// characters.
pub fn key_length(questions: &[Question]) -> KeyLength {
    let mut stats = KeyLength {
        items: 0,
        strictly_longest: 0,
        longest: 0,
        strictly_shortest: 0,
        chance: 0.0,
    };
    let mut chance = 0.0;
    for item in questions.iter().flat_map(|q| &q.items) {
        let ItemBody::Classic { options, key } = &item.body else {
            continue;
        };
        let lengths: Vec<usize> = options.iter().map(|o| o.trim().chars().count()).collect();
        let Some(&key_len) = lengths.get(*key) else {
            continue;
        };
        let others = || {
            lengths
                .iter()
                .enumerate()
                .filter(|(i, _)| i != key)
                .map(|(_, l)| *l)
        };
        stats.items += 1;
        chance += 1.0 / options.len() as f64;
        if others().all(|l| l < key_len) {
            stats.strictly_longest += 1;
        }
        if others().all(|l| l <= key_len) {
            stats.longest += 1;
        }
        if others().all(|l| l > key_len) {
            stats.strictly_shortest += 1;
        }
    }
    if stats.items > 0 {
        stats.chance = chance / stats.items as f64;
    }
    stats
}

#[derive(Debug, Clone, PartialEq)]
pub struct CueWord {
    pub word: String,
    /// Options (of classic and multiple-response items) that contain the word.
    pub options: usize,
    /// How many of those are keys.
    pub keys: usize,
    /// How many would be keys by chance.
    pub expected: f64,
}

impl CueWord {
    pub fn warning(&self) -> String {
        format!(
            "\"{}\" is in {} options, {} of them keys ({:.1} by chance): a candidate can {} options by it",
            self.word,
            self.options,
            self.keys,
            self.expected,
            if (self.keys as f64) < self.expected {
                "drop"
            } else {
                "pick"
            }
        )
    }
}

/// Words whose options are keys far more or far less often than chance, most extreme first.
pub fn cue_words(questions: &[Question]) -> Vec<CueWord> {
    // word -> (options, keys, expected keys)
    let mut tally: BTreeMap<String, (usize, usize, f64)> = BTreeMap::new();
    for item in questions.iter().flat_map(|q| &q.items) {
        let Some((options, keys)) = keyed_options(&item.body) else {
            continue;
        };
        let p = keys.len() as f64 / options.len() as f64;
        for (index, option) in options.iter().enumerate() {
            for word in content_words(option) {
                let entry = tally.entry(word).or_default();
                entry.0 += 1;
                entry.2 += p;
                if keys.contains(&index) {
                    entry.1 += 1;
                }
            }
        }
    }
    let mut cues: Vec<(f64, CueWord)> = tally
        .into_iter()
        .filter(|(_, (n, _, _))| *n >= CUE_WORD_MIN_OPTIONS)
        .filter_map(|(word, (n, k, expected))| {
            let p = expected / n as f64;
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            let z = if sd > 0.0 {
                (k as f64 - expected) / sd
            } else {
                0.0
            };
            (z.abs() > CUE_WORD_Z).then(|| {
                (
                    z.abs(),
                    CueWord {
                        word,
                        options: n,
                        keys: k,
                        expected,
                    },
                )
            })
        })
        .collect();
    cues.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.word.cmp(&b.1.word)));
    cues.into_iter().map(|(_, c)| c).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GiveAway {
    /// The item whose key text is found …
    pub answered: String,
    /// … in this item's stem or options.
    pub by: String,
    pub words: Vec<String>,
}

/// Pairs of items in different questions, not already enemies, where one item's stem or
/// key carries most of the other's key text (a distracter sharing words with another key
/// is too common to mean anything).
pub fn giveaways(questions: &[Question]) -> Vec<GiveAway> {
    let question_of: HashMap<&str, &Question> = questions
        .iter()
        .flat_map(|q| q.items.iter().map(move |i| (i.id.as_str(), q)))
        .collect();
    let text_words: Vec<(&str, BTreeSet<String>)> = questions
        .iter()
        .flat_map(|q| &q.items)
        .map(|item| {
            let mut words = content_words(&item.stem);
            words.extend(key_texts(&item.body).flat_map(|k| content_words(k)));
            (item.id.as_str(), words)
        })
        .collect();
    let mut used_by: HashMap<&str, usize> = HashMap::new();
    for (_, words) in &text_words {
        for w in words {
            *used_by.entry(w.as_str()).or_default() += 1;
        }
    }
    let rare_limit = ((text_words.len() as f64 * GIVEAWAY_RARE).ceil() as usize).max(2);
    let key_words: Vec<(&str, BTreeSet<String>)> = questions
        .iter()
        .flat_map(|q| &q.items)
        .filter_map(|item| {
            let words: BTreeSet<String> = key_texts(&item.body)
                .flat_map(|k| content_words(k))
                .filter(|w| used_by.get(w.as_str()).copied().unwrap_or(0) <= rare_limit)
                .collect();
            (words.len() >= GIVEAWAY_MIN_WORDS).then_some((item.id.as_str(), words))
        })
        .collect();
    let mut found = Vec::new();
    for (answered, key) in &key_words {
        let Some(answered_q) = question_of.get(answered) else {
            continue;
        };
        for (by, text) in &text_words {
            let Some(by_q) = question_of.get(by) else {
                continue;
            };
            if answered_q.id == by_q.id
                || answered_q.enemies.contains(&by_q.id)
                || by_q.enemies.contains(&answered_q.id)
            {
                continue;
            }
            let shared: Vec<String> = key.intersection(text).cloned().collect();
            if shared.len() >= GIVEAWAY_MIN_WORDS
                && shared.len() as f64 >= GIVEAWAY_SHARE * key.len() as f64
            {
                found.push(GiveAway {
                    answered: (*answered).to_owned(),
                    by: (*by).to_owned(),
                    words: shared,
                });
            }
        }
    }
    found
}

/// The options of an item keyed by option (classic and multiple response) with the keys'
/// positions; `None` for the styles keyed per line or by order.
fn keyed_options(body: &ItemBody) -> Option<(&[String], Vec<usize>)> {
    match body {
        ItemBody::Classic { options, key } => Some((options, vec![*key])),
        ItemBody::MultipleResponse { options, keys, .. } => Some((options, keys.clone())),
        _ => None,
    }
}

/// The texts of an item's keyed options (none for the styles keyed per line or by order).
fn key_texts(body: &ItemBody) -> impl Iterator<Item = &String> {
    let (options, keys) = keyed_options(body).unwrap_or((&[], Vec::new()));
    keys.into_iter().filter_map(move |k| options.get(k))
}

/// Lower-case words of four letters or more, less the commonest function words, with a
/// plural or third-person "s" taken off so "audits" and "audit" count as one.
fn content_words(text: &str) -> BTreeSet<String> {
    const COMMON: &[&str] = &[
        "that", "this", "with", "from", "their", "they", "them", "than", "then", "have", "been",
        "which", "what", "when", "where", "into", "only", "each", "does", "must", "should", "will",
        "would", "there", "these", "those", "other", "also", "more", "most", "some", "such",
        "were", "your", "about", "after", "before", "while", "being", "because",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .map(|w| w.to_lowercase())
        .filter(|w| w.chars().count() >= 4 && !COMMON.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if !w.ends_with("ss") && stem.chars().count() >= 4 => stem.to_owned(),
            _ => w,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pool::{Item, Level};

    fn classic(id: &str, stem: &str, options: &[&str], key: usize) -> Question {
        Question {
            id: id.into(),
            area: "A".into(),
            scenario: None,
            pilot: false,
            items: vec![Item {
                id: id.into(),
                area: "A".into(),
                level: Level::Knowledge,
                clause: "c".into(),
                marks: 1,
                pilot: false,
                stem: stem.into(),
                rationale: "r".into(),
                body: ItemBody::Classic {
                    options: options.iter().map(|o| (*o).to_owned()).collect(),
                    key,
                },
            }],
            enemies: Vec::new(),
        }
    }

    #[test]
    fn a_bank_whose_keys_are_longest_is_warned_and_a_balanced_one_is_not() {
        let long_keys: Vec<Question> = (0..10)
            .map(|i| {
                classic(
                    &format!("Q{i}"),
                    "s",
                    &["a much longer right answer", "short", "brief", "tiny"],
                    0,
                )
            })
            .collect();
        let stats = key_length(&long_keys);
        assert_eq!((stats.items, stats.strictly_longest), (10, 10));
        assert!((stats.chance - 0.25).abs() < 1e-9);
        assert_eq!(stats.warnings().len(), 1);
        assert!(stats.warnings()[0].contains("longest option in 100%"));

        // The key takes each length rank in turn: longest a quarter of the time.
        let options = ["aaaa", "bbbbbbbb", "cccccccccccc", "dddddddddddddddd"];
        let balanced: Vec<Question> = (0..8)
            .map(|i| classic(&format!("Q{i}"), "s", &options, i % 4))
            .collect();
        let stats = key_length(&balanced);
        assert_eq!((stats.strictly_longest, stats.strictly_shortest), (2, 2));
        assert!(stats.warnings().is_empty());
    }

    #[test]
    fn a_word_found_only_in_distracters_is_a_cue() {
        let questions: Vec<Question> = (0..24)
            .map(|i| {
                classic(
                    &format!("Q{i}"),
                    "s",
                    &[
                        format!("right answer {i}").as_str(),
                        "seek certification first",
                        "other {i}",
                        if i < 3 { "seldom" } else { "another" },
                    ],
                    0,
                )
            })
            .collect();
        let cues = cue_words(&questions);
        let cue = |word: &str| cues.iter().find(|c| c.word == word);
        let certification = cue("certification").expect("certification is a cue");
        assert_eq!((certification.options, certification.keys), (24, 0));
        assert!(certification.warning().contains("drop"));
        // "answer" is in every key: a cue the other way.
        assert!(cue("answer").expect("answer").warning().contains("pick"));
        // A word below the minimum count is not judged.
        assert!(cue("seldom").is_none());
    }

    #[test]
    fn an_item_carrying_another_items_key_is_a_giveaway_unless_they_are_enemies() {
        let answered = classic(
            "AN-007",
            "Which finding is a major nonconformity?",
            &[
                "Absence of any documented incident management procedure",
                "One late change record",
                "A typo in a policy",
                "An unsigned attendance sheet",
            ],
            0,
        );
        let by = classic(
            "AN-008",
            "The auditor found absence of any documented incident management procedure. What next?",
            &["Raise it", "Ignore it", "Close the audit", "Call the press"],
            0,
        );
        let found = giveaways(&[answered.clone(), by.clone()]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].answered.as_str(), found[0].by.as_str()),
            ("AN-007", "AN-008")
        );
        let mut answered = answered;
        answered.enemies.push("AN-008".into());
        assert!(giveaways(&[answered, by]).is_empty());
    }
}
