//! A minimal browser for handler tests: a cookie jar, no automatic redirects, CSRF tokens read
//! from the page, and set-up helpers (tenants, admins, operators).

use std::collections::BTreeMap;
use std::sync::Mutex;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use rosterd_test_support::TestApp;

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// The redirect target, if any.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).map(|v| v.to_str().unwrap())
    }

    /// The first CSRF token in the page's forms.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF field in: {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    /// Asserts the page's status and that it contains `text`.
    #[track_caller]
    pub fn expect(&self, status: StatusCode, text: &str) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert!(
            self.body.contains(text),
            "`{text}` not in page: {}",
            self.body
        );
        self
    }

    /// Asserts a redirect to `to`.
    #[track_caller]
    pub fn redirects_to(&self, to: &str) -> &Self {
        assert!(
            self.status.is_redirection(),
            "status {}: {}",
            self.status,
            self.body
        );
        assert_eq!(self.location(), Some(to));
        self
    }
}

/// A browser with its own cookies.
pub struct Browser {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
    /// Sent as `X-Forwarded-For` when set.
    pub forwarded_for: Option<String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.base_url.clone(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(BTreeMap::new()),
            forwarded_for: None,
        }
    }

    /// The current value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Replaces cookie `name` (to replay an old session id).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = req;
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        if let Some(addr) = &self.forwarded_for {
            req = req.header("x-forwarded-for", addr);
        }
        let res = req.send().await.unwrap();
        for set in res.headers().get_all(SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            let mut jar = self.cookies.lock().unwrap();
            if value.is_empty() || attrs.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(self.http.post(format!("{}{path}", self.base)).form(fields))
            .await
    }

    /// Reads the form at `form_page`, then posts `fields` and its CSRF token to `action`.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Signs in to `tenant`'s admin center.
    pub async fn login(&self, tenant: &str, email: &str, password: &str) -> Page {
        let login = format!("/admin/{tenant}/login");
        self.submit(&login, &login, &[("email", email), ("password", password)])
            .await
    }

    /// Signs in and checks it worked.
    pub async fn login_ok(&self, tenant: &str, email: &str, password: &str) {
        self.login(tenant, email, password)
            .await
            .redirects_to(&format!("/admin/{tenant}/"));
    }

    /// Signs in to the operator console.
    pub async fn operator_login(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/operator/login",
            "/operator/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// Creates an admin account through the CLI and returns its one-time password.
pub async fn admin(app: &TestApp, tenant: &str, email: &str, role: &str) -> String {
    let created = app
        .cli_ok(&["admin", "create", tenant, email, "--role", role])
        .await;
    created["password"].as_str().unwrap().to_owned()
}

/// A tenant `acme` with a signed-in admin of `role`; returns the browser and the password.
pub async fn signed_in(app: &TestApp, role: &str) -> (Browser, String) {
    app.tenant("acme").await;
    let password = admin(app, "acme", "ada@acme.example", role).await;
    let browser = Browser::new(app);
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    (browser, password)
}

/// Creates an operator account through the CLI and returns its one-time password.
pub async fn operator(app: &TestApp, email: &str) -> String {
    let created = app.cli_ok(&["operator", "create", email]).await;
    created["password"].as_str().unwrap().to_owned()
}

/// Runs SQL against the app's database (to set up what the ledger's APIs will do later).
pub async fn sql(app: &TestApp, statement: &str) {
    use sea_orm::ConnectionTrait as _;
    app.db.conn.execute_unprepared(statement).await.unwrap();
}
