//! The PDF certificate and score report as a person sees them (text read back with
//! pdftotext, the QR code decoded with zbarimg), and the result e-mail that carries them.
//! The tools come from poppler-utils and zbar-tools; without them these checks are
//! skipped with a note, unless TEST_REQUIRE_TOOLS=1 (CI sets it).

use std::process::Command;

use mail_parser::MimeHeaders;
use serde_json::json;

use crate::helpers::*;

pub(crate) fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("TEST_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{name} is required (TEST_REQUIRE_TOOLS=1)"
        );
        eprintln!("note: {name} is not installed; skipping that check");
    }
    found
}

/// The text of a PDF, if pdftotext is installed.
pub(crate) fn pdf_text(pdf: &[u8]) -> Option<String> {
    if !tool("pdftotext") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    Some(String::from_utf8(out.stdout).unwrap())
}

/// What the QR code on page 1 says, if pdftoppm and zbarimg are installed.
fn qr_text(pdf: &[u8]) -> Option<String> {
    if !tool("pdftoppm") || !tool("zbarimg") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let ok = Command::new("pdftoppm")
        .args(["-r", "200", "-png", "-f", "1", "-l", "1"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .status()
        .unwrap();
    assert!(ok.success());
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .unwrap();
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .unwrap();
    Some(String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

async fn pdf(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// A candidate with a name in Polish, Greek and Cyrillic letters who passed Foundation.
async fn greek_polish_cyrillic_pass(app: &TestApp) -> (Candidate, String, String) {
    let candidate = app.candidate().await;
    app.send(
        reqwest::Method::PUT,
        "/api/v1/me/name",
        Some(json!({"given_name": "Łucja Σοφία", "family_name": "Чайковская"})),
        Some(&candidate.token),
    )
    .await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&candidate.token, &id, 33).await;
    let result = app.submit(&candidate.token, &id).await;
    (
        candidate,
        result.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned(),
        id,
    )
}

db_test!(
    the_certificate_pdf_reads_back_and_its_qr_code_opens_the_verification_page,
    |app| {
        let (candidate, number, _) = greek_polish_cyrillic_pass(&app).await;
        let (status, content_type, bytes) = pdf(
            &app,
            &format!("/api/v1/certificates/{number}/pdf"),
            &candidate.token,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/pdf");
        assert!(bytes.starts_with(b"%PDF"));
        assert!(
            bytes.len() < 200_000,
            "fonts are subset ({} bytes)",
            bytes.len()
        );
        if let Some(text) = pdf_text(&bytes) {
            assert!(text.contains("Łucja Σοφία Чайковская"), "{text}");
            assert!(text.contains(&number), "{text}");
            assert!(text.contains("ISO/IEC 20000 Foundation"), "{text}");
            assert!(text.contains("ISO/IEC 20000-1:2011"), "{text}");
        }
        let url = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await
            .body[0]["verification_url"]
            .as_str()
            .unwrap()
            .to_owned();
        if let Some(decoded) = qr_text(&bytes) {
            assert_eq!(decoded, url);
            let page = app
                .get(
                    url.trim_start_matches("https://exams.invigilator.test"),
                    None,
                )
                .await;
            assert!(page.text.contains("This certificate is valid."));
        }
        // Rendered once and stored: the second download is the same document.
        let (_, _, again) = pdf(
            &app,
            &format!("/api/v1/certificates/{number}/pdf"),
            &candidate.token,
        )
        .await;
        assert_eq!(again, bytes);
        // Holder and administrators only.
        let other = app.candidate().await;
        assert_eq!(
            pdf(
                &app,
                &format!("/api/v1/certificates/{number}/pdf"),
                &other.token
            )
            .await
            .0,
            404
        );
        let admin = app.admin().await;
        assert_eq!(
            pdf(
                &app,
                &format!("/api/v1/certificates/{number}/pdf"),
                &admin.token
            )
            .await
            .0,
            200
        );
    }
);

db_test!(
    the_score_report_pdf_shows_the_score_and_every_area_but_no_item,
    |app| {
        let candidate = app.candidate().await;
        let id = app.start_foundation(&candidate.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, _, _) = pdf(
            &app,
            &format!("/api/v1/sittings/{id}/report.pdf"),
            &candidate.token,
        )
        .await;
        assert_eq!(status, 409, "not before the sitting is over");
        app.answer_all(&candidate.token, &id, 20).await;
        app.submit(&candidate.token, &id).await;
        let (status, content_type, bytes) = pdf(
            &app,
            &format!("/api/v1/sittings/{id}/report.pdf"),
            &candidate.token,
        )
        .await;
        assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
        if let Some(text) = pdf_text(&bytes) {
            assert!(text.contains("20 / 40"), "{text}");
            assert!(text.contains("26"), "{text}");
            assert!(text.contains("FAIL"), "{text}");
            assert!(text.contains("Service delivery processes"), "{text}");
            let record = app.stored(&id).await;
            for item in &record.paper.items {
                assert!(
                    !text.contains(&item.stem),
                    "an item's stem is in the report"
                );
            }
        }
        let other = app.candidate().await;
        assert_eq!(
            pdf(
                &app,
                &format!("/api/v1/sittings/{id}/report.pdf"),
                &other.token
            )
            .await
            .0,
            404
        );
    }
);

db_test!(
    the_result_email_carries_the_score_report_and_for_a_pass_the_certificate,
    |app| {
        let failing = app.candidate().await;
        let (candidate, number, _) = greek_polish_cyrillic_pass(&app).await;
        let id = app.start_foundation(&failing.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.submit(&failing.token, &id).await;
        assert_eq!(app.deliver_mail().await, 2);

        let passed = app.mail.to(&candidate.email).last().unwrap().clone();
        assert!(
            passed.subject().starts_with("You passed"),
            "{}",
            passed.subject()
        );
        assert!(passed.text().contains(&number));
        let parsed = mail_parser::MessageParser::default()
            .parse(passed.data.as_bytes())
            .unwrap();
        let names: Vec<String> = parsed
            .attachments()
            .map(|a| a.attachment_name().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "score-report.pdf".to_owned(),
                format!("certificate-{number}.pdf")
            ]
        );
        let certificate = parsed.attachments().nth(1).unwrap().contents().to_vec();
        assert!(certificate.starts_with(b"%PDF"));
        if let Some(text) = pdf_text(&certificate) {
            assert!(text.contains("Łucja Σοφία Чайковская"));
        }

        let failed = app.mail.to(&failing.email).last().unwrap().clone();
        let parsed = mail_parser::MessageParser::default()
            .parse(failed.data.as_bytes())
            .unwrap();
        assert_eq!(parsed.attachment_count(), 1);
        assert!(failed.text().contains("did not reach the pass mark"));
    }
);
