//! Two servers on one PostgreSQL database, as when the service is scaled out behind a
//! load balancer without sticky sessions: requests alternate between them, and both
//! servers' background workers (the sweeper and the outbox delivery) run and compete.
//! These tests always start two servers and run on PostgreSQL only (they return at once
//! without `TEST_POSTGRES_URL`); with `TEST_TWO_SERVERS=1` every other PostgreSQL test
//! runs on two servers too.

use futures_util::future::join_all;
use invigilator::domain::sitting::SittingStatus;
use invigilator::persistence::outbox::OutboxStatus;

use crate::browser::Browser;
use crate::helpers::*;

/// Both servers' sweepers and postmen wake every second (at the latest).
fn busy_workers(settings: &mut invigilator::config::Settings) {
    settings.sittings.sweep_interval_seconds = 1;
    settings.email.deliver_interval_seconds = 1;
}

/// Two servers with busy workers, or `None` without PostgreSQL.
async fn two_servers() -> Option<TestApp> {
    let engine = Engine::postgres()?;
    Some(spawn_servers(engine, busy_workers, 2).await)
}

/// A registered, confirmed and signed-in candidate. With the postmen sending every
/// second, one of them may hold the confirmation e-mail when the test asks for it to be
/// sent: wait (bounded) until it has arrived.
async fn candidate(app: &TestApp) -> Candidate {
    let email = format!("candidate-{}@example.org", uuid::Uuid::new_v4().simple());
    let registered = app.register(&email).await;
    assert_eq!(registered.status, 201, "{}", registered.text);
    let link = "https://exams.invigilator.test/account/verify#token=";
    for _ in 0..100 {
        app.deliver_mail().await;
        if app.mail.to(&email).iter().any(|m| m.link(link).is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let token = app.link_token(&email, link);
    let verified = app
        .post(
            "/api/v1/auth/verify-email",
            serde_json::json!({"token": token}),
            None,
        )
        .await;
    assert_eq!(verified.status, 204, "{}", verified.text);
    let login = app.login(&email, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    Candidate {
        id: registered.body["id"].as_str().unwrap().parse().unwrap(),
        email,
        token: login.body["access_token"].as_str().unwrap().to_owned(),
    }
}

/// Saves the keys of the first `correct` questions of a Foundation sitting (the rest
/// stay unanswered, and so score nothing), one request after another.
async fn answer_first(app: &TestApp, token: &str, sitting: &str, correct: u32) {
    for number in 1..=correct {
        let key = app.key_of(sitting, number).await;
        let reply = app.save_answer(token, sitting, number, &key).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
}

mod consecutive_requests_alternate_and_a_candidate_moves_between_servers {
    use super::*;

    #[tokio::test]
    async fn postgres() {
        let Some(app) = two_servers().await else {
            return;
        };
        let proxy = app.proxy.as_ref().expect("a proxy in front of two servers");
        // Every request is a new connection, handed to the other server.
        let mut before = proxy.connections();
        let mut last = None;
        for _ in 0..6 {
            assert_eq!(app.get("/health", None).await.status, 200);
            let after = proxy.connections();
            let got: Vec<usize> = (0..2).filter(|&i| after[i] > before[i]).collect();
            assert_eq!(got.len(), 1, "one new connection: {before:?} → {after:?}");
            assert_eq!(
                after.iter().sum::<usize>(),
                before.iter().sum::<usize>() + 1
            );
            assert_ne!(Some(got[0]), last, "the other server answers");
            last = Some(got[0]);
            before = after;
        }
        let [first, second] = proxy.connections()[..] else {
            panic!("two servers")
        };
        assert!(first.abs_diff(second) <= 1, "{first} and {second}");

        // A sitting started on one server is answered on both and submitted on one.
        let candidate = candidate(&app).await;
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        answer_first(&app, &candidate.token, &id, 27).await;
        let resumed = app
            .get(&format!("/api/v1/sittings/{id}"), Some(&candidate.token))
            .await;
        assert_eq!(resumed.status, 200, "{}", resumed.text);
        let saved = resumed.body["questions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| !q["answer"].is_null())
            .count();
        assert_eq!(saved, 27, "every save is there, whichever server took it");
        let result = app.submit(&candidate.token, &id).await;
        assert_eq!(result.status, 200, "{}", result.text);
        assert_eq!(result.body["score"], 27);
        assert_eq!(result.body["passed"], true);

        // A browser's session cookie opens its session on either server.
        let number = result.body["certificate_number"].as_str().unwrap();
        let mut browser = Browser::new(&app);
        assert_eq!(browser.sign_in(&candidate.email).await.status, 200);
        for _ in 0..4 {
            let dashboard = browser.get("/dashboard").await;
            assert_eq!(dashboard.status, 200);
            assert!(
                dashboard.text.contains(number),
                "the candidate's own dashboard"
            );
        }
    }
}

mod both_servers_workers_close_each_overdue_sitting_once_and_mail_each_result_once {
    use super::*;

    /// How many sittings reach their deadline together.
    const SITTINGS: usize = 16;

    #[tokio::test]
    async fn postgres() {
        let Some(app) = two_servers().await else {
            return;
        };
        let candidates = join_all((0..SITTINGS).map(|_| candidate(&app))).await;
        let started = join_all(candidates.iter().map(|c| async {
            app.start_foundation(&c.token).await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }))
        .await;
        // Every other candidate passes (27 of 40; the pass mark is 26); the others score 9.
        let score = |i: usize| -> u32 { if i.is_multiple_of(2) { 27 } else { 9 } };
        join_all(
            candidates
                .iter()
                .zip(&started)
                .enumerate()
                .map(|(i, (c, id))| answer_first(&app, &c.token, id, score(i))),
        )
        .await;
        // One sitting starts later, and is still running when the others' time is up.
        app.advance(time::Duration::minutes(30));
        let late = candidate(&app).await;
        let running = app.start_foundation(&late.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.advance(time::Duration::minutes(31));

        // Nobody calls: both servers' timers close the sittings and send the results.
        let results_mailed = |app: &TestApp| {
            candidates
                .iter()
                .filter(|c| {
                    app.mail
                        .to(&c.email)
                        .iter()
                        .any(|m| m.subject().contains("ISO/IEC 20000 Foundation"))
                })
                .count()
        };
        let mut closed = 0;
        for _ in 0..300 {
            closed = 0;
            for id in &started {
                if app.stored(id).await.status != SittingStatus::InProgress {
                    closed += 1;
                }
            }
            if closed == SITTINGS && results_mailed(&app) == SITTINGS {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            closed, SITTINGS,
            "the servers' sweepers closed every sitting"
        );
        assert_eq!(
            results_mailed(&app),
            SITTINGS,
            "the servers' postmen sent every result"
        );
        // Nothing is left for anyone: neither server finds a sitting to close or a
        // message to send.
        assert_eq!(app.sweep().await, 0);
        assert_eq!(app.deliver_mail().await, 0);

        for (i, (candidate, id)) in candidates.iter().zip(&started).enumerate() {
            let stored = app.stored(id).await;
            assert_eq!(stored.status, SittingStatus::Expired);
            assert_eq!(stored.closed_reason.as_deref(), Some("deadline passed"));
            assert_eq!(stored.result.as_ref().unwrap().score, score(i));
            let passed = i.is_multiple_of(2);

            let token = app.relogin(candidate).await;
            let result = app.result(&token, id).await;
            assert_eq!(result.status, 200, "{}", result.text);
            assert_eq!(result.body["passed"], passed);
            let certificates = app.get("/api/v1/me/certificates", Some(&token)).await;
            let certificates = certificates.body.as_array().unwrap();
            assert_eq!(
                certificates.len(),
                usize::from(passed),
                "one certificate for a pass"
            );
            if passed {
                assert_eq!(certificates[0]["number"], result.body["certificate_number"]);
            }

            // The address confirmation and one result: each queued once, sent once.
            let mail = app.mail.to(&candidate.email);
            assert_eq!(
                mail.len(),
                2,
                "{:?}",
                mail.iter().map(|m| m.subject()).collect::<Vec<_>>()
            );
            let expected = if passed {
                "You passed ISO/IEC 20000 Foundation"
            } else {
                "Your ISO/IEC 20000 Foundation result"
            };
            assert!(
                mail[1].subject().starts_with(expected),
                "{}",
                mail[1].subject()
            );
            let queued =
                invigilator::persistence::outbox::status_for(&app.state.db, &candidate.email)
                    .await
                    .unwrap();
            assert_eq!(queued.len(), 2);
            for (status, attempts, _) in queued {
                assert_eq!(status, OutboxStatus::Sent);
                assert_eq!(attempts, 1, "claimed by one server, once");
            }
        }
        assert_eq!(app.stored(&running).await.status, SittingStatus::InProgress);
        assert_eq!(
            app.mail.to(&late.email).len(),
            1,
            "no result before the end"
        );
    }
}
