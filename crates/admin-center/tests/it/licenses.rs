//! Licenses: every pool's numbers, the waiting list in serving order, the recent refusals, the
//! policy link and the seats-in-use chart, for every admin role and for no other tenant.

use reqwest::StatusCode;
use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::json;

use crate::browser::{Browser, admin};
use crate::groups::{acme_with, scim, scim_user};

const PAGE: &str = "/admin/acme/licenses";

#[tokio::test]
async fn the_licenses_page_shows_pools_waiting_lists_refusals_and_a_chart() {
    let app = TestApp::spawn().await;
    let (apps, browser) = acme_with(&app, "reporting").await;
    app.cli_ok(&[
        "tenant",
        "seats",
        "acme",
        "learning=1",
        "sales-navigator-advanced=0",
    ])
    .await;
    let (status, body) = scim_user(&app, &apps, Product::Learning, "ida@acme.example").await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = scim_user(&app, &apps, Product::Learning, "bob@acme.example").await;
    assert_ne!(status, 201, "the pool is full: {body}");
    app.cli_ok(&[
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        "none",
        "--rule",
        "department:Sales=advanced",
    ])
    .await;
    for (email, employee) in [
        ("c@acme.example", "30"),
        ("a@acme.example", "10"),
        ("b@acme.example", "20"),
    ] {
        let user = json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "userName": email,
            "emails": [{"primary": true, "value": email}],
            "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": employee, "department": "Sales"
            }
        });
        let (status, body) = scim(
            &app,
            &apps,
            Product::SalesNavigator,
            reqwest::Method::POST,
            "/Users",
            user,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }

    // The CLI stamps its entries with the real clock: move the app's clock past them.
    app.clock.advance(chrono::Duration::minutes(1));
    let page = browser.get(PAGE).await;
    page.expect(StatusCode::OK, "<title>Licenses · rosterd</title>")
        .expect(StatusCode::OK, r#"<a href="/admin/acme/licenses/policy">Sales Navigator policy and rules</a>"#)
        // Learning: capacity 1, 1 assigned, 0 active, 1 waiting for activation, 0 free, 100%.
        .expect(
            StatusCode::OK,
            "<td class=\"num\">1</td>\n        <td class=\"num\">1</td>\n        <td class=\"num\">0</td>\n        <td class=\"num\">1</td>\n        <td class=\"num\">0</td>",
        )
        .expect(StatusCode::OK, "Learning: 100% of seats assigned");
    // The waiting list in serving order (employee number), with positions.
    let a = page
        .body
        .find("<td class=\"num\">1</td><td>a@acme.example")
        .expect("a first");
    let b = page
        .body
        .find("<td class=\"num\">2</td><td>b@acme.example")
        .expect("b second");
    let c = page
        .body
        .find("<td class=\"num\">3</td><td>c@acme.example")
        .expect("c third");
    assert!(a < b && b < c, "{}", page.body);
    // The refusal: who, which app and pool, why.
    page.expect(
        StatusCode::OK,
        "<td>bob@acme.example</td><td>Learning</td><td>Learning</td>",
    )
    .expect(StatusCode::OK, "1 of 1 seats assigned");
    // The chart: one accessible SVG per pool, computed from the ledger.
    assert_eq!(page.body.matches("<svg class=\"chart\"").count(), 5);
    let today = app.clock_now_date();
    page.expect(
        StatusCode::OK,
        r#"role="img" aria-labelledby="chart-learning-title chart-learning-desc""#,
    )
    .expect(
        StatusCode::OK,
        "<title id=\"chart-learning-title\">Learning seats in use, last 30 days</title>",
    )
    .expect(
        StatusCode::OK,
        &format!("0 at the start, 1 now, highest 1 on {today}. Capacity now 1."),
    )
    .expect(StatusCode::OK, "Seats per day as a table");

    // Thirty days on, the chart starts where the pool stood then.
    // (Sessions time out meanwhile, so sign in afresh.)
    app.clock.advance(chrono::Duration::days(31));
    let password = admin(&app, "acme", "late@acme.example", "reporting").await;
    let later = Browser::new(&app);
    later.login_ok("acme", "late@acme.example", &password).await;
    later
        .get(PAGE)
        .await
        .expect(StatusCode::OK, "1 at the start, 1 now, highest 1 on");
}

#[tokio::test]
async fn every_role_reads_licenses_and_other_tenants_are_not_found() {
    for role in ["full-admin", "license-admin", "reporting"] {
        let app = TestApp::spawn().await;
        let (_, browser) = acme_with(&app, role).await;
        browser
            .get(PAGE)
            .await
            .expect(StatusCode::OK, "No license request has been refused.")
            .expect(StatusCode::OK, "Nobody is waiting for a Learning seat.");
        app.tenant("globex").await;
        admin(&app, "globex", "gus@globex.example", "full-admin").await;
        browser
            .get("/admin/globex/licenses")
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
        let stranger = Browser::new(&app);
        stranger.get(PAGE).await.redirects_to("/admin/acme/login");
    }
}

trait ClockDate {
    fn clock_now_date(&self) -> String;
}

impl ClockDate for TestApp {
    fn clock_now_date(&self) -> String {
        use rosterd_domain::Clock as _;
        self.clock.now().format("%Y-%m-%d").to_string()
    }
}
