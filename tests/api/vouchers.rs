//! Vouchers as people use them: an administrator issues a batch to an ATO, staff assign
//! them to delegates (one by one and by CSV), a delegate sits Foundation under a scheme
//! that requires a voucher and the voucher is consumed, concurrent starts, expiry by the
//! clock, the reminder e-mail, other organizations' vouchers, codes with typos, voiding,
//! and the booking hooks for exam sessions.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use invigilator::clock::Clock;

use crate::helpers::*;

const FOUNDATION: &str = "iso20000-foundation";

/// A copy of the shipped pools whose Foundation requires a voucher (and reminds 14 days
/// before expiry), made once per test run.
fn voucher_pools() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!(
            "invigilator-voucher-pools-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        copy_dir(&repo_root().join("question-pools"), &dir);
        let scheme = dir.join("iso20000-2011/scheme.toml");
        let text = std::fs::read_to_string(&scheme).unwrap();
        let marker = "pilot = 0\n[qualification.prerequisites]\nrule = \"none\"\n";
        assert!(text.contains(marker), "the shipped Foundation changed shape");
        let text = text.replacen(
            marker,
            &format!("{marker}[qualification.entitlement]\nvoucher = \"required\"\nno_show_consumes_voucher = true\nreminder_days_before_expiry = 14\n"),
            1,
        );
        std::fs::write(&scheme, text).unwrap();
        dir
    })
    .clone()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn required(settings: &mut invigilator::config::Settings) {
    settings.pools.dir = voucher_pools();
}

/// Issues `count` Foundation vouchers to `ato` valid for `days` days; (id, code) each.
async fn issue(
    app: &TestApp,
    admin: &Candidate,
    ato: &str,
    count: u32,
    days: i64,
) -> Vec<(String, String)> {
    let reply = app
        .post(
            &format!("/api/v1/admin/atos/{ato}/vouchers"),
            json!({"qualification": FOUNDATION, "count": count, "valid_from": app.day(0), "expires_on": app.day(days)}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    codes(&reply.body)
}

fn codes(batch: &Value) -> Vec<(String, String)> {
    batch["vouchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_owned(),
                v["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A candidate enrolled on a course of the staff's ATO who accepted the enrolment.
async fn delegate(app: &TestApp, staff: &Staff, course: &str) -> Candidate {
    let candidate = app.candidate().await;
    let enrolled = app
        .post(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            json!({"given_name": "Zoë", "family_name": "O'Brien", "email": candidate.email}),
            Some(&staff.token),
        )
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    app.accept_enrolment(&candidate.email).await;
    candidate
}

async fn upload(app: &TestApp, staff: &Staff, csv: &str) -> Reply {
    let response = app
        .client
        .post(app.url("/api/v1/ato/vouchers/assignments/csv"))
        .bearer_auth(&staff.token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    Reply::from(response).await
}

async fn assign(app: &TestApp, staff: &Staff, voucher: &str, email: &str) -> Reply {
    app.post(
        &format!("/api/v1/ato/vouchers/{voucher}/assignment"),
        json!({"email": email}),
        Some(&staff.token),
    )
    .await
}

async fn my_vouchers(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app.get("/api/v1/me/vouchers", Some(token)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body.as_array().unwrap().clone()
}

async fn foundation_eligibility(app: &TestApp, token: &str) -> Value {
    let reply = app.get("/api/v1/me/eligibility", Some(token)).await;
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["qualification"] == FOUNDATION)
        .unwrap()
        .clone()
}

async fn ledger_count(app: &TestApp, action: &str) -> i64 {
    let db = &app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// An ATO accredited for Foundation with a course next week; its staff and the course.
async fn organization(app: &TestApp, admin: &Candidate) -> (Staff, String) {
    let staff = app.ato(admin, &[FOUNDATION]).await;
    let course = app.course(&staff, FOUNDATION, 7, 8).await;
    (staff, course)
}

db_test!(
    staff_assign_vouchers_and_a_delegate_sits_foundation_on_one,
    |settings| { required(settings) },
    |app| {
        let admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &staff.ato, 5, 90).await;
        assert_eq!(issued.len(), 5);
        for (_, code) in &issued {
            assert_eq!(code.len(), 16, "{code}");
            assert_eq!(code.matches('-').count(), 3, "{code}");
        }
        // The server keeps no code, only hashes and the last four characters.
        let db = &app.state.db;
        let stored = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT code_hash, code_last4 FROM vouchers".to_owned(),
            ))
            .await
            .unwrap();
        assert_eq!(stored.len(), 5);
        for row in stored {
            let hash: String = row.try_get("", "code_hash").unwrap();
            assert_eq!(hash.len(), 64);
            assert!(
                issued
                    .iter()
                    .all(|(_, code)| !hash.contains(&code.replace('-', "")))
            );
        }

        let one = delegate(&app, &staff, &course).await;
        let [two, three, four] = [
            delegate(&app, &staff, &course).await,
            delegate(&app, &staff, &course).await,
            delegate(&app, &staff, &course).await,
        ];
        let outsider = app.candidate().await;

        // One by one: only to a delegate who accepted the enrolment.
        let assigned = assign(&app, &staff, &issued[0].0, &one.email).await;
        assert_eq!(assigned.status, 200, "{}", assigned.text);
        assert_eq!(assigned.body["state"], "assigned");
        assert_eq!(assigned.body["candidate_id"], one.id.to_string());
        let refused = assign(&app, &staff, &issued[1].0, &outsider.email).await;
        refused.problem(422);
        assert_eq!(refused.fields(), ["email"]);
        let again = assign(&app, &staff, &issued[0].0, &two.email).await;
        again.problem(409);

        // By CSV: three good rows and one bad, reported per row.
        let csv = format!(
            "email,qualification\n{},{FOUNDATION}\n{},{FOUNDATION}\nnobody@example.org,{FOUNDATION}\n{},{FOUNDATION}\n",
            two.email, three.email, four.email
        );
        let report = upload(&app, &staff, &csv).await;
        assert_eq!(report.status, 200, "{}", report.text);
        assert_eq!(report.body["assigned"], 3, "{}", report.text);
        assert_eq!(report.body["rejected"], 1);
        let bad = &report.body["rows"][2];
        assert_eq!(bad["row"], 4);
        assert_eq!(bad["result"], "rejected");
        assert!(bad["reason"].as_str().unwrap().contains("delegate"));
        // The same file again assigns nothing twice.
        let twice = upload(&app, &staff, &csv).await;
        assert_eq!(twice.body["assigned"], 0, "{}", twice.text);
        assert_eq!(twice.body["already_assigned"], 3);
        let list = app
            .get("/api/v1/ato/vouchers?state=assigned", Some(&staff.token))
            .await;
        assert_eq!(list.body.as_array().unwrap().len(), 4, "{}", list.text);
        let left = app
            .get("/api/v1/ato/vouchers?state=issued", Some(&staff.token))
            .await;
        assert_eq!(left.body.as_array().unwrap().len(), 1);

        // Eligibility says a voucher is needed, and whether one is held.
        let standing = foundation_eligibility(&app, &one.token).await;
        assert_eq!(standing["voucher"], json!({"required": true, "held": 1}));
        assert_eq!(standing["eligible"], true);
        let standing = foundation_eligibility(&app, &outsider.token).await;
        assert_eq!(standing["voucher"], json!({"required": true, "held": 0}));
        assert_eq!(standing["eligible"], false);
        let no_voucher = app.start_sitting(&outsider.token, FOUNDATION).await;
        no_voucher.problem(409);
        assert_eq!(no_voucher.body["field"], "voucher");
        assert!(
            no_voucher.body["detail"]
                .as_str()
                .unwrap()
                .contains("voucher")
        );

        // The delegate sits: the voucher is consumed by that sitting.
        let sitting = app.start_foundation(&one.token).await;
        let id = sitting["id"].as_str().unwrap().to_owned();
        let mine = my_vouchers(&app, &one.token).await;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["state"], "consumed");
        assert_eq!(mine[0]["sitting_id"], id);
        app.submit(&one.token, &id).await;
        let second = app.start_sitting(&one.token, FOUNDATION).await;
        second.problem(409);
        assert_eq!(
            second.body["type"],
            "urn:invigilator:problem:voucher-required"
        );

        assert_eq!(ledger_count(&app, "voucher.issued").await, 1);
        assert_eq!(ledger_count(&app, "voucher.assigned").await, 4);
        assert_eq!(ledger_count(&app, "voucher.consumed").await, 1);
    }
);

db_test!(
    another_organizations_vouchers_are_not_found,
    |settings| { required(settings) },
    |app| {
        let admin = app.admin().await;
        let (x, course) = organization(&app, &admin).await;
        let (y, _) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &x.ato, 2, 90).await;
        let delegate = delegate(&app, &x, &course).await;
        assign(&app, &y, &issued[0].0, &delegate.email)
            .await
            .problem(404);
        let theirs = app.get("/api/v1/ato/vouchers", Some(&y.token)).await;
        assert_eq!(theirs.body, json!([]));
        // Y's upload finds none of X's vouchers (and X's delegate is not Y's).
        let report = upload(
            &app,
            &y,
            &format!("email,qualification\n{},{FOUNDATION}\n", delegate.email),
        )
        .await;
        assert_eq!(report.body["rejected"], 1, "{}", report.text);
        let candidate = app.candidate().await;
        assert_eq!(
            my_vouchers(&app, &candidate.token).await,
            Vec::<Value>::new()
        );
        let unknown = app
            .post("/api/v1/admin/atos/00000000-0000-7000-8000-000000000000/vouchers", json!({"qualification": FOUNDATION, "count": 1, "valid_from": app.day(0), "expires_on": app.day(9)}), Some(&admin.token))
            .await;
        unknown.problem(404);
        // Vouchers go to an organization only for what it is accredited to teach.
        let unaccredited = app
            .post(&format!("/api/v1/admin/atos/{}/vouchers", x.ato), json!({"qualification": "iso20000-auditor", "count": 3, "valid_from": app.day(0), "expires_on": app.day(9)}), Some(&admin.token))
            .await;
        let problem = unaccredited.problem(409);
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("not-accredited"),
            "{}",
            unaccredited.text
        );
        assert_eq!(problem["field"], "qualification");
        let theirs = app.get("/api/v1/ato/vouchers", Some(&x.token)).await;
        assert_eq!(
            theirs.body.as_array().unwrap().len(),
            2,
            "none issued: {}",
            theirs.text
        );
    }
);

db_test!(
    concurrent_starts_consume_one_voucher_once,
    |settings| { required(settings) },
    |app| {
        let admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &staff.ato, 1, 90).await;
        let delegate = delegate(&app, &staff, &course).await;
        assert_eq!(
            assign(&app, &staff, &issued[0].0, &delegate.email)
                .await
                .status,
            200
        );
        let starts = futures_util::future::join_all(
            (0..4).map(|_| app.start_sitting(&delegate.token, FOUNDATION)),
        )
        .await;
        let started: Vec<&Reply> = starts.iter().filter(|r| r.status == 201).collect();
        assert_eq!(
            started.len(),
            1,
            "{:?}",
            starts.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        assert!(starts.iter().all(|r| r.status == 201 || r.status == 409));
        let mine = my_vouchers(&app, &delegate.token).await;
        assert_eq!(mine[0]["state"], "consumed");
        assert_eq!(mine[0]["sitting_id"], started[0].body["id"]);
        assert_eq!(ledger_count(&app, "voucher.consumed").await, 1);

        // Two candidates racing for one voucher code they were both given: one redeems.
        let batch = app
            .post("/api/v1/admin/vouchers", json!({"qualification": FOUNDATION, "count": 1, "valid_from": app.day(0), "expires_on": app.day(30)}), Some(&admin.token))
            .await;
        let code = codes(&batch.body)[0].1.clone();
        let (a, b) = (app.candidate().await, app.candidate().await);
        let redeemed = futures_util::future::join_all(
            [&a, &b]
                .map(|c| app.post("/api/v1/me/vouchers", json!({"code": code}), Some(&c.token))),
        )
        .await;
        let mut statuses: Vec<u16> = redeemed.iter().map(|r| r.status.as_u16()).collect();
        statuses.sort();
        assert_eq!(statuses, [200, 409]);
    }
);

db_test!(
    a_voucher_past_its_expiry_reads_expired_and_pays_for_nothing,
    |settings| { required(settings) },
    |app| {
        let admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &staff.ato, 2, 3).await;
        let delegate = delegate(&app, &staff, &course).await;
        assert_eq!(
            assign(&app, &staff, &issued[0].0, &delegate.email)
                .await
                .status,
            200
        );
        app.advance(time::Duration::days(4));
        let token = app.relogin(&delegate).await;
        let staff_token = app.relogin_email(&staff.email).await;
        let admin_token = app.relogin(&admin).await;
        let mine = my_vouchers(&app, &token).await;
        assert_eq!(mine[0]["state"], "expired");
        app.start_sitting(&token, FOUNDATION).await.problem(409);
        let late = app
            .post(
                &format!("/api/v1/ato/vouchers/{}/assignment", issued[1].0),
                json!({"email": delegate.email}),
                Some(&staff_token),
            )
            .await;
        late.problem(409);
        let expired = app
            .get(
                &format!("/api/v1/admin/vouchers?ato={}&state=expired", staff.ato),
                Some(&admin_token),
            )
            .await;
        assert_eq!(
            expired.body.as_array().unwrap().len(),
            2,
            "{}",
            expired.text
        );
        let issued_now = app
            .get(
                &format!("/api/v1/admin/vouchers?ato={}&state=issued", staff.ato),
                Some(&admin_token),
            )
            .await;
        assert_eq!(issued_now.body, json!([]));
    }
);

db_test!(
    the_candidate_is_reminded_once_before_expiry,
    |settings| { required(settings) },
    |app| {
        let admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &staff.ato, 2, 20).await;
        let delegate = delegate(&app, &staff, &course).await;
        assert_eq!(
            assign(&app, &staff, &issued[0].0, &delegate.email)
                .await
                .status,
            200
        );
        let remind = || async {
            let now = app.now();
            futures_util::future::join_all(
                app.states
                    .iter()
                    .map(|s| invigilator::app::vouchers::send_reminders(s, now)),
            )
            .await
            .into_iter()
            .map(|n| n.unwrap())
            .sum::<usize>()
        };
        assert_eq!(remind().await, 0, "not yet within 14 days of expiry");
        app.advance(time::Duration::days(8));
        let (first, second) = tokio::join!(remind(), remind());
        assert_eq!(first + second, 1);
        assert_eq!(remind().await, 0);
        app.deliver_mail().await;
        let reminders: Vec<_> = app
            .mail
            .to(&delegate.email)
            .into_iter()
            .filter(|m| m.subject().contains("voucher expires"))
            .collect();
        assert_eq!(reminders.len(), 1);
        assert!(
            reminders[0]
                .text()
                .contains(&issued[0].1.replace('-', "")[9..]),
            "{}",
            reminders[0].text()
        );
    }
);

db_test!(
    a_mistyped_code_is_caught_by_its_check_character,
    |settings| { required(settings) },
    |app| {
        let admin = app.admin().await;
        let batch = app
            .post("/api/v1/admin/vouchers", json!({"qualification": FOUNDATION, "count": 2, "valid_from": app.day(0), "expires_on": app.day(30)}), Some(&admin.token))
            .await;
        assert_eq!(batch.status, 201, "{}", batch.text);
        let issued = codes(&batch.body);
        let code = issued[0].1.clone();
        let candidate = app.candidate().await;
        // Two neighbours swapped, and one character changed.
        let mut chars: Vec<char> = code.chars().collect();
        let swap = (0..chars.len() - 1)
            .find(|&i| chars[i] != chars[i + 1] && chars[i] != '-' && chars[i + 1] != '-')
            .unwrap();
        chars.swap(swap, swap + 1);
        let swapped: String = chars.into_iter().collect();
        let changed = format!(
            "{}{}",
            if code.starts_with('Z') { 'Y' } else { 'Z' },
            &code[1..]
        );
        for typo in [swapped, changed] {
            let reply = app
                .post(
                    "/api/v1/me/vouchers",
                    json!({"code": typo}),
                    Some(&candidate.token),
                )
                .await;
            reply.problem(422);
            assert_eq!(reply.fields(), ["code"]);
        }
        // Typed in lower case without dashes, it is the same code.
        let typed = code.replace('-', "").to_lowercase();
        let redeemed = app
            .post(
                "/api/v1/me/vouchers",
                json!({"code": typed}),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(redeemed.status, 200, "{}", redeemed.text);
        assert_eq!(redeemed.body["state"], "assigned");
        let other = app.candidate().await;
        app.post(
            "/api/v1/me/vouchers",
            json!({"code": code}),
            Some(&other.token),
        )
        .await
        .problem(409);
        // A code never issued, with a valid check character, is not found.
        let unknown = app
            .post(
                "/api/v1/me/vouchers",
                json!({"code": "0000-0000-0000-0"}),
                Some(&other.token),
            )
            .await;
        unknown.problem(404);
        // The start names the voucher; a mistyped one is refused naming the field.
        let bad = app
            .post(
                "/api/v1/sittings",
                json!({"qualification": FOUNDATION, "voucher": "ABCD"}),
                Some(&candidate.token),
            )
            .await;
        bad.problem(422);
        assert_eq!(bad.fields(), ["voucher"]);
        let not_mine = app
            .post(
                "/api/v1/sittings",
                json!({"qualification": FOUNDATION, "voucher": issued[1].1}),
                Some(&candidate.token),
            )
            .await;
        not_mine.problem(409);
        let started = app
            .post(
                "/api/v1/sittings",
                json!({"qualification": FOUNDATION, "voucher": code}),
                Some(&candidate.token),
            )
            .await;
        assert_eq!(started.status, 201, "{}", started.text);
    }
);

db_test!(
    an_administrator_voids_a_voucher_with_a_reason,
    |settings| { required(settings) },
    |app| {
        let admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &staff.ato, 1, 30).await;
        let path = format!("/api/v1/admin/vouchers/{}/void", issued[0].0);
        let no_reason = app
            .post(&path, json!({"reason": " "}), Some(&admin.token))
            .await;
        no_reason.problem(422);
        assert_eq!(no_reason.fields(), ["reason"]);
        let voided = app
            .post(
                &path,
                json!({"reason": "ordered by mistake"}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(voided.status, 200, "{}", voided.text);
        assert_eq!(voided.body["state"], "void");
        assert_eq!(voided.body["void_reason"], "ordered by mistake");
        app.post(&path, json!({"reason": "again"}), Some(&admin.token))
            .await
            .problem(409);
        let delegate = delegate(&app, &staff, &course).await;
        assign(&app, &staff, &issued[0].0, &delegate.email)
            .await
            .problem(409);
        assert_eq!(ledger_count(&app, "voucher.voided").await, 1);
        app.post(
            "/api/v1/admin/vouchers/00000000-0000-7000-8000-000000000000/void",
            json!({"reason": "x"}),
            Some(&admin.token),
        )
        .await
        .problem(404);
    }
);

db_test!(
    a_booking_holds_a_voucher_until_it_is_cancelled,
    |settings| { required(settings) },
    |app| {
        use invigilator::app::vouchers::{self, TakeVoucherError};
        let admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &staff.ato, 1, 30).await;
        let delegate = delegate(&app, &staff, &course).await;
        let booking = uuid::Uuid::now_v7();
        let tx = invigilator::persistence::begin_write(&app.state.db)
            .await
            .unwrap();
        let none = vouchers::book(&tx, delegate.id, FOUNDATION, None, booking, app.now()).await;
        assert!(matches!(none, Err(TakeVoucherError::NoVoucher(_))));
        tx.rollback().await.unwrap();
        assert_eq!(
            assign(&app, &staff, &issued[0].0, &delegate.email)
                .await
                .status,
            200
        );

        let tx = invigilator::persistence::begin_write(&app.state.db)
            .await
            .unwrap();
        let booked = vouchers::book(&tx, delegate.id, FOUNDATION, None, booking, app.now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(booked.to_string(), issued[0].0);
        let mine = my_vouchers(&app, &delegate.token).await;
        assert_eq!(mine[0]["state"], "booked");
        assert_eq!(mine[0]["booking_id"], booking.to_string());
        // A booked voucher is not booked twice.
        let tx = invigilator::persistence::begin_write(&app.state.db)
            .await
            .unwrap();
        let twice = vouchers::book(
            &tx,
            delegate.id,
            FOUNDATION,
            None,
            uuid::Uuid::now_v7(),
            app.now(),
        )
        .await;
        assert!(matches!(twice, Err(TakeVoucherError::NoVoucher(_))));
        tx.rollback().await.unwrap();

        let tx = invigilator::persistence::begin_write(&app.state.db)
            .await
            .unwrap();
        let freed = vouchers::unbook(&tx, booking, app.now()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(freed.map(|id| id.to_string()), Some(issued[0].0.clone()));
        let mine = my_vouchers(&app, &delegate.token).await;
        assert_eq!(mine[0]["state"], "assigned");
        assert_eq!(mine[0]["booking_id"], Value::Null);
        let tx = invigilator::persistence::begin_write(&app.state.db)
            .await
            .unwrap();
        assert_eq!(
            vouchers::unbook(&tx, booking, app.now()).await.unwrap(),
            None
        );
    }
);

db_test!(the_shipped_scheme_needs_no_voucher, |app| {
    let candidate = app.candidate().await;
    let standing = foundation_eligibility(&app, &candidate.token).await;
    assert_eq!(standing["voucher"], json!({"required": false, "held": 0}));
    app.start_foundation(&candidate.token).await;
});

db_test!(
    the_pages_issue_assign_and_redeem_vouchers,
    |settings| { required(settings) },
    |app| {
        use crate::browser::Browser;
        use reqwest::StatusCode;
        let admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let one = delegate(&app, &staff, &course).await;
        let two = delegate(&app, &staff, &course).await;

        // The administrator issues three on the organization's voucher page.
        let mut office = Browser::signed_in(&app, &admin.email, "/admin").await;
        let form = office
            .get(&format!("/admin/atos/{}/vouchers", staff.ato))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.text);
        let path = format!("/admin/atos/{}/vouchers", staff.ato);
        let bad = office
            .submit(
                &path,
                &[
                    ("qualification", FOUNDATION),
                    ("count", "1001"),
                    ("valid_from", &app.day(0)),
                    ("expires_on", &app.day(60)),
                    ("format", "page"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text.contains("id=\"count-error\""), "{}", bad.text);
        let shown = office
            .submit(
                &path,
                &[
                    ("qualification", FOUNDATION),
                    ("count", "3"),
                    ("valid_from", &app.day(0)),
                    ("expires_on", &app.day(60)),
                    ("format", "page"),
                ],
            )
            .await;
        assert_eq!(shown.status, StatusCode::CREATED, "{}", shown.text);
        assert_eq!(shown.text.matches("<tr><td><code>").count(), 3);
        let csv = office
            .submit(
                &path,
                &[
                    ("qualification", FOUNDATION),
                    ("count", "2"),
                    ("valid_from", &app.day(0)),
                    ("expires_on", &app.day(60)),
                    ("format", "csv"),
                ],
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(csv.text.lines().count(), 3, "{}", csv.text);
        assert!(
            csv.text
                .starts_with("code,qualification,valid_from,expires_on\n")
        );

        // Staff assign one by one and from pasted rows.
        let mut desk = Browser::signed_in(&app, &staff.email, "/ato").await;
        let page = desk.get("/ato/vouchers").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let listed = app.get("/api/v1/ato/vouchers", Some(&staff.token)).await;
        let first = listed.body[0]["id"].as_str().unwrap().to_owned();
        let outsider = app.candidate().await;
        let refused = desk
            .submit(
                &format!("/ato/vouchers/{first}/assignment"),
                &[("email", &outsider.email)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .text
                .contains(&format!("id=\"email-{first}-error\"")),
            "{}",
            refused.text
        );
        let assigned = desk
            .submit(
                &format!("/ato/vouchers/{first}/assignment"),
                &[("email", &one.email)],
            )
            .await;
        let after = desk.follow(&assigned).await;
        assert!(
            after.text.contains("The voucher is assigned"),
            "{}",
            after.text
        );
        let rows = format!(
            "email,qualification\n{},{FOUNDATION}\nnot-an-address,{FOUNDATION}\n",
            two.email
        );
        let report = desk
            .submit("/ato/vouchers/assignments", &[("rows", &rows)])
            .await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text);
        assert!(
            report.text.contains("assigned voucher …"),
            "{}",
            report.text
        );
        assert!(
            report.text.contains("not assigned: email"),
            "{}",
            report.text
        );

        // The delegate sees the voucher; another candidate redeems a code given to them.
        let mut home = Browser::signed_in(&app, &one.email, "/my/vouchers").await;
        let mine = home.get("/my/vouchers").await;
        assert!(mine.text.contains("<td>assigned</td>"), "{}", mine.text);
        let batch = app
            .post("/api/v1/admin/vouchers", json!({"qualification": FOUNDATION, "count": 1, "valid_from": app.day(0), "expires_on": app.day(30)}), Some(&admin.token))
            .await;
        let code = codes(&batch.body)[0].1.clone();
        let other = app.candidate().await;
        let mut theirs = Browser::signed_in(&app, &other.email, "/my/vouchers").await;
        theirs.get("/my/vouchers").await;
        let typo = format!(
            "{}{}",
            &code[..15],
            if code.ends_with('0') { '1' } else { '0' }
        );
        let wrong = theirs.submit("/my/vouchers", &[("code", &typo)]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.text.contains("id=\"code-error\""));
        let redeemed = theirs.submit("/my/vouchers", &[("code", &code)]).await;
        let after = theirs.follow(&redeemed).await;
        assert!(
            after.text.contains("The voucher is yours"),
            "{}",
            after.text
        );
        assert!(after.text.contains("<td>assigned</td>"));
    }
);

fn voucher_state(vouchers: &[Value]) -> Vec<String> {
    vouchers
        .iter()
        .map(|v| v["state"].as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    a_booking_holds_the_voucher_a_cancellation_gives_it_back_and_a_no_show_uses_it_up,
    |settings| { required(settings) },
    |app| {
        let mut admin = app.admin().await;
        let (staff, course) = organization(&app, &admin).await;
        let issued = issue(&app, &admin, &staff.ato, 2, 90).await;
        let mut shows = delegate(&app, &staff, &course).await;
        let mut absent = delegate(&app, &staff, &course).await;
        let mut without = delegate(&app, &staff, &course).await;
        for (who, (id, _)) in [&shows, &absent].into_iter().zip(&issued) {
            let assigned = assign(&app, &staff, id, &who.email).await;
            assert_eq!(assigned.status, 200, "{}", assigned.text);
        }
        let mut proctor = invigilator(&app, &admin).await;
        let opens = app.clock.now() + time::Duration::days(2);
        let created = app
            .post(
                "/api/v1/admin/sessions",
                json!({
                    "qualification": FOUNDATION,
                    "opens_at": opens.format(&time::format_description::well_known::Rfc3339).unwrap(),
                    "closes_at": (opens + time::Duration::hours(3)).format(&time::format_description::well_known::Rfc3339).unwrap(),
                    "mode": "online_invigilated",
                    "capacity": 10,
                    "invigilator_id": proctor.id,
                    "requires_admission": false,
                }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let session = created.body["id"].as_str().unwrap().to_owned();
        let book = |who: &Candidate| {
            let (app, path, token) = (
                &app,
                format!("/api/v1/sessions/{session}/book"),
                who.token.clone(),
            );
            async move { app.post(&path, json!({}), Some(&token)).await }
        };

        // Booking takes the candidate's voucher; without one the booking is refused.
        let booked = book(&shows).await;
        assert_eq!(booked.status, 201, "{}", booked.text);
        assert_eq!(
            voucher_state(&my_vouchers(&app, &shows.token).await),
            ["booked"]
        );
        let refused = book(&without).await;
        refused.problem(409);
        assert_eq!(
            refused.body["type"], "urn:invigilator:problem:voucher-required",
            "{}",
            refused.text
        );
        // Cancelling before the cut-off gives the voucher back; booking again holds it.
        let second = book(&absent).await;
        assert_eq!(second.status, 201, "{}", second.text);
        let booking = second.body["id"].as_str().unwrap().to_owned();
        let cancelled = app
            .post(
                &format!("/api/v1/sessions/bookings/{booking}/cancel"),
                json!({}),
                Some(&absent.token),
            )
            .await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        assert_eq!(
            voucher_state(&my_vouchers(&app, &absent.token).await),
            ["assigned"]
        );
        let again = book(&absent).await;
        assert_eq!(again.status, 201, "{}", again.text);
        assert_eq!(
            voucher_state(&my_vouchers(&app, &absent.token).await),
            ["booked"]
        );

        // In the window, one candidate sits on the booked voucher; the other never comes.
        app.advance(time::Duration::days(2) + time::Duration::minutes(5));
        for who in [
            &mut admin,
            &mut shows,
            &mut absent,
            &mut without,
            &mut proctor,
        ] {
            who.token = app.relogin(who).await;
        }
        let sitting = app.start_foundation(&shows.token).await;
        app.submit(&shows.token, sitting["id"].as_str().unwrap())
            .await;
        assert_eq!(
            voucher_state(&my_vouchers(&app, &shows.token).await),
            ["consumed"]
        );

        // Before the session closes nothing is settled; after it the absent candidate's
        // booking is a no-show and, under this policy, the voucher is used up, once.
        let settle = || async {
            let now = app.clock.now();
            let mut settled = 0;
            for state in &app.states {
                settled += invigilator::app::exam_sessions::settle_no_shows(state, now)
                    .await
                    .unwrap();
            }
            settled
        };
        assert_eq!(settle().await, 0);
        app.advance(time::Duration::hours(3));
        assert_eq!(settle().await, 1);
        assert_eq!(settle().await, 0);
        absent.token = app.relogin(&absent).await;
        assert_eq!(
            voucher_state(&my_vouchers(&app, &absent.token).await),
            ["consumed"]
        );
        let mine = app
            .get("/api/v1/sessions/bookings", Some(&absent.token))
            .await;
        assert_eq!(mine.body[0]["status"], "no_show", "{}", mine.text);
        assert_eq!(ledger_count(&app, "booking.no_show").await, 1);
        let started = app
            .post(
                "/api/v1/sittings",
                json!({"qualification": FOUNDATION}),
                Some(&absent.token),
            )
            .await;
        started.problem(409);
        assert_eq!(
            started.body["type"],
            "urn:invigilator:problem:voucher-required"
        );
    }
);
