//! Certificates: issued once per pass, numbered and signed, verifiable by anyone,
//! administered with a record, and downloadable as an Open Badges credential.

use serde_json::{Value, json};

use crate::helpers::*;

/// A candidate who passed Foundation; returns them and their certificate number.
async fn passed(app: &TestApp) -> (Candidate, String, String) {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&candidate.token, &id, 30).await;
    let result = app.submit(&candidate.token, &id).await;
    assert_eq!(result.body["passed"], true);
    let number = result.body["certificate_number"]
        .as_str()
        .expect("a certificate number")
        .to_owned();
    (candidate, number, id)
}

async fn verify(app: &TestApp, number: &str) -> Reply {
    app.get(&format!("/api/v1/certificates/{number}/verification"), None)
        .await
}

db_test!(
    a_pass_issues_one_numbered_certificate_in_the_holders_name,
    |app| {
        let (candidate, number, sitting) = passed(&app).await;
        let year = app.now().year();
        assert!(
            number.starts_with(&format!("I20F-{year}-000001-")),
            "{number}"
        );
        invigilator::domain::certificate::CertificateNumber::parse(&number)
            .expect("its check character is right");
        let mine = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await;
        let list = mine.body.as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["number"], number.as_str());
        assert_eq!(list[0]["holder_name"], "Zoë O'Brien-Łukasiewicz");
        assert_eq!(list[0]["edition"], "2011");
        assert_eq!(list[0]["status"], "valid");
        assert_eq!(list[0]["sitting_id"], sitting.as_str());
        // The next pass of the same qualification this year takes the next number.
        let (_, second, _) = passed(&app).await;
        assert!(
            second.starts_with(&format!("I20F-{year}-000002-")),
            "{second}"
        );
        // A fail earns nothing.
        let failing = app.candidate().await;
        let id = app.start_foundation(&failing.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let result = app.submit(&failing.token, &id).await;
        assert_eq!(result.body["certificate_number"], Value::Null);
        assert_eq!(
            app.get("/api/v1/me/certificates", Some(&failing.token))
                .await
                .body,
            json!([])
        );
    }
);

db_test!(concurrent_submits_issue_exactly_one_certificate, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&candidate.token, &id, 40).await;
    let mut handles = Vec::new();
    for _ in 0..6 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/sittings/{id}/submit"));
        let token = candidate.token.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    let mine = app
        .get("/api/v1/me/certificates", Some(&candidate.token))
        .await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    // The sweeper racing a submit cannot add one either.
    assert_eq!(app.sweep().await, 0);
    assert_eq!(
        app.get("/api/v1/me/certificates", Some(&candidate.token))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
});

db_test!(
    verification_answers_valid_unknown_mistyped_and_malformed_numbers,
    |app| {
        let (_, number, _) = passed(&app).await;
        let valid = verify(&app, &number).await;
        assert_eq!(valid.status, 200, "{}", valid.text);
        assert_eq!(valid.body["status"], "valid");
        assert!(
            valid.body["holder_name"].is_null(),
            "a number alone names nobody"
        );
        let named = app
            .get(
                &format!("/api/v1/certificates/{number}/verification?family_name=O%27Brien-%C5%81ukasiewicz"),
                None,
            )
            .await;
        assert_eq!(named.body["holder_name"], "Zoë O'Brien-Łukasiewicz");
        assert_eq!(named.body["holder_name_matches"], true);
        assert_eq!(valid.body["qualification"], "iso20000-foundation");
        assert_eq!(valid.body["edition"], "2011");
        assert_eq!(valid.body["reason"], Value::Null);
        assert_eq!(
            verify(&app, &number.lowercase()).await.status,
            200,
            "case does not matter"
        );

        let unknown =
            invigilator::domain::certificate::CertificateNumber::new("I20F", 2026, 999_999)
                .unwrap();
        verify(&app, unknown.as_ref()).await.problem(404);
        let mut typo: Vec<char> = number.chars().collect();
        typo[12] = if typo[12] == '9' { '8' } else { '9' };
        let typo: String = typo.into_iter().collect();
        let mistyped = verify(&app, &typo).await;
        assert!(
            mistyped.problem(400)["detail"]
                .as_str()
                .unwrap()
                .contains("check character")
        );
        let malformed = verify(&app, "not-a-number").await;
        assert!(
            malformed.problem(400)["detail"]
                .as_str()
                .unwrap()
                .contains("looks like")
        );
    }
);

trait Lower {
    fn lowercase(&self) -> String;
}
impl Lower for String {
    fn lowercase(&self) -> String {
        self.to_lowercase()
    }
}

db_test!(
    suspension_reinstatement_and_revocation_show_at_once_with_a_record,
    |app| {
        let (_, number, _) = passed(&app).await;
        let admin = app.admin().await;
        let change = |action: &'static str, reason: &'static str| {
            let path = format!("/api/v1/admin/certificates/{number}/status");
            let token = admin.token.clone();
            let app = &app;
            async move {
                app.post(&path, json!({"action": action, "reason": reason, "public_reason": format!("{action}: under review")}), Some(&token)).await
            }
        };
        assert_eq!(
            change("suspend", "Exam irregularity reported by the test centre")
                .await
                .status,
            200
        );
        let suspended = verify(&app, &number).await;
        assert_eq!(suspended.body["status"], "suspended");
        assert_eq!(suspended.body["reason"], "suspend: under review");
        assert!(suspended.body["status_changed_at"].is_string());
        assert_eq!(
            change("reinstate", "Investigation closed").await.status,
            200
        );
        assert_eq!(verify(&app, &number).await.body["status"], "valid");
        let revoked = change("revoke", "Impersonation confirmed").await;
        assert_eq!(revoked.status, 200);
        assert_eq!(verify(&app, &number).await.body["status"], "revoked");
        change("reinstate", "no").await.problem(409);

        let record = app
            .get(
                &format!("/api/v1/admin/certificates/{number}"),
                Some(&admin.token),
            )
            .await;
        let history: Vec<(String, Option<String>)> = record.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["actor"].as_str().map(str::to_owned),
                )
            })
            .collect();
        let actions: Vec<&str> = history.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            actions,
            [
                "issued",
                "suspended",
                "note",
                "reinstated",
                "note",
                "revoked",
                "note"
            ]
        );
        assert!(
            history[1..]
                .iter()
                .all(|(_, actor)| actor.as_deref() == Some(admin.id.to_string().as_str()))
        );
        let notes: Vec<&str> = record.body["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "note")
            .map(|e| e["reason"].as_str().unwrap())
            .collect();
        assert_eq!(
            notes,
            [
                "Exam irregularity reported by the test centre",
                "Investigation closed",
                "Impersonation confirmed"
            ]
        );
    }
);

db_test!(
    the_qr_page_says_plainly_whether_a_certificate_is_valid,
    |app| {
        let (candidate, number, _) = passed(&app).await;
        let url = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await
            .body[0]["verification_url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(url.starts_with("https://exams.invigilator.test/verify/"));
        let path = url.trim_start_matches("https://exams.invigilator.test");
        let page = app.get(path, None).await;
        assert_eq!(page.status, 200);
        assert!(page.text.contains("This certificate is valid."));
        assert!(page.text.contains("Zoë O&#39;Brien-Łukasiewicz"));
        assert!(
            page.text.contains("width=device-width"),
            "readable on a phone"
        );
        let admin = app.admin().await;
        app.post(
            &format!("/api/v1/admin/certificates/{number}/status"),
            json!({"action": "revoke", "reason": "fraud"}),
            Some(&admin.token),
        )
        .await;
        let after = app.get(path, None).await;
        assert!(after.text.contains("REVOKED"), "{}", after.text);
        assert!(!after.text.contains("This certificate is valid."));
        let unknown = app.get("/verify/nothing-like-a-code", None).await;
        assert!(unknown.text.contains("not found"));
    }
);

db_test!(
    public_verification_is_rate_limited_per_client,
    |settings| {
        settings.certificates.verification_per_minute = 3;
    },
    |app| {
        let (_, number, _) = passed(&app).await;
        for _ in 0..3 {
            assert_eq!(verify(&app, &number).await.status, 200);
        }
        let response = app
            .client
            .get(app.url(&format!("/api/v1/certificates/{number}/verification")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429);
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry));
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
);

db_test!(
    a_signed_certificate_verifies_with_the_published_keys_and_a_tampered_one_does_not,
    |app| {
        let (candidate, number, _) = passed(&app).await;
        let signed = app
            .get(
                &format!("/api/v1/certificates/{number}/signed"),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(signed.status, 200, "{}", signed.text);
        let keys = app.get("/api/v1/certificates/keys", None).await;
        assert_eq!(keys.body["keys"][0]["crv"], "Ed25519");
        let document: invigilator::signing::SignedCertificate =
            serde_json::from_value(signed.body.clone()).unwrap();
        let jwks: invigilator::signing::Jwks = serde_json::from_value(keys.body.clone()).unwrap();
        invigilator::signing::verify(&document, &jwks).expect("verifies");
        let mut tampered = document.clone();
        tampered.certificate.holder_name = "Mallory Impostor".into();
        assert_eq!(
            invigilator::signing::verify(&tampered, &jwks),
            Err(invigilator::signing::VerifyError::Mismatch)
        );

        // The documented offline command, run as a process on files.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.json"), signed.text.as_bytes()).unwrap();
        std::fs::write(
            dir.path().join("t.json"),
            serde_json::to_vec(&tampered).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.path().join("keys.json"), keys.text.as_bytes()).unwrap();
        let run = |file: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_invigilator"))
                .args(["certificates", "verify", file, "--keys"])
                .arg(dir.path().join("keys.json"))
                .current_dir(dir.path())
                .output()
                .unwrap()
        };
        let good = run("c.json");
        assert!(
            good.status.success(),
            "{}",
            String::from_utf8_lossy(&good.stderr)
        );
        assert!(String::from_utf8_lossy(&good.stdout).contains(&number));
        let bad = run("t.json");
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("NOT VALID"));
        // Nobody else can fetch it.
        let other = app.candidate().await;
        app.get(
            &format!("/api/v1/certificates/{number}/signed"),
            Some(&other.token),
        )
        .await
        .problem(404);
    }
);

db_test!(
    the_open_badge_verifies_with_the_published_key_and_carries_the_status,
    |app| {
        let (candidate, number, _) = passed(&app).await;
        let badge = app
            .get(
                &format!("/api/v1/certificates/{number}/badge"),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(badge.status, 200, "{}", badge.text);
        let credential = &badge.body["credential"];
        assert!(
            credential["type"]
                .as_array()
                .unwrap()
                .contains(&json!("OpenBadgeCredential"))
        );
        assert_eq!(
            credential["credentialSubject"]["name"],
            "Zoë O'Brien-Łukasiewicz"
        );
        let keys = app.get("/api/v1/certificates/keys", None).await;
        let jwt = badge.body["jwt"].as_str().unwrap();
        let header = jsonwebtoken::decode_header(jwt).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
        let key = keys.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"].as_str() == header.kid.as_deref())
            .unwrap()
            .clone();
        use base64::Engine;
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key["x"].as_str().unwrap())
            .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        let decoded = jsonwebtoken::decode::<Value>(
            jwt,
            &jsonwebtoken::DecodingKey::from_ed_der(&x),
            &validation,
        )
        .expect("the VC-JWT verifies");
        assert_eq!(
            decoded.claims["credentialSubject"]["achievement"]["name"],
            "ISO/IEC 20000 Foundation"
        );
        // The subject is the holder, by a salted hash of their address (never the address).
        let identity = &decoded.claims["credentialSubject"]["identifier"][0];
        assert_eq!(identity["identityType"], "emailAddress");
        assert_eq!(identity["hashed"], true);
        let salt = identity["salt"].as_str().unwrap();
        let expected = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(
                format!("{}{salt}", candidate.email).as_bytes(),
            ))
        };
        assert_eq!(identity["identityHash"], format!("sha256${expected}"));
        assert!(!badge.text.contains(&candidate.email));
        // Its status is in the published W3C Bitstring Status Lists, which follow the
        // certificate: a verifier reads the bit at the badge's index in each list.
        let entries = decoded.claims["credentialStatus"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(entries.len(), 2);
        let bit = |entry: Value| {
            let app = &app;
            let x = x.clone();
            async move {
                assert_eq!(entry["type"], "BitstringStatusListEntry");
                let url = entry["statusListCredential"].as_str().unwrap();
                let list = app
                    .get(
                        url.trim_start_matches("https://exams.invigilator.test"),
                        None,
                    )
                    .await;
                assert_eq!(list.status, 200, "{}", list.text);
                assert!(list.content_type.starts_with("application/vc+jwt"));
                let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
                validation.required_spec_claims.clear();
                validation.validate_exp = false;
                validation.validate_aud = false;
                let vc = jsonwebtoken::decode::<Value>(
                    &list.text,
                    &jsonwebtoken::DecodingKey::from_ed_der(&x),
                    &validation,
                )
                .expect("the status list verifies with the published key")
                .claims;
                assert_eq!(
                    vc["credentialSubject"]["statusPurpose"],
                    entry["statusPurpose"]
                );
                let encoded = vc["credentialSubject"]["encodedList"].as_str().unwrap();
                let gzipped = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(encoded.strip_prefix('u').unwrap())
                    .unwrap();
                let mut bits = Vec::new();
                std::io::Read::read_to_end(
                    &mut flate2::read::GzDecoder::new(&gzipped[..]),
                    &mut bits,
                )
                .unwrap();
                assert!(bits.len() >= 16 * 1024, "at least 16 KiB of bits");
                let index: usize = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
                bits[index / 8] & (0x80 >> (index % 8)) != 0
            }
        };
        let (revocation, suspension) = (entries[0].clone(), entries[1].clone());
        assert_eq!(revocation["statusPurpose"], "revocation");
        assert_eq!(suspension["statusPurpose"], "suspension");
        assert!(!bit(revocation.clone()).await && !bit(suspension.clone()).await);
        let admin = app.admin().await;
        app.post(
            &format!("/api/v1/admin/certificates/{number}/status"),
            json!({"action": "suspend", "reason": "check"}),
            Some(&admin.token),
        )
        .await;
        assert!(bit(suspension.clone()).await, "suspended shows at once");
        assert!(!bit(revocation.clone()).await);
        app.post(
            &format!("/api/v1/admin/certificates/{number}/status"),
            json!({"action": "revoke", "reason": "fraud"}),
            Some(&admin.token),
        )
        .await;
        assert!(bit(revocation.clone()).await, "revoked shows at once");
        assert!(!bit(suspension.clone()).await);
        let again = app
            .get(
                &format!("/api/v1/certificates/{number}/badge"),
                Some(&candidate.token),
            )
            .await;
        again.problem(409);
    }
);

db_test!(
    a_name_change_leaves_the_certificate_and_a_reissue_replaces_it,
    |app| {
        let (candidate, number, _) = passed(&app).await;
        let renamed = app
            .send(
                reqwest::Method::PUT,
                "/api/v1/me/name",
                Some(json!({"given_name": "Zoë", "family_name": "Nowak"})),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(renamed.status, 200);
        let admin = app.admin().await;
        assert_eq!(
            app.get(
                &format!("/api/v1/admin/certificates/{number}"),
                Some(&admin.token)
            )
            .await
            .body["holder_name"],
            "Zoë O'Brien-Łukasiewicz",
            "the certificate keeps the name it was issued to"
        );
        let reissued = app
            .post(
                &format!("/api/v1/admin/certificates/{number}/reissue"),
                json!({"reason": "Name changed on marriage"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(reissued.status, 201, "{}", reissued.text);
        let new_number = reissued.body["number"].as_str().unwrap().to_owned();
        assert_ne!(new_number, number);
        assert_eq!(reissued.body["holder_name"], "Zoë Nowak");
        let old = verify(&app, &number).await;
        assert_eq!(old.body["status"], "revoked");
        assert!(old.body["reason"].as_str().unwrap().contains("replaced"));
        assert_eq!(verify(&app, &new_number).await.body["status"], "valid");
        let mine = app
            .get("/api/v1/me/certificates", Some(&candidate.token))
            .await;
        assert_eq!(mine.body.as_array().unwrap().len(), 2);
        app.post(
            &format!("/api/v1/admin/certificates/{number}/reissue"),
            json!({"reason": "again"}),
            Some(&admin.token),
        )
        .await
        .problem(409);
    }
);

db_test!(
    only_holders_who_opt_in_appear_in_the_public_register,
    |app| {
        let (candidate, number, _) = passed(&app).await;
        let by_name = || app.get("/api/v1/register?family_name=brien", None);
        assert_eq!(by_name().await.body, json!([]));
        let opted = app
            .send(
                reqwest::Method::PUT,
                "/api/v1/me/register",
                Some(json!({"listed": true})),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(opted.status, 200);
        let found = by_name().await;
        assert_eq!(found.body[0]["number"], number.as_str());
        let by_number = app
            .get(&format!("/api/v1/register?number={number}"), None)
            .await;
        assert_eq!(by_number.body.as_array().unwrap().len(), 1);
        app.get("/api/v1/register", None).await.problem(400);
        app.send(
            reqwest::Method::PUT,
            "/api/v1/me/register",
            Some(json!({"listed": false})),
            Some(&candidate.token),
        )
        .await;
        assert_eq!(by_name().await.body, json!([]));
    }
);
