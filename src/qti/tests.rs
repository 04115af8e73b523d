use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::export::export_catalog;
use super::names::*;
use super::xml::{Element, parse};
use super::{export, import, results};
use crate::domain::pool::Question;
use crate::pools::load_catalog;

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("question-pools")
}

/// The normalised form of a pool: its questions as loaded, sorted by id, enemies sorted,
/// serialised as JSON and hashed.
fn pool_hash(questions: &[Question]) -> String {
    let mut questions = questions.to_vec();
    questions.sort_by(|a, b| a.id.cmp(&b.id));
    for q in &mut questions {
        q.enemies.sort();
    }
    hex::encode(Sha256::digest(
        serde_json::to_vec(&questions).expect("questions serialise"),
    ))
}

/// The shipped folder whose `scheme.toml` declares `edition` (folder names are free).
fn edition_folder(edition: &str) -> std::path::PathBuf {
    std::fs::read_dir(shipped())
        .expect("the pools folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|dir| {
            std::fs::read_to_string(dir.join("scheme.toml"))
                .ok()
                .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
                .is_some_and(|t| t.get("edition").and_then(|v| v.as_str()) == Some(edition))
        })
        .expect("a folder declares the edition")
}

#[test]
fn exporting_and_importing_the_shipped_pools_gives_the_same_pools() {
    let catalog = load_catalog(&shipped()).expect("the shipped pools load");
    let out = tempfile::tempdir().expect("tempdir");
    let exported = export_catalog(&catalog, &out.path().join("qti"), false).expect("exports");
    let mut compared = Vec::new();
    for edition in &catalog.editions {
        let copy = out.path().join("pools").join(&edition.edition);
        std::fs::create_dir_all(&copy).expect("mkdir");
        let folder = edition_folder(&edition.edition);
        std::fs::copy(folder.join("scheme.toml"), copy.join("scheme.toml")).expect("copy");
        for pool in &edition.qualifications {
            let package = out
                .path()
                .join("qti")
                .join(export::folder_name(edition, pool));
            let imported = import::read_package(&package).expect("reads");
            assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
            assert!(imported.incomplete.is_empty(), "{:?}", imported.incomplete);
            let folder = imported
                .items_folder
                .clone()
                .expect("our manifest names its folder");
            assert_eq!(folder, pool.qualification.items);
            import::write_files(&imported, &copy.join(folder)).expect("writes");
        }
    }
    let back = load_catalog(&out.path().join("pools")).unwrap_or_else(|problems| {
        panic!(
            "{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    for edition in &catalog.editions {
        let again = back.edition(&edition.edition).expect("the edition is back");
        for pool in &edition.qualifications {
            let other = again
                .qualifications
                .iter()
                .find(|q| q.qualification.code == pool.qualification.code)
                .expect("the qualification is back");
            let items = |qs: &[Question]| qs.iter().map(|q| q.items.len()).sum::<usize>();
            assert_eq!(items(&other.questions), items(&pool.questions));
            assert_eq!(
                pool_hash(&other.questions),
                pool_hash(&pool.questions),
                "{} {}",
                edition.edition,
                pool.qualification.code
            );
            compared.push(format!(
                "{}/{}: {}",
                edition.edition,
                pool.qualification.code,
                items(&pool.questions)
            ));
        }
    }
    let exported_items: usize = exported.iter().map(|e| e.items).sum();
    assert!(exported_items >= 400, "{compared:?}");
    assert_eq!(compared.len(), 5, "{compared:?}");
}

fn values(e: &Element) -> Vec<String> {
    e.children_named("qti-value").map(Element::text).collect()
}

#[test]
fn every_exported_file_is_well_formed_qti_whose_keys_name_its_choices() {
    let catalog = load_catalog(&shipped()).expect("the shipped pools load");
    for edition in &catalog.editions {
        for pool in &edition.qualifications {
            let package = export::package(edition, pool).expect("exports");
            let manifest = parse(&package.files[0].text).expect("the manifest is well-formed");
            assert_eq!(manifest.name, "manifest");
            assert_eq!(manifest.namespace.as_deref(), Some(MANIFEST_NS));
            let listed: BTreeSet<String> = manifest
                .child("resources")
                .expect("resources")
                .children_named("resource")
                .map(|r| {
                    assert_eq!(r.attribute("type"), Some("imsqti_item_xmlv3p0"));
                    let href = r.attribute("href").expect("href").to_owned();
                    assert_eq!(
                        r.child("file").and_then(|f| f.attribute("href")),
                        Some(href.as_str())
                    );
                    href
                })
                .collect();
            let files: BTreeSet<String> =
                package.files[1..].iter().map(|f| f.path.clone()).collect();
            assert_eq!(listed, files, "the manifest lists every file");
            for file in &package.files[1..] {
                let item = parse(&file.text).unwrap_or_else(|e| panic!("{}: {e}", file.path));
                assert_eq!(item.name, "qti-assessment-item");
                assert_eq!(item.namespace.as_deref(), Some(ASSESSMENT_NS));
                let declaration = item.child("qti-response-declaration").expect("declared");
                let interaction = item
                    .child("qti-item-body")
                    .expect("body")
                    .elements()
                    .find(|e| e.name.ends_with("-interaction"))
                    .expect("an interaction");
                assert_eq!(
                    interaction.attribute("response-identifier"),
                    declaration.attribute("identifier")
                );
                let choices: BTreeSet<&str> = interaction
                    .descendants()
                    .into_iter()
                    .filter(|e| {
                        e.name == "qti-simple-choice" || e.name == "qti-simple-associable-choice"
                    })
                    .filter_map(|e| e.attribute("identifier"))
                    .collect();
                let correct = values(declaration.child("qti-correct-response").expect("a key"));
                assert!(!correct.is_empty(), "{}", file.path);
                for value in correct {
                    for id in value.split(' ') {
                        assert!(choices.contains(id), "{}: {id} is not a choice", file.path);
                    }
                }
                let max = item
                    .children_named("qti-outcome-declaration")
                    .find(|o| o.attribute("identifier") == Some("MAXSCORE"))
                    .expect("MAXSCORE");
                assert!(max.descendants().iter().any(|e| e.name == "qti-value"));
                assert!(item.child("qti-response-processing").is_some());
            }
        }
    }
}

#[test]
fn a_third_party_package_is_imported_with_every_skipped_item_named() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/qti/third-party");
    let imported = import::read_package(&fixture).expect("reads");
    let skipped: Vec<(String, String)> = imported
        .skipped
        .iter()
        .map(|s| (s.file.clone(), s.reason.clone()))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped.iter().any(|(f, r)| f == "items/essay.xml"
        && r.contains("unsupported interaction qti-extended-text-interaction")));
    assert!(
        skipped
            .iter()
            .any(|(f, r)| f == "items/no-key.xml" && r.contains("no correct response"))
    );
    assert_eq!(imported.imported, 1);
    assert_eq!(imported.incomplete, vec!["capital-choice".to_owned()]);
    let file = &imported.files["needs-review.toml"];
    assert_eq!(file.items[0].key.as_deref(), Some("C"));
    assert_eq!(file.items[0].options.len(), 4);
    assert_eq!(
        file.items[0].stem,
        "Which clause of ISO/IEC 20000-1:2011 sets out the requirements for the service management plan?"
    );
}

#[test]
fn a_practitioner_sitting_reports_each_style_s_response_in_its_cardinality() {
    use std::collections::BTreeMap;

    use crate::domain::pool::ItemBody;
    use crate::domain::scoring::{Response, score};
    use crate::domain::values::option_label;

    let catalog = load_catalog(&shipped()).expect("the shipped pools load");
    let (edition, pool) = catalog
        .find("iso20000-practitioner", None)
        .expect("practitioner");
    let paper = crate::domain::paper::assemble(
        &pool.questions,
        pool.qualification.blueprint.as_ref().expect("a blueprint"),
        &edition.areas,
        7,
    )
    .expect("a paper");
    let labels = |keys: &[usize]| keys.iter().map(|k| option_label(*k)).collect::<Vec<_>>();
    let responses: BTreeMap<u32, Response> = paper
        .items
        .iter()
        .map(|item| {
            let r = match &item.body {
                ItemBody::Classic { key, .. } => Response::choice(&option_label(*key)),
                ItemBody::MultipleResponse { keys, .. } => Response {
                    choices: Some(labels(keys)),
                    ..Response::default()
                },
                ItemBody::Matching { keys, .. } => Response {
                    matches: Some(labels(keys)),
                    ..Response::default()
                },
                ItemBody::AssertionReason { keys, .. } => Response {
                    grades: Some(labels(keys)),
                    ..Response::default()
                },
                ItemBody::Sequencing { keys, .. } => Response {
                    order: Some(labels(keys)),
                    ..Response::default()
                },
            };
            (item.number, r)
        })
        .collect();
    let sheet = score(&paper, &responses, 40);
    let document = results::assessment_result(&results::SittingResult {
        sitting_id: uuid::Uuid::now_v7(),
        candidate_id: uuid::Uuid::now_v7(),
        qualification: "iso20000-practitioner",
        edition: "2011",
        closed_at: time::OffsetDateTime::UNIX_EPOCH,
        paper: &paper,
        responses: &responses,
        sheet: &sheet,
    })
    .expect("writes");
    let root = parse(&document).expect("well-formed");
    assert_eq!(root.namespace.as_deref(), Some(RESULT_NS));
    let items: Vec<&Element> = root.children_named("itemResult").collect();
    assert_eq!(items.len(), paper.items.len());
    let mut cardinalities = BTreeSet::new();
    for (element, item) in items.iter().zip(&paper.items) {
        let response = element.child("responseVariable").expect("response");
        cardinalities.insert(
            response
                .attribute("cardinality")
                .unwrap_or_default()
                .to_owned(),
        );
        let given: Vec<String> = response
            .child("candidateResponse")
            .expect("given")
            .children_named("value")
            .map(Element::text)
            .collect();
        let correct: Vec<String> = response
            .child("correctResponse")
            .expect("correct")
            .children_named("value")
            .map(Element::text)
            .collect();
        assert_eq!(given, correct, "item {}", item.number);
        let score = element
            .children_named("outcomeVariable")
            .find(|o| o.attribute("identifier") == Some("SCORE"))
            .and_then(|o| o.child("value"))
            .map(Element::text);
        assert_eq!(score, Some(item.marks.to_string()));
    }
    assert_eq!(
        cardinalities.into_iter().collect::<Vec<_>>(),
        vec!["multiple", "ordered", "single"]
    );
}

/// The files an import would write, as TOML text, to compare two imports.
fn written(imported: &import::Imported) -> Vec<(String, String)> {
    imported
        .files
        .iter()
        .map(|(name, file)| (name.clone(), toml::to_string(file).expect("TOML")))
        .collect()
}

#[test]
fn a_zip_package_imports_exactly_as_its_folder_does() {
    let catalog = load_catalog(&shipped()).expect("the shipped pools load");
    let out = tempfile::tempdir().expect("tempdir");
    let folders = export_catalog(&catalog, &out.path().join("folders"), false).expect("folders");
    let zips = export_catalog(&catalog, &out.path().join("zips"), true).expect("zips");
    assert_eq!(folders.len(), zips.len());
    for (folder, zip) in folders.iter().zip(&zips) {
        assert_eq!(zip.folder, format!("{}.zip", folder.folder));
        let path = out.path().join("zips").join(&zip.folder);
        let bytes = std::fs::read(&path).expect("the archive");
        assert!(bytes.starts_with(b"PK\x03\x04"), "{} is a zip", zip.folder);
        assert!(zip.bytes < folder.bytes, "{} is compressed", zip.folder);
        let from_folder =
            import::read_package(&out.path().join("folders").join(&folder.folder)).expect("reads");
        let from_zip = import::read_package(&path).expect("reads the zip");
        assert_eq!(from_zip.imported, from_folder.imported);
        assert!(
            from_zip.imported > 0 && from_zip.skipped.is_empty(),
            "{:?}",
            from_zip.skipped
        );
        assert_eq!(from_zip.items_folder, from_folder.items_folder);
        assert_eq!(written(&from_zip), written(&from_folder), "{}", zip.folder);
    }
    // Nothing is overwritten.
    let again = export_catalog(&catalog, &out.path().join("zips"), true);
    assert!(again.is_err_and(|e| e.to_string().contains("must not exist yet")));
}

/// One exported classic item's XML.
fn an_item_xml() -> String {
    let catalog = load_catalog(&shipped()).expect("the shipped pools load");
    let edition = catalog.edition("2011").expect("2011");
    let package = export::package(edition, &edition.qualifications[0]).expect("a package");
    package
        .files
        .into_iter()
        .find(|f| f.path.starts_with("items/"))
        .expect("an item file")
        .text
}

/// A one-item classic package as a zip (the item at `items/one.xml`, the manifest
/// pointing at `href`), with `extra` entries beside it.
fn zip_with(path: &Path, href: &str, extra: &[(&str, Vec<u8>)]) {
    use std::io::Write;
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="m">
<resources><resource identifier="r1" type="imsqti_item_xmlv3p0" href="{href}"/></resources>
</manifest>"#
    );
    let mut archive = zip::ZipWriter::new(std::fs::File::create(path).expect("create"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    archive
        .start_file("imsmanifest.xml", options)
        .expect("entry");
    archive.write_all(manifest.as_bytes()).expect("write");
    archive.start_file("items/one.xml", options).expect("entry");
    archive.write_all(an_item_xml().as_bytes()).expect("write");
    for (name, bytes) in extra {
        archive.start_file(*name, options).expect("entry");
        archive.write_all(bytes).expect("write");
    }
    archive.finish().expect("finish");
}

#[test]
fn a_hostile_zip_is_refused_or_its_escaping_entries_are_never_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An item inside the archive imports (items of third parties carry no metadata).
    let good = dir.path().join("good.zip");
    zip_with(
        &good,
        "items/one.xml",
        &[("pictures/a.png", vec![0x89, 0xff, 0xfe])],
    );
    let imported = import::read_package(&good).expect("reads");
    assert_eq!(imported.imported, 1, "{:?}", imported.skipped);
    // An href out of the archive is skipped with its reason.
    let escaping = dir.path().join("escaping.zip");
    zip_with(&escaping, "../one.xml", &[("../one.xml", b"<x/>".to_vec())]);
    let imported = import::read_package(&escaping).expect("reads");
    assert_eq!(imported.imported, 0);
    assert!(
        imported
            .skipped
            .iter()
            .any(|s| s.reason.contains("does not name a file inside")),
        "{:?}",
        imported.skipped
    );
    // An entry named `../two.xml` is not `two.xml` of the package, though it holds an item.
    let outside = dir.path().join("outside.zip");
    zip_with(
        &outside,
        "two.xml",
        &[("../two.xml", an_item_xml().into_bytes())],
    );
    let imported = import::read_package(&outside).expect("reads");
    assert_eq!(imported.imported, 0);
    assert!(
        imported
            .skipped
            .iter()
            .any(|s| s.reason.contains("not in the archive")),
        "{:?}",
        imported.skipped
    );
    // A file that unpacks past the limit (16 MiB of zeros deflate to a few KiB) is refused.
    let bomb = dir.path().join("bomb.zip");
    zip_with(
        &bomb,
        "items/one.xml",
        &[("items/big.xml", vec![b' '; 16 * 1024 * 1024 + 1])],
    );
    let err = import::read_package(&bomb).expect_err("too large");
    assert!(err.to_string().contains("larger than"), "{err:#}");
    assert!(std::fs::metadata(&bomb).expect("the archive").len() < 200_000);
    // Not an archive at all.
    let text = dir.path().join("notes.zip");
    std::fs::write(&text, "not a zip").expect("write");
    let err = import::read_package(&text).expect_err("not a zip");
    assert!(err.to_string().contains("is not a zip archive"), "{err:#}");
}
