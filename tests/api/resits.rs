//! Resit rules, as a candidate meets them: refused during the cool-off after a fail with
//! the date named (on the API, the eligibility list and the dashboard), sitting again
//! once the clock reaches it, and at most three sittings in 90 days. The fixture scheme
//! `tests/fixtures/back-office-pools` has the rules the shipped scheme does not.

use reqwest::StatusCode;
use serde_json::Value;
use time::Duration;

use crate::browser::Browser;
use crate::helpers::*;

pub fn back_office(settings: &mut invigilator::config::Settings) {
    settings.pools.dir = repo_root().join("tests/fixtures/back-office-pools");
}

/// Sits `qualification` (two questions), answering both right to pass or both wrong to
/// fail; returns the sitting id and the submitted result.
pub async fn sit(app: &TestApp, token: &str, qualification: &str, pass: bool) -> (String, Reply) {
    let started = app.start_sitting(token, qualification).await;
    assert_eq!(started.status, 201, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_owned();
    for number in 1..=2 {
        let choice = if pass {
            app.key_of(&id, number).await
        } else {
            app.wrong_of(&id, number).await
        };
        let saved = app.save_answer(token, &id, number, &choice).await;
        assert_eq!(saved.status, 200, "{}", saved.text);
    }
    let result = app.submit(token, &id).await;
    assert_eq!(result.status, 200, "{}", result.text);
    assert_eq!(result.body["passed"], pass, "{}", result.text);
    (id, result)
}

async fn standing(app: &TestApp, token: &str, qualification: &str) -> Value {
    let reply = app.get("/api/v1/me/eligibility", Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["qualification"] == qualification)
        .unwrap()
        .clone()
}

db_test!(
    a_failed_candidate_waits_out_the_cool_off_and_then_sits_again,
    |settings| {
        back_office(settings);
    },
    |app| {
        let candidate = app.candidate().await;
        let before = standing(&app, &candidate.token, "demo-resits").await;
        assert_eq!(before["eligible"], true);
        assert!(before.get("resit").is_none(), "{before}");

        sit(&app, &candidate.token, "demo-resits", false).await;
        let from = app.day(14);
        let message = format!("Demo Resits may be sat again from {from}: 14 days after a fail");

        let refused = app.start_sitting(&candidate.token, "demo-resits").await;
        let problem = refused.problem(409);
        assert_eq!(problem["detail"], message.as_str());
        assert_eq!(problem["rule"], "cool_off");
        assert_eq!(problem["may_sit_from"], from.as_str());

        let now = standing(&app, &candidate.token, "demo-resits").await;
        assert_eq!(now["eligible"], false);
        assert_eq!(now["resit"]["rule"], "cool_off");
        assert_eq!(now["resit"]["message"], message.as_str());
        assert_eq!(now["resit"]["may_sit_from"], from.as_str());

        // The dashboard says the same and offers no Start button.
        let mut browser = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
        let dashboard = browser.get("/dashboard").await;
        assert!(dashboard.text.contains(&message), "{}", dashboard.text);
        assert!(!dashboard.text.contains("Start Demo Resits"));

        // The day before is still too soon; on the day named, the paper opens again.
        app.advance(Duration::days(13));
        let token = app.relogin(&candidate).await;
        assert_eq!(app.start_sitting(&token, "demo-resits").await.status, 409);
        let midnight = app.now().date().next_day().unwrap().midnight().assume_utc();
        app.advance(midnight - app.now());
        let token = app.relogin(&candidate).await;
        assert_eq!(
            standing(&app, &token, "demo-resits").await["eligible"],
            true
        );
        sit(&app, &token, "demo-resits", false).await;
    }
);

db_test!(
    at_most_three_sittings_in_ninety_days,
    |settings| {
        back_office(settings);
    },
    |app| {
        let candidate = app.candidate().await;
        let first_day = app.day(0);
        let mut token = candidate.token.clone();
        for _ in 0..3 {
            sit(&app, &token, "demo-resits", false).await;
            app.advance(Duration::days(14));
            token = app.relogin(&candidate).await;
        }
        let from = (time::Date::parse(
            &first_day,
            &time::format_description::well_known::Iso8601::DATE,
        )
        .unwrap()
            + Duration::days(90))
        .to_string();
        let refused = app.start_sitting(&token, "demo-resits").await;
        let problem = refused.problem(409);
        assert_eq!(problem["rule"], "max_sittings");
        assert_eq!(problem["may_sit_from"], from.as_str());
        assert_eq!(
            problem["detail"],
            format!("Demo Resits may be sat again from {from}: at most 3 sittings in 90 days")
        );
        // The first sitting leaves the period on the day named.
        app.advance(Duration::days(90 - 42));
        let token = app.relogin(&candidate).await;
        let started = app.start_sitting(&token, "demo-resits").await;
        assert_eq!(started.status, 201, "{}", started.text);
    }
);

db_test!(
    a_passed_candidate_cannot_sit_a_certificate_that_does_not_expire_again,
    |settings| {
        back_office(settings);
    },
    |app| {
        let candidate = app.candidate().await;
        let (_, result) = sit(&app, &candidate.token, "demo-resits", true).await;
        let number = result.body["certificate_number"].as_str().unwrap();
        let refused = app.start_sitting(&candidate.token, "demo-resits").await;
        let problem = refused.problem(409);
        assert_eq!(problem["rule"], "already_certified");
        assert!(problem.get("may_sit_from").is_none());
        assert!(
            problem["detail"].as_str().unwrap().contains(number),
            "{problem}"
        );
    }
);

db_test!(the_shipped_scheme_has_no_resit_rules, |app| {
    let candidate = app.candidate().await;
    for correct in [10, 30] {
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        app.answer_all(&candidate.token, &id, correct).await;
        app.submit(&candidate.token, &id).await;
    }
    let s = standing(&app, &candidate.token, "iso20000-foundation").await;
    assert_eq!(s["eligible"], true, "{s}");
    app.start_foundation(&candidate.token).await;
});
