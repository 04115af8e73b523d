//! The scheme's papers and a candidate's eligibility for them.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_three_papers_are_listed_with_their_formats() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/qualifications", None).await;
    assert_eq!(reply.status, 200);
    let papers = reply.body.as_array().unwrap();
    let find = |code: &str| {
        papers
            .iter()
            .find(|p| p["code"] == code)
            .unwrap_or_else(|| panic!("{code} missing"))
            .clone()
    };
    let foundation = find("iso20000-foundation");
    assert_eq!(foundation["edition"], "2011");
    assert_eq!(
        foundation["format"],
        json!({"questions": 40, "marks": 40, "pass_mark": 26, "duration_minutes": 60, "book": "closed", "permitted_material": null})
    );
    assert_eq!(foundation["prerequisites"]["rule"], "none");
    let practitioner = find("iso20000-practitioner");
    assert_eq!(practitioner["format"]["questions"], 4);
    assert_eq!(practitioner["format"]["marks"], 80);
    assert_eq!(practitioner["format"]["pass_mark"], 40);
    assert_eq!(practitioner["format"]["duration_minutes"], 180);
    assert_eq!(practitioner["format"]["book"], "open");
    assert!(
        practitioner["format"]["permitted_material"]
            .as_str()
            .unwrap()
            .contains("20000-1")
    );
    assert_eq!(practitioner["prerequisites"]["rule"], "any");
    assert_eq!(
        practitioner["prerequisites"]["requirements"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "this system's Foundation, the second body's Foundation, BCS and ITIL"
    );
    let auditor = find("iso20000-auditor");
    assert_eq!(
        auditor["format"],
        json!({"questions": 40, "marks": 40, "pass_mark": 26, "duration_minutes": 60, "book": "closed", "permitted_material": null})
    );
    assert_eq!(auditor["prerequisites"]["rule"], "all");
}

db_test!(
    a_new_candidate_may_sit_foundation_only_and_is_told_what_is_missing,
    |app| {
        let candidate = app.candidate().await;
        let reply = app
            .get("/api/v1/me/eligibility", Some(&candidate.token))
            .await;
        assert_eq!(reply.status, 200);
        let rows = reply.body.as_array().unwrap();
        let row = |code: &str| {
            rows.iter()
                .find(|r| r["qualification"] == code)
                .unwrap()
                .clone()
        };
        assert_eq!(row("iso20000-foundation")["eligible"], true);
        assert_eq!(row("iso20000-foundation")["unmet"], json!([]));

        let practitioner = row("iso20000-practitioner");
        assert_eq!(practitioner["eligible"], false);
        let unmet: Vec<&str> = practitioner["unmet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["description"].as_str().unwrap())
            .collect();
        assert!(
            unmet
                .iter()
                .any(|d| d.contains("Foundation certificate issued by Invigilator"))
        );
        assert!(unmet.iter().any(|d| d.contains("ITIL Foundation")));
        assert!(unmet.iter().any(|d| d.contains("BCS")));

        let auditor = row("iso20000-auditor");
        assert_eq!(auditor["eligible"], false);
        let kinds: Vec<&str> = auditor["unmet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["audit_experience", "course"]);
    }
);

db_test!(
    starting_a_paper_without_its_prerequisites_is_refused_with_the_reasons,
    |app| {
        let candidate = app.candidate().await;
        let reply = app
            .start_sitting(&candidate.token, "iso20000-auditor")
            .await;
        let body = reply.problem(403);
        let unmet = body["unmet"].as_array().unwrap();
        assert_eq!(unmet.len(), 2);
        assert!(
            unmet[0]["description"]
                .as_str()
                .unwrap()
                .contains("three years")
        );
        let practitioner = app
            .start_sitting(&candidate.token, "iso20000-practitioner")
            .await;
        assert_eq!(
            practitioner.problem(403)["unmet"].as_array().unwrap().len(),
            4
        );
        assert!(
            invigilator::persistence::sittings::in_progress_for(&app.state.db, candidate.id)
                .await
                .unwrap()
                .is_none()
        );
    }
);

db_test!(
    passing_foundation_meets_the_practitioner_prerequisite,
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap();
        app.answer_all(&candidate.token, id, 26).await;
        let result = app.submit(&candidate.token, id).await;
        assert_eq!(result.body["passed"], true, "{}", result.text);

        let reply = app
            .get("/api/v1/me/eligibility", Some(&candidate.token))
            .await;
        let practitioner = reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["qualification"] == "iso20000-practitioner")
            .unwrap()
            .clone();
        assert_eq!(practitioner["eligible"], true);
        assert_eq!(practitioner["met"][0]["kind"], "passed_qualification");
        let practitioner = app
            .start_sitting(&candidate.token, "iso20000-practitioner")
            .await;
        assert_eq!(practitioner.status, 201, "{}", practitioner.text);
    }
);

#[tokio::test]
async fn an_unknown_qualification_is_a_validation_problem() {
    let app = spawn_app().await;
    let candidate = app.candidate().await;
    let reply = app
        .start_sitting(&candidate.token, "iso9001-foundation")
        .await;
    reply.problem(422);
    assert_eq!(reply.fields(), ["qualification"]);
}
