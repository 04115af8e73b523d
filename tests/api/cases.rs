//! Appeals and complaints as people lodge and handle them: a candidate appeals a failed
//! result within the window (and is refused after it), a revoked certificate's appeal is
//! reviewed by an administrator who had no part in the revocation and upheld with its
//! reinstatement, ATO staff complain on a delegate's behalf, and a case is withdrawn;
//! the appellant is e-mailed at every step.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::*;

/// The candidate sits Foundation and fails it (10 of 40); returns the sitting id.
async fn fail_foundation(app: &TestApp, who: &Candidate) -> String {
    let sitting = app.start_foundation(&who.token).await;
    let id = sitting["id"].as_str().unwrap().to_owned();
    app.answer_all(&who.token, &id, 10).await;
    let result = app.submit(&who.token, &id).await;
    assert_eq!(result.body["passed"], false, "{}", result.text);
    id
}

async fn appeal(app: &TestApp, token: &str, kind: &str, id: &str) -> Reply {
    app.post(
        "/api/v1/me/cases",
        json!({"kind": "appeal", "target_kind": kind, "target_id": id,
               "statement": "I believe question 12 was marked against the syllabus."}),
        Some(token),
    )
    .await
}

/// The subjects of the mail the address has been sent, after delivering what is due.
async fn subjects(app: &TestApp, email: &str) -> Vec<String> {
    app.deliver_mail().await;
    app.mail.to(email).iter().map(|m| m.subject()).collect()
}

fn id_of(reply: &Reply) -> String {
    reply.body["id"].as_str().unwrap().to_owned()
}

db_test!(
    a_failed_candidate_appeals_within_the_window_and_not_after_it,
    |app| {
        let candidate = app.candidate().await;
        let sitting = fail_foundation(&app, &candidate).await;

        let lodged = appeal(&app, &candidate.token, "sitting", &sitting).await;
        assert_eq!(lodged.status, StatusCode::CREATED, "{}", lodged.text);
        assert_eq!(lodged.body["state"], "received");
        assert_eq!(lodged.body["target_id"], sitting.as_str());
        assert_eq!(lodged.body["lodged_by"], candidate.id.to_string());
        assert!(
            subjects(&app, &candidate.email)
                .await
                .contains(&"We have received your appeal".to_owned())
        );
        let mine = app.get("/api/v1/me/cases", Some(&candidate.token)).await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1);
        // One open appeal per result.
        let twice = appeal(&app, &candidate.token, "sitting", &sitting).await;
        assert_eq!(
            twice.problem(409)["type"],
            "urn:invigilator:problem:appeal-open"
        );

        // Another candidate's sitting is nothing of theirs.
        let other = app.candidate().await;
        let foreign = appeal(&app, &other.token, "sitting", &sitting).await;
        foreign.problem(404);
        let own_case = app
            .get(
                &format!("/api/v1/me/cases/{}", id_of(&lodged)),
                Some(&other.token),
            )
            .await;
        own_case.problem(404);

        // An appeal names its target.
        let nameless = app
            .post(
                "/api/v1/me/cases",
                json!({"kind": "appeal", "statement": "Unfair"}),
                Some(&candidate.token),
            )
            .await;
        nameless.problem(422);
        assert_eq!(nameless.fields(), vec!["target_id"]);

        // Thirty-one days later the window (30 days, the shipped scheme's) has closed.
        app.advance(time::Duration::days(31));
        let token = app.relogin(&candidate).await;
        let late = appeal(&app, &token, "sitting", &sitting).await;
        let problem = late.problem(409);
        assert_eq!(
            problem["type"],
            "urn:invigilator:problem:appeal-window-closed"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("appeals.window_days"),
            "{}",
            late.text
        );

        // The administrators' list shows the case with its age, oldest first.
        let admin = app.admin().await;
        let listed = app
            .get(
                "/api/v1/admin/cases?state=received&kind=appeal",
                Some(&admin.token),
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        let items = listed.body.as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["age_days"], 31);
        let none = app
            .get("/api/v1/admin/cases?kind=complaint", Some(&admin.token))
            .await;
        assert!(none.body.as_array().unwrap().is_empty());

        // Withdrawn before a decision, and told so; a second withdrawal is refused.
        let withdrawn = app
            .post(
                &format!("/api/v1/me/cases/{}/withdraw", id_of(&lodged)),
                json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
        assert_eq!(withdrawn.body["state"], "withdrawn");
        assert!(
            subjects(&app, &candidate.email)
                .await
                .contains(&"Your appeal is withdrawn".to_owned())
        );
        let again = app
            .post(
                &format!("/api/v1/me/cases/{}/withdraw", id_of(&lodged)),
                json!({}),
                Some(&token),
            )
            .await;
        again.problem(409);
    }
);

async fn verification_status(app: &TestApp, number: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/certificates/{number}/verification"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["status"].clone()
}

db_test!(
    an_upheld_appeal_reinstates_a_revoked_certificate_reviewed_by_someone_not_involved,
    |app| {
        let candidate = app.candidate().await;
        let number = app.pass_foundation(&candidate).await;
        let revoker = app.admin().await;
        let revoked = app
            .post(
                &format!("/api/v1/admin/certificates/{number}/status"),
                json!({"action": "revoke", "reason": "suspected impersonation"}),
                Some(&revoker.token),
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
        assert_eq!(verification_status(&app, &number).await, "revoked");

        let lodged = appeal(&app, &candidate.token, "certificate", &number).await;
        assert_eq!(lodged.status, StatusCode::CREATED, "{}", lodged.text);
        let case = id_of(&lodged);

        // The administrator who revoked it may not review the appeal.
        let refused = app
            .post(
                &format!("/api/v1/admin/cases/{case}/reviewer"),
                json!({"reviewer": revoker.id}),
                Some(&revoker.token),
            )
            .await;
        let problem = refused.problem(409);
        assert_eq!(problem["type"], "urn:invigilator:problem:reviewer-involved");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("ISO/IEC 17024")
        );
        // Nor can a candidate be one.
        let not_admin = app
            .post(
                &format!("/api/v1/admin/cases/{case}/reviewer"),
                json!({"reviewer": candidate.id}),
                Some(&revoker.token),
            )
            .await;
        not_admin.problem(422);
        assert_eq!(not_admin.fields(), vec!["reviewer"]);

        let reviewer = app.admin().await;
        let assigned = app
            .post(
                &format!("/api/v1/admin/cases/{case}/reviewer"),
                json!({"reviewer": reviewer.id}),
                Some(&revoker.token),
            )
            .await;
        assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
        assert_eq!(assigned.body["state"], "under_review");
        assert_eq!(assigned.body["reviewer_id"], reviewer.id.to_string());

        let noted = app
            .post(
                &format!("/api/v1/admin/cases/{case}/notes"),
                json!({"text": "The photo check was misread: the ID matches."}),
                Some(&reviewer.token),
            )
            .await;
        assert_eq!(noted.status, StatusCode::CREATED, "{}", noted.text);
        assert!(noted.body["at"].is_string());

        // Only the reviewer decides; a decision needs reasons.
        let by_other = app
            .post(
                &format!("/api/v1/admin/cases/{case}/decision"),
                json!({"outcome": "upheld", "reasons": "ok", "remedy": "reinstate_certificate"}),
                Some(&revoker.token),
            )
            .await;
        by_other.problem(409);
        let blank = app
            .post(
                &format!("/api/v1/admin/cases/{case}/decision"),
                json!({"outcome": "upheld", "reasons": "   "}),
                Some(&reviewer.token),
            )
            .await;
        blank.problem(422);
        assert_eq!(blank.fields(), vec!["reasons"]);

        let decided = app
            .post(
                &format!("/api/v1/admin/cases/{case}/decision"),
                json!({"outcome": "upheld", "reasons": "The identity check was wrong.", "remedy": "reinstate_certificate"}),
                Some(&reviewer.token),
            )
            .await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
        assert_eq!(decided.body["state"], "upheld");
        assert_eq!(decided.body["remedy"], "reinstate_certificate");
        assert_eq!(verification_status(&app, &number).await, "valid");

        // The certificate's own trail records the reinstatement, by the reviewer.
        let trail = app
            .get(
                &format!("/api/v1/admin/certificates/{number}/audit"),
                Some(&reviewer.token),
            )
            .await;
        let last = trail.body.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "certificate.status_changed");
        assert_eq!(last["actor"], reviewer.id.to_string());

        // The case's history, on the ledger.
        let file = app
            .get(
                &format!("/api/v1/admin/cases/{case}"),
                Some(&reviewer.token),
            )
            .await;
        assert_eq!(file.status, StatusCode::OK, "{}", file.text);
        let actions: Vec<&str> = file.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "case.lodged",
                "case.reviewer_assigned",
                "case.note_added",
                "case.decided",
                "case.remedy_applied"
            ]
        );
        assert_eq!(file.body["notes"].as_array().unwrap().len(), 1);

        // The appellant was told at each step; a decided case cannot be withdrawn.
        let mail = subjects(&app, &candidate.email).await;
        for subject in [
            "We have received your appeal",
            "Your appeal is under review",
            "The decision on your appeal",
        ] {
            assert!(mail.contains(&subject.to_owned()), "{mail:?}");
        }
        let decision_mail = app
            .mail
            .to(&candidate.email)
            .into_iter()
            .find(|m| m.subject() == "The decision on your appeal")
            .unwrap();
        assert!(
            decision_mail
                .text()
                .contains("The identity check was wrong.")
        );
        assert!(decision_mail.text().contains("valid again"));
        let late = app
            .post(
                &format!("/api/v1/me/cases/{case}/withdraw"),
                json!({}),
                Some(&candidate.token),
            )
            .await;
        late.problem(409);
        assert!(matches!(
            invigilator::app::audit::verify(&app.state.db)
                .await
                .unwrap(),
            invigilator::app::audit::Verified::Intact { .. }
        ));
    }
);

db_test!(
    the_administrator_who_decided_evidence_cannot_review_its_appeal,
    |app| {
        let candidate = app.candidate().await;
        let decider = app.admin().await;
        let evidence = app
            .declare_credential(&candidate.token, "itil-foundation")
            .await;
        let rejected = app
            .post(
                &format!("/api/v1/admin/evidence/{evidence}/decision"),
                json!({"decision": "reject", "reason": "The certificate number is not on the register."}),
                Some(&decider.token),
            )
            .await;
        assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
        let lodged = appeal(&app, &candidate.token, "evidence", &evidence).await;
        assert_eq!(lodged.status, StatusCode::CREATED, "{}", lodged.text);
        let case = id_of(&lodged);
        let refused = app
            .post(
                &format!("/api/v1/admin/cases/{case}/reviewer"),
                json!({"reviewer": decider.id}),
                Some(&decider.token),
            )
            .await;
        refused.problem(409);
        let reviewer = app.admin().await;
        let assigned = app
            .post(
                &format!("/api/v1/admin/cases/{case}/reviewer"),
                json!({"reviewer": reviewer.id}),
                Some(&decider.token),
            )
            .await;
        assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
        // A reinstatement is not a remedy for an evidence decision; a key correction is
        // recorded and shown.
        let wrong = app
            .post(
                &format!("/api/v1/admin/cases/{case}/decision"),
                json!({"outcome": "upheld", "reasons": "ok", "remedy": "reinstate_certificate"}),
                Some(&reviewer.token),
            )
            .await;
        wrong.problem(422);
        assert_eq!(wrong.fields(), vec!["remedy"]);
        let rejected = app
            .post(
                &format!("/api/v1/admin/cases/{case}/decision"),
                json!({"outcome": "rejected", "reasons": "The register confirms the number is unknown."}),
                Some(&reviewer.token),
            )
            .await;
        assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
        assert_eq!(rejected.body["state"], "rejected");
        let seen = app
            .get(&format!("/api/v1/me/cases/{case}"), Some(&candidate.token))
            .await;
        assert_eq!(
            seen.body["reasons"],
            "The register confirms the number is unknown."
        );
    }
);

db_test!(
    ato_staff_complain_on_behalf_of_a_delegate_who_accepted_their_enrolment,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let course = app.course(&staff, "iso20000-foundation", -5, -1).await;
        let delegate = app.candidate().await;
        app.enrol_and_record(&staff, &course, &delegate.email, "completed")
            .await;
        let stranger = app.candidate().await;

        let complaint = json!({"candidate_id": delegate.id, "kind": "complaint",
            "about": "The online invigilator", "statement": "The session started 40 minutes late."});
        let lodged = app
            .post("/api/v1/ato/cases", complaint.clone(), Some(&staff.token))
            .await;
        assert_eq!(lodged.status, StatusCode::CREATED, "{}", lodged.text);
        assert_eq!(lodged.body["candidate_id"], delegate.id.to_string());
        assert_ne!(lodged.body["lodged_by"], delegate.id.to_string());
        assert_eq!(lodged.body["about"], "The online invigilator");
        app.deliver_mail().await;
        let received = app
            .mail
            .to(&delegate.email)
            .into_iter()
            .find(|m| m.subject() == "We have received your complaint")
            .expect("the delegate is told");
        assert!(received.text().contains("on your behalf"));
        let mine = app.get("/api/v1/me/cases", Some(&delegate.token)).await;
        assert_eq!(mine.body[0]["kind"], "complaint");

        // The delegate's result (for the course's paper, after accepting) may be appealed
        // on their behalf; a sitting of someone else's is nothing the ATO sees.
        app.advance(time::Duration::minutes(1));
        let sitting = fail_foundation(&app, &delegate).await;
        let appealed = app
            .post(
                "/api/v1/ato/cases",
                json!({"candidate_id": delegate.id, "kind": "appeal", "target_kind": "sitting",
                       "target_id": sitting, "statement": "The room's network failed for 20 minutes."}),
                Some(&staff.token),
            )
            .await;
        assert_eq!(appealed.status, StatusCode::CREATED, "{}", appealed.text);
        assert_eq!(appealed.body["kind"], "appeal");
        let others = fail_foundation(&app, &stranger).await;
        app.post(
            "/api/v1/ato/cases",
            json!({"candidate_id": delegate.id, "kind": "appeal", "target_kind": "sitting",
                   "target_id": others, "statement": "x"}),
            Some(&staff.token),
        )
        .await
        .problem(404);

        // Someone who is not their delegate: nothing of theirs.
        let mut foreign = complaint;
        foreign["candidate_id"] = json!(stranger.id);
        app.post("/api/v1/ato/cases", foreign, Some(&staff.token))
            .await
            .problem(404);
        // A candidate cannot use the ATO's door.
        app.post(
            "/api/v1/ato/cases",
            json!({"candidate_id": delegate.id, "kind": "complaint", "statement": "x"}),
            Some(&delegate.token),
        )
        .await
        .problem(403);
    }
);

db_test!(
    a_candidate_lodges_and_withdraws_an_appeal_on_the_page_and_an_administrator_decides_on_the_case_page,
    |app| {
        let candidate = app.candidate().await;
        let sitting = fail_foundation(&app, &candidate).await;
        let mut browser = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
        let page = browser.get("/my/cases").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains(&format!("value=\"sitting:{sitting}\"")), "{}", page.text);

        // The statement is required, and the page says so next to the field.
        let empty = browser
            .submit(
                "/my/cases",
                &[("kind", "appeal"), ("target", &format!("sitting:{sitting}")), ("statement", " ")],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("id=\"statement-error\""), "{}", empty.text);

        let lodged = browser
            .submit(
                "/my/cases",
                &[
                    ("kind", "appeal"),
                    ("target", &format!("sitting:{sitting}")),
                    ("about", ""),
                    ("statement", "Question 7 had two correct options."),
                ],
            )
            .await;
        assert_eq!(lodged.location.as_deref(), Some("/my/cases?done=lodged"), "{}", lodged.text);
        let mine = app.get("/api/v1/me/cases", Some(&candidate.token)).await;
        let case = mine.body[0]["id"].as_str().unwrap().to_owned();

        // The administrator assigns a reviewer, who notes and decides with a remedy.
        let admin = app.admin().await;
        let mut office = Browser::signed_in(&app, &admin.email, "/admin").await;
        let list = office.get("/admin/cases").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert!(list.text.contains(&format!("/admin/cases/{case}")));
        let assigned = office
            .submit(
                &format!("/admin/cases/{case}/reviewer"),
                &[("reviewer", &admin.id.to_string())],
            )
            .await;
        assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.text);
        let noted = office
            .submit(
                &format!("/admin/cases/{case}/notes"),
                &[("text", "Item 7 checked with the examiners.")],
            )
            .await;
        assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.text);
        let decided = office
            .submit(
                &format!("/admin/cases/{case}/decision"),
                &[
                    ("outcome", "upheld"),
                    ("reasons", "Item 7 has two defensible keys."),
                    ("remedy", "regrade"),
                    ("remedy_detail", ""),
                ],
            )
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text);
        let shown = office.get(&format!("/admin/cases/{case}")).await;
        assert!(shown.text.contains("A key correction is needed"), "{}", shown.text);
        assert!(shown.text.contains("Item 7 checked with the examiners."));

        // The candidate sees the decision on their page; it can no longer be withdrawn.
        let page = browser.get("/my/cases").await;
        assert!(page.text.contains("Item 7 has two defensible keys."), "{}", page.text);
        let withdraw = browser
            .submit(&format!("/my/cases/{case}/withdraw"), &[])
            .await;
        assert_eq!(withdraw.status, StatusCode::CONFLICT, "{}", withdraw.text);

        // A complaint withdrawn on the page.
        let complained = browser
            .submit(
                "/my/cases",
                &[("kind", "complaint"), ("target", ""), ("about", "The venue"), ("statement", "It was too loud to concentrate.")],
            )
            .await;
        assert_eq!(complained.location.as_deref(), Some("/my/cases?done=lodged"));
        let mine = app.get("/api/v1/me/cases", Some(&candidate.token)).await;
        let complaint = mine.body[1]["id"].as_str().unwrap().to_owned();
        let withdrawn = browser
            .submit(&format!("/my/cases/{complaint}/withdraw"), &[])
            .await;
        assert_eq!(withdrawn.location.as_deref(), Some("/my/cases?done=withdrawn"));
        let seen = app
            .get(&format!("/api/v1/me/cases/{complaint}"), Some(&candidate.token))
            .await;
        assert_eq!(seen.body["state"], "withdrawn");
    }
);

db_test!(
    ato_staff_lodge_an_appeal_for_a_delegate_on_their_page,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let course = app.course(&staff, "iso20000-foundation", -5, -1).await;
        let delegate = app.candidate().await;
        app.enrol_and_record(&staff, &course, &delegate.email, "completed")
            .await;
        let stranger = app.candidate().await;
        app.advance(time::Duration::minutes(1));
        let sitting = fail_foundation(&app, &delegate).await;

        let mut desk = Browser::signed_in(&app, &staff.email, "/ato").await;
        let home = desk.get("/ato").await;
        assert!(home.text.contains("href=\"/ato/cases\""), "{}", home.text);
        let page = desk.get("/ato/cases").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(
            page.text.contains(&format!("<option value=\"{sitting}\">")),
            "the delegate's result is offered: {}",
            page.text
        );
        assert!(page.text.contains("You have lodged no case."));

        // Someone who is not a delegate of the organization: named next to the field.
        let refused = desk
            .submit(
                "/ato/cases",
                &[
                    ("email", &stranger.email),
                    ("kind", "complaint"),
                    ("target", ""),
                    ("about", ""),
                    ("statement", "The room was cold."),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.text.contains("id=\"email-error\""),
            "{}",
            refused.text
        );
        assert!(
            refused.text.contains("No delegate of your organization"),
            "{}",
            refused.text
        );
        let empty = desk
            .submit(
                "/ato/cases",
                &[
                    ("email", &delegate.email),
                    ("kind", "appeal"),
                    ("target", &sitting),
                    ("about", ""),
                    ("statement", " "),
                ],
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            empty.text.contains("id=\"statement-error\""),
            "{}",
            empty.text
        );
        assert!(
            app.get("/api/v1/me/cases", Some(&delegate.token))
                .await
                .body
                == json!([]),
            "nothing lodged yet"
        );

        let lodged = desk
            .submit(
                "/ato/cases",
                &[
                    ("email", &delegate.email),
                    ("kind", "appeal"),
                    ("target", &sitting),
                    ("about", ""),
                    ("statement", "The network failed for 20 minutes."),
                ],
            )
            .await;
        assert_eq!(lodged.status, StatusCode::SEE_OTHER, "{}", lodged.text);
        let after = desk.follow(&lodged).await;
        assert!(
            after.text.contains("The case is received."),
            "{}",
            after.text
        );
        assert!(after.text.contains("Appeal received"), "{}", after.text);
        let theirs = app.get("/api/v1/me/cases", Some(&delegate.token)).await;
        assert_eq!(theirs.body[0]["kind"], "appeal", "{}", theirs.text);
        assert_eq!(theirs.body[0]["target_id"], sitting.as_str());
        assert_ne!(theirs.body[0]["lodged_by"], delegate.id.to_string());

        // A second appeal against the same result is refused next to the field.
        let twice = desk
            .submit(
                "/ato/cases",
                &[
                    ("email", &delegate.email),
                    ("kind", "appeal"),
                    ("target", &sitting),
                    ("about", ""),
                    ("statement", "Again."),
                ],
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
        assert!(twice.text.contains("id=\"target-error\""), "{}", twice.text);
    }
);
