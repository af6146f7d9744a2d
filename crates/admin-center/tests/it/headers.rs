//! Security headers on every admin response, static assets compiled in, no inline script.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, Page, signed_in};

#[track_caller]
fn assert_secure(page: &Page, what: &str) {
    let h = &page.headers;
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
}

#[tokio::test]
async fn every_admin_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let anonymous = Browser::new(&app);
    let pages = [
        ("login", anonymous.get("/admin/acme/login").await),
        ("redirect", anonymous.get("/admin/acme/").await),
        ("overview", browser.get("/admin/acme/").await),
        (
            "settings",
            browser.get("/admin/acme/settings/scim/learning").await,
        ),
        ("not found", browser.get("/admin/globex/").await),
        ("operator login", anonymous.get("/operator/login").await),
        ("stylesheet", anonymous.get("/admin/static/admin.css").await),
    ];
    for (what, page) in &pages {
        assert_secure(page, what);
        if page.status == StatusCode::OK && what != &"stylesheet" {
            assert!(!page.body.contains("<script>"), "{what}: no inline script");
            assert!(!page.body.contains("style=\""), "{what}: no inline style");
            assert_eq!(page.headers["cache-control"], "no-store", "{what}");
        }
    }
}

#[tokio::test]
async fn cookies_are_http_only_same_site_and_scoped() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = crate::browser::admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let res = app
        .get(&format!("{}/admin/acme/login", app.base_url), None)
        .await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies.len(), 1, "only the form's CSRF cookie: {cookies:?}");
    let login = &cookies[0];
    assert!(login.starts_with("rosterd_admin_login="), "{login}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(login.contains(attr), "{attr} in {login}");
    }
    let browser = Browser::new(&app);
    let signed_in = browser.login("acme", "ada@acme.example", &password).await;
    let session = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("rosterd_admin="))
        .expect("signing in sets the session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/admin"] {
        assert!(session.contains(attr), "{attr} in {session}");
    }
    // The test server's public URL is http, so not Secure.
    assert!(
        !session.contains("Secure") && !login.contains("Secure"),
        "{session}"
    );
}

#[tokio::test]
async fn static_assets_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let browser = Browser::new(&app);
    let css = browser.get("/admin/static/admin.css").await;
    css.expect(StatusCode::OK, "--primary");
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    let js = browser.get("/admin/static/admin.js").await;
    js.expect(StatusCode::OK, "clipboard");
    let icon = browser.get("/admin/static/favicon.svg").await;
    icon.expect(StatusCode::OK, "<svg");
    assert_eq!(icon.headers["content-type"], "image/svg+xml");
    browser
        .get("/admin/static/nope.css")
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
}
