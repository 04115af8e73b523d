//! Certificates that expire (the fixture qualification `demo-validity`: twelve months,
//! renewable from two months before expiry): the certificate carries `expires_on` (API,
//! verification, PDF), verification says `expired` once the clock passes it, distinct
//! from revoked, and passing again while holding it renews it: a new certificate linked
//! to the old.

use reqwest::StatusCode;
use time::Duration;

use crate::browser::Browser;
use crate::helpers::*;
use crate::resits::{back_office, sit};

async fn verification(app: &TestApp, number: &str) -> serde_json::Value {
    let reply = app
        .get(&format!("/api/v1/certificates/{number}/verification"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

fn plus_months(date: time::Date, months: i64) -> String {
    invigilator::domain::validity::add_months(date, months).to_string()
}

db_test!(
    a_certificate_expires_and_a_renewal_sitting_replaces_it_with_a_linked_one,
    |settings| {
        back_office(settings);
    },
    |app| {
        let candidate = app.candidate().await;
        let issued = app.now().date();
        let (_, result) = sit(&app, &candidate.token, "demo-validity", true).await;
        let old = result.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned();
        let expires_on = plus_months(issued, 12);

        let v = verification(&app, &old).await;
        assert_eq!(v["status"], "valid");
        assert_eq!(v["expires_on"], expires_on.as_str());
        let mine = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await;
        assert_eq!(mine.body[0]["expires_on"], expires_on.as_str());
        let pdf = app
            .client
            .get(app.url(&format!("/api/v1/certificates/{old}/pdf")))
            .bearer_auth(&candidate.token)
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200);
        let bytes = pdf.bytes().await.unwrap();
        if let Some(text) = crate::documents::pdf_text(&bytes) {
            assert!(text.contains("Expires on"), "{text}");
        }

        // Too early to renew: the window opens two months before expiry.
        let opens = plus_months(issued, 10);
        let early = app.start_sitting(&candidate.token, "demo-validity").await;
        let problem = early.problem(409);
        assert_eq!(problem["rule"], "renewal_window");
        assert_eq!(problem["may_sit_from"], opens.as_str());

        // In the window, a pass renews it.
        let days =
            (time::Date::parse(&opens, &time::format_description::well_known::Iso8601::DATE)
                .unwrap()
                - issued)
                .whole_days();
        app.advance(Duration::days(days));
        let token = app.relogin(&candidate).await;
        let (_, renewal) = sit(&app, &token, "demo-validity", true).await;
        let new = renewal.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(new, old);
        let v_new = verification(&app, &new).await;
        assert_eq!(v_new["renews"], old.as_str());
        assert_eq!(v_new["status"], "valid");
        let v_old = verification(&app, &old).await;
        assert_eq!(v_old["renewed_by"], new.as_str());
        assert_eq!(v_old["status"], "valid", "still valid until its own expiry");

        // Past the old certificate's expiry date: expired, computed from the date.
        app.advance(Duration::days(62));
        let v_old = verification(&app, &old).await;
        assert_eq!(v_old["status"], "expired");
        assert!(v_old["reason"].is_null());
        assert_eq!(verification(&app, &new).await["status"], "valid");

        // The public page the QR code opens says Expired too.
        let code = invigilator::persistence::certificates::by_number(&app.state.db, &old)
            .await
            .unwrap()
            .unwrap()
            .verification_code;
        let mut browser = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
        let page = browser.get(&format!("/verify/{code}")).await;
        assert!(
            page.text.contains("<h1>Expired certificate</h1>"),
            "{}",
            page.text
        );
        assert!(page.text.contains(&new), "the page names the renewal");
    }
);

db_test!(
    an_expired_certificate_is_not_revoked_and_a_revoked_one_stays_revoked,
    |settings| {
        back_office(settings);
    },
    |app| {
        let admin = app.admin().await;
        let (a, b) = (app.candidate().await, app.candidate().await);
        let (_, ra) = sit(&app, &a.token, "demo-validity", true).await;
        let (_, rb) = sit(&app, &b.token, "demo-validity", true).await;
        let (na, nb) = (
            ra.body["certificate_number"].as_str().unwrap().to_owned(),
            rb.body["certificate_number"].as_str().unwrap().to_owned(),
        );
        let revoked = app
            .post(
                &format!("/api/v1/admin/certificates/{nb}/status"),
                serde_json::json!({"action": "revoke", "reason": "Malpractice found"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(revoked.status, 200, "{}", revoked.text);
        app.advance(Duration::days(400));
        assert_eq!(verification(&app, &na).await["status"], "expired");
        assert_eq!(verification(&app, &nb).await["status"], "revoked");
        // After expiry the holder may sit again; the pass renews the expired certificate.
        let token = app.relogin(&a).await;
        let (_, renewal) = sit(&app, &token, "demo-validity", true).await;
        let v = verification(&app, renewal.body["certificate_number"].as_str().unwrap()).await;
        assert_eq!(v["renews"], na.as_str());
    }
);
