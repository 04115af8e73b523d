//! The administrators' pages, driven as a browser would: signed in with the session
//! cookie, every form posted with its token, and what the page did checked where a user
//! would notice it (the candidate's eligibility, the public verification, the API).

use reqwest::StatusCode;
use serde_json::Value;

use crate::browser::{Browser, query};
use crate::helpers::*;

async fn eligible_for(app: &TestApp, who: &Candidate, qualification: &str) -> bool {
    let reply = app.get("/api/v1/me/eligibility", Some(&who.token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["qualification"] == qualification)
        .unwrap()["eligible"]
        .as_bool()
        .unwrap()
}

async fn verification(app: &TestApp, number: &str) -> Value {
    let reply = app
        .get(&format!("/api/v1/certificates/{number}/verification"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

db_test!(
    approving_evidence_on_the_page_makes_the_candidate_eligible,
    |app| {
        let candidate = app.candidate().await;
        let evidence = app
            .declare_credential(&candidate.token, "itil-foundation")
            .await;
        assert!(!eligible_for(&app, &candidate, "iso20000-practitioner").await);
        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;

        let list = browser.get("/admin/evidence").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.text.contains(&candidate.email), "{}", list.text);
        assert!(list.text.contains("GR750123456"));
        assert!(
            list.text
                .contains(&format!("action=\"/admin/evidence/{evidence}/decision\""))
        );

        // A rejection needs a reason: the page says so next to the field, and nothing changes.
        let refused = browser
            .submit(
                &format!("/admin/evidence/{evidence}/decision"),
                &[("decision", "reject"), ("reason", "  ")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .text
                .contains(&format!("id=\"reason-{evidence}-error\""))
        );
        assert!(refused.text.contains("Give a reason to reject"));
        assert!(!eligible_for(&app, &candidate, "iso20000-practitioner").await);

        let approved = browser
            .submit(
                &format!("/admin/evidence/{evidence}/decision"),
                &[("decision", "approve"), ("reason", "")],
            )
            .await;
        assert_eq!(
            approved.location.as_deref(),
            Some("/admin/evidence?done=approved")
        );
        let after = browser.follow(&approved).await;
        assert!(
            after
                .text
                .contains("<p class=\"notice ok\" role=\"status\">The evidence is approved.")
        );
        assert!(!after.text.contains(&candidate.email), "no longer pending");
        assert!(eligible_for(&app, &candidate, "iso20000-practitioner").await);

        // Deciding again is refused and says why.
        let again = browser
            .submit(
                &format!("/admin/evidence/{evidence}/decision"),
                &[("decision", "reject"), ("reason", "changed my mind")],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.text.contains("already been decided"));
        assert!(eligible_for(&app, &candidate, "iso20000-practitioner").await);

        // An unknown or malformed id is the page-not-found page.
        let unknown = browser
            .submit(
                &format!("/admin/evidence/{}/decision", uuid::Uuid::now_v7()),
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown.text.contains("Page not found"));
        let malformed = browser
            .submit(
                "/admin/evidence/nonsense/decision",
                &[("decision", "approve")],
            )
            .await;
        assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    }
);

db_test!(
    revoking_a_certificate_on_the_page_makes_the_public_verification_say_revoked,
    |app| {
        let candidate = app.candidate().await;
        let number = app.pass_foundation(&candidate).await;
        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;

        let found = browser
            .get(&format!(
                "/admin/certificates?number={}",
                number.to_lowercase()
            ))
            .await;
        assert_eq!(
            found.location.as_deref(),
            Some(format!("/admin/certificates/{number}").as_str())
        );
        let page = browser.follow(&found).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text
                .contains(&format!("<h1>Certificate {number}: Valid</h1>"))
        );
        assert!(page.text.contains("Suspend the certificate"));
        assert!(page.text.contains("Re-issue the certificate"));
        assert!(!page.text.contains("Reinstate the certificate"));
        assert!(page.text.contains(&format!(
            "data-confirm=\"Revoke certificate {number}? This cannot be undone.\""
        )));

        // Suspending, then reinstating: the public verification follows each step.
        let suspended = browser
            .submit(
                &format!("/admin/certificates/{number}/status"),
                &[
                    ("action", "suspend"),
                    ("reason", "appeal under review"),
                    ("public_reason", ""),
                ],
            )
            .await;
        assert_eq!(
            suspended.location.as_deref(),
            Some(format!("/admin/certificates/{number}?done=suspend").as_str())
        );
        assert_eq!(verification(&app, &number).await["status"], "suspended");
        let page = browser.follow(&suspended).await;
        assert!(
            page.text
                .contains("<p class=\"notice ok\" role=\"status\">The certificate is suspended.")
        );
        assert!(page.text.contains("Reinstate the certificate"));
        assert!(
            page.text.contains("appeal under review"),
            "the history has the reason"
        );

        let reinstated = browser
            .submit(
                &format!("/admin/certificates/{number}/status"),
                &[("action", "reinstate"), ("reason", "appeal upheld")],
            )
            .await;
        assert_eq!(reinstated.status, StatusCode::SEE_OTHER);
        assert_eq!(verification(&app, &number).await["status"], "valid");

        // A revocation needs a reason for the record.
        let refused = browser
            .submit(
                &format!("/admin/certificates/{number}/status"),
                &[("action", "revoke"), ("reason", "")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("id=\"revoke_reason-error\""));
        assert_eq!(verification(&app, &number).await["status"], "valid");

        let revoked = browser
            .submit(
                &format!("/admin/certificates/{number}/status"),
                &[
                    ("action", "revoke"),
                    ("reason", "malpractice confirmed by the panel"),
                    ("public_reason", "Revoked after an investigation"),
                ],
            )
            .await;
        assert_eq!(
            revoked.location.as_deref(),
            Some(format!("/admin/certificates/{number}?done=revoke").as_str())
        );
        let public = verification(&app, &number).await;
        assert_eq!(public["status"], "revoked");
        assert_eq!(public["reason"], "Revoked after an investigation");
        let page = browser.follow(&revoked).await;
        assert!(
            page.text
                .contains(&format!("<h1>Certificate {number}: Revoked</h1>"))
        );
        assert!(page.text.contains("A revoked certificate is final"));
        assert!(!page.text.contains("Re-issue the certificate"));

        // An unknown number is not found.
        let unknown = browser.get("/admin/certificates/I20F-2026-999999-0").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let typo = browser.get("/admin/certificates?number=I20F-20").await;
        assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(typo.text.contains("id=\"number-error\""));
    }
);

db_test!(
    a_certificate_is_re_issued_from_its_page_under_a_new_number,
    |app| {
        let candidate = app.candidate().await;
        let number = app.pass_foundation(&candidate).await;
        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        browser.get(&format!("/admin/certificates/{number}")).await;
        let reissued = browser
            .submit(
                &format!("/admin/certificates/{number}/reissue"),
                &[("action", "reissue"), ("reason", "name corrected")],
            )
            .await;
        assert_eq!(reissued.status, StatusCode::SEE_OTHER, "{}", reissued.text);
        assert!(
            reissued
                .location
                .as_deref()
                .unwrap()
                .ends_with("?done=reissue")
        );
        let new_number = reissued
            .location
            .as_deref()
            .unwrap()
            .trim_start_matches("/admin/certificates/")
            .trim_end_matches("?done=reissue")
            .to_owned();
        assert_ne!(new_number, number);
        assert_eq!(verification(&app, &new_number).await["status"], "valid");
        assert_eq!(verification(&app, &number).await["status"], "revoked");
        let old = browser.get(&format!("/admin/certificates/{number}")).await;
        assert!(
            old.text
                .contains(&format!("href=\"/admin/certificates/{new_number}\""))
        );
    }
);

db_test!(
    a_post_with_a_wrong_token_is_refused_and_changes_nothing,
    |app| {
        let candidate = app.candidate().await;
        let evidence = app
            .declare_credential(&candidate.token, "itil-foundation")
            .await;
        let number = app.pass_foundation(&candidate).await;
        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        browser.get("/admin/evidence").await;

        let forged = browser
            .post(
                &format!("/admin/evidence/{evidence}/decision"),
                &[("csrf", "not-the-token"), ("decision", "approve")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(forged.text.contains("This form has expired"));
        let pending = app.get("/api/v1/admin/evidence", Some(&admin.token)).await;
        assert_eq!(pending.body[0]["id"], evidence.as_str(), "still pending");

        let forged = browser
            .post(
                &format!("/admin/certificates/{number}/status"),
                &[("action", "revoke"), ("reason", "forged")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(verification(&app, &number).await["status"], "valid");

        let forged = browser
            .post(
                &format!("/admin/candidates/{}/status", candidate.id),
                &[
                    ("csrf", ""),
                    ("action", "disable"),
                    ("status_reason", "forged"),
                ],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.login(&candidate.email, PASSWORD).await.status,
            StatusCode::OK
        );
    }
);

db_test!(a_candidate_is_refused_the_administration_pages, |app| {
    let candidate = app.candidate().await;
    let sitting = app.start_foundation(&candidate.token).await;
    let id = sitting["id"].as_str().unwrap().to_owned();
    let mut browser = Browser::signed_in(&app, &candidate.email, "/admin").await;
    for path in [
        "/admin".to_owned(),
        "/admin/evidence".to_owned(),
        format!("/admin/candidates/{}", candidate.id),
        format!("/admin/sittings/{id}"),
        "/admin/atos".to_owned(),
        "/admin/certificates".to_owned(),
        "/admin/statistics".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.text.contains("Not available to you"), "{path}");
    }
    // Even with the page's own token, a candidate's form changes nothing.
    browser.get("/dashboard").await;
    let refused = browser
        .submit(
            &format!("/admin/candidates/{}/extra-time", candidate.id),
            &[("percent", "100"), ("reason", "I asked for it")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let admin = app.admin().await;
    let grants = app
        .get(
            &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
            Some(&admin.token),
        )
        .await;
    assert_eq!(grants.body, serde_json::json!([]));

    // Someone not signed in is sent to sign in first.
    let visitor = Browser::new(&app).get("/admin/statistics").await;
    assert_eq!(visitor.status, StatusCode::SEE_OTHER);
    assert!(
        visitor
            .location
            .as_deref()
            .unwrap()
            .starts_with("/sign-in?next=")
    );
});

db_test!(
    the_marked_paper_shows_the_keys_to_administrators_only,
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        app.answer_all(&candidate.token, &id, 30).await;
        let submitted = app.submit(&candidate.token, &id).await;
        assert_eq!(submitted.status, StatusCode::OK);
        let score = submitted.body["score"].as_u64().unwrap();
        let stored = app.stored(&id).await;
        let first = stored.paper.item(1).unwrap();
        let key = app.key_of(&id, 1).await;

        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        let account = browser
            .get(&format!("/admin/candidates/{}", candidate.id))
            .await;
        assert!(
            account
                .text
                .contains(&format!("href=\"/admin/sittings/{id}\""))
        );
        let page = browser.get(&format!("/admin/sittings/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text.contains(&format!("Passed: {score} of 40")),
            "{}",
            page.text
        );
        assert!(page.text.contains(&first.item_id));
        assert!(page.text.contains("(key)"));
        assert!(page.text.contains(&format!("<dt>Key</dt><dd>{key}</dd>")));
        assert!(page.text.contains("<dt>Rationale</dt>"));
        assert!(page.text.contains("Item 1: 1 of 1 mark"));
        // The closed sitting's QTI results, linked from the page.
        let qti = format!("/admin/sittings/{id}/results.qti.xml");
        assert!(
            page.text.contains(&format!("href=\"{qti}\"")),
            "{}",
            page.text
        );
        let download = browser.get(&qti).await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(download.text.contains(
            "<assessmentResult xmlns=\"http://www.imsglobal.org/xsd/imsqti_result_v3p0\">"
        ));
        assert!(
            download
                .text
                .contains(&format!("sourcedId=\"{}\"", candidate.id))
        );
        // The sitting's audit trail: each save by the candidate, the score by the server,
        // and this very reading of the marked paper by the administrator.
        assert!(
            page.text
                .contains("<caption>Audit trail of this sitting</caption>")
        );
        assert!(
            page.text.contains("Answer to item 40 saved"),
            "{}",
            page.text
        );
        assert!(page.text.contains("The candidate from 127.0.0.1"));
        assert!(
            page.text
                .contains(&format!("<td>{score} of 40, passed</td>"))
        );
        assert!(
            page.text
                .contains(&format!("Account {} from 127.0.0.1", admin.id))
        );
        assert!(page.text.contains("Marked paper read"));

        // The candidate sees neither keys nor rationales, here or on their result.
        let mut own = Browser::signed_in(&app, &candidate.email, "/admin").await;
        let refused = own.get(&format!("/admin/sittings/{id}")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(!refused.text.contains(&first.item_id));
        let result = own.get(&format!("/sittings/{id}/result")).await;
        assert_eq!(result.status, StatusCode::OK);
        assert!(!result.text.contains("(key)"));
        assert!(!result.text.contains("Rationale"));
        assert!(!result.text.contains(&first.item_id));

        let unknown = browser
            .get(&format!("/admin/sittings/{}", uuid::Uuid::now_v7()))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let malformed = browser.get("/admin/sittings/12").await;
        assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    }
);

db_test!(
    the_statistics_page_counts_the_sittings_and_the_pass_rate,
    |app| {
        for correct in [30, 30, 10] {
            let candidate = app.candidate().await;
            let sitting = app.start_foundation(&candidate.token).await;
            let id = sitting["id"].as_str().unwrap().to_owned();
            app.answer_all(&candidate.token, &id, correct).await;
            assert_eq!(
                app.submit(&candidate.token, &id).await.status,
                StatusCode::OK
            );
        }
        // A sitting still in progress is not counted.
        let unfinished = app.candidate().await;
        app.start_foundation(&unfinished.token).await;

        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        let page = browser.get("/admin/statistics").await;
        assert_eq!(page.status, StatusCode::OK);
        let body = &page.text;
        assert!(body.contains("<h2 id=\"q-iso20000-foundation\">ISO/IEC 20000 Foundation</h2>"));
        assert!(
            body.contains("<dd id=\"sittings-iso20000-foundation\">3</dd>"),
            "{body}"
        );
        assert!(body.contains("<dd id=\"pass-rate-iso20000-foundation\">67%</dd>"));
        assert!(body.contains("<dt>Passed</dt><dd>2</dd>"));
        // The histogram is an image with a text alternative, and a table of the same numbers.
        assert!(body.contains("role=\"img\" aria-label=\"Histogram of the scores of 3 sittings of ISO/IEC 20000 Foundation"));
        assert!(body.contains("<tr><th scope=\"row\">30</th><td>2</td></tr>"));
        assert!(body.contains("<tr><th scope=\"row\">10</th><td>1</td></tr>"));
        assert!(body.contains("<tr><th scope=\"row\">26</th><td>0</td></tr>"));
        assert!(body.contains("Facility of each item of ISO/IEC 20000 Foundation"));
        assert!(
            !body.contains("style="),
            "no inline styles under the page policy"
        );
        assert!(!body.contains("<script>"));
    }
);

db_test!(
    extra_time_and_disabling_are_done_from_the_account_page,
    |app| {
        let candidate = app.candidate().await;
        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;

        let found = browser
            .get(&format!(
                "/admin/candidates?{}",
                query(&[("email", &candidate.email.to_uppercase())])
            ))
            .await;
        assert_eq!(
            found.location.as_deref(),
            Some(format!("/admin/candidates/{}", candidate.id).as_str())
        );
        let missing = browser
            .get("/admin/candidates?email=nobody%40example.org")
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(
            missing
                .text
                .contains("No account has the address nobody@example.org")
        );
        let page = browser.follow(&found).await;
        assert!(page.text.contains(&candidate.email));
        assert!(page.text.contains("In force now: no extra time"));

        let path = format!("/admin/candidates/{}/extra-time", candidate.id);
        let refused = browser
            .submit(&path, &[("percent", "lots"), ("reason", "")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("id=\"percent-error\""));
        assert!(refused.text.contains("id=\"reason-error\""));
        assert!(
            refused.text.contains("value=\"lots\""),
            "what was typed stays"
        );
        let too_much = browser
            .submit(&path, &[("percent", "150"), ("reason", "double and more")])
            .await;
        assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_much.text.contains("Percent must be between 0 and 100."));

        let granted = browser
            .submit(
                &path,
                &[("percent", "25"), ("reason", "dyslexia assessment seen")],
            )
            .await;
        assert_eq!(
            granted.location.as_deref(),
            Some(format!("/admin/candidates/{}?done=extra-time", candidate.id).as_str())
        );
        let page = browser.follow(&granted).await;
        assert!(
            page.text
                .contains("<p class=\"notice ok\" role=\"status\">The extra time is granted.")
        );
        assert!(page.text.contains("25% more time on every paper"));
        let grants = app
            .get(
                &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
                Some(&admin.token),
            )
            .await;
        assert_eq!(grants.body[0]["percent"], 25);
        assert_eq!(grants.body[0]["reason"], "dyslexia assessment seen");

        let status = format!("/admin/candidates/{}/status", candidate.id);
        let refused = browser
            .submit(&status, &[("action", "disable"), ("status_reason", "")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("id=\"status_reason-error\""));
        assert_eq!(
            app.login(&candidate.email, PASSWORD).await.status,
            StatusCode::OK
        );

        let disabled = browser
            .submit(
                &status,
                &[
                    ("action", "disable"),
                    ("status_reason", "identity fraud suspected"),
                ],
            )
            .await;
        assert_eq!(
            disabled.location.as_deref(),
            Some(format!("/admin/candidates/{}?done=disabled", candidate.id).as_str())
        );
        assert_eq!(
            app.login(&candidate.email, PASSWORD).await.status,
            StatusCode::FORBIDDEN
        );
        let page = browser.follow(&disabled).await;
        assert!(page.text.contains("Enable the account"));

        let enabled = browser.submit(&status, &[("action", "enable")]).await;
        assert_eq!(enabled.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.login(&candidate.email, PASSWORD).await.status,
            StatusCode::OK
        );

        // An administrator's own page offers no way to disable it.
        let own = browser
            .get(&format!("/admin/candidates/{}", admin.id))
            .await;
        assert!(own.text.contains("This is your own account"));
        let unknown = browser
            .get(&format!("/admin/candidates/{}", uuid::Uuid::now_v7()))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
);

db_test!(
    an_organization_is_recorded_accredited_and_suspended_on_the_pages,
    |app| {
        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        browser.get("/admin/atos").await;
        let refused = browser
            .submit(
                "/admin/atos",
                &[
                    ("name", "Service Academy"),
                    ("country", "Britain"),
                    ("contact_email", "office@academy.example"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text.contains("id=\"country-error\""));
        assert!(refused.text.contains("value=\"Service Academy\""));

        let created = browser
            .submit(
                "/admin/atos",
                &[
                    ("name", "Service Academy"),
                    ("country", "gb"),
                    ("contact_email", "office@academy.example"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
        let ato = created
            .location
            .as_deref()
            .unwrap()
            .trim_start_matches("/admin/atos/")
            .trim_end_matches("?done=created")
            .to_owned();
        let page = browser.follow(&created).await;
        assert!(page.text.contains("<h1>Service Academy</h1>"));
        assert!(page.text.contains(
            "<p class=\"notice ok\" role=\"status\">The training organization is recorded."
        ));

        let backwards = browser
            .submit(
                &format!("/admin/atos/{ato}/accreditations"),
                &[
                    ("qualification", "iso20000-auditor"),
                    ("valid_from", &app.day(10)),
                    ("valid_until", &app.day(-10)),
                ],
            )
            .await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(backwards.text.contains("id=\"valid_until-error\""));
        let accredited = browser
            .submit(
                &format!("/admin/atos/{ato}/accreditations"),
                &[
                    ("qualification", "iso20000-auditor"),
                    ("valid_from", &app.day(-10)),
                    ("valid_until", &app.day(300)),
                ],
            )
            .await;
        assert_eq!(
            accredited.location.as_deref(),
            Some(format!("/admin/atos/{ato}?done=accredited").as_str())
        );
        let api = app
            .get(&format!("/api/v1/admin/atos/{ato}"), Some(&admin.token))
            .await;
        let accreditation = api.body["accreditations"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(api.body["accreditations"][0]["status"], "active");

        let list = browser.get("/admin/atos").await;
        assert!(list.text.contains(&format!("href=\"/admin/atos/{ato}\"")));

        let end = format!("/admin/atos/{ato}/accreditations/{accreditation}/status");
        let refused = browser
            .submit(&end, &[("status", "suspended"), ("reason", " ")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .text
                .contains(&format!("id=\"reason-{accreditation}-error\""))
        );
        let suspended = browser
            .submit(
                &end,
                &[("status", "suspended"), ("reason", "trainer not qualified")],
            )
            .await;
        assert_eq!(
            suspended.location.as_deref(),
            Some(format!("/admin/atos/{ato}?done=suspended").as_str())
        );
        let api = app
            .get(&format!("/api/v1/admin/atos/{ato}"), Some(&admin.token))
            .await;
        assert_eq!(api.body["accreditations"][0]["status"], "suspended");
        assert_eq!(
            api.body["accreditations"][0]["status_reason"],
            "trainer not qualified"
        );
        let page = browser.follow(&suspended).await;
        assert!(page.text.contains("trainer not qualified"));

        let invited = browser
            .submit(
                &format!("/admin/atos/{ato}/invitations"),
                &[("invite_email", "trainer@academy.example")],
            )
            .await;
        assert_eq!(
            invited.location.as_deref(),
            Some(format!("/admin/atos/{ato}?done=invited").as_str())
        );
        app.deliver_mail().await;
        assert!(!app.mail.to("trainer@academy.example").is_empty());

        let unknown = browser
            .get(&format!("/admin/atos/{}", uuid::Uuid::now_v7()))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
);
