//! The clean-up check before an app's SCIM is first turned on: duplicates, people without an
//! email, manual people SCIM will adopt with the licenses that move, and "enable anyway".

use reqwest::StatusCode;
use rosterd_test_support::TestApp;
use serde_json::json;

use crate::browser::{Browser, admin};
use crate::provisioning_log::scim_post;

const SETTINGS: &str = "/admin/globex/settings/scim/learning";
const CHECK: &str = "/admin/globex/settings/scim/learning/cleanup";

/// A tenant `globex` whose apps were never enabled, with a signed-in admin of `role`.
async fn fresh_tenant(app: &TestApp, role: &str) -> Browser {
    app.cli_ok(&[
        "tenant",
        "create",
        "globex",
        "--name",
        "Globex",
        "--seats",
        "learning=10",
        "--seats",
        "teamlink-extend=10",
    ])
    .await;
    let password = admin(app, "globex", "gus@globex.example", role).await;
    let browser = Browser::new(app);
    browser
        .login_ok("globex", "gus@globex.example", &password)
        .await;
    browser
}

#[tokio::test]
async fn the_check_lists_what_to_fix_and_enabling_anyway_turns_scim_on() {
    let app = TestApp::spawn().await;
    let browser = fresh_tenant(&app, "full-admin").await;
    let settings = browser.get(SETTINGS).await;
    settings.expect(StatusCode::OK, "Run the clean-up check, then turn SCIM on");
    assert!(settings.body.contains(CHECK));

    // Two manual Ada Lovelaces (one with a manual Learning license), and someone another app
    // provisioned without an email.
    for email in ["ada@globex.example", "a.lovelace@globex.example"] {
        app.cli_ok(&[
            "person", "add", "globex", email, "--given", "Ada", "--family", "Lovelace",
        ])
        .await;
    }
    app.cli_ok(&[
        "license",
        "grant",
        "globex",
        "ada@globex.example",
        "learning",
    ])
    .await;
    let teamlink = app
        .cli_ok(&["token", "issue", "globex", "teamlink-extend"])
        .await;
    let created = scim_post(
        &app,
        &format!("{}/scim/globex/teamlink-extend/v2/Users", app.base_url),
        teamlink["token"].as_str().unwrap(),
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "bob",
            "name": {"givenName": "Bob", "familyName": "Nomail"},
            "active": true,
        }),
    )
    .await;
    assert_eq!(created, StatusCode::CREATED);

    let page = browser.get(CHECK).await;
    page.expect(
        StatusCode::OK,
        "<title>Clean-up check: Learning · rosterd</title>",
    )
    .expect(StatusCode::OK, "People named “ada lovelace”")
    .expect(StatusCode::OK, "ada@globex.example")
    .expect(StatusCode::OK, "a.lovelace@globex.example")
    .expect(StatusCode::OK, "/admin/globex/users/")
    .expect(StatusCode::OK, "Learning (assigned)")
    .expect(StatusCode::OK, "Turn SCIM on anyway");
    let without = page.body.find("People without an email").unwrap();
    assert!(
        page.body[without..].contains(r#"<span class="badge badge-warn">1</span>"#),
        "bob has no email"
    );

    browser
        .submit(CHECK, &format!("{SETTINGS}/status"), &[("scim", "on")])
        .await
        .redirects_to(SETTINGS);
    let on = browser.get(SETTINGS).await;
    on.expect(StatusCode::OK, "Turn SCIM off");
    assert!(
        !on.body.contains("Run the clean-up check"),
        "only before the first time"
    );
}

#[tokio::test]
async fn a_clean_tenant_is_told_so_and_only_full_admins_run_the_check() {
    let app = TestApp::spawn().await;
    let browser = fresh_tenant(&app, "full-admin").await;
    browser
        .get(CHECK)
        .await
        .expect(StatusCode::OK, "Nothing needs fixing")
        .expect(StatusCode::OK, ">Turn SCIM on</button>");
    browser
        .get("/admin/globex/settings/scim/crm/cleanup")
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    let password = admin(&app, "globex", "lia@globex.example", "license-admin").await;
    let lia = Browser::new(&app);
    lia.login_ok("globex", "lia@globex.example", &password)
        .await;
    lia.get(CHECK)
        .await
        .expect(StatusCode::FORBIDDEN, "Only full admins");
    // Another tenant's admin gets 404.
    app.tenant("acme").await;
    let other = admin(&app, "acme", "ann@acme.example", "full-admin").await;
    let ann = Browser::new(&app);
    ann.login_ok("acme", "ann@acme.example", &other).await;
    ann.get(CHECK)
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
}
