//! Throttling, written as the attacks: the password guesser hammering one account from
//! one address while its owner signs in from another, a client flooding sign-in, a
//! client forging X-Forwarded-For, a login storm against the password-hashing queue, and
//! limits that must hold across two servers sharing the database.

use serde_json::json;

use crate::helpers::*;

async fn login_from(
    app: &TestApp,
    base: &str,
    forwarded: Option<&str>,
    email: &str,
    password: &str,
) -> (u16, Option<String>) {
    let mut request = app
        .client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}));
    if let Some(address) = forwarded {
        request = request.header("X-Forwarded-For", address);
    }
    let response = request.send().await.unwrap();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status().as_u16(), retry)
}

db_test!(
    a_password_guesser_waits_longer_and_longer_while_the_owner_signs_in_from_elsewhere,
    |settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        settings.throttle.login_failures_before_backoff = 2;
    },
    |app| {
        let owner = app.candidate().await;
        let attacker = Some("203.0.113.7");
        let home = Some("198.51.100.9");
        for _ in 0..2 {
            let (status, _) = login_from(
                &app,
                &app.address,
                attacker,
                &owner.email,
                "guess guess guess",
            )
            .await;
            assert_eq!(status, 401);
        }
        let (status, retry) =
            login_from(&app, &app.address, attacker, &owner.email, PASSWORD).await;
        assert_eq!(
            status, 429,
            "even the right password waits: nothing is learnt"
        );
        assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);

        // The owner, from their own address, is not locked out.
        let (status, _) = login_from(&app, &app.address, home, &owner.email, PASSWORD).await;
        assert_eq!(status, 200);

        // After the wait the attacker may try again, and each failure doubles it.
        app.advance(time::Duration::seconds(2));
        let (status, _) = login_from(
            &app,
            &app.address,
            attacker,
            &owner.email,
            "guess again please",
        )
        .await;
        assert_eq!(status, 401);
        app.advance(time::Duration::seconds(1));
        let (status, retry) = login_from(
            &app,
            &app.address,
            attacker,
            &owner.email,
            "guess again please",
        )
        .await;
        assert_eq!(status, 429, "the wait grew to two seconds");
        assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
    }
);

db_test!(
    a_flood_from_one_address_gets_429_across_two_servers_and_recovers_next_minute,
    |settings| {
        settings.throttle.login_per_minute = 3;
        settings.throttle.register_per_minute = 3;
    },
    |app| {
        let other = app.second_server().await;
        let email = "flood@example.org";
        let mut statuses = Vec::new();
        for base in [&app.address, &other, &app.address, &other] {
            statuses.push(login_from(&app, base, None, email, "whatever it is").await);
        }
        assert_eq!(
            statuses.iter().map(|s| s.0).collect::<Vec<_>>(),
            [401, 401, 401, 429],
            "one limit for both servers"
        );
        assert!(statuses[3].1.as_ref().unwrap().parse::<u64>().unwrap() <= 60);
        // Forging X-Forwarded-For from an untrusted peer changes nothing.
        let (status, _) = login_from(&app, &app.address, Some("192.0.2.1"), email, "x").await;
        assert_eq!(status, 429);
        app.advance(time::Duration::minutes(1));
        let (status, _) = login_from(&app, &other, None, email, "whatever it is").await;
        assert_eq!(status, 401, "a new minute");
        for i in 0..3 {
            let reply = app.register(&format!("r{i}@example.org")).await;
            assert_eq!(reply.status, 201, "{}", reply.text);
        }
        app.register("r3@example.org").await.problem(429);
    }
);

db_test!(
    a_login_storm_gets_503_with_retry_after_instead_of_an_endless_queue,
    |settings| {
        settings.auth.max_concurrent_hashes = 1;
        settings.auth.argon2_memory_kib = 32768;
        settings.auth.argon2_iterations = 3;
        settings.throttle.hash_queue_wait_ms = 1;
    },
    |app| {
        let email = "storm@example.org";
        let logins =
            (0..24).map(|_| login_from(&app, &app.address, None, email, "a wrong password"));
        let results = futures_util::future::join_all(logins).await;
        let busy: Vec<&(u16, Option<String>)> = results.iter().filter(|r| r.0 == 503).collect();
        assert!(!busy.is_empty(), "{results:?}");
        assert!(busy.iter().all(|r| r.1.as_deref() == Some("2")));
        assert!(
            results.iter().all(|r| r.0 == 401 || r.0 == 503),
            "{results:?}"
        );
    }
);

db_test!(
    a_candidate_cannot_pile_declarations_on_the_administrators,
    |app| {
        let candidate = app.candidate().await;
        for _ in 0..10 {
            app.declare_experience(&candidate.token, 3).await;
        }
        let more = app
            .post(
                "/api/v1/me/experience",
                json!({"years": 3, "description": "once more"}),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(
            more.problem(409)["type"],
            "urn:invigilator:problem:too-many-pending"
        );
    }
);

db_test!(
    an_organization_uploading_rosters_in_a_loop_is_slowed_down,
    |settings| {
        settings.throttle.roster_uploads_per_minute = 2;
    },
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let course = app.course(&staff, "iso20000-foundation", 1, 2).await;
        let upload = || {
            app.client
                .post(app.url(&format!("/api/v1/ato/courses/{course}/enrolments/csv")))
                .bearer_auth(&staff.token)
                .header("Content-Type", "text/csv")
                .body("given_name,family_name,email\nA,B,a@example.org\n")
                .send()
        };
        assert_eq!(upload().await.unwrap().status(), 200);
        assert_eq!(upload().await.unwrap().status(), 200);
        let third = upload().await.unwrap();
        assert_eq!(third.status(), 429);
        assert!(third.headers().contains_key("retry-after"));
    }
);
