//! `/metrics` and the group commit of answer saves, as an operator and a candidate see
//! them.

use crate::helpers::*;

db_test!(
    metrics_count_requests_by_route_template_and_report_the_window,
    |app| {
        let who = app.candidate().await;
        let sitting = app.start_foundation(&who.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        for number in 1..=3 {
            assert_eq!(
                app.save_answer(&who.token, &id, number, "A").await.status,
                200
            );
        }
        let response = reqwest::get(app.url("/metrics")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        let text = response.text().await.unwrap();
        for expected in [
            r#"route="/api/v1/sittings/{id}/answers/{number}""#,
            "invigilator_http_requests_total{",
            "invigilator_http_request_duration_seconds_bucket{",
            "invigilator_save_batch_size_bucket",
            "invigilator_answer_saves_total",
            "invigilator_sittings_in_progress",
            "invigilator_outbox_pending",
            "invigilator_password_hash_queue_depth",
        ] {
            assert!(text.contains(expected), "{expected} missing from /metrics");
        }
        // Route templates only: never a sitting id, which a raw path would carry.
        assert!(!text.contains(&id));
    }
);

db_test!(
    metrics_need_the_token_when_one_is_set,
    |settings| {
        settings.server.metrics_token = Some("a metrics token for the scraper".to_owned().into());
    },
    |app| {
        let client = reqwest::Client::new();
        let get = |token: Option<&'static str>| {
            let mut request = client.get(app.url("/metrics"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        assert_eq!(get(None).await.unwrap().status(), 404);
        assert_eq!(get(Some("a wrong token")).await.unwrap().status(), 404);
        let right = get(Some("a metrics token for the scraper")).await.unwrap();
        assert_eq!(right.status(), 200);
        assert!(right.text().await.unwrap().contains("invigilator_"));
    }
);

db_test!(
    saves_arriving_together_are_each_acknowledged_and_stored,
    |app| {
        let who = app.candidate().await;
        let sitting = app.start_foundation(&who.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let questions = sitting["questions"].as_array().unwrap().len() as u32;
        // Every question at once, and question 1 ten more times: saves to one question in
        // one batch must not fail the batch.
        let labels = ["A", "B", "C", "D"];
        let mut saves = Vec::new();
        for number in 1..=questions {
            saves.push((number, labels[number as usize % 4]));
        }
        for n in 0..10 {
            saves.push((1, labels[n % 4]));
        }
        let replies = futures_util::future::join_all(
            saves
                .iter()
                .map(|(number, label)| app.save_answer(&who.token, &id, *number, label)),
        )
        .await;
        for reply in &replies {
            assert_eq!(reply.status, 200, "{:?}", reply.body);
        }
        let stored =
            invigilator::persistence::sittings::answers(&app.state.db, id.parse().unwrap())
                .await
                .unwrap();
        assert_eq!(stored.len(), questions as usize);
        for number in 2..=questions {
            assert_eq!(
                stored[&number].choice.as_deref(),
                Some(labels[number as usize % 4]),
                "question {number}"
            );
        }
        let first = stored[&1].choice.clone().unwrap();
        assert!(saves.iter().any(|(n, l)| *n == 1 && *l == first));
        // After the deadline's close, a save is refused and nothing changes.
        assert_eq!(app.submit(&who.token, &id).await.status, 200);
        let late = app.save_answer(&who.token, &id, 2, "A").await;
        assert!(
            late.problem(409)["type"]
                .as_str()
                .unwrap()
                .ends_with("sitting-closed")
        );
    }
);
