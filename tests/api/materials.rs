//! Course materials: staff attach files and links to their courses, administrators to a
//! qualification; delegates download them while their enrolment gives access; other
//! organizations and other candidates get 404.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::helpers::*;

/// A small but real PDF.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// A `multipart/form-data` body: its content type and bytes.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----invigilator-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    title: &str,
    file: Option<(&str, &[u8])>,
) -> Reply {
    let (content_type, body) = multipart(&[("title", title)], file);
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    Reply::from(response).await
}

async fn download(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/me/materials/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn ledger_count(app: &TestApp, action: &str) -> i64 {
    let db = &app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// A Foundation course of a fresh organization starting tomorrow, and a candidate
/// enrolled on it who accepted.
struct Course {
    admin: Candidate,
    staff: Staff,
    course: String,
    delegate: Candidate,
}

async fn course_with_delegate(app: &TestApp) -> Course {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-foundation"]).await;
    let course = app.course(&staff, "iso20000-foundation", 1, 3).await;
    let delegate = app.candidate().await;
    let enrolled = app
        .post(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            json!({"given_name": "Ana", "family_name": "Silva", "email": delegate.email}),
            Some(&staff.token),
        )
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    app.accept_enrolment(&delegate.email).await;
    Course {
        admin,
        staff,
        course,
        delegate,
    }
}

db_test!(
    an_enrolled_delegate_downloads_the_uploaded_pdf_as_sent,
    |app| {
        let c = course_with_delegate(&app).await;
        let path = format!("/api/v1/ato/courses/{}/materials", c.course);
        let attached = upload(
            &app,
            &path,
            &c.staff.token,
            "Week 1 slides",
            Some(("../../Wöche: 1.pdf", PDF)),
        )
        .await;
        assert_eq!(attached.status, 201, "{}", attached.text);
        assert_eq!(attached.body["kind"], "file");
        assert_eq!(attached.body["content_type"], "application/pdf");
        assert_eq!(attached.body["file_name"], "Wöche_ 1.pdf");
        assert_eq!(attached.body["size_bytes"], PDF.len());
        let id = attached.body["id"].as_str().unwrap().to_owned();
        assert_eq!(ledger_count(&app, "material.attached").await, 1);

        let listed = app.get(&path, Some(&c.staff.token)).await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body.as_array().unwrap().len(), 1);

        let mine = app
            .get("/api/v1/me/materials", Some(&c.delegate.token))
            .await;
        assert_eq!(mine.status, 200, "{}", mine.text);
        assert_eq!(mine.body[0]["title"], "Week 1 slides");
        assert_eq!(
            mine.body[0]["download"],
            format!("/api/v1/me/materials/{id}")
        );

        let got = download(&app, &c.delegate.token, &id).await;
        assert_eq!(got.status(), 200);
        let h = got.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        assert_eq!(
            h["content-disposition"],
            "attachment; filename=\"W_che_ 1.pdf\"; filename*=UTF-8''W%C3%B6che_%201.pdf"
        );
        assert_eq!(h["cache-control"], "no-store");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);

        // Deleted: gone from both lists, and the download is 404.
        let gone = app
            .send(
                reqwest::Method::DELETE,
                &format!("{path}/{id}"),
                None,
                Some(&c.staff.token),
            )
            .await;
        assert_eq!(gone.status, 204, "{}", gone.text);
        assert_eq!(ledger_count(&app, "material.deleted").await, 1);
        assert_eq!(download(&app, &c.delegate.token, &id).await.status(), 404);
        let mine = app
            .get("/api/v1/me/materials", Some(&c.delegate.token))
            .await;
        assert_eq!(mine.body, json!([]));
        let again = app
            .send(
                reqwest::Method::DELETE,
                &format!("{path}/{id}"),
                None,
                Some(&c.staff.token),
            )
            .await;
        assert_eq!(again.problem(404)["status"], 404);
    }
);

db_test!(
    a_file_that_is_not_what_it_is_called_is_refused_naming_the_field,
    |app| {
        let c = course_with_delegate(&app).await;
        let path = format!("/api/v1/ato/courses/{}/materials", c.course);
        let html = b"<!doctype html><title>x</title><script>alert(1)</script> %PDF-1.4";
        let refused = upload(
            &app,
            &path,
            &c.staff.token,
            "Slides",
            Some(("slides.pdf", html)),
        )
        .await;
        refused.problem(415);
        assert_eq!(refused.fields(), ["file"]);
        let listed = app.get(&path, Some(&c.staff.token)).await;
        assert_eq!(listed.body, json!([]));
        assert_eq!(ledger_count(&app, "material.attached").await, 0);
    }
);

db_test!(
    a_file_over_the_limit_is_refused_with_413_naming_the_field,
    |settings| {
        settings.materials.max_bytes = 1024;
    },
    |app| {
        let c = course_with_delegate(&app).await;
        let path = format!("/api/v1/ato/courses/{}/materials", c.course);
        let mut big = PDF.to_vec();
        big.resize(4096, b' ');
        let refused = upload(&app, &path, &c.staff.token, "Big", Some(("big.pdf", &big))).await;
        refused.problem(413);
        assert_eq!(refused.fields(), ["file"]);
        let fits = upload(
            &app,
            &path,
            &c.staff.token,
            "Small",
            Some(("small.pdf", PDF)),
        )
        .await;
        assert_eq!(fits.status, 201, "{}", fits.text);
    }
);

db_test!(a_link_must_be_https, |app| {
    let c = course_with_delegate(&app).await;
    let path = format!("/api/v1/ato/courses/{}/materials", c.course);
    for bad in [
        "javascript:alert(document.cookie)",
        "http://example.org/syllabus",
        "data:text/html,x",
    ] {
        let refused = app
            .post(
                &path,
                json!({"title": "Syllabus", "url": bad}),
                Some(&c.staff.token),
            )
            .await;
        refused.problem(422);
        assert_eq!(refused.fields(), ["url"], "{bad}");
    }
    // As a form field too.
    let (content_type, body) = multipart(
        &[("title", "Syllabus"), ("url", "javascript:alert(1)")],
        None,
    );
    let refused = app
        .client
        .post(app.url(&path))
        .bearer_auth(&c.staff.token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let refused = Reply::from(refused).await;
    refused.problem(422);
    assert_eq!(refused.fields(), ["url"]);

    let linked = app
        .post(
            &path,
            json!({"title": "The standard", "url": "https://www.iso.org/standard/51986.html"}),
            Some(&c.staff.token),
        )
        .await;
    assert_eq!(linked.status, 201, "{}", linked.text);
    let mine = app
        .get("/api/v1/me/materials", Some(&c.delegate.token))
        .await;
    assert_eq!(mine.body[0]["kind"], "link");
    assert_eq!(
        mine.body[0]["url"],
        "https://www.iso.org/standard/51986.html"
    );
    assert!(mine.body[0].get("download").is_none());
    // A link has nothing to download.
    let id = linked.body["id"].as_str().unwrap();
    assert_eq!(download(&app, &c.delegate.token, id).await.status(), 404);
});

db_test!(
    a_candidate_not_enrolled_or_not_yet_accepted_sees_nothing,
    |app| {
        let c = course_with_delegate(&app).await;
        let path = format!("/api/v1/ato/courses/{}/materials", c.course);
        let attached = upload(&app, &path, &c.staff.token, "Slides", Some(("s.pdf", PDF))).await;
        let id = attached.body["id"].as_str().unwrap().to_owned();

        let stranger = app.candidate().await;
        assert_eq!(download(&app, &stranger.token, &id).await.status(), 404);
        let theirs = app.get("/api/v1/me/materials", Some(&stranger.token)).await;
        assert_eq!(theirs.body, json!([]));

        // Enrolled but not yet accepted: nothing either.
        let invited = app.candidate().await;
        let enrolled = app
            .post(
                &format!("/api/v1/ato/courses/{}/enrolments", c.course),
                json!({"given_name": "Bo", "family_name": "Li", "email": invited.email}),
                Some(&c.staff.token),
            )
            .await;
        assert_eq!(enrolled.body["result"], "linked");
        assert_eq!(download(&app, &invited.token, &id).await.status(), 404);
        app.accept_enrolment(&invited.email).await;
        assert_eq!(download(&app, &invited.token, &id).await.status(), 200);
    }
);

db_test!(another_organization_sees_and_deletes_nothing, |app| {
    let c = course_with_delegate(&app).await;
    let path = format!("/api/v1/ato/courses/{}/materials", c.course);
    let attached = upload(&app, &path, &c.staff.token, "Slides", Some(("s.pdf", PDF))).await;
    let id = attached.body["id"].as_str().unwrap().to_owned();
    let other = app.ato(&c.admin, &["iso20000-foundation"]).await;

    app.get(&path, Some(&other.token)).await.problem(404);
    upload(&app, &path, &other.token, "Mine", Some(("m.pdf", PDF)))
        .await
        .problem(404);
    app.send(
        reqwest::Method::DELETE,
        &format!("{path}/{id}"),
        None,
        Some(&other.token),
    )
    .await
    .problem(404);
    // A material of X's named under Y's own course is not Y's either.
    let theirs = app.course(&other, "iso20000-foundation", 1, 3).await;
    app.send(
        reqwest::Method::DELETE,
        &format!("/api/v1/ato/courses/{theirs}/materials/{id}"),
        None,
        Some(&other.token),
    )
    .await
    .problem(404);
    assert_eq!(download(&app, &c.delegate.token, &id).await.status(), 200);
});

db_test!(access_ends_with_the_enrolment, |app| {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-foundation"]).await;
    // A course that ran last week: one delegate absent, one completed.
    let course = app.course(&staff, "iso20000-foundation", -7, -3).await;
    let absent = app.candidate().await;
    let completed = app.candidate().await;
    app.enrol_and_record(&staff, &course, &absent.email, "absent")
        .await;
    app.enrol_and_record(&staff, &course, &completed.email, "completed")
        .await;
    let path = format!("/api/v1/ato/courses/{course}/materials");
    let attached = upload(
        &app,
        &path,
        &staff.token,
        "Revision notes",
        Some(("notes.pdf", PDF)),
    )
    .await;
    let id = attached.body["id"].as_str().unwrap().to_owned();

    assert_eq!(download(&app, &absent.token, &id).await.status(), 404);
    assert_eq!(download(&app, &completed.token, &id).await.status(), 200);
    // Past the access window after the course, the enrolment no longer gives access.
    let days = i64::from(app.settings.materials.access_days_after_course);
    app.advance(time::Duration::days(days - 3 + 1));
    let token = app.relogin(&completed).await;
    assert_eq!(download(&app, &token, &id).await.status(), 404);
    let mine = app.get("/api/v1/me/materials", Some(&token)).await;
    assert_eq!(mine.body, json!([]));
});

db_test!(
    a_qualification_material_reaches_the_delegates_of_its_courses_only,
    |app| {
        let c = course_with_delegate(&app).await;
        let auditor_staff = app.ato(&c.admin, &["iso20000-auditor"]).await;
        let auditor_course = app.course(&auditor_staff, "iso20000-auditor", 1, 3).await;
        let auditor = app.candidate().await;
        app.post(
            &format!("/api/v1/ato/courses/{auditor_course}/enrolments"),
            json!({"given_name": "Kim", "family_name": "Lee", "email": auditor.email}),
            Some(&auditor_staff.token),
        )
        .await;
        app.accept_enrolment(&auditor.email).await;

        let path = "/api/v1/admin/qualifications/iso20000-foundation/materials";
        let attached = upload(
            &app,
            path,
            &c.admin.token,
            "",
            Some(("Foundation sample paper.pdf", PDF)),
        )
        .await;
        assert_eq!(attached.status, 201, "{}", attached.text);
        assert_eq!(attached.body["title"], "Foundation sample paper.pdf");
        assert_eq!(attached.body["qualification"], "iso20000-foundation");
        let id = attached.body["id"].as_str().unwrap().to_owned();
        let listed = app.get(path, Some(&c.admin.token)).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1);

        assert_eq!(download(&app, &c.delegate.token, &id).await.status(), 200);
        assert_eq!(download(&app, &auditor.token, &id).await.status(), 404);
        app.get(
            "/api/v1/admin/qualifications/iso20000-nonesuch/materials",
            Some(&c.admin.token),
        )
        .await
        .problem(404);
        // Staff cannot delete a qualification's material through their course.
        app.send(
            reqwest::Method::DELETE,
            &format!("/api/v1/ato/courses/{}/materials/{id}", c.course),
            None,
            Some(&c.staff.token),
        )
        .await
        .problem(404);
        let gone = app
            .send(
                reqwest::Method::DELETE,
                &format!("{path}/{id}"),
                None,
                Some(&c.admin.token),
            )
            .await;
        assert_eq!(gone.status, 204, "{}", gone.text);
        assert_eq!(download(&app, &c.delegate.token, &id).await.status(), 404);
    }
);

db_test!(
    the_foundation_study_guide_is_a_real_pdf_drawn_from_the_scheme,
    |app| {
        let got = app
            .client
            .get(app.url("/scheme/iso20000-foundation/study-guide.pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-type"], "application/pdf");
        let pdf = got.bytes().await.unwrap().to_vec();
        assert!(pdf.starts_with(b"%PDF-"));
        if crate::documents::tool("qpdf") {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("guide.pdf");
            std::fs::write(&path, &pdf).unwrap();
            let check = std::process::Command::new("qpdf")
                .arg("--check")
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "{}",
                String::from_utf8_lossy(&check.stdout)
            );
        }
        if let Some(text) = crate::documents::pdf_text(&pdf) {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for wanted in [
                "Study guide",
                "ISO/IEC 20000 Foundation",
                "Questions: 40 (40 marks)",
                "Pass mark: 26 of 40 (65%)",
                "Duration: 60 minutes",
                "Closed book",
                "Overview, scope and related standards",
                "6 questions of 40",
                "Service management system general requirements and PDCA",
                "10 questions of 40",
                "Control processes",
                "Plan-Do-Check-Act drives improvement",
                "how a release is planned, tested and backed out if it fails",
            ] {
                assert!(text.contains(wanted), "{wanted:?} not in: {text}");
            }
        }
        // The scheme page links it; a qualification whose areas have no summaries has none.
        let scheme = app
            .client
            .get(app.url("/scheme"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(scheme.contains("href=\"/scheme/iso20000-foundation/study-guide.pdf\""));
        assert!(!scheme.contains("/scheme/iso20000-auditor/study-guide.pdf"));
        let none = app
            .client
            .get(app.url("/scheme/iso20000-auditor/study-guide.pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), 404);
        let unknown = app
            .client
            .get(app.url("/scheme/nonesuch/study-guide.pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
    }
);

/// Posts a multipart form as the course page's upload form does.
async fn post_upload(
    app: &TestApp,
    browser: &crate::browser::Browser<'_>,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (u16, String) {
    let (content_type, body) = multipart(fields, file);
    let response = app
        .client
        .post(app.url(path))
        .header("cookie", browser.cookie_header())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

db_test!(the_pages_upload_list_and_serve_materials, |app| {
    use crate::browser::Browser;
    let c = course_with_delegate(&app).await;
    let course_path = format!("/ato/courses/{}", c.course);
    let mut staff = Browser::signed_in(&app, &c.staff.email, &course_path).await;
    let page = staff.get(&course_path).await;
    assert!(page.text.contains("Course materials"), "{}", page.text);
    let csrf = page.csrf();
    let upload_path = format!("{course_path}/materials");

    // Without the form's token nothing is stored.
    let (status, _) = post_upload(
        &app,
        &staff,
        &upload_path,
        &[("title", "Slides")],
        Some(("s.pdf", PDF)),
    )
    .await;
    assert_eq!(status, 403);
    // An HTML file named .pdf: refused next to the field.
    let (status, text) = post_upload(
        &app,
        &staff,
        &upload_path,
        &[("csrf", &csrf), ("title", "Slides")],
        Some(("slides.pdf", b"<html><body>hi</body></html>")),
    )
    .await;
    assert_eq!(status, 415);
    assert!(text.contains("id=\"file-error\""), "{text}");
    // A PDF: stored, and listed on the course page.
    let (status, _) = post_upload(
        &app,
        &staff,
        &upload_path,
        &[("csrf", &csrf), ("title", "Week 1 slides")],
        Some(("week1.pdf", PDF)),
    )
    .await;
    assert_eq!(status, 303);
    let page = staff.get(&course_path).await;
    assert!(page.text.contains("Week 1 slides"), "{}", page.text);
    // A javascript: link is refused next to the address field; an https one is added.
    let refused = staff
        .submit(
            &format!("{course_path}/links"),
            &[("title", "Bad"), ("url", "javascript:alert(1)")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"url-error\""),
        "{}",
        refused.text
    );
    let added = staff
        .submit(
            &format!("{course_path}/links"),
            &[
                ("title", "The standard"),
                ("url", "https://www.iso.org/standard/51986.html"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text);

    // The delegate's dashboard lists both and the study guide; the file downloads.
    let mut delegate = Browser::new(&app);
    let dashboard = delegate.sign_in(&c.delegate.email).await;
    assert!(dashboard.text.contains("Course materials"));
    assert!(
        dashboard.text.contains("Week 1 slides"),
        "{}",
        dashboard.text
    );
    assert!(
        dashboard
            .text
            .contains("href=\"https://www.iso.org/standard/51986.html\"")
    );
    assert!(
        dashboard
            .text
            .contains("Study guide: ISO/IEC 20000 Foundation")
    );
    let listed = app
        .get("/api/v1/me/materials", Some(&c.delegate.token))
        .await;
    let id = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "file")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        dashboard
            .text
            .contains(&format!("href=\"/materials/{id}\""))
    );
    let file = delegate.get(&format!("/materials/{id}")).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.headers["content-type"], "application/pdf");
    assert_eq!(file.headers["cache-control"], "no-store");
    assert_eq!(file.headers["x-content-type-options"], "nosniff");
    // Another candidate's browser gets 404.
    let stranger = app.candidate().await;
    let mut other = Browser::new(&app);
    other.sign_in(&stranger.email).await;
    assert_eq!(other.get(&format!("/materials/{id}")).await.status, 404);

    // Staff delete it from the course page; the delegate's download is gone.
    let deleted = staff
        .submit(&format!("{course_path}/materials/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.text);
    assert_eq!(delegate.get(&format!("/materials/{id}")).await.status, 404);
    let dashboard = delegate.get("/dashboard").await;
    assert!(!dashboard.text.contains("Week 1 slides"));
});
