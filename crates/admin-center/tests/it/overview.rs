//! The overview: seats per product, SCIM status, and what needs attention.

use chrono::Duration;
use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, admin, sql};

#[tokio::test]
async fn the_overview_shows_seats_scim_status_and_warnings() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    app.cli_ok(&["app", "disable", "acme", "teamlink-extend"])
        .await;
    // 95 of 100 Learning seats taken (set directly until the ledger's assign API lands).
    sql(
        &app,
        "UPDATE seat_pools SET in_use = 95 WHERE license_kind = 'learning' \
         AND tenant_id = (SELECT id FROM tenants WHERE slug = 'acme')",
    )
    .await;
    // Two years on, less three weeks: every token expires within 30 days.
    app.clock.advance(Duration::days(730 - 21));
    let password = admin(&app, "acme", "ada@acme.example", "reporting").await;
    let browser = Browser::new(&app);
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    let page = browser.get("/admin/acme/").await;
    page.expect(StatusCode::OK, "<title>Overview · rosterd</title>")
        .expect(StatusCode::OK, "Sales Navigator Advanced Plus")
        .expect(StatusCode::OK, "Learning is 95% used (95 of 100 seats)")
        .expect(StatusCode::OK, "SCIM off")
        .expect(StatusCode::OK, "SCIM on")
        .expect(StatusCode::OK, "expires on")
        .expect(StatusCode::OK, "<td class=\"num\">5</td>");
}

#[tokio::test]
async fn the_overview_shows_unmet_demand_and_recent_scim_failures() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("acme").await;
    app.cli_ok(&["tenant", "seats", "acme", "learning=0"]).await;
    let refused = crate::provisioning_log::scim_post(
        &app,
        &format!("{}/Users", tenant.base(rosterd_domain::Product::Learning)),
        tenant.token(rosterd_domain::Product::Learning),
        &serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada@acme.example",
            "active": true,
        }),
    )
    .await;
    assert_eq!(refused, StatusCode::FORBIDDEN);
    let password = admin(&app, "acme", "ada@acme.example", "reporting").await;
    let browser = Browser::new(&app);
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    let page = crate::provisioning_log::eventually(
        &browser,
        "/admin/acme/",
        "/admin/acme/provisioning?app=learning&#38;outcome=failures",
    )
    .await;
    page.expect(StatusCode::OK, "Unmet demand")
        .expect(StatusCode::OK, "1 SCIM request(s) failed in the last 24 hours")
        .expect(
            StatusCode::OK,
            "<tr><th scope=\"row\">Learning</th><td class=\"num\">1</td><td class=\"num\">0</td></tr>",
        );
    // A day later the failure no longer counts; the refusal still does (30 days).
    app.clock.advance(Duration::hours(25));
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    let later = browser.get("/admin/acme/").await;
    assert!(!later.body.contains("failed in the last 24 hours"));
    later.expect(StatusCode::OK, "Unmet demand");
}
