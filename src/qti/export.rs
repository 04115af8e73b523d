//! Writes a qualification's pool as a QTI 3.0 content package: `imsmanifest.xml` and one
//! `qti-assessment-item` file per item. The mapping is in `super` (the module comment);
//! this is pure text generation, the caller writes the files.

use std::io;
use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::names::{
    AR_CLASS, ASSERTION_CLASS, ASSESSMENT_NS, INV_NS, MANIFEST_NS, REASON_CLASS, SCENARIO_CLASS,
    choice_id, grade_id, line_id,
};
use crate::domain::pool::{GRADE_MEANINGS, Item, ItemBody, Level, Question};
use crate::domain::values::option_label;
use crate::pools::{Catalog, Edition, QualificationPool};

/// One file of a package: its path inside the package and its text.
pub struct PackageFile {
    pub path: String,
    pub text: String,
}

/// A content package: the manifest first, then the items in pool order.
pub struct Package {
    pub files: Vec<PackageFile>,
    pub items: usize,
}

/// The package's folder name: qualification code and edition, e.g.
/// `iso20000-foundation-2011`.
pub fn folder_name(edition: &Edition, pool: &QualificationPool) -> String {
    format!("{}-{}", pool.qualification.code, edition.edition)
}

/// The item file's path inside the package. Ids are letters, digits and dashes; anything
/// else is replaced so the path stays inside `items/`.
pub fn item_path(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("items/{safe}.xml")
}

struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    fn new() -> io::Result<Self> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Self { w })
    }

    fn start(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.w.write_event(Event::Start(start))
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.w.write_event(Event::Empty(start))
    }

    /// An element holding exactly `text` (escaped; no indentation inside it).
    fn text(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.start(name, attributes)?;
        self.w.write_event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }

    fn finish(self) -> String {
        String::from_utf8_lossy(&self.w.into_inner()).into_owned() + "\n"
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Knowledge => "knowledge",
        Level::Comprehension => "comprehension",
        Level::Application => "application",
        Level::Analysis => "analysis",
    }
}

/// The package of one qualification's pool.
pub fn package(edition: &Edition, pool: &QualificationPool) -> io::Result<Package> {
    let mut files = vec![PackageFile {
        path: "imsmanifest.xml".into(),
        text: manifest(edition, pool)?,
    }];
    for question in &pool.questions {
        for item in &question.items {
            files.push(PackageFile {
                path: item_path(&item.id),
                text: assessment_item(question, item)?,
            });
        }
    }
    let items = files.len() - 1;
    Ok(Package { files, items })
}

fn manifest(edition: &Edition, pool: &QualificationPool) -> io::Result<String> {
    let mut x = Xml::new()?;
    let identifier = format!("MANIFEST-{}", folder_name(edition, pool));
    x.start(
        "manifest",
        &[
            ("xmlns", MANIFEST_NS),
            ("xmlns:inv", INV_NS),
            ("identifier", &identifier),
        ],
    )?;
    x.start("metadata", &[])?;
    x.text("schema", &[], "QTI Package")?;
    x.text("schemaversion", &[], "3.0.0")?;
    x.empty(
        "inv:qualification",
        &[
            ("scheme", &edition.scheme),
            ("edition", &edition.edition),
            ("code", &pool.qualification.code),
            ("items", &pool.qualification.items),
        ],
    )?;
    x.end("metadata")?;
    x.empty("organizations", &[])?;
    x.start("resources", &[])?;
    for question in &pool.questions {
        for item in &question.items {
            let href = item_path(&item.id);
            x.start(
                "resource",
                &[
                    ("identifier", &item.id),
                    ("type", "imsqti_item_xmlv3p0"),
                    ("href", &href),
                ],
            )?;
            x.start("metadata", &[])?;
            item_metadata(&mut x, question, item)?;
            x.end("metadata")?;
            x.empty("file", &[("href", &href)])?;
            x.end("resource")?;
        }
    }
    x.end("resources")?;
    x.end("manifest")?;
    Ok(x.finish())
}

/// Our item metadata, which QTI has no element for. The rationale is examiner-only: a
/// package is an examiner's artifact, never given to candidates.
fn item_metadata(x: &mut Xml, question: &Question, item: &Item) -> io::Result<()> {
    x.start("inv:metadata", &[])?;
    x.text("inv:id", &[], &item.id)?;
    x.text("inv:area", &[], &item.area)?;
    x.text("inv:level", &[], level_name(item.level))?;
    x.text("inv:clause", &[], &item.clause)?;
    x.text("inv:style", &[], item.style().name())?;
    x.text("inv:marks", &[], &item.marks.to_string())?;
    x.text("inv:pilot", &[], bool_text(item.pilot))?;
    if question.scenario.is_some() {
        x.empty(
            "inv:question",
            &[
                ("identifier", &question.id),
                ("area", &question.area),
                ("pilot", bool_text(question.pilot)),
            ],
        )?;
    }
    // Enemies are the question's (resolved, both directions): on each of its items.
    for enemy in &question.enemies {
        x.text("inv:enemy", &[], enemy)?;
    }
    x.text("inv:rationale", &[], &item.rationale)?;
    x.end("inv:metadata")
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn assessment_item(question: &Question, item: &Item) -> io::Result<String> {
    let mut x = Xml::new()?;
    x.start(
        "qti-assessment-item",
        &[
            ("xmlns", ASSESSMENT_NS),
            ("identifier", &item.id),
            ("title", &item.id),
            ("adaptive", "false"),
            ("time-dependent", "false"),
            ("xml:lang", "en"),
        ],
    )?;
    response_declaration(&mut x, item)?;
    x.start(
        "qti-outcome-declaration",
        &[
            ("identifier", "SCORE"),
            ("cardinality", "single"),
            ("base-type", "float"),
        ],
    )?;
    x.start("qti-default-value", &[])?;
    x.text("qti-value", &[], "0")?;
    x.end("qti-default-value")?;
    x.end("qti-outcome-declaration")?;
    x.start(
        "qti-outcome-declaration",
        &[
            ("identifier", "MAXSCORE"),
            ("cardinality", "single"),
            ("base-type", "float"),
        ],
    )?;
    x.start("qti-default-value", &[])?;
    x.text("qti-value", &[], &item.marks.to_string())?;
    x.end("qti-default-value")?;
    x.end("qti-outcome-declaration")?;
    x.start("qti-item-body", &[])?;
    if let Some(scenario) = &question.scenario {
        x.text("div", &[("class", SCENARIO_CLASS)], scenario)?;
    }
    interaction(&mut x, item)?;
    x.end("qti-item-body")?;
    response_processing(&mut x, item)?;
    x.end("qti-assessment-item")?;
    Ok(x.finish())
}

fn response_declaration(x: &mut Xml, item: &Item) -> io::Result<()> {
    let (cardinality, base_type, values): (&str, &str, Vec<String>) = match &item.body {
        ItemBody::Classic { key, .. } => ("single", "identifier", vec![choice_id(*key)]),
        ItemBody::MultipleResponse { keys, .. } => (
            "multiple",
            "identifier",
            keys.iter().map(|k| choice_id(*k)).collect(),
        ),
        ItemBody::Matching { keys, .. } => (
            "multiple",
            "directedPair",
            keys.iter()
                .enumerate()
                .map(|(line, k)| format!("{} {}", line_id(line), choice_id(*k)))
                .collect(),
        ),
        ItemBody::AssertionReason { keys, .. } => (
            "multiple",
            "directedPair",
            keys.iter()
                .enumerate()
                .map(|(line, k)| format!("{} {}", line_id(line), grade_id(*k)))
                .collect(),
        ),
        ItemBody::Sequencing { keys, .. } => (
            "ordered",
            "identifier",
            keys.iter().map(|k| choice_id(*k)).collect(),
        ),
    };
    x.start(
        "qti-response-declaration",
        &[
            ("identifier", "RESPONSE"),
            ("cardinality", cardinality),
            ("base-type", base_type),
        ],
    )?;
    x.start("qti-correct-response", &[])?;
    for v in &values {
        x.text("qti-value", &[], v)?;
    }
    x.end("qti-correct-response")?;
    if base_type == "directedPair" {
        // Per-line credit: each correct pair is worth marks / lines (validated to divide).
        let per_line = item.marks / u32::try_from(values.len().max(1)).unwrap_or(1);
        let per_line = per_line.to_string();
        x.start(
            "qti-mapping",
            &[("default-value", "0"), ("lower-bound", "0")],
        )?;
        for v in &values {
            x.empty(
                "qti-map-entry",
                &[("map-key", v), ("mapped-value", &per_line)],
            )?;
        }
        x.end("qti-mapping")?;
    }
    x.end("qti-response-declaration")
}

fn choices(x: &mut Xml, element: &str, options: &[String]) -> io::Result<()> {
    for (i, option) in options.iter().enumerate() {
        x.text(element, &[("identifier", &choice_id(i))], option)?;
    }
    Ok(())
}

fn interaction(x: &mut Xml, item: &Item) -> io::Result<()> {
    let response = ("response-identifier", "RESPONSE");
    match &item.body {
        ItemBody::Classic { options, .. } => {
            x.start(
                "qti-choice-interaction",
                &[response, ("shuffle", "true"), ("max-choices", "1")],
            )?;
            x.text("qti-prompt", &[], &item.stem)?;
            choices(x, "qti-simple-choice", options)?;
            x.end("qti-choice-interaction")
        }
        ItemBody::MultipleResponse {
            options, choose, ..
        } => {
            let max = choose.to_string();
            x.start(
                "qti-choice-interaction",
                &[response, ("shuffle", "true"), ("max-choices", &max)],
            )?;
            x.text("qti-prompt", &[], &item.stem)?;
            choices(x, "qti-simple-choice", options)?;
            x.end("qti-choice-interaction")
        }
        ItemBody::Matching { lines, options, .. } => {
            let n = lines.len().to_string();
            x.start(
                "qti-match-interaction",
                &[response, ("shuffle", "false"), ("max-associations", &n)],
            )?;
            x.text("qti-prompt", &[], &item.stem)?;
            x.start("qti-simple-match-set", &[])?;
            for (i, line) in lines.iter().enumerate() {
                x.text(
                    "qti-simple-associable-choice",
                    &[("identifier", &line_id(i)), ("match-max", "1")],
                    line,
                )?;
            }
            x.end("qti-simple-match-set")?;
            // An option may be used once, more than once or never.
            x.start("qti-simple-match-set", &[])?;
            for (i, option) in options.iter().enumerate() {
                x.text(
                    "qti-simple-associable-choice",
                    &[("identifier", &choice_id(i)), ("match-max", &n)],
                    option,
                )?;
            }
            x.end("qti-simple-match-set")?;
            x.end("qti-match-interaction")
        }
        ItemBody::AssertionReason { lines, .. } => {
            let n = lines.len().to_string();
            x.start(
                "qti-match-interaction",
                &[
                    response,
                    ("shuffle", "false"),
                    ("max-associations", &n),
                    ("class", AR_CLASS),
                ],
            )?;
            x.text("qti-prompt", &[], &item.stem)?;
            x.start("qti-simple-match-set", &[])?;
            for (i, (assertion, reason)) in lines.iter().enumerate() {
                x.start(
                    "qti-simple-associable-choice",
                    &[("identifier", &line_id(i)), ("match-max", "1")],
                )?;
                x.text("span", &[("class", ASSERTION_CLASS)], assertion)?;
                x.text("span", &[("class", REASON_CLASS)], reason)?;
                x.end("qti-simple-associable-choice")?;
            }
            x.end("qti-simple-match-set")?;
            x.start("qti-simple-match-set", &[])?;
            for (i, meaning) in GRADE_MEANINGS.iter().enumerate() {
                x.text(
                    "qti-simple-associable-choice",
                    &[("identifier", &grade_id(i)), ("match-max", &n)],
                    &format!("{}: {meaning}", option_label(i)),
                )?;
            }
            x.end("qti-simple-match-set")?;
            x.end("qti-match-interaction")
        }
        ItemBody::Sequencing { steps, .. } => {
            x.start("qti-order-interaction", &[response, ("shuffle", "true")])?;
            x.text("qti-prompt", &[], &item.stem)?;
            choices(x, "qti-simple-choice", steps)?;
            x.end("qti-order-interaction")
        }
    }
}

/// All-or-nothing styles: the whole response must match the correct one for MAXSCORE (the
/// standard match_correct template would award 1, not the item's marks). Per-line styles:
/// the standard map_response template over the mapping.
fn response_processing(x: &mut Xml, item: &Item) -> io::Result<()> {
    if matches!(
        item.body,
        ItemBody::Matching { .. } | ItemBody::AssertionReason { .. }
    ) {
        return x.empty(
            "qti-response-processing",
            &[("template", super::names::MAP_RESPONSE)],
        );
    }
    x.start("qti-response-processing", &[])?;
    x.start("qti-response-condition", &[])?;
    x.start("qti-response-if", &[])?;
    x.start("qti-match", &[])?;
    x.empty("qti-variable", &[("identifier", "RESPONSE")])?;
    x.empty("qti-correct", &[("identifier", "RESPONSE")])?;
    x.end("qti-match")?;
    x.start("qti-set-outcome-value", &[("identifier", "SCORE")])?;
    x.empty("qti-variable", &[("identifier", "MAXSCORE")])?;
    x.end("qti-set-outcome-value")?;
    x.end("qti-response-if")?;
    x.start("qti-response-else", &[])?;
    x.start("qti-set-outcome-value", &[("identifier", "SCORE")])?;
    x.text("qti-base-value", &[("base-type", "float")], "0")?;
    x.end("qti-set-outcome-value")?;
    x.end("qti-response-else")?;
    x.end("qti-response-condition")?;
    x.end("qti-response-processing")
}

/// What `export_catalog` wrote for one qualification.
pub struct Exported {
    /// The package's folder, or its `.zip` file, under the export folder.
    pub folder: String,
    pub items: usize,
    /// Bytes written: the files' total, or the archive's size.
    pub bytes: u64,
}

/// Writes one package per edition and qualification under `dir` (created if missing),
/// each in its own folder named by [`folder_name`], or with `zip` as one `.zip` file of
/// that name (the form other systems import). A package that exists already is an
/// error: nothing is overwritten.
pub fn export_catalog(catalog: &Catalog, dir: &Path, zip: bool) -> anyhow::Result<Vec<Exported>> {
    let mut done = Vec::new();
    for edition in &catalog.editions {
        for pool in &edition.qualifications {
            if pool.questions.is_empty() {
                continue;
            }
            let folder = folder_name(edition, pool);
            let package = package(edition, pool)?;
            let (folder, bytes) = if zip {
                let name = format!("{folder}.zip");
                (name.clone(), write_zip(&package, &dir.join(name))?)
            } else {
                (folder.clone(), write_folder(&package, &dir.join(folder))?)
            };
            done.push(Exported {
                folder,
                items: package.items,
                bytes,
            });
        }
    }
    Ok(done)
}

fn write_folder(package: &Package, root: &Path) -> anyhow::Result<u64> {
    use anyhow::Context;
    if root.exists() {
        anyhow::bail!("{} exists already: choose an empty folder", root.display());
    }
    let mut bytes = 0;
    for file in &package.files {
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, &file.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        bytes += file.text.len() as u64;
    }
    Ok(bytes)
}

/// The package as one deflated archive, the manifest first; its size in bytes.
fn write_zip(package: &Package, path: &Path) -> anyhow::Result<u64> {
    use std::io::Write as _;

    use anyhow::Context;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    let mut archive = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for entry in &package.files {
        archive.start_file(entry.path.as_str(), options)?;
        archive.write_all(entry.text.as_bytes())?;
    }
    let file = archive
        .finish()?
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(file.metadata()?.len())
}
