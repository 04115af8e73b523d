//! The audit ledger: each decision on record in its own transaction, the trails
//! administrators read, the chain `invigilator audit verify` checks, and tampering caught.

use std::process::Command;

use sea_orm::{ConnectionTrait, DbBackend};

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn actions(trail: &Value) -> Vec<String> {
    trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn verified(app: &TestApp) -> invigilator::app::audit::Verified {
    invigilator::app::audit::verify(&app.state.db)
        .await
        .unwrap()
}

/// Runs `invigilator audit verify` on the test's database.
fn verify_command(app: &TestApp) -> (bool, String) {
    use secrecy::ExposeSecret;
    let output = Command::new(env!("CARGO_BIN_EXE_invigilator"))
        .current_dir(repo_root())
        .env("APP_ENVIRONMENT", "test")
        .env(
            "APP_DATABASE__URL",
            app.settings.database.url.expose_secret(),
        )
        .args(["audit", "verify"])
        .output()
        .unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Lets the test change entries, as someone with direct database access could.
async fn bypass_append_only(app: &TestApp) {
    let db = &app.state.db;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
                .await
                .unwrap();
        }
        _ => {
            db.execute_unprepared("DROP TRIGGER audit_log_no_update")
                .await
                .unwrap();
            db.execute_unprepared("DROP TRIGGER audit_log_no_delete")
                .await
                .unwrap();
        }
    }
}

db_test!(
    a_sittings_trail_records_each_step_with_who_and_from_where,
    |app| {
        let admin = app.admin().await;
        let candidate = app.candidate().await;
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let key = app.key_of(&id, 1).await;
        let wrong = app.wrong_of(&id, 1).await;
        assert_eq!(
            app.save_answer(&candidate.token, &id, 1, &wrong)
                .await
                .status,
            200
        );
        assert_eq!(
            app.save_answer(&candidate.token, &id, 1, &key).await.status,
            200
        );
        assert_eq!(app.submit(&candidate.token, &id).await.status, 200);

        let path = format!("/api/v1/admin/sittings/{id}/audit");
        let trail = app.get(&path, Some(&admin.token)).await;
        assert_eq!(trail.status, 200, "{}", trail.text);
        assert_eq!(
            actions(&trail.body),
            [
                "sitting.started",
                "sitting.answer_saved",
                "sitting.answer_saved",
                "sitting.submitted",
                "sitting.scored"
            ]
        );
        let entries = trail.body.as_array().unwrap();
        let me = candidate.id.to_string();
        for e in &entries[..4] {
            assert_eq!(e["actor"], me.as_str(), "{e}");
            assert_eq!(e["client"], "127.0.0.1", "{e}");
            assert_eq!(e["target_kind"], "sitting");
            assert_eq!(e["target_id"], id.as_str());
        }
        // The answers as they changed, in order; the score by the server itself.
        assert_eq!(entries[1]["detail"]["number"], 1);
        assert_eq!(entries[1]["detail"]["response"]["choice"], wrong.as_str());
        assert_eq!(entries[2]["detail"]["response"]["choice"], key.as_str());
        assert_eq!(entries[4]["actor"], "system");
        assert_eq!(entries[4]["detail"]["score"], 1);
        assert_eq!(entries[4]["detail"]["passed"], false);
        assert_eq!(
            entries[0]["detail"]["deadline"],
            sitting["deadline"]
                .as_str()
                .unwrap()
                .replace(".000", "")
                .as_str(),
            "{}",
            entries[0]
        );
        // Entries link: each names the one before it.
        for pair in entries.windows(2) {
            assert!(pair[1]["seq"].as_i64() > pair[0]["seq"].as_i64());
        }

        // An administrator reading the marked paper is on the trail too.
        assert_eq!(
            app.get(&format!("/api/v1/admin/sittings/{id}"), Some(&admin.token))
                .await
                .status,
            200
        );
        let trail = app.get(&path, Some(&admin.token)).await;
        let last = trail.body.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "sitting.marked_paper_read");
        assert_eq!(last["actor"], admin.id.to_string().as_str());

        // Paged like every list.
        let first = app
            .get(&format!("{path}?limit=2"), Some(&admin.token))
            .await;
        assert_eq!(first.body.as_array().unwrap().len(), 2);
        let link = first.headers["link"].to_str().unwrap().to_owned();
        let next = link
            .split_once('<')
            .and_then(|(_, r)| r.split_once('>'))
            .unwrap()
            .0
            .to_owned();
        let second = app.get(&next, Some(&admin.token)).await;
        assert_eq!(second.status, 200, "{}", second.text);
        assert_eq!(
            actions(&second.body),
            ["sitting.answer_saved", "sitting.submitted"]
        );

        // Only administrators read trails; an unknown sitting is 404.
        assert_eq!(app.get(&path, Some(&candidate.token)).await.status, 403);
        assert_eq!(app.get(&path, None).await.status, 401);
        let unknown = format!("/api/v1/admin/sittings/{}/audit", Uuid::now_v7());
        assert_eq!(app.get(&unknown, Some(&admin.token)).await.status, 404);
    }
);

db_test!(
    a_sitting_closed_at_its_deadline_is_on_record_as_the_servers_doing,
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        app.advance(time::Duration::minutes(61));
        assert_eq!(app.sweep().await, 1);
        let admin = app.admin().await;
        let trail = app
            .get(
                &format!("/api/v1/admin/sittings/{id}/audit"),
                Some(&admin.token),
            )
            .await;
        assert_eq!(
            actions(&trail.body),
            [
                "sitting.started",
                "sitting.closed_at_deadline",
                "sitting.scored"
            ]
        );
        let closed = &trail.body[1];
        assert_eq!(closed["actor"], "system");
        assert_eq!(closed["client"], Value::Null);
        assert_eq!(closed["detail"]["answered"], 0);
    }
);

db_test!(
    a_certificates_trail_holds_its_issue_and_every_status_change,
    |app| {
        let admin = app.admin().await;
        let candidate = app.candidate().await;
        let number = app.pass_foundation(&candidate).await;
        let status = format!("/api/v1/admin/certificates/{number}/status");
        let suspend = app
            .post(
                &status,
                json!({"action": "suspend", "reason": "under investigation"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(suspend.status, 200, "{}", suspend.text);
        let reinstate = app
            .post(
                &status,
                json!({"action": "reinstate", "reason": "cleared"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(reinstate.status, 200, "{}", reinstate.text);
        let reissue = app
            .post(
                &format!("/api/v1/admin/certificates/{number}/reissue"),
                json!({"reason": "name changed"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(reissue.status, 201, "{}", reissue.text);
        let new_number = reissue.body["number"].as_str().unwrap().to_owned();

        let path = format!("/api/v1/admin/certificates/{number}/audit");
        let trail = app.get(&path, Some(&admin.token)).await;
        assert_eq!(trail.status, 200, "{}", trail.text);
        assert_eq!(
            actions(&trail.body),
            [
                "certificate.issued",
                "certificate.status_changed",
                "certificate.status_changed",
                "certificate.reissued"
            ]
        );
        let e = trail.body.as_array().unwrap();
        assert_eq!(e[0]["actor"], "system");
        assert_eq!(e[1]["actor"], admin.id.to_string().as_str());
        assert_eq!(e[1]["detail"]["before"]["status"], "valid");
        assert_eq!(e[1]["detail"]["after"]["status"], "suspended");
        assert_eq!(e[1]["detail"]["private_reason"], "under investigation");
        assert_eq!(e[2]["detail"]["after"]["status"], "valid");
        assert_eq!(e[3]["detail"]["after"]["replaced_by"], new_number.as_str());
        let new_trail = app
            .get(
                &format!("/api/v1/admin/certificates/{new_number}/audit"),
                Some(&admin.token),
            )
            .await;
        assert_eq!(actions(&new_trail.body), ["certificate.issued"]);
        assert_eq!(new_trail.body[0]["actor"], admin.id.to_string().as_str());

        assert_eq!(app.get(&path, Some(&candidate.token)).await.status, 403);
        let unknown = app
            .get(
                "/api/v1/admin/certificates/I20F-2026-999999-0/audit",
                Some(&admin.token),
            )
            .await;
        assert_eq!(unknown.status, 404);
    }
);

db_test!(sign_ins_failures_and_decisions_are_on_the_ledger, |app| {
    let admin = app.admin().await;
    let candidate = app.candidate().await;
    assert_eq!(
        app.login(&candidate.email, "wrong password").await.status,
        401
    );
    assert_eq!(
        app.login("nobody@nowhere.example", "wrong password")
            .await
            .status,
        401
    );
    let evidence = app
        .declare_credential(&candidate.token, "itil-foundation")
        .await;
    let decided = app.decide(&admin.token, &evidence, "approve", None).await;
    assert_eq!(decided.status, 200, "{}", decided.text);
    let disable = app
        .post(
            &format!("/api/v1/admin/accounts/{}/status", candidate.id),
            json!({"disabled": true, "reason": "shared their password"}),
            Some(&admin.token),
        )
        .await;
    assert!(disable.status.is_success(), "{}", disable.text);
    assert_eq!(app.login(&candidate.email, PASSWORD).await.status, 403);

    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT actor, client, action, target_id, detail FROM audit_log ORDER BY seq",
        ))
        .await
        .unwrap();
    let entries: Vec<(String, Option<String>, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "actor").unwrap(),
                r.try_get("", "client").unwrap(),
                r.try_get("", "action").unwrap(),
                r.try_get("", "target_id").unwrap(),
                r.try_get("", "detail").unwrap(),
            )
        })
        .collect();
    let me = candidate.id.to_string();
    let find = |action: &str, detail: &str| {
        entries
            .iter()
            .find(|e| e.2 == action && e.4.contains(detail) && (e.3 == me || e.3 != e.0))
            .unwrap_or_else(|| panic!("no {action} with {detail} in {entries:#?}"))
            .clone()
    };
    let signed_in = find("account.signed_in", "api");
    assert_eq!(
        (signed_in.0.as_str(), signed_in.3.as_str()),
        (me.as_str(), me.as_str())
    );
    assert_eq!(signed_in.1.as_deref(), Some("127.0.0.1"));
    let wrong = find("account.sign_in_failed", "bad_credentials");
    assert_eq!(wrong.3, me);
    let unknown = find("account.sign_in_failed", "nowhere.example");
    assert_eq!(
        (unknown.0.as_str(), unknown.3.as_str()),
        ("anonymous", "unknown")
    );
    assert!(
        !unknown.4.contains("nobody"),
        "only the domain is kept: {}",
        unknown.4
    );
    let refused = find("account.sign_in_failed", "account_disabled");
    assert_eq!(refused.3, me);
    let decided = find("evidence.decided", "approved");
    assert_eq!(decided.0, admin.id.to_string());
    assert_eq!(decided.3, evidence);
    let disabled = find("account.disabled", "shared their password");
    assert_eq!((disabled.0, disabled.3), (admin.id.to_string(), me.clone()));
    // No password in any entry.
    assert!(entries.iter().all(|e| !e.4.contains("wrong password")));
});

db_test!(
    the_chain_verifies_and_an_edited_removed_or_reordered_entry_is_named,
    |app| {
        let candidate = app.candidate().await;
        let sitting = app.start_foundation(&candidate.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        for n in 1..=5 {
            let choice = app.wrong_of(&id, n).await;
            assert_eq!(
                app.save_answer(&candidate.token, &id, n, &choice)
                    .await
                    .status,
                200
            );
        }
        assert_eq!(app.submit(&candidate.token, &id).await.status, 200);
        let invigilator::app::audit::Verified::Intact { entries, .. } = verified(&app).await else {
            panic!("the untouched ledger must verify");
        };
        assert!(entries >= 9, "{entries}");
        let (ok, out) = verify_command(&app);
        assert!(ok, "{out}");
        assert!(
            out.contains(&format!("audit ledger intact: {entries} entries")),
            "{out}"
        );

        // Append-only: the database itself refuses to change or remove an entry.
        let db = &app.state.db;
        assert!(
            db.execute_unprepared("UPDATE audit_log SET actor = 'x' WHERE seq = 3")
                .await
                .is_err()
        );
        assert!(
            db.execute_unprepared("DELETE FROM audit_log WHERE seq = 3")
                .await
                .is_err()
        );

        // Someone with direct access goes around that: the first altered entry is named.
        bypass_append_only(&app).await;
        let original: String = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT detail FROM audit_log WHERE seq = 4",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "detail")
            .unwrap();
        db.execute_unprepared(r#"UPDATE audit_log SET detail = '{"number":1,"response":{"choice":"A"}}' WHERE seq = 4"#)
        .await
        .unwrap();
        let (ok, out) = verify_command(&app);
        assert!(!ok, "{out}");
        assert!(out.contains("entry 4 was altered"), "{out}");

        // Put back, it verifies again; removing an entry is named at the gap.
        db.execute_unprepared(&format!(
            "UPDATE audit_log SET detail = '{}' WHERE seq = 4",
            original.replace('\'', "''")
        ))
        .await
        .unwrap();
        assert!(matches!(
            verified(&app).await,
            invigilator::app::audit::Verified::Intact { .. }
        ));
        db.execute_unprepared("DELETE FROM audit_log WHERE seq = 6")
            .await
            .unwrap();
        let (ok, out) = verify_command(&app);
        assert!(!ok, "{out}");
        assert!(out.contains("entry 6 is missing"), "{out}");

        // Reordering (two entries' places swapped) breaks the chain at the first of them.
        db.execute_unprepared("UPDATE audit_log SET seq = 6 WHERE seq = 7")
            .await
            .unwrap();
        db.execute_unprepared("UPDATE audit_log SET seq = 7 WHERE seq = 5")
            .await
            .unwrap();
        let (ok, out) = verify_command(&app);
        assert!(!ok, "{out}");
        assert!(out.contains("entry 5 is missing"), "{out}");

        // Entries cut off the end are caught against the head.
        db.execute_unprepared("DELETE FROM audit_log WHERE seq >= 5")
            .await
            .unwrap();
        let (ok, out) = verify_command(&app);
        assert!(!ok, "{out}");
        assert!(out.contains("ledger ends at entry 4"), "{out}");
    }
);

db_test!(
    saves_from_many_candidates_at_once_make_one_unbroken_chain,
    |app| {
        let mut candidates = Vec::new();
        for _ in 0..6 {
            let c = app.candidate().await;
            let sitting = app.start_foundation(&c.token).await;
            candidates.push((c, sitting["id"].as_str().unwrap().to_owned()));
        }
        // Two servers on one database, as when several share one PostgreSQL (on SQLite, two
        // connection pools on one file).
        let second = app.second_server().await;
        let mut tasks = Vec::new();
        for (i, (c, id)) in candidates.iter().enumerate() {
            for n in 1..=20u32 {
                let base = if (i + n as usize).is_multiple_of(2) {
                    app.address.clone()
                } else {
                    second.clone()
                };
                let client = app.client.clone();
                let (token, id) = (c.token.clone(), id.clone());
                let choice = if n % 2 == 0 { "A" } else { "B" };
                tasks.push(tokio::spawn(async move {
                    client
                        .put(format!("{base}/api/v1/sittings/{id}/answers/{n}"))
                        .bearer_auth(token)
                        .json(&json!({"choice": choice}))
                        .send()
                        .await
                        .unwrap()
                        .status()
                }));
            }
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 200);
        }
        let invigilator::app::audit::Verified::Intact { .. } = verified(&app).await else {
            panic!("concurrent appends must keep one chain");
        };
        let saved = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'sitting.answer_saved'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(saved, 6 * 20);
    }
);
