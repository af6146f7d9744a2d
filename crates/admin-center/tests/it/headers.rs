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
    let res = app
        .get(&format!("{}/admin/acme/login", app.base_url), None)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.tenant("acme").await;
    let res = app
        .get(&format!("{}/admin/acme/login", app.base_url), None)
        .await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("rosterd_admin="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/admin"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    // The test server's public URL is http, so not Secure.
    assert!(!cookie.contains("Secure"), "{cookie}");
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
