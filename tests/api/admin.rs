//! Examiners read a marked paper; candidates cannot.

use crate::helpers::*;

db_test!(an_administrator_reads_the_marked_paper, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&candidate.token, &id, 20).await;
    app.submit(&candidate.token, &id).await;

    let admin = app.admin().await;
    let me = app.get("/api/v1/me", Some(&admin.token)).await;
    assert_eq!(me.body["roles"], serde_json::json!(["admin"]));
    let reply = app
        .get(&format!("/api/v1/admin/sittings/{id}"), Some(&admin.token))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["candidate"]["email"], candidate.email.as_str());
    assert_eq!(body["score"], 20);
    assert_eq!(body["passed"], false);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 40);
    let mut awarded = 0;
    for item in items {
        let number = item["number"].as_u64().unwrap() as u32;
        assert_eq!(item["key"][0], app.key_of(&id, number).await.as_str());
        assert!(item["rationale"].as_str().unwrap().len() > 10);
        assert!(
            item["clause"].as_str().unwrap().contains("20000")
                || !item["clause"].as_str().unwrap().is_empty()
        );
        assert!(item["item_id"].as_str().unwrap().starts_with("FND-"));
        let right = item["response"]["choice"] == item["key"][0];
        assert_eq!(item["awarded"], if right { 1 } else { 0 });
        awarded += item["awarded"].as_u64().unwrap();
    }
    assert_eq!(awarded, 20);

    // Administrators also read results.
    assert_eq!(app.result(&admin.token, &id).await.body["score"], 20);
});

db_test!(candidates_are_forbidden_the_admin_view, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(
        &format!("/api/v1/admin/sittings/{id}"),
        Some(&candidate.token),
    )
    .await
    .problem(403);
    let admin = app.admin().await;
    app.get(
        &format!("/api/v1/admin/sittings/{}", uuid::Uuid::now_v7()),
        Some(&admin.token),
    )
    .await
    .problem(404);
});
