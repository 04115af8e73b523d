//! The organizational certification register: administrators record certification
//! bodies and invite their staff; staff record the organizations their body certified;
//! one body never reaches another's records; anyone searches the records of active
//! bodies; expiry is read from the date (no job runs).

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// A logged-in member of a certification body's staff.
pub struct RcbStaff {
    pub body: String,
    pub email: String,
    pub token: String,
}

/// A certification body named `name` in `country`, and a logged-in member of its staff,
/// invited by e-mail as in life.
pub async fn rcb_with_staff(
    app: &TestApp,
    admin: &Candidate,
    name: &str,
    country: &str,
) -> RcbStaff {
    let created = app
        .post(
            "/api/v1/admin/certification-bodies",
            json!({"name": name, "country": country, "accreditation_body": "UKAS"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let body = created.body["id"].as_str().unwrap().to_owned();
    let email = format!("rcb-{}@certify.example", Uuid::new_v4().simple());
    let invited = app
        .post(
            &format!("/api/v1/admin/certification-bodies/{body}/invitations"),
            json!({"email": email}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(invited.status, 202, "{}", invited.text);
    app.deliver_mail().await;
    let token = app.invitation_token(&email);
    let accepted = app
        .post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD, "given_name": "Ines", "family_name": "Duarte"}), None)
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let login = app.login(&email, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    RcbStaff {
        body,
        email,
        token: login.body["access_token"].as_str().unwrap().to_owned(),
    }
}

fn organization(app: &TestApp, name: &str, country: &str, number: &str) -> Value {
    json!({
        "organization": name,
        "country": country,
        "scope": "The provision of managed hosting services to customers in Europe",
        "edition": "ISO/IEC 20000-1:2011",
        "certificate_number": number,
        "issued_on": app.day(-30),
        "expires_on": app.day(3 * 365),
    })
}

async fn record(app: &TestApp, staff: &RcbStaff, body: Value) -> String {
    let reply = app
        .post("/api/v1/rcb/organizations", body, Some(&staff.token))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body["id"].as_str().unwrap().to_owned()
}

async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let reply = app
        .get(&format!("/api/v1/certified-organizations?{query}"), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["organization"].as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    an_administrator_records_a_body_and_a_bad_country_is_named,
    |app| {
        let admin = app.admin().await;
        for country in ["UK", "G", "GBR"] {
            let reply = app
            .post(
                "/api/v1/admin/certification-bodies",
                json!({"name": "Certify Ltd", "country": country, "accreditation_body": "UKAS"}),
                Some(&admin.token),
            )
            .await;
            reply.problem(422);
            assert_eq!(reply.fields(), ["country"], "{country}");
        }
        let created = app
            .post(
                "/api/v1/admin/certification-bodies",
                json!({"name": "Certify Ltd", "country": "gb", "accreditation_body": "UKAS"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.body["country"], "GB");
        assert_eq!(created.body["status"], "active");
        assert_eq!(created.body["status_since"], app.day(0));
        let listed = app
            .get("/api/v1/admin/certification-bodies", Some(&admin.token))
            .await;
        assert_eq!(listed.body[0]["name"], "Certify Ltd");
        let public = app.get("/api/v1/certification-bodies", None).await;
        assert_eq!(public.status, 200);
        assert_eq!(public.body[0]["name"], "Certify Ltd");
        // Recorded in the audit ledger.
        let trail = invigilator::persistence::audit::trail(
            &app.state.db,
            "certification_body",
            created.body["id"].as_str().unwrap(),
            None,
            100,
        )
        .await
        .unwrap();
        assert!(
            trail
                .iter()
                .any(|e| e.action == "certification_body.registered"),
            "no registration in the ledger"
        );
    }
);

db_test!(
    staff_accept_their_invitation_and_record_an_organization,
    |app| {
        let admin = app.admin().await;
        let staff = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
        let mail = app.mail.to(&staff.email);
        assert!(
            mail[0].subject().contains("Certify Ltd"),
            "{}",
            mail[0].subject()
        );
        let me = app.get("/api/v1/rcb", Some(&staff.token)).await;
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.body["id"], staff.body.as_str());
        let roles = app.get("/api/v1/me", Some(&staff.token)).await.body["roles"].clone();
        assert_eq!(roles, json!(["rcb_staff"]));

        let id = record(
            &app,
            &staff,
            organization(&app, "Acme Hosting B.V.", "nl", "ITSM-0001"),
        )
        .await;
        let got = app
            .get(
                &format!("/api/v1/rcb/organizations/{id}"),
                Some(&staff.token),
            )
            .await;
        assert_eq!(got.status, 200, "{}", got.text);
        assert_eq!(got.body["status"], "valid");
        assert_eq!(got.body["country"], "NL");
        assert_eq!(got.body["certification_body"]["name"], "Certify Ltd");
        assert_eq!(got.body["history"][0]["status"], "valid");
        let mine = app
            .get("/api/v1/rcb/organizations", Some(&staff.token))
            .await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1);

        // A correction.
        let mut corrected = organization(&app, "Acme Hosting Europe B.V.", "NL", "ITSM-0001");
        corrected["edition"] = json!("ISO/IEC 20000-1:2018");
        let put = app
            .send(
                Method::PUT,
                &format!("/api/v1/rcb/organizations/{id}"),
                Some(corrected),
                Some(&staff.token),
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.text);
        assert_eq!(put.body["organization"], "Acme Hosting Europe B.V.");
        assert_eq!(put.body["edition"], "ISO/IEC 20000-1:2018");
    }
);

db_test!(
    bad_records_name_their_field_and_a_number_is_unique_within_a_body,
    |app| {
        let admin = app.admin().await;
        let staff = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
        let other = rcb_with_staff(&app, &admin, "Audit Partners", "DE").await;

        let mut backwards = organization(&app, "Acme", "NL", "ITSM-1");
        backwards["expires_on"] = json!(app.day(-31));
        let reply = app
            .post("/api/v1/rcb/organizations", backwards, Some(&staff.token))
            .await;
        reply.problem(422);
        assert_eq!(reply.fields(), ["expires_on"]);

        let mut edition = organization(&app, "Acme", "NL", "ITSM-1");
        edition["edition"] = json!("ISO 20000");
        let reply = app
            .post("/api/v1/rcb/organizations", edition, Some(&staff.token))
            .await;
        reply.problem(422);
        assert_eq!(reply.fields(), ["edition"]);

        record(&app, &staff, organization(&app, "Acme", "NL", "ITSM-1")).await;
        let twice = app
            .post(
                "/api/v1/rcb/organizations",
                organization(&app, "Other", "NL", "ITSM-1"),
                Some(&staff.token),
            )
            .await;
        let problem = twice.problem(409);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("certificate_number")
        );
        // Another body may use the same number.
        record(&app, &other, organization(&app, "Other", "DE", "ITSM-1")).await;
        // Nothing half-written: the first body still has one record.
        let mine = app
            .get("/api/v1/rcb/organizations", Some(&staff.token))
            .await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1);
    }
);

db_test!(one_body_cannot_read_or_change_another_bodys_record, |app| {
    let admin = app.admin().await;
    let a = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
    let b = rcb_with_staff(&app, &admin, "Audit Partners", "DE").await;
    let id = record(&app, &a, organization(&app, "Acme", "NL", "ITSM-1")).await;
    let path = format!("/api/v1/rcb/organizations/{id}");
    app.get(&path, Some(&b.token)).await.problem(404);
    app.send(
        Method::PUT,
        &path,
        Some(organization(&app, "Taken over", "NL", "X-1")),
        Some(&b.token),
    )
    .await
    .problem(404);
    app.post(
        &format!("{path}/status"),
        json!({"status": "withdrawn", "reason": "mine now"}),
        Some(&b.token),
    )
    .await
    .problem(404);
    assert!(
        app.get("/api/v1/rcb/organizations", Some(&b.token))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    let still = app.get(&path, Some(&a.token)).await;
    assert_eq!(still.body["organization"], "Acme");
    assert_eq!(still.body["status"], "valid");
});

db_test!(
    the_public_search_finds_records_by_organization_country_and_body,
    |app| {
        let admin = app.admin().await;
        let a = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
        let b = rcb_with_staff(&app, &admin, "Audit Partners", "DE").await;
        record(
            &app,
            &a,
            organization(&app, "Acme Hosting B.V.", "NL", "A-1"),
        )
        .await;
        record(
            &app,
            &a,
            organization(&app, "Zeta 100% Services", "GB", "A-2"),
        )
        .await;
        record(
            &app,
            &b,
            organization(&app, "ACME Datacentre GmbH", "DE", "B-1"),
        )
        .await;

        assert_eq!(found(&app, "").await.len(), 3);
        assert_eq!(
            found(&app, "organization=acme").await,
            ["ACME Datacentre GmbH", "Acme Hosting B.V."]
        );
        // A wildcard in the query is a character, not a wildcard.
        assert_eq!(
            found(&app, "organization=100%25").await,
            ["Zeta 100% Services"]
        );
        assert!(found(&app, "organization=_").await.is_empty());
        assert_eq!(found(&app, "country=de").await, ["ACME Datacentre GmbH"]);
        assert_eq!(
            found(&app, &format!("rcb={}", a.body)).await,
            ["Acme Hosting B.V.", "Zeta 100% Services"]
        );
        assert_eq!(
            found(&app, &format!("organization=acme&rcb={}", a.body)).await,
            ["Acme Hosting B.V."]
        );
        let one = app
            .get("/api/v1/certified-organizations?organization=zeta", None)
            .await;
        let r = &one.body[0];
        assert_eq!(r["certificate_number"], "A-2");
        assert_eq!(r["certification_body"]["name"], "Certify Ltd");
        assert_eq!(r["status"], "valid");
        assert!(
            r.get("history").is_none(),
            "the public sees no history: {r}"
        );

        // Paged like the other lists.
        let first = app
            .get("/api/v1/certified-organizations?limit=2", None)
            .await;
        assert_eq!(first.body.as_array().unwrap().len(), 2);
        let link = first.headers["link"].to_str().unwrap().to_owned();
        let next = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_owned();
        let second = app.get(&next, None).await;
        assert_eq!(second.body[0]["organization"], "Zeta 100% Services");

        app.get("/api/v1/certified-organizations?rcb=nope", None)
            .await
            .problem(422);
        let bad = app
            .get("/api/v1/certified-organizations?country=GBR", None)
            .await;
        bad.problem(422);
        assert_eq!(bad.fields(), ["country"]);
    }
);

db_test!(
    a_record_past_its_expiry_date_reads_expired_without_a_job,
    |app| {
        let admin = app.admin().await;
        let staff = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
        let mut short = organization(&app, "Acme", "NL", "A-1");
        short["expires_on"] = json!(app.day(10));
        let id = record(&app, &staff, short).await;
        let status = |reply: &Reply| reply.body["status"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/rcb/organizations/{id}");
        assert_eq!(status(&app.get(&path, Some(&staff.token)).await), "valid");

        app.advance(time::Duration::days(10));
        let token = app.relogin_email(&staff.email).await;
        assert_eq!(
            status(&app.get(&path, Some(&token)).await),
            "valid",
            "valid on its expiry date"
        );

        app.advance(time::Duration::days(1));
        let token = app.relogin_email(&staff.email).await;
        assert_eq!(status(&app.get(&path, Some(&token)).await), "expired");
        let public = app
            .get("/api/v1/certified-organizations?organization=acme", None)
            .await;
        assert_eq!(public.body[0]["status"], "expired");
        let mine = app.get("/api/v1/rcb/organizations", Some(&token)).await;
        assert_eq!(mine.body[0]["status"], "expired");
        // An expired certificate is only withdrawn; suspending it is refused.
        app.post(
            &format!("{path}/status"),
            json!({"status": "suspended", "reason": "late"}),
            Some(&token),
        )
        .await
        .problem(409);
        // Renewed by a corrected expiry date.
        let mut renewed = organization(&app, "Acme", "NL", "A-1");
        renewed["expires_on"] = json!(app.day(365));
        let put = app
            .send(Method::PUT, &path, Some(renewed), Some(&token))
            .await;
        assert_eq!(put.body["status"], "valid", "{}", put.text);
    }
);

db_test!(a_status_change_is_kept_with_its_date_and_reason, |app| {
    let admin = app.admin().await;
    let staff = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
    let id = record(&app, &staff, organization(&app, "Acme", "NL", "A-1")).await;
    let path = format!("/api/v1/rcb/organizations/{id}/status");
    let blank = app
        .post(
            &path,
            json!({"status": "suspended", "reason": " "}),
            Some(&staff.token),
        )
        .await;
    blank.problem(422);
    assert_eq!(blank.fields(), ["reason"]);
    app.advance(time::Duration::days(2));
    let token = app.relogin_email(&staff.email).await;
    let suspended = app
        .post(
            &path,
            json!({"status": "suspended", "reason": "surveillance audit missed"}),
            Some(&token),
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.text);
    assert_eq!(suspended.body["status"], "suspended");
    let history = suspended.body["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["status"], "suspended");
    assert_eq!(history[1]["reason"], "surveillance audit missed");
    assert_eq!(history[1]["effective_on"], app.day(0));
    app.post(
        &path,
        json!({"status": "suspended", "reason": "again"}),
        Some(&token),
    )
    .await
    .problem(409);
    let withdrawn = app
        .post(
            &path,
            json!({"status": "withdrawn", "reason": "not remedied"}),
            Some(&token),
        )
        .await;
    assert_eq!(withdrawn.body["status"], "withdrawn");
    app.post(
        &path,
        json!({"status": "valid", "reason": "back"}),
        Some(&token),
    )
    .await
    .problem(409);
    let trail = invigilator::persistence::audit::trail(
        &app.state.db,
        "certified_organization",
        &id,
        None,
        100,
    )
    .await
    .unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.action == "certified_organization.status_changed")
            .count(),
        2
    );
});

db_test!(
    a_suspended_body_keeps_reading_but_stops_writing_and_leaves_the_public_register,
    |app| {
        let admin = app.admin().await;
        let staff = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
        let id = record(&app, &staff, organization(&app, "Acme", "NL", "A-1")).await;
        let status = format!("/api/v1/admin/certification-bodies/{}/status", staff.body);
        let suspended = app
            .post(
                &status,
                json!({"status": "suspended", "reason": "accreditation under review"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(suspended.status, 200, "{}", suspended.text);
        assert_eq!(suspended.body["status"], "suspended");
        assert_eq!(
            suspended.body["history"][1]["reason"],
            "accreditation under review"
        );
        assert_eq!(suspended.body["history"][1]["effective_on"], app.day(0));

        let path = format!("/api/v1/rcb/organizations/{id}");
        assert_eq!(app.get(&path, Some(&staff.token)).await.status, 200);
        let refused = app
            .post(
                "/api/v1/rcb/organizations",
                organization(&app, "New", "NL", "A-2"),
                Some(&staff.token),
            )
            .await;
        assert_eq!(
            refused.problem(409)["type"],
            "urn:invigilator:problem:body-not-active"
        );
        app.send(
            Method::PUT,
            &path,
            Some(organization(&app, "Renamed", "NL", "A-1")),
            Some(&staff.token),
        )
        .await
        .problem(409);
        app.post(
            &format!("{path}/status"),
            json!({"status": "withdrawn", "reason": "x"}),
            Some(&staff.token),
        )
        .await
        .problem(409);
        assert!(
            found(&app, "").await.is_empty(),
            "a suspended body's records are not listed"
        );
        assert!(
            app.get("/api/v1/certification-bodies", None)
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty()
        );

        let back = app
            .post(
                &status,
                json!({"status": "active", "reason": "review passed"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(back.status, 200, "{}", back.text);
        assert_eq!(found(&app, "").await, ["Acme"]);
        let gone = app
            .post(
                &status,
                json!({"status": "withdrawn", "reason": "closed"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(gone.status, 200);
        app.post(
            &status,
            json!({"status": "active", "reason": "reopened"}),
            Some(&admin.token),
        )
        .await
        .problem(409);
        let detail = app
            .get(
                &format!("/api/v1/admin/certification-bodies/{}", staff.body),
                Some(&admin.token),
            )
            .await;
        let statuses: Vec<&str> = detail.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["active", "suspended", "active", "withdrawn"]);
    }
);

db_test!(
    the_public_page_shows_the_records_as_cards_and_a_bad_country_next_to_its_field,
    |app| {
        let admin = app.admin().await;
        let staff = rcb_with_staff(&app, &admin, "Certify Ltd", "GB").await;
        record(
            &app,
            &staff,
            organization(&app, "Acme Hosting B.V.", "NL", "ITSM-0001"),
        )
        .await;
        record(
            &app,
            &staff,
            organization(&app, "Zeta <Services>", "GB", "ITSM-0002"),
        )
        .await;
        let mut browser = crate::browser::Browser::new(&app);
        let page = browser.get("/certified-organizations").await;
        assert_eq!(page.status, 200);
        for text in [
            "Acme Hosting B.V.",
            "ITSM-0001",
            "ISO/IEC 20000-1:2011",
            "Certify Ltd",
            "The provision of managed hosting services",
            &app.day(-30),
            "valid",
            "Zeta &",
            "<label for=\"organization\">",
            "<label for=\"rcb\">",
            "href=\"/certified-organizations\"",
        ] {
            assert!(page.text.contains(text), "{text} missing");
        }
        assert!(
            page.text
                .contains(&format!("<option value=\"{}\"", staff.body))
        );
        assert!(!page.text.contains("<Services>"), "the name is escaped");
        let acme = browser
            .get("/certified-organizations?organization=ACME&country=nl")
            .await;
        assert!(acme.text.contains("Acme Hosting B.V.") && !acme.text.contains("Zeta"));
        let none = browser.get("/certified-organizations?country=se").await;
        assert!(none.text.contains("No certified organizations match"));
        let bad = browser.get("/certified-organizations?country=Sweden").await;
        assert_eq!(bad.status, 422);
        let field = bad
            .text
            .find("id=\"country-error\"")
            .expect("an error by the field");
        let input = bad
            .text
            .find("id=\"country\" name=\"country\"")
            .expect("the field");
        assert!(field < input, "the message is next to the field");
        assert!(bad.text.contains("aria-describedby=\"country-error\""));
        // Past its expiry date the card says so.
        app.advance(time::Duration::days(3 * 365 + 1));
        let later = browser
            .get("/certified-organizations?organization=acme")
            .await;
        assert!(later.text.contains("<dd>Expired</dd>"), "{}", later.text);
    }
);
