//! The API contract as the OpenAPI document states it: a method a known path does not
//! answer is 405 with `Allow`, every error the document declares is problem+json with the
//! `Problem` schema, and the document's constraints are the ones the handlers enforce.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// The document as a client reads it.
async fn document(app: &TestApp) -> Value {
    let reply = app.get("/api/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    reply.body
}

db_test!(
    a_method_a_known_path_does_not_answer_is_405_naming_the_ones_it_does,
    |app| {
        let who = app.candidate().await;
        let sitting = app.start_foundation(&who.token).await;
        let id = sitting["id"].as_str().unwrap();
        for (method, path, allow) in [
            (Method::DELETE, format!("/api/v1/sittings/{id}"), "GET"),
            (
                Method::POST,
                format!("/api/v1/sittings/{id}/answers/1"),
                "PUT",
            ),
            (Method::GET, format!("/api/v1/sittings/{id}/submit"), "POST"),
            (Method::PATCH, "/api/v1/me".to_owned(), "GET"),
            (Method::PUT, "/api/v1/auth/login".to_owned(), "POST"),
            (Method::DELETE, "/health".to_owned(), "GET"),
        ] {
            let reply = app
                .send(method.clone(), &path, None, Some(&who.token))
                .await;
            assert_eq!(reply.status, 405, "{method} {path}: {}", reply.text);
            assert_eq!(
                reply.content_type, "application/problem+json",
                "{method} {path}"
            );
            assert_eq!(reply.body["status"], 405);
            assert_eq!(
                reply.headers.get("allow").and_then(|v| v.to_str().ok()),
                Some(allow),
                "{method} {path}"
            );
        }
        // The sitting was neither deleted nor submitted by those.
        let still = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&who.token))
            .await;
        assert_eq!(still.status, 200);
        assert_eq!(still.body["status"], "in_progress");
    }
);

db_test!(
    a_path_answered_by_several_methods_lists_them_all_in_allow,
    |app| {
        // GET and POST /api/v1/admin/candidates/{id}/extra-time, GET and POST /api/v1/ato/courses.
        for path in [
            "/api/v1/admin/candidates/0190d2a4-0000-7000-8000-000000000001/extra-time",
            "/api/v1/ato/courses",
        ] {
            let reply = app.send(Method::DELETE, path, None, None).await;
            assert_eq!(reply.status, 405, "{path}");
            let allow = reply.headers["allow"].to_str().unwrap().to_owned();
            let mut methods: Vec<&str> = allow.split(", ").collect();
            methods.sort_unstable();
            assert_eq!(methods, ["GET", "POST"], "{path}");
        }
    }
);

db_test!(an_unknown_path_stays_404_whatever_the_method, |app| {
    for method in [Method::GET, Method::DELETE, Method::POST] {
        for path in [
            "/api/v1/nothing-here",
            "/api/v1/sittings/abc/nothing",
            "/api/v1/sittings/",
        ] {
            let reply = app.send(method.clone(), path, None, None).await;
            assert_eq!(reply.status, 404, "{method} {path}");
            assert_eq!(reply.content_type, "application/problem+json");
            assert!(reply.headers.get("allow").is_none(), "{method} {path}");
        }
    }
});

db_test!(
    every_declared_error_is_problem_json_with_the_problem_schema,
    |app| {
        let doc = document(&app).await;
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                assert!(
                    responses.contains_key("500"),
                    "{method} {path} does not declare 500"
                );
                for (status, response) in responses {
                    if !(status.starts_with('4') || status.starts_with('5')) {
                        continue;
                    }
                    let content = response["content"].as_object().unwrap();
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                    assert_eq!(
                        content["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                    checked += 1;
                }
                if operation["security"].is_array() {
                    assert!(responses.contains_key("401"), "{method} {path} no 401");
                }
                let takes_json =
                    operation["requestBody"]["content"]["application/json"].is_object();
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        !takes_json || responses.contains_key(status),
                        "{method} {path} takes JSON but does not declare {status}"
                    );
                }
            }
        }
        assert!(checked > 200, "only {checked} error responses");
        let problem = &doc["components"]["schemas"]["Problem"];
        let mut required: Vec<&str> = problem["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        required.sort_unstable();
        assert_eq!(required, ["detail", "status", "title", "type"]);
    }
);

db_test!(operation_ids_are_unique_and_path_ids_are_uuids, |app| {
    let doc = document(&app).await;
    let mut ids = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            ids.push(operation["operationId"].as_str().unwrap().to_owned());
            for p in operation["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path"
                    && ["id", "enrolment", "accreditation"].contains(&p["name"].as_str().unwrap())
                {
                    assert_eq!(
                        p["schema"]["format"], "uuid",
                        "{method} {path} {}",
                        p["name"]
                    );
                }
            }
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operation ids");
});

db_test!(
    the_documented_constraints_are_the_ones_the_server_enforces,
    |app| {
        let doc = document(&app).await;
        let register = &doc["components"]["schemas"]["RegisterRequest"]["properties"];
        assert_eq!(register["password"]["minLength"], 10);
        assert_eq!(register["password"]["maxLength"], 128);
        assert_eq!(register["given_name"]["maxLength"], 100);
        // The codes this server offers, from its scheme files.
        let codes = doc["components"]["schemas"]["StartSittingRequest"]["properties"]["qualification"]["enum"]
        .as_array()
        .unwrap()
        .clone();
        assert!(codes.contains(&json!("iso20000-foundation")), "{codes:?}");

        // At the documented bounds the server accepts; one past them it refuses, naming the field.
        let at_most = "a".repeat(128);
        let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "bounds@example.org", "password": at_most, "given_name": "N".repeat(100), "family_name": "B"}),
            None,
        )
        .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        for (field, body) in [
            (
                "password",
                json!({"email": "b2@example.org", "password": "a".repeat(129), "given_name": "N", "family_name": "B"}),
            ),
            (
                "password",
                json!({"email": "b3@example.org", "password": "a".repeat(9), "given_name": "N", "family_name": "B"}),
            ),
            (
                "given_name",
                json!({"email": "b4@example.org", "password": PASSWORD, "given_name": "N".repeat(101), "family_name": "B"}),
            ),
            (
                "family_name",
                json!({"email": "b5@example.org", "password": PASSWORD, "given_name": "N", "family_name": "\u{7}"}),
            ),
            (
                "email",
                json!({"email": "not-an-address", "password": PASSWORD, "given_name": "N", "family_name": "B"}),
            ),
        ] {
            let reply = app.post("/api/v1/auth/register", body, None).await;
            assert_eq!(reply.status, 422, "{field}: {}", reply.text);
            assert_eq!(reply.body["errors"][0]["field"], field);
        }
        // JSON Schema's integer takes 3.0 as well as 3, and so does the server.
        let admin = app.admin().await;
        let who = app.candidate().await;
        let grant = app
            .post(
                &format!("/api/v1/admin/candidates/{}/extra-time", who.id),
                json!({"percent": 25.0, "reason": "second language"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(grant.status, 201, "{}", grant.text);
        assert_eq!(grant.body["percent"], 25);
        let fraction = app
            .post(
                &format!("/api/v1/admin/candidates/{}/extra-time", who.id),
                json!({"percent": 25.5, "reason": "second language"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(fraction.status, 422);
        assert_eq!(fraction.body["errors"][0]["field"], "percent");
    }
);

db_test!(
    every_email_field_declares_one_pattern_and_it_is_the_servers_rule,
    |app| {
        let doc = document(&app).await;
        // Every e-mail property and query parameter in the document, with its pattern.
        let mut patterns = Vec::new();
        for schema in doc["components"]["schemas"].as_object().unwrap().values() {
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                if (name == "email" || name.ends_with("_email"))
                    && let Some(p) = property["pattern"].as_str()
                {
                    patterns.push(p.to_owned());
                }
            }
        }
        for path in doc["paths"].as_object().unwrap().values() {
            for operation in path.as_object().unwrap().values() {
                for p in operation["parameters"].as_array().into_iter().flatten() {
                    if p["name"] == "email" {
                        patterns.push(p["schema"]["pattern"].as_str().unwrap().to_owned());
                    }
                }
            }
        }
        assert!(patterns.len() >= 6, "{} e-mail fields", patterns.len());
        patterns.dedup();
        assert_eq!(
            patterns.len(),
            1,
            "the e-mail fields disagree: {patterns:?}"
        );
        let pattern = regex::Regex::new(&patterns[0]).unwrap();
        // What the pattern allows, registration accepts, and what it refuses, it refuses.
        for (n, address) in [
            "o'brien+{n}@mail-1.example.ie",
            "josé{n}@exämple.org",
            "  Ada{n}@Example.ORG ",
            "ada{n}@exa/mple.org",
            "ada{n}@exa_mple.org",
            "ada{n}@-example.org",
            "ada{n}@example.org-",
            "ada{n}@example",
        ]
        .into_iter()
        .enumerate()
        {
            let address = address.replace("{n}", &n.to_string());
            let reply = app
                .post(
                    "/api/v1/auth/register",
                    json!({"email": address, "password": PASSWORD, "given_name": "N", "family_name": "B"}),
                    None,
                )
                .await;
            let allowed = pattern.is_match(&address);
            assert_eq!(
                reply.status,
                if allowed { 201 } else { 422 },
                "{address:?}: {}",
                reply.text
            );
            if !allowed {
                assert_eq!(reply.body["errors"][0]["field"], "email");
            }
        }
    }
);

db_test!(
    a_query_string_that_does_not_parse_is_a_problem_not_plain_text,
    |app| {
        let admin = app.admin().await;
        // `email` is required: without it the query does not parse.
        let reply = app
            .get("/api/v1/admin/candidates", Some(&admin.token))
            .await;
        assert_eq!(reply.status, 422, "{}", reply.text);
        assert_eq!(reply.content_type, "application/problem+json");
        assert_eq!(reply.body["status"], 422);
        assert_eq!(reply.body["errors"][0]["field"], "email", "{}", reply.text);
    }
);

/// utoipa names a schema by its type's bare name and, when two types share one, keeps
/// one of them without a word (a case's `Outcome` once replaced the enrolment's in the
/// document). Every type deriving `ToSchema` must therefore have a name of its own, or a
/// `#[schema(as = …)]` that gives it one.
#[test]
fn every_schema_type_has_a_name_of_its_own() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut names: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            // A derive list (on one line or several) that holds ToSchema …
            if !line.trim_start().starts_with("#[derive(") {
                continue;
            }
            let mut derive = String::new();
            let mut j = i;
            while j < lines.len() {
                derive.push_str(lines[j]);
                if lines[j].contains(")]") {
                    break;
                }
                j += 1;
            }
            if !derive.contains("ToSchema") {
                continue;
            }
            // … then attributes, then the item it derives for.
            let mut renamed = None;
            for next in &lines[j + 1..] {
                let next = next.trim();
                if let Some(rest) = next.split("schema(as = ").nth(1) {
                    renamed = rest.split([')', ',']).next().map(|s| s.trim().to_owned());
                }
                let item = next.strip_prefix("pub ").or(Some(next)).and_then(|n| {
                    n.strip_prefix("struct ")
                        .or_else(|| n.strip_prefix("enum "))
                });
                if let Some(item) = item {
                    let name: String = item
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let shown = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
                    names
                        .entry(renamed.unwrap_or(name))
                        .or_default()
                        .push(format!("{}:{}", shown.display(), i + 1));
                    break;
                }
            }
        }
    }
    assert!(
        names.len() > 50,
        "the scan found only {} schema types",
        names.len()
    );
    let shared: Vec<String> = names
        .iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(name, at)| format!("{name}: {}", at.join(", ")))
        .collect();
    assert!(
        shared.is_empty(),
        "schema names used by more than one type (the document would keep only one):\n{}",
        shared.join("\n")
    );
}
