//! A full pool: the identity provider's request is refused, and the admin center says so where an
//! admin looks (the overview's warning; the provisioning log with the refusal and its hint).

use rosterd_test_support::TestApp;

use crate::support;
use crate::webdriver::Browser;

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_refused_provisioning_is_explained_to_the_admin() {
    let Some(mut b) = Browser::launch("refusal").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let issued = app.cli_ok(&["token", "issue", "acme", "learning"]).await;
    let base = issued["scim_base_url"].as_str().unwrap();
    let token = issued["token"].as_str().unwrap();
    // One Learning seat only: the second person is refused.
    app.cli_ok(&["tenant", "seats", "acme", "learning=1"]).await;
    let ann = support::scim_user("ann@acme.example", "Ann", "Lee", "1");
    let (status, body) = support::provision(&app, base, token, &ann).await;
    assert_eq!(status, 201, "{body}");
    let bob = support::scim_user("bob@acme.example", "Bob", "Bo", "2");
    let (status, body) = support::provision(&app, base, token, &bob).await;
    assert_eq!(status, 403, "{body}");

    support::sign_in(&mut b, &app, "acme", &admin).await;
    let warning = b.find(".card ul.warnings li").await;
    assert_eq!(
        warning.text().await.unwrap(),
        "Learning is 100% used (1 of 1 seats). Ask your account manager for more licenses."
    );
    b.screenshot("overview-pool-full").await;

    // The provisioning log shows the refusal, its detail and how to fix it. Entries are written
    // off the request path, so the page may need a reload to show it.
    support::nav(&mut b, "Provisioning log").await;
    b.wait_for_title("Provisioning log").await;
    let failed = b.reload_until("li.log-failed").await;
    let entry = failed.text().await.unwrap();
    assert!(entry.contains("POST"), "{entry}");
    assert!(entry.contains("403"), "{entry}");
    assert!(entry.contains("1 of 1 seats assigned"), "{entry}");
    let hint = b.find("li.log-failed .log-hint").await;
    let hint = hint.text().await.unwrap();
    assert!(
        hint.starts_with("How to fix it: The product's seat pool is full"),
        "{hint}"
    );
    // Neither the token nor anything of it is in the log.
    assert!(!b.source().await.contains(token));
    // Failures only: the refusal stays, Ann's successful creation goes.
    b.click_on("#f-outcome option[value='failures']").await;
    b.click_on("form[role=search] button[type=submit]").await;
    b.wait_for_text("Clear filters").await;
    assert_eq!(b.find_all("ol.log > li").await.len(), 1);
    assert_eq!(b.find_all("li.log-failed").await.len(), 1);
    b.screenshot("provisioning-log").await;
}
