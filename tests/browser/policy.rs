//! The Sales Navigator policy editor: change the default tier, preview what saving would do per
//! pool (nothing changes yet), then save and apply it to everyone the app provisioned.

use rosterd_test_support::TestApp;

use crate::support;
use crate::webdriver::{Browser, Locator};

/// Seats in use in pool `kind`, from the CLI (not the page under test).
async fn in_use(app: &TestApp, kind: &str) -> i64 {
    let tenant = app.cli_ok(&["tenant", "show", "acme"]).await;
    let pools = tenant["pools"].as_array().unwrap();
    let pool = pools.iter().find(|p| p["license_kind"] == kind);
    pool.unwrap_or_else(|| panic!("no pool {kind} in {tenant}"))["in_use"]
        .as_i64()
        .unwrap()
}

/// The plan table's (in use before, in use after) of the pool named `pool`.
async fn planned(b: &mut Browser, pool: &str) -> (String, String) {
    for row in b.find_all("section.policy-plan tbody tr").await {
        let mut cells = Vec::new();
        for cell in row.find_all(Locator::Css("th, td")).await.unwrap() {
            cells.push(cell.text().await.unwrap());
        }
        if cells[0] == pool {
            return (cells[1].clone(), cells[2].clone());
        }
    }
    b.fail(&format!("no {pool} row in the plan")).await
}

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_policy_change_is_previewed_then_applied() {
    let Some(mut b) = Browser::launch("policy").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "lin@acme.example", "license-admin").await;
    app.cli_ok(&[
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        "core",
        "--rule",
        "title:Director=advanced",
    ])
    .await;
    let issued = app
        .cli_ok(&["token", "issue", "acme", "sales-navigator"])
        .await;
    let base = issued["scim_base_url"].as_str().unwrap();
    let token = issued["token"].as_str().unwrap();
    for (email, given, family, title) in [
        ("grace@acme.example", "Grace", "Hopper", "Director"),
        ("alan@acme.example", "Alan", "Turing", "Engineer"),
        ("edsger@acme.example", "Edsger", "Dijkstra", "Engineer"),
    ] {
        let mut user = support::scim_user(email, given, family, email);
        user["title"] = title.into();
        let (status, body) = support::provision(&app, base, token, &user).await;
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(in_use(&app, "sales-navigator-core").await, 2);

    support::sign_in(&mut b, &app, "acme", &admin).await;
    support::nav(&mut b, "Licenses").await;
    b.wait_for_title("Licenses").await;
    b.click_on("a[href$='/licenses/policy']").await;
    b.wait_for_title("Sales Navigator license policy").await;
    let rule = b.find("#value-0").await;
    assert_eq!(
        rule.prop("value").await.unwrap().as_deref(),
        Some("Director")
    );

    // Everyone no rule matches gets Advanced Plus instead of Core: preview first.
    b.click_on("#policy-default option[value='advanced-plus']")
        .await;
    b.click_on("button[name=op][value=preview]").await;
    b.wait_for_text("Preview: what saving would do").await;
    assert_eq!(
        planned(&mut b, "Sales Navigator Core").await,
        ("2".into(), "0".into())
    );
    assert_eq!(
        planned(&mut b, "Sales Navigator Advanced Plus").await,
        ("0".into(), "2".into())
    );
    let plan = b.find("section.policy-plan").await;
    let plan = plan.text().await.unwrap();
    assert!(plan.contains("3 provisioned people evaluated."), "{plan}");
    for moved in ["alan@acme.example", "edsger@acme.example"] {
        assert!(
            plan.contains(&format!("{moved} (from Sales Navigator Core)")),
            "{plan}"
        );
    }
    assert!(!plan.contains("grace@acme.example"), "{plan}");
    b.screenshot("policy-preview").await;
    // Nothing saved yet.
    assert_eq!(in_use(&app, "sales-navigator-core").await, 2);
    assert_eq!(in_use(&app, "sales-navigator-advanced-plus").await, 0);

    // The preview kept the edit; saving applies it.
    b.click_on("form.policy-form button.button-primary[type=submit]")
        .await;
    b.wait_for_text("Saved: what changed").await;
    assert_eq!(in_use(&app, "sales-navigator-core").await, 0);
    assert_eq!(in_use(&app, "sales-navigator-advanced-plus").await, 2);
    assert_eq!(in_use(&app, "sales-navigator-advanced").await, 1);
    b.screenshot("policy").await;
}
