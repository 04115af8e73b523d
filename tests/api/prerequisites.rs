//! Evidence toward prerequisites: declared, decided by an administrator, and re-checked
//! when a sitting starts.

use serde_json::json;

use crate::helpers::*;

db_test!(
    practitioner_is_refused_before_and_allowed_after_an_approved_itil_foundation,
    |app| {
        let candidate = app.candidate().await;
        let admin = app.admin().await;
        let evidence = app
            .declare_credential(&candidate.token, "itil-foundation")
            .await;

        // Pending evidence does not count.
        let refused = app
            .start_sitting(&candidate.token, "iso20000-practitioner")
            .await;
        assert_eq!(refused.problem(403)["unmet"].as_array().unwrap().len(), 4);
        let mine = app.get("/api/v1/me/evidence", Some(&candidate.token)).await;
        assert_eq!(mine.body[0]["status"], "pending");
        assert_eq!(mine.body[0]["credential"], "itil-foundation");

        let decided = app.decide(&admin.token, &evidence, "approve", None).await;
        assert_eq!(decided.status, 200, "{}", decided.text);
        assert_eq!(decided.body["status"], "approved");

        let eligibility = app
            .get("/api/v1/me/eligibility", Some(&candidate.token))
            .await;
        let row = eligibility
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["qualification"] == "iso20000-practitioner")
            .unwrap()
            .clone();
        assert_eq!(row["eligible"], true);
        assert!(
            row["met"][0]["description"]
                .as_str()
                .unwrap()
                .contains("ITIL")
        );
        assert_eq!(
            app.start_sitting(&candidate.token, "iso20000-practitioner")
                .await
                .status,
            201
        );
    }
);

db_test!(
    rejected_evidence_does_not_count_and_the_candidate_sees_why,
    |app| {
        let candidate = app.candidate().await;
        let admin = app.admin().await;
        let evidence = app
            .declare_credential(&candidate.token, "bcs-iso20000-foundation")
            .await;
        let no_reason = app.decide(&admin.token, &evidence, "reject", None).await;
        no_reason.problem(422);
        assert_eq!(no_reason.fields(), ["reason"]);
        let rejected = app
            .decide(
                &admin.token,
                &evidence,
                "reject",
                Some("The certificate number is not on the BCS register"),
            )
            .await;
        assert_eq!(rejected.status, 200);
        // Decided once: a second decision is a conflict and changes nothing.
        app.decide(&admin.token, &evidence, "approve", None)
            .await
            .problem(409);

        let mine = app.get("/api/v1/me/evidence", Some(&candidate.token)).await;
        assert_eq!(mine.body[0]["status"], "rejected");
        assert_eq!(
            mine.body[0]["decision_reason"],
            "The certificate number is not on the BCS register"
        );
        app.start_sitting(&candidate.token, "iso20000-practitioner")
            .await
            .problem(403);

        let stored =
            invigilator::persistence::evidence::find(&app.state.db, evidence.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
        assert_eq!(stored.decided_by, Some(admin.id));
        assert!(stored.decided_at.is_some());
    }
);

db_test!(auditor_needs_both_experience_and_a_course, |app| {
    let candidate = app.candidate().await;
    let admin = app.admin().await;
    let experience = app.declare_experience(&candidate.token, 4).await;
    assert_eq!(
        app.decide(&admin.token, &experience, "approve", None)
            .await
            .status,
        200
    );

    // Experience alone: refused, and the course is named as missing.
    let refused = app
        .start_sitting(&candidate.token, "iso20000-auditor")
        .await;
    let unmet = refused.problem(403)["unmet"].as_array().unwrap().clone();
    assert_eq!(unmet.len(), 1);
    assert_eq!(unmet[0]["kind"], "course");

    app.complete_auditor_course(&admin, &candidate).await;
    let courses = app.get("/api/v1/me/courses", Some(&candidate.token)).await;
    assert_eq!(courses.body[0]["qualification"], "iso20000-auditor");
    assert_eq!(courses.body[0]["outcome"], "completed");
    assert_eq!(courses.body[0]["accredited"], true);

    let sitting = app
        .start_sitting(&candidate.token, "iso20000-auditor")
        .await;
    assert_eq!(sitting.status, 201, "{}", sitting.text);
    let qs = sitting.body["questions"].as_array().unwrap();
    assert_eq!(qs.len(), 40);
    assert!(
        qs.iter()
            .all(|q| q["area"].as_str().unwrap().starts_with('A') || q["area"] == "SC")
    );
});

db_test!(
    a_course_without_approved_experience_is_not_enough_for_auditor,
    |app| {
        let candidate = app.candidate().await;
        let admin = app.admin().await;
        app.complete_auditor_course(&admin, &candidate).await;
        // Two years approved is short of three.
        let experience = app.declare_experience(&candidate.token, 2).await;
        app.decide(&admin.token, &experience, "approve", None).await;
        let refused = app
            .start_sitting(&candidate.token, "iso20000-auditor")
            .await;
        let unmet = refused.problem(403)["unmet"].as_array().unwrap().clone();
        assert_eq!(unmet.len(), 1);
        assert_eq!(unmet[0]["kind"], "audit_experience");
    }
);

#[tokio::test]
async fn declared_evidence_is_validated_field_by_field() {
    let app = spawn_app().await;
    let candidate = app.candidate().await;
    let reply = app
        .post(
            "/api/v1/me/credentials",
            json!({"kind": "prince2", "issuer": " ", "certificate_number": "X1", "date": "2999-01-01"}),
            Some(&candidate.token),
        )
        .await;
    reply.problem(422);
    assert_eq!(reply.fields(), ["kind", "issuer", "date"]);
    assert!(
        reply.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("itil-foundation")
    );
    let reply = app
        .post(
            "/api/v1/me/experience",
            json!({"years": 0, "description": ""}),
            Some(&candidate.token),
        )
        .await;
    assert_eq!(reply.fields(), ["years", "description"]);
}

db_test!(only_administrators_decide_evidence, |app| {
    let candidate = app.candidate().await;
    let other = app.candidate().await;
    let evidence = app
        .declare_credential(&candidate.token, "itil-foundation")
        .await;
    app.get("/api/v1/admin/evidence", Some(&candidate.token))
        .await
        .problem(403);
    app.decide(&candidate.token, &evidence, "approve", None)
        .await
        .problem(403);
    // Another candidate never sees this candidate's evidence.
    let theirs = app.get("/api/v1/me/evidence", Some(&other.token)).await;
    assert_eq!(theirs.body, json!([]));

    let admin = app.admin().await;
    let pending = app.get("/api/v1/admin/evidence", Some(&admin.token)).await;
    assert_eq!(pending.body.as_array().unwrap().len(), 1);
    assert_eq!(pending.body[0]["id"], evidence.as_str());
    app.decide(
        &admin.token,
        &uuid::Uuid::now_v7().to_string(),
        "approve",
        None,
    )
    .await
    .problem(404);
    let found = app
        .get(
            &format!("/api/v1/admin/candidates?email={}", candidate.email),
            Some(&admin.token),
        )
        .await;
    assert_eq!(found.body[0]["id"], candidate.id.to_string());
});
