//! A closed sitting exported as QTI 3.0 Results Reporting XML, for administrators.

use invigilator::qti::names::RESULT_NS;
use invigilator::qti::xml::{Element, parse};

use crate::helpers::*;

fn outcome(parent: &Element, identifier: &str) -> String {
    parent
        .children_named("outcomeVariable")
        .find(|o| o.attribute("identifier") == Some(identifier))
        .and_then(|o| o.child("value"))
        .map(Element::text)
        .unwrap_or_else(|| panic!("no outcome {identifier}"))
}

db_test!(
    an_administrator_exports_a_closed_sitting_as_qti_results,
    |app| {
        let candidate = app.candidate().await;
        let admin = app.admin().await;
        let id = app.start_foundation(&candidate.token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/admin/sittings/{id}/results.qti.xml");
        // Still open: there is no result to report yet.
        app.get(&path, Some(&admin.token)).await.problem(409);
        app.answer_all(&candidate.token, &id, 30).await;
        app.submit(&candidate.token, &id).await;

        app.get(&path, Some(&candidate.token)).await.problem(403);
        app.get(
            &format!(
                "/api/v1/admin/sittings/{}/results.qti.xml",
                uuid::Uuid::now_v7()
            ),
            Some(&admin.token),
        )
        .await
        .problem(404);

        let reply = app.get(&path, Some(&admin.token)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert!(
            reply.content_type.starts_with("application/xml"),
            "{}",
            reply.content_type
        );
        assert_eq!(reply.headers["cache-control"], "no-store");
        assert!(
            reply.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;")
        );
        assert!(
            !reply.text.contains(&candidate.email),
            "the e-mail stays out"
        );

        let root = parse(&reply.text).expect("well-formed XML");
        assert_eq!(root.name, "assessmentResult");
        assert_eq!(root.namespace.as_deref(), Some(RESULT_NS));
        let context = root.child("context").expect("context");
        assert_eq!(
            context.attribute("sourcedId"),
            Some(candidate.id.to_string().as_str())
        );

        let stored = app.stored(&id).await;
        let result = stored.result.clone().expect("scored");
        let test = root.child("testResult").expect("testResult");
        assert_eq!(outcome(test, "SCORE"), result.score.to_string());
        assert_eq!(outcome(test, "SCORE"), "30");
        assert_eq!(outcome(test, "MAXSCORE"), "40");
        assert_eq!(outcome(test, "PASSED"), "true");

        let answers =
            invigilator::persistence::sittings::answers(&app.state.db, id.parse().unwrap())
                .await
                .unwrap();
        let items: Vec<&Element> = root.children_named("itemResult").collect();
        assert_eq!(items.len(), stored.paper.items.len());
        let mut total = 0;
        for (element, item) in items.iter().zip(&stored.paper.items) {
            assert_eq!(element.attribute("identifier"), Some(item.item_id.as_str()));
            let response = element.child("responseVariable").expect("response");
            let given: Vec<String> = response
                .child("candidateResponse")
                .expect("candidateResponse")
                .children_named("value")
                .map(Element::text)
                .collect();
            let saved = answers.get(&item.number).and_then(|r| r.choice.clone());
            assert_eq!(
                given,
                saved.into_iter().collect::<Vec<_>>(),
                "item {}",
                item.number
            );
            let score = outcome(element, "SCORE");
            assert_eq!(score, result.awarded[&item.number].to_string());
            total += score.parse::<u32>().unwrap();
        }
        assert_eq!(total, 30);
    }
);
