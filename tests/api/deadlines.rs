//! The server's clock alone decides: late saves and submits change nothing; an overdue
//! sitting is closed and scored with the answers saved in time, whoever touches it first,
//! or the sweeper if nobody does.

use invigilator::domain::sitting::SittingStatus;

use crate::helpers::*;

db_test!(
    an_answer_one_second_before_the_deadline_counts_and_one_at_it_does_not,
    |app| {
        let candidate = app.candidate().await;
        let id = app.start_foundation(&candidate.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.advance(time::Duration::minutes(60) - time::Duration::seconds(1));
        let token = app.relogin(&candidate).await;
        let key1 = app.key_of(&id, 1).await;
        let in_time = app.save_answer(&token, &id, 1, &key1).await;
        assert_eq!(in_time.status, 200, "{}", in_time.text);
        assert_eq!(in_time.body["remaining_seconds"], 1);

        app.advance(time::Duration::seconds(1));
        let key2 = app.key_of(&id, 2).await;
        app.save_answer(&token, &id, 2, &key2).await.problem(409);

        let answers = invigilator::app::sittings::answers_of(&app.state, id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(answers.len(), 1, "the late answer was not stored");
        // The late save closed the sitting and scored what was saved in time.
        let result = app.result(&token, &id).await;
        assert_eq!(result.status, 200);
        assert_eq!(result.body["status"], "expired");
        assert_eq!(result.body["score"], 1);
    }
);

db_test!(
    a_submit_after_the_deadline_is_refused_and_the_sitting_is_scored_as_saved,
    |app| {
        let candidate = app.candidate().await;
        let id = app.start_foundation(&candidate.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.answer_all(&candidate.token, &id, 27).await;
        app.advance(time::Duration::minutes(61));
        let token = app.relogin(&candidate).await;
        let late = app.submit(&token, &id).await;
        assert_eq!(late.problem(409)["sitting_status"], "expired");
        let result = app.result(&token, &id).await;
        assert_eq!(result.body["score"], 27);
        assert_eq!(result.body["passed"], true);
        assert_eq!(result.body["status"], "expired");
    }
);

db_test!(reading_an_overdue_sitting_closes_it, |app| {
    let candidate = app.candidate().await;
    let id = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&candidate.token, &id, 5).await;
    app.advance(time::Duration::hours(2));
    let token = app.relogin(&candidate).await;
    let view = app
        .get(&format!("/api/v1/sittings/{id}"), Some(&token))
        .await;
    assert_eq!(view.body["status"], "expired");
    assert_eq!(view.body["remaining_seconds"], 0);
    let stored = app.stored(&id).await;
    assert_eq!(stored.status, SittingStatus::Expired);
    assert_eq!(stored.result.unwrap().score, 5);
});

db_test!(the_sweeper_closes_overdue_sittings_nobody_touches, |app| {
    let a = app.candidate().await;
    let b = app.candidate().await;
    let overdue = app.start_foundation(&a.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.answer_all(&a.token, &overdue, 12).await;
    app.advance(time::Duration::minutes(30));
    let running = app.start_foundation(&app.relogin(&b).await).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.advance(time::Duration::minutes(31));

    assert_eq!(app.sweep().await, 1);
    let closed = app.stored(&overdue).await;
    assert_eq!(closed.status, SittingStatus::Expired);
    assert_eq!(closed.closed_reason.as_deref(), Some("deadline passed"));
    assert_eq!(closed.result.unwrap().score, 12);
    assert_eq!(app.stored(&running).await.status, SittingStatus::InProgress);
    // A second sweep finds nothing left to do.
    assert_eq!(app.sweep().await, 0);
});

db_test!(sweepers_on_several_servers_close_each_sitting_once, |app| {
    let mut ids = Vec::new();
    for _ in 0..4 {
        let c = app.candidate().await;
        ids.push(
            app.start_foundation(&c.token).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.advance(time::Duration::minutes(61));
    let (x, y, z) = tokio::join!(app.sweep(), app.sweep(), app.sweep());
    assert_eq!(x + y + z, 4, "each sitting closed exactly once");
    for id in ids {
        assert_eq!(app.stored(&id).await.status, SittingStatus::Expired);
    }
});

db_test!(
    the_background_task_closes_overdue_sittings_on_its_own,
    |settings| {
        settings.sittings.sweep_interval_seconds = 1;
    },
    |app| {
        let candidate = app.candidate().await;
        let id = app.start_foundation(&candidate.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.answer_all(&candidate.token, &id, 3).await;
        app.advance(time::Duration::minutes(61));
        // No request touches the sitting: wait (bounded) for the server's own timer.
        let mut status = SittingStatus::InProgress;
        for _ in 0..100 {
            status = app.stored(&id).await.status;
            if status != SittingStatus::InProgress {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(status, SittingStatus::Expired);
        assert_eq!(app.stored(&id).await.result.unwrap().score, 3);
    }
);

db_test!(an_overdue_sitting_does_not_block_the_next_one, |app| {
    let candidate = app.candidate().await;
    let first = app.start_foundation(&candidate.token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.advance(time::Duration::minutes(61));
    let second = app
        .start_sitting(&app.relogin(&candidate).await, "iso20000-foundation")
        .await;
    assert_eq!(second.status, 201, "{}", second.text);
    assert_eq!(app.stored(&first).await.status, SittingStatus::Expired);
});
