//! Exam integrity, written as the attacks: the harvesting candidate who reads a closed
//! paper back, the candidate who counts per-question marks to find the pilots, and the
//! operator who starts production on the published sample bank.

use serde_json::{Value, json};

use crate::helpers::*;

/// Every stem and option text of a sitting's paper, as stored.
async fn paper_texts(app: &TestApp, sitting: &str) -> Vec<String> {
    let stored = app.stored(sitting).await;
    let mut texts = Vec::new();
    for item in &stored.paper.items {
        texts.push(item.stem.clone());
        texts.extend(item.body.options().iter().cloned());
    }
    // Some options are also the names of things a result rightly shows: the edition
    // ("ISO/IEC 20000-1") or a syllabus area ("Service delivery processes").
    let edition = app.state.catalog.edition(&stored.edition).unwrap();
    texts.retain(|t| {
        !edition.title.contains(t.as_str()) && !edition.areas.iter().any(|a| a.title == *t)
    });
    texts
}

db_test!(a_closed_paper_cannot_be_read_back_by_its_candidate, |app| {
    let candidate = app.candidate().await;
    let sitting = app.start_foundation(&candidate.token).await;
    let id = sitting["id"].as_str().unwrap().to_owned();
    app.answer_all(&candidate.token, &id, 30).await;
    let submitted = app.submit(&candidate.token, &id).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);

    let replies = [
        ("submit", submitted),
        (
            "get",
            app.get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
                .await,
        ),
        ("result", app.result(&candidate.token, &id).await),
        (
            "list",
            app.get("/api/v1/me/sittings", Some(&candidate.token)).await,
        ),
    ];
    let texts = paper_texts(&app, &id).await;
    for (what, reply) in &replies {
        assert_eq!(reply.status, 200, "{what}: {}", reply.text);
        for text in &texts {
            assert!(
                !reply.text.contains(text.as_str()),
                "{what} shows item text {text:?}"
            );
        }
        assert!(
            !reply.text.contains("\"answer\""),
            "{what} echoes an answer"
        );
    }
    let view = &replies[1].1.body;
    assert_eq!(view["status"], "submitted");
    assert_eq!(view["questions"], json!([]));
    assert_eq!(view["result"]["score"], 30);
    assert_eq!(view["result"]["pass_mark"], 26);
    assert_eq!(view["result"]["passed"], true);
    let result = &replies[2].1.body;
    assert_eq!(result["disclosure"], "areas");
    assert!(
        result.get("questions").is_none(),
        "no per-question marks by default: {result}"
    );
    let areas: u64 = result["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["score"].as_u64().unwrap())
        .sum();
    assert_eq!(areas, 30, "the per-area breakdown adds up to the score");
    assert!(replies[2].1.text.contains("certificate_number"));

    // The examiner still has the whole marked paper.
    let admin = app.admin().await;
    let marked = app
        .get(&format!("/api/v1/admin/sittings/{id}"), Some(&admin.token))
        .await;
    assert_eq!(marked.body["items"].as_array().unwrap().len(), 40);
});

db_test!(
    a_sitting_closed_at_its_deadline_shows_only_its_result,
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        app.answer_all(&candidate.token, &id, 5).await;
        app.advance(time::Duration::minutes(61));
        let token = app.relogin(&candidate).await;
        let view = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&token))
            .await;
        assert_eq!(view.status, 200);
        assert_eq!(view.body["status"], "expired");
        assert_eq!(view.body["questions"], json!([]));
        assert_eq!(view.body["result"]["score"], 5);
        for text in paper_texts(&app, &id).await {
            assert!(!view.text.contains(text.as_str()));
        }
    }
);

db_test!(
    per_question_marks_never_show_which_questions_are_pilots,
    |settings| {
        settings.pools.dir = repo_root().join("tests/fixtures/pilot-pools");
    },
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_sitting(&candidate.token, "demo-foundation").await;
        let id = sitting.body["id"].as_str().unwrap().to_owned();
        for q in sitting.body["questions"].as_array().unwrap() {
            let number = q["number"].as_u64().unwrap() as u32;
            let key = app.key_of(&id, number).await;
            app.save_answer(&candidate.token, &id, number, &key).await;
        }
        let result = app.submit(&candidate.token, &id).await;
        assert_eq!(result.body["score"], 2);
        assert!(result.body.get("questions").is_none(), "{}", result.text);
        let areas: Vec<&Value> = result.body["areas"].as_array().unwrap().iter().collect();
        assert_eq!(areas.len(), 1);
        assert_eq!(
            areas[0]["max_score"], 2,
            "the pilot is not counted in its area"
        );
    }
);

#[test]
fn a_policy_that_would_show_pilots_is_a_pool_problem() {
    let fixture = repo_root().join("tests/fixtures/disclosing-pools/demo-q");
    assert!(invigilator::pools::load_catalog(fixture.parent().unwrap()).is_ok());
    let dir = tempfile::tempdir().unwrap();
    let edition = dir.path().join("demo-q");
    std::fs::create_dir_all(edition.join("items")).unwrap();
    let scheme = std::fs::read_to_string(fixture.join("scheme.toml"))
        .unwrap()
        .replace("pilot = 0", "pilot = 1");
    std::fs::write(edition.join("scheme.toml"), scheme).unwrap();
    std::fs::copy(fixture.join("items/a.toml"), edition.join("items/a.toml")).unwrap();
    let Err(problems) = invigilator::pools::load_catalog(dir.path()) else {
        panic!("a policy showing pilots was accepted");
    };
    assert!(
        problems
            .iter()
            .any(|p| p.to_string().contains("which questions are pilots")),
        "{problems:?}"
    );
}

db_test!(
    a_body_that_chooses_it_shows_per_question_marks,
    |settings| {
        settings.pools.dir = repo_root().join("tests/fixtures/disclosing-pools");
    },
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_sitting(&candidate.token, "demo-foundation").await;
        assert_eq!(sitting.status, 201, "{}", sitting.text);
        let id = sitting.body["id"].as_str().unwrap().to_owned();
        let result = app.submit(&candidate.token, &id).await;
        assert_eq!(result.body["disclosure"], "questions");
        assert_eq!(result.body["questions"].as_array().unwrap().len(), 2);
        let view = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
            .await;
        assert_eq!(view.body["questions"], json!([]), "still no item content");
    }
);

db_test!(
    a_candidate_lists_their_own_sittings_newest_first_a_page_at_a_time,
    |app| {
        let candidate = app.candidate().await;
        let other = app.candidate().await;
        let theirs = app.start_foundation(&other.token).await;
        let mut ids = Vec::new();
        for correct in [10, 30, 20] {
            let sitting = app.start_foundation(&candidate.token).await;
            let id = sitting["id"].as_str().unwrap().to_owned();
            app.answer_all(&candidate.token, &id, correct).await;
            app.submit(&candidate.token, &id).await;
            ids.push(id);
        }
        let current = app.start_foundation(&candidate.token).await;
        ids.push(current["id"].as_str().unwrap().to_owned());
        ids.reverse();

        let first = app
            .get("/api/v1/me/sittings?limit=3", Some(&candidate.token))
            .await;
        assert_eq!(first.status, 200, "{}", first.text);
        let items = first.body["items"].as_array().unwrap();
        let listed: Vec<&str> = items.iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(
            listed,
            ids[..3].iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert_eq!(items[0]["status"], "in_progress");
        assert!(items[0]["score"].is_null());
        assert_eq!(items[1]["score"], 20);
        assert_eq!(items[1]["passed"], false);
        assert_eq!(items[2]["score"], 30);
        assert_eq!(items[2]["passed"], true);
        assert!(items.iter().all(|s| s.get("questions").is_none()));
        let cursor = first.body["next_cursor"].as_str().unwrap();

        let second = app
            .get(
                &format!("/api/v1/me/sittings?limit=3&cursor={cursor}"),
                Some(&candidate.token),
            )
            .await;
        let rest = second.body["items"].as_array().unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0]["id"], ids[3].as_str());
        assert!(second.body.get("next_cursor").is_none());
        assert!(!first.text.contains(theirs["id"].as_str().unwrap()));
        assert!(!second.text.contains(theirs["id"].as_str().unwrap()));

        for bad in ["limit=0", "limit=101", "cursor=nope"] {
            let reply = app
                .get(
                    &format!("/api/v1/me/sittings?{bad}"),
                    Some(&candidate.token),
                )
                .await;
            assert_eq!(reply.status, 422, "{bad}: {}", reply.text);
        }
    }
);

db_test!(an_overdue_sitting_is_listed_as_closed, |app| {
    let candidate = app.candidate().await;
    let sitting = app.start_foundation(&candidate.token).await;
    let id = sitting["id"].as_str().unwrap().to_owned();
    app.advance(time::Duration::hours(2));
    let token = app.relogin(&candidate).await;
    let list = app.get("/api/v1/me/sittings", Some(&token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["items"][0]["id"], id.as_str());
    assert_eq!(list.body["items"][0]["status"], "expired");
    assert_eq!(list.body["items"][0]["score"], 0);
});

fn production_settings(dir: &std::path::Path) -> invigilator::config::Settings {
    let mut settings =
        invigilator::config::load(&repo_root(), invigilator::config::Environment::Test).unwrap();
    settings.environment = invigilator::config::Environment::Production;
    settings.server.port = 0;
    settings.email.public_base_url = "https://exams.example.org".into();
    settings.database.url = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display()).into();
    settings.auth.jwt_secret = Some(
        "a production secret of at least thirty-two bytes"
            .to_owned()
            .into(),
    );
    settings.certificates.signing_key = Some(
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"
            .to_owned()
            .into(),
    );
    settings
}

#[tokio::test]
async fn production_refuses_the_published_sample_bank_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let settings = production_settings(dir.path());
    let error = match invigilator::startup::Application::build(settings.clone()).await {
        Ok(_) => panic!("production started on the sample pools"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("sample"), "{error}");
    assert!(error.contains("APP_POOLS__DIR"), "{error}");
    assert!(error.contains("APP_POOLS__ALLOW_SAMPLE"), "{error}");

    let mut allowed = settings;
    allowed.pools.allow_sample = true;
    assert!(
        invigilator::startup::Application::build(allowed)
            .await
            .is_ok(),
        "an operator may choose to run the samples"
    );
}

db_test!(
    a_backdating_organization_is_refused_and_an_administrator_records_the_past_as_theirs,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-auditor"]).await;
        let body = json!({"qualification": "iso20000-auditor", "title": "Auditor", "starts_on": app.day(-3), "ends_on": app.day(-1), "delivery": "virtual", "trainer_name": "Maria Nowak"});
        let backdated = app
            .post("/api/v1/ato/courses", body.clone(), Some(&staff.token))
            .await;
        assert_eq!(backdated.problem(422)["errors"][0]["field"], "starts_on");
        let today = json!({"qualification": "iso20000-auditor", "title": "Auditor", "starts_on": app.day(0), "ends_on": app.day(2), "delivery": "virtual", "trainer_name": "Maria Nowak"});
        let ok = app
            .post("/api/v1/ato/courses", today, Some(&staff.token))
            .await;
        assert_eq!(ok.status, 201, "a course may start today: {}", ok.text);

        let recorded = app
            .post(
                &format!("/api/v1/admin/atos/{}/courses", staff.ato),
                body,
                Some(&admin.token),
            )
            .await;
        assert_eq!(recorded.status, 201, "{}", recorded.text);
        assert_eq!(recorded.body["accredited"], true);
        let id: uuid::Uuid = recorded.body["id"].as_str().unwrap().parse().unwrap();
        let stored = invigilator::persistence::atos::find_course(
            &app.state.db,
            id,
            staff.ato.parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            stored.created_by, admin.id,
            "recorded as the administrator's"
        );
        app.post(
            &format!("/api/v1/admin/atos/{}/courses", staff.ato),
            json!({"qualification": "iso20000-auditor", "title": "x", "starts_on": app.day(-3), "ends_on": app.day(-1), "delivery": "virtual", "trainer_name": "x"}),
            Some(&staff.token),
        )
        .await
        .problem(403);
    }
);

db_test!(
    a_nosy_organization_learns_nothing_until_the_candidate_accepts,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let other = app.ato(&admin, &["iso20000-foundation"]).await;
        let candidate = app.candidate().await;
        // A sitting from before any enrolment.
        let before = app.start_foundation(&candidate.token).await;
        let before_id = before["id"].as_str().unwrap().to_owned();
        app.answer_all(&candidate.token, &before_id, 12).await;
        app.submit(&candidate.token, &before_id).await;
        app.advance(time::Duration::minutes(1));

        let course = app.course(&staff, "iso20000-foundation", 0, 1).await;
        let enrolled = app
            .post(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                json!({"given_name": "Anyone", "family_name": "Typed", "email": candidate.email}),
                Some(&staff.token),
            )
            .await;
        assert_eq!(enrolled.body["result"], "linked");
        let list = app
            .get(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                Some(&staff.token),
            )
            .await;
        let row = &list.body[0];
        assert_eq!(row["status"], "invited");
        assert!(
            row["candidate_id"].is_null()
                && row["given_name"].is_null()
                && row["family_name"].is_null(),
            "{row}"
        );
        assert!(
            !list.text.contains("Zoë"),
            "the account's names stay hidden"
        );
        let enrolment = row["id"].as_str().unwrap().to_owned();
        let outcome = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/ato/courses/{course}/enrolments/{enrolment}/outcome"),
                Some(json!({"outcome": "absent"})),
                Some(&staff.token),
            )
            .await;
        assert_eq!(
            outcome.problem(409)["type"],
            "urn:invigilator:problem:enrolment-not-accepted"
        );
        assert_eq!(
            app.get("/api/v1/ato/results", Some(&staff.token))
                .await
                .body,
            json!([])
        );
        let mine = app.get("/api/v1/me/courses", Some(&candidate.token)).await;
        assert_eq!(mine.body[0]["accepted"], false);

        // Someone else cannot accept it for them; the candidate can.
        let stranger = app.candidate().await;
        app.post(
            &format!("/api/v1/me/courses/{enrolment}/accept"),
            json!({}),
            Some(&stranger.token),
        )
        .await
        .problem(404);
        let accepted = app
            .post(
                &format!("/api/v1/me/courses/{enrolment}/accept"),
                json!({}),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(accepted.status, 204, "{}", accepted.text);
        let mine = app.get("/api/v1/me/courses", Some(&candidate.token)).await;
        assert_eq!(mine.body[0]["accepted"], true);
        let list = app
            .get(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                Some(&staff.token),
            )
            .await;
        assert_eq!(list.body[0]["status"], "accepted");
        assert_eq!(list.body[0]["given_name"], "Zoë");
        assert_eq!(list.body[0]["candidate_id"], candidate.id.to_string());

        // Only sittings started after the acceptance are the organization's business.
        app.advance(time::Duration::minutes(1));
        let token = app.relogin(&candidate).await;
        let after = app.start_foundation(&token).await;
        let after_id = after["id"].as_str().unwrap().to_owned();
        app.answer_all(&token, &after_id, 33).await;
        app.submit(&token, &after_id).await;
        let staff_token = app.relogin_email(&staff.email).await;
        let results = app.get("/api/v1/ato/results", Some(&staff_token)).await;
        let rows = results.body.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{}", results.text);
        assert_eq!(rows[0]["score"], 33);
        let other_token = app.relogin_email(&other.email).await;
        assert_eq!(
            app.get("/api/v1/ato/results", Some(&other_token))
                .await
                .body,
            json!([])
        );
    }
);

db_test!(
    an_enrolment_link_works_once_and_only_for_enrolments,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let candidate = app.candidate().await;
        let course = app.course(&staff, "iso20000-foundation", 1, 2).await;
        app.post(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            json!({"given_name": "Z", "family_name": "O", "email": candidate.email}),
            Some(&staff.token),
        )
        .await;
        app.deliver_mail().await;
        let token = app.enrolment_token(&candidate.email);
        // Not a password link: it cannot take over the account.
        app.post(
            "/api/v1/invitations/accept",
            json!({"token": token, "password": "a new password for me"}),
            None,
        )
        .await
        .problem(410);
        let first = app
            .post("/api/v1/enrolments/accept", json!({"token": token}), None)
            .await;
        assert_eq!(first.status, 200, "{}", first.text);
        app.post("/api/v1/enrolments/accept", json!({"token": token}), None)
            .await
            .problem(410);
        app.post(
            "/api/v1/enrolments/accept",
            json!({"token": "made-up"}),
            None,
        )
        .await
        .problem(410);
        let page = app.get("/enrolments/accept", None).await;
        assert_eq!(page.status, 200);
        assert!(page.text.contains("Accept the enrolment"));
    }
);

/// The Practitioner row of the candidate's eligibility.
async fn practitioner(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/me/eligibility", Some(token))
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["qualification"] == "iso20000-practitioner")
        .unwrap()
        .clone()
}

db_test!(a_suspended_or_revoked_certificate_opens_no_paper, |app| {
    let candidate = app.candidate().await;
    let number = app.pass_foundation(&candidate).await;
    assert_eq!(practitioner(&app, &candidate.token).await["eligible"], true);

    let admin = app.admin().await;
    let status = |action: &'static str| {
        let path = format!("/api/v1/admin/certificates/{number}/status");
        let token = admin.token.clone();
        let app = &app;
        async move {
            let reply = app
                .post(
                    &path,
                    json!({"action": action, "reason": "under review"}),
                    Some(&token),
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
    };
    status("suspend").await;
    let row = practitioner(&app, &candidate.token).await;
    assert_eq!(row["eligible"], false);
    let reasons: Vec<&str> = row["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert_eq!(reasons, [format!("your certificate {number} is suspended")]);
    let refused = app
        .start_sitting(&candidate.token, "iso20000-practitioner")
        .await;
    let unmet = &refused.problem(403)["unmet"];
    assert!(unmet.to_string().contains("suspended"), "{unmet}");

    status("reinstate").await;
    assert_eq!(practitioner(&app, &candidate.token).await["eligible"], true);
    status("revoke").await;
    let row = practitioner(&app, &candidate.token).await;
    assert_eq!(row["eligible"], false);
    assert!(row.to_string().contains("is revoked"), "{row}");
});

db_test!(
    a_reissue_keeps_the_private_reason_private_and_never_revives_a_suspension,
    |app| {
        let candidate = app.candidate().await;
        let number = app.pass_foundation(&candidate).await;
        let admin = app.admin().await;
        let reissued = app
            .post(
                &format!("/api/v1/admin/certificates/{number}/reissue"),
                json!({"reason": "Holder's divorce settlement, case 4711"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(reissued.status, 201, "{}", reissued.text);
        let old = app
            .get(&format!("/api/v1/certificates/{number}/verification"), None)
            .await;
        assert_eq!(old.body["status"], "revoked");
        assert!(!old.text.contains("divorce"), "{}", old.text);
        let new_number = reissued.body["number"].as_str().unwrap().to_owned();
        let new = app
            .get(
                &format!("/api/v1/certificates/{new_number}/verification"),
                None,
            )
            .await;
        assert!(!new.text.contains("divorce"));

        let suspended = app
            .post(
                &format!("/api/v1/admin/certificates/{new_number}/status"),
                json!({"action": "suspend", "reason": "investigation"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(suspended.status, 200);
        app.post(
            &format!("/api/v1/admin/certificates/{new_number}/reissue"),
            json!({"reason": "try to launder the suspension"}),
            Some(&admin.token),
        )
        .await
        .problem(409);
    }
);

db_test!(
    an_enumerating_verifier_learns_status_but_never_a_name,
    |app| {
        let candidate = app.candidate().await;
        let number = app.pass_foundation(&candidate).await;
        let verify = |query: &'static str| {
            let path = format!("/api/v1/certificates/{number}/verification{query}");
            let app = &app;
            async move { app.get(&path, None).await }
        };
        let bare = verify("").await;
        assert_eq!(bare.body["status"], "valid");
        assert_eq!(bare.body["qualification"], "iso20000-foundation");
        assert!(bare.body["issued_on"].is_string());
        assert!(bare.body["holder_name"].is_null());
        assert!(!bare.text.contains("Zoë") && !bare.text.contains("Brien"));
        let guess = verify("?family_name=Smith").await;
        assert_eq!(guess.body["holder_name_matches"], false);
        assert!(guess.body["holder_name"].is_null());
        assert!(!guess.text.contains("Zoë"));
        let fragment = verify("?family_name=Brien").await;
        assert_eq!(fragment.body["holder_name_matches"], false, "no fragments");
        let right = verify("?family_name=o%27brien-%C5%82ukasiewicz").await;
        assert_eq!(right.body["holder_name_matches"], true);
        assert_eq!(right.body["holder_name"], "Zoë O'Brien-Łukasiewicz");

        // The holder opts in: now the number alone names them, and the register finds them.
        app.send(
            reqwest::Method::PUT,
            "/api/v1/me/register",
            Some(json!({"listed": true})),
            Some(&candidate.token),
        )
        .await;
        assert_eq!(
            verify("").await.body["holder_name"],
            "Zoë O'Brien-Łukasiewicz"
        );
        let found = app.get("/api/v1/register?family_name=ŁUKASIE", None).await;
        assert_eq!(found.body.as_array().unwrap().len(), 1, "{}", found.text);
        let wildcard = app.get("/api/v1/register?family_name=%25%25", None).await;
        assert_eq!(
            wildcard.body,
            json!([]),
            "a % is a character, not a wildcard"
        );
    }
);

#[tokio::test]
async fn production_refuses_an_http_address_and_a_short_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = production_settings(dir.path());
    settings.pools.allow_sample = true;
    let mut http = settings.clone();
    http.email.public_base_url = "http://exams.example.org".into();
    let error = match invigilator::startup::Application::build(http).await {
        Ok(_) => panic!("production started on http"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("https"), "{error}");
    let mut short = settings;
    short.auth.jwt_secret = Some("short".to_owned().into());
    let error = match invigilator::startup::Application::build(short).await {
        Ok(_) => panic!("production started with a short secret"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("32 bytes"), "{error}");
}

#[tokio::test]
async fn production_refuses_the_browser_tests_movable_clock() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = production_settings(dir.path());
    settings.pools.allow_sample = true;
    settings.sittings.test_clock_file = Some(dir.path().join("clock"));
    let error = match invigilator::startup::Application::build(settings).await {
        Ok(_) => panic!("production started with a movable clock"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("TEST_CLOCK_FILE"), "{error}");
}

db_test!(every_response_carries_the_security_headers, |app| {
    let candidate = app.candidate().await;
    for (path, token) in [
        ("/api/v1/me", Some(candidate.token.as_str())),
        ("/api/v1/qualifications", None),
        ("/api/v1/nothing-here", None),
        ("/verify/not-a-code", None),
        ("/invitations/accept", None),
    ] {
        let mut request = app.client.get(app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let h = response.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(get("cache-control"), "no-store", "{path}");
        assert!(
            get("content-security-policy").contains("frame-ancestors 'none'"),
            "{path}: {}",
            get("content-security-policy")
        );
        assert!(
            get("strict-transport-security").starts_with("max-age="),
            "{path}: the public address is https"
        );
    }
});

db_test!(
    the_sweeper_skips_a_sitting_it_cannot_close_and_closes_the_others,
    |app| {
        use sea_orm::ConnectionTrait;
        let first = app.candidate().await;
        let second = app.candidate().await;
        let broken = app.start_foundation(&first.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let fine = app.start_foundation(&second.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let matching = match app.state.db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => format!("id = '{broken}'"),
            _ => format!("id = X'{}' OR id = '{broken}'", broken.replace('-', "")),
        };
        app.state
            .db
            .execute_unprepared(&format!(
                "UPDATE sittings SET paper = '{{not json' WHERE {matching}"
            ))
            .await
            .unwrap();
        app.advance(time::Duration::hours(2));
        assert_eq!(app.sweep().await, 1, "the readable sitting is closed");
        assert_eq!(
            app.stored(&fine).await.status,
            invigilator::domain::sitting::SittingStatus::Expired
        );
    }
);
