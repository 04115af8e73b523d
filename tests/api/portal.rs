//! The public scheme portal: the scheme explained from `scheme.toml`, the editions, and
//! the operator's editable FAQ and Contact pages.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::db_test;

db_test!(
    the_scheme_page_gives_every_papers_facts_from_the_scheme_file,
    |app| {
        let mut browser = Browser::new(&app);
        let page = browser.get("/scheme").await;
        assert_eq!(page.status, StatusCode::OK);
        for fact in [
            "ISO/IEC 20000 Foundation",
            "ISO/IEC 20000 Practitioner",
            "ISO/IEC 20000 Auditor",
            "26 of 40 (65%)",
            "40 of 80 (50%)",
            "180 minutes",
            "Open book: A clean copy of ISO/IEC 20000-1:2011",
            "Every paper has multiple choice, multiple response, matching, sequencing and assertion-reason items",
            "An ITIL Foundation certificate, verified by an administrator",
            // The syllabus: the blueprint's areas with the scheme's titles.
            "<td>Service delivery processes</td><td>8</td>",
            "<td>Findings, nonconformities, reporting and follow-up</td><td>7</td>",
        ] {
            assert!(page.text.contains(fact), "the scheme page says {fact:?}");
        }
        let frameworks = browser.get("/scheme/frameworks").await;
        assert_eq!(frameworks.status, StatusCode::OK);
        assert!(frameworks.text.contains("ITIL") && frameworks.text.contains("ISO/IEC 27001"));
        assert!(
            frameworks.text.contains("Edition 2005")
                && frameworks
                    .text
                    .contains("ISO/IEC 20000-1:2005 and ISO/IEC 20000-2:2005"),
            "the closed 2005 edition is listed from its scheme file"
        );
        assert!(frameworks.text.contains("<dd>Closed</dd>"));
        let home = browser.get("/").await;
        assert!(home.text.contains("href=\"/scheme\"") && home.text.contains("href=\"/faq\""));
    }
);

db_test!(
    the_faq_and_contact_pages_are_the_operators_markdown_with_html_shown_as_text,
    |settings| {
        settings.portal.content_dir = std::env::temp_dir().join("invigilator-portal-test");
    },
    |app| {
        let dir = std::env::temp_dir().join("invigilator-portal-test");
        std::fs::create_dir_all(&dir).expect("content dir");
        std::fs::write(
            dir.join("faq.md"),
            "# Our questions\n\n**Bold** answer <script>alert(1)</script> [x](javascript:alert(1))\n",
        )
        .expect("faq.md");
        let _ = std::fs::remove_file(dir.join("contact.md"));
        let mut browser = Browser::new(&app);
        let faq = browser.get("/faq").await;
        assert_eq!(faq.status, StatusCode::OK);
        assert!(faq.text.contains("<h1>Our questions</h1>"));
        assert!(faq.text.contains("<strong>Bold</strong>"));
        assert!(
            faq.text.contains("&lt;script&gt;"),
            "raw HTML is shown as text"
        );
        assert!(!faq.text.contains("<script>alert"));
        assert!(!faq.text.to_lowercase().contains("javascript:alert"));
        assert_eq!(
            browser.get("/contact").await.status,
            StatusCode::NOT_FOUND,
            "a page the operator has not written"
        );
    }
);

db_test!(the_shipped_faq_and_contact_pages_are_served, |app| {
    let mut browser = Browser::new(&app);
    let faq = browser.get("/faq").await;
    assert_eq!(faq.status, StatusCode::OK);
    assert!(faq.text.contains("Frequently asked questions"));
    assert!(faq.text.contains("href=\"/scheme\""));
    let contact = browser.get("/contact").await;
    assert_eq!(contact.status, StatusCode::OK);
    assert!(
        contact
            .text
            .contains("href=\"mailto:candidates@example.org\"")
    );
});

db_test!(
    the_directory_lists_organizations_accredited_today_by_qualification_and_country,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let name = app
            .get(
                &format!("/api/v1/admin/atos/{}", staff.ato),
                Some(&admin.token),
            )
            .await
            .body["name"]
            .as_str()
            .unwrap()
            .to_owned();
        // A Dutch organization whose accreditation starts in ten days.
        let later = app
            .post(
                "/api/v1/admin/atos",
                json!({"name": "Opleidingen Later", "country": "NL", "contact_email": "info@later.example"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(later.status, 201, "{}", later.text);
        let later_id = later.body["id"].as_str().unwrap().to_owned();
        let accredited = app
            .post(
                &format!("/api/v1/admin/atos/{later_id}/accreditations"),
                json!({"qualification": "iso20000-auditor", "valid_from": app.day(10), "valid_until": app.day(400)}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(accredited.status, 201, "{}", accredited.text);

        let mut browser = Browser::new(&app);
        let all = browser.get("/training-organizations").await;
        assert_eq!(all.status, StatusCode::OK);
        assert!(all.text.contains(&name), "accredited today");
        assert!(all.text.contains("ISO/IEC 20000 Foundation"));
        assert!(
            all.text.contains(&app.day(-300)),
            "with the accreditation's dates"
        );
        assert!(
            !all.text.contains("Opleidingen Later"),
            "not yet accredited"
        );
        let auditor = browser
            .get("/training-organizations?qualification=iso20000-auditor")
            .await;
        assert!(!auditor.text.contains(&name), "filtered by qualification");
        assert!(auditor.text.contains("No accredited organizations match"));
        assert!(
            !browser
                .get("/training-organizations?country=nl")
                .await
                .text
                .contains(&name)
        );
        assert!(
            browser
                .get("/training-organizations?country=gb")
                .await
                .text
                .contains(&name)
        );

        let accreditation = app.first_accreditation(&admin, &staff.ato).await;
        let withdrawn = app
            .post(
                &format!(
                    "/api/v1/admin/atos/{}/accreditations/{accreditation}/status",
                    staff.ato
                ),
                json!({"status": "withdrawn", "reason": "Trainer left"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
        assert!(
            !browser
                .get("/training-organizations")
                .await
                .text
                .contains(&name),
            "a withdrawn accreditation is no longer listed"
        );
    }
);
