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
    // Fewer when the account's and the address's counts interleave (a request may find one
    // key at 5 and the other at 6), never more.
    assert!(failed >= 1, "the first attempts were verified");
    // Each plain failure was verified (the one that used up a key's fifth attempt says locked).
    assert!(wrong <= failed, "{wrong} plain failures of {failed}");
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
async fn hsts_is_sent_exactly_when_the_public_url_is_https() {
    let https = TestApp::spawn_with_env(&[("ROSTERD_PUBLIC_URL", "https://rosterd.example")]).await;
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

/// Rows in the session table.
async fn session_rows(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait as _, Statement};
    let backend = app.db.conn.get_database_backend();
    let row = app
        .db
        .conn
        .query_one(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM admin_sessions",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn sign_in_pages_write_no_session_until_a_sign_in_succeeds() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let browser = Browser::new(&app);
    for path in [
        "/admin/acme/login",
        "/admin/acme/login?expired=idle",
        "/admin/nope/login",
        "/admin/acme/",
        "/operator/login",
        "/operator",
    ] {
        let page = browser.get(path).await;
        assert!(
            page.status.is_success() || page.status.is_redirection(),
            "{path}"
        );
    }
    assert_eq!(session_rows(&app).await, 0, "anonymous pages write nothing");
    assert_eq!(browser.cookie("rosterd_admin"), None);
    browser
        .login("acme", "ada@acme.example", "wrong password!")
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY, "match an admin account");
    assert_eq!(session_rows(&app).await, 0, "nor does a failed sign-in");
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    assert_eq!(session_rows(&app).await, 1, "a sign-in starts the session");
}

#[tokio::test]
async fn a_sign_in_post_without_the_forms_cookie_is_refused_as_login_csrf() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    // Another site posts the victim's browser into the attacker's account: it can send any
    // `csrf` field, but not the victim's cookie.
    let victim = Browser::new(&app);
    let token = victim.get("/admin/acme/login").await.csrf();
    let attacker = Browser::new(&app);
    for (who, csrf) in [(&attacker, token.as_str()), (&victim, "forged")] {
        who.post(
            "/admin/acme/login",
            &[
                ("csrf", csrf),
                ("email", "ada@acme.example"),
                ("password", &password),
            ],
        )
        .await
        .expect(StatusCode::FORBIDDEN, "This form has expired");
    }
    let operator = Browser::new(&app);
    operator
        .post(
            "/operator/login",
            &[
                ("csrf", ""),
                ("email", "ops@rosterd.example"),
                ("password", "x"),
            ],
        )
        .await
        .expect(StatusCode::FORBIDDEN, "This form has expired");
    assert_eq!(session_rows(&app).await, 0);
    // The form's own token, with its cookie, works.
    victim.login_ok("acme", "ada@acme.example", &password).await;
}

/// The page with the tenant's slug, the CSRF token and the typed email taken out, to compare.
fn neutral(body: &str, slug: &str, csrf: &str) -> String {
    body.replace(csrf, "TOKEN").replace(slug, "SLUG")
}

#[tokio::test]
async fn an_unknown_tenant_looks_and_behaves_like_a_known_one_with_a_wrong_password() {
    // Two visitors at two addresses (behind a proxy), so each has its own address count.
    let app = TestApp::spawn_with_env(&[("ROSTERD_TRUSTED_PROXIES", "127.0.0.1")]).await;
    app.tenant("acme").await;
    admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let mut known = Browser::new(&app);
    known.forwarded_for = Some("198.51.100.1".into());
    let mut unknown = Browser::new(&app);
    unknown.forwarded_for = Some("198.51.100.2".into());
    let form_known = known.get("/admin/acme/login").await;
    let form_unknown = unknown.get("/admin/nope/login").await;
    assert_eq!(form_known.status, form_unknown.status);
    assert_eq!(
        neutral(&form_known.body, "acme", &form_known.csrf()),
        neutral(&form_unknown.body, "nope", &form_unknown.csrf()),
        "the same form"
    );
    let mut times = (Vec::new(), Vec::new());
    for n in 0..4 {
        let email = format!("ada{n}@example.test");
        let started = std::time::Instant::now();
        let a = known.login("acme", &email, "wrong password!").await;
        times.0.push(started.elapsed());
        let started = std::time::Instant::now();
        let b = unknown.login("nope", &email, "wrong password!").await;
        times.1.push(started.elapsed());
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.status, b.status, "attempt {n}");
        assert_eq!(
            neutral(&a.body, "acme", &a.csrf()),
            neutral(&b.body, "nope", &b.csrf()),
            "the same answer"
        );
    }
    // Both are throttled alike: the fifth attempt from the address locks it.
    let a = known
        .login("acme", "x@acme.example", "wrong password!")
        .await;
    let b = unknown
        .login("nope", "x@acme.example", "wrong password!")
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(b.status, StatusCode::TOO_MANY_REQUESTS);
    // Both ran a password hash: comparable time (a lookup that skipped the hash would take a
    // small fraction of it). Medians, to ride out a busy machine.
    times.0.sort();
    times.1.sort();
    let (known_median, unknown_median) = (times.0[2], times.1[2]);
    assert!(
        unknown_median * 3 >= known_median,
        "unknown {unknown_median:?} vs known {known_median:?}"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_admins_other_sessions() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let old = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    admin(&app, "acme", "bob@acme.example", "reporting").await;
    let laptop = Browser::new(&app);
    let phone = Browser::new(&app);
    laptop.login_ok("acme", "ada@acme.example", &old).await;
    phone.login_ok("acme", "ada@acme.example", &old).await;
    let colleague = Browser::new(&app);
    let bob = crate::browser::admin(&app, "acme", "bob2@acme.example", "reporting").await;
    colleague.login_ok("acme", "bob2@acme.example", &bob).await;
    let form = "/admin/acme/account/password";
    let new = "a much longer passphrase";
    laptop
        .submit(
            form,
            form,
            &[("current", &old), ("new", new), ("confirm", new)],
        )
        .await
        .redirects_to("/admin/acme/");
    // The laptop goes on; the phone's session is over; another admin is not affected.
    laptop
        .get("/admin/acme/")
        .await
        .expect(StatusCode::OK, "Your password was changed.");
    phone
        .get("/admin/acme/users")
        .await
        .redirects_to("/admin/acme/login");
    assert_eq!(
        phone.cookie("rosterd_admin"),
        None,
        "and its cookie cleared"
    );
    colleague
        .get("/admin/acme/")
        .await
        .expect(StatusCode::OK, "Overview");
    // Signing in again with the new password works on the phone.
    phone.login_ok("acme", "ada@acme.example", new).await;
    laptop
        .get("/admin/acme/")
        .await
        .expect(StatusCode::OK, "Overview");
}

#[tokio::test]
async fn a_flood_of_sign_ins_beyond_the_hashing_budget_gets_503_with_retry_after() {
    // One hash at a time and four waiting; sixty sign-ins at once from sixty addresses.
    let app = TestApp::spawn_with_env(&[
        ("ROSTERD_TRUSTED_PROXIES", "127.0.0.1"),
        ("ROSTERD_PASSWORD_HASH_CONCURRENCY", "1"),
    ])
    .await;
    app.tenant("acme").await;
    let mut browsers = Vec::new();
    for n in 0..60 {
        let mut browser = Browser::new(&app);
        browser.forwarded_for = Some(format!("198.51.100.{n}"));
        let csrf = browser.get("/admin/acme/login").await.csrf();
        browsers.push((Arc::new(browser), csrf, format!("user{n}@acme.example")));
    }
    let mut sent = Vec::new();
    for (browser, csrf, email) in browsers {
        sent.push(tokio::spawn(async move {
            browser
                .post(
                    "/admin/acme/login",
                    &[
                        ("csrf", csrf.as_str()),
                        ("email", email.as_str()),
                        ("password", "wrong password!"),
                    ],
                )
                .await
        }));
    }
    let mut busy = 0;
    for page in sent {
        let page = page.await.unwrap();
        match page.status {
            StatusCode::UNPROCESSABLE_ENTITY => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(page.headers["retry-after"], "5");
                page.expect(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Too many sign-ins right now",
                )
                .expect(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "this attempt does not count",
                );
            }
            other => panic!("unexpected {other}: {}", page.body),
        }
    }
    assert!(busy > 0, "some were refused as busy");
    let verified = audit_actions(&app, "admin.sign_in_failed").await.len();
    assert_eq!(verified + busy, 60, "every other attempt was verified");
}

#[tokio::test]
async fn wrong_current_passwords_on_the_password_form_count_against_sign_in() {
    let app = TestApp::spawn_with_env(&[("ROSTERD_TRUSTED_PROXIES", "127.0.0.1")]).await;
    app.tenant("acme").await;
    let password = admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let mut thief = Browser::new(&app);
    thief.forwarded_for = Some("203.0.113.9".into());
    thief.login_ok("acme", "ada@acme.example", &password).await;
    let form = "/admin/acme/account/password";
    let new = "a much longer passphrase";
    for n in 0..5 {
        let page = thief
            .submit(
                form,
                form,
                &[
                    ("current", "guess guess guess"),
                    ("new", new),
                    ("confirm", new),
                ],
            )
            .await;
        let says = if n < 4 {
            "Your current password is not right."
        } else {
            "Too many failed sign-in attempts"
        };
        page.expect(StatusCode::UNPROCESSABLE_ENTITY, says);
    }
    // The account is locked for sign-in too, from anywhere.
    let mut owner = Browser::new(&app);
    owner.forwarded_for = Some("198.51.100.7".into());
    owner
        .login("acme", "ada@acme.example", &password)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS, "Try again in 15 minutes");
}
