//! The register's pages: an administrator records a certification body and invites its
//! staff through the forms; the staff record, list, correct and change the status of
//! the organizations it certified; another body's record is the not-found page; a
//! suspended body's staff read but every write is refused on the page.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::*;
use crate::rcbs::rcb_with_staff;

const SCOPE: &str = "The provision of managed hosting services";

fn record_fields<'a>(
    organization: &'a str,
    number: &'a str,
    issued: &'a str,
    expires: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("organization", organization),
        ("country", "gb"),
        ("scope", SCOPE),
        ("edition", "ISO/IEC 20000-1:2018"),
        ("certificate_number", number),
        ("issued_on", issued),
        ("expires_on", expires),
    ]
}

/// The id at the end of a redirect to `prefix{id}?done=…`.
fn id_after(location: &str, prefix: &str) -> String {
    let rest = location.strip_prefix(prefix).expect(location);
    rest.split('?').next().unwrap().to_owned()
}

db_test!(
    an_administrator_records_a_body_whose_staff_keep_its_register_by_the_pages,
    |app| {
        let admin = app.admin().await;
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        let overview = browser.get("/admin").await;
        assert!(
            overview
                .text
                .contains("href=\"/admin/certification-bodies\"")
        );

        // A country that is not assigned is named next to its field; nothing is recorded.
        let bad = browser
            .submit(
                "/admin/certification-bodies",
                &[
                    ("name", "Certify Ltd"),
                    ("country", "UK"),
                    ("accreditation_body", "UKAS"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text.contains("id=\"country-error\""), "{}", bad.text);
        assert!(bad.text.contains("value=\"Certify Ltd\""));
        let listed = app
            .get("/api/v1/admin/certification-bodies", Some(&admin.token))
            .await;
        assert_eq!(listed.body.as_array().unwrap().len(), 0);

        let created = browser
            .submit(
                "/admin/certification-bodies",
                &[
                    ("name", "Certify Ltd"),
                    ("country", "gb"),
                    ("accreditation_body", "UKAS"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
        let location = created.location.clone().unwrap();
        let body = id_after(&location, "/admin/certification-bodies/");
        let page = browser.follow(&created).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("Certify Ltd") && page.text.contains("UKAS"));
        assert!(page.text.contains("Active"));
        let list = browser.get("/admin/certification-bodies").await;
        assert!(
            list.text
                .contains(&format!("href=\"/admin/certification-bodies/{body}\""))
        );

        // A status change needs a reason.
        let no_reason = browser
            .submit(
                &format!("/admin/certification-bodies/{body}/status"),
                &[("status", "suspended"), ("reason", " ")],
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.text.contains("id=\"reason-error\""));

        let email = format!("rcb-{}@certify.example", Uuid::new_v4().simple());
        let invited = browser
            .submit(
                &format!("/admin/certification-bodies/{body}/invitations"),
                &[("invite_email", &email)],
            )
            .await;
        assert_eq!(
            invited.location.as_deref(),
            Some(format!("/admin/certification-bodies/{body}?done=invited").as_str())
        );
        app.deliver_mail().await;
        let token = app.invitation_token(&email);
        let accepted = app
            .post(
                "/api/v1/invitations/accept",
                json!({"token": token, "password": PASSWORD, "given_name": "Ines", "family_name": "Duarte"}),
                None,
            )
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);

        // Signing in lands the staff member on their body's page.
        let mut staff = Browser::new(&app);
        staff.sign_in(&email).await;
        let landing = staff.get("/dashboard").await;
        assert_eq!(landing.location.as_deref(), Some("/rcb"));
        let home = staff.get("/rcb").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.text.contains("Certify Ltd"));
        assert!(home.text.contains("href=\"/rcb\">Certification body"));
        assert!(home.text.contains("type=\"date\""));

        // An expiry before the issue date is named next to the expiry date.
        let (issued, expires) = (app.day(-30), app.day(3 * 365));
        let backwards = staff
            .submit(
                "/rcb/organizations",
                &record_fields("Acme Hosting Ltd", "ITSM-001", &issued, &app.day(-60)),
            )
            .await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            backwards.text.contains("id=\"expires_on-error\""),
            "{}",
            backwards.text
        );
        assert!(backwards.text.contains("Expires on:"));

        let added = staff
            .submit(
                "/rcb/organizations",
                &record_fields("Acme Hosting Ltd", "ITSM-001", &issued, &expires),
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
        let record = id_after(added.location.as_deref().unwrap(), "/rcb/organizations/");
        let home = staff.get("/rcb").await;
        assert!(home.text.contains(&format!(
            "href=\"/rcb/organizations/{record}\">Acme Hosting Ltd"
        )));
        assert!(home.text.contains("ITSM-001") && home.text.contains("status ok\">Valid</span>"));

        // The same certificate number again is named next to its field.
        let twice = staff
            .submit(
                "/rcb/organizations",
                &record_fields("Other Ltd", "ITSM-001", &issued, &expires),
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert!(twice.text.contains("id=\"certificate_number-error\""));
        assert!(!staff.get("/rcb").await.text.contains("Other Ltd"));

        let corrected = staff
            .submit(
                &format!("/rcb/organizations/{record}"),
                &record_fields("Acme Hosting Group", "ITSM-001", &issued, &expires),
            )
            .await;
        assert_eq!(
            corrected.location.as_deref(),
            Some(format!("/rcb/organizations/{record}?done=corrected").as_str())
        );
        let page = staff.follow(&corrected).await;
        assert!(page.text.contains("<h1>Acme Hosting Group</h1>"));

        let suspended = staff
            .submit(
                &format!("/rcb/organizations/{record}/status"),
                &[
                    ("status", "suspended"),
                    ("reason", "Surveillance audit missed"),
                ],
            )
            .await;
        assert_eq!(
            suspended.status,
            StatusCode::SEE_OTHER,
            "{}",
            suspended.text
        );
        let page = staff.follow(&suspended).await;
        assert!(page.text.contains("status bad\">Suspended</span>"));
        assert!(page.text.contains("Surveillance audit missed"));
        assert!(page.text.contains("by Ines Duarte"));
    }
);

db_test!(
    another_body_s_record_is_not_found_and_a_suspended_body_cannot_write,
    |app| {
        let admin = app.admin().await;
        let ours = rcb_with_staff(&app, &admin, "Ours Certification", "GB").await;
        let theirs = rcb_with_staff(&app, &admin, "Theirs Certification", "FR").await;
        let mut browser = Browser::signed_in(&app, &ours.email, "/rcb").await;
        browser.get("/rcb").await;
        let (issued, expires) = (app.day(-30), app.day(365));
        let added = browser
            .submit(
                "/rcb/organizations",
                &record_fields("Acme Hosting Ltd", "ITSM-9", &issued, &expires),
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
        let record = id_after(added.location.as_deref().unwrap(), "/rcb/organizations/");

        let mut other = Browser::signed_in(&app, &theirs.email, "/rcb").await;
        other.get("/rcb").await;
        assert_eq!(
            other
                .get(&format!("/rcb/organizations/{record}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let edit = other
            .submit(
                &format!("/rcb/organizations/{record}"),
                &record_fields("Hijacked", "ITSM-9", &issued, &expires),
            )
            .await;
        assert_eq!(edit.status, StatusCode::NOT_FOUND);
        let status = other
            .submit(
                &format!("/rcb/organizations/{record}/status"),
                &[("status", "withdrawn"), ("reason", "x")],
            )
            .await;
        assert_eq!(status.status, StatusCode::NOT_FOUND);
        assert!(!other.get("/rcb").await.text.contains("Acme Hosting"));

        let suspended = app
            .post(
                &format!("/api/v1/admin/certification-bodies/{}/status", ours.body),
                json!({"status": "suspended", "reason": "Accreditation lapsed"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(suspended.status, 200, "{}", suspended.text);
        let home = browser.get("/rcb").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.text.contains("Acme Hosting Ltd"));
        assert!(
            home.text
                .contains("is suspended: its records can be read but not changed")
        );
        let refused = browser
            .submit(
                "/rcb/organizations",
                &record_fields("Newco Ltd", "ITSM-10", &issued, &expires),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.text.contains("can be read but not changed"));
        let refused = browser
            .submit(
                &format!("/rcb/organizations/{record}/status"),
                &[("status", "withdrawn"), ("reason", "Closed")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        let page = browser.get(&format!("/rcb/organizations/{record}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("status ok\">Valid</span>"));
        assert!(!browser.get("/rcb").await.text.contains("Newco"));
    }
);
