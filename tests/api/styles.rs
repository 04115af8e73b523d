//! The Practitioner paper: scenario questions in every objective-testing style, each
//! response shape validated and scored.

use serde_json::{Value, json};

use crate::helpers::*;

/// A candidate allowed to sit the Practitioner paper (approved ITIL Foundation), with a
/// sitting started; returns the candidate and the sitting body.
async fn practitioner_sitting(app: &TestApp) -> (Candidate, Value) {
    let candidate = app.candidate().await;
    let admin = app.admin().await;
    let evidence = app
        .declare_credential(&candidate.token, "itil-foundation")
        .await;
    assert_eq!(
        app.decide(&admin.token, &evidence, "approve", None)
            .await
            .status,
        200
    );
    let reply = app
        .start_sitting(&candidate.token, "iso20000-practitioner")
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    (candidate, reply.body)
}

fn questions(sitting: &Value) -> Vec<Value> {
    sitting["questions"].as_array().unwrap().clone()
}

db_test!(
    a_practitioner_paper_is_four_scenarios_of_twenty_marks_in_mixed_styles,
    |app| {
        let (_, sitting) = practitioner_sitting(&app).await;
        assert_eq!(sitting["duration_minutes"], 180);
        assert_eq!(sitting["remaining_seconds"], 180 * 60);
        assert_eq!(sitting["book"], "open");
        assert!(
            sitting["permitted_material"]
                .as_str()
                .unwrap()
                .contains("20000-1")
        );
        let scenarios = sitting["scenarios"].as_array().unwrap();
        assert_eq!(scenarios.len(), 4);
        assert!(
            scenarios
                .iter()
                .all(|s| s["text"].as_str().unwrap().len() > 300)
        );
        let qs = questions(&sitting);
        let mut areas: Vec<&str> = Vec::new();
        for question in 1..=4u64 {
            let items: Vec<&Value> = qs.iter().filter(|q| q["question"] == question).collect();
            assert!(
                items.len() >= 4,
                "question {question} has {} items",
                items.len()
            );
            assert_eq!(
                items
                    .iter()
                    .map(|q| q["marks"].as_u64().unwrap())
                    .sum::<u64>(),
                20
            );
            areas.push(items[0]["area"].as_str().unwrap());
        }
        areas.sort_unstable();
        assert_eq!(
            areas,
            ["CP", "MS", "RS", "SD"],
            "one question from each area"
        );
        let styles: std::collections::BTreeSet<&str> =
            qs.iter().map(|q| q["style"].as_str().unwrap()).collect();
        assert!(styles.len() >= 4, "styles: {styles:?}");
        for q in &qs {
            match q["style"].as_str().unwrap() {
                "multiple_response" => {
                    assert_eq!(q["answer_with"], "choices");
                    assert!(q["choose"].as_u64().unwrap() >= 2);
                }
                "matching" => {
                    assert_eq!(q["answer_with"], "matches");
                    assert!(q["lines"].as_array().unwrap().len() >= 2);
                }
                "assertion_reason" => {
                    assert_eq!(q["answer_with"], "grades");
                    assert_eq!(q["options"].as_array().unwrap().len(), 5);
                    assert!(q["assertions"][0]["reason"].is_string());
                }
                "sequencing" => assert_eq!(q["answer_with"], "order"),
                "classic" => assert_eq!(q["answer_with"], "choice"),
                other => panic!("unexpected style {other}"),
            }
        }
    }
);

db_test!(
    every_style_scores_full_marks_when_right_and_nothing_when_wrong,
    |app| {
        let (candidate, sitting) = practitioner_sitting(&app).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let qs = questions(&sitting);
        // Questions 1 and 3 right, 2 and 4 wrong.
        for q in &qs {
            let number = q["number"].as_u64().unwrap() as u32;
            let body = if q["question"].as_u64().unwrap() % 2 == 1 {
                app.correct_response(&id, number).await
            } else {
                app.wrong_response(&id, number).await
            };
            let saved = app
                .put_answer(&candidate.token, &id, number, body.clone())
                .await;
            assert_eq!(
                saved.status, 200,
                "question {number}: {body} -> {}",
                saved.text
            );
        }
        let result = app.submit(&candidate.token, &id).await;
        assert_eq!(result.status, 200, "{}", result.text);
        assert_eq!(result.body["max_score"], 80);
        assert_eq!(result.body["pass_mark"], 40);
        assert_eq!(result.body["score"], 40);
        assert_eq!(result.body["passed"], true);
        assert!(
            result.body.get("questions").is_none(),
            "areas only by default"
        );
        let by_question: Vec<(u64, u64)> = app
            .stored(&id)
            .await
            .result
            .unwrap()
            .questions
            .iter()
            .map(|q| (u64::from(q.score), u64::from(q.max_score)))
            .collect();
        let mut sorted = by_question.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [(0, 20), (0, 20), (20, 20), (20, 20)]);
        assert_eq!(result.body["areas"].as_array().unwrap().len(), 4);
    }
);

db_test!(
    choosing_more_options_than_asked_scores_zero_for_that_item,
    |app| {
        let (candidate, sitting) = practitioner_sitting(&app).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let qs = questions(&sitting);
        let mr = qs
            .iter()
            .find(|q| q["style"] == "multiple_response")
            .expect("a multiple-response item");
        let number = mr["number"].as_u64().unwrap() as u32;
        let marks = mr["marks"].as_u64().unwrap();
        let mut all_right = app.correct_response(&id, number).await;
        // Both keys plus one more option.
        let keys: Vec<String> = all_right["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let extra = ["A", "B", "C", "D", "E"]
            .into_iter()
            .find(|l| !keys.iter().any(|k| k == l))
            .unwrap();
        all_right["choices"]
            .as_array_mut()
            .unwrap()
            .push(json!(extra));
        assert_eq!(
            app.put_answer(&candidate.token, &id, number, all_right)
                .await
                .status,
            200
        );
        app.submit(&candidate.token, &id).await;
        let admin = app.admin().await;
        let marked = app
            .get(&format!("/api/v1/admin/sittings/{id}"), Some(&admin.token))
            .await;
        let item = marked.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == number)
            .unwrap()
            .clone();
        assert_eq!(
            item["awarded"], 0,
            "over-selection scores zero ({marks} marks available)"
        );
        // The exact keys alone would have scored.
        assert_eq!(item["key"].as_array().unwrap().len(), 2);
    }
);

db_test!(matching_and_assertion_reason_earn_credit_per_line, |app| {
    let (candidate, sitting) = practitioner_sitting(&app).await;
    let id = sitting["id"].as_str().unwrap().to_owned();
    let qs = questions(&sitting);
    let mut expected = 0u64;
    let mut checked = 0;
    for q in qs
        .iter()
        .filter(|q| q["style"] == "matching" || q["style"] == "assertion_reason")
    {
        let number = q["number"].as_u64().unwrap() as u32;
        let field = q["answer_with"].as_str().unwrap();
        let mut body = app.correct_response(&id, number).await;
        let lines = body[field].as_array().unwrap().len() as u64;
        // Spoil the first line only.
        let wrong = app.wrong_response(&id, number).await;
        body[field][0] = wrong[field][0].clone();
        assert_eq!(
            app.put_answer(&candidate.token, &id, number, body)
                .await
                .status,
            200
        );
        expected += q["marks"].as_u64().unwrap() / lines * (lines - 1);
        checked += 1;
    }
    assert!(
        checked > 0,
        "no matching or assertion/reason item on this paper"
    );
    let result = app.submit(&candidate.token, &id).await;
    assert_eq!(result.body["score"].as_u64().unwrap(), expected);
});

db_test!(
    responses_that_do_not_fit_their_item_are_refused_naming_the_problem,
    |app| {
        let (candidate, sitting) = practitioner_sitting(&app).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let qs = questions(&sitting);
        let find = |style: &str| {
            qs.iter()
                .find(|q| q["style"] == style)
                .map(|q| q["number"].as_u64().unwrap() as u32)
        };
        if let Some(n) = find("matching") {
            let reply = app
                .put_answer(&candidate.token, &id, n, json!({"matches": ["A"]}))
                .await;
            reply.problem(422);
            assert_eq!(reply.fields(), ["matches"]);
            assert!(
                reply.body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("each of the")
            );
            let reply = app
                .put_answer(&candidate.token, &id, n, json!({"choice": "A"}))
                .await;
            assert_eq!(reply.fields(), ["matches"]);
        }
        if let Some(n) = find("multiple_response") {
            let reply = app
                .put_answer(&candidate.token, &id, n, json!({"choices": ["A", "Q"]}))
                .await;
            reply.problem(422);
            assert!(
                reply.body["detail"]
                    .as_str()
                    .unwrap()
                    .contains("Q is not one of")
            );
            app.put_answer(&candidate.token, &id, n, json!({"choices": ["A", "A"]}))
                .await
                .problem(422);
            app.put_answer(&candidate.token, &id, n, json!({"choices": []}))
                .await
                .problem(422);
        }
        if let Some(n) = find("assertion_reason") {
            let reply = app
                .put_answer(&candidate.token, &id, n, json!({"grades": ["A", "F"]}))
                .await;
            reply.problem(422);
            assert_eq!(reply.fields(), ["grades"]);
        }
        if let Some(n) = find("sequencing") {
            let reply = app
                .put_answer(&candidate.token, &id, n, json!({"order": ["A", "B"]}))
                .await;
            reply.problem(422);
            assert_eq!(reply.fields(), ["order"]);
        }
        let classic = find("classic").unwrap();
        let both = app
            .put_answer(
                &candidate.token,
                &id,
                classic,
                json!({"choice": "A", "choices": ["B"]}),
            )
            .await;
        both.problem(422);
        assert!(
            invigilator::app::sittings::answers_of(&app.state, id.parse().unwrap())
                .await
                .unwrap()
                .is_empty(),
            "nothing half-written"
        );
    }
);
