//! The web pages as a browser without JavaScript uses them: forms, the session cookie,
//! CSRF tokens, and the exam page's saves. (The full journeys with JavaScript run in
//! Chromium: tests/browser/.)

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{Candidate, PASSWORD, TestApp, db_test};

async fn signed_in_candidate(app: &TestApp) -> (Candidate, Browser<'_>) {
    let candidate = app.candidate().await;
    let mut browser = Browser::new(app);
    let dashboard = browser.sign_in(&candidate.email).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    (candidate, browser)
}

db_test!(the_pages_are_there_for_a_newcomer, |app| {
    let mut browser = Browser::new(&app);
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("ISO/IEC 20000 Foundation"));
    assert!(
        home.text.contains("40 questions"),
        "the format, from scheme.toml"
    );
    let css = browser.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    for path in [
        "/",
        "/sign-in",
        "/register",
        "/account/forgot",
        "/certificates",
    ] {
        let page = browser.get(path).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(!page.text.contains("<script>"), "{path}: no inline script");
        assert!(!page.text.contains(" style=\""), "{path}: no inline style");
    }
    assert_eq!(
        browser.get("/dashboard").await.location.as_deref(),
        Some("/sign-in?next=%2Fdashboard"),
        "signing in first, then back"
    );
});

db_test!(
    registering_on_the_page_signs_in_and_asks_for_the_address,
    |app| {
        let mut browser = Browser::new(&app);
        let form = browser.get("/register").await;
        let csrf = form.csrf();
        let bad = browser
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("given_name", " "),
                    ("family_name", "Okafor"),
                    ("email", "not-an-address"),
                    ("password", "short"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.text.contains("Given name must not be empty."),
            "{}",
            bad.text
        );
        assert!(bad.text.contains("aria-invalid=\"true\""));
        assert!(
            bad.text.contains("value=\"Okafor\""),
            "what was typed stays"
        );
        let created = browser
            .post(
                "/register",
                &[
                    ("csrf", &csrf),
                    ("given_name", "Ngozi"),
                    ("family_name", "Okafor"),
                    ("email", "ngozi@example.org"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
        let dashboard = browser.get("/dashboard").await;
        assert_eq!(dashboard.status, StatusCode::OK);
        assert!(dashboard.text.contains("Confirm your e-mail address"));
        assert!(
            !dashboard.text.contains("Start ISO/IEC 20000 Foundation"),
            "no Start before the address is confirmed"
        );
        app.verify_email("ngozi@example.org").await;
        let dashboard = browser.get("/dashboard").await;
        assert!(dashboard.text.contains("Start ISO/IEC 20000 Foundation"));
    }
);

db_test!(forms_without_the_right_token_change_nothing, |app| {
    let candidate = app.candidate().await;
    let mut browser = Browser::new(&app);
    browser.get("/sign-in").await;
    let forged = browser
        .post(
            "/sign-in",
            &[
                ("csrf", "forged"),
                ("email", &candidate.email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.location.is_none(), "no session from a forged form");
    let dashboard = browser.sign_in(&candidate.email).await;
    // Signed in, a form from another site (or without the token) starts nothing.
    let forged = browser
        .post("/papers/iso20000-foundation/start", &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let sittings = app.get("/api/v1/me/sittings", Some(&candidate.token)).await;
    assert_eq!(sittings.body["items"].as_array().unwrap().len(), 0);
    let cross_site = app
        .client
        .post(app.url("/papers/iso20000-foundation/start"))
        .header("cookie", browser.cookie_header())
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", dashboard.csrf())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
});

db_test!(
    a_web_session_ends_when_the_account_signs_out_everywhere,
    |app| {
        let (candidate, mut browser) = signed_in_candidate(&app).await;
        // The API's logout ends every session, the pages' too.
        let login = app.login(&candidate.email, PASSWORD).await;
        app.post(
            "/api/v1/auth/logout",
            json!({"refresh_token": login.body["refresh_token"]}),
            None,
        )
        .await;
        let after = browser.get("/dashboard").await;
        assert_eq!(after.status, StatusCode::SEE_OTHER);
        assert!(after.location.unwrap().starts_with("/sign-in"));
        // Signing out on the page ends that session.
        let dashboard = browser.sign_in(&candidate.email).await;
        let out = browser
            .post("/sign-out", &[("csrf", &dashboard.csrf())])
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(
            browser.get("/dashboard").await.status,
            StatusCode::SEE_OTHER
        );
    }
);

db_test!(a_password_change_on_the_page_ends_every_session, |app| {
    let (candidate, mut browser) = signed_in_candidate(&app).await;
    let mut other_device = Browser::new(&app);
    other_device.sign_in(&candidate.email).await;
    let account = browser.get("/account").await;
    let wrong = browser
        .post(
            "/account/password",
            &[
                ("csrf", &account.csrf()),
                ("current_password", "not my password"),
                ("new_password", "a much better passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text.contains("Current password is not right."));
    let changed = browser
        .post(
            "/account/password",
            &[
                ("csrf", &account.csrf()),
                ("current_password", PASSWORD),
                ("new_password", "a much better passphrase"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.text);
    assert_eq!(
        other_device.get("/dashboard").await.status,
        StatusCode::SEE_OTHER,
        "the other device is signed out"
    );
    let api = app.get("/api/v1/me", Some(&candidate.token)).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED, "and the API token");
});

db_test!(
    the_exam_page_shows_the_paper_but_never_a_key_or_rationale,
    |app| {
        let (candidate, mut browser) = signed_in_candidate(&app).await;
        let id = browser.start("iso20000-foundation").await;
        let page = browser.get(&format!("/sittings/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text
                .contains("role=\"timer\" aria-label=\"Time remaining\"")
        );
        assert!(page.text.contains("<legend>Question 1</legend>"));
        assert!(page.text.contains("<legend>Question 40</legend>"));
        assert!(page.text.contains("Flag for review"));
        assert!(page.text.contains("Review and submit"));
        assert!(page.text.contains("Closed book"));
        let admin = app.admin().await;
        let marked = app
            .get(&format!("/api/v1/admin/sittings/{id}"), Some(&admin.token))
            .await;
        for item in marked.body["items"].as_array().unwrap() {
            let rationale = item["rationale"].as_str().unwrap();
            assert!(
                !page.text.contains(rationale),
                "a rationale on the exam page"
            );
            assert!(!page.text.contains(item["item_id"].as_str().unwrap()));
        }
        // Another candidate's browser gets the not-found page for it.
        let (_, mut other) = signed_in_candidate(&app).await;
        assert_eq!(
            other.get(&format!("/sittings/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        let _ = candidate;
    }
);

db_test!(
    the_exam_form_saves_answers_and_flags_without_javascript,
    |app| {
        let (candidate, mut browser) = signed_in_candidate(&app).await;
        let id = browser.start("iso20000-foundation").await;
        let page = browser.get(&format!("/sittings/{id}")).await;
        let csrf = page.csrf();
        let saved = browser
            .post(
                &format!("/sittings/{id}"),
                &[("csrf", &csrf), ("q1", "B"), ("q2", "C"), ("flag", "2")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        assert_eq!(
            saved.location.as_deref(),
            Some(format!("/sittings/{id}?saved=1#q2").as_str())
        );
        let api = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
            .await;
        let questions = api.body["questions"].as_array().unwrap();
        assert_eq!(questions[0]["answer"], json!({"choice": "B"}));
        assert_eq!(questions[1]["answer"], json!({"choice": "C"}));
        let page = browser.get(&format!("/sittings/{id}")).await;
        assert_eq!(
            page.text.matches("aria-pressed=\"true\"").count(),
            1,
            "question 2 flagged"
        );
        assert!(page.text.contains("1 flagged"));
        // Review lists what is left; submitting twice is harmless.
        let review = browser
            .post(
                &format!("/sittings/{id}"),
                &[("csrf", &csrf), ("action", "review")],
            )
            .await;
        assert_eq!(
            review.location.as_deref(),
            Some(format!("/sittings/{id}/review").as_str())
        );
        let review = browser.get(&format!("/sittings/{id}/review")).await;
        assert!(
            review
                .text
                .contains("answered 2 of 40 questions and flagged 1")
        );
        assert!(review.text.contains("38 questions are not answered"));
        for _ in 0..2 {
            let submitted = browser
                .post(&format!("/sittings/{id}/submit"), &[("csrf", &csrf)])
                .await;
            assert_eq!(
                submitted.location.as_deref(),
                Some(format!("/sittings/{id}/result").as_str())
            );
        }
        let result = browser.get(&format!("/sittings/{id}/result")).await;
        assert!(result.text.contains("Not passed"));
        assert!(
            !result.text.contains("<legend>"),
            "no item on the result page"
        );
        // The closed paper is gone from the exam page.
        let closed = browser.get(&format!("/sittings/{id}")).await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER);
    }
);

db_test!(
    an_older_save_from_a_page_never_overwrites_a_newer_one,
    |app| {
        let (candidate, mut browser) = signed_in_candidate(&app).await;
        let id = browser.start("iso20000-foundation").await;
        let csrf = browser.get(&format!("/sittings/{id}")).await.csrf();
        let path = format!("/sittings/{id}/answers/1");
        let (status, newer) = browser
            .script(
                &path,
                &csrf,
                json!({"response": {"choice": "C"}, "client": "page-1", "seq": 2}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(newer["stale"], false);
        assert!(newer["remaining_seconds"].as_i64().unwrap() > 3500);
        let (status, older) = browser
            .script(
                &path,
                &csrf,
                json!({"response": {"choice": "A"}, "client": "page-1", "seq": 1}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(older["stale"], true, "the late save is recognised");
        let answer = |body: &Value| body["questions"][0]["answer"].clone();
        let api = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
            .await;
        assert_eq!(answer(&api.body), json!({"choice": "C"}));
        // Another page (a second device) saves whenever it saves.
        browser
            .script(
                &path,
                &csrf,
                json!({"response": {"choice": "D"}, "client": "page-2", "seq": 1}),
            )
            .await;
        let api = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
            .await;
        assert_eq!(answer(&api.body), json!({"choice": "D"}));
        // Without the page's token nothing is saved.
        let (status, _) = browser
            .script(
                &path,
                "forged",
                json!({"response": {"choice": "A"}, "client": "page-2", "seq": 9}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // After the deadline the page's save is refused.
        app.advance(time::Duration::minutes(61));
        let (status, view) = browser
            .script(
                &path,
                &csrf,
                json!({"response": {"choice": "A"}, "client": "page-2", "seq": 10}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(view["status"], "expired");
    }
);

db_test!(time_added_by_an_administrator_reaches_the_page, |app| {
    let (_, mut browser) = signed_in_candidate(&app).await;
    let id = browser.start("iso20000-foundation").await;
    let admin = app.admin().await;
    let bad = app
        .post(
            &format!("/api/v1/admin/sittings/{id}/extension"),
            json!({"minutes": 0, "reason": ""}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["minutes", "reason"]);
    let added = app
        .post(
            &format!("/api/v1/admin/sittings/{id}/extension"),
            json!({"minutes": 15, "reason": "Fire alarm in the exam room"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert_eq!(added.body["remaining_seconds"], 75 * 60);
    let clock = browser.get(&format!("/sittings/{id}/clock")).await;
    let clock: Value = serde_json::from_str(&clock.text).unwrap();
    assert_eq!(clock["total_minutes"], 75);
    assert_eq!(clock["time_allowed"], "75 minutes (60 + 15 minutes added)");
    // Time that has run out is not given back.
    app.advance(time::Duration::minutes(76));
    let late = app
        .post(
            &format!("/api/v1/admin/sittings/{id}/extension"),
            json!({"minutes": 15, "reason": "Too late"}),
            Some(&app.relogin_email(&admin.email).await),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
});

db_test!(a_staff_invitation_is_accepted_on_its_page, |app| {
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/admin/atos",
            json!({"name": "Training North", "country": "GB", "contact_email": "office@training.example"}),
            Some(&admin.token),
        )
        .await;
    let ato = created.body["id"].as_str().unwrap().to_owned();
    let email = "trainer@training.example";
    app.post(
        &format!("/api/v1/admin/atos/{ato}/invitations"),
        json!({"email": email}),
        Some(&admin.token),
    )
    .await;
    app.deliver_mail().await;
    let token = app.invitation_token(email);
    let mut browser = Browser::new(&app);
    let page = browser.get("/invitations/accept").await;
    assert!(page.text.contains("/static/link.js"));
    let csrf = page.csrf();
    let nameless = browser
        .post(
            "/invitations/accept",
            &[("csrf", &csrf), ("token", &token), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nameless.text.contains("Given name is needed"));
    let done = browser
        .post(
            "/invitations/accept",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("given_name", "Tomasz"),
                ("family_name", "Kowal"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(app.login(email, PASSWORD).await.status, StatusCode::OK);
    let again = browser
        .post(
            "/invitations/accept",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("given_name", "Tomasz"),
                ("family_name", "Kowal"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE, "a link works once");
});

db_test!(an_administrator_adds_time_on_the_sitting_page, |app| {
    let (candidate, mut browser) = signed_in_candidate(&app).await;
    let id = browser.start("iso20000-foundation").await;
    let admin = app.admin().await;
    let mut office = Browser::new(&app);
    office.sign_in(&admin.email).await;
    let page = office.get(&format!("/admin/sittings/{id}")).await;
    assert!(page.text.contains("Add the time"));
    let csrf = page.csrf();
    let path = format!("/admin/sittings/{id}/extension");
    let forged = office
        .post(
            &path,
            &[("csrf", "forged"), ("minutes", "10"), ("reason", "Alarm")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let bad = office
        .post(&path, &[("csrf", &csrf), ("minutes", "0"), ("reason", " ")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text
            .contains("Minutes must be a whole number from 1 to 240.")
    );
    let added = office
        .post(
            &path,
            &[("csrf", &csrf), ("minutes", "10"), ("reason", "Alarm")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let sitting = app
        .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
        .await;
    assert_eq!(
        sitting.body["remaining_seconds"],
        70 * 60,
        "only the valid form counted"
    );
    // A candidate cannot add time to their own sitting.
    let token = browser.get("/dashboard").await.csrf();
    let own = browser
        .post(
            &path,
            &[("csrf", &token), ("minutes", "60"), ("reason", "More")],
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
});
