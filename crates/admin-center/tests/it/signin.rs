//! Sign-in abuse, over real HTTP: the throttle under concurrency, spoofed `X-Forwarded-For`,
//! no session before a sign-in, a password change ending other sessions, HSTS, and a sign-in
//! page that does not tell whether a tenant exists.

use std::sync::Arc;

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, admin};

/// The audit actions recorded for `tenant`, oldest first.
async fn audit_actions(app: &TestApp, like: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait as _, Statement};
    let backend = app.db.conn.get_database_backend();
    app.db
        .conn
        .query_all(Statement::from_string(
            backend,
            format!(
                "SELECT action FROM audit_events WHERE action LIKE '{like}' ORDER BY created_at, id"
            ),
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "action").unwrap())
        .collect()
}

/// The audit details of `action`.
async fn audit_details(app: &TestApp, action: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait as _, Statement};
    let backend = app.db.conn.get_database_backend();
    app.db
        .conn
        .query_all(Statement::from_string(
            backend,
            format!("SELECT detail FROM audit_events WHERE action = '{action}'"),
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "detail").unwrap())
        .collect()
}

#[tokio::test]
async fn thirty_concurrent_wrong_passwords_verify_at_most_five_and_then_the_right_one_is_refused() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    // Thirty browsers, each with its login form, all sending a wrong password at once.
    let mut browsers = Vec::new();
    for _ in 0..30 {
        let browser = Browser::new(&app);
        let csrf = browser.get("/admin/acme/login").await.csrf();
        browsers.push((Arc::new(browser), csrf));
    }
    let mut sent = Vec::new();
    for (browser, csrf) in &browsers {
        let (browser, csrf) = (browser.clone(), csrf.clone());
        sent.push(tokio::spawn(async move {
            browser
                .post(
                    "/admin/acme/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("email", "ada@acme.example"),
                        ("password", "wrong password!"),
                    ],
                )
                .await
        }));
    }
    let mut wrong = 0;
    let mut refused = 0;
    for page in sent {
        let page = page.await.unwrap();
        match page.status {
            StatusCode::UNPROCESSABLE_ENTITY => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(page.body.contains("Too many failed sign-in attempts"));
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", page.body),
        }
    }
    assert_eq!(wrong + refused, 30);
    // Each verified wrong password is one `admin.sign_in_failed` event; refusals verify nothing.
    let failed = audit_actions(&app, "admin.sign_in_failed").await.len();
    assert!(failed <= 5, "{failed} passwords were verified");
    assert_eq!(failed, 5, "five attempts were allowed and verified");
    assert_eq!(wrong, 4, "the fifth verified failure already says locked");
    let refusals = audit_actions(&app, "admin.sign_in_refused").await.len();
    assert!(
        (1..=2).contains(&refusals),
        "one event per locked key (account, address), not 25: {refusals}"
    );
    // The right password, sent after the lock, is refused too.
    Browser::new(&app)
        .login("acme", "ada@acme.example", &password)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS, "Try again in 15 minutes");
    let details = audit_details(&app, "admin.sign_in_failed").await;
    assert!(
        details
            .iter()
            .all(|d| d.starts_with("Failed sign-in as ada@acme.example from 127.0.0.1")),
        "{details:?}"
    );
    assert!(!details.iter().any(|d| d.contains("wrong password!")));
}

#[tokio::test]
async fn concurrent_first_failures_do_not_reset_each_other() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    // Five first attempts at once on an account with no count yet: all five count.
    let mut sent = Vec::new();
    for n in 0..5 {
        let browser = Arc::new(Browser::new(&app));
        let csrf = browser.get("/admin/acme/login").await.csrf();
        sent.push(tokio::spawn(async move {
            browser
                .post(
                    "/admin/acme/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("email", "ada@acme.example"),
                        ("password", &format!("wrong password {n}")),
                    ],
                )
                .await
                .status
        }));
    }
    for status in sent {
        let status = status.await.unwrap();
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    Browser::new(&app)
        .login("acme", "ada@acme.example", &password)
        .await
        .expect(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-in attempts",
        );
}

#[tokio::test]
async fn a_spoofed_forwarded_for_from_an_untrusted_peer_counts_against_the_peer() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    // A sprayer at 127.0.0.1 claims a new address on every attempt, on a new account each time.
    for n in 0..5 {
        let mut sprayer = Browser::new(&app);
        sprayer.forwarded_for = Some(format!("203.0.113.{n}"));
        let page = sprayer
            .login("acme", &format!("user{n}@acme.example"), "Summer2026!!")
            .await;
        if n < 4 {
            page.expect(StatusCode::UNPROCESSABLE_ENTITY, "match an admin account");
        } else {
            page.expect(StatusCode::TOO_MANY_REQUESTS, "Try again in 15 minutes");
        }
    }
    // The header was ignored: the peer's address is used up, whatever address is claimed.
    let mut next = Browser::new(&app);
    next.forwarded_for = Some("198.51.100.7".into());
    next.login("acme", "ada@acme.example", &password)
        .await
        .expect(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-in attempts",
        );
    let details = audit_details(&app, "admin.sign_in_failed").await;
    assert!(
        details.iter().all(|d| d.contains(" from 127.0.0.1:")),
        "recorded against the peer: {details:?}"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_throttled_and_nobody_else() {
    let app = TestApp::spawn_with(&[("ROSTERD_TRUSTED_PROXIES", "127.0.0.0/8")]).await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let mut sprayer = Browser::new(&app);
    // A spoofed entry on the left is not believed: the proxy appended the real client.
    sprayer.forwarded_for = Some("198.51.100.7, 203.0.113.9".into());
    for n in 0..5 {
        sprayer
            .login("acme", &format!("user{n}@acme.example"), "Summer2026!!")
            .await;
    }
    sprayer
        .login("acme", "ada@acme.example", &password)
        .await
        .expect(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-in attempts",
        );
    // The address the sprayer claimed on the left is not locked: it was never counted.
    let mut colleague = Browser::new(&app);
    colleague.forwarded_for = Some("198.51.100.7".into());
    colleague
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    let details = audit_details(&app, "admin.sign_in_failed").await;
    assert!(
        details.iter().all(|d| d.contains(" from 203.0.113.9:")),
        "{details:?}"
    );
}

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
