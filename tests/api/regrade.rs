//! Regrading with a versioned key, as the people involved act: candidates sit
//! Foundation, an administrator finds an item's key wrong and records a correction, reads
//! the dry run, cannot commit it herself, a second administrator commits it; the results,
//! certificates, e-mails, ledger and later sittings follow the corrected key.

use invigilator::domain::pool::ItemBody;
use invigilator::domain::values::option_label;
use serde_json::{Value, json};

use crate::helpers::*;

/// The item as written in the pool: its options and key.
fn written(app: &TestApp, qualification: &str, item_id: &str) -> (Vec<String>, usize) {
    let item = app
        .state
        .catalog
        .editions
        .iter()
        .flat_map(|e| &e.qualifications)
        .filter(|q| q.qualification.code == qualification)
        .flat_map(|q| &q.questions)
        .flat_map(|q| &q.items)
        .find(|i| i.id == item_id)
        .expect("the item is in the pool");
    match &item.body {
        ItemBody::Classic { options, key } => (options.clone(), *key),
        other => panic!("not a classic item: {other:?}"),
    }
}

/// The number of `item_id` on the sitting's paper, and the label this candidate sees for
/// the written option `text`.
async fn shown(app: &TestApp, sitting: &str, item_id: &str, text: &str) -> (u32, String) {
    let record = app.stored(sitting).await;
    let item = record
        .paper
        .items
        .iter()
        .find(|i| i.item_id == item_id)
        .expect("the paper holds the item");
    let at = item.body.options().iter().position(|o| o == text).unwrap();
    (item.number, option_label(at))
}

/// Answers `item_id` with the option written `text`, then `correct` of the other items
/// right and the rest wrong, and submits; returns the result.
async fn sit(
    app: &TestApp,
    who: &Candidate,
    sitting: &str,
    item_id: &str,
    text: &str,
    correct: u32,
) -> Value {
    let (number, label) = shown(app, sitting, item_id, text).await;
    let reply = app.save_answer(&who.token, sitting, number, &label).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut right = 0;
    for n in (1..=40).filter(|n| *n != number) {
        let choice = if right < correct {
            right += 1;
            app.key_of(sitting, n).await
        } else {
            app.wrong_of(sitting, n).await
        };
        let reply = app.save_answer(&who.token, sitting, n, &choice).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let result = app.submit(&who.token, sitting).await;
    assert_eq!(result.status, 200, "{}", result.text);
    result.body
}

fn items_of(record: &invigilator::domain::sitting::SittingRecord) -> Vec<String> {
    record
        .paper
        .items
        .iter()
        .map(|i| i.item_id.clone())
        .collect()
}

/// A new candidate whose Foundation paper, started now, holds `item_id` (about one paper
/// in three does); returns them and the sitting id. Candidates whose paper does not hold
/// it leave their sitting open, so no regrade reaches it.
async fn candidate_given(app: &TestApp, item_id: &str) -> (Candidate, String) {
    for _ in 0..60 {
        let who = app.candidate().await;
        let sitting = app.start_foundation(&who.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        if items_of(&app.stored(&id).await)
            .iter()
            .any(|i| i == item_id)
        {
            return (who, id);
        }
    }
    panic!("no paper held {item_id}");
}

async fn record(app: &TestApp, admin: &Candidate, body: Value) -> Reply {
    app.post("/api/v1/admin/key-corrections", body, Some(&admin.token))
        .await
}

async fn trail_actions(app: &TestApp, admin: &Candidate, sitting: &str) -> Vec<String> {
    let trail = app
        .get(
            &format!("/api/v1/admin/sittings/{sitting}/audit"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(trail.status, 200, "{}", trail.text);
    trail.body["entries"]
        .as_array()
        .or(trail.body.as_array())
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

db_test!(
    a_wrong_key_is_corrected_dry_run_then_committed_by_a_second_administrator,
    |app| {
        let examiner = app.admin().await;
        let second = app.admin().await;
        // Two candidates start; the item to correct is one both papers hold.
        let a = app.candidate().await;
        let b = app.candidate().await;
        let a_sitting = app.start_foundation(&a.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let b_sitting = app.start_foundation(&b.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let a_items = items_of(&app.stored(&a_sitting).await);
        let item = items_of(&app.stored(&b_sitting).await)
            .into_iter()
            .find(|i| a_items.contains(i))
            .expect("two Foundation papers share an item");
        let (options, key) = written(&app, "iso20000-foundation", &item);
        let new_key = (key + 1) % options.len();
        let third = (key + 2) % options.len();
        let (c, c_sitting) = candidate_given(&app, &item).await;

        // A answered what turns out to be the right key and fails by one mark; B chose
        // the old key and passes by one; C chose neither and passes comfortably.
        let a_result = sit(&app, &a, &a_sitting, &item, &options[new_key], 25).await;
        assert_eq!(
            (a_result["score"].as_u64(), a_result["passed"].as_bool()),
            (Some(25), Some(false))
        );
        let b_result = sit(&app, &b, &b_sitting, &item, &options[key], 25).await;
        assert_eq!(
            (b_result["score"].as_u64(), b_result["passed"].as_bool()),
            (Some(26), Some(true))
        );
        let b_certificate = b_result["certificate_number"].as_str().unwrap().to_owned();
        let c_result = sit(&app, &c, &c_sitting, &item, &options[third], 30).await;
        assert_eq!(c_result["score"], 30);
        app.deliver_mail().await;
        let before = app.mail.received().len();

        // Bad corrections are refused naming the field.
        let same = record(
            &app,
            &examiner,
            json!({"qualification": "iso20000-foundation", "item_id": item, "kind": "new_key", "key": {"choice": option_label(key)}, "reason": "Key checked"}),
        )
        .await;
        assert_eq!(same.status, 422, "{}", same.text);
        assert_eq!(same.fields(), ["key"]);
        let unknown = record(
            &app,
            &examiner,
            json!({"qualification": "iso20000-foundation", "item_id": "FND-XX-999", "kind": "credit_all", "reason": "Key checked"}),
        )
        .await;
        assert_eq!(unknown.fields(), ["item_id"]);

        // A, who failed by one mark, appeals the result; a reviewer who had no part in it
        // upholds the appeal with a regrade as the remedy.
        let lodged = app
            .post(
                "/api/v1/me/cases",
                json!({"kind": "appeal", "target_kind": "sitting", "target_id": a_sitting,
                       "statement": "The keyed answer to one question contradicts clause 9.1."}),
                Some(&a.token),
            )
            .await;
        assert_eq!(lodged.status, 201, "{}", lodged.text);
        let appeal = lodged.body["id"].as_str().unwrap().to_owned();
        let reviewer = app.admin().await;
        let assigned = app
            .post(
                &format!("/api/v1/admin/cases/{appeal}/reviewer"),
                json!({"reviewer": reviewer.id}),
                Some(&examiner.token),
            )
            .await;
        assert_eq!(assigned.status, 200, "{}", assigned.text);
        // A correction may cite only an appeal upheld with a regrade.
        let premature = record(
            &app,
            &examiner,
            json!({"qualification": "iso20000-foundation", "item_id": item, "kind": "new_key", "key": {"choice": option_label(new_key)}, "reason": "The keyed option contradicts clause 9.1", "appeal_id": appeal}),
        )
        .await;
        assert_eq!(premature.status, 422, "{}", premature.text);
        assert_eq!(premature.fields(), ["appeal_id"]);
        let upheld = app
            .post(
                &format!("/api/v1/admin/cases/{appeal}/decision"),
                json!({"outcome": "upheld", "reasons": "The keyed option contradicts clause 9.1; the key is corrected for everyone.", "remedy": "regrade"}),
                Some(&reviewer.token),
            )
            .await;
        assert_eq!(upheld.status, 200, "{}", upheld.text);
        assert_eq!(upheld.body["remedy"], "regrade");

        // The examiner records the correction, citing the appeal.
        let recorded = record(
            &app,
            &examiner,
            json!({"qualification": "iso20000-foundation", "item_id": item, "kind": "new_key", "key": {"choice": option_label(new_key)}, "reason": "The keyed option contradicts clause 9.1", "appeal_id": appeal}),
        )
        .await;
        assert_eq!(recorded.status, 201, "{}", recorded.text);
        assert_eq!(recorded.body["status"], "draft");
        assert_eq!(recorded.body["appeal_id"], appeal);
        assert_eq!(recorded.body["version"], Value::Null);
        let id = recorded.body["id"].as_str().unwrap().to_owned();

        // The dry run: three sittings, A fail → pass, B pass → fail, C unchanged.
        let shown = app
            .get(
                &format!("/api/v1/admin/key-corrections/{id}"),
                Some(&second.token),
            )
            .await;
        assert_eq!(shown.status, 200, "{}", shown.text);
        let dry = &shown.body["dry_run"];
        assert_eq!(dry["results_may_only_rise"], false);
        assert_eq!(
            dry["summary"],
            json!({"affected": 3, "score_changed": 2, "pass_to_fail": 1, "fail_to_pass": 1, "kept": 0})
        );
        let row = |sitting: &str| {
            dry["sittings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["sitting_id"] == sitting)
                .cloned()
                .unwrap()
        };
        let ra = row(&a_sitting);
        assert_eq!(
            (ra["old_score"].as_u64(), ra["new_score"].as_u64()),
            (Some(25), Some(26))
        );
        assert_eq!(
            (ra["old_passed"].as_bool(), ra["new_passed"].as_bool()),
            (Some(false), Some(true))
        );
        assert_eq!(ra["candidate_email"], a.email);
        let rb = row(&b_sitting);
        assert_eq!(
            (rb["old_score"].as_u64(), rb["new_score"].as_u64()),
            (Some(26), Some(25))
        );
        assert_eq!(rb["new_passed"], false);
        let rc = row(&c_sitting);
        assert_eq!(
            (rc["old_score"].as_u64(), rc["new_score"].as_u64()),
            (Some(30), Some(30))
        );
        // Nothing has changed yet.
        assert_eq!(app.result(&a.token, &a_sitting).await.body["passed"], false);

        // The examiner who recorded it cannot commit it.
        let own = app
            .post(
                &format!("/api/v1/admin/key-corrections/{id}/commit"),
                json!({}),
                Some(&examiner.token),
            )
            .await;
        assert_eq!(own.status, 403, "{}", own.text);
        assert_eq!(
            own.problem(403)["type"],
            "urn:invigilator:problem:four-eyes"
        );
        assert!(own.body["detail"].as_str().unwrap().contains("17024"));

        // A second administrator commits it: key version 1.
        let committed = app
            .post(
                &format!("/api/v1/admin/key-corrections/{id}/commit"),
                json!({}),
                Some(&second.token),
            )
            .await;
        assert_eq!(committed.status, 200, "{}", committed.text);
        assert_eq!(committed.body["correction"]["status"], "committed");
        assert_eq!(committed.body["correction"]["version"], 1);
        assert_eq!(
            committed.body["correction"]["decided_by"],
            second.id.to_string()
        );
        assert_eq!(committed.body["summary"]["fail_to_pass"], 1);
        let again = app
            .post(
                &format!("/api/v1/admin/key-corrections/{id}/commit"),
                json!({}),
                Some(&second.token),
            )
            .await;
        assert_eq!(again.status, 409, "{}", again.text);

        // A now passes, with a certificate and an e-mail.
        let a_now = app.result(&a.token, &a_sitting).await;
        assert_eq!(
            (a_now.body["score"].as_u64(), a_now.body["passed"].as_bool()),
            (Some(26), Some(true))
        );
        let a_certificate = a_now.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned();
        let mine = app.get("/api/v1/me/certificates", Some(&a.token)).await;
        assert_eq!(mine.body[0]["number"], a_certificate);
        // B's certificate is revoked, superseded by regrade.
        let b_now = app.result(&b.token, &b_sitting).await;
        assert_eq!(b_now.body["passed"], false);
        let verification = app
            .get(
                &format!("/api/v1/certificates/{b_certificate}/verification"),
                None,
            )
            .await;
        assert_eq!(verification.body["status"], "revoked");
        assert_eq!(verification.body["reason"], "superseded by regrade");
        // C's result is as it was.
        assert_eq!(app.result(&c.token, &c_sitting).await.body["score"], 30);

        app.deliver_mail().await;
        let mail = app.mail.received();
        let corrected: Vec<_> = mail[before..]
            .iter()
            .filter(|m| m.subject().contains("has been corrected"))
            .collect();
        assert_eq!(corrected.len(), 2, "A and B are told, C is not");
        let to_a = corrected.iter().find(|m| m.to.contains(&a.email)).unwrap();
        assert!(
            to_a.text().contains("You have now passed"),
            "{}",
            to_a.text()
        );
        let to_b = corrected.iter().find(|m| m.to.contains(&b.email)).unwrap();
        assert!(
            to_b.text().contains("superseded by regrade"),
            "{}",
            to_b.text()
        );

        // Each sitting records the key version that scored it; the ledger holds the steps.
        let marked = app
            .get(
                &format!("/api/v1/admin/sittings/{a_sitting}"),
                Some(&second.token),
            )
            .await;
        assert_eq!(marked.body["key_version"], 1);
        assert_eq!(marked.body["score"], 26);
        // The marked paper page gives A's answer to the corrected item its mark too.
        let number = app
            .stored(&a_sitting)
            .await
            .paper
            .items
            .iter()
            .find(|i| i.item_id == item)
            .map(|i| i.number)
            .unwrap();
        let mut examiners = crate::browser::Browser::signed_in(&app, &second.email, "/admin").await;
        let page = examiners.get(&format!("/admin/sittings/{a_sitting}")).await;
        assert!(
            page.text
                .contains(&format!("id=\"item-{number}\">Item {number}: 1 of 1 mark<")),
            "{}",
            page.text
        );
        let actions = trail_actions(&app, &second, &b_sitting).await;
        assert!(
            actions.iter().any(|a| a == "sitting.rescored"),
            "{actions:?}"
        );
        assert!(matches!(
            invigilator::app::audit::verify(&app.state.db)
                .await
                .unwrap(),
            invigilator::app::audit::Verified::Intact { .. }
        ));

        // A sitting closed after the commit is scored with the corrected key.
        let (d, d_sitting) = candidate_given(&app, &item).await;
        let d_result = sit(&app, &d, &d_sitting, &item, &options[new_key], 0).await;
        assert_eq!(d_result["score"], 1, "{d_result}");
        let marked = app
            .get(
                &format!("/api/v1/admin/sittings/{d_sitting}"),
                Some(&second.token),
            )
            .await;
        assert_eq!(marked.body["key_version"], 1);

        // The list shows it; a committed correction has no dry run.
        let list = app
            .get(
                "/api/v1/admin/key-corrections?status=committed",
                Some(&second.token),
            )
            .await;
        assert_eq!(list.body.as_array().unwrap().len(), 1);
        let shown = app
            .get(
                &format!("/api/v1/admin/key-corrections/{id}"),
                Some(&second.token),
            )
            .await;
        assert_eq!(shown.body["dry_run"], Value::Null);
        assert_eq!(shown.body["version"], 1);
    }
);

db_test!(
    a_withdrawn_correction_changes_nothing_and_cannot_be_committed,
    |app| {
        let examiner = app.admin().await;
        let second = app.admin().await;
        let recorded = record(
            &app,
            &examiner,
            json!({"qualification": "iso20000-foundation", "item_id": "FND-CP-001", "kind": "credit_all", "reason": "Ambiguous stem"}),
        )
        .await;
        assert_eq!(recorded.status, 201, "{}", recorded.text);
        let id = recorded.body["id"].as_str().unwrap();
        let withdrawn = app
            .post(
                &format!("/api/v1/admin/key-corrections/{id}/withdraw"),
                json!({}),
                Some(&examiner.token),
            )
            .await;
        assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
        assert_eq!(withdrawn.body["status"], "withdrawn");
        let commit = app
            .post(
                &format!("/api/v1/admin/key-corrections/{id}/commit"),
                json!({}),
                Some(&second.token),
            )
            .await;
        assert_eq!(commit.status, 409, "{}", commit.text);
        let unknown = app
            .post(
                &format!(
                    "/api/v1/admin/key-corrections/{}/commit",
                    uuid::Uuid::now_v7()
                ),
                json!({}),
                Some(&second.token),
            )
            .await;
        assert_eq!(unknown.status, 404);
        // accept_either needs a classic item's second option; credit_all takes no key.
        let keyed = record(
            &app,
            &examiner,
            json!({"qualification": "iso20000-foundation", "item_id": "FND-CP-001", "kind": "credit_all", "key": {"choice": "A"}, "reason": "r"}),
        )
        .await;
        assert_eq!(keyed.fields(), ["key"]);
    }
);

db_test!(
    where_results_may_only_rise_a_pass_stands_and_its_certificate_too,
    |settings| {
        settings.pools.dir = repo_root().join("tests/fixtures/regrade-pools");
    },
    |app| {
        let examiner = app.admin().await;
        let second = app.admin().await;
        let who = app.candidate().await;
        let sitting = app.start_sitting(&who.token, "demo-rise").await;
        assert_eq!(sitting.status, 201, "{}", sitting.text);
        let id = sitting.body["id"].as_str().unwrap().to_owned();
        // Right on RISE-1 and RISE-2 (2 of 3, the pass mark), wrong on RISE-3.
        for (item, text) in [
            ("RISE-1", "right 1"),
            ("RISE-2", "right 2"),
            ("RISE-3", "wrong 3a"),
        ] {
            let (number, label) = shown(&app, &id, item, text).await;
            app.save_answer(&who.token, &id, number, &label).await;
        }
        let result = app.submit(&who.token, &id).await;
        assert_eq!(result.body["passed"], true, "{}", result.text);
        let certificate = result.body["certificate_number"]
            .as_str()
            .unwrap()
            .to_owned();

        let recorded = record(
            &app,
            &examiner,
            json!({"qualification": "demo-rise", "item_id": "RISE-1", "kind": "new_key", "key": {"choice": "B"}, "reason": "Option B is the right one"}),
        )
        .await;
        assert_eq!(recorded.status, 201, "{}", recorded.text);
        let correction = recorded.body["id"].as_str().unwrap();
        let shown_run = app
            .get(
                &format!("/api/v1/admin/key-corrections/{correction}"),
                Some(&second.token),
            )
            .await;
        let dry = &shown_run.body["dry_run"];
        assert_eq!(dry["results_may_only_rise"], true);
        assert_eq!(dry["summary"]["pass_to_fail"], 0);
        assert_eq!(dry["summary"]["kept"], 1);
        let row = &dry["sittings"][0];
        assert_eq!(
            (row["corrected_score"].as_u64(), row["new_score"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(
            (row["kept"].as_bool(), row["new_passed"].as_bool()),
            (Some(true), Some(true))
        );

        let committed = app
            .post(
                &format!("/api/v1/admin/key-corrections/{correction}/commit"),
                json!({}),
                Some(&second.token),
            )
            .await;
        assert_eq!(committed.status, 200, "{}", committed.text);
        let now = app.result(&who.token, &id).await;
        assert_eq!(
            (now.body["score"].as_u64(), now.body["passed"].as_bool()),
            (Some(2), Some(true))
        );
        let verification = app
            .get(
                &format!("/api/v1/certificates/{certificate}/verification"),
                None,
            )
            .await;
        assert_eq!(verification.body["status"], "valid");
        // The kept result is still the one key version 0 gave.
        let marked = app
            .get(&format!("/api/v1/admin/sittings/{id}"), Some(&second.token))
            .await;
        assert_eq!(marked.body["key_version"], 0);
        assert!(matches!(
            invigilator::app::audit::verify(&app.state.db)
                .await
                .unwrap(),
            invigilator::app::audit::Verified::Intact { .. }
        ));
    }
);

db_test!(
    the_pages_record_a_correction_show_its_dry_run_and_let_only_another_administrator_commit,
    |settings| {
        settings.pools.dir = repo_root().join("tests/fixtures/regrade-pools");
    },
    |app| {
        let who = app.candidate().await;
        let sitting = app.start_sitting(&who.token, "demo-rise").await;
        let id = sitting.body["id"].as_str().unwrap().to_owned();
        for (item, text) in [
            ("RISE-1", "wrong 1a"),
            ("RISE-2", "right 2"),
            ("RISE-3", "wrong 3a"),
        ] {
            let (number, label) = shown(&app, &id, item, text).await;
            app.save_answer(&who.token, &id, number, &label).await;
        }
        assert_eq!(app.submit(&who.token, &id).await.body["passed"], false);

        let examiner = app.admin().await;
        let mut browser = crate::browser::Browser::signed_in(&app, &examiner.email, "/admin").await;
        let list = browser.get("/admin/key-corrections").await;
        assert_eq!(list.status, 200, "{}", list.text);
        let refused = browser
            .submit(
                "/admin/key-corrections",
                &[
                    ("qualification", "demo-rise"),
                    ("item_id", "RISE-1"),
                    ("kind", "new_key"),
                    ("key", "A"),
                    ("reason", "checked"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.text.contains("id=\"key-error\""),
            "{}",
            refused.text
        );
        let recorded = browser
            .submit(
                "/admin/key-corrections",
                &[
                    ("qualification", "demo-rise"),
                    ("item_id", "RISE-1"),
                    ("kind", "credit_all"),
                    ("key", ""),
                    ("reason", "Two options are right"),
                ],
            )
            .await;
        assert_eq!(recorded.status, 303, "{}", recorded.text);
        let path = recorded.location.clone().unwrap();
        let page = browser.follow(&recorded).await;
        assert!(page.text.contains("Fail to pass"), "{}", page.text);
        assert!(page.text.contains("you cannot commit it"), "{}", page.text);
        assert!(
            !page.text.contains("/commit\""),
            "the recorder gets no commit form"
        );
        let own = browser.submit(&format!("{path}/commit"), &[]).await;
        assert_eq!(own.status, 403);
        assert!(own.text.contains("four-eyes"), "{}", own.text);

        let second = app.admin().await;
        let mut other = crate::browser::Browser::signed_in(&app, &second.email, "/admin").await;
        let page = other.get(&path).await;
        assert!(page.text.contains("Commit the correction"), "{}", page.text);
        let committed = other.submit(&format!("{path}/commit"), &[]).await;
        assert_eq!(committed.location, Some(format!("{path}?done=committed")));
        let done = other.follow(&committed).await;
        assert!(
            done.text.contains("The correction is committed"),
            "{}",
            done.text
        );
        let result = app.result(&who.token, &id).await;
        assert_eq!(
            (
                result.body["score"].as_u64(),
                result.body["passed"].as_bool()
            ),
            (Some(2), Some(true))
        );
        assert!(result.body["certificate_number"].is_string());
    }
);
