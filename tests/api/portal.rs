//! The public scheme portal: the scheme explained from `scheme.toml`, the editions, and
//! the operator's editable FAQ and Contact pages.

use reqwest::StatusCode;

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
