//! Data protection: a person downloads everything held about them (API and page, the same
//! document, never an item, key or rationale, never another candidate), an administrator
//! erases an account at its holder's request (what goes, what stays, the certificate
//! still verifies, the ledger intact), and the retention periods applied by the sweeper.

use invigilator::app::personal_data;
use invigilator::persistence::audit::Verified;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::*;

/// A candidate who declared audit experience (approved), passed Foundation (30 of 40)
/// and was mailed the result; returns (the sitting id, the certificate number).
async fn passed_with_evidence(
    app: &TestApp,
    who: &Candidate,
    admin: &Candidate,
) -> (String, String) {
    let evidence = app.declare_experience(&who.token, 4).await;
    let decided = app
        .decide(
            &admin.token,
            &evidence,
            "approve",
            Some("letter from the employer seen"),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.text);
    let sitting = app.start_foundation(&who.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&who.token, &sitting, 30).await;
    let result = app.submit(&who.token, &sitting).await;
    assert_eq!(result.body["passed"], true, "{}", result.text);
    let number = result.body["certificate_number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.deliver_mail().await;
    (sitting, number)
}

async fn export(app: &TestApp, who: &Candidate) -> Reply {
    app.get("/api/v1/me/data", Some(&who.token)).await
}

db_test!(
    a_candidate_downloads_everything_held_about_them_and_nothing_of_the_item_bank_or_others,
    |app| {
        let admin = app.admin().await;
        let who = app.candidate().await;
        let other = app.candidate().await;
        let (sitting, number) = passed_with_evidence(&app, &who, &admin).await;
        let (_, other_number) = passed_with_evidence(&app, &other, &admin).await;
        let verification_token = app.link_token(
            &who.email,
            "https://exams.invigilator.test/account/verify#token=",
        );

        let reply = export(&app, &who).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let header = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(
            header("content-disposition"),
            format!(
                "attachment; filename=\"invigilator-data-{}.json\"",
                app.now().date()
            )
        );
        assert_eq!(header("cache-control"), "no-store");
        let doc = &reply.body;

        assert_eq!(doc["account"]["id"], who.id.to_string());
        assert_eq!(doc["account"]["email"], who.email);
        assert_eq!(doc["account"]["family_name"], "O'Brien-Łukasiewicz");
        assert_eq!(doc["account"]["roles"], json!(["candidate"]));
        assert!(doc["account"]["email_verified_at"].is_string());

        let evidence = doc["evidence"].as_array().unwrap();
        assert_eq!(evidence.len(), 1, "{doc:#}");
        assert_eq!(evidence[0]["kind"], "audit_experience");
        assert_eq!(evidence[0]["years"], 4);
        assert_eq!(evidence[0]["status"], "approved");
        assert_eq!(
            evidence[0]["decision_reason"],
            "letter from the employer seen"
        );
        assert!(
            evidence[0]["description"]
                .as_str()
                .unwrap()
                .contains("Internal ISMS and ITSM audits")
        );

        let sittings = doc["sittings"].as_array().unwrap();
        assert_eq!(sittings.len(), 1);
        let s = &sittings[0];
        assert_eq!(s["id"], sitting);
        assert_eq!(s["status"], "submitted");
        assert_eq!(s["result"]["score"], 30);
        assert_eq!(s["result"]["passed"], true);
        assert_eq!(s["result"]["certificate_number"], number);
        assert!(!s["result"]["areas"].as_array().unwrap().is_empty());
        // Their own responses, as they gave them.
        let responses = s["responses"].as_array().unwrap();
        assert_eq!(responses.len(), 40);
        assert_eq!(responses[0]["number"], 1);
        assert_eq!(
            responses[0]["response"],
            json!({"choice": app.key_of(&sitting, 1).await})
        );
        assert_eq!(
            responses[39]["response"],
            json!({"choice": app.wrong_of(&sitting, 40).await})
        );

        let certificates = doc["certificates"].as_array().unwrap();
        assert_eq!(certificates.len(), 1);
        assert_eq!(certificates[0]["number"], number);
        assert_eq!(certificates[0]["status"], "valid");
        assert_eq!(certificates[0]["holder_name"], "Zoë O'Brien-Łukasiewicz");

        // The e-mails sent to them: the verification link (its token removed) and the
        // result, both sent.
        let emails = doc["emails"].as_array().unwrap();
        assert!(emails.len() >= 2, "{emails:#?}");
        assert!(
            emails
                .iter()
                .all(|m| m["status"] == "sent" && m["sent_at"].is_string())
        );
        assert!(
            emails
                .iter()
                .any(|m| m["about_sitting"] == sitting.as_str())
        );
        assert!(
            emails
                .iter()
                .any(|m| m["body"].as_str().unwrap().contains("#token=(removed)"))
        );

        // Nothing of the item bank: no item, stem, key or rationale, no per-item mark.
        let text = &reply.text;
        for field in [
            "\"key\"",
            "\"keys\"",
            "\"rationale\"",
            "\"stem\"",
            "\"awarded\"",
            "\"options\"",
        ] {
            assert!(!text.contains(field), "the document holds {field}");
        }
        let paper = app.stored(&sitting).await.paper;
        assert_eq!(paper.items.len(), 40);
        for item in &paper.items {
            for secret in [&item.rationale, &item.stem] {
                assert!(
                    secret.len() < 12 || !text.contains(secret.as_str()),
                    "item {}: {secret}",
                    item.number
                );
            }
        }
        // Nothing of anyone else, and no link that still works.
        assert!(!text.contains(&other.email));
        assert!(!text.contains(&other.id.to_string()));
        assert!(!text.contains(&other_number));
        assert!(!text.contains(&verification_token));

        // The other candidate's document is theirs alone.
        let theirs = export(&app, &other).await;
        assert_eq!(theirs.body["account"]["id"], other.id.to_string());
        assert!(!theirs.text.contains(&who.email));
        assert!(!theirs.text.contains(&number));

        assert_eq!(app.get("/api/v1/me/data", None).await.status, 401);
    }
);

db_test!(
    the_dashboard_downloads_the_same_document_as_the_api,
    |app| {
        let admin = app.admin().await;
        let who = app.candidate().await;
        passed_with_evidence(&app, &who, &admin).await;
        let mut browser = Browser::new(&app);
        let dashboard = browser.sign_in(&who.email).await;
        assert!(
            dashboard.text.contains("href=\"/my/data\""),
            "no download link on the dashboard"
        );
        let page = browser.get("/my/data").await;
        assert_eq!(page.status, 200, "{}", page.text);
        let header = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert!(header("content-type").starts_with("application/json"));
        assert!(
            header("content-disposition").starts_with("attachment; filename=\"invigilator-data-")
        );
        assert_eq!(header("cache-control"), "no-store");
        let downloaded: Value = serde_json::from_str(&page.text).unwrap();
        // The clock stands still: the same use case gives the same document.
        assert_eq!(downloaded, export(&app, &who).await.body);

        // Signed out, the page sends the visitor to sign in.
        let anonymous = Browser::new(&app).get("/my/data").await;
        assert_eq!(anonymous.status, 303);
    }
);

db_test!(
    an_erased_account_can_never_sign_in_its_certificate_still_verifies_without_the_name,
    |app| {
        let admin = app.admin().await;
        let who = app.candidate().await;
        let (sitting, number) = passed_with_evidence(&app, &who, &admin).await;
        let path = format!("/api/v1/admin/accounts/{}/erasure", who.id);

        // A request needs its reference; a candidate may not erase anyone.
        let missing = app
            .post(&path, json!({"reference": "  "}), Some(&admin.token))
            .await;
        assert_eq!(missing.status, 422, "{}", missing.text);
        assert_eq!(missing.fields(), ["reference"]);
        let own = app
            .post(&path, json!({"reference": "DSR-1"}), Some(&who.token))
            .await;
        assert_eq!(own.status, 403);

        let erased = app
            .post(
                &path,
                json!({"reference": "DSR-2026-0042"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(erased.status, 200, "{}", erased.text);
        let pseudonym = erased.body["name"].as_str().unwrap().to_owned();
        assert!(pseudonym.starts_with("Erased person "), "{pseudonym}");
        let placeholder = format!("erased-{}@erased.invalid", who.id.simple());
        assert_eq!(erased.body["email"], placeholder);

        // Its sessions ended; neither address signs in, the old one finds nobody.
        assert_eq!(app.get("/api/v1/me", Some(&who.token)).await.status, 401);
        assert_eq!(app.login(&who.email, PASSWORD).await.status, 401);
        assert_eq!(app.login(&placeholder, PASSWORD).await.status, 401);
        let found = app
            .get(
                &format!("/api/v1/admin/candidates?email={}", who.email),
                Some(&admin.token),
            )
            .await;
        assert_eq!(found.status, 200);
        assert_eq!(found.body, json!([]));
        // No password can be set on it again: a reset mails nothing.
        for address in [&who.email, &placeholder] {
            let reset = app
                .post(
                    "/api/v1/auth/password-reset",
                    json!({"email": address}),
                    None,
                )
                .await;
            assert_eq!(reset.status, 202, "{}", reset.text);
        }
        let mailed_before = app.mail.to(&who.email).len();
        app.deliver_mail().await;
        assert!(app.mail.to(&placeholder).is_empty());
        assert_eq!(app.mail.to(&who.email).len(), mailed_before);
        // Enabling it again is refused.
        let enable = app
            .post(
                &format!("/api/v1/admin/accounts/{}/status", who.id),
                json!({"disabled": false}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(enable.status, 409, "{}", enable.text);

        // What is held now: the pseudonym, no free text, no responses, no bodies.
        let held = personal_data::export(&app.state, who.id).await.unwrap();
        let held = serde_json::to_value(&held).unwrap();
        assert_eq!(
            format!(
                "{} {}",
                held["account"]["given_name"].as_str().unwrap(),
                held["account"]["family_name"].as_str().unwrap()
            ),
            pseudonym
        );
        assert_eq!(held["account"]["email"], placeholder);
        assert!(held["account"]["erased_at"].is_string());
        assert!(held["evidence"][0]["description"].is_null(), "{held:#}");
        assert_eq!(held["evidence"][0]["status"], "approved");
        assert_eq!(held["sittings"][0]["responses"], json!([]));
        assert_eq!(held["sittings"][0]["result"]["score"], 30);
        assert_eq!(held["sittings"][0]["result"]["passed"], true);
        assert_eq!(held["certificates"][0]["number"], number);
        assert_eq!(held["certificates"][0]["holder_name"], pseudonym);
        let emails = held["emails"].as_array().unwrap();
        assert!(!emails.is_empty());
        assert!(emails.iter().all(|m| m["body"] == ""), "{emails:#?}");
        let text = held.to_string();
        assert!(!text.contains(&who.email));
        assert!(!text.contains("Łukasiewicz"));
        assert!(app.stored(&sitting).await.paper.items.is_empty());

        // The administrator's page shows the pseudonym and that it was erased.
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        let page = browser.get(&format!("/admin/candidates/{}", who.id)).await;
        assert_eq!(page.status, 200);
        assert!(page.text.contains(&pseudonym), "{}", page.text);
        assert!(page.text.contains("Erased"));
        assert!(!page.text.contains(&who.email));

        // The certificate still answers its number, status, qualification and dates.
        let check = app
            .get(
                &format!("/api/v1/certificates/{number}/verification?family_name=O%27Brien-%C5%81ukasiewicz"),
                None,
            )
            .await;
        assert_eq!(check.status, 200, "{}", check.text);
        assert_eq!(check.body["status"], "valid");
        assert_eq!(check.body["qualification"], "iso20000-foundation");
        assert_eq!(check.body["issued_on"], app.now().date().to_string());
        assert!(check.body["holder_name"].is_null());
        assert!(check.body.get("holder_name_matches").is_none());
        assert_eq!(check.body["holder_erased"], true);
        let public = Browser::new(&app)
            .get(&format!("/certificates?number={number}"))
            .await;
        assert_eq!(public.status, 200);
        assert!(
            public.text.contains("name was erased at their request"),
            "{}",
            public.text
        );
        assert!(!public.text.contains("Łukasiewicz"));

        // The ledger is intact, names the erasure with its reference, and holds nothing
        // personal about the holder.
        match invigilator::app::audit::verify(&app.state.db)
            .await
            .unwrap()
        {
            Verified::Intact { .. } => {}
            broken => panic!("the ledger is broken: {broken:?}"),
        }
        let trail = invigilator::persistence::audit::trail(
            &app.state.db,
            "account",
            &who.id.to_string(),
            None,
            1000,
        )
        .await
        .unwrap();
        let event = trail
            .iter()
            .find(|e| e.action == "account.erased")
            .expect("an account.erased event");
        assert_eq!(event.actor, admin.id.to_string());
        assert!(event.detail.contains("DSR-2026-0042"), "{}", event.detail);
        for entry in &trail {
            assert!(!entry.detail.contains(&who.email), "{}", entry.detail);
            assert!(!entry.detail.contains("Łukasiewicz"), "{}", entry.detail);
        }

        // A second request finds it done; an unknown id is not found.
        let again = app
            .post(
                &path,
                json!({"reference": "DSR-2026-0042"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(again.status, 409, "{}", again.text);
        assert!(
            again.body["type"]
                .as_str()
                .unwrap()
                .ends_with("already-erased"),
            "{}",
            again.text
        );
        let unknown = app
            .post(
                "/api/v1/admin/accounts/0190a0a0-0000-7000-8000-000000000000/erasure",
                json!({"reference": "DSR-1"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(unknown.status, 404);
        let itself = app
            .post(
                &format!("/api/v1/admin/accounts/{}/erasure", admin.id),
                json!({"reference": "DSR-1"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(itself.status, 409);
    }
);

db_test!(an_administrator_erases_an_account_from_its_page, |app| {
    let admin = app.admin().await;
    let who = app.candidate().await;
    let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
    let account = format!("/admin/candidates/{}", who.id);
    let page = browser.get(&account).await;
    assert!(page.text.contains("Erase the personal data"));
    let empty = browser
        .submit(&format!("{account}/erasure"), &[("reference", "")])
        .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty.text.contains("Give the reference of the holder"),
        "{}",
        empty.text
    );
    // Without the page's token the form is refused.
    let forged = browser
        .post(
            &format!("{account}/erasure"),
            &[("csrf", "forged"), ("reference", "DSR-7")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let done = browser
        .submit(&format!("{account}/erasure"), &[("reference", "DSR-7")])
        .await;
    assert_eq!(done.status, 303, "{}", done.text);
    let after = browser.follow(&done).await;
    assert!(
        after.text.contains("The personal data is erased"),
        "{}",
        after.text
    );
    assert!(!after.text.contains(&who.email));
    assert!(!after.text.contains("Erase the personal data"));
    let again = browser
        .submit(&format!("{account}/erasure"), &[("reference", "DSR-7")])
        .await;
    assert_eq!(again.status, 409);
    assert!(again.text.contains("already been erased"), "{}", again.text);
});

db_test!(
    the_sweeper_removes_what_the_retention_periods_no_longer_keep_and_keeps_the_outcome,
    |app| {
        let admin = app.admin().await;
        let who = app.candidate().await;
        let (sitting, number) = passed_with_evidence(&app, &who, &admin).await;
        let retain = |app: &TestApp| {
            let (state, now) = (app.state.clone(), app.now());
            async move { personal_data::apply_retention(&state, now).await.unwrap() }
        };
        let held = |app: &TestApp| {
            let state = app.state.clone();
            let id = who.id;
            async move {
                serde_json::to_value(personal_data::export(&state, id).await.unwrap()).unwrap()
            }
        };
        assert_eq!(
            retain(&app).await.total(),
            0,
            "nothing is past its period yet"
        );

        // 31 days on: the bodies of the e-mails sent go; nothing else does.
        app.advance(time::Duration::days(31));
        let swept = retain(&app).await;
        assert!(swept.emails >= 1, "{swept:?}");
        assert_eq!((swept.sittings, swept.evidence), (0, 0));
        let doc = held(&app).await;
        let emails = doc["emails"].as_array().unwrap();
        assert!(
            emails
                .iter()
                .all(|m| m["body"] == "" && m["status"] == "sent"),
            "{emails:#?}"
        );
        assert!(
            emails
                .iter()
                .all(|m| m["subject"].as_str().is_some_and(|s| !s.is_empty()))
        );
        assert_eq!(
            doc["sittings"][0]["responses"].as_array().unwrap().len(),
            40
        );
        assert!(doc["evidence"][0]["description"].is_string());
        assert_eq!(retain(&app).await.total(), 0, "a second run finds nothing");

        // 181 days on: the declaration's free text goes, its decision stays.
        app.advance(time::Duration::days(150));
        let swept = retain(&app).await;
        assert_eq!((swept.sittings, swept.evidence), (0, 1), "{swept:?}");
        let doc = held(&app).await;
        assert!(doc["evidence"][0]["description"].is_null());
        assert_eq!(doc["evidence"][0]["status"], "approved");
        assert_eq!(doc["evidence"][0]["years"], 4);
        assert_eq!(
            doc["sittings"][0]["responses"].as_array().unwrap().len(),
            40
        );

        // A year and a day on: the sitting's responses and paper go, its outcome stays.
        // Two sweeps at once (as two servers) remove it once between them.
        app.advance(time::Duration::days(185));
        let (a, b) = futures_util::future::join(retain(&app), retain(&app)).await;
        assert_eq!(a.sittings + b.sittings, 1, "{a:?} {b:?}");
        let stored = app.stored(&sitting).await;
        assert!(stored.paper.items.is_empty());
        assert!(!stored.paper.areas.is_empty());
        let doc = held(&app).await;
        let s = &doc["sittings"][0];
        assert_eq!(s["responses"], json!([]));
        assert_eq!(s["result"]["score"], 30);
        assert_eq!(s["result"]["passed"], true);
        assert_eq!(s["result"]["certificate_number"], number);
        assert!(s["closed_at"].is_string());
        assert_eq!(retain(&app).await.total(), 0);

        // The candidate still reads their result, and the certificate still verifies.
        let token = app.relogin(&who).await;
        let result = app.result(&token, &sitting).await;
        assert_eq!(result.status, 200, "{}", result.text);
        assert_eq!(result.body["score"], 30);
        let check = app
            .get(&format!("/api/v1/certificates/{number}/verification"), None)
            .await;
        assert_eq!(check.status, 200);
        assert_eq!(check.body["status"], "valid");
    }
);

db_test!(
    a_retention_period_of_zero_keeps_the_data_for_ever,
    |settings| {
        settings.retention.closed_sittings_days = 0;
        settings.retention.evidence_days = 0;
        settings.retention.email_body_days = 0;
    },
    |app| {
        let admin = app.admin().await;
        let who = app.candidate().await;
        let (sitting, _) = passed_with_evidence(&app, &who, &admin).await;
        app.advance(time::Duration::days(3650));
        let swept = personal_data::apply_retention(&app.state, app.now())
            .await
            .unwrap();
        assert_eq!(swept.total(), 0);
        assert_eq!(app.stored(&sitting).await.paper.items.len(), 40);
    }
);
