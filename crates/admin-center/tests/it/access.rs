//! Signing in and out: the form, success and failure, session cycling, logout, timeouts,
//! throttling, and password change.

use chrono::Duration;
use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, admin, signed_in};

const COOKIE: &str = "rosterd_admin";

#[tokio::test]
async fn signed_out_visitors_land_on_a_labelled_login_form() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let browser = Browser::new(&app);
    browser
        .get("/admin/acme")
        .await
        .redirects_to("/admin/acme/");
    browser
        .get("/admin/acme/")
        .await
        .redirects_to("/admin/acme/login");
    let login = browser.get("/admin/acme/login").await;
    login.expect(StatusCode::OK, "<title>Sign in to acme · rosterd</title>");
    login.expect(StatusCode::OK, r#"<label for="email">Email</label>"#);
    login.expect(StatusCode::OK, r#"<label for="password">Password</label>"#);
    assert!(!login.csrf().is_empty());
    // A tenant that does not exist gets the same form (see signin.rs for the parity).
    browser
        .get("/admin/nope/login")
        .await
        .expect(StatusCode::OK, "<title>Sign in to nope · rosterd</title>");
    browser
        .get("/admin/Not%20A%20Slug/login")
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
}

#[tokio::test]
async fn a_right_password_signs_in_and_cycles_the_session_id() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let browser = Browser::new(&app);
    browser.get("/admin/acme/login").await;
    assert_eq!(browser.cookie(COOKIE), None, "no session before signing in");
    // A session id planted before sign-in is not the one signed in.
    let before = "AAAAAAAAAAAAAAAAAAAAAA".to_owned();
    browser.set_cookie(COOKIE, &before);
    browser
        .login("acme", "ADA@acme.example", &password)
        .await
        .redirects_to("/admin/acme/");
    let after = browser.cookie(COOKIE).unwrap();
    assert_ne!(before, after, "the session id changes at sign-in");
    browser
        .get("/admin/acme/")
        .await
        .expect(StatusCode::OK, "<h1>Overview</h1>")
        .expect(StatusCode::OK, "ada@acme.example");
    // The planted session id is worth nothing now.
    let fixated = Browser::new(&app);
    fixated.set_cookie(COOKIE, &before);
    fixated
        .get("/admin/acme/")
        .await
        .redirects_to("/admin/acme/login");
    // Signed in, the login page sends you on.
    browser
        .get("/admin/acme/login")
        .await
        .redirects_to("/admin/acme/");
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_readable_message() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let browser = Browser::new(&app);
    for (email, password) in [
        ("ada@acme.example", "not the password"),
        ("nobody@acme.example", "not the password"),
    ] {
        browser.login("acme", email, password).await.expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "match an admin account of acme.",
        );
    }
    browser
        .get("/admin/acme/")
        .await
        .redirects_to("/admin/acme/login");
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let session = browser.cookie(COOKIE).unwrap();
    let overview = browser.get("/admin/acme/").await;
    browser
        .post("/admin/acme/logout", &[("csrf", &overview.csrf())])
        .await
        .redirects_to("/admin/acme/login?signed_out=1");
    assert_eq!(browser.cookie(COOKIE), None, "the cookie is cleared");
    browser
        .get("/admin/acme/login?signed_out=1")
        .await
        .expect(StatusCode::OK, "You have signed out.");
    // Replaying the old cookie finds no session.
    let replay = Browser::new(&app);
    replay.set_cookie(COOKIE, &session);
    replay
        .get("/admin/acme/")
        .await
        .redirects_to("/admin/acme/login");
}

#[tokio::test]
async fn an_idle_session_times_out_and_activity_keeps_it_alive() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(20));
        browser
            .get("/admin/acme/")
            .await
            .expect(StatusCode::OK, "Overview");
    }
    app.clock.advance(Duration::minutes(31));
    browser
        .get("/admin/acme/")
        .await
        .redirects_to("/admin/acme/login");
    browser
        .get("/admin/acme/login")
        .await
        .expect(StatusCode::OK, "Sign in");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let browser = Browser::new(&app);
    for _ in 0..4 {
        browser
            .login("acme", "ada@acme.example", "wrong password!")
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, "match an admin account");
    }
    browser
        .login("acme", "ada@acme.example", "wrong password!")
        .await
        .expect(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-in attempts. Try again in 15 minutes.",
        );
    // Locked: even the right password is refused, from another browser too.
    let other = Browser::new(&app);
    other
        .login("acme", "ada@acme.example", &password)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS, "Try again in 15 minutes");
    app.clock.advance(Duration::minutes(10));
    other
        .login("acme", "ada@acme.example", &password)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS, "Try again in 5 minutes");
    app.clock.advance(Duration::minutes(6));
    other.login_ok("acme", "ada@acme.example", &password).await;
}

#[tokio::test]
async fn repeated_failures_from_one_address_lock_that_address() {
    // The test's requests come through "a proxy" at 127.0.0.1 that names the client.
    let app = TestApp::spawn_with_env(&[("ROSTERD_TRUSTED_PROXIES", "127.0.0.1")]).await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let mut sprayer = Browser::new(&app);
    sprayer.forwarded_for = Some("203.0.113.9".into());
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
    // Another address is not affected.
    let mut colleague = Browser::new(&app);
    colleague.forwarded_for = Some("198.51.100.7".into());
    colleague
        .login_ok("acme", "ada@acme.example", &password)
        .await;
}

#[tokio::test]
async fn an_admin_changes_their_password() {
    let app = TestApp::spawn().await;
    let (browser, old) = signed_in(&app, "license-admin").await;
    let form = "/admin/acme/account/password";
    browser
        .get(form)
        .await
        .expect(
            StatusCode::OK,
            "<title>Change your password · rosterd</title>",
        )
        .expect(
            StatusCode::OK,
            r#"<label for="current">Current password</label>"#,
        );
    let new = "a much longer passphrase";
    let cases = [
        (
            old.as_str(),
            new,
            "something else entirely",
            "and its confirmation",
        ),
        (
            "not my password",
            new,
            new,
            "Your current password is not right.",
        ),
        (old.as_str(), "short", "short", "at least 12 characters"),
    ];
    for (current, new, confirm, message) in cases {
        browser
            .submit(
                form,
                form,
                &[("current", current), ("new", new), ("confirm", confirm)],
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    let session = browser.cookie(COOKIE).unwrap();
    browser
        .submit(
            form,
            form,
            &[("current", &old), ("new", new), ("confirm", new)],
        )
        .await
        .redirects_to("/admin/acme/");
    assert_ne!(browser.cookie(COOKIE).unwrap(), session, "id cycled");
    browser
        .get("/admin/acme/")
        .await
        .expect(StatusCode::OK, "Your password was changed.");
    let fresh = Browser::new(&app);
    fresh
        .login("acme", "ada@acme.example", &old)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY, "match an admin account");
    fresh.login_ok("acme", "ada@acme.example", new).await;
}

#[tokio::test]
async fn a_busy_session_still_ends_twelve_hours_after_sign_in() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        browser
            .get("/admin/acme/")
            .await
            .expect(StatusCode::OK, "Overview");
    }
    app.clock.advance(Duration::minutes(20));
    browser
        .get("/admin/acme/")
        .await
        .redirects_to("/admin/acme/login?expired=absolute");
    browser
        .get("/admin/acme/login?expired=absolute")
        .await
        .expect(StatusCode::OK, "12-hour limit");
    browser
        .get("/admin/acme/")
        .await
        .redirects_to("/admin/acme/login");
}
