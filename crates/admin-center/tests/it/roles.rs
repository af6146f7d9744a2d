//! Roles are enforced on the server, CSRF tokens on every POST, and one tenant's admins never
//! reach another tenant's pages (404, exactly like a page that does not exist).

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, admin, signed_in};

const FULL_ADMIN_PAGES: [&str; 4] = [
    "/admin/acme/settings/scim/learning",
    "/admin/acme/settings/scim/sales-navigator",
    "/admin/acme/settings/scim/teamlink-extend",
    "/admin/acme/admins",
];

async fn live_tokens(app: &TestApp) -> usize {
    let shown = app.cli_ok(&["tenant", "show", "acme"]).await;
    shown["apps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["tokens"].as_array().unwrap())
        .filter(|t| t["revoked_at"].is_null())
        .count()
}

#[tokio::test]
async fn reporting_and_license_admins_read_the_overview_but_not_settings_tokens_or_admins() {
    for (role, label) in [
        ("reporting", "Reporting (read-only)"),
        ("license-admin", "License admin"),
    ] {
        let app = TestApp::spawn().await;
        let (browser, _) = signed_in(&app, role).await;
        let overview = browser.get("/admin/acme/").await;
        overview.expect(StatusCode::OK, label);
        assert!(
            !overview.body.contains("/settings/scim/"),
            "{role} sees no settings links"
        );
        assert!(!overview.body.contains("/admin/acme/admins"), "{role}");
        for page in FULL_ADMIN_PAGES {
            browser.get(page).await.expect(
                StatusCode::FORBIDDEN,
                "Only full admins can change SCIM settings",
            );
        }
        let csrf = overview.csrf();
        let tokens = live_tokens(&app).await;
        let posts: [(&str, &[(&str, &str)]); 4] = [
            ("/admin/acme/settings/scim/learning/tokens", &[]),
            (
                "/admin/acme/settings/scim/learning/status",
                &[("scim", "off")],
            ),
            (
                "/admin/acme/admins",
                &[("email", "eve@acme.example"), ("role", "full-admin")],
            ),
            ("/admin/acme/settings/scim/learning/tokens/x/revoke", &[]),
        ];
        for (path, fields) in posts {
            let mut all = vec![("csrf", csrf.as_str())];
            all.extend_from_slice(fields);
            browser
                .post(path, &all)
                .await
                .expect(StatusCode::FORBIDDEN, "do this here");
        }
        assert_eq!(live_tokens(&app).await, tokens, "{role} issued nothing");
        let admins = app.cli_ok(&["admin", "list", "acme"]).await;
        assert_eq!(
            admins.as_array().unwrap().len(),
            1,
            "{role} created no admin"
        );
    }
}

#[tokio::test]
async fn another_tenants_pages_are_not_found() {
    let app = TestApp::spawn().await;
    app.tenant("globex").await;
    admin(&app, "globex", "gus@globex.example", "full-admin").await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let csrf = browser.get("/admin/acme/").await.csrf();
    for page in [
        "/admin/globex/",
        "/admin/globex/settings/scim/learning",
        "/admin/globex/admins",
        "/admin/globex/account/password",
        "/admin/acme/settings/scim/crm",
        "/admin/acme/no-such-page",
    ] {
        browser
            .get(page)
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
    }
    for path in [
        "/admin/globex/settings/scim/learning/tokens",
        "/admin/globex/admins",
    ] {
        browser
            .post(
                path,
                &[
                    ("csrf", &csrf),
                    ("email", "eve@evil.example"),
                    ("role", "full-admin"),
                ],
            )
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
    }
    let globex_admins = app.cli_ok(&["admin", "list", "globex"]).await;
    assert_eq!(globex_admins.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_post_without_the_sessions_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let tokens = live_tokens(&app).await;
    for fields in [vec![("csrf", "forged")], vec![], vec![("csrf", "")]] {
        browser
            .post("/admin/acme/settings/scim/learning/tokens", &fields)
            .await
            .expect(StatusCode::FORBIDDEN, "This form has expired");
    }
    assert_eq!(live_tokens(&app).await, tokens);
    // Another session's token is no better.
    let other = Browser::new(&app);
    let foreign = other.get("/admin/acme/login").await.csrf();
    browser
        .post("/admin/acme/logout", &[("csrf", &foreign)])
        .await
        .expect(StatusCode::FORBIDDEN, "This form has expired");
    browser
        .get("/admin/acme/")
        .await
        .expect(StatusCode::OK, "Overview");
    // The login form is protected too.
    let password = "whatever it is";
    other
        .post(
            "/admin/acme/login",
            &[
                ("csrf", "forged"),
                ("email", "ada@acme.example"),
                ("password", password),
            ],
        )
        .await
        .expect(StatusCode::FORBIDDEN, "This form has expired");
}
