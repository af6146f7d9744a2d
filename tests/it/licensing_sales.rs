//! Sales Navigator licensing by group rules: joining a mapped group assigns its tier, moving
//! changes tier, leaving revokes; a full pool lets the group change through and puts people on
//! the waiting list, served in employee-number order when capacity grows.

use reqwest::Method;
use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::json;

use crate::licensing::{App, assert_verified, in_use};

async fn group(app: &App<'_>, name: &str) -> String {
    let (status, body) = app
        .send(
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": name,
            })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn members(app: &App<'_>, group: &str, op: &str, ids: &[&str]) {
    let value: Vec<_> = ids.iter().map(|id| json!({"value": id})).collect();
    let (status, body) = app
        .patch(
            &format!("/Groups/{group}"),
            json!([{"op": op, "path": "members", "value": value}]),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

#[tokio::test]
async fn group_rules_assign_change_and_revoke_tiers() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    app.cli_ok(&[
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        "none",
        "--rule",
        "group:Sales EMEA=advanced",
        "--rule",
        "group:Sales Leads=advanced-plus",
    ])
    .await;
    let sales = App::new(&app, &acme, Product::SalesNavigator);
    let ann = sales.user("ann@acme.example", "Lee", "7").await;
    assert_eq!(sales.kinds(&ann).await, Vec::<String>::new());
    let emea = group(&sales, "Sales EMEA").await;
    let leads = group(&sales, "Sales Leads").await;

    members(&sales, &emea, "add", &[&ann]).await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-advanced"]);

    members(&sales, &emea, "remove", &[&ann]).await;
    members(&sales, &leads, "add", &[&ann]).await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-advanced-plus"]);
    assert_eq!(in_use(&app, "sales-navigator-advanced").await, 0);

    members(&sales, &leads, "remove", &[&ann]).await;
    assert_eq!(sales.kinds(&ann).await, Vec::<String>::new());
    assert_eq!(in_use(&app, "sales-navigator-advanced-plus").await, 0);
    assert_verified(&app).await;
}

#[tokio::test]
async fn a_full_pool_makes_group_members_wait_in_order() {
    let app = TestApp::spawn().await;
    let acme = app
        .tenant_with_seats("acme", &[("sales-navigator-advanced", 1)])
        .await;
    app.cli_ok(&[
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        "none",
        "--rule",
        "group:Sales EMEA=advanced",
    ])
    .await;
    let sales = App::new(&app, &acme, Product::SalesNavigator);
    // Created in reverse order of employee number.
    let c = sales.user("c@acme.example", "Cole", "30").await;
    let b = sales.user("b@acme.example", "Bell", "20").await;
    let a = sales.user("a@acme.example", "Amos", "10").await;
    let emea = group(&sales, "Sales EMEA").await;

    members(&sales, &emea, "add", &[&c, &b, &a]).await;
    assert_eq!(sales.kinds(&a).await, ["sales-navigator-advanced"]);
    assert!(sales.kinds(&b).await.is_empty());
    assert!(sales.kinds(&c).await.is_empty());

    app.cli_ok(&["tenant", "seats", "acme", "sales-navigator-advanced=2"])
        .await;
    assert_eq!(sales.kinds(&b).await, ["sales-navigator-advanced"]);
    assert!(sales.kinds(&c).await.is_empty());

    // Leaving frees the seat for the next in line.
    members(&sales, &emea, "remove", &[&a]).await;
    assert!(sales.kinds(&a).await.is_empty());
    assert_eq!(sales.kinds(&c).await, ["sales-navigator-advanced"]);
    let log = app.cli_ok(&["ledger", "log", "acme"]).await;
    let waits = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "waiting")
        .count();
    assert_eq!(waits, 3, "{log}");
    assert_verified(&app).await;
}
