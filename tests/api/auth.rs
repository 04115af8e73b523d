//! Registration, login, tokens, refresh and logout.

use serde_json::json;

use crate::helpers::*;

db_test!(registering_creates_a_candidate_who_can_log_in, |app| {
    let reply = app.register("Zoe.Obrien@Example.org").await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["email"], "zoe.obrien@example.org");
    assert_eq!(reply.body["given_name"], "Zoë");
    assert_eq!(reply.body["family_name"], "O'Brien-Łukasiewicz");
    assert_eq!(reply.body["roles"], json!(["candidate"]));
    assert!(reply.body.get("password").is_none() && reply.body.get("password_hash").is_none());

    let login = app.login("zoe.obrien@example.org", PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 15 * 60);
    assert!(login.body["refresh_token"].is_string());

    let me = app
        .get("/api/v1/me", login.body["access_token"].as_str())
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], "zoe.obrien@example.org");
    assert_eq!(me.body["roles"], json!(["candidate"]));

    let stored = invigilator::persistence::users::find_by_id(
        &app.state.db,
        me.body["id"].as_str().unwrap().parse().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "stored as an argon2id hash"
    );
});

db_test!(a_second_account_with_the_same_email_is_refused, |app| {
    assert_eq!(app.register("dup@example.org").await.status, 201);
    app.register("DUP@example.org").await.problem(409);
});

#[tokio::test]
async fn invalid_registration_fields_are_each_named() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "not-an-email", "password": "short", "given_name": " ", "family_name": "Ok"}),
            None,
        )
        .await;
    reply.problem(422);
    assert_eq!(reply.fields(), ["email", "password", "given_name"]);
    let missing = app
        .post(
            "/api/v1/auth/register",
            json!({"email": "a@example.org"}),
            None,
        )
        .await;
    missing.problem(422);
    assert_eq!(missing.fields(), ["password"]);
}

db_test!(
    a_failed_login_does_not_say_whether_the_account_exists,
    |app| {
        app.register("known@example.org").await;
        let wrong_password = app
            .login("known@example.org", "not the password at all")
            .await;
        let unknown = app.login("unknown@example.org", PASSWORD).await;
        wrong_password.problem(401);
        unknown.problem(401);
        assert_eq!(wrong_password.body, unknown.body);
    }
);

db_test!(
    refresh_tokens_rotate_and_a_reused_one_ends_the_login,
    |app| {
        app.register("r@example.org").await;
        let login = app.login("r@example.org", PASSWORD).await;
        let first = login.body["refresh_token"].as_str().unwrap().to_owned();

        let rotated = app
            .post(
                "/api/v1/auth/refresh",
                json!({"refresh_token": first}),
                None,
            )
            .await;
        assert_eq!(rotated.status, 200, "{}", rotated.text);
        let second = rotated.body["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(first, second);
        assert_eq!(
            app.get("/api/v1/me", rotated.body["access_token"].as_str())
                .await
                .status,
            200
        );

        // The spent token again: refused, and the whole login with it.
        app.post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": first}),
            None,
        )
        .await
        .problem(401);
        app.post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": second}),
            None,
        )
        .await
        .problem(401);
    }
);

db_test!(logout_revokes_the_refresh_token, |app| {
    app.register("l@example.org").await;
    let login = app.login("l@example.org", PASSWORD).await;
    let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    let out = app
        .post(
            "/api/v1/auth/logout",
            json!({"refresh_token": refresh}),
            None,
        )
        .await;
    assert_eq!(out.status, 204);
    app.post(
        "/api/v1/auth/refresh",
        json!({"refresh_token": refresh}),
        None,
    )
    .await
    .problem(401);
});

db_test!(an_access_token_expires_by_the_servers_clock, |app| {
    let candidate = app.candidate().await;
    assert_eq!(
        app.get("/api/v1/me", Some(&candidate.token)).await.status,
        200
    );
    app.advance(time::Duration::minutes(16));
    app.get("/api/v1/me", Some(&candidate.token))
        .await
        .problem(401);
});

#[tokio::test]
async fn a_missing_or_tampered_token_is_refused() {
    let app = spawn_app().await;
    let candidate = app.candidate().await;
    let missing = app.get("/api/v1/me", None).await;
    missing.problem(401);
    let mut parts: Vec<String> = candidate.token.split('.').map(str::to_owned).collect();
    // Claim the admin role without the key.
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: serde_json::Value =
        serde_json::from_slice(&engine.decode(&parts[1]).unwrap()).unwrap();
    claims["roles"] = json!(["admin"]);
    parts[1] = engine.encode(claims.to_string());
    app.get("/api/v1/me", Some(&parts.join(".")))
        .await
        .problem(401);
}
