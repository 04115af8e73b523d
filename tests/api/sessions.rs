//! Exam sessions as the people involved act: an administrator schedules sessions with an
//! invigilator, candidates book (capacity, one booking, the reschedule cut-off), the
//! window and admission decide when a sitting starts, and the invigilator pauses the
//! room, resumes it, extends one candidate and voids another.

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::helpers::*;

fn at(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

async fn create_session(
    app: &TestApp,
    admin: &Candidate,
    invigilator: &Candidate,
    opens: OffsetDateTime,
    capacity: u32,
    requires_admission: bool,
) -> Value {
    let reply = app
        .post(
            "/api/v1/admin/sessions",
            json!({
                "qualification": "iso20000-foundation",
                "opens_at": at(opens),
                "closes_at": at(opens + Duration::hours(3)),
                "mode": "online_invigilated",
                "capacity": capacity,
                "invigilator_id": invigilator.id,
                "requires_admission": requires_admission,
            }),
            Some(&admin.token),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.body
}

async fn book(app: &TestApp, who: &Candidate, session: &Value) -> Reply {
    app.post(
        &format!("/api/v1/sessions/{}/book", session["id"].as_str().unwrap()),
        json!({}),
        Some(&who.token),
    )
    .await
}

async fn act(app: &TestApp, by: &Candidate, session: &str, booking: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/invigilation/sessions/{session}/candidates/{booking}/actions"),
        body,
        Some(&by.token),
    )
    .await
}

async fn room(app: &TestApp, by: &Candidate, session: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/invigilation/sessions/{session}/actions"),
        body,
        Some(&by.token),
    )
    .await
}

fn state_of(live: &Value, booking: &str) -> String {
    live["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["booking_id"] == booking)
        .map(|c| c["state"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Everyone logs in again after the clock moved past their tokens' lifetime.
async fn refresh(app: &TestApp, people: &mut [&mut Candidate]) {
    for who in people.iter_mut() {
        who.token = app.relogin(who).await;
    }
}

db_test!(an_invigilated_session_from_booking_to_void, |app| {
    let mut admin = app.admin().await;
    let mut inv = invigilator(&app, &admin).await;
    let opens = app.now() + Duration::days(3);
    let first = create_session(&app, &admin, &inv, opens, 2, true).await;
    let later = create_session(&app, &admin, &inv, opens + Duration::days(1), 5, false).await;
    let s1 = first["id"].as_str().unwrap().to_owned();
    let code = first["access_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert_eq!(first["reschedule_cutoff_hours"], 24, "the scheme's default");

    let (mut c1, mut c2, mut c3) = (
        app.candidate().await,
        app.candidate().await,
        app.candidate().await,
    );
    let open = app
        .get(
            "/api/v1/sessions?qualification=iso20000-foundation",
            Some(&c1.token),
        )
        .await;
    assert_eq!(open.status, 200, "{}", open.text);
    assert_eq!(open.body.as_array().unwrap().len(), 2);
    assert!(open.body[0].get("access_code").is_none(), "{}", open.text);

    // Two seats: two candidates book them, the third is refused naming the rule.
    let b1 = book(&app, &c1, &first).await;
    assert_eq!(b1.status, 201, "{}", b1.text);
    let b2 = book(&app, &c2, &first).await;
    assert_eq!(b2.status, 201, "{}", b2.text);
    let full = book(&app, &c3, &first).await;
    assert!(
        full.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("session-full"),
        "{}",
        full.text
    );
    let twice = book(&app, &c1, &later).await;
    assert!(
        twice.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("one-booking-per-qualification")
    );
    assert_eq!(book(&app, &c3, &later).await.status, 201);
    let b1 = b1.body["id"].as_str().unwrap().to_owned();
    let b2 = b2.body["id"].as_str().unwrap().to_owned();

    // Before the cut-off a booking moves (and moves back: the seat was freed).
    let moved = app
        .post(
            &format!("/api/v1/sessions/bookings/{b2}/reschedule"),
            json!({"session_id": later["id"]}),
            Some(&c2.token),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["session"]["id"], later["id"]);
    let back = app
        .post(
            &format!("/api/v1/sessions/bookings/{b2}/reschedule"),
            json!({"session_id": s1}),
            Some(&c2.token),
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(back.body["session"]["seats_left"], 0);

    // Twelve hours before the session opens, the 24-hour cut-off has passed.
    app.advance(opens - Duration::hours(12) - app.now());
    refresh(&app, &mut [&mut admin, &mut inv, &mut c1, &mut c2, &mut c3]).await;
    let late = app
        .post(
            &format!("/api/v1/sessions/bookings/{b2}/reschedule"),
            json!({"session_id": later["id"]}),
            Some(&c2.token),
        )
        .await;
    assert!(
        late.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("reschedule-cutoff"),
        "{}",
        late.text
    );
    let cancel = app
        .post(
            &format!("/api/v1/sessions/bookings/{b2}/cancel"),
            json!({}),
            Some(&c2.token),
        )
        .await;
    assert!(
        cancel.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("24 hours")
    );

    // Before the window a sitting does not start.
    let early = app.start_sitting(&c1.token, "iso20000-foundation").await;
    assert!(
        early.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("session-not-open"),
        "{}",
        early.text
    );

    app.advance(Duration::hours(12) + Duration::minutes(1));
    refresh(&app, &mut [&mut admin, &mut inv, &mut c1, &mut c2, &mut c3]).await;
    let waiting = app.start_sitting(&c1.token, "iso20000-foundation").await;
    assert!(
        waiting.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("not-admitted")
    );
    let live = app
        .get(
            &format!("/api/v1/invigilation/sessions/{s1}"),
            Some(&inv.token),
        )
        .await;
    assert_eq!(live.status, 200, "{}", live.text);
    assert_eq!(state_of(&live.body, &b1), "waiting");

    // The invigilator admits the first; the second types the session's access code.
    let admitted = act(
        &app,
        &inv,
        &s1,
        &b1,
        json!({"action": "admit", "reason": "administrative"}),
    )
    .await;
    assert_eq!(admitted.status, 200, "{}", admitted.text);
    assert_eq!(state_of(&admitted.body, &b1), "admitted");
    let sitting1 = app.start_foundation(&c1.token).await;
    assert_eq!(sitting1["session_id"], s1.as_str());
    let sitting2 = app
        .post(
            "/api/v1/sittings",
            json!({"qualification": "iso20000-foundation", "access_code": code.to_lowercase()}),
            Some(&c2.token),
        )
        .await;
    assert_eq!(sitting2.status, 201, "{}", sitting2.text);
    let (id1, id2) = (
        sitting1["id"].as_str().unwrap().to_owned(),
        sitting2.body["id"].as_str().unwrap().to_owned(),
    );
    assert_eq!(app.save_answer(&c1.token, &id1, 1, "A").await.status, 200);

    // Others: a candidate is turned away, another invigilator does not see the session.
    assert_eq!(
        app.get(
            &format!("/api/v1/invigilation/sessions/{s1}"),
            Some(&c3.token)
        )
        .await
        .status,
        403
    );
    let other = invigilator(&app, &admin).await;
    assert_eq!(
        app.get(
            &format!("/api/v1/invigilation/sessions/{s1}"),
            Some(&other.token)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        act(
            &app,
            &other,
            &s1,
            &b1,
            json!({"action": "pause", "reason": "technical"})
        )
        .await
        .status,
        404
    );

    // Fifty-five minutes in, a fire alarm: the room is paused.
    app.advance(Duration::minutes(55));
    refresh(&app, &mut [&mut admin, &mut inv, &mut c1, &mut c2]).await;
    let old_deadline = app.stored(&id1).await.deadline;
    let paused = room(
        &app,
        &inv,
        &s1,
        json!({"action": "pause", "reason": "emergency", "note": "fire alarm"}),
    )
    .await;
    assert_eq!(paused.status, 200, "{}", paused.text);
    assert_eq!(paused.body["changed"], 2);
    let refused = app.save_answer(&c1.token, &id1, 2, "B").await;
    assert!(
        refused.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("paused"),
        "{}",
        refused.text
    );
    let frozen = app
        .get(&format!("/api/v1/sittings/{id1}"), Some(&c1.token))
        .await;
    assert_eq!(frozen.body["paused"], true);
    assert_eq!(frozen.body["remaining_seconds"], 5 * 60);

    // Ten minutes later: past the old deadline, the sweeper leaves the paused sittings.
    app.advance(Duration::minutes(10));
    refresh(&app, &mut [&mut admin, &mut inv, &mut c1, &mut c2]).await;
    assert_eq!(app.sweep().await, 0);
    assert_eq!(app.stored(&id1).await.status.as_ref(), "in_progress");
    let still = app
        .get(&format!("/api/v1/sittings/{id1}"), Some(&c1.token))
        .await;
    assert_eq!(
        still.body["remaining_seconds"],
        5 * 60,
        "frozen while paused"
    );
    let live = app
        .get(
            &format!("/api/v1/invigilation/sessions/{s1}"),
            Some(&inv.token),
        )
        .await;
    assert_eq!(state_of(&live.body, &b1), "paused");
    assert_eq!(state_of(&live.body, &b2), "paused");

    let resumed = room(
        &app,
        &inv,
        &s1,
        json!({"action": "resume", "reason": "emergency"}),
    )
    .await;
    assert_eq!(resumed.body["changed"], 2, "{}", resumed.text);
    assert_eq!(
        app.stored(&id1).await.deadline,
        old_deadline + Duration::minutes(10)
    );
    assert_eq!(app.save_answer(&c1.token, &id1, 2, "B").await.status, 200);

    // One candidate gets 15 minutes more; the other is caught cheating.
    let extended = act(
        &app,
        &inv,
        &s1,
        &b1,
        json!({"action": "extend", "reason": "technical", "minutes": 15}),
    )
    .await;
    assert_eq!(extended.status, 200, "{}", extended.text);
    let row = extended.body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["booking_id"] == b1.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["total_minutes"], 75);
    assert_eq!(row["answered"], 2);
    assert_eq!(
        app.stored(&id1).await.deadline,
        old_deadline + Duration::minutes(25)
    );
    let no_minutes = act(
        &app,
        &inv,
        &s1,
        &b1,
        json!({"action": "extend", "reason": "technical"}),
    )
    .await;
    assert_eq!(no_minutes.problem(422)["errors"][0]["field"], "minutes");

    let voided = act(
        &app,
        &inv,
        &s1,
        &b2,
        json!({"action": "void", "reason": "malpractice", "note": "a phone on the desk"}),
    )
    .await;
    assert_eq!(voided.status, 200, "{}", voided.text);
    assert_eq!(state_of(&voided.body, &b2), "voided");
    assert_eq!(state_of(&voided.body, &b1), "in_progress");
    let seen = app
        .get(&format!("/api/v1/sittings/{id2}"), Some(&c2.token))
        .await;
    assert_eq!(seen.body["status"], "voided", "{}", seen.text);
    assert_eq!(seen.body["questions"], json!([]));
    let result = app.result(&c2.token, &id2).await;
    assert!(
        result.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("sitting-voided")
    );
    assert!(app.stored(&id2).await.result.is_none());
    assert_eq!(app.save_answer(&c2.token, &id2, 3, "C").await.status, 409);
    assert_eq!(app.submit(&c2.token, &id2).await.status, 409);
    app.advance(Duration::hours(2));
    c2.token = app.relogin(&c2).await;
    app.sweep().await;
    assert_eq!(app.stored(&id2).await.status.as_ref(), "voided");
    let certificates = app.get("/api/v1/me/certificates", Some(&c2.token)).await;
    assert_eq!(certificates.body, json!([]));
    inv.token = app.relogin(&inv).await;
    let twice = act(
        &app,
        &inv,
        &s1,
        &b2,
        json!({"action": "void", "reason": "malpractice"}),
    )
    .await;
    assert!(
        twice.problem(409)["type"]
            .as_str()
            .unwrap()
            .ends_with("sitting-closed")
    );

    // Every action is on record, with who and why.
    let live = app
        .get(
            &format!("/api/v1/invigilation/sessions/{s1}"),
            Some(&inv.token),
        )
        .await;
    let actions: Vec<&str> = live.body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "void", "extend", "resume", "resume", "pause", "pause", "admit"
        ]
    );
    assert_eq!(live.body["actions"][0]["reason"], "malpractice");
    assert_eq!(live.body["actions"][0]["acted_by"], inv.id.to_string());
    admin.token = app.relogin(&admin).await;
    let trail = app
        .get(
            &format!("/api/v1/admin/sittings/{id2}/audit"),
            Some(&admin.token),
        )
        .await;
    assert!(trail.text.contains("invigilation.voided"), "{}", trail.text);
    assert!(trail.text.contains("invigilation.paused"), "{}", trail.text);
});

db_test!(
    a_qualification_that_requires_sessions_refuses_a_sitting_without_one,
    |settings| {
        let dir = tempfile::tempdir().unwrap().keep();
        copy_dir(&crate::helpers::repo_root().join("question-pools"), &dir);
        let scheme = dir.join("iso20000-2011/scheme.toml");
        let text = std::fs::read_to_string(&scheme).unwrap();
        let marker = "[[qualification]]\ncode = \"iso20000-practitioner\"";
        let text = text.replacen(
            marker,
            &format!("[qualification.delivery]\nsessions = \"required\"\nreschedule_cutoff_hours = 48\n\n{marker}"),
            1,
        );
        std::fs::write(&scheme, text).unwrap();
        settings.pools.dir = dir;
    },
    |app| {
        let admin = app.admin().await;
        let inv = invigilator(&app, &admin).await;
        let candidate = app.candidate().await;
        let alone = app
            .start_sitting(&candidate.token, "iso20000-foundation")
            .await;
        let problem = alone.problem(409);
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("session-required"),
            "{}",
            alone.text
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("book a session")
        );
        let session = create_session(
            &app,
            &admin,
            &inv,
            app.now() + Duration::minutes(5),
            10,
            false,
        )
        .await;
        assert_eq!(
            session["reschedule_cutoff_hours"], 48,
            "the qualification's policy"
        );
        // Within the cut-off nobody can book it any more.
        assert!(
            book(&app, &candidate, &session).await.problem(409)["type"]
                .as_str()
                .unwrap()
                .ends_with("reschedule-cutoff")
        );
    }
);

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

db_test!(
    administrators_alone_schedule_sessions_and_bad_fields_are_named,
    |app| {
        let admin = app.admin().await;
        let inv = invigilator(&app, &admin).await;
        let plain = app.candidate().await;
        let opens = app.now() + Duration::days(2);
        let base = json!({
            "qualification": "iso20000-foundation",
            "opens_at": at(opens),
            "closes_at": at(opens + Duration::hours(2)),
            "mode": "venue",
            "venue": "Training Centre, 1 Main Street, Leeds",
            "capacity": 20,
            "invigilator_id": inv.id,
        });
        assert_eq!(
            app.post("/api/v1/admin/sessions", base.clone(), Some(&inv.token))
                .await
                .status,
            403
        );
        for (field, change) in [
            ("venue", json!({"venue": null})),
            ("capacity", json!({"capacity": 0})),
            (
                "closes_at",
                json!({"closes_at": at(opens - Duration::hours(1))}),
            ),
            ("invigilator_id", json!({"invigilator_id": plain.id})),
            ("qualification", json!({"qualification": "no-such-paper"})),
        ] {
            let mut body = base.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let reply = app
                .post("/api/v1/admin/sessions", body, Some(&admin.token))
                .await;
            assert_eq!(
                reply.problem(422)["errors"][0]["field"],
                field,
                "{}",
                reply.text
            );
        }
        let created = app
            .post("/api/v1/admin/sessions", base, Some(&admin.token))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert!(created.body.get("access_code").is_none());
        let id = created.body["id"].as_str().unwrap();
        let booked = book(&app, &plain, &created.body).await;
        assert_eq!(booked.status, 201);
        let cancelled = app
            .post(
                &format!("/api/v1/admin/sessions/{id}/cancel"),
                json!({}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(cancelled.body["status"], "cancelled", "{}", cancelled.text);
        let mine = app
            .get("/api/v1/sessions/bookings", Some(&plain.token))
            .await;
        assert_eq!(mine.body[0]["status"], "cancelled");
        // The candidate is told by e-mail, with the way to book another session.
        app.deliver_mail().await;
        let told = app.mail.to(&plain.email);
        let told = told
            .iter()
            .find(|m| m.subject().contains("exam session has been cancelled"))
            .expect("a cancellation e-mail");
        assert_eq!(
            told.subject(),
            "Your ISO/IEC 20000 Foundation exam session has been cancelled"
        );
        assert!(
            told.text()
                .contains("has been cancelled by the certification body"),
            "{}",
            told.text()
        );
        assert!(
            told.link("http")
                .is_some_and(|l| l.ends_with("/my/sessions")),
            "{}",
            told.text()
        );
        let again = app
            .post(
                &format!("/api/v1/admin/sessions/{id}/cancel"),
                json!({}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(again.status, 409);
        app.deliver_mail().await;
        assert_eq!(
            app.mail
                .to(&plain.email)
                .iter()
                .filter(|m| m.subject().contains("cancelled"))
                .count(),
            1,
            "told once"
        );
        let list = app.get("/api/v1/admin/sessions", Some(&admin.token)).await;
        assert_eq!(list.body.as_array().unwrap().len(), 1);

        // Revoking the role ends the invigilator's sessions; their view is closed to them.
        let revoked = app
            .post(
                &format!("/api/v1/admin/accounts/{}/roles", inv.id),
                json!({"role": "invigilator", "granted": false}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(
            revoked.body["roles"],
            json!(["candidate"]),
            "{}",
            revoked.text
        );
        assert_eq!(
            app.get("/api/v1/invigilation/sessions", Some(&inv.token))
                .await
                .status,
            401
        );
        let again = app.relogin(&inv).await;
        assert_eq!(
            app.get("/api/v1/invigilation/sessions", Some(&again))
                .await
                .status,
            403
        );
    }
);

db_test!(the_invigilator_runs_the_room_from_the_live_page, |app| {
    use crate::browser::Browser;
    use reqwest::StatusCode;

    let admin = app.admin().await;
    let inv = invigilator(&app, &admin).await;
    let candidate = app.candidate().await;
    let session = create_session(&app, &admin, &inv, app.now() + Duration::days(2), 5, true).await;
    let id = session["id"].as_str().unwrap().to_owned();

    // The candidate books on their page.
    let mut me = Browser::signed_in(&app, &candidate.email, "/my/sessions").await;
    let page = me.get("/my/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains(&format!("action=\"/my/sessions/{id}/book\"")),
        "{}",
        page.text
    );
    let booked = me.submit(&format!("/my/sessions/{id}/book"), &[]).await;
    let page = me.follow(&booked).await;
    assert!(page.text.contains("Your seat is booked."), "{}", page.text);
    let again = me.submit(&format!("/my/sessions/{id}/book"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.text.contains("already hold a booking"),
        "{}",
        again.text
    );
    let booking = app
        .get("/api/v1/sessions/bookings", Some(&candidate.token))
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.advance(Duration::days(2) + Duration::minutes(1));
    let mut room =
        Browser::signed_in(&app, &inv.email, &format!("/invigilation/sessions/{id}")).await;
    let live = room.get(&format!("/invigilation/sessions/{id}")).await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.text);
    assert!(
        live.text.contains("<td data-cell=\"state\">Waiting</td>"),
        "{}",
        live.text
    );
    assert!(live.text.contains("src=\"/static/invigilation.js\""));
    let action = format!("/invigilation/sessions/{id}/candidates/{booking}/actions");
    let no_reason = room
        .submit(&action, &[("action", "admit"), ("reason", "")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason.text.contains("Choose the reason for the action."),
        "{}",
        no_reason.text
    );
    let admitted = room
        .submit(
            &action,
            &[("action", "admit"), ("reason", "administrative")],
        )
        .await;
    let page = room.follow(&admitted).await;
    assert!(
        page.text.contains("<td data-cell=\"state\">Admitted</td>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Done and recorded."));

    // The candidate starts; the invigilator pauses the room; the exam page says so.
    let mut me = Browser::signed_in(&app, &candidate.email, "/my/sessions").await;
    let sitting = me.start("iso20000-foundation").await;
    let paused = room
        .submit(
            &format!("/invigilation/sessions/{id}/actions"),
            &[
                ("action", "pause"),
                ("reason", "emergency"),
                ("note", "fire alarm"),
            ],
        )
        .await;
    assert_eq!(paused.status, StatusCode::SEE_OTHER, "{}", paused.text);
    let clock = me.get(&format!("/sittings/{sitting}/clock")).await;
    let clock: Value = serde_json::from_str(&clock.text).unwrap();
    assert_eq!(clock["paused"], true, "{clock}");
    let exam = me.get(&format!("/sittings/{sitting}")).await;
    assert!(
        exam.text.contains(
            "<p id=\"paused\" class=\"notice warn\" role=\"status\">Paused by the invigilator."
        ),
        "{}",
        exam.text
    );
    let state = room
        .get(&format!("/invigilation/sessions/{id}/state"))
        .await;
    let state: Value = serde_json::from_str(&state.text).unwrap();
    assert_eq!(state["candidates"][0]["state"], "Paused", "{state}");
    assert_ne!(
        state["candidates"][0]["last_seen"], "–",
        "the clock poll is seen"
    );

    // A void reaches the candidate's page: the result page says so.
    room.submit(
        &format!("/invigilation/sessions/{id}/actions"),
        &[("action", "resume"), ("reason", "emergency")],
    )
    .await;
    let voided = room
        .submit(&action, &[("action", "void"), ("reason", "malpractice")])
        .await;
    assert_eq!(voided.status, StatusCode::SEE_OTHER, "{}", voided.text);
    let clock = me.get(&format!("/sittings/{sitting}/clock")).await;
    assert!(
        clock.text.contains("\"status\":\"voided\""),
        "{}",
        clock.text
    );
    let result = me.get(&format!("/sittings/{sitting}/result")).await;
    assert!(
        result.text.contains("<h1>This sitting was voided</h1>"),
        "{}",
        result.text
    );

    // Another candidate is not let in.
    let other = app.candidate().await;
    let mut stranger = Browser::signed_in(&app, &other.email, "/dashboard").await;
    assert_eq!(
        stranger
            .get(&format!("/invigilation/sessions/{id}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
});

fn row_of(live: &Value, booking: &str) -> Value {
    live["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["booking_id"] == booking)
        .cloned()
        .unwrap_or_default()
}

db_test!(
    an_invigilated_sitting_is_sat_on_one_device_until_released,
    |app| {
        use reqwest::Method;

        let mut admin = app.admin().await;
        let mut inv = invigilator(&app, &admin).await;
        let opens = app.now() + Duration::days(2);
        let session = create_session(&app, &admin, &inv, opens, 3, false).await;
        let s = session["id"].as_str().unwrap().to_owned();
        let mut candidate = app.candidate().await;
        let booking = book(&app, &candidate, &session).await;
        assert_eq!(booking.status, 201, "{}", booking.text);
        let booking = booking.body["id"].as_str().unwrap().to_owned();
        // Outside any session: a candidate whose sitting no invigilator watches.
        let mut alone = app.candidate().await;
        app.advance(opens + Duration::minutes(1) - app.now());
        refresh(
            &app,
            &mut [&mut admin, &mut inv, &mut candidate, &mut alone],
        )
        .await;
        let token = candidate.token.clone();
        let (laptop, phone) = (Some("laptop-6f1c2a9e"), Some("phone-0b7d4e11"));
        let start = json!({"qualification": "iso20000-foundation"});

        // A client that names no device cannot start an invigilated sitting.
        let nameless = app
            .send_from(
                Method::POST,
                "/api/v1/sittings",
                Some(start.clone()),
                Some(&token),
                None,
            )
            .await;
        let problem = nameless.problem(409);
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("device-required"),
            "{}",
            nameless.text
        );
        assert_eq!(problem["field"], "Invigilator-Device");

        // Started on the laptop, it is bound to the laptop.
        let started = app
            .send_from(
                Method::POST,
                "/api/v1/sittings",
                Some(start),
                Some(&token),
                laptop,
            )
            .await;
        assert_eq!(started.status, 201, "{}", started.text);
        let id = started.body["id"].as_str().unwrap().to_owned();
        let answer = format!("/api/v1/sittings/{id}/answers/1");
        let saved = app
            .send_from(
                Method::PUT,
                &answer,
                Some(json!({"choice": "A"})),
                Some(&token),
                laptop,
            )
            .await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        let stored = app.stored(&id).await;
        assert!(
            stored
                .device
                .as_deref()
                .is_some_and(|d| d.len() == 64 && !d.contains("laptop"))
        );

        // The phone, same account and token: refused everywhere, and nothing is saved.
        let sitting = format!("/api/v1/sittings/{id}");
        let opened = app
            .send_from(Method::GET, &sitting, None, Some(&token), phone)
            .await;
        assert!(
            opened.problem(409)["type"]
                .as_str()
                .unwrap()
                .ends_with("other-device"),
            "{}",
            opened.text
        );
        assert!(
            opened.body.get("questions").is_none(),
            "no item reaches the other device"
        );
        let other = app
            .send_from(
                Method::PUT,
                &answer,
                Some(json!({"choice": "B"})),
                Some(&token),
                phone,
            )
            .await;
        assert!(
            other.problem(409)["detail"]
                .as_str()
                .unwrap()
                .contains("another device"),
            "{}",
            other.text
        );
        let nameless = app
            .send_from(
                Method::PUT,
                &answer,
                Some(json!({"choice": "C"})),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(nameless.status, 409, "{}", nameless.text);
        let submit = format!("/api/v1/sittings/{id}/submit");
        let handed_in = app
            .send_from(Method::POST, &submit, None, Some(&token), phone)
            .await;
        assert!(
            handed_in.problem(409)["type"]
                .as_str()
                .unwrap()
                .ends_with("other-device")
        );
        assert_eq!(app.stored(&id).await.status.as_ref(), "in_progress");
        let on_laptop = app
            .send_from(Method::GET, &sitting, None, Some(&token), laptop)
            .await;
        assert_eq!(on_laptop.status, 200, "{}", on_laptop.text);
        assert_eq!(
            on_laptop.body["questions"][0]["answer"],
            json!({"choice": "A"}),
            "{}",
            on_laptop.text
        );

        // The invigilator sees that another device tried.
        let live = app
            .get(
                &format!("/api/v1/invigilation/sessions/{s}"),
                Some(&inv.token),
            )
            .await;
        let row = row_of(&live.body, &booking);
        assert!(row["device_bound_at"].is_string(), "{row}");
        assert!(row["other_device_at"].is_string(), "{row}");

        // Only the session's invigilator releases it, with a reason; the candidate cannot.
        let release =
            json!({"action": "release", "reason": "technical", "note": "laptop battery died"});
        let stranger = invigilator(&app, &admin).await;
        assert_eq!(
            act(&app, &stranger, &s, &booking, release.clone())
                .await
                .status,
            404
        );
        assert_eq!(
            act(&app, &candidate, &s, &booking, release.clone())
                .await
                .status,
            403
        );
        let no_reason = act(&app, &inv, &s, &booking, json!({"action": "release"})).await;
        assert_eq!(no_reason.status, 422, "{}", no_reason.text);
        assert!(app.stored(&id).await.device.is_some(), "nothing changed");
        let room = room(
            &app,
            &inv,
            &s,
            json!({"action": "release", "reason": "technical"}),
        )
        .await;
        assert_eq!(room.status, 422, "one candidate at a time: {}", room.text);
        let released = act(&app, &inv, &s, &booking, release.clone()).await;
        assert_eq!(released.status, 200, "{}", released.text);
        let row = row_of(&released.body, &booking);
        assert!(
            row["device_bound_at"].is_null() && row["other_device_at"].is_null(),
            "{row}"
        );
        assert_eq!(app.stored(&id).await.device, None);
        assert_eq!(released.body["actions"][0]["action"], "release");
        assert_eq!(released.body["actions"][0]["note"], "laptop battery died");
        let twice = act(&app, &inv, &s, &booking, release.clone()).await;
        assert!(
            twice.problem(409)["type"]
                .as_str()
                .unwrap()
                .ends_with("not-bound"),
            "{}",
            twice.text
        );

        // Released, it opens on the phone with the laptop's answers, and the laptop is out.
        let opened = app
            .send_from(Method::GET, &sitting, None, Some(&token), phone)
            .await;
        assert_eq!(opened.status, 200, "{}", opened.text);
        assert_eq!(
            opened.body["questions"][0]["answer"],
            json!({"choice": "A"})
        );
        let late = app
            .send_from(
                Method::PUT,
                &answer,
                Some(json!({"choice": "D"})),
                Some(&token),
                laptop,
            )
            .await;
        assert!(
            late.problem(409)["type"]
                .as_str()
                .unwrap()
                .ends_with("other-device")
        );
        let saved = app
            .send_from(
                Method::PUT,
                &answer,
                Some(json!({"choice": "B"})),
                Some(&token),
                phone,
            )
            .await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        let done = app
            .send_from(Method::POST, &submit, None, Some(&token), phone)
            .await;
        assert_eq!(done.status, 200, "{}", done.text);
        assert_eq!(app.stored(&id).await.status.as_ref(), "submitted");
        let after = act(&app, &inv, &s, &booking, release).await;
        assert!(
            after.problem(409)["type"]
                .as_str()
                .unwrap()
                .ends_with("not-bound")
        );

        // Every step is on the sitting's trail.
        let trail = app
            .get(
                &format!("/api/v1/admin/sittings/{id}/audit"),
                Some(&admin.token),
            )
            .await;
        assert_eq!(trail.status, 200, "{}", trail.text);
        let actions: Vec<&str> = trail
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for expected in [
            "sitting.other_device_refused",
            "invigilation.device_released",
            "sitting.device_bound",
        ] {
            assert!(
                actions.contains(&expected),
                "{expected} missing from {actions:?}"
            );
        }
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == "sitting.other_device_refused")
                .count(),
            2,
            "one entry per binding that another device tried, not per request: {actions:?}"
        );

        // A sitting outside any session is taken from any device of its candidate.
        let own = app.start_foundation(&alone.token).await;
        let own = own["id"].as_str().unwrap();
        for (device, choice) in [(laptop, "A"), (phone, "B"), (None, "C")] {
            let saved = app
                .send_from(
                    Method::PUT,
                    &format!("/api/v1/sittings/{own}/answers/1"),
                    Some(json!({"choice": choice})),
                    Some(&alone.token),
                    device,
                )
                .await;
            assert_eq!(saved.status, 200, "{}", saved.text);
        }
    }
);

db_test!(a_second_browser_waits_for_the_invigilators_release, |app| {
    use crate::browser::Browser;
    use reqwest::StatusCode;

    let admin = app.admin().await;
    let inv = invigilator(&app, &admin).await;
    let candidate = app.candidate().await;
    let session = create_session(&app, &admin, &inv, app.now() + Duration::days(2), 5, false).await;
    let id = session["id"].as_str().unwrap().to_owned();
    let booking = book(&app, &candidate, &session).await;
    assert_eq!(booking.status, 201, "{}", booking.text);
    let booking = booking.body["id"].as_str().unwrap().to_owned();
    app.advance(Duration::days(2) + Duration::minutes(1));

    let mut laptop = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
    let sitting = laptop.start("iso20000-foundation").await;
    assert!(
        laptop.cookie_header().contains("device="),
        "the start gives the browser a device cookie"
    );
    let exam = laptop.get(&format!("/sittings/{sitting}")).await;
    assert_eq!(exam.status, StatusCode::OK);

    // The same candidate signs in on a second browser: the exam does not open there.
    let mut second = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
    let refused = second.get(&format!("/sittings/{sitting}")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(
        refused
            .text
            .contains("<h1>This sitting is open on another device</h1>"),
        "{}",
        refused.text
    );
    assert!(
        !refused.text.contains("id=\"paper\""),
        "no question on the second browser"
    );
    let clock = second.get(&format!("/sittings/{sitting}/clock")).await;
    assert_eq!(clock.status, StatusCode::CONFLICT, "{}", clock.text);

    // The live page shows it; the invigilator releases the sitting from there.
    let mut room =
        Browser::signed_in(&app, &inv.email, &format!("/invigilation/sessions/{id}")).await;
    let live = room.get(&format!("/invigilation/sessions/{id}")).await;
    assert!(
        live.text.contains("Another device tried at"),
        "{}",
        live.text
    );
    assert!(
        live.text
            .contains("<option value=\"release\">Release to another device</option>")
    );
    let action = format!("/invigilation/sessions/{id}/candidates/{booking}/actions");
    let released = room
        .submit(&action, &[("action", "release"), ("reason", "technical")])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.text);
    let live = room.follow(&released).await;
    assert!(
        live.text.contains("Released: opens on the next device"),
        "{}",
        live.text
    );

    // The second browser opens it now; the first browser's page learns it moved.
    let moved = second.get(&format!("/sittings/{sitting}")).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert!(moved.text.contains("id=\"paper\""));
    let clock = laptop.get(&format!("/sittings/{sitting}/clock")).await;
    assert_eq!(clock.status, StatusCode::CONFLICT);
    let clock: Value = serde_json::from_str(&clock.text).unwrap();
    assert_eq!(clock["other_device"], true, "{clock}");
    let state = room
        .get(&format!("/invigilation/sessions/{id}/state"))
        .await;
    let state: Value = serde_json::from_str(&state.text).unwrap();
    assert!(
        state["candidates"][0]["device"]
            .as_str()
            .unwrap()
            .starts_with("One device since"),
        "{state}"
    );
});
