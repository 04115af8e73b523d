//! Bad input gets a clear problem+json.

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let reply = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("content-type", "application/json")
        .body(r#"{"email": "#)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
    assert_eq!(reply.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn an_unknown_field_is_rejected_and_named() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            serde_json::json!({"email": "a@example.org", "password": PASSWORD, "given_name": "A", "family_name": "B", "role": "admin"}),
            None,
        )
        .await;
    reply.problem(422);
    assert_eq!(reply.fields(), ["role"]);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_problem() {
    let app = spawn_app().await;
    let huge = "x".repeat(app.settings.server.json_limit_bytes + 1);
    let reply = app
        .post(
            "/api/v1/auth/register",
            serde_json::json!({"email": huge}),
            None,
        )
        .await;
    reply.problem(413);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    let reply = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 415);
    assert_eq!(reply.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn an_unknown_address_is_a_404_problem() {
    let app = spawn_app().await;
    app.get("/api/v1/nothing-here", None).await.problem(404);
}
