//! Settings > Automate user management: turn SCIM on for Learning, generate a token, read it off
//! the page (the only time it is shown), and provision people with it as an identity provider.

use rosterd_test_support::TestApp;

use crate::support;
use crate::webdriver::{Browser, Locator};

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_token_from_the_settings_page_provisions_people() {
    let Some(mut b) = Browser::launch("scim_settings").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;
    support::sign_in(&mut b, &app, "acme", &admin).await;

    support::nav(&mut b, "Settings").await;
    b.wait_for_title("Automate user management: Learning").await;
    let status = b.find("#status-h + p .badge").await;
    assert_eq!(status.text().await.unwrap(), "Off");
    b.wait_for_text("No tokens yet.").await;
    b.screenshot("settings-off").await;

    // Never connected: turning SCIM on goes through the clean-up check first, which finds
    // nothing to fix in an empty tenant.
    b.click_on("a.button[href*='cleanup']").await;
    b.wait_for_title("Clean-up check: Learning").await;
    b.wait_for_text("Nothing needs fixing.").await;
    b.screenshot("cleanup-check").await;
    b.click_on("form[action$='/status'] button.button-primary[type=submit]")
        .await;
    let status = b.find("#status-h + p .badge-on").await;
    assert_eq!(status.text().await.unwrap(), "On");

    // Generate a token: shown once, with the SCIM base URL.
    b.click_on("form[action$='/tokens'] button[type=submit]")
        .await;
    b.wait_for_title("Your new SCIM token").await;
    b.wait_for_text("Your new Learning SCIM token").await;
    let token = b.find("textarea#token").await;
    let token = token.prop("value").await.unwrap().unwrap();
    let token = token.trim().to_owned();
    assert!(token.len() >= 32, "token `{token}` looks too short");
    let base = b.find("input#base-url").await;
    let base = base.prop("value").await.unwrap().unwrap();
    assert_eq!(base, format!("{}/scim/acme/learning/v2", app.base_url));
    b.screenshot("token-issued").await;

    // Back on settings, the token is listed by its prefix only, live and never used.
    b.click_on("a.button[href$='/settings/scim/learning']")
        .await;
    b.wait_for_title("Automate user management: Learning").await;
    let rows = b.find_all("table.table tbody tr").await;
    assert_eq!(rows.len(), 1);
    let row = rows[0].text().await.unwrap();
    assert!(row.contains("Live"), "{row}");
    assert!(row.contains("never"), "{row}");
    assert!(
        !b.source().await.contains(&token),
        "the secret is shown again"
    );
    let prefix = b.find("table.table tbody td code").await;
    let prefix = prefix
        .text()
        .await
        .unwrap()
        .trim_end_matches('…')
        .to_owned();
    assert!(
        token.starts_with(&prefix),
        "{prefix} is not the start of the token"
    );

    // The identity provider uses exactly that token.
    for (email, given, family, employee) in [
        ("grace@acme.example", "Grace", "Hopper", "E-1001"),
        ("alan@acme.example", "Alan", "Turing", "E-1002"),
        ("edsger@acme.example", "Edsger", "Dijkstra", "E-1003"),
    ] {
        let user = support::scim_user(email, given, family, employee);
        let (status, body) = support::provision(&app, &base, &token, &user).await;
        assert_eq!(status, 201, "{body}");
    }
    // A wrong token gets nowhere.
    let user = support::scim_user("eve@acme.example", "Eve", "Intruder", "E-6666");
    let (status, _) = support::provision(&app, &base, "rsd_not-a-token", &user).await;
    assert_eq!(status, 401);

    // The three people are on the Users page, each with the IdP badge and a Learning license.
    support::nav(&mut b, "Users").await;
    b.wait_for_title("Users").await;
    let rows = b.find_all("table.users-table tbody tr").await;
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let text = row.text().await.unwrap();
        let badge = row.find_all(Locator::Css(".badge-idp")).await.unwrap();
        assert_eq!(badge.len(), 1, "no IdP badge: {text}");
        assert!(text.contains("Learning: assigned"), "{text}");
    }
    b.screenshot("users").await;

    // Settings now shows when the token was last used.
    b.goto(&b.current_url().await).await;
    let row = b.find("table.table tbody tr").await;
    assert!(!row.text().await.unwrap().contains("never"));
    b.screenshot("settings").await;

    // The overview counts the three Learning seats in use and SCIM on.
    support::nav(&mut b, "Overview").await;
    b.wait_for_title("Overview").await;
    let learning = b.find(".card").await;
    let card = learning.text().await.unwrap();
    assert!(card.contains("SCIM on"), "{card}");
    let in_use = b.find(".card tbody tr td:nth-of-type(2)").await;
    assert!(
        in_use.text().await.unwrap().starts_with("3 "),
        "{}",
        in_use.text().await.unwrap()
    );
    b.screenshot("overview-provisioned").await;

    // Rotation without downtime: a second token, then revoke the first; the new one keeps
    // provisioning, the old one gets 401.
    support::nav(&mut b, "Settings").await;
    b.wait_for_title("Automate user management: Learning").await;
    b.click_on("form[action$='/tokens'] button[type=submit]")
        .await;
    b.wait_for_title("Your new SCIM token").await;
    let second = b.find("textarea#token").await;
    let second = second.prop("value").await.unwrap().unwrap();
    let second = second.trim().to_owned();
    assert_ne!(second, token);
    b.click_on("a.button[href$='/settings/scim/learning']")
        .await;
    b.wait_for_title("Automate user management: Learning").await;
    assert_eq!(b.find_all("table.table tbody tr").await.len(), 2);
    b.click_on(&format!("button[aria-label='Revoke token {prefix}']"))
        .await;
    b.wait_for_text(&format!("Token {prefix}… is revoked"))
        .await;
    let states = b.find_all("table.table tbody td .badge").await;
    let mut labels = Vec::new();
    for state in &states {
        labels.push(state.text().await.unwrap());
    }
    labels.sort();
    assert_eq!(labels, ["Live", "Revoked"]);
    b.screenshot("settings-rotated").await;

    let user = support::scim_user("barbara@acme.example", "Barbara", "Liskov", "E-1004");
    let (status, _) = support::provision(&app, &base, &token, &user).await;
    assert_eq!(status, 401, "the revoked token still works");
    let (status, body) = support::provision(&app, &base, &second, &user).await;
    assert_eq!(status, 201, "{body}");
}
