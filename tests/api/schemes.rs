//! Several schemes as data: a second exam body's Foundation (its own folder under
//! `question-pools/`) is listed beside the first body's papers, can be sat end to end,
//! issues certificates with its own prefix and wording, and satisfies the first body's
//! Practitioner rule because that scheme file names it.

use reqwest::StatusCode;

use crate::browser::Browser;
use crate::documents::pdf_text;
use crate::helpers::*;

const SECOND_FOUNDATION: &str = "nbx-iso20000-foundation";

/// Passes the second body's Foundation with 30 of 40 and returns the result.
async fn pass_second_foundation(app: &TestApp, who: &Candidate) -> Reply {
    let sitting = app.start_sitting(&who.token, SECOND_FOUNDATION).await;
    assert_eq!(sitting.status, 201, "{}", sitting.text);
    let questions = sitting.body["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 40);
    assert_eq!(sitting.body["remaining_seconds"], 3600);
    let id = sitting.body["id"].as_str().unwrap().to_owned();
    app.answer_all(&who.token, &id, 30).await;
    let result = app.submit(&who.token, &id).await;
    assert_eq!(result.status, 200, "{}", result.text);
    result
}

db_test!(
    a_candidate_sits_the_second_bodys_foundation_and_gets_its_certificate,
    |app| {
        let candidate = app.candidate().await;
        let result = pass_second_foundation(&app, &candidate).await;
        assert_eq!(result.body["passed"], true, "{}", result.text);
        assert_eq!(result.body["score"], 30);
        assert_eq!(result.body["pass_mark"], 26);
        let number = result.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(number.starts_with("NBXF-"), "{number}");

        let verification = app
            .get(&format!("/api/v1/certificates/{number}/verification"), None)
            .await;
        assert_eq!(verification.status, 200);
        assert_eq!(verification.body["status"], "valid");
        assert_eq!(verification.body["issuer"], "Northbridge Examinations");
        assert_eq!(
            verification.body["qualification_title"],
            "Northbridge ISO/IEC 20000 Foundation"
        );
        assert_eq!(verification.body["edition"], "nbx-2011");

        let response = app
            .client
            .get(app.url(&format!("/api/v1/certificates/{number}/pdf")))
            .bearer_auth(&candidate.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let pdf = response.bytes().await.unwrap().to_vec();
        if let Some(text) = pdf_text(&pdf) {
            for line in [
                "Northbridge Examinations",
                "CERTIFICATE OF ACHIEVEMENT",
                "Northbridge Examinations declares that",
                "has met the requirements of the examination",
                "Northbridge ISO/IEC 20000 Foundation",
                "covering",
                "ISO/IEC 20000-1:2011 and ISO/IEC 20000-2:2012",
                &format!("Certificate number: {number}"),
                "Issued by Northbridge Examinations",
            ] {
                assert!(text.contains(line), "{line:?} not in:\n{text}");
            }
            for default in ["This is to certify that", "has passed the examination"] {
                assert!(!text.contains(default), "{default:?} in:\n{text}");
            }
        }

        // The first body's certificates keep the configured issuer and default wording.
        let other = app.candidate().await;
        let first = app.pass_foundation(&other).await;
        assert!(first.starts_with("I20F-"));
        let verification = app
            .get(&format!("/api/v1/certificates/{first}/verification"), None)
            .await;
        assert_eq!(
            verification.body["issuer"],
            "Invigilator Certification Body"
        );
    }
);

db_test!(
    a_holder_of_only_the_second_bodys_foundation_may_sit_the_practitioner,
    |app| {
        let candidate = app.candidate().await;
        app.start_sitting(&candidate.token, "iso20000-practitioner")
            .await
            .problem(403);
        let result = pass_second_foundation(&app, &candidate).await;
        assert_eq!(result.body["passed"], true);

        let eligibility = app
            .get("/api/v1/me/eligibility", Some(&candidate.token))
            .await;
        let row = eligibility
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["qualification"] == "iso20000-practitioner")
            .unwrap()
            .clone();
        assert_eq!(row["eligible"], true, "{row}");
        assert!(
            row["met"][0]["description"]
                .as_str()
                .unwrap()
                .contains("Northbridge"),
            "{row}"
        );
        let sitting = app
            .start_sitting(&candidate.token, "iso20000-practitioner")
            .await;
        assert_eq!(sitting.status, 201, "{}", sitting.text);
    }
);

db_test!(
    both_bodies_papers_are_listed_and_the_scheme_page_groups_them_by_body,
    |app| {
        let list = app.get("/api/v1/qualifications", None).await;
        let papers = list.body.as_array().unwrap();
        let second = papers
            .iter()
            .find(|q| q["code"] == SECOND_FOUNDATION)
            .expect("the second body's Foundation is listed");
        assert_eq!(second["body"], "Northbridge Examinations");
        assert_eq!(second["scheme"], "northbridge-iso20000");
        assert_eq!(second["format"]["questions"], 40);
        assert_eq!(second["format"]["pass_mark"], 26);
        assert_eq!(second["format"]["duration_minutes"], 60);
        assert_eq!(second["available"], true);
        let first = papers
            .iter()
            .find(|q| q["code"] == "iso20000-foundation")
            .unwrap();
        assert_eq!(first["body"], "Invigilator Certification Body");

        let mut browser = Browser::new(&app);
        let page = browser.get("/scheme").await;
        assert_eq!(page.status, StatusCode::OK);
        let first_body = page
            .text
            .find("Set by Invigilator Certification Body")
            .expect("the first body's heading");
        let second_body = page
            .text
            .find("Set by Northbridge Examinations")
            .expect("the second body's heading");
        let second_paper = page
            .text
            .find("<h4>Northbridge ISO/IEC 20000 Foundation</h4>")
            .expect("the second body's paper");
        let first_paper = page.text.find("<h4>ISO/IEC 20000 Foundation</h4>").unwrap();
        assert!(first_body < first_paper && first_paper < second_body);
        assert!(second_body < second_paper);
        // The second scheme's own syllabus, from its scheme file.
        assert!(page.text.contains(
            "<td>Keeping control: configuration, change, release and deployment</td><td>4</td>"
        ));
        assert!(
            page.text.contains(
                "A Northbridge ISO/IEC 20000 Foundation certificate issued by Invigilator"
            )
        );
    }
);
