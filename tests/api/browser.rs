//! A browser without JavaScript, for the tests of the web pages: it keeps its cookies by
//! hand (the test client has no cookie store), does not follow redirects, and remembers
//! the form token of the last page that carried one.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp};

/// A page as the browser received it.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Page {
    /// The page's CSRF token (its `<meta name="csrf-token">`).
    pub fn csrf(&self) -> String {
        csrf_of(&self.text).expect("a csrf meta")
    }
}

/// The value of `<meta name="csrf-token" content="…">`.
fn csrf_of(text: &str) -> Option<String> {
    let marker = "<meta name=\"csrf-token\" content=\"";
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}

/// `fields` as the query of a URL, as a form sent with GET puts them.
pub fn query(fields: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://localhost/").unwrap();
    url.query_pairs_mut().extend_pairs(fields);
    url.query().unwrap_or_default().to_owned()
}

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
    csrf: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: BTreeMap::new(),
            csrf: String::new(),
        }
    }

    /// Signs in through the sign-in page, as a person does.
    pub async fn signed_in(app: &'a TestApp, email: &str, next: &str) -> Self {
        let mut browser = Self::new(app);
        browser.sign_in_to(email, next).await;
        browser
    }

    /// Signs in through the sign-in page; returns the dashboard.
    pub async fn sign_in(&mut self, email: &str) -> Page {
        self.sign_in_to(email, "/dashboard").await;
        self.get("/dashboard").await
    }

    /// Signs in through the sign-in page, which sends the browser on to `next`.
    async fn sign_in_to(&mut self, email: &str, next: &str) {
        let page = self.get("/sign-in").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.csrf();
        let signed_in = self
            .post(
                "/sign-in",
                &[
                    ("csrf", &csrf),
                    ("email", email),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(
            signed_in.status,
            StatusCode::SEE_OTHER,
            "{}",
            signed_in.text
        );
        assert_eq!(signed_in.location.as_deref(), Some(next));
        assert!(
            // `__Host-session` here: the tests' public address is https.
            self.cookies.keys().any(|k| k.ends_with("session")),
            "no session cookie"
        );
    }

    /// The `cookie` header the browser sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn receive(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        // Error pages carry no token; the forms of the last real page still work.
        if let Some(token) = csrf_of(&text).filter(|t| !t.is_empty()) {
            self.csrf = token;
        }
        Page {
            status,
            location,
            headers,
            text,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.receive(response).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.receive(response).await
    }

    /// Posts a form of the last page with its token, as the page's own form does.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// Follows a redirect.
    pub async fn follow(&mut self, page: &Page) -> Page {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        let to = page.location.clone().expect("a location");
        self.get(&to).await
    }

    /// A request as the exam page's script makes it.
    pub async fn script(&mut self, path: &str, csrf: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .header("x-csrf-token", csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Starts a paper with the dashboard's Start button; returns the sitting's id.
    pub async fn start(&mut self, code: &str) -> String {
        let dashboard = self.get("/dashboard").await;
        let csrf = dashboard.csrf();
        let started = self
            .post(&format!("/papers/{code}/start"), &[("csrf", &csrf)])
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
        started
            .location
            .unwrap()
            .trim_start_matches("/sittings/")
            .to_owned()
    }
}
