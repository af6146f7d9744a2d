//! The operator console: an operator signs in, creates a tenant with seats, and changes a
//! capacity; a capacity below the seats in use is refused with the number in use.

use rosterd_test_support::TestApp;

use crate::support;
use crate::webdriver::Browser;

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn an_operator_creates_a_tenant_and_sets_its_seats() {
    let Some(mut b) = Browser::launch("operator").await else {
        return;
    };
    let app = TestApp::spawn().await;
    let created = app
        .cli_ok(&["operator", "create", "ops@rosterd.example"])
        .await;
    let password = created["password"].as_str().unwrap().to_owned();

    b.goto(&format!("{}/operator", app.base_url)).await;
    b.wait_for_title("Operator sign-in").await;
    let email = b.find("#email").await;
    email.send_keys("ops@rosterd.example").await.unwrap();
    let field = b.find("#password").await;
    field.send_keys(&password).await.unwrap();
    b.click_on("form button[type=submit]").await;
    b.wait_for_text("No tenants yet").await;

    let slug = b.find("#slug").await;
    slug.send_keys("globex").await.unwrap();
    let name = b.find("#name").await;
    name.send_keys("Globex Corporation").await.unwrap();
    for input in b.find_all("fieldset.seats input[type=number]").await {
        input.clear().await.unwrap();
        input.send_keys("5").await.unwrap();
    }
    b.click_on("form[action='/operator/tenants'] button[type=submit]")
        .await;
    b.wait_for_title("Tenant Globex Corporation").await;
    b.screenshot("operator-tenant").await;

    // One Learning seat in use, then a capacity of 0 is refused with that number.
    support::admin(&app, "globex", "ada@globex.example", "full-admin").await;
    let issued = app.cli_ok(&["token", "issue", "globex", "learning"]).await;
    let user = support::scim_user("grace@globex.example", "Grace", "Hopper", "G-1");
    let (status, body) = support::provision(
        &app,
        issued["scim_base_url"].as_str().unwrap(),
        issued["token"].as_str().unwrap(),
        &user,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    b.goto(&b.current_url().await).await;
    let learning = b.find("fieldset.seats input[type=number]").await;
    learning.clear().await.unwrap();
    learning.send_keys("0").await.unwrap();
    b.click_on("form[action$='/seats'] button[type=submit]")
        .await;
    let error = b.find("#form-error").await;
    let text = error.text().await.unwrap();
    assert!(text.contains("has 1 seats in use"), "{text}");
    b.screenshot("operator-seats-refused").await;

    b.goto(&format!("{}/operator", app.base_url)).await;
    b.wait_for_text("Globex Corporation").await;
    b.screenshot("operator-tenants").await;
}
