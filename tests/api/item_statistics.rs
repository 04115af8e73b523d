//! Item statistics as an administrator reads them: four candidates sit the Foundation
//! paper with chosen answers, then the administrator reads the figures as JSON, as CSV
//! and on the page. Everyone answers the Overview (OV) items right, so their facility is
//! 1.0 and their distractors go unchosen; one item K, on the strongest and the weakest
//! candidate's papers, is answered wrong by the strong and right by the weak, so its
//! key is chosen more by weaker candidates.

use std::collections::BTreeMap;

use invigilator::domain::paper::PaperItem;
use invigilator::domain::pool::ItemBody;
use invigilator::domain::values::option_label;
use reqwest::StatusCode;
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{TestApp, db_test};

const FOUNDATION: &str = "iso20000-foundation";

fn label(item: &PaperItem, right: bool) -> String {
    let ItemBody::Classic { key, options } = &item.body else {
        panic!("Foundation items are classic");
    };
    let index = if right {
        *key
    } else {
        (*key + 1) % options.len()
    };
    option_label(index)
}

/// Answers every item of the sitting, right where `right` says, submits, and returns
/// the score.
async fn sit(app: &TestApp, token: &str, id: &str, right: impl Fn(&PaperItem) -> bool) -> u64 {
    let paper = app.stored(id).await.paper;
    for item in &paper.items {
        let reply = app
            .save_answer(token, id, item.number, &label(item, right(item)))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let submitted = app.submit(token, id).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
    submitted.body["score"].as_u64().unwrap()
}

fn item<'a>(form: &'a Value, id: &str) -> &'a Value {
    form["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item_id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

fn flags(item: &Value) -> Vec<&str> {
    item["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect()
}

db_test!(
    the_administrator_reads_item_statistics_as_json_csv_and_a_page,
    |settings| {
        // Four candidates: let flags show from two.
        settings.statistics.min_candidates = 2;
    },
    |app| {
        let mut sittings = Vec::new();
        for _ in 0..4 {
            let candidate = app.candidate().await;
            let id = app.start_foundation(&candidate.token).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            sittings.push((candidate, id));
        }
        let mut papers = Vec::new();
        for (_, id) in &sittings {
            papers.push(app.stored(id).await);
        }
        let ids = |k: usize| -> Vec<String> {
            papers[k]
                .paper
                .items
                .iter()
                .map(|i| i.item_id.clone())
                .collect()
        };
        // K: the first item, by id, outside OV on both the first and the last paper.
        let mut shared: Vec<String> = ids(0)
            .into_iter()
            .filter(|i| ids(3).contains(i) && !i.starts_with("FND-OV"))
            .collect();
        shared.sort();
        let k = shared
            .first()
            .expect("two papers of 40 from 134 share an item")
            .clone();

        let ov = |i: &PaperItem| i.area == "OV";
        let kk = k.clone();
        let is_k = move |i: &PaperItem| i.item_id == kk;
        let mut scores = Vec::new();
        let (strong1, strong2, middle, weak) =
            (&sittings[0], &sittings[1], &sittings[2], &sittings[3]);
        scores.push(sit(&app, &strong1.0.token, &strong1.1, |i| ov(i) || !is_k(i)).await);
        scores.push(sit(&app, &strong2.0.token, &strong2.1, |i| ov(i) || !is_k(i)).await);
        scores.push(
            sit(&app, &middle.0.token, &middle.1, |i| {
                ov(i) || is_k(i) || i.number % 2 == 0
            })
            .await,
        );
        scores.push(sit(&app, &weak.0.token, &weak.1, |i| ov(i) || is_k(i)).await);
        assert_eq!(scores[0], 39);
        assert!(scores[3] < scores[2], "{scores:?}");

        let admin = app.admin().await;
        let path = format!("/api/v1/admin/statistics/{FOUNDATION}/items");
        let reply = app.get(&path, Some(&admin.token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let body = &reply.body;
        assert_eq!(body["qualification"], FOUNDATION);
        assert_eq!(body["sittings_read"], 4);
        assert_eq!(body["thresholds"]["min_candidates"], 2);
        assert_eq!(body["thresholds"]["facility_low"], 0.3);
        // One form: every sitting drew from the one loaded pool.
        let forms = body["forms"].as_array().unwrap();
        assert_eq!(forms.len(), 1);
        let form = &forms[0];
        assert_eq!(form["edition"], "2011");
        assert_eq!(form["pool_hash"], papers[0].pool_hash.as_str());
        let paper = &form["paper"];
        assert_eq!(paper["candidates"], 4);
        assert_eq!(paper["max_score"], 40);
        assert_eq!(paper["method"], "kr20");
        let mean = scores.iter().sum::<u64>() as f64 / 4.0;
        assert!((paper["mean"].as_f64().unwrap() - mean).abs() < 1e-9);
        let histogram = paper["histogram"].as_array().unwrap();
        assert_eq!(histogram.len(), 41);
        assert_eq!(
            histogram[39],
            scores.iter().filter(|s| **s == 39).count() as u64
        );
        // Four candidates on papers drawn at random: the estimate may come out above 1,
        // and is then withheld with its SEM; never reported above 1.
        match paper["reliability"].as_f64() {
            Some(r) => {
                assert!(r <= 1.0, "{paper}");
                assert!(paper["sem"].is_f64(), "{paper}");
            }
            None => assert!(paper["sem"].is_null(), "{paper}"),
        }

        // Each item is counted over the papers that carried it.
        let mut given: BTreeMap<String, u64> = BTreeMap::new();
        for p in &papers {
            for i in &p.paper.items {
                *given.entry(i.item_id.clone()).or_default() += 1;
            }
        }
        assert_eq!(form["items"].as_array().unwrap().len(), given.len());
        // Every OV item was answered right by everyone given it: facility 1.0, the key
        // chosen by all, and with two or more candidates its distractors flagged unused.
        let ov_items: Vec<&Value> = form["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["area"] == "OV")
            .collect();
        assert!(!ov_items.is_empty());
        for i in &ov_items {
            assert_eq!(i["facility"], 1.0, "{i}");
            let key = i["options"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["key"] == true)
                .unwrap();
            assert_eq!(key["rate"], 1.0);
            if i["candidates"].as_u64().unwrap() >= 2 {
                assert!(flags(i).contains(&"unused_distractor"), "{i}");
                assert!(flags(i).contains(&"facility_high"), "{i}");
            }
        }
        let ov_area = form["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["area"] == "OV")
            .unwrap();
        assert_eq!(ov_area["mean_facility"], 1.0);

        // K: wrong for the strong, right for the weak.
        let key_item = item(form, &k);
        assert_eq!(key_item["candidates"], given[&k]);
        let key = key_item["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["key"] == true)
            .unwrap();
        assert_eq!(key["discrimination"], -1.0, "{key_item}");
        assert_eq!(key["flags"], serde_json::json!(["key_negative"]));
        assert!(flags(key_item).contains(&"key_negative"));
        assert_eq!(key_item["upper_lower"], -1.0);

        // The same as CSV, one row per item, formula-neutral.
        let csv = app.get(&format!("{path}.csv"), Some(&admin.token)).await;
        assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
        assert!(csv.content_type.starts_with("text/csv"));
        let lines: Vec<&str> = csv.text.lines().collect();
        assert_eq!(
            lines[0],
            "qualification,edition,pool_hash,item_id,area,pilot,candidates,facility,point_biserial,efficiency,upper_lower,omitted,flags,options"
        );
        assert_eq!(lines.len(), given.len() + 1);
        let row = lines
            .iter()
            .find(|l| l.contains(&format!(",{k},")))
            .expect("K's row");
        assert!(
            row.starts_with(&format!("{FOUNDATION},2011,{},{k},", papers[0].pool_hash)),
            "{row}"
        );
        assert!(row.contains(",-1.0000,0.0000,"), "{row}");
        assert!(row.contains("key_negative"), "{row}");
        let ov_row = lines
            .iter()
            .find(|l| l.contains(&format!(",{},", ov_items[0]["item_id"].as_str().unwrap())))
            .unwrap();
        assert!(ov_row.contains(",1.0000,"), "{ov_row}");

        // The page: the overview links to it; the table, the two charts with their text
        // alternatives, the CSV link; no inline style, no script.
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        let overview = browser.get("/admin/statistics").await;
        assert!(
            overview
                .text
                .contains(&format!("href=\"/admin/statistics/{FOUNDATION}\""))
        );
        let page = browser
            .get(&format!("/admin/statistics/{FOUNDATION}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let text = &page.text;
        assert!(
            text.contains("<h1>Item statistics: ISO/IEC 20000 Foundation</h1>"),
            "{text}"
        );
        assert!(text.contains("<dd id=\"form-1-candidates\">4</dd>"));
        assert!(
            text.contains("role=\"img\" aria-labelledby=\"form-1-hist-title form-1-hist-desc\"")
        );
        assert!(text.contains("<title id=\"form-1-hist-title\">Score histogram of 4 candidates"));
        assert!(
            text.contains("role=\"img\" aria-labelledby=\"form-1-plot-title form-1-plot-desc\"")
        );
        assert!(text.contains("<desc id=\"form-1-plot-desc\">"));
        assert!(text.contains("<circle "));
        assert!(text.contains(&format!(
            "href=\"/admin/statistics/{FOUNDATION}/items.csv\""
        )));
        let k_row = text
            .split("<tr ")
            .find(|r| r.starts_with(&format!("id=\"form-1-{k}\"")))
            .expect("K's row on the page");
        assert!(
            k_row.contains("key chosen more by weaker candidates"),
            "{k_row}"
        );
        assert!(k_row.contains("(key)"));
        assert!(
            !text.contains("style="),
            "no inline styles under the page policy"
        );
        assert!(!text.contains("<script"));
        let download = browser
            .get(&format!("/admin/statistics/{FOUNDATION}/items.csv"))
            .await;
        assert_eq!(download.status, StatusCode::OK);
        assert!(download.text.starts_with("qualification,edition,"));

        // An unknown qualification is not found, on the API and the page.
        let unknown = app
            .get(
                "/api/v1/admin/statistics/no-such-paper/items",
                Some(&admin.token),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        unknown.problem(404);
        assert_eq!(
            browser.get("/admin/statistics/no-such-paper").await.status,
            StatusCode::NOT_FOUND
        );

        // A candidate is refused everything, an anonymous caller asked to sign in.
        let candidate = &sittings[0].0;
        for p in [path.clone(), format!("{path}.csv")] {
            let refused = app.get(&p, Some(&candidate.token)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{p}");
            assert!(!refused.text.contains(&k));
            assert_eq!(app.get(&p, None).await.status, StatusCode::UNAUTHORIZED);
        }
        let mut own = Browser::signed_in(&app, &candidate.email, "/dashboard").await;
        for p in [
            format!("/admin/statistics/{FOUNDATION}"),
            format!("/admin/statistics/{FOUNDATION}/items.csv"),
        ] {
            let refused = own.get(&p).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{p}");
            assert!(!refused.text.contains(&k));
        }
    }
);

db_test!(
    a_qualification_without_scored_sittings_has_no_forms,
    |app| {
        let admin = app.admin().await;
        let candidate = app.candidate().await;
        // A sitting still in progress is not read.
        app.start_foundation(&candidate.token).await;
        let reply = app
            .get(
                "/api/v1/admin/statistics/iso20000-auditor/items",
                Some(&admin.token),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["forms"], serde_json::json!([]));
        assert_eq!(reply.body["thresholds"]["min_candidates"], 30);
        let foundation = app
            .get(
                &format!("/api/v1/admin/statistics/{FOUNDATION}/items"),
                Some(&admin.token),
            )
            .await;
        assert_eq!(foundation.body["sittings_read"], 0);
        let mut browser = Browser::signed_in(&app, &admin.email, "/admin").await;
        let page = browser.get("/admin/statistics/iso20000-auditor").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text
                .contains("No sitting of ISO/IEC 20000 Auditor has been scored yet.")
        );
    }
);
