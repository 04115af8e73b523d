//! Results confirmed by two people (the fixture qualification `demo-confirmed`): the
//! candidate sees a provisional result and no certificate; an examiner recommends, the
//! same administrator cannot also decide, a second one decides; the certificate appears,
//! the candidate is e-mailed and the ledger has both steps.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::*;
use crate::resits::{back_office, sit};

fn actions(trail: &serde_json::Value) -> Vec<String> {
    trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    a_confirmed_result_is_provisional_until_a_second_administrator_decides,
    |settings| {
        back_office(settings);
    },
    |app| {
        let candidate = app.candidate().await;
        let (id, submitted) = sit(&app, &candidate.token, "demo-confirmed", true).await;
        assert_eq!(submitted.body["result_status"], "provisional");
        assert!(submitted.body["certificate_number"].is_null());

        let result = app.result(&candidate.token, &id).await;
        assert_eq!(
            result.body["result_status"], "provisional",
            "{}",
            result.text
        );
        let mine = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await;
        assert_eq!(mine.body, json!([]), "no certificate yet");
        app.deliver_mail().await;
        let provisional_mail = app.mail.to(&candidate.email);
        assert!(
            provisional_mail
                .iter()
                .any(|m| m.subject() == "Your provisional Demo Confirmed result"),
            "{:?}",
            provisional_mail
                .iter()
                .map(|m| m.subject())
                .collect::<Vec<_>>()
        );

        // The candidate's result page says provisional.
        let mut browser = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
        let page = browser.get(&format!("/sittings/{id}/result")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text.contains("Provisional result: Passed"),
            "{}",
            page.text
        );

        let examiner = app.admin().await;
        let listed = app
            .get("/api/v1/admin/results", Some(&examiner.token))
            .await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        let row = &listed.body.as_array().unwrap()[0];
        assert_eq!(row["sitting_id"], id.as_str());
        assert_eq!(row["stage"], "provisional");
        assert_eq!(row["passed"], true);

        let path = format!("/api/v1/admin/results/{id}");
        // No decision before a recommendation.
        let early = app
            .post(
                &format!("{path}/decision"),
                json!({}),
                Some(&examiner.token),
            )
            .await;
        early.problem(409);
        let recommended = app
            .post(
                &format!("{path}/recommendation"),
                json!({"note": "Marked as scored; no irregularity reported"}),
                Some(&examiner.token),
            )
            .await;
        assert_eq!(recommended.status, 200, "{}", recommended.text);
        assert_eq!(recommended.body["stage"], "recommended");
        assert_eq!(recommended.body["recommended_by"], examiner.id.to_string());

        // The examiner who recommended cannot also decide.
        let same = app
            .post(
                &format!("{path}/decision"),
                json!({}),
                Some(&examiner.token),
            )
            .await;
        let problem = same.problem(409);
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("separation-of-duties"),
            "{problem}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("ISO/IEC 17024")
        );
        assert_eq!(
            app.result(&candidate.token, &id).await.body["result_status"],
            "provisional"
        );

        let decider = app.admin().await;
        let decided = app
            .post(
                &format!("{path}/decision"),
                json!({"note": "Certification decision: confirmed"}),
                Some(&decider.token),
            )
            .await;
        assert_eq!(decided.status, 200, "{}", decided.text);
        assert_eq!(decided.body["stage"], "decided");
        let number = decided.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned();
        let again = app
            .post(&format!("{path}/decision"), json!({}), Some(&decider.token))
            .await;
        again.problem(409);

        let result = app.result(&candidate.token, &id).await;
        assert_eq!(result.body["result_status"], "final");
        assert_eq!(result.body["certificate_number"], number.as_str());
        let mine = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await;
        assert_eq!(mine.body[0]["number"], number.as_str());
        let listed = app.get("/api/v1/admin/results", Some(&decider.token)).await;
        assert_eq!(listed.body, json!([]));

        app.deliver_mail().await;
        let final_mail = app
            .mail
            .to(&candidate.email)
            .into_iter()
            .find(|m| m.subject() == "You passed Demo Confirmed")
            .expect("the final result is e-mailed");
        assert!(final_mail.text().contains(&number));

        let trail = app
            .get(
                &format!("/api/v1/admin/sittings/{id}/audit"),
                Some(&decider.token),
            )
            .await;
        let actions = actions(&trail.body);
        assert!(
            actions.ends_with(&[
                "sitting.scored".to_owned(),
                "result.recommended".to_owned(),
                "result.decided".to_owned(),
            ]),
            "{actions:?}"
        );
        let entries = trail.body.as_array().unwrap();
        let recommended = entries
            .iter()
            .find(|e| e["action"] == "result.recommended")
            .unwrap();
        assert_eq!(recommended["actor"], examiner.id.to_string());
        let decided = entries
            .iter()
            .find(|e| e["action"] == "result.decided")
            .unwrap();
        assert_eq!(decided["actor"], decider.id.to_string());
        assert_eq!(decided["detail"]["recommended_by"], examiner.id.to_string());
        let scored = entries
            .iter()
            .find(|e| e["action"] == "sitting.scored")
            .unwrap();
        assert_eq!(scored["detail"]["result_status"], "provisional");
    }
);

db_test!(
    administrators_recommend_and_decide_on_the_page,
    |settings| {
        back_office(settings);
    },
    |app| {
        let candidate = app.candidate().await;
        let (id, _) = sit(&app, &candidate.token, "demo-confirmed", false).await;
        let examiner = app.admin().await;
        let decider = app.admin().await;

        let mut browser = Browser::signed_in(&app, &examiner.email, "/admin").await;
        let list = browser.get("/admin/results").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.text.contains("Demo Confirmed"), "{}", list.text);
        assert!(list.text.contains("provisionally not passed"));
        let done = browser
            .submit(
                &format!("/admin/results/{id}/recommendation"),
                &[("note", "")],
            )
            .await;
        let confirmed = browser.follow(&done).await;
        assert!(
            confirmed.text.contains("The recommendation is recorded"),
            "{}",
            confirmed.text
        );
        assert!(confirmed.text.contains("You recommended this result"));
        let same = browser
            .submit(&format!("/admin/results/{id}/decision"), &[("note", "")])
            .await;
        assert_eq!(same.status, StatusCode::CONFLICT);
        assert!(same.text.contains("ISO/IEC 17024"), "{}", same.text);

        let mut other = Browser::signed_in(&app, &decider.email, "/admin").await;
        let list = other.get("/admin/results").await;
        assert!(list.text.contains("Confirm the result"), "{}", list.text);
        let done = other
            .submit(
                &format!("/admin/results/{id}/decision"),
                &[("note", "Confirmed")],
            )
            .await;
        let confirmed = other.follow(&done).await;
        assert!(
            confirmed.text.contains("The result is final"),
            "{}",
            confirmed.text
        );
        let result = app.result(&candidate.token, &id).await;
        assert_eq!(result.body["result_status"], "final");
        assert!(
            result.body["certificate_number"].is_null(),
            "a fail has no certificate"
        );
    }
);

db_test!(results_of_the_shipped_scheme_are_final_when_scored, |app| {
    let candidate = app.candidate().await;
    let sitting = app.start_foundation(&candidate.token).await;
    let id = sitting["id"].as_str().unwrap().to_owned();
    app.answer_all(&candidate.token, &id, 30).await;
    let result = app.submit(&candidate.token, &id).await;
    assert_eq!(result.body["result_status"], "final");
    assert!(result.body["certificate_number"].is_string());
    let admin = app.admin().await;
    let unknown = app
        .post(
            &format!("/api/v1/admin/results/{id}/recommendation"),
            json!({}),
            Some(&admin.token),
        )
        .await;
    unknown.problem(404);
});

db_test!(
    two_administrators_deciding_at_once_make_one_decision_and_one_certificate,
    |settings| {
        back_office(settings);
    },
    |app| {
        let candidate = app.candidate().await;
        let (id, _) = sit(&app, &candidate.token, "demo-confirmed", true).await;
        let examiner = app.admin().await;
        let path = format!("/api/v1/admin/results/{id}");
        let recommended = app
            .post(
                &format!("{path}/recommendation"),
                json!({}),
                Some(&examiner.token),
            )
            .await;
        assert_eq!(recommended.status, 200, "{}", recommended.text);
        let (first, second) = (app.admin().await, app.admin().await);
        let decision = format!("{path}/decision");
        let (a, b) = tokio::join!(
            app.post(&decision, json!({}), Some(&first.token)),
            app.post(&decision, json!({}), Some(&second.token)),
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", a.text, b.text);
        let mine = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.text);
    }
);
