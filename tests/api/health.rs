//! Health, the OpenAPI document and the docs page.

use crate::helpers::*;

db_test!(health_answers_ok_once_the_database_answers, |app| {
    let reply = app.get("/health", None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, serde_json::json!({"status": "ok"}));
});

db_test!(
    readiness_answers_ready_with_each_check_once_the_server_can_serve,
    |app| {
        let reply = app.get("/health/ready", None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.body["status"], "ready");
        for check in ["database", "migrations", "pools"] {
            assert_eq!(
                reply.body["checks"][check]["status"], "ok",
                "{check}: {}",
                reply.body
            );
        }
        let known = invigilator::persistence::schema::known_migrations().len();
        assert_eq!(
            reply.body["checks"]["migrations"]["detail"],
            format!("{known} applied")
        );
    }
);

db_test!(
    readiness_answers_503_naming_migrations_when_one_is_not_applied,
    |app| {
        use sea_orm::ConnectionTrait;
        let latest = invigilator::persistence::schema::known_migrations()
            .pop()
            .unwrap();
        app.state
            .db
            .execute_unprepared(&format!(
                "DELETE FROM seaql_migrations WHERE version = '{latest}'"
            ))
            .await
            .unwrap();
        let reply = app.get("/health/ready", None).await;
        assert_eq!(reply.status, 503, "{}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json");
        assert_eq!(reply.body["type"], "urn:invigilator:problem:not-ready");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains("migrations"), "{detail}");
        assert!(detail.contains(&latest), "{detail}");
        assert!(!detail.contains("database:"), "{detail}");
        assert_eq!(reply.body["checks"]["migrations"]["status"], "failing");
        assert_eq!(reply.body["checks"]["database"]["status"], "ok");
        assert_eq!(reply.body["checks"]["pools"]["status"], "ok");
        // Liveness is unchanged: the process is fine, it is just not fit for traffic.
        assert_eq!(app.get("/health", None).await.status, 200);
    }
);

db_test!(
    a_database_migrated_by_a_newer_server_keeps_a_running_server_ready,
    |app| {
        use sea_orm::ConnectionTrait;
        app.state
        .db
        .execute_unprepared(
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000000_from_a_newer_server', 0)",
        )
        .await
        .unwrap();
        let reply = app.get("/health/ready", None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let detail = reply.body["checks"]["migrations"]["detail"]
            .as_str()
            .unwrap();
        assert!(detail.contains("1 from a newer version"), "{detail}");
    }
);

db_test!(
    once_a_shutdown_has_begun_readiness_says_shutting_down,
    |app| {
        use invigilator::app::health::{Readiness, readiness};
        assert!(matches!(readiness(&app.state).await, Readiness::Ready(_)));
        // What SIGTERM does: the server stops taking connections, so the answer is read
        // from the use case the route calls.
        app.state.shutdown.cancel();
        assert!(matches!(
            readiness(&app.state).await,
            Readiness::ShuttingDown
        ));
    }
);

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_every_contract_path() {
    let app = spawn_app().await;
    let reply = app.get("/api/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = reply.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/health", "get"),
        ("/health/ready", "get"),
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
        ("/api/v1/me/credentials", "post"),
        ("/api/v1/me/experience", "post"),
        ("/api/v1/me/evidence", "get"),
        ("/api/v1/me/courses", "get"),
        ("/api/v1/admin/evidence", "get"),
        ("/api/v1/admin/evidence/{id}/decision", "post"),
        ("/api/v1/admin/candidates", "get"),
        ("/api/v1/admin/candidates/{id}/extra-time", "post"),
        ("/api/v1/admin/atos", "post"),
        ("/api/v1/admin/atos/{id}/accreditations", "post"),
        (
            "/api/v1/admin/atos/{id}/accreditations/{accreditation}/status",
            "post",
        ),
        ("/api/v1/admin/atos/{id}/invitations", "post"),
        ("/api/v1/invitations/accept", "post"),
        ("/api/v1/ato", "get"),
        ("/api/v1/ato/invitations", "post"),
        ("/api/v1/ato/courses", "post"),
        ("/api/v1/ato/courses/{id}/enrolments", "post"),
        ("/api/v1/ato/courses/{id}/enrolments/csv", "post"),
        ("/api/v1/ato/courses/{id}/enrolments.csv", "get"),
        (
            "/api/v1/ato/courses/{id}/enrolments/{enrolment}/outcome",
            "put",
        ),
        ("/api/v1/ato/results", "get"),
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

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_synchronous_writes_and_foreign_keys() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    let db = &app.state.db;
    let pragma = |name: &str| {
        let sql = format!("PRAGMA {name}");
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
                .unwrap()
        }
    };
    assert_eq!(pragma("journal_mode").await, "wal");
    assert_eq!(pragma("synchronous").await, "2", "2 is FULL");
    assert_eq!(pragma("foreign_keys").await, "1");
}

#[tokio::test]
async fn the_server_refuses_to_start_on_an_invalid_pool() {
    let dir = tempfile::tempdir().unwrap();
    let edition = dir.path().join("broken");
    std::fs::create_dir_all(&edition).unwrap();
    std::fs::write(edition.join("scheme.toml"), "scheme = \"x\"\n").unwrap();
    let mut settings =
        invigilator::config::load(&repo_root(), invigilator::config::Environment::Test).unwrap();
    settings.server.port = 0;
    settings.database.url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    )
    .into();
    settings.pools.dir = dir.path().to_owned();
    let error = match invigilator::startup::Application::build(settings).await {
        Ok(_) => panic!("the server started on an invalid pool"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("broken/scheme.toml"), "{error}");
    assert!(error.contains("edition"), "{error}");
}
