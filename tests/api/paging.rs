//! Lists come a page at a time: `limit` (1 to 100) and a cursor, with a
//! `Link: <…>; rel="next"` header to the next page until the last. A client that follows
//! the links sees every item once, in the list's order.

use serde_json::{Value, json};

use crate::helpers::*;

/// One page as a client receives it: the items and where the next page is.
struct Page {
    items: Vec<Value>,
    next: Option<String>,
}

async fn fetch(app: &TestApp, path: &str, token: &str) -> Page {
    let reply = app.get(path, Some(token)).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    let links: Vec<&str> = reply
        .headers
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(links.len() <= 1, "one Link header at most: {links:?}");
    let next = links.first().map(|link| {
        link.strip_prefix('<')
            .and_then(|rest| rest.strip_suffix(">; rel=\"next\""))
            .unwrap_or_else(|| panic!("not a rel=\"next\" link: {link}"))
            .to_owned()
    });
    Page {
        items: reply.body.as_array().cloned().unwrap(),
        next,
    }
}

/// Follows the `Link` headers from `first` to the last page; every page's items.
async fn walk(app: &TestApp, first: &str, token: &str) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut path = Some(first.to_owned());
    while let Some(here) = path {
        let page = fetch(app, &here, token).await;
        pages.push(page.items);
        path = page.next;
        assert!(pages.len() <= 20, "the links go round in circles");
    }
    pages
}

/// The `key` of every item, page after page.
fn all(pages: &[Vec<Value>], key: &str) -> Vec<String> {
    pages
        .iter()
        .flatten()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

fn sizes(pages: &[Vec<Value>]) -> Vec<usize> {
    pages.iter().map(Vec::len).collect()
}

/// The organization enrols a delegate on a course; returns what that did.
async fn enrol(app: &TestApp, staff: &Staff, course: &str, email: &str) -> Value {
    let reply = app
        .post(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            json!({"given_name": "Zoë", "family_name": "Nowak", "email": email}),
            Some(&staff.token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.body["result"].clone()
}

/// A bad `limit` or `cursor` is a 422 naming it.
async fn rejects_bad_paging(app: &TestApp, path: &str, token: &str) {
    let join = if path.contains('?') { '&' } else { '?' };
    for (bad, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=nope", "cursor"),
    ] {
        let reply = app.get(&format!("{path}{join}{bad}"), Some(token)).await;
        reply.problem(422);
        assert_eq!(reply.fields(), vec![field], "{path} {bad}: {}", reply.text);
    }
}

db_test!(
    a_candidate_pages_through_their_evidence_oldest_first,
    |app| {
        let candidate = app.candidate().await;
        let other = app.candidate().await;
        app.declare_experience(&other.token, 9).await;
        let mut declared = Vec::new();
        for years in 1..=5 {
            declared.push(app.declare_experience(&candidate.token, years).await);
        }

        let pages = walk(&app, "/api/v1/me/evidence?limit=2", &candidate.token).await;
        assert_eq!(sizes(&pages), [2, 2, 1]);
        assert_eq!(all(&pages, "id"), declared);

        // The whole list fits the default page: no link.
        let whole = fetch(&app, "/api/v1/me/evidence", &candidate.token).await;
        assert_eq!(whole.items.len(), 5);
        assert!(whole.next.is_none(), "{:?}", whole.next);
        // A page that ends exactly at the end of the list is the last one.
        let exact = fetch(&app, "/api/v1/me/evidence?limit=5", &candidate.token).await;
        assert_eq!(exact.items.len(), 5);
        assert!(exact.next.is_none(), "{:?}", exact.next);

        rejects_bad_paging(&app, "/api/v1/me/evidence", &candidate.token).await;
    }
);

db_test!(
    a_candidate_pages_through_their_courses_in_the_order_of_enrolment,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let candidate = app.candidate().await;
        let mut courses = Vec::new();
        for starts in [20, 10, 30] {
            let course = app
                .course(&staff, "iso20000-foundation", starts, starts + 1)
                .await;
            assert_eq!(
                enrol(&app, &staff, &course, &candidate.email).await,
                "linked"
            );
            courses.push(course);
        }

        let pages = walk(&app, "/api/v1/me/courses?limit=2", &candidate.token).await;
        assert_eq!(sizes(&pages), [2, 1]);
        assert_eq!(all(&pages, "course_id"), courses);
        rejects_bad_paging(&app, "/api/v1/me/courses", &candidate.token).await;
        rejects_bad_paging(&app, "/api/v1/me/certificates", &candidate.token).await;
    }
);

db_test!(
    an_administrator_pages_through_evidence_keeping_the_status_filter,
    |app| {
        let admin = app.admin().await;
        let (ann, bob) = (app.candidate().await, app.candidate().await);
        let mut declared = Vec::new();
        for years in 1..=4 {
            declared.push(app.declare_experience(&ann.token, years).await);
            declared.push(app.declare_experience(&bob.token, years).await);
        }
        let approved = [declared[1].clone(), declared[4].clone()];
        for id in &approved {
            let decided = app.decide(&admin.token, id, "approve", None).await;
            assert_eq!(decided.status, 200, "{}", decided.text);
        }
        let pending: Vec<String> = declared
            .iter()
            .filter(|id| !approved.contains(id))
            .cloned()
            .collect();

        let first = fetch(
            &app,
            "/api/v1/admin/evidence?status=pending&limit=2",
            &admin.token,
        )
        .await;
        let link = first.next.clone().unwrap();
        assert!(link.starts_with("/api/v1/admin/evidence?"), "{link}");
        assert!(
            link.contains("status=pending") && link.contains("limit=2"),
            "{link}"
        );

        let pages = walk(
            &app,
            "/api/v1/admin/evidence?status=pending&limit=2",
            &admin.token,
        )
        .await;
        assert_eq!(sizes(&pages), [2, 2, 2]);
        assert_eq!(all(&pages, "id"), pending);
        let pages = walk(
            &app,
            "/api/v1/admin/evidence?limit=1&status=approved",
            &admin.token,
        )
        .await;
        assert_eq!(sizes(&pages), [1, 1]);
        assert_eq!(all(&pages, "id"), approved);

        rejects_bad_paging(&app, "/api/v1/admin/evidence?status=pending", &admin.token).await;
    }
);

db_test!(
    an_administrator_pages_through_organizations_by_name_and_a_grant_history,
    |app| {
        let admin = app.admin().await;
        let mut created = Vec::new();
        for name in [
            "Training C",
            "Training A",
            "Training E",
            "Training A",
            "Training B",
        ] {
            let reply = app
            .post(
                "/api/v1/admin/atos",
                json!({"name": name, "country": "GB", "contact_email": "office@training.example"}),
                Some(&admin.token),
            )
            .await;
            assert_eq!(reply.status, 201, "{}", reply.text);
            created.push((name, reply.body["id"].as_str().unwrap().to_owned()));
        }
        // By name; two of the same name in the order they were created.
        let mut by_name = created.clone();
        by_name.sort_by_key(|(name, _)| *name);
        let expected: Vec<String> = by_name.into_iter().map(|(_, id)| id).collect();

        let pages = walk(&app, "/api/v1/admin/atos?limit=2", &admin.token).await;
        assert_eq!(sizes(&pages), [2, 2, 1]);
        assert_eq!(all(&pages, "id"), expected);
        assert!(pages[0][0]["accreditations"].is_array());
        rejects_bad_paging(&app, "/api/v1/admin/atos", &admin.token).await;

        let candidate = app.candidate().await;
        let path = format!("/api/v1/admin/candidates/{}/extra-time", candidate.id);
        let mut granted = Vec::new();
        for percent in [10, 25, 0] {
            let grant = app
                .post(
                    &path,
                    json!({"percent": percent, "reason": "Evidence seen"}),
                    Some(&admin.token),
                )
                .await;
            assert_eq!(grant.status, 201, "{}", grant.text);
            granted.push(grant.body["id"].as_str().unwrap().to_owned());
        }
        let pages = walk(&app, &format!("{path}?limit=2"), &admin.token).await;
        assert_eq!(sizes(&pages), [2, 1]);
        assert_eq!(all(&pages, "id"), granted);
        rejects_bad_paging(&app, &path, &admin.token).await;
    }
);

db_test!(
    training_staff_page_through_courses_by_start_date_and_their_delegates,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let mut created = Vec::new();
        for starts in [30, 10, 20, 10, 40] {
            let id = app
                .course(&staff, "iso20000-foundation", starts, starts + 2)
                .await;
            created.push((starts, id));
        }
        let mut by_start = created.clone();
        by_start.sort_by_key(|(starts, _)| *starts);
        let expected: Vec<String> = by_start.into_iter().map(|(_, id)| id).collect();

        let pages = walk(&app, "/api/v1/ato/courses?limit=2", &staff.token).await;
        assert_eq!(sizes(&pages), [2, 2, 1]);
        assert_eq!(all(&pages, "id"), expected);
        rejects_bad_paging(&app, "/api/v1/ato/courses", &staff.token).await;

        let course = &created[0].1;
        let mut enrolled = Vec::new();
        for n in 1..=5 {
            let email = format!("delegate-{n}@example.org");
            assert_eq!(enrol(&app, &staff, course, &email).await, "created");
            enrolled.push(email);
        }
        let path = format!("/api/v1/ato/courses/{course}/enrolments");
        let pages = walk(&app, &format!("{path}?limit=2"), &staff.token).await;
        assert_eq!(sizes(&pages), [2, 2, 1]);
        assert_eq!(all(&pages, "email"), enrolled);
        rejects_bad_paging(&app, &path, &staff.token).await;
    }
);

db_test!(
    training_staff_page_through_their_delegates_results_oldest_first,
    |app| {
        let admin = app.admin().await;
        let staff = app.ato(&admin, &["iso20000-foundation"]).await;
        let course = app.course(&staff, "iso20000-foundation", 1, 2).await;
        let delegate = app.candidate().await;
        let stranger = app.candidate().await;
        assert_eq!(
            enrol(&app, &staff, &course, &delegate.email).await,
            "linked"
        );
        app.accept_enrolment(&delegate.email).await;

        let mut started = Vec::new();
        for who in [&delegate, &stranger, &delegate, &delegate] {
            app.advance(time::Duration::minutes(1));
            let sitting = app.start_foundation(&who.token).await;
            app.submit(&who.token, sitting["id"].as_str().unwrap())
                .await;
            if who.id == delegate.id {
                started.push(sitting["started_at"].as_str().unwrap().to_owned());
            }
        }

        let pages = walk(&app, "/api/v1/ato/results?limit=2", &staff.token).await;
        assert_eq!(sizes(&pages), [2, 1]);
        assert_eq!(all(&pages, "date"), started);
        assert!(
            pages
                .iter()
                .flatten()
                .all(|r| r["candidate_id"] == delegate.id.to_string())
        );
        rejects_bad_paging(&app, "/api/v1/ato/results", &staff.token).await;
    }
);
