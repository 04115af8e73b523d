//! No candidate-facing response ever carries a key, a rationale or marking data.

use serde_json::Value;

use crate::helpers::*;

const FORBIDDEN_FIELDS: [&str; 7] = [
    "key",
    "keys",
    "rationale",
    "awarded",
    "item_id",
    "clause",
    "seed",
];

fn walk(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if FORBIDDEN_FIELDS.contains(&k.as_str()) {
                    found.push(format!("{path}.{k}"));
                }
                walk(v, &format!("{path}.{k}"), found);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

db_test!(
    no_candidate_response_of_a_whole_sitting_contains_a_key_or_rationale,
    |app| {
        let candidate = app.candidate().await;
        let mut replies: Vec<(String, Reply)> = Vec::new();
        let start = app
            .start_sitting(&candidate.token, "iso20000-foundation")
            .await;
        let id = start.body["id"].as_str().unwrap().to_owned();
        replies.push(("start".into(), start));
        for number in 1..=40 {
            let choice = if number % 2 == 0 {
                app.key_of(&id, number).await
            } else {
                app.wrong_of(&id, number).await
            };
            replies.push((
                format!("save {number}"),
                app.save_answer(&candidate.token, &id, number, &choice)
                    .await,
            ));
        }
        replies.push((
            "bad save".into(),
            app.save_answer(&candidate.token, &id, 1, "Z").await,
        ));
        replies.push((
            "get".into(),
            app.get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
                .await,
        ));
        replies.push((
            "early result".into(),
            app.result(&candidate.token, &id).await,
        ));
        replies.push((
            "second start".into(),
            app.start_sitting(&candidate.token, "iso20000-foundation")
                .await,
        ));
        replies.push(("submit".into(), app.submit(&candidate.token, &id).await));
        replies.push((
            "second submit".into(),
            app.submit(&candidate.token, &id).await,
        ));
        replies.push((
            "late save".into(),
            app.save_answer(&candidate.token, &id, 1, "A").await,
        ));
        replies.push(("result".into(), app.result(&candidate.token, &id).await));
        replies.push((
            "get after".into(),
            app.get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
                .await,
        ));
        replies.push((
            "eligibility".into(),
            app.get("/api/v1/me/eligibility", Some(&candidate.token))
                .await,
        ));
        replies.push((
            "qualifications".into(),
            app.get("/api/v1/qualifications", None).await,
        ));
        replies.push((
            "me".into(),
            app.get("/api/v1/me", Some(&candidate.token)).await,
        ));

        let (_, pool) = app.state.catalog.find("iso20000-foundation", None).unwrap();
        let rationales: Vec<&str> = pool
            .questions
            .iter()
            .flat_map(|q| q.items.iter().map(|i| i.rationale.as_str()))
            .collect();
        let ids: Vec<&str> = pool.questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(replies.len(), 53);
        for (what, reply) in &replies {
            let mut found = Vec::new();
            walk(&reply.body, "$", &mut found);
            assert!(found.is_empty(), "{what} exposes {found:?}");
            for r in &rationales {
                assert!(!reply.text.contains(r), "{what} contains a rationale");
            }
            for item in &ids {
                assert!(!reply.text.contains(item), "{what} names item {item}");
            }
        }
    }
);

db_test!(
    no_candidate_response_of_a_practitioner_sitting_reveals_a_key,
    |app| {
        let candidate = app.candidate().await;
        let admin = app.admin().await;
        let evidence = app
            .declare_credential(&candidate.token, "itil-foundation")
            .await;
        app.decide(&admin.token, &evidence, "approve", None).await;
        let mut replies: Vec<(String, Reply)> = Vec::new();
        let start = app
            .start_sitting(&candidate.token, "iso20000-practitioner")
            .await;
        let id = start.body["id"].as_str().unwrap().to_owned();
        let numbers: Vec<u32> = start.body["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["number"].as_u64().unwrap() as u32)
            .collect();
        replies.push(("start".into(), start));
        for number in numbers {
            let body = app.correct_response(&id, number).await;
            replies.push((
                format!("save {number}"),
                app.put_answer(&candidate.token, &id, number, body).await,
            ));
        }
        replies.push((
            "get".into(),
            app.get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
                .await,
        ));
        replies.push(("submit".into(), app.submit(&candidate.token, &id).await));
        replies.push(("result".into(), app.result(&candidate.token, &id).await));
        replies.push((
            "evidence".into(),
            app.get("/api/v1/me/evidence", Some(&candidate.token)).await,
        ));

        let (_, pool) = app
            .state
            .catalog
            .find("iso20000-practitioner", None)
            .unwrap();
        let rationales: Vec<&str> = pool
            .questions
            .iter()
            .flat_map(|q| q.items.iter().map(|i| i.rationale.as_str()))
            .collect();
        for (what, reply) in &replies {
            let mut found = Vec::new();
            walk(&reply.body, "$", &mut found);
            assert!(found.is_empty(), "{what} exposes {found:?}");
            for r in &rationales {
                assert!(!reply.text.contains(r), "{what} contains a rationale");
            }
        }
        // Before submitting, the saved (correct) answers are echoed back, as the candidate
        // gave them; the sitting view itself never carries the keys.
        let view = &replies.iter().find(|(w, _)| w == "start").unwrap().1.body;
        assert!(
            view["questions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|q| q["answer"].is_null())
        );
    }
);
