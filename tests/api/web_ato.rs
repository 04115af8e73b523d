//! The training organization's pages as its staff use them in a browser: signing in,
//! announcing a course, enrolling delegates one by one or from a pasted roster, recording
//! outcomes and reading results; and what nobody else may do there.

use reqwest::StatusCode;
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::*;

/// The table whose caption starts with `caption`, from its caption to its end.
fn table<'t>(text: &'t str, caption: &str) -> &'t str {
    let start = text
        .find(&format!("<caption>{caption}"))
        .unwrap_or_else(|| panic!("no table captioned {caption}: {text}"));
    let rest = &text[start..];
    &rest[..rest.find("</table>").unwrap()]
}

fn body_rows(table: &str) -> Vec<&str> {
    let body = table.split("<tbody>").nth(1).unwrap();
    body.split("<tr>").skip(1).collect()
}

async fn courses_of(app: &TestApp, staff: &Staff) -> Vec<Value> {
    let reply = app.get("/api/v1/ato/courses", Some(&staff.token)).await;
    reply.body.as_array().unwrap().clone()
}

async fn enrolments_of(app: &TestApp, staff: &Staff, course: &str) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            Some(&staff.token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body.as_array().unwrap().clone()
}

db_test!(
    staff_see_their_organization_and_the_course_they_announce,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-auditor"]).await;
        let name = app.get("/api/v1/ato", Some(&staff.token)).await.body["name"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut browser = Browser::signed_in(&app, &staff.email, "/ato").await;
        let home = browser.get("/ato").await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.text);
        assert!(home.text.contains(&format!("<h1>{name}</h1>")));
        let accreditations = table(&home.text, "What your organization is accredited");
        assert!(
            accreditations.contains("ISO/IEC 20000 Auditor") && accreditations.contains("Active")
        );
        assert!(home.text.contains(r#"<option value="iso20000-auditor""#));

        // A course that ends before it starts, without a title, is refused field by field.
        let (starts, ends) = (app.day(10), app.day(12));
        let refused = browser
            .submit(
                "/ato/courses",
                &[
                    ("title", ""),
                    ("qualification", "iso20000-auditor"),
                    ("starts_on", &ends),
                    ("ends_on", &starts),
                    ("delivery", "classroom"),
                    ("trainer_name", "Maria Nowak"),
                ],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text
        );
        assert!(
            refused.text.contains(r#"id="title-error""#),
            "{}",
            refused.text
        );
        assert!(refused.text.contains(r#"id="ends_on-error""#));
        assert!(refused.text.contains("error-summary"));
        assert!(
            refused.text.contains(r#"value="Maria Nowak""#),
            "the form keeps what was typed"
        );
        assert!(courses_of(&app, &staff).await.is_empty());

        let created = browser
            .submit(
                "/ato/courses",
                &[
                    ("title", "Auditor course, May intake"),
                    ("qualification", "iso20000-auditor"),
                    ("starts_on", &starts),
                    ("ends_on", &ends),
                    ("delivery", "virtual"),
                    ("trainer_name", "Maria Nowak"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
        let stored = courses_of(&app, &staff).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["title"], "Auditor course, May intake");
        assert_eq!(stored[0]["delivery"], "virtual");
        let id = stored[0]["id"].as_str().unwrap();
        assert_eq!(
            created.location.as_deref(),
            Some(format!("/ato/courses/{id}?done=created").as_str())
        );
        let course = browser.follow(&created).await;
        assert_eq!(course.status, StatusCode::OK);
        assert!(
            course
                .text
                .contains(r#"<p class="notice ok" role="status">"#)
        );
        assert!(course.text.contains("Virtual classroom"));

        let home = browser.get("/ato").await;
        let courses = table(&home.text, "Your organization's courses");
        assert!(courses.contains(&format!(
            r#"<a href="/ato/courses/{id}">Auditor course, May intake</a>"#
        )));
        assert!(courses.contains("Maria Nowak"));

        // A colleague is invited by e-mail; an address that has an account is not.
        let invited = browser
            .submit(
                "/ato/colleagues",
                &[("email", "colleague@training.example")],
            )
            .await;
        assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.text);
        assert_eq!(invited.location.as_deref(), Some("/ato?done=invited"));
        let confirmed = browser.follow(&invited).await;
        assert!(
            confirmed
                .text
                .contains(r#"<p class="notice ok" role="status">"#)
        );
        app.deliver_mail().await;
        assert_eq!(app.mail.to("colleague@training.example").len(), 1);
        let taken = browser
            .submit("/ato/colleagues", &[("email", &staff.email)])
            .await;
        assert_eq!(taken.status, StatusCode::CONFLICT);
        assert!(taken.text.contains(r#"id="email-error""#));
    }
);

db_test!(a_pasted_roster_is_reported_row_by_row_and_stored, |app| {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-auditor"]).await;
    let course = app.course(&staff, "iso20000-auditor", 10, 12).await;
    let mut browser = Browser::signed_in(&app, &staff.email, "/ato").await;
    let path = format!("/ato/courses/{course}");
    assert_eq!(browser.get(&path).await.status, StatusCode::OK);
    let roster = "given_name,family_name,email\r\n\
        Ada,Lovelace,ada@example.org\r\n\
        Ada,Lovelace,ada@example.org\r\n\
        Bad,Row,not-an-address\r\n";
    let report = browser
        .submit(&format!("{path}/roster"), &[("roster", roster)])
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let rows = body_rows(table(&report.text, "Each row of the roster"));
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows[0].contains(">2</th>")
            && rows[0].contains("ada@example.org")
            && rows[0].contains("Created")
    );
    assert!(
        rows[1].contains(">3</th>")
            && rows[1].contains("Refused")
            && rows[1].contains("duplicate of row 2")
    );
    assert!(
        rows[2].contains(">4</th>")
            && rows[2].contains("Refused")
            && rows[2].contains("e-mail address")
    );
    assert!(report.text.contains("3 rows read: 1 new account created"));

    let stored = enrolments_of(&app, &staff, &course).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["email"], "ada@example.org");
    assert_eq!(stored[0]["status"], "invited");
    let delegates = table(&report.text, "Delegates on this course");
    // The organization opened Ada's account, so it sees the names it typed.
    assert!(delegates.contains("Ada Lovelace") && delegates.contains("Pending"));

    // The same roster again changes nothing.
    let again = browser
        .submit(&format!("{path}/roster"), &[("roster", roster)])
        .await;
    let rows = body_rows(table(&again.text, "Each row of the roster"));
    assert!(rows[0].contains("Already enrolled"));
    assert_eq!(enrolments_of(&app, &staff, &course).await.len(), 1);

    // A roster without its header is refused as a whole, next to the field.
    let headless = browser
        .submit(
            &format!("{path}/roster"),
            &[("roster", "Ada,Lovelace,ada@example.org")],
        )
        .await;
    assert_eq!(headless.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(headless.text.contains(r#"id="roster-error""#));
});

db_test!(forms_without_the_right_token_change_nothing, |app| {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-auditor"]).await;
    let course = app.course(&staff, "iso20000-auditor", 10, 12).await;
    let mut browser = Browser::signed_in(&app, &staff.email, "/ato").await;
    browser.get("/ato").await;
    let new_course = [
        ("title", "Forged course"),
        ("qualification", "iso20000-auditor"),
        ("starts_on", &app.day(10)),
        ("ends_on", &app.day(12)),
        ("delivery", "classroom"),
        ("trainer_name", "Maria Nowak"),
    ];
    let delegate = [
        ("email", "ada@example.org"),
        ("given_name", "Ada"),
        ("family_name", "Lovelace"),
    ];
    let roster = [(
        "roster",
        "given_name,family_name,email\nAda,Lovelace,ada@example.org\n",
    )];
    for csrf in [None, Some("not-the-token")] {
        let with = |fields: &[(&'static str, &str)]| {
            let mut all: Vec<(&str, String)> =
                fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
            if let Some(csrf) = csrf {
                all.push(("csrf", csrf.to_owned()));
            }
            all
        };
        for (path, fields) in [
            ("/ato/courses".to_owned(), with(&new_course)),
            (format!("/ato/courses/{course}/delegates"), with(&delegate)),
            (format!("/ato/courses/{course}/roster"), with(&roster)),
            (
                "/ato/colleagues".to_owned(),
                with(&[("email", "colleague@training.example")]),
            ),
        ] {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let refused = browser.post(&path, &fields).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{path} with {csrf:?}"
            );
            assert!(refused.text.contains("This form has expired"));
        }
    }
    assert_eq!(courses_of(&app, &staff).await.len(), 1);
    assert!(enrolments_of(&app, &staff, &course).await.is_empty());
    app.deliver_mail().await;
    assert!(app.mail.to("colleague@training.example").is_empty());
});

db_test!(another_organizations_course_is_not_found, |app| {
    let admin = app.admin().await;
    let theirs = app.ato(&admin, &["iso20000-auditor"]).await;
    let course = app.course(&theirs, "iso20000-auditor", 10, 12).await;
    let ours = app.ato(&admin, &["iso20000-auditor"]).await;
    let mut browser = Browser::signed_in(&app, &ours.email, "/ato").await;
    let page = browser.get(&format!("/ato/courses/{course}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text.contains("Page not found"));
    browser.get("/ato").await;
    let enrol = browser
        .submit(
            &format!("/ato/courses/{course}/delegates"),
            &[
                ("email", "ada@example.org"),
                ("given_name", "Ada"),
                ("family_name", "Lovelace"),
            ],
        )
        .await;
    assert_eq!(enrol.status, StatusCode::NOT_FOUND);
    let roster = browser
        .submit(
            &format!("/ato/courses/{course}/roster"),
            &[(
                "roster",
                "given_name,family_name,email\nAda,Lovelace,ada@example.org\n",
            )],
        )
        .await;
    assert_eq!(roster.status, StatusCode::NOT_FOUND);
    assert_eq!(
        browser
            .get(&format!("/ato/courses/{course}/delegates.csv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        browser.get("/ato/courses/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(enrolments_of(&app, &theirs, &course).await.is_empty());
    assert!(!browser.get("/ato").await.text.contains(&course));
});

db_test!(only_staff_open_the_organization_pages, |app| {
    let mut visitor = Browser::new(&app);
    let away = visitor.get("/ato").await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(away.location.as_deref(), Some("/sign-in?next=%2Fato"));

    let candidate = app.candidate().await;
    let mut browser = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
    for path in ["/ato", "/ato/results"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.text.contains("Not available to you"));
    }
    browser.get("/dashboard").await;
    let post = browser
        .submit("/ato/colleagues", &[("email", "someone@example.org")])
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
});

db_test!(an_outcome_is_recorded_once_the_delegate_accepts, |app| {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-auditor"]).await;
    let future = app.course(&staff, "iso20000-auditor", 10, 12).await;
    let past = app.course(&staff, "iso20000-auditor", -5, -1).await;
    let candidate = app.candidate().await;
    let mut browser = Browser::signed_in(&app, &staff.email, "/ato").await;

    let page = format!("/ato/courses/{past}");
    browser.get(&page).await;
    let bad = browser
        .submit(
            &format!("{page}/delegates"),
            &[
                ("email", "not an address"),
                ("given_name", "Zoë"),
                ("family_name", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains(r#"id="email-error""#) && bad.text.contains(r#"id="family_name-error""#)
    );
    assert!(enrolments_of(&app, &staff, &past).await.is_empty());

    let enrolled = browser
        .submit(
            &format!("{page}/delegates"),
            &[
                ("email", &candidate.email),
                ("given_name", "Zoë"),
                ("family_name", "O'Brien"),
            ],
        )
        .await;
    assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{}", enrolled.text);
    assert_eq!(
        enrolled.location.as_deref(),
        Some(format!("{page}?done=linked").as_str())
    );
    let waiting = browser.follow(&enrolled).await;
    let delegates = table(&waiting.text, "Delegates on this course");
    assert!(delegates.contains("Pending") && delegates.contains("Shown once they accept"));
    assert!(
        !delegates.contains("Zoë"),
        "an existing account's name waits for its holder"
    );
    assert!(
        !waiting.text.contains("/outcome\""),
        "no outcome before the delegate accepts"
    );

    app.accept_enrolment(&candidate.email).await;
    let accepted = browser.get(&page).await;
    let delegates = table(&accepted.text, "Delegates on this course");
    assert!(
        delegates.contains("Zoë") && delegates.contains("Accepted"),
        "{delegates}"
    );
    let enrolment = enrolments_of(&app, &staff, &past).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let action = format!("{page}/delegates/{enrolment}/outcome");
    assert!(delegates.contains(&format!(r#"action="{action}""#)));
    assert!(delegates.contains(r#"<option value="completed""#));

    let recorded = browser.submit(&action, &[("outcome", "completed")]).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
    assert_eq!(
        recorded.location.as_deref(),
        Some(format!("{page}?done=outcome").as_str())
    );
    let shown = browser.follow(&recorded).await;
    assert!(shown.text.contains("The outcome is recorded."));
    assert!(table(&shown.text, "Delegates on this course").contains("<td>Completed</td>"));
    assert_eq!(
        enrolments_of(&app, &staff, &past).await[0]["outcome"],
        "completed"
    );

    // Before a course starts nothing can be recorded, so no form offers it.
    let early = browser.get(&format!("/ato/courses/{future}")).await;
    assert!(early.text.contains("Outcomes can be recorded from"));
    assert!(!early.text.contains("Record an outcome"));
});

db_test!(delegates_results_show_scores_and_never_questions, |app| {
    let admin = app.admin().await;
    let staff = app.ato(&admin, &["iso20000-foundation"]).await;
    let course = app.course(&staff, "iso20000-foundation", 1, 2).await;
    let candidate = app.candidate().await;
    let mut browser = Browser::signed_in(&app, &staff.email, "/ato").await;
    let empty = browser.get("/ato/results").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty
            .text
            .contains("None of your delegates has sat a paper yet.")
    );

    browser.get(&format!("/ato/courses/{course}")).await;
    let enrolled = browser
        .submit(
            &format!("/ato/courses/{course}/delegates"),
            &[
                ("email", &candidate.email),
                ("given_name", "Zoë"),
                ("family_name", "O'Brien"),
            ],
        )
        .await;
    assert_eq!(enrolled.status, StatusCode::SEE_OTHER);
    app.accept_enrolment(&candidate.email).await;
    app.advance(time::Duration::minutes(1));
    app.pass_foundation(&candidate).await;

    let results = browser.get("/ato/results").await;
    assert_eq!(results.status, StatusCode::OK);
    let rows = body_rows(table(&results.text, "Your delegates' sittings"));
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("Zoë") && rows[0].contains("ISO/IEC 20000 Foundation"));
    assert!(rows[0].contains("Passed") && rows[0].contains("Submitted"));
    assert!(!results.text.contains("rationale") && !results.text.contains("Question 1"));
});
