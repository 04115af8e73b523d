//! Accredited training organizations: accreditation windows, staff, courses, enrolment
//! (JSON and CSV), attendance, results, isolation between organizations, and the e-mail
//! each step sends (received by a real SMTP server on loopback).

use serde_json::{Value, json};

use crate::helpers::*;

async fn upload(app: &TestApp, staff: &Staff, course: &str, csv: &str) -> Reply {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/ato/courses/{course}/enrolments/csv")))
        .bearer_auth(&staff.token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    Reply::from(response).await
}

async fn auditor_eligibility(app: &TestApp, token: &str) -> Value {
    let reply = app.get("/api/v1/me/eligibility", Some(token)).await;
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["qualification"] == "iso20000-auditor")
        .unwrap()
        .clone()
}

async fn approved_experience(app: &TestApp, admin: &Candidate, candidate: &Candidate) {
    let evidence = app.declare_experience(&candidate.token, 5).await;
    assert_eq!(
        app.decide(&admin.token, &evidence, "approve", None)
            .await
            .status,
        200
    );
}

db_test!(
    a_staff_invitation_arrives_by_smtp_and_its_link_sets_the_password,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-auditor"]).await;
        let mail = app.mail.to(&staff.email);
        assert_eq!(mail.len(), 1);
        assert!(
            mail[0]
                .subject()
                .starts_with("You are invited to manage Training"),
            "{}",
            mail[0].subject()
        );
        assert!(
            mail[0].html().contains("/invitations/accept#token="),
            "HTML part carries the link too"
        );
        // The link opens a page served by us; the token stays in the fragment.
        let link = mail[0].link("https://exams.invigilator.test/").unwrap();
        let page = app.get("/invitations/accept", None).await;
        assert_eq!(page.status, 200);
        assert!(
            page.text.contains("/static/link.js"),
            "the page reads the fragment"
        );
        assert!(page.text.contains("name=\"token\""));
        assert!(link.contains("/invitations/accept#token="));
        // Staff see their organization, and a used link cannot be used again.
        let mine = app.get("/api/v1/ato", Some(&staff.token)).await;
        assert_eq!(mine.body["id"], staff.ato.as_str());
        assert_eq!(
            mine.body["accreditations"][0]["qualification"],
            "iso20000-auditor"
        );
        let token = app.invitation_token(&staff.email);
        let again = app.post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD, "given_name": "A", "family_name": "B"}), None).await;
        again.problem(410);
        app.post(
            "/api/v1/invitations/accept",
            json!({"token": "0".repeat(64), "password": PASSWORD}),
            None,
        )
        .await
        .problem(410);

        // Staff invite a colleague, who accepts the same way.
        let colleague = "colleague@training.example";
        let invited = app
            .post(
                "/api/v1/ato/invitations",
                json!({"email": colleague}),
                Some(&staff.token),
            )
            .await;
        assert_eq!(invited.status, 202, "{}", invited.text);
        app.deliver_mail().await;
        let token = app.invitation_token(colleague);
        let accepted = app.post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD, "given_name": "Ana", "family_name": "García"}), None).await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        let login = app.login(colleague, PASSWORD).await;
        let roles = app
            .get("/api/v1/me", login.body["access_token"].as_str())
            .await;
        assert_eq!(roles.body["roles"], json!(["ato_staff"]));
        // A person is staff of one organization only: a second invitation is refused.
        let other = app.ato(&admin, &[]).await;
        app.post(
            "/api/v1/ato/invitations",
            json!({"email": colleague}),
            Some(&other.token),
        )
        .await
        .problem(409);
    }
);

db_test!(an_invitation_expires, |app| {
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/admin/atos",
            json!({"name": "Late Ltd", "country": "ie", "contact_email": "x@late.example"}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(created.body["country"], "IE");
    let ato = created.body["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/admin/atos/{ato}/invitations"),
        json!({"email": "slow@late.example"}),
        Some(&admin.token),
    )
    .await;
    app.deliver_mail().await;
    let token = app.invitation_token("slow@late.example");
    app.advance(time::Duration::days(8));
    app.post(
        "/api/v1/invitations/accept",
        json!({"token": token, "password": PASSWORD, "given_name": "S", "family_name": "L"}),
        None,
    )
    .await
    .problem(410);
});

db_test!(
    a_delegate_without_an_account_is_invited_and_an_existing_candidate_is_linked,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let course = app.course(&staff, "iso20000-foundation", 10, 12).await;
        let existing = app.candidate().await;

        let new = app.post(&format!("/api/v1/ato/courses/{course}/enrolments"), json!({"given_name": "Łucja", "family_name": "Wójcik-Nowak", "email": "lucja@example.org"}), Some(&staff.token)).await;
        assert_eq!(new.body["result"], "created");
        let linked = app
            .post(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                json!({"given_name": "X", "family_name": "Y", "email": existing.email}),
                Some(&staff.token),
            )
            .await;
        assert_eq!(linked.body["result"], "linked");
        let again = app
            .post(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                json!({"given_name": "X", "family_name": "Y", "email": existing.email}),
                Some(&staff.token),
            )
            .await;
        assert_eq!(again.body["result"], "already_enrolled");
        assert_eq!(
            app.deliver_mail().await,
            2,
            "an invitation and an enrolment request"
        );

        // The existing candidate keeps their one account and names.
        let found = app
            .get(
                &format!("/api/v1/admin/candidates?email={}", existing.email),
                Some(&admin.token),
            )
            .await;
        assert_eq!(found.body.as_array().unwrap().len(), 1);
        assert_eq!(found.body[0]["given_name"], "Zoë");
        let mail = app.mail.to(&existing.email);
        let notice = mail.last().unwrap();
        assert!(
            notice.subject().contains("would like to enrol you"),
            "an existing candidate is asked, not linked silently"
        );
        assert!(
            notice.text().contains("/enrolments/accept#token=")
                && !notice.text().contains("/invitations/accept"),
            "an existing candidate gets an acceptance link, no password link"
        );

        // The new delegate cannot log in until they choose a password through the link.
        app.login("lucja@example.org", "").await.problem(401);
        let invitation = &app.mail.to("lucja@example.org")[0];
        assert!(invitation.text().contains("Dear Łucja"));
        let token = app.invitation_token("lucja@example.org");
        let accepted = app
            .post(
                "/api/v1/invitations/accept",
                json!({"token": token, "password": PASSWORD}),
                None,
            )
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        let login = app.login("lucja@example.org", PASSWORD).await;
        assert_eq!(login.status, 200);
        let courses = app
            .get("/api/v1/me/courses", login.body["access_token"].as_str())
            .await;
        assert_eq!(courses.body[0]["course_id"], course.as_str());
        assert!(
            courses.body[0]["training_organization"]
                .as_str()
                .unwrap()
                .starts_with("Training")
        );
        assert_eq!(courses.body[0]["outcome"], Value::Null);
    }
);

db_test!(
    a_roster_csv_reports_each_row_and_a_second_upload_changes_nothing,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-auditor"]).await;
        let course = app.course(&staff, "iso20000-auditor", 10, 14).await;
        let existing = app.candidate().await;
        let csv = format!(
            "given_name,family_name,email\n\
         Zoë,O'Brien-Łukasiewicz,zoe.csv@example.org\n\
         Σωκράτης,Παπαδόπουλος,socrates@example.org\n\
         Пётр,Чайковский,{}\n\
         Ana,García,not-an-email\n\
         only,two\n\
         Zoe,Again,ZOE.CSV@example.org\n\
         \"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",Smith,eve@example.org\n",
            existing.email
        );
        let first = upload(&app, &staff, &course, &csv).await;
        assert_eq!(first.status, 200, "{}", first.text);
        assert_eq!(
            (
                first.body["created"].as_u64(),
                first.body["linked"].as_u64(),
                first.body["rejected"].as_u64()
            ),
            (Some(3), Some(1), Some(3))
        );
        let rows = first.body["rows"].as_array().unwrap();
        let row = |n: u64| rows.iter().find(|r| r["row"] == n).unwrap().clone();
        assert_eq!(row(2)["result"], "created");
        assert_eq!(row(4)["result"], "linked");
        assert_eq!(row(5)["result"], "rejected");
        assert!(row(5)["reason"].as_str().unwrap().starts_with("email"));
        assert!(row(6)["reason"].as_str().unwrap().contains("fields"));
        assert_eq!(row(7)["reason"], "duplicate of row 2 (same e-mail address)");
        assert_eq!(
            row(8)["result"],
            "created",
            "a formula-like name is just text"
        );
        let sent = app.deliver_mail().await;
        assert_eq!(sent, 4);

        // The same file again: nothing new, no new mail.
        let second = upload(&app, &staff, &course, &csv).await;
        assert_eq!(
            (
                second.body["created"].as_u64(),
                second.body["linked"].as_u64(),
                second.body["already_enrolled"].as_u64()
            ),
            (Some(0), Some(0), Some(4))
        );
        assert_eq!(app.deliver_mail().await, 0);
        let listed = app
            .get(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                Some(&staff.token),
            )
            .await;
        assert_eq!(listed.body.as_array().unwrap().len(), 4);
        let eve = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["email"] == "eve@example.org")
            .unwrap()
            .clone();
        assert_eq!(
            eve["given_name"], "=HYPERLINK(\"http://evil.example\",\"x\")",
            "stored exactly as given"
        );
        let greek = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["email"] == "socrates@example.org")
            .unwrap()
            .clone();
        assert_eq!(greek["family_name"], "Παπαδόπουλος");

        // Exported, the formula cell is defused.
        let export = app
            .get(
                &format!("/api/v1/ato/courses/{course}/enrolments.csv"),
                Some(&staff.token),
            )
            .await;
        assert_eq!(export.status, 200);
        assert!(export.content_type.starts_with("text/csv"));
        assert!(
            export
                .text
                .contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
            "{}",
            export.text
        );
        assert!(
            export.text.contains("O'Brien-Łukasiewicz"),
            "ordinary apostrophes are untouched"
        );
    }
);

db_test!(roster_uploads_are_bounded_and_checked, |app| {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-auditor"]).await;
    let course = app.course(&staff, "iso20000-auditor", 10, 14).await;
    upload(&app, &staff, &course, &"x".repeat(300 * 1024))
        .await
        .problem(413);
    let mut many = String::from("given_name,family_name,email\n");
    for i in 0..1001 {
        many.push_str(&format!("A,B,a{i}@example.org\n"));
    }
    let too_many = upload(&app, &staff, &course, &many).await;
    too_many.problem(422);
    assert!(too_many.body["detail"].as_str().unwrap().contains("1000"));
    let no_header = upload(&app, &staff, &course, "Ana,García,ana@example.org\n").await;
    no_header.problem(422);
    assert_eq!(no_header.fields(), ["file"]);
    let as_json = app
        .post(
            &format!("/api/v1/ato/courses/{course}/enrolments/csv"),
            json!({"rows": []}),
            Some(&staff.token),
        )
        .await;
    as_json.problem(415);
    let listed = app
        .get(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            Some(&staff.token),
        )
        .await;
    assert_eq!(listed.body, json!([]), "nothing was half-written");
});

db_test!(attendance_waits_for_the_course_dates, |app| {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-auditor"]).await;
    let candidate = app.candidate().await;
    let course = app.course(&staff, "iso20000-auditor", 2, 6).await;
    app.post(
        &format!("/api/v1/ato/courses/{course}/enrolments"),
        json!({"given_name": "Z", "family_name": "O", "email": candidate.email}),
        Some(&staff.token),
    )
    .await;
    app.accept_enrolment(&candidate.email).await;
    let enrolment = app
        .get(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            Some(&staff.token),
        )
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let record = |outcome: &'static str| {
        let path = format!("/api/v1/ato/courses/{course}/enrolments/{enrolment}/outcome");
        let token = staff.token.clone();
        let app = &app;
        async move {
            app.send(
                reqwest::Method::PUT,
                &path,
                Some(json!({"outcome": outcome})),
                Some(&token),
            )
            .await
        }
    };
    record("absent").await.problem(409);
    app.advance(time::Duration::days(3));
    let staff_token = app.relogin_email(&staff.email).await;
    let early = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/ato/courses/{course}/enrolments/{enrolment}/outcome"),
            Some(json!({"outcome": "completed"})),
            Some(&staff_token),
        )
        .await;
    early.problem(409);
    app.advance(time::Duration::days(3));
    let staff_token = app.relogin_email(&staff.email).await;
    let done = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/ato/courses/{course}/enrolments/{enrolment}/outcome"),
            Some(json!({"outcome": "completed"})),
            Some(&staff_token),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["outcome"], "completed");
});

db_test!(
    only_an_accredited_course_meets_the_auditor_prerequisite_and_unlocks_the_paper,
    |app| {
        let admin = app.admin().await;
        let candidate = app.candidate().await;
        approved_experience(&app, &admin, &candidate).await;

        // An ATO accredited for Foundation only cannot announce an "Auditor" course, and
        // no administrator can record one for it either.
        let foundation_only = app.ato(&admin, &["iso20000-foundation"]).await;
        let course = |starts: i64, ends: i64| json!({"qualification": "iso20000-auditor", "title": "Auditor", "starts_on": app.day(starts), "ends_on": app.day(ends), "delivery": "classroom", "trainer_name": "Maria Nowak"});
        let refused = app
            .post(
                "/api/v1/ato/courses",
                course(3, 5),
                Some(&foundation_only.token),
            )
            .await;
        assert_eq!(refused.problem(422)["errors"][0]["field"], "qualification");
        let recorded = app
            .post(
                &format!("/api/v1/admin/atos/{}/courses", foundation_only.ato),
                course(-5, -1),
                Some(&admin.token),
            )
            .await;
        assert_eq!(recorded.problem(422)["errors"][0]["field"], "qualification");
        assert_eq!(
            app.get("/api/v1/ato/courses", Some(&foundation_only.token))
                .await
                .body,
            json!([]),
            "nothing was recorded"
        );
        assert_eq!(
            auditor_eligibility(&app, &candidate.token).await["eligible"],
            false
        );
        app.start_sitting(&candidate.token, "iso20000-auditor")
            .await
            .problem(403);

        // An accredited ATO's completed course does, and the eligibility names it.
        let staff = app.ato(&admin, &["iso20000-auditor"]).await;
        let course = app.course(&staff, "iso20000-auditor", -5, -1).await;
        app.enrol_and_record(&staff, &course, &candidate.email, "did_not_complete")
            .await;
        assert_eq!(
            auditor_eligibility(&app, &candidate.token).await["eligible"],
            false,
            "not completed"
        );
        let list = app
            .get(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                Some(&staff.token),
            )
            .await;
        let enrolment = list.body[0]["id"].as_str().unwrap().to_owned();
        app.send(
            reqwest::Method::PUT,
            &format!("/api/v1/ato/courses/{course}/enrolments/{enrolment}/outcome"),
            Some(json!({"outcome": "completed"})),
            Some(&staff.token),
        )
        .await;
        let row = auditor_eligibility(&app, &candidate.token).await;
        assert_eq!(row["eligible"], true);
        let course_rule = row["met"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == "course")
            .unwrap()
            .clone();
        assert!(
            course_rule["satisfied_by"]
                .as_str()
                .unwrap()
                .contains("Training"),
            "{course_rule}"
        );

        // End to end: the delegate sits the Auditor paper, and the ATO sees the result.
        app.advance(time::Duration::minutes(1));
        let sitting = app
            .start_sitting(&candidate.token, "iso20000-auditor")
            .await;
        assert_eq!(sitting.status, 201, "{}", sitting.text);
        let id = sitting.body["id"].as_str().unwrap().to_owned();
        app.answer_all(&candidate.token, &id, 30).await;
        app.submit(&candidate.token, &id).await;
        let results = app.get("/api/v1/ato/results", Some(&staff.token)).await;
        let rows = results.body.as_array().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["qualification"], "iso20000-auditor");
        assert_eq!(rows[0]["score"], 30);
        assert_eq!(rows[0]["passed"], true);
        assert!(
            rows[0].get("questions").is_none() && !results.text.contains("rationale"),
            "no item content"
        );
        // The Foundation-only ATO never sees the Auditor result: it could not run an
        // Auditor course, so the candidate is not its delegate for that paper.
        let theirs = app
            .get("/api/v1/ato/results", Some(&foundation_only.token))
            .await;
        assert_eq!(theirs.body, json!([]));
    }
);

db_test!(
    a_withdrawn_accreditation_keeps_earlier_courses_but_not_later_ones,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-auditor"]).await;
        let early = app.candidate().await;
        let late = app.candidate().await;
        approved_experience(&app, &admin, &early).await;
        approved_experience(&app, &admin, &late).await;
        let before = app.course(&staff, "iso20000-auditor", -6, -2).await;
        app.enrol_and_record(&staff, &before, &early.email, "completed")
            .await;
        let after = app.course(&staff, "iso20000-auditor", 3, 5).await;
        app.post(
            &format!("/api/v1/ato/courses/{after}/enrolments"),
            json!({"given_name": "L", "family_name": "A", "email": late.email}),
            Some(&staff.token),
        )
        .await;
        app.accept_enrolment(&late.email).await;

        let accreditation = app.first_accreditation(&admin, &staff.ato).await;
        let no_reason = app
            .post(
                &format!(
                    "/api/v1/admin/atos/{}/accreditations/{accreditation}/status",
                    staff.ato
                ),
                json!({"status": "withdrawn", "reason": " "}),
                Some(&admin.token),
            )
            .await;
        no_reason.problem(422);
        let withdrawn = app
            .post(
                &format!(
                    "/api/v1/admin/atos/{}/accreditations/{accreditation}/status",
                    staff.ato
                ),
                json!({"status": "withdrawn", "reason": "Trainer no longer certified"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
        let record = &withdrawn.body["accreditations"][0];
        assert_eq!(record["status"], "withdrawn");
        assert_eq!(record["status_reason"], "Trainer no longer certified");
        assert_eq!(record["status_changed_by"], admin.id.to_string());
        assert_eq!(record["ended_on"], app.day(0));
        app.post(
            &format!(
                "/api/v1/admin/atos/{}/accreditations/{accreditation}/status",
                staff.ato
            ),
            json!({"status": "suspended", "reason": "again"}),
            Some(&admin.token),
        )
        .await
        .problem(409);

        assert_eq!(
            auditor_eligibility(&app, &early.token).await["eligible"],
            true,
            "ran while accredited"
        );
        app.advance(time::Duration::days(6));
        let staff_token = app.relogin_email(&staff.email).await;
        let list = app
            .get(
                &format!("/api/v1/ato/courses/{after}/enrolments"),
                Some(&staff_token),
            )
            .await;
        let enrolment = list.body[0]["id"].as_str().unwrap().to_owned();
        let done = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/ato/courses/{after}/enrolments/{enrolment}/outcome"),
                Some(json!({"outcome": "completed"})),
                Some(&staff_token),
            )
            .await;
        assert_eq!(
            done.problem(409)["type"],
            "urn:invigilator:problem:not-accredited",
            "a withdrawn organization can no longer certify attendance"
        );
        let absent = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/ato/courses/{after}/enrolments/{enrolment}/outcome"),
                Some(json!({"outcome": "absent"})),
                Some(&staff_token),
            )
            .await;
        assert_eq!(absent.status, 200, "absence may still be recorded");
        let late_token = app.relogin(&late).await;
        assert_eq!(
            auditor_eligibility(&app, &late_token).await["eligible"],
            false,
            "ran after the withdrawal"
        );
    }
);

db_test!(
    another_organization_gets_404_on_every_endpoint_of_ours,
    |app| {
        let admin = app.admin().await;
        let ours = app.ato(&admin, &["iso20000-auditor"]).await;
        let theirs = app.ato(&admin, &["iso20000-auditor"]).await;
        let candidate = app.candidate().await;
        let course = app.course(&ours, "iso20000-auditor", -5, -1).await;
        let enrolment = app
            .enrol_and_record(&ours, &course, &candidate.email, "completed")
            .await;
        let t = Some(theirs.token.as_str());
        app.get(&format!("/api/v1/ato/courses/{course}"), t)
            .await
            .problem(404);
        app.get(&format!("/api/v1/ato/courses/{course}/enrolments"), t)
            .await
            .problem(404);
        app.get(&format!("/api/v1/ato/courses/{course}/enrolments.csv"), t)
            .await
            .problem(404);
        app.post(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            json!({"given_name": "A", "family_name": "B", "email": "x@example.org"}),
            t,
        )
        .await
        .problem(404);
        upload(
            &app,
            &theirs,
            &course,
            "given_name,family_name,email\nA,B,y@example.org\n",
        )
        .await
        .problem(404);
        app.send(
            reqwest::Method::PUT,
            &format!("/api/v1/ato/courses/{course}/enrolments/{enrolment}/outcome"),
            Some(json!({"outcome": "absent"})),
            t,
        )
        .await
        .problem(404);
        assert_eq!(app.get("/api/v1/ato/courses", t).await.body, json!([]));
        assert_eq!(app.get("/api/v1/ato/results", t).await.body, json!([]));
        // Our enrolment is unchanged.
        let ours_list = app
            .get(
                &format!("/api/v1/ato/courses/{course}/enrolments"),
                Some(&ours.token),
            )
            .await;
        assert_eq!(ours_list.body[0]["outcome"], "completed");
        // Candidates and administrators are not ATO staff.
        app.get("/api/v1/ato/courses", Some(&candidate.token))
            .await
            .problem(403);
        app.get("/api/v1/ato", Some(&admin.token))
            .await
            .problem(403);
        app.post(
            "/api/v1/admin/atos",
            json!({"name": "X", "country": "GB", "contact_email": "x@x.example"}),
            Some(&ours.token),
        )
        .await
        .problem(403);
    }
);

db_test!(
    a_failing_smtp_server_never_fails_the_request_and_mail_is_retried_with_back_off,
    |settings| {
        settings.email.smtp_port = 1;
    },
    |app| {
        let admin = app.admin().await;
        let created = app.post("/api/v1/admin/atos", json!({"name": "Offline Ltd", "country": "GB", "contact_email": "x@offline.example"}), Some(&admin.token)).await;
        let ato = created.body["id"].as_str().unwrap().to_owned();
        let invited = app
            .post(
                &format!("/api/v1/admin/atos/{ato}/invitations"),
                json!({"email": "who@offline.example"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(invited.status, 202, "the request does not wait for SMTP");
        assert_eq!(app.deliver_mail().await, 0);
        let status =
            invigilator::persistence::outbox::status_for(&app.state.db, "who@offline.example")
                .await
                .unwrap();
        assert_eq!(status.len(), 1);
        assert_eq!((status[0].0.as_ref(), status[0].1), ("pending", 1));
        assert!(status[0].2.is_some(), "the error is kept");
        // Not retried before its back-off, then retried.
        app.deliver_mail().await;
        assert_eq!(
            invigilator::persistence::outbox::status_for(&app.state.db, "who@offline.example")
                .await
                .unwrap()[0]
                .1,
            1
        );
        app.advance(time::Duration::seconds(31));
        app.deliver_mail().await;
        assert_eq!(
            invigilator::persistence::outbox::status_for(&app.state.db, "who@offline.example")
                .await
                .unwrap()[0]
                .1,
            2
        );
    }
);

db_test!(
    several_servers_delivering_at_once_send_each_message_once,
    |app| {
        let admin = app.admin().await;
        let created = app
            .post(
                "/api/v1/admin/atos",
                json!({"name": "Busy Ltd", "country": "GB", "contact_email": "x@busy.example"}),
                Some(&admin.token),
            )
            .await;
        let ato = created.body["id"].as_str().unwrap().to_owned();
        for i in 0..6 {
            app.post(
                &format!("/api/v1/admin/atos/{ato}/invitations"),
                json!({"email": format!("p{i}@busy.example")}),
                Some(&admin.token),
            )
            .await;
        }
        let (a, b, c) = tokio::join!(app.deliver_mail(), app.deliver_mail(), app.deliver_mail());
        assert_eq!(a + b + c, 6);
        for i in 0..6 {
            assert_eq!(app.mail.to(&format!("p{i}@busy.example")).len(), 1);
        }
    }
);

db_test!(an_evidence_decision_is_emailed_to_the_candidate, |app| {
    let admin = app.admin().await;
    let candidate = app.candidate().await;
    let evidence = app
        .declare_credential(&candidate.token, "itil-foundation")
        .await;
    app.decide(
        &admin.token,
        &evidence,
        "reject",
        Some("The certificate number does not match the register"),
    )
    .await;
    assert_eq!(app.deliver_mail().await, 1);
    let mail = app.mail.to(&candidate.email);
    assert_eq!(mail.len(), 2, "the address confirmation, then the decision");
    assert!(mail[1].subject().contains("was not approved"));
    assert!(mail[1].text().contains("does not match the register"));
});

db_test!(
    one_delivery_pass_sends_everything_that_is_due_not_just_one_batch,
    |app| {
        let admin = app.admin().await;
        let created = app
            .post(
                "/api/v1/admin/atos",
                json!({"name": "Big Ltd", "country": "GB", "contact_email": "x@big.example"}),
                Some(&admin.token),
            )
            .await;
        let ato = created.body["id"].as_str().unwrap().to_owned();
        for i in 0..130 {
            app.post(
                &format!("/api/v1/admin/atos/{ato}/invitations"),
                json!({"email": format!("s{i}@big.example")}),
                Some(&admin.token),
            )
            .await;
        }
        assert_eq!(app.deliver_mail().await, 130);
        assert_eq!(app.mail.received().len(), 130);
    }
);

db_test!(
    a_message_that_keeps_failing_is_given_up_after_the_last_attempt,
    |settings| {
        settings.email.smtp_port = 1;
        settings.email.max_attempts = 2;
    },
    |app| {
        let admin = app.admin().await;
        let created = app
            .post(
                "/api/v1/admin/atos",
                json!({"name": "Gone Ltd", "country": "GB", "contact_email": "x@gone.example"}),
                Some(&admin.token),
            )
            .await;
        let ato = created.body["id"].as_str().unwrap().to_owned();
        app.post(
            &format!("/api/v1/admin/atos/{ato}/invitations"),
            json!({"email": "lost@gone.example"}),
            Some(&admin.token),
        )
        .await;
        app.deliver_mail().await;
        app.advance(time::Duration::seconds(31));
        app.deliver_mail().await;
        let status =
            invigilator::persistence::outbox::status_for(&app.state.db, "lost@gone.example")
                .await
                .unwrap();
        assert_eq!((status[0].0.as_ref(), status[0].1), ("failed", 2));
        app.advance(time::Duration::hours(2));
        app.deliver_mail().await;
        let status =
            invigilator::persistence::outbox::status_for(&app.state.db, "lost@gone.example")
                .await
                .unwrap();
        assert_eq!(status[0].1, 2, "never tried again");
    }
);
