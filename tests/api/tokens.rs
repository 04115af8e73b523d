//! Sessions and the tokens that carry them, written as the attacks: forged, altered,
//! expired and misdirected tokens, a refresh token passed off as an access token, and
//! tokens kept after logout, a password change or the account being disabled. Every one
//! answers 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::helpers::*;

const SECRET: &str = "a test secret that is long enough for HS256";

/// Claims as the server issues them for `who`, now.
fn claims(app: &TestApp, who: &Candidate) -> Value {
    let now = app.now().unix_timestamp();
    json!({
        "iss": app.settings.auth.issuer,
        "aud": app.settings.auth.audience,
        "sub": who.id.to_string(),
        "iat": now,
        "exp": now + 600,
        "roles": ["candidate"],
        "ver": 0,
    })
}

fn sign(alg: Algorithm, key: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

/// Rewrites the payload of a real token, keeping its header and signature.
fn tamper(token: &str, change: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    change(&mut payload);
    let encoded = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    format!("{}.{encoded}.{}", parts[0], parts[2])
}

async fn status_with(app: &TestApp, path: &str, authorization: &str) -> u16 {
    app.client
        .get(app.url(path))
        .header("Authorization", authorization)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

db_test!(forged_and_misdirected_tokens_are_refused, |app| {
    let who = app.candidate().await;
    assert_eq!(
        app.settings
            .auth
            .jwt_secret
            .as_ref()
            .unwrap()
            .expose_secret(),
        SECRET
    );
    // The honest token, built the way the server builds it, is accepted: the attacks
    // below differ from it in one thing each.
    let honest = sign(Algorithm::HS256, SECRET, &claims(&app, &who));
    assert_eq!(
        status_with(&app, "/api/v1/me", &format!("Bearer {honest}")).await,
        200
    );

    let mut attacks: Vec<(&str, String)> = Vec::new();
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&app, &who)).unwrap());
    attacks.push(("alg none", format!("{header_none}.{payload}.")));
    attacks.push((
        "another algorithm (HS512, same secret)",
        sign(Algorithm::HS512, SECRET, &claims(&app, &who)),
    ));
    attacks.push((
        "another key",
        sign(
            Algorithm::HS256,
            "somebody else's secret of decent length",
            &claims(&app, &who),
        ),
    ));
    let now = app.now().unix_timestamp();
    let mut expired = claims(&app, &who);
    expired["iat"] = json!(now - 7200);
    expired["exp"] = json!(now - 3600);
    attacks.push(("expired", sign(Algorithm::HS256, SECRET, &expired)));
    let mut future = claims(&app, &who);
    future["iat"] = json!(now + 3600);
    future["exp"] = json!(now + 7200);
    attacks.push(("not yet valid", sign(Algorithm::HS256, SECRET, &future)));
    for (what, field, value) in [
        ("another audience", "aud", json!("some-other-api")),
        ("another issuer", "iss", json!("mallory")),
        ("a version the account never had", "ver", json!(7)),
        (
            "an account that does not exist",
            "sub",
            json!(uuid::Uuid::now_v7().to_string()),
        ),
        ("a subject that is not an id", "sub", json!("admin")),
    ] {
        let mut c = claims(&app, &who);
        c[field] = value;
        attacks.push((what, sign(Algorithm::HS256, SECRET, &c)));
    }
    for missing in ["sub", "exp", "aud", "iss", "ver"] {
        let mut c = claims(&app, &who);
        c.as_object_mut().unwrap().remove(missing);
        attacks.push((
            Box::leak(format!("missing {missing}").into_boxed_str()),
            sign(Algorithm::HS256, SECRET, &c),
        ));
    }
    attacks.push((
        "a tampered role",
        tamper(&who.token, |p| p["roles"] = json!(["candidate", "admin"])),
    ));
    attacks.push((
        "a tampered subject",
        tamper(&who.token, |p| {
            p["sub"] = json!(uuid::Uuid::now_v7().to_string())
        }),
    ));
    let login = app.login(&who.email, PASSWORD).await;
    let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    attacks.push(("a refresh token", refresh));
    attacks.push(("garbage", "not.a.token".to_owned()));
    assert!(attacks.len() >= 15);
    for (what, token) in &attacks {
        for path in ["/api/v1/me", "/api/v1/admin/atos"] {
            assert_eq!(
                status_with(&app, path, &format!("Bearer {token}")).await,
                401,
                "{what} on {path}"
            );
        }
    }
    for header in ["Bearer ", "Basic dXNlcjpwYXNz", honest.as_str()] {
        assert_eq!(
            status_with(&app, "/api/v1/me", header).await,
            401,
            "{header}"
        );
    }
});

db_test!(logout_ends_every_session_of_the_account_at_once, |app| {
    let who = app.candidate().await;
    let phone = app.login(&who.email, PASSWORD).await;
    let laptop = app.login(&who.email, PASSWORD).await;
    let phone_access = phone.body["access_token"].as_str().unwrap().to_owned();
    let laptop_refresh = laptop.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&phone_access)).await.status, 200);
    let out = app
        .post(
            "/api/v1/auth/logout",
            json!({"refresh_token": phone.body["refresh_token"]}),
            None,
        )
        .await;
    assert_eq!(out.status, 204);
    app.get("/api/v1/me", Some(&phone_access))
        .await
        .problem(401);
    app.get("/api/v1/me", Some(&who.token)).await.problem(401);
    app.post(
        "/api/v1/auth/refresh",
        json!({"refresh_token": laptop_refresh}),
        None,
    )
    .await
    .problem(401);
    let again = app.login(&who.email, PASSWORD).await;
    let fresh = again.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", Some(fresh)).await.status, 200);
});

db_test!(
    a_password_change_needs_the_current_one_and_ends_every_session,
    |app| {
        let who = app.candidate().await;
        let other = app.login(&who.email, PASSWORD).await;
        let change = |current: &'static str, new: &'static str| {
            let token = who.token.clone();
            let app = &app;
            async move {
                app.send(
                    reqwest::Method::PUT,
                    "/api/v1/me/password",
                    Some(json!({"current_password": current, "new_password": new})),
                    Some(&token),
                )
                .await
            }
        };
        let wrong = change("not my password at all", "a brand new passphrase").await;
        assert_eq!(wrong.problem(422)["errors"][0]["field"], "current_password");
        let short = change(PASSWORD, "short").await;
        assert_eq!(short.problem(422)["errors"][0]["field"], "new_password");
        assert_eq!(
            app.get("/api/v1/me", Some(&who.token)).await.status,
            200,
            "nothing changed yet"
        );
        let done = change(PASSWORD, "a brand new passphrase").await;
        assert_eq!(done.status, 204, "{}", done.text);
        app.get("/api/v1/me", Some(&who.token)).await.problem(401);
        app.post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": other.body["refresh_token"]}),
            None,
        )
        .await
        .problem(401);
        app.login(&who.email, PASSWORD).await.problem(401);
        assert_eq!(
            app.login(&who.email, "a brand new passphrase").await.status,
            200
        );
    }
);

db_test!(
    a_disabled_account_loses_every_session_and_cannot_sign_in,
    |app| {
        let admin = app.admin().await;
        let who = app.candidate().await;
        let login = app.login(&who.email, PASSWORD).await;
        let path = format!("/api/v1/admin/accounts/{}/status", who.id);
        app.post(&path, json!({"disabled": true}), Some(&admin.token))
            .await
            .problem(422);
        app.post(
            &path,
            json!({"disabled": true, "reason": "x"}),
            Some(&who.token),
        )
        .await
        .problem(403);
        let disabled = app
            .post(
                &path,
                json!({"disabled": true, "reason": "identity fraud under investigation"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(disabled.status, 204, "{}", disabled.text);
        app.get("/api/v1/me", Some(&who.token)).await.problem(401);
        app.post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": login.body["refresh_token"]}),
            None,
        )
        .await
        .problem(401);
        let refused = app.login(&who.email, PASSWORD).await;
        assert!(
            refused.problem(403)["detail"]
                .as_str()
                .unwrap()
                .contains("disabled")
        );
        app.post(
            &format!("/api/v1/admin/accounts/{}/status", admin.id),
            json!({"disabled": true, "reason": "oops"}),
            Some(&admin.token),
        )
        .await
        .problem(409);
        app.post(
            &format!("/api/v1/admin/accounts/{}/status", uuid::Uuid::now_v7()),
            json!({"disabled": true, "reason": "nobody"}),
            Some(&admin.token),
        )
        .await
        .problem(404);

        let enabled = app
            .post(
                &path,
                json!({"disabled": false, "reason": "cleared"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(enabled.status, 204);
        assert_eq!(app.login(&who.email, PASSWORD).await.status, 200);
    }
);

db_test!(
    a_login_ends_at_its_absolute_lifetime_however_often_it_is_refreshed,
    |app| {
        let who = app.candidate().await;
        let mut refresh = app.login(&who.email, PASSWORD).await.body["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(app.settings.auth.session_max_days, 30);
        // Each refresh is within the 14 days a refresh token lives; the last one, on day
        // 29, would live to day 43 but for the login's 30-day limit.
        for days in [10, 10, 9] {
            app.advance(time::Duration::days(days));
            let renewed = app
                .post(
                    "/api/v1/auth/refresh",
                    json!({"refresh_token": refresh}),
                    None,
                )
                .await;
            assert_eq!(renewed.status, 200, "{}", renewed.text);
            refresh = renewed.body["refresh_token"].as_str().unwrap().to_owned();
        }
        app.advance(time::Duration::days(2));
        app.post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": refresh}),
            None,
        )
        .await
        .problem(401);
    }
);

db_test!(
    an_unverified_address_cannot_sit_a_paper_until_its_link_is_used,
    |app| {
        let email = "fresh@example.org";
        assert_eq!(app.register(email).await.status, 201);
        let token = app.login(email, PASSWORD).await.body["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.get("/api/v1/me", Some(&token)).await.body["email_verified"],
            false
        );
        let refused = app.start_sitting(&token, "iso20000-foundation").await;
        assert_eq!(
            refused.problem(403)["type"],
            "urn:invigilator:problem:email-not-verified"
        );
        // A second link may be asked for; either works once.
        let again = app
            .post("/api/v1/me/verification", json!({}), Some(&token))
            .await;
        assert_eq!(again.status, 202);
        app.deliver_mail().await;
        let link = app.link_token(
            email,
            "https://exams.invigilator.test/account/verify#token=",
        );
        app.post(
            "/api/v1/auth/verify-email",
            json!({"token": "made-up"}),
            None,
        )
        .await
        .problem(410);
        let verified = app
            .post("/api/v1/auth/verify-email", json!({"token": link}), None)
            .await;
        assert_eq!(verified.status, 204);
        app.post("/api/v1/auth/verify-email", json!({"token": link}), None)
            .await
            .problem(410);
        assert_eq!(
            app.get("/api/v1/me", Some(&token)).await.body["email_verified"],
            true
        );
        assert_eq!(
            app.start_sitting(&token, "iso20000-foundation")
                .await
                .status,
            201
        );
        app.post("/api/v1/me/verification", json!({}), Some(&token))
            .await
            .problem(409);
        let page = app.get("/account/verify", None).await;
        assert!(page.text.contains("Confirm your e-mail address"));
    }
);

db_test!(
    a_body_that_verifies_identity_otherwise_can_turn_verification_off,
    |settings| {
        settings.auth.require_verified_email = false;
    },
    |app| {
        let email = "walk-in@example.org";
        assert_eq!(app.register(email).await.status, 201);
        assert_eq!(app.deliver_mail().await, 0, "no verification mail");
        let token = app.login(email, PASSWORD).await.body["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.start_sitting(&token, "iso20000-foundation")
                .await
                .status,
            201
        );
    }
);

db_test!(a_password_reset_tells_nothing_and_works_once, |app| {
    let who = app.candidate().await;
    let unknown = app
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": "nobody@example.org"}),
            None,
        )
        .await;
    let known = app
        .post(
            "/api/v1/auth/password-reset",
            json!({"email": who.email}),
            None,
        )
        .await;
    assert_eq!((unknown.status.as_u16(), known.status.as_u16()), (202, 202));
    assert_eq!(unknown.body, known.body, "the same answer either way");
    assert_eq!(
        app.deliver_mail().await,
        1,
        "only the real account is mailed"
    );
    let token = app.link_token(
        &who.email,
        "https://exams.invigilator.test/account/reset#token=",
    );
    let short = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": token, "password": "short"}),
            None,
        )
        .await;
    assert_eq!(short.problem(422)["errors"][0]["field"], "password");
    let done = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            json!({"token": token, "password": "my new long passphrase"}),
            None,
        )
        .await;
    assert_eq!(done.status, 204, "{}", done.text);
    app.get("/api/v1/me", Some(&who.token)).await.problem(401);
    app.login(&who.email, PASSWORD).await.problem(401);
    assert_eq!(
        app.login(&who.email, "my new long passphrase").await.status,
        200
    );
    app.post(
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "password": "and yet another one"}),
        None,
    )
    .await
    .problem(410);

    // A link is short-lived.
    app.post(
        "/api/v1/auth/password-reset",
        json!({"email": who.email}),
        None,
    )
    .await;
    app.deliver_mail().await;
    let late = app.link_token(
        &who.email,
        "https://exams.invigilator.test/account/reset#token=",
    );
    app.advance(time::Duration::minutes(61));
    app.post(
        "/api/v1/auth/password-reset/confirm",
        json!({"token": late, "password": "too late for this one"}),
        None,
    )
    .await
    .problem(410);
    assert!(
        app.get("/account/reset", None)
            .await
            .text
            .contains("Choose a new password")
    );
});
