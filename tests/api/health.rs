//! Health, the OpenAPI document and the docs page.

use crate::helpers::*;

db_test!(health_answers_ok_once_the_database_answers, |app| {
    let reply = app.get("/health", None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, serde_json::json!({"status": "ok"}));
});

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_every_contract_path() {
    let app = spawn_app().await;
    let reply = app.get("/api/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = reply.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/health", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/eligibility", "get"),
        ("/api/v1/qualifications", "get"),
        ("/api/v1/sittings", "post"),
        ("/api/v1/sittings/{id}", "get"),
        ("/api/v1/sittings/{id}/answers/{number}", "put"),
        ("/api/v1/sittings/{id}/submit", "post"),
        ("/api/v1/sittings/{id}/result", "get"),
        ("/api/v1/admin/sittings/{id}", "get"),
    ] {
        let operation = &paths.get(path).unwrap_or_else(|| panic!("{path} missing"))[method];
        assert!(operation.is_object(), "{method} {path} missing");
        for (status, response) in operation["responses"].as_object().unwrap() {
            assert!(
                response["description"].is_string(),
                "{method} {path} {status} has no description"
            );
        }
    }
}

#[tokio::test]
async fn the_docs_page_is_served_without_a_cdn() {
    let app = spawn_app().await;
    let redirect = app.get("/api/docs", None).await;
    assert_eq!(redirect.status, 308);
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"));
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "the page loads something from elsewhere"
    );
    let script = app.get("/api/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(script.status, 200);
    assert!(script.text.len() > 100_000);
}
