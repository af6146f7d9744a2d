//! Sign-in abuse, over real HTTP: the throttle under concurrency, spoofed `X-Forwarded-For`,
//! no session before a sign-in, a password change ending other sessions, HSTS, and a sign-in
//! page that does not tell whether a tenant exists.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::Browser;

#[tokio::test]
async fn hsts_is_sent_exactly_when_the_public_url_is_https() {
    let https = TestApp::spawn_with(&[("ROSTERD_PUBLIC_URL", "https://rosterd.example")]).await;
    let plain = TestApp::spawn().await;
    for path in [
        "/admin/acme/login",
        "/operator/login",
        "/admin/static/admin.css",
    ] {
        let page = Browser::new(&https).get(path).await;
        assert_eq!(
            page.headers["strict-transport-security"], "max-age=31536000",
            "{path}"
        );
        let page = Browser::new(&plain).get(path).await;
        assert!(
            !page.headers.contains_key("strict-transport-security"),
            "{path} over http"
        );
    }
    let login = Browser::new(&https).get("/operator/login").await;
    assert_eq!(login.status, StatusCode::OK);
}
