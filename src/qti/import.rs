//! Reads a QTI 3.0 content package (ours or a third party's) into item files in our TOML
//! format. Every item that cannot be represented is reported with its file and why, and
//! skipped: the importer never guesses a key or changes how an item is scored.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use super::names::{
    AR_CLASS, ASSERTION_CLASS, ASSESSMENT_NS, INV_NS, REASON_CLASS, SCENARIO_CLASS,
};
use super::xml::{Element, parse};
use crate::domain::pool::{ASSERTION_REASON_GRADES, Level, RawItem, RawLine, Style, parse_item};
use crate::domain::values::option_label;

/// An item the importer left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// What a package holds, as item files to write (file name → contents).
#[derive(Debug, Default)]
pub struct Imported {
    /// The qualification's items folder named in our manifest, if it is one of ours.
    pub items_folder: Option<String>,
    pub files: BTreeMap<String, ItemFile>,
    pub imported: usize,
    pub skipped: Vec<Skipped>,
    /// Items taken without our metadata (area, level, clause or rationale): written to
    /// `needs-review.toml` without those fields, so `pools check` refuses them until an
    /// examiner fills them in.
    pub incomplete: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct ItemFile {
    #[serde(rename = "item", skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<TomlItem>,
    #[serde(rename = "question", skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<TomlQuestion>,
}

#[derive(Debug, Serialize)]
pub struct TomlQuestion {
    pub id: String,
    pub area: String,
    pub scenario: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pilot: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enemies: Vec<String>,
    #[serde(rename = "item")]
    pub items: Vec<TomlItem>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TomlLine {
    Text(String),
    AssertionReason { assertion: String, reason: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct TomlItem {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    #[serde(skip_serializing_if = "is_classic")]
    pub style: Style,
    pub marks: u32,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pilot: bool,
    pub stem: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choose: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enemies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<TomlLine>,
}

fn is_classic(s: &Style) -> bool {
    *s == Style::Classic
}

/// Our metadata for one item, as far as the manifest gives it.
#[derive(Debug, Default)]
struct Meta {
    id: Option<String>,
    area: Option<String>,
    level: Option<Level>,
    clause: Option<String>,
    style: Option<String>,
    marks: Option<u32>,
    pilot: bool,
    question: Option<(String, String, bool)>,
    enemies: Vec<String>,
    rationale: Option<String>,
}

fn meta_of(resource: &Element) -> Meta {
    let mut meta = Meta::default();
    let Some(ours) = resource
        .children_named("metadata")
        .flat_map(|m| m.elements())
        .find(|e| e.name == "metadata" && e.namespace.as_deref() == Some(INV_NS))
    else {
        return meta;
    };
    for e in ours.elements() {
        let text = e.text();
        match e.name.as_str() {
            "id" => meta.id = Some(text),
            "area" => meta.area = Some(text),
            "level" => {
                meta.level = toml::Value::String(text).try_into().ok();
            }
            "clause" => meta.clause = Some(text),
            "style" => meta.style = Some(text),
            "marks" => meta.marks = text.trim().parse().ok(),
            "pilot" => meta.pilot = text.trim() == "true",
            "question" => {
                if let (Some(id), Some(area)) = (e.attribute("identifier"), e.attribute("area")) {
                    meta.question = Some((
                        id.to_owned(),
                        area.to_owned(),
                        e.attribute("pilot") == Some("true"),
                    ));
                }
            }
            "enemy" => meta.enemies.push(text),
            "rationale" => meta.rationale = Some(text),
            _ => {}
        }
    }
    meta
}

/// A path inside the package, or why not.
fn inside(href: &str) -> Result<&Path, String> {
    let path = Path::new(href);
    if href.is_empty()
        || path
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "href {href:?} does not name a file inside the package"
        ));
    }
    Ok(path)
}

/// Where a package's files are read from: an unpacked folder or a `.zip` file.
enum Source {
    Folder(PathBuf),
    /// Every file of the archive, by its path inside it (`/`-separated, as in hrefs).
    Zip(BTreeMap<String, String>),
}

/// Limits on a `.zip` package, so that a hostile archive (a zip bomb, a million entries)
/// is refused instead of filling memory: the shipped Auditor pool packs to about 1 MB.
const ZIP_MAX_ENTRIES: usize = 20_000;
const ZIP_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
const ZIP_MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;

impl Source {
    fn open(package: &Path) -> anyhow::Result<Self> {
        if !package.is_file() {
            return Ok(Source::Folder(package.to_path_buf()));
        }
        let file = std::fs::File::open(package)
            .with_context(|| format!("cannot read {}", package.display()))?;
        let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
            .with_context(|| format!("{} is not a zip archive", package.display()))?;
        if archive.len() > ZIP_MAX_ENTRIES {
            anyhow::bail!(
                "{} holds {} entries, more than {ZIP_MAX_ENTRIES}",
                package.display(),
                archive.len()
            );
        }
        let mut files = BTreeMap::new();
        let mut total = 0u64;
        for index in 0..archive.len() {
            let entry = archive
                .by_index(index)
                .with_context(|| format!("{}: entry {index}", package.display()))?;
            // An entry naming a place outside the archive (`../x`, `/etc/x`) is never a
            // file of the package: no href can reach it.
            let (false, Some(name)) = (entry.is_dir(), entry.enclosed_name()) else {
                continue;
            };
            let name = zip_key(&name);
            let mut text = String::new();
            // The declared size may lie: read at most one byte past the limit.
            let read = std::io::Read::read_to_string(
                &mut std::io::Read::take(entry, ZIP_MAX_FILE_BYTES + 1),
                &mut text,
            );
            match read {
                Ok(n) if n as u64 > ZIP_MAX_FILE_BYTES => {
                    anyhow::bail!("{name} in the archive is larger than {ZIP_MAX_FILE_BYTES} bytes")
                }
                Ok(n) => total += n as u64,
                // Pictures and other binary files are not read by the importer.
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => continue,
                Err(e) => return Err(e).with_context(|| format!("{name} in the archive")),
            }
            if total > ZIP_MAX_TOTAL_BYTES {
                anyhow::bail!(
                    "{} unpacks to more than {ZIP_MAX_TOTAL_BYTES} bytes",
                    package.display()
                );
            }
            files.insert(name, text);
        }
        Ok(Source::Zip(files))
    }

    /// The text of the file at `path` inside the package.
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self {
            Source::Folder(root) => std::fs::read_to_string(root.join(path)),
            Source::Zip(files) => files.get(&zip_key(path)).cloned().ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "not in the archive")
            }),
        }
    }
}

/// A path inside an archive as its key: normal components joined by `/` (`./a/b` is `a/b`).
fn zip_key(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads the package in folder or `.zip` file `package`. An unreadable manifest fails the
/// whole import; an item that cannot be represented is skipped and reported.
pub fn read_package(package: &Path) -> anyhow::Result<Imported> {
    let source = Source::open(package)?;
    let text = source
        .read(Path::new("imsmanifest.xml"))
        .with_context(|| format!("cannot read imsmanifest.xml in {}", package.display()))?;
    let manifest = parse(&text).map_err(|e| anyhow::anyhow!("imsmanifest.xml: {e}"))?;
    if manifest.name != "manifest" {
        anyhow::bail!(
            "imsmanifest.xml: the root element is {}, not manifest",
            manifest.name
        );
    }
    let mut imported = Imported {
        items_folder: manifest
            .child("metadata")
            .and_then(|m| {
                m.elements()
                    .find(|e| e.name == "qualification" && e.namespace.as_deref() == Some(INV_NS))
            })
            .and_then(|q| q.attribute("items"))
            .map(str::to_owned),
        ..Imported::default()
    };
    let resources: Vec<&Element> = manifest
        .child("resources")
        .map(|r| r.children_named("resource").collect())
        .unwrap_or_default();
    // Scenario questions in the order their first item appears.
    let mut questions: Vec<(String, TomlQuestion)> = Vec::new();
    for resource in resources {
        let kind = resource.attribute("type").unwrap_or_default();
        let href = resource
            .attribute("href")
            .or_else(|| resource.child("file").and_then(|f| f.attribute("href")))
            .unwrap_or_default()
            .to_owned();
        let label = if href.is_empty() {
            format!(
                "resource {}",
                resource.attribute("identifier").unwrap_or("?")
            )
        } else {
            href.clone()
        };
        if !kind.starts_with("imsqti_item_xmlv3p0") {
            if kind.starts_with("imsqti_") && kind.contains("item") {
                imported.skipped.push(Skipped {
                    file: label,
                    reason: format!("resource type {kind} is not a QTI 3.0 item"),
                });
            }
            continue;
        }
        let meta = meta_of(resource);
        let item = inside(&href).and_then(|path| {
            let text = source.read(path).map_err(|e| format!("cannot read: {e}"))?;
            read_item(&text, &meta)
        });
        let (item, scenario) = match item {
            Ok(i) => i,
            Err(reason) => {
                imported.skipped.push(Skipped {
                    file: label,
                    reason,
                });
                continue;
            }
        };
        imported.imported += 1;
        let complete = item.level.is_some()
            && item.clause.is_some()
            && item.rationale.is_some()
            && (item.area.is_some() || meta.question.is_some());
        if !complete {
            imported.incomplete.push(item.id.clone());
        }
        match (&meta.question, scenario) {
            (Some((id, area, pilot)), Some(scenario)) if complete => {
                let mut item = item;
                item.area = None;
                let mut enemies = item.enemies.split_off(0);
                match questions.iter_mut().find(|(q, _)| q == id) {
                    Some((_, q)) => {
                        for e in enemies.drain(..) {
                            if !q.enemies.contains(&e) {
                                q.enemies.push(e);
                            }
                        }
                        q.items.push(item);
                    }
                    None => {
                        enemies.dedup();
                        questions.push((
                            id.clone(),
                            TomlQuestion {
                                id: id.clone(),
                                area: area.clone(),
                                scenario,
                                pilot: *pilot,
                                enemies,
                                items: vec![item],
                            },
                        ))
                    }
                }
            }
            _ => {
                let file = match (&item.area, complete) {
                    (Some(area), true) => format!("{}.toml", area.to_lowercase()),
                    _ => "needs-review.toml".to_owned(),
                };
                imported.files.entry(file).or_default().items.push(item);
            }
        }
    }
    for (_, q) in questions {
        let file = format!("{}.toml", q.area.to_lowercase());
        imported.files.entry(file).or_default().questions.push(q);
    }
    Ok(imported)
}

/// Whether the response processing is one we score the same way: the match_correct or
/// map_response template, or our own "match the correct response for MAXSCORE" rule.
fn processing(item: &Element) -> Result<&'static str, String> {
    let Some(rp) = item.child("qti-response-processing") else {
        return Err("no response processing".into());
    };
    if let Some(template) = rp.attribute("template") {
        let name = template
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".xml");
        return match name {
            "match_correct" => Ok("match_correct"),
            "map_response" => Ok("map_response"),
            _ => Err(format!(
                "response processing template {template} (only match_correct and map_response are supported)"
            )),
        };
    }
    let all = rp.descendants();
    let matches_correct = all.iter().any(|e| {
        e.name == "qti-match"
            && e.child("qti-variable")
                .and_then(|v| v.attribute("identifier"))
                == Some("RESPONSE")
            && e.child("qti-correct")
                .and_then(|v| v.attribute("identifier"))
                == Some("RESPONSE")
    });
    let simple = all.iter().all(|e| {
        matches!(
            e.name.as_str(),
            "qti-response-condition"
                | "qti-response-if"
                | "qti-response-else"
                | "qti-match"
                | "qti-variable"
                | "qti-correct"
                | "qti-set-outcome-value"
                | "qti-base-value"
        )
    });
    if matches_correct && simple {
        Ok("match_correct")
    } else {
        Err("response processing other than match_correct or map_response".into())
    }
}

fn positions<'a>(choices: &[&'a Element]) -> Result<BTreeMap<&'a str, usize>, String> {
    let mut map = BTreeMap::new();
    for (i, c) in choices.iter().enumerate() {
        let id = c
            .attribute("identifier")
            .ok_or("a choice has no identifier")?;
        if map.insert(id, i).is_some() {
            return Err(format!("two choices share the identifier {id}"));
        }
    }
    Ok(map)
}

fn has_class(e: &Element, class: &str) -> bool {
    e.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|c| c == class))
}

fn label_of(map: &BTreeMap<&str, usize>, id: &str) -> Result<String, String> {
    map.get(id)
        .map(|i| option_label(*i))
        .ok_or_else(|| format!("the correct response names {id}, which is not a choice"))
}

/// One item: its TOML form and its scenario, or why it cannot be represented.
fn read_item(text: &str, meta: &Meta) -> Result<(TomlItem, Option<String>), String> {
    let root = parse(text)?;
    if root.name != "qti-assessment-item" || root.namespace.as_deref() != Some(ASSESSMENT_NS) {
        return Err(format!(
            "the root element is {} in namespace {}, not a QTI 3.0 qti-assessment-item",
            root.name,
            root.namespace.as_deref().unwrap_or("(none)")
        ));
    }
    let body = root.child("qti-item-body").ok_or("no qti-item-body")?;
    let interactions: Vec<&Element> = body
        .descendants()
        .into_iter()
        .filter(|e| e.name.ends_with("-interaction"))
        .collect();
    let interaction = match interactions.as_slice() {
        [] => return Err("no interaction".into()),
        [one] => *one,
        many => {
            return Err(format!(
                "more than one interaction ({}): an item here has one",
                many.len()
            ));
        }
    };
    if !matches!(
        interaction.name.as_str(),
        "qti-choice-interaction" | "qti-match-interaction" | "qti-order-interaction"
    ) {
        return Err(format!("unsupported interaction {}", interaction.name));
    }
    let response_id = interaction
        .attribute("response-identifier")
        .ok_or("the interaction has no response-identifier")?;
    let declaration = root
        .children_named("qti-response-declaration")
        .find(|d| d.attribute("identifier") == Some(response_id))
        .ok_or_else(|| format!("no qti-response-declaration for {response_id}"))?;
    let correct: Vec<String> = declaration
        .child("qti-correct-response")
        .map(|c| {
            c.children_named("qti-value")
                .map(|v| v.text().trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    if correct.is_empty() {
        return Err("no correct response: the importer never guesses a key".into());
    }
    let rule = processing(&root)?;
    let cardinality = declaration.attribute("cardinality").unwrap_or("single");
    let mapping: Vec<(String, f64)> = declaration
        .child("qti-mapping")
        .map(|m| {
            m.children_named("qti-map-entry")
                .filter_map(|e| {
                    Some((
                        e.attribute("map-key")?
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                        e.attribute("mapped-value")?.trim().parse().ok()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let max_score = root
        .children_named("qti-outcome-declaration")
        .find(|o| o.attribute("identifier") == Some("MAXSCORE"))
        .and_then(|o| o.child("qti-default-value"))
        .and_then(|d| d.child("qti-value"))
        .map(|v| v.text().trim().to_owned());
    let max_score = match max_score {
        Some(v) => {
            let value: f64 = v
                .parse()
                .map_err(|_| format!("MAXSCORE {v:?} is not a number"))?;
            if value < 1.0 || value.fract() != 0.0 || value > 1000.0 {
                return Err(format!("MAXSCORE {v} is not a whole number of marks"));
            }
            Some(value as u32)
        }
        None => None,
    };
    let prompt = interaction.child("qti-prompt").map(Element::text);
    let scenario = body
        .elements()
        .find(|e| has_class(e, SCENARIO_CLASS))
        .map(Element::text);
    let stem = match prompt {
        Some(p) => p,
        None => body
            .elements()
            .filter(|e| !e.name.ends_with("-interaction") && !has_class(e, SCENARIO_CLASS))
            .filter(|e| {
                !e.descendants()
                    .iter()
                    .any(|d| d.name.ends_with("-interaction"))
            })
            .map(Element::text)
            .collect::<Vec<_>>()
            .join(" "),
    };
    let id = meta
        .id
        .clone()
        .or_else(|| root.attribute("identifier").map(str::to_owned))
        .ok_or("the item has no identifier")?;
    let mut item = TomlItem {
        id,
        area: meta.area.clone(),
        level: meta.level,
        clause: meta.clause.clone(),
        style: Style::Classic,
        marks: 1,
        pilot: meta.pilot,
        stem,
        options: Vec::new(),
        key: None,
        choose: None,
        keys: Vec::new(),
        steps: Vec::new(),
        enemies: meta.enemies.clone(),
        rationale: meta.rationale.clone(),
        lines: Vec::new(),
    };
    let all_or_nothing = |rule: &str| -> Result<(), String> {
        if rule == "map_response" {
            // Only a mapping that gives the key alone its value scores like match_correct.
            let only_keys = mapping
                .iter()
                .all(|(k, v)| *v <= 0.0 || correct.contains(k));
            if cardinality != "single" || !only_keys {
                return Err(
                    "map_response with partial credit: our choice and order styles score all or nothing"
                        .into(),
                );
            }
        }
        Ok(())
    };
    let mut mapped_total = None;
    match interaction.name.as_str() {
        "qti-choice-interaction" => {
            all_or_nothing(rule)?;
            let choices: Vec<&Element> = interaction.children_named("qti-simple-choice").collect();
            let map = positions(&choices)?;
            item.options = choices.iter().map(|c| c.text()).collect();
            match cardinality {
                "single" => {
                    let [key] = correct.as_slice() else {
                        return Err("cardinality single with more than one correct value".into());
                    };
                    item.key = Some(label_of(&map, key)?);
                    if rule == "map_response" {
                        mapped_total = mapping.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
                    }
                }
                "multiple" => {
                    item.style = Style::MultipleResponse;
                    item.keys = correct
                        .iter()
                        .map(|k| label_of(&map, k))
                        .collect::<Result<_, _>>()?;
                    let max: u32 = interaction
                        .attribute("max-choices")
                        .and_then(|m| m.trim().parse().ok())
                        .unwrap_or(0);
                    let keys = u32::try_from(item.keys.len()).unwrap_or(u32::MAX);
                    if max != 0 && max != keys {
                        return Err(format!(
                            "max-choices {max} but the correct response names {keys}: our multiple response asks for exactly the keys"
                        ));
                    }
                    item.choose = Some(keys);
                }
                other => return Err(format!("a choice interaction with cardinality {other}")),
            }
        }
        "qti-order-interaction" => {
            all_or_nothing(rule)?;
            if cardinality != "ordered" {
                return Err(format!(
                    "an order interaction with cardinality {cardinality}"
                ));
            }
            let choices: Vec<&Element> = interaction.children_named("qti-simple-choice").collect();
            let map = positions(&choices)?;
            if correct.len() != choices.len() {
                return Err("the correct order does not place every step".into());
            }
            item.style = Style::Sequencing;
            // Our steps are written in the correct order.
            item.steps = correct
                .iter()
                .map(|k| {
                    map.get(k.as_str())
                        .map(|i| choices[*i].text())
                        .ok_or_else(|| {
                            format!("the correct response names {k}, which is not a choice")
                        })
                })
                .collect::<Result<_, _>>()?;
        }
        _ => {
            if rule != "map_response" {
                return Err(
                    "match_correct on a match interaction scores all or nothing; our matching scores each line"
                        .into(),
                );
            }
            if cardinality != "multiple"
                || declaration.attribute("base-type") != Some("directedPair")
            {
                return Err(
                    "a match interaction must be cardinality multiple, base-type directedPair"
                        .into(),
                );
            }
            let sets: Vec<&Element> = interaction.children_named("qti-simple-match-set").collect();
            let [lines, targets] = sets.as_slice() else {
                return Err("a match interaction needs exactly two qti-simple-match-sets".into());
            };
            let lines: Vec<&Element> = lines
                .children_named("qti-simple-associable-choice")
                .collect();
            let targets: Vec<&Element> = targets
                .children_named("qti-simple-associable-choice")
                .collect();
            let line_map = positions(&lines)?;
            let target_map = positions(&targets)?;
            let mut keys: Vec<Option<String>> = vec![None; lines.len()];
            for pair in &correct {
                let mut parts = pair.split_whitespace();
                let (Some(line), Some(target), None) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err(format!("correct value {pair:?} is not a pair"));
                };
                let line = *line_map.get(line).ok_or_else(|| {
                    format!("the correct response names {line}, which is not a line")
                })?;
                let target = label_of(&target_map, target)?;
                if keys[line].replace(target).is_some() {
                    return Err(format!("line {} has more than one correct match", line + 1));
                }
            }
            item.keys = keys
                .into_iter()
                .enumerate()
                .map(|(i, k)| k.ok_or_else(|| format!("line {} has no correct match", i + 1)))
                .collect::<Result<_, _>>()?;
            let values: Vec<f64> = correct
                .iter()
                .map(|pair| {
                    let pair = pair.split_whitespace().collect::<Vec<_>>().join(" ");
                    mapping
                        .iter()
                        .find(|(k, _)| *k == pair)
                        .map(|(_, v)| *v)
                        .unwrap_or(0.0)
                })
                .collect();
            let wrong_credit = mapping.iter().any(|(k, v)| {
                *v > 0.0
                    && !correct
                        .iter()
                        .any(|c| c.split_whitespace().collect::<Vec<_>>().join(" ") == *k)
            });
            if wrong_credit || values.iter().any(|v| *v != values[0] || *v <= 0.0) {
                return Err(
                    "the mapping does not give every correct pair the same credit and others none: our matching scores each line alike"
                        .into(),
                );
            }
            mapped_total = Some(values.iter().sum());
            let assertion_reason = has_class(interaction, AR_CLASS)
                || meta.style.as_deref() == Some("assertion_reason");
            if assertion_reason {
                if targets.len() != ASSERTION_REASON_GRADES {
                    return Err("an assertion/reason grid needs the five grades A–E".into());
                }
                item.style = Style::AssertionReason;
                item.lines = lines
                    .iter()
                    .map(|l| {
                        let span = |class| {
                            l.elements()
                                .find(|e| has_class(e, class))
                                .map(Element::text)
                        };
                        match (span(ASSERTION_CLASS), span(REASON_CLASS)) {
                            (Some(assertion), Some(reason)) => {
                                Ok(TomlLine::AssertionReason { assertion, reason })
                            }
                            _ => Err(
                                "an assertion/reason line without its assertion and reason spans"
                                    .to_owned(),
                            ),
                        }
                    })
                    .collect::<Result<_, _>>()?;
            } else {
                item.style = Style::Matching;
                item.lines = lines.iter().map(|l| TomlLine::Text(l.text())).collect();
                item.options = targets.iter().map(|t| t.text()).collect();
            }
        }
    }
    item.marks = match (meta.marks, max_score, mapped_total) {
        (Some(m), _, _) => m,
        (None, Some(m), _) => m,
        (None, None, Some(total)) if total >= 1.0 && total.fract() == 0.0 => total as u32,
        (None, None, Some(total)) => {
            return Err(format!(
                "the mapping totals {total}, not a whole number of marks"
            ));
        }
        (None, None, None) => 1,
    };
    if let Some(total) = mapped_total
        && item.style != Style::Classic
        && (total - f64::from(item.marks)).abs() > 1e-9
    {
        return Err(format!(
            "the mapping gives {total} for a fully correct response but MAXSCORE is {}",
            item.marks
        ));
    }
    validate(&item, meta.question.as_ref().map(|q| q.1.as_str()))?;
    Ok((item, scenario))
}

/// Runs the pool's own item check on the imported body (missing metadata stood in for, so
/// only the body is judged here; `pools check` asks for the rest).
fn validate(item: &TomlItem, inherited_area: Option<&str>) -> Result<(), String> {
    let raw = RawItem {
        id: item.id.clone(),
        area: item
            .area
            .clone()
            .or_else(|| Some(inherited_area.unwrap_or("X").to_owned())),
        level: item.level.unwrap_or(Level::Knowledge),
        clause: item.clause.clone().unwrap_or_else(|| "-".into()),
        style: item.style,
        marks: item.marks,
        pilot: item.pilot,
        stem: item.stem.clone(),
        rationale: item.rationale.clone().unwrap_or_else(|| "-".into()),
        options: item.options.clone(),
        key: item.key.clone(),
        keys: item.keys.clone(),
        choose: item.choose,
        lines: item
            .lines
            .iter()
            .map(|l| match l {
                TomlLine::Text(t) => RawLine::Text(t.clone()),
                TomlLine::AssertionReason { assertion, reason } => RawLine::AssertionReason {
                    assertion: assertion.clone(),
                    reason: reason.clone(),
                },
            })
            .collect(),
        steps: item.steps.clone(),
        enemies: Vec::new(),
    };
    let mut problems = Vec::new();
    parse_item(raw, inherited_area, "", &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("; "))
    }
}

/// Writes the imported item files into `dir` (created if missing). Refuses, writing
/// nothing, when any of the files exists already.
pub fn write_files(imported: &Imported, dir: &Path) -> anyhow::Result<Vec<String>> {
    for name in imported.files.keys() {
        let path = dir.join(name);
        if path.exists() {
            anyhow::bail!(
                "{} exists already: import into an empty folder (nothing was written)",
                path.display()
            );
        }
    }
    let mut texts = Vec::new();
    for (name, file) in &imported.files {
        let text = toml::to_string(file).with_context(|| format!("cannot write {name} as TOML"))?;
        texts.push((
            name,
            format!(
                "# Imported from a QTI 3.0 package by `invigilator pools import --qti`.\n\n{text}"
            ),
        ));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for (name, text) in texts {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(name.clone());
    }
    Ok(written)
}
