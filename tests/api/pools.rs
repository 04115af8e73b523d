//! Pilot items and editions.

use serde_json::json;

use crate::helpers::*;

db_test!(
    pilot_items_are_delivered_but_never_scored,
    |settings| {
        settings.pools.dir = repo_root().join("tests/fixtures/pilot-pools");
    },
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_sitting(&candidate.token, "demo-foundation").await;
        assert_eq!(sitting.status, 201, "{}", sitting.text);
        let id = sitting.body["id"].as_str().unwrap().to_owned();
        let qs = sitting.body["questions"].as_array().unwrap();
        assert_eq!(qs.len(), 3, "two scored questions and one pilot");
        assert!(
            qs.iter().all(|q| q.get("pilot").is_none()),
            "candidates cannot tell pilots apart"
        );
        let stored = app.stored(&id).await;
        let pilot = stored.paper.items.iter().find(|i| i.pilot).unwrap().number;

        // The pilot answered right, one scored question right, one wrong.
        let scored: Vec<u32> = stored
            .paper
            .items
            .iter()
            .filter(|i| !i.pilot)
            .map(|i| i.number)
            .collect();
        app.save_answer(&candidate.token, &id, pilot, &app.key_of(&id, pilot).await)
            .await;
        app.save_answer(
            &candidate.token,
            &id,
            scored[0],
            &app.key_of(&id, scored[0]).await,
        )
        .await;
        app.save_answer(
            &candidate.token,
            &id,
            scored[1],
            &app.wrong_of(&id, scored[1]).await,
        )
        .await;
        let result = app.submit(&candidate.token, &id).await;
        assert_eq!(result.body["score"], 1);
        assert_eq!(result.body["max_score"], 2);
        assert_eq!(
            result.body["passed"], false,
            "the pilot's mark does not reach the pass mark"
        );
        assert!(
            result.body.get("questions").is_none(),
            "per-question marks would show which question was the pilot"
        );
        let stored = app.stored(&id).await.result.unwrap();
        assert_eq!(
            stored.questions.len(),
            2,
            "the pilot is left out of the sheet"
        );

        // Examiners see the pilot's mark, flagged.
        let admin = app.admin().await;
        let marked = app
            .get(&format!("/api/v1/admin/sittings/{id}"), Some(&admin.token))
            .await;
        let item = marked.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == pilot)
            .unwrap()
            .clone();
        assert_eq!(item["pilot"], true);
        assert_eq!(item["awarded"], 1);
    }
);

/// A copy of the shipped pools with the 2005 edition opened beside 2011.
fn both_editions_open() -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    copy_dir(&repo_root().join("question-pools"), &dir);
    let scheme = dir.join("iso20000-2005/scheme.toml");
    let text = std::fs::read_to_string(&scheme)
        .unwrap()
        .replace("open = false", "open = true");
    std::fs::write(scheme, text).unwrap();
    dir
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn the_2005_edition_is_loaded_from_its_folder_but_closed_by_default() {
    let app = spawn_app().await;
    let edition = app
        .state
        .catalog
        .edition("2005")
        .expect("the 2005 folder is loaded");
    assert!(!edition.open);
    assert!(edition.qualifications[0].questions.len() >= 40);
    let listed = app.get("/api/v1/qualifications", None).await;
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["edition"] != "2005"),
        "the closed edition's papers are not listed"
    );
}

db_test!(
    with_two_editions_open_the_candidate_chooses_and_the_result_says_which,
    |settings| {
        settings.pools.dir = both_editions_open();
    },
    |app| {
        let listed = app.get("/api/v1/qualifications", None).await;
        let foundation_editions: Vec<&str> = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["code"] == "iso20000-foundation")
            .map(|q| q["edition"].as_str().unwrap())
            .collect();
        assert_eq!(foundation_editions, ["2005", "2011"]);

        let candidate = app.candidate().await;
        let ambiguous = app
            .start_sitting(&candidate.token, "iso20000-foundation")
            .await;
        ambiguous.problem(422);
        assert_eq!(ambiguous.fields(), ["edition"]);
        let unknown = app
            .post(
                "/api/v1/sittings",
                json!({"qualification": "iso20000-foundation", "edition": "2018"}),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(unknown.fields(), ["edition"]);

        let sitting = app
            .post(
                "/api/v1/sittings",
                json!({"qualification": "iso20000-foundation", "edition": "2005"}),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(sitting.status, 201, "{}", sitting.text);
        assert_eq!(sitting.body["edition"], "2005");
        assert!(
            sitting.body["edition_title"]
                .as_str()
                .unwrap()
                .contains("2005")
        );
        let qs = sitting.body["questions"].as_array().unwrap();
        assert_eq!(qs.len(), 40);
        assert_eq!(
            qs.iter().filter(|q| q["area"] == "RL").count(),
            5,
            "the 2005 release process area"
        );
        let id = sitting.body["id"].as_str().unwrap().to_owned();
        app.answer_all(&candidate.token, &id, 30).await;
        let result = app.submit(&candidate.token, &id).await;
        assert_eq!(result.body["edition"], "2005");
        assert_eq!(result.body["score"], 30);
        assert!(
            result.body["areas"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["area"] == "RL")
        );
        // The 2011 Practitioner prerequisite accepts a Foundation pass of either edition.
        let eligibility = app
            .get("/api/v1/me/eligibility", Some(&candidate.token))
            .await;
        let practitioner = eligibility
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["qualification"] == "iso20000-practitioner")
            .unwrap()
            .clone();
        assert_eq!(practitioner["eligible"], true);
    }
);
