//! Extra-time allowances: granted with a reason, applied to sittings started afterwards,
//! never to one in progress.

use serde_json::json;

use crate::helpers::*;

fn deadline_minutes(sitting: &serde_json::Value) -> i64 {
    let parse = |s: &serde_json::Value| {
        time::OffsetDateTime::parse(
            s.as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    (parse(&sitting["deadline"]) - parse(&sitting["started_at"])).whole_minutes()
}

db_test!(
    extra_time_lengthens_later_sittings_but_not_one_in_progress,
    |app| {
        let candidate = app.candidate().await;
        let admin = app.admin().await;
        let first = app.start_foundation(&candidate.token).await;
        assert_eq!(deadline_minutes(&first), 60);

        let grant = app
            .post(
                &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
                json!({"percent": 25, "reason": "Sitting in a second language"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(grant.status, 201, "{}", grant.text);
        assert_eq!(grant.body["granted_by"], admin.id.to_string());

        // The sitting in progress keeps its deadline.
        let id = first["id"].as_str().unwrap();
        let resumed = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
            .await;
        assert_eq!(resumed.body["deadline"], first["deadline"]);
        assert_eq!(resumed.body["extra_time_percent"], 0);

        let me = app.get("/api/v1/me", Some(&candidate.token)).await;
        assert_eq!(me.body["extra_time_percent"], 25);

        app.submit(&candidate.token, id).await;
        let second = app.start_foundation(&candidate.token).await;
        assert_eq!(deadline_minutes(&second), 75);
        assert_eq!(second["extra_time_percent"], 25);
        assert_eq!(second["remaining_seconds"], 75 * 60);
        assert_eq!(
            app.stored(second["id"].as_str().unwrap())
                .await
                .extra_time_percent,
            25
        );

        // A later change applies to the next sitting only.
        app.post(
            &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
            json!({"percent": 50, "reason": "Disability assessment received"}),
            Some(&admin.token),
        )
        .await;
        let again = app
            .get(
                &format!("/api/v1/sittings/{}", second["id"].as_str().unwrap()),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(deadline_minutes(&again.body), 75);
        let history = app
            .get(
                &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
                Some(&admin.token),
            )
            .await;
        let percents: Vec<u64> = history
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["percent"].as_u64().unwrap())
            .collect();
        assert_eq!(percents, [25, 50]);
    }
);

db_test!(the_extended_deadline_is_enforced_like_any_other, |app| {
    let candidate = app.candidate().await;
    let admin = app.admin().await;
    app.post(
        &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
        json!({"percent": 25, "reason": "Second language"}),
        Some(&admin.token),
    )
    .await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.advance(time::Duration::minutes(70));
    let token = app.relogin(&candidate).await;
    let key = app.key_of(&id, 1).await;
    assert_eq!(
        app.save_answer(&token, &id, 1, &key).await.status,
        200,
        "still within 75 minutes"
    );
    app.advance(time::Duration::minutes(5));
    app.save_answer(&token, &id, 2, "A").await.problem(409);
});

#[tokio::test]
async fn an_allowance_needs_a_reason_and_a_sane_size() {
    let app = spawn_app().await;
    let candidate = app.candidate().await;
    let admin = app.admin().await;
    let reply = app
        .post(
            &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
            json!({"percent": 300, "reason": ""}),
            Some(&admin.token),
        )
        .await;
    reply.problem(422);
    assert_eq!(reply.fields(), ["percent", "reason"]);
    app.post(
        &format!("/api/v1/admin/candidates/{}/extra-time", candidate.id),
        json!({"percent": 25, "reason": "x"}),
        Some(&candidate.token),
    )
    .await
    .problem(403);
}
