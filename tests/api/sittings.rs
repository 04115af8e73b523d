//! Sitting a Foundation paper: start, answer, change, resume, submit, result.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::helpers::*;

fn questions(sitting: &Value) -> &Vec<Value> {
    sitting["questions"].as_array().unwrap()
}

db_test!(
    a_foundation_sitting_follows_the_blueprint_and_the_clock,
    |app| {
        let candidate = app.candidate().await;
        let before = app.now();
        let sitting = app.start_foundation(&candidate.token).await;
        assert_eq!(sitting["status"], "in_progress");
        assert_eq!(sitting["qualification"], "iso20000-foundation");
        assert_eq!(sitting["edition"], "2011");
        let started = time::OffsetDateTime::parse(
            sitting["started_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let deadline = time::OffsetDateTime::parse(
            sitting["deadline"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(started, before);
        assert_eq!(deadline - started, time::Duration::minutes(60));
        assert_eq!(sitting["remaining_seconds"], 3600);
        assert_eq!(sitting["book"], "closed");

        let qs = questions(&sitting);
        assert_eq!(qs.len(), 40);
        let numbers: Vec<u64> = qs.iter().map(|q| q["number"].as_u64().unwrap()).collect();
        assert_eq!(numbers, (1..=40).collect::<Vec<_>>());
        let mut per_area: BTreeMap<String, u32> = BTreeMap::new();
        for q in qs {
            *per_area
                .entry(q["area"].as_str().unwrap().to_owned())
                .or_default() += 1;
            let labels: Vec<&str> = q["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["label"].as_str().unwrap())
                .collect();
            assert_eq!(labels, ["A", "B", "C", "D"]);
            assert_eq!(q["style"], "classic");
            assert!(q["answer"].is_null());
        }
        let expected: BTreeMap<String, u32> = [
            ("OV", 6),
            ("MS", 10),
            ("NC", 4),
            ("SD", 8),
            ("RP", 4),
            ("RS", 4),
            ("CP", 4),
        ]
        .map(|(a, n)| (a.to_owned(), n))
        .into();
        assert_eq!(per_area, expected);

        app.advance(time::Duration::minutes(10));
        let resumed = app
            .get(
                &format!("/api/v1/sittings/{}", sitting["id"].as_str().unwrap()),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(resumed.body["remaining_seconds"], 3000);

        // The pool's hash is recorded with the paper.
        let stored = app.stored(sitting["id"].as_str().unwrap()).await;
        let (edition, _) = app.state.catalog.find("iso20000-foundation", None).unwrap();
        assert_eq!(stored.pool_hash, edition.pool_hash);
    }
);

db_test!(options_are_shuffled_per_sitting, |app| {
    let candidate = app.candidate().await;
    let sitting = app.start_foundation(&candidate.token).await;
    let (_, pool) = app.state.catalog.find("iso20000-foundation", None).unwrap();
    let written: BTreeMap<String, Vec<String>> = pool
        .questions
        .iter()
        .map(|q| match &q.items[0].body {
            invigilator::domain::pool::ItemBody::Classic { options, .. } => {
                (q.items[0].stem.clone(), options.clone())
            }
            _ => unreachable!(),
        })
        .collect();
    let mut reordered = 0;
    for q in questions(&sitting) {
        let shown: Vec<String> = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["text"].as_str().unwrap().to_owned())
            .collect();
        let original = &written[q["stem"].as_str().unwrap()];
        let mut a = shown.clone();
        let mut b = original.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "the options shown are the item's options");
        if &shown != original {
            reordered += 1;
        }
    }
    assert!(
        reordered >= 20,
        "only {reordered} of 40 items had their options shuffled"
    );
});

db_test!(answers_are_saved_changed_resumed_and_scored, |app| {
    let candidate = app.candidate().await;
    let sitting = app.start_foundation(&candidate.token).await;
    let id = sitting["id"].as_str().unwrap();

    // Answer everything wrong, then change 30 answers to the key.
    app.answer_all(&candidate.token, id, 0).await;
    for number in 1..=30 {
        let key = app.key_of(id, number).await;
        let saved = app.save_answer(&candidate.token, id, number, &key).await;
        assert_eq!(saved.status, 200);
        assert_eq!(saved.body["answer"]["choice"], key.as_str());
    }
    // Saving the same answer twice is harmless.
    let key = app.key_of(id, 1).await;
    assert_eq!(
        app.save_answer(&candidate.token, id, 1, &key).await.status,
        200
    );

    let resumed = app
        .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
        .await;
    assert_eq!(resumed.body["answered"], 40);
    for q in questions(&resumed.body) {
        let number = q["number"].as_u64().unwrap() as u32;
        let expected = if number <= 30 {
            app.key_of(id, number).await
        } else {
            app.wrong_of(id, number).await
        };
        assert_eq!(
            q["answer"]["choice"],
            expected.as_str(),
            "question {number}"
        );
    }

    let result = app.submit(&candidate.token, id).await;
    assert_eq!(result.status, 200, "{}", result.text);
    assert_eq!(result.body["score"], 30);
    assert_eq!(result.body["max_score"], 40);
    assert_eq!(result.body["pass_mark"], 26);
    assert_eq!(result.body["passed"], true);
    assert_eq!(result.body["status"], "submitted");
    let areas = result.body["areas"].as_array().unwrap();
    assert_eq!(areas.len(), 7);
    assert_eq!(
        areas
            .iter()
            .map(|a| a["score"].as_u64().unwrap())
            .sum::<u64>(),
        30
    );
    assert_eq!(
        areas
            .iter()
            .map(|a| a["max_score"].as_u64().unwrap())
            .sum::<u64>(),
        40
    );
    assert_eq!(areas[0]["area"], "OV");
    assert_eq!(areas[0]["max_score"], 6);

    let again = app.result(&candidate.token, id).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, result.body);
    let stored = app.stored(id).await;
    assert_eq!(stored.result.unwrap().score, 30);
});

db_test!(a_score_below_the_pass_mark_fails, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&candidate.token, &id, 25).await;
    let result = app.submit(&candidate.token, &id).await;
    assert_eq!(result.body["score"], 25);
    assert_eq!(result.body["passed"], false);
});

db_test!(unanswered_questions_score_nothing, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let result = app.submit(&candidate.token, &id).await;
    assert_eq!(result.body["score"], 0);
    assert_eq!(result.body["passed"], false);
});

db_test!(a_second_submit_is_a_conflict_and_changes_nothing, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&candidate.token, &id, 10).await;
    assert_eq!(app.submit(&candidate.token, &id).await.status, 200);
    app.submit(&candidate.token, &id).await.problem(409);
    let late = app
        .save_answer(&candidate.token, &id, 11, &app.key_of(&id, 11).await)
        .await;
    late.problem(409);
    assert_eq!(app.result(&candidate.token, &id).await.body["score"], 10);
});

db_test!(
    a_second_sitting_while_one_is_in_progress_is_a_conflict,
    |app| {
        let candidate = app.candidate().await;
        let first = app.start_foundation(&candidate.token).await;
        let second = app
            .start_sitting(&candidate.token, "iso20000-foundation")
            .await;
        assert_eq!(second.problem(409)["sitting_id"], first["id"]);
        // Once the first is submitted, another may start.
        app.submit(&candidate.token, first["id"].as_str().unwrap())
            .await;
        assert_eq!(
            app.start_sitting(&candidate.token, "iso20000-foundation")
                .await
                .status,
            201
        );
    }
);

db_test!(concurrent_starts_create_one_sitting, |app| {
    let candidate = app.candidate().await;
    let replies = futures_join(&app, &candidate.token).await;
    let created = replies.iter().filter(|s| **s == 201).count();
    let conflicts = replies.iter().filter(|s| **s == 409).count();
    assert_eq!((created, conflicts), (1, replies.len() - 1), "{replies:?}");
});

async fn futures_join(app: &TestApp, token: &str) -> Vec<u16> {
    let mut handles = Vec::new();
    for _ in 0..6 {
        let client = app.client.clone();
        let url = app.url("/api/v1/sittings");
        let token = token.to_owned();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({"qualification": "iso20000-foundation"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    statuses
}

db_test!(another_candidates_sitting_answers_404_everywhere, |app| {
    let owner = app.candidate().await;
    let other = app.candidate().await;
    let id = app.start_foundation(&owner.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/api/v1/sittings/{id}"), Some(&other.token))
        .await
        .problem(404);
    app.save_answer(&other.token, &id, 1, "A")
        .await
        .problem(404);
    app.submit(&other.token, &id).await.problem(404);
    app.result(&other.token, &id).await.problem(404);
    // Nothing was written by the stranger.
    assert!(
        invigilator::app::sittings::answers_of(&app.state, id.parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.stored(&id).await.status,
        invigilator::domain::sitting::SittingStatus::InProgress
    );
    // Unknown and malformed ids look the same.
    app.get(
        &format!("/api/v1/sittings/{}", uuid::Uuid::now_v7()),
        Some(&owner.token),
    )
    .await
    .problem(404);
    app.get("/api/v1/sittings/not-a-uuid", Some(&owner.token))
        .await
        .problem(404);
});

db_test!(answers_that_do_not_fit_the_question_are_refused, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad = app.save_answer(&candidate.token, &id, 1, "E").await;
    bad.problem(422);
    assert_eq!(bad.fields(), ["choice"]);
    app.save_answer(&candidate.token, &id, 1, "b")
        .await
        .problem(422);
    app.save_answer(&candidate.token, &id, 41, "A")
        .await
        .problem(404);
    app.save_answer(&candidate.token, &id, 0, "A")
        .await
        .problem(404);
    let wrong_shape = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/sittings/{id}/answers/1"),
            Some(serde_json::json!({"choices": ["A"]})),
            Some(&candidate.token),
        )
        .await;
    wrong_shape.problem(422);
    assert!(
        invigilator::app::sittings::answers_of(&app.state, id.parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
});

db_test!(
    the_result_of_a_sitting_in_progress_is_not_yet_available,
    |app| {
        let candidate = app.candidate().await;
        let id = app.start_foundation(&candidate.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.result(&candidate.token, &id).await.problem(409);
    }
);
