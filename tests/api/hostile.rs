//! Thirty-odd named hostile or broken inputs. Each gets a 4xx problem+json that names
//! the field (or, for a body that is not JSON at all, says what is wrong with the body),
//! and the database is exactly as it was before (every table counted and hashed).

use std::collections::BTreeMap;

use invigilator::domain::pool::ItemBody;
use reqwest::Method;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Candidate, PASSWORD, Staff, TestApp, db_test};

/// What the problem must name.
enum Names {
    /// A field in `errors[].field`.
    Field(&'static str),
    /// Words in `detail` (a body that is not JSON has no fields).
    Detail(&'static str),
}

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    names: Names,
}

fn case(
    name: &'static str,
    method: Method,
    path: impl Into<String>,
    token: Option<&str>,
    body: Body,
    status: u16,
    names: Names,
) -> Case {
    let (content_type, body) = match body {
        Body::Json(v) => (Some("application/json"), v.to_string().into_bytes()),
        Body::Raw(ct, bytes) => (ct, bytes),
        Body::None => (None, Vec::new()),
    };
    Case {
        name,
        method,
        path: path.into(),
        token: token.map(str::to_owned),
        content_type,
        body,
        status,
        names,
    }
}

enum Body {
    Json(Value),
    Raw(Option<&'static str>, Vec<u8>),
    None,
}

fn json(v: Value) -> Body {
    Body::Json(v)
}

fn raw(content_type: &'static str, bytes: impl Into<Vec<u8>>) -> Body {
    Body::Raw(Some(content_type), bytes.into())
}

fn csv(bytes: impl Into<Vec<u8>>) -> Body {
    raw("text/csv", bytes)
}

fn register(given_name: &str) -> Value {
    json!({"email": "hostile@example.org", "password": PASSWORD, "given_name": given_name, "family_name": "Okafor"})
}

/// Every table's row count and a hash of its rows, read through the server's own
/// connection. `throttle` is left out: it counts requests per client address, which a
/// refused request is, and holds nothing a user wrote.
async fn snapshot(app: &TestApp) -> BTreeMap<String, (usize, String)> {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let list = match backend {
        DatabaseBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        _ => "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'",
    };
    let tables: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, list))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "t").unwrap())
        .filter(|t| t != "throttle")
        .collect();
    assert!(tables.len() >= 20, "the tables: {tables:?}");
    let mut snapshot = BTreeMap::new();
    for table in tables {
        let columns_sql = match backend {
            DatabaseBackend::Sqlite => {
                format!("SELECT name AS c FROM pragma_table_info('{table}')")
            }
            _ => format!(
                "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}' ORDER BY ordinal_position"
            ),
        };
        let columns: Vec<String> = db
            .query_all_raw(Statement::from_string(backend, columns_sql))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "c").unwrap())
            .collect();
        let select = columns
            .iter()
            .map(|c| match backend {
                // quote() renders any value as text, a blob as X'…'.
                DatabaseBackend::Sqlite => format!("quote(\"{c}\")"),
                _ => format!("CAST(\"{c}\" AS TEXT)"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT {select} FROM \"{table}\""),
            ))
            .await
            .unwrap();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                (0..columns.len())
                    .map(|i| {
                        r.try_get_by_index::<Option<String>>(i)
                            .unwrap()
                            .unwrap_or_else(|| "NULL".into())
                    })
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            })
            .collect();
        lines.sort();
        let hash = hex::encode(Sha256::digest(lines.join("\u{1e}").as_bytes()));
        snapshot.insert(table, (lines.len(), hash));
    }
    snapshot
}

/// The people and things the inputs aim at.
struct Targets {
    a: Candidate,
    admin: Candidate,
    staff: Staff,
    course: String,
    /// A's sitting in progress, a closed one, and B's in progress.
    open: String,
    closed: String,
    foreign: String,
    /// A Practitioner sitting in progress (of candidate P) and its item numbers by style.
    practitioner: (Candidate, String),
    multiple_response: u32,
    sequencing: u32,
}

async fn targets(app: &TestApp) -> Targets {
    let admin = app.admin().await;
    let a = app.candidate().await;
    let b = app.candidate().await;
    let closed = app.start_foundation(&a.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.submit(&a.token, &closed).await.status, 200);
    let open = app.start_foundation(&a.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let foreign = app.start_foundation(&b.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The paper is drawn at random: a scenario may lack a style, so candidates sit it
    // until one paper holds a multiple-response and a sequencing item (almost always the
    // first; the loop keeps the test from depending on the draw).
    let mut drawn = None;
    for _ in 0..20 {
        let p = app.candidate().await;
        let evidence = app.declare_credential(&p.token, "itil-foundation").await;
        assert_eq!(
            app.decide(&admin.token, &evidence, "approve", None)
                .await
                .status,
            200
        );
        let reply = app.start_sitting(&p.token, "iso20000-practitioner").await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let practitioner = reply.body["id"].as_str().unwrap().to_owned();
        let paper = app.stored(&practitioner).await.paper;
        let number_of = |wanted: fn(&ItemBody) -> bool| {
            paper
                .items
                .iter()
                .find(|i| wanted(&i.body))
                .map(|i| i.number)
        };
        if let (Some(multiple_response), Some(sequencing)) = (
            number_of(|b| matches!(b, ItemBody::MultipleResponse { .. })),
            number_of(|b| matches!(b, ItemBody::Sequencing { .. })),
        ) {
            drawn = Some((p, practitioner, multiple_response, sequencing));
            break;
        }
    }
    let (p, practitioner, multiple_response, sequencing) =
        drawn.expect("one of 20 Practitioner papers has a multiple-response and a sequencing item");
    let staff = app.ato(&admin, &["iso20000-foundation"]).await;
    let course = app.course(&staff, "iso20000-foundation", 10, 12).await;
    Targets {
        a,
        admin,
        staff,
        course,
        open,
        closed,
        foreign,
        practitioner: (p, practitioner),
        multiple_response,
        sequencing,
    }
}

fn cases(t: &Targets) -> Vec<Case> {
    use Method as M;
    use Names::{Detail, Field};
    let a = Some(t.a.token.as_str());
    let admin = Some(t.admin.token.as_str());
    let staff = Some(t.staff.token.as_str());
    let (p, practitioner) = (&t.practitioner.0, &t.practitioner.1);
    let answer = |sitting: &str, n: u32| format!("/api/v1/sittings/{sitting}/answers/{n}");
    let roster = format!("/api/v1/ato/courses/{}/enrolments/csv", t.course);
    let reg = "/api/v1/auth/register";
    let header = "given_name,family_name,email\n";
    let ten_thousand_rows: String = std::iter::once(header.to_owned())
        .chain((0..10_000).map(|i| format!("A,B,d{i}@e.io\n")))
        .collect();
    let mut deep = "[".repeat(2_000);
    deep.push_str(&"]".repeat(2_000));
    let mut latin1_json =
        br#"{"email":"zoe@example.org","password":"correct horse battery staple","given_name":"Zo"#
            .to_vec();
    latin1_json.extend_from_slice(b"\xeb\",\"family_name\":\"Okafor\"}");
    vec![
        case(
            "malformed JSON",
            M::POST,
            reg,
            None,
            raw(
                "application/json",
                r#"{"email": "zoe@example.org", "password":"#,
            ),
            400,
            Detail("not valid JSON"),
        ),
        case(
            "JSON followed by garbage",
            M::POST,
            reg,
            None,
            raw("application/json", format!("{}garbage", register("Zoë"))),
            400,
            Detail("not valid JSON"),
        ),
        case(
            "a UTF-8 byte-order mark before the JSON",
            M::POST,
            reg,
            None,
            raw(
                "application/json",
                [
                    b"\xef\xbb\xbf".as_slice(),
                    register("Zoë").to_string().as_bytes(),
                ]
                .concat(),
            ),
            400,
            Detail("not valid JSON"),
        ),
        case(
            "Latin-1 bytes inside a JSON string",
            M::POST,
            reg,
            None,
            raw("application/json", latin1_json),
            400,
            Detail("not valid JSON"),
        ),
        case(
            "JSON sent as text/plain",
            M::POST,
            reg,
            None,
            raw("text/plain", register("Zoë").to_string()),
            415,
            Detail("Content-Type: application/json"),
        ),
        case(
            "JSON sent as a form",
            M::POST,
            reg,
            None,
            raw(
                "application/x-www-form-urlencoded",
                "email=a%40b.c&password=x",
            ),
            415,
            Detail("Content-Type: application/json"),
        ),
        case(
            "a body with no content type",
            M::PUT,
            answer(&t.open, 1),
            a,
            Body::Raw(None, br#"{"choice":"A"}"#.to_vec()),
            415,
            Detail("Content-Type: application/json"),
        ),
        case(
            "an oversized body (64 KB)",
            M::POST,
            reg,
            None,
            json(register(&"x".repeat(64 * 1024))),
            413,
            Detail("the body must be at most"),
        ),
        case(
            "a body nested 2,000 deep under a field",
            M::PUT,
            answer(&t.open, 1),
            a,
            raw("application/json", format!(r#"{{"choice":{deep}}}"#)),
            422,
            Field("choice"),
        ),
        case(
            "a body that is 2,000 nested arrays",
            M::PUT,
            answer(&t.open, 1),
            a,
            raw("application/json", deep.clone()),
            422,
            Field("[0]"),
        ),
        case(
            "an unknown field (a role)",
            M::POST,
            reg,
            None,
            json(
                json!({"email": "x@example.org", "password": PASSWORD, "given_name": "Zoë", "family_name": "Okafor", "roles": ["admin"]}),
            ),
            422,
            Field("roles"),
        ),
        case(
            "an unknown field beside an answer",
            M::PUT,
            answer(&t.open, 1),
            a,
            json(json!({"choice": "A", "key": "A"})),
            422,
            Field("key"),
        ),
        case(
            "a missing field",
            M::POST,
            reg,
            None,
            json(json!({"email": "x@example.org", "given_name": "Zoë", "family_name": "Okafor"})),
            422,
            Field("password"),
        ),
        case(
            "a number where a label goes",
            M::PUT,
            answer(&t.open, 1),
            a,
            json(json!({"choice": 2})),
            422,
            Field("choice"),
        ),
        case(
            "null for a required field",
            M::POST,
            "/api/v1/sittings",
            a,
            json(json!({"qualification": null})),
            422,
            Field("qualification"),
        ),
        case(
            "a sitting id that is not a UUID",
            M::PUT,
            answer("not-a-uuid", 1),
            a,
            json(json!({"choice": "A"})),
            404,
            Detail("sitting"),
        ),
        case(
            "a UUID with a trailing quote",
            M::GET,
            format!("/api/v1/sittings/{}'", t.open),
            a,
            Body::None,
            404,
            Detail("sitting"),
        ),
        case(
            "an evidence id that is not a UUID",
            M::POST,
            "/api/v1/admin/evidence/1%20OR%201=1/decision",
            admin,
            json(json!({"decision": "approve"})),
            404,
            Detail("evidence"),
        ),
        case(
            "question number 0",
            M::PUT,
            answer(&t.open, 0),
            a,
            json(json!({"choice": "A"})),
            404,
            Detail("question"),
        ),
        case(
            "question number 41 of 40",
            M::PUT,
            answer(&t.open, 41),
            a,
            json(json!({"choice": "A"})),
            404,
            Detail("question 41"),
        ),
        case(
            "a question number past u64",
            M::PUT,
            format!(
                "/api/v1/sittings/{}/answers/99999999999999999999999",
                t.open
            ),
            a,
            json(json!({"choice": "A"})),
            404,
            Detail("question"),
        ),
        case(
            "negative extra time",
            M::POST,
            format!("/api/v1/admin/candidates/{}/extra-time", t.a.id),
            admin,
            json(json!({"percent": -5, "reason": "assessed"})),
            422,
            Field("percent"),
        ),
        case(
            "extra time of 10^30 percent",
            M::POST,
            format!("/api/v1/admin/candidates/{}/extra-time", t.a.id),
            admin,
            raw(
                "application/json",
                r#"{"percent": 1000000000000000000000000000000, "reason": "assessed"}"#,
            ),
            422,
            Field("percent"),
        ),
        case(
            "an extension of 0 minutes",
            M::POST,
            format!("/api/v1/admin/sittings/{}/extension", t.open),
            admin,
            json(json!({"minutes": 0, "reason": "fire alarm"})),
            422,
            Field("minutes"),
        ),
        case(
            "minus one year of audit experience",
            M::POST,
            "/api/v1/me/experience",
            a,
            json(json!({"years": -1, "description": "Audits"})),
            422,
            Field("years"),
        ),
        case(
            "a search without its required parameter",
            M::GET,
            "/api/v1/admin/candidates",
            admin,
            Body::None,
            422,
            Field("email"),
        ),
        case(
            "a status filter that is not a status",
            M::GET,
            "/api/v1/admin/evidence?status=approved%27%20OR%20%271%27=%271",
            admin,
            Body::None,
            422,
            Field("status"),
        ),
        case(
            "a page size that is not a number",
            M::GET,
            "/api/v1/me/sittings?limit=1e9",
            a,
            Body::None,
            422,
            Field("limit"),
        ),
        case(
            "an option the question does not have",
            M::PUT,
            answer(&t.open, 1),
            a,
            json(json!({"choice": "Z"})),
            422,
            Field("choice"),
        ),
        case(
            "an empty choice",
            M::PUT,
            answer(&t.open, 1),
            a,
            json(json!({"choice": ""})),
            422,
            Field("choice"),
        ),
        case(
            "two answer fields at once",
            M::PUT,
            answer(&t.open, 1),
            a,
            json(json!({"choice": "A", "choices": ["A", "B"]})),
            422,
            Field("choice"),
        ),
        case(
            "the same option chosen twice",
            M::PUT,
            answer(practitioner, t.multiple_response),
            Some(&p.token),
            json(json!({"choices": ["A", "A"]})),
            422,
            Field("choices"),
        ),
        case(
            "the same step placed twice",
            M::PUT,
            answer(practitioner, t.sequencing),
            Some(&p.token),
            json(json!({"order": ["A", "A", "A", "A"]})),
            422,
            Field("order"),
        ),
        case(
            "an answer to a closed sitting",
            M::PUT,
            answer(&t.closed, 1),
            a,
            json(json!({"choice": "A"})),
            409,
            Detail("closed"),
        ),
        case(
            "an answer to another candidate's sitting",
            M::PUT,
            answer(&t.foreign, 1),
            a,
            json(json!({"choice": "A"})),
            404,
            Detail("sitting"),
        ),
        case(
            "a submit of another candidate's sitting",
            M::POST,
            format!("/api/v1/sittings/{}/submit", t.foreign),
            a,
            Body::None,
            404,
            Detail("sitting"),
        ),
        case(
            "a roster whose header is a formula",
            M::POST,
            &roster,
            staff,
            csv("=cmd|' /C calc'!A0,family_name,email\nEve,Smith,eve@example.org\n"),
            422,
            Field("file"),
        ),
        case(
            "a roster in UTF-16 with its byte-order mark",
            M::POST,
            &roster,
            staff,
            csv([
                b"\xff\xfe".as_slice(),
                &header
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes)
                    .collect::<Vec<_>>(),
            ]
            .concat()),
            422,
            Field("file"),
        ),
        case(
            "a roster in Latin-1",
            M::POST,
            &roster,
            staff,
            csv([header.as_bytes(), b"Zo\xeb,M\xfcller,zoe@example.org\n"].concat()),
            422,
            Field("file"),
        ),
        case(
            "a roster of 10,000 rows",
            M::POST,
            &roster,
            staff,
            csv(ten_thousand_rows),
            422,
            Field("file"),
        ),
        case(
            "a roster that is empty",
            M::POST,
            &roster,
            staff,
            csv(""),
            422,
            Field("file"),
        ),
        case(
            "a roster sent as JSON",
            M::POST,
            &roster,
            staff,
            json(json!([{"email": "eve@example.org"}])),
            415,
            Detail("text/csv"),
        ),
        case(
            "a bell character in a name",
            M::POST,
            reg,
            None,
            json(register("Zo\u{7}ë")),
            422,
            Field("given_name"),
        ),
        case(
            "a NUL in a name",
            M::POST,
            reg,
            None,
            json(register("Zoë\u{0}")),
            422,
            Field("given_name"),
        ),
        case(
            "a right-to-left override in a name",
            M::POST,
            reg,
            None,
            json(register("Zoë\u{202e}fdp.exe")),
            422,
            Field("given_name"),
        ),
        case(
            "a bidi isolate in a new name",
            M::PUT,
            "/api/v1/me/name",
            a,
            json(json!({"given_name": "Zoë", "family_name": "\u{2067}Okafor\u{2069}"})),
            422,
            Field("family_name"),
        ),
        case(
            "a 10 KB name",
            M::POST,
            reg,
            None,
            json(register(&"Ж".repeat(5 * 1024))),
            422,
            Field("given_name"),
        ),
        case(
            "a name of spaces",
            M::POST,
            reg,
            None,
            json(register("   \t ")),
            422,
            Field("given_name"),
        ),
    ]
}

async fn send(app: &TestApp, case: &Case) -> (u16, String, Value, String) {
    let mut request = app
        .client
        .request(case.method.clone(), app.url(&case.path))
        .body(case.body.clone());
    if let Some(token) = &case.token {
        request = request.bearer_auth(token);
    }
    if let Some(content_type) = case.content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, content_type, body, text)
}

db_test!(
    thirty_odd_hostile_inputs_are_refused_by_name_and_change_nothing,
    |app| {
        let targets = targets(&app).await;
        let cases = cases(&targets);
        assert!(cases.len() >= 30, "{} cases", cases.len());
        let before = snapshot(&app).await;
        let mut failures = Vec::new();
        for case in &cases {
            let (status, content_type, body, text) = send(&app, case).await;
            let fields: Vec<&str> = body["errors"]
                .as_array()
                .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
                .unwrap_or_default();
            let detail = body["detail"].as_str().unwrap_or_default();
            let named = match case.names {
                Names::Field(f) => fields.contains(&f),
                Names::Detail(d) => detail.contains(d),
            };
            if status != case.status
                || content_type != "application/problem+json"
                || body["status"] != case.status
                || !body["title"].is_string()
                || !named
            {
                failures.push(format!(
                    "{}: expected {} naming {}; got {status} {content_type} {}",
                    case.name,
                    case.status,
                    match case.names {
                        Names::Field(f) => format!("field {f}"),
                        Names::Detail(d) => format!("“{d}”"),
                    },
                    text.chars().take(300).collect::<String>()
                ));
            }
        }
        let after = snapshot(&app).await;
        for (table, was) in &before {
            let now = &after[table];
            if now != was {
                failures.push(format!(
                    "table {table} changed: {} rows before, {} after",
                    was.0, now.0
                ));
            }
        }
        eprintln!(
            "hostile inputs: {} named cases, {} tables compared",
            cases.len(),
            before.len()
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
);
