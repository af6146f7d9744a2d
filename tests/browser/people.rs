//! Users and the person page: people the identity provider provisions carry the IdP badge and
//! their license; a manual person is added and given a license by hand; a license the IdP owns
//! cannot be revoked here, and the page says where to change it.

use rosterd_test_support::TestApp;

use crate::support;
use crate::webdriver::Browser;

/// The Users table's row for `email`, as text; fails if missing.
async fn row_of(b: &mut Browser, email: &str) -> String {
    for row in b.find_all("table.users-table tbody tr").await {
        let text = row.text().await.unwrap();
        if text.contains(email) {
            return text;
        }
    }
    b.fail(&format!("{email} not on the Users page")).await
}

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_manual_person_gets_a_license_by_hand_until_the_idp_takes_it_over() {
    let Some(mut b) = Browser::launch("people").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;
    let issued = app.cli_ok(&["token", "issue", "acme", "learning"]).await;
    let base = issued["scim_base_url"].as_str().unwrap().to_owned();
    let token = issued["token"].as_str().unwrap().to_owned();
    let alan = support::scim_user("alan@acme.example", "Alan", "Turing", "E-1002");
    let (status, body) = support::provision(&app, &base, &token, &alan).await;
    assert_eq!(status, 201, "{body}");
    support::sign_in(&mut b, &app, "acme", &admin).await;

    // Add a person by hand.
    support::nav(&mut b, "Users").await;
    b.wait_for_title("Users").await;
    b.click_on("a.button[href$='/users/new']").await;
    let email = b.find("#p-email").await;
    email.send_keys("grace@acme.example").await.unwrap();
    let given = b.find("#p-given").await;
    given.send_keys("Grace").await.unwrap();
    let family = b.find("#p-family").await;
    family.send_keys("Hopper").await.unwrap();
    let employee = b.find("#p-employee").await;
    employee.send_keys("E-1001").await.unwrap();
    b.click_on("form.form button[type=submit]").await;
    b.wait_for_text("Grace Hopper was added").await;
    let heading = b.find("h1").await;
    let heading = heading.text().await.unwrap();
    assert!(heading.contains("Manual"), "{heading}");
    b.wait_for_text("No licenses.").await;
    let person_url = b.current_url().await;

    // Give her a Learning license: listed as given by hand, with a Revoke button.
    b.click_on("#give-kind option[value='learning']").await;
    b.click_on("form[action$='/licenses'] button[type=submit]")
        .await;
    b.wait_for_text("Grace Hopper was given a Learning license")
        .await;
    let licenses = b
        .find("#licenses-h + table, section[aria-labelledby='licenses-h'] table")
        .await;
    let text = licenses.text().await.unwrap();
    assert!(
        text.contains("Learning") && text.contains("Given by hand"),
        "{text}"
    );
    b.find("button[aria-label='Revoke the Learning license of Grace Hopper']")
        .await;
    b.screenshot("person-manual").await;

    // Users: Grace manual with her license, Alan with the IdP badge and his.
    support::nav(&mut b, "Users").await;
    b.wait_for_title("Users").await;
    let grace = row_of(&mut b, "grace@acme.example").await;
    assert!(
        grace.contains("Manual") && grace.contains("Learning"),
        "{grace}"
    );
    let alan_row = row_of(&mut b, "alan@acme.example").await;
    assert!(
        alan_row.contains("IdP") && alan_row.contains("Learning"),
        "{alan_row}"
    );
    b.screenshot("users").await;

    // The IdP now provisions Grace: its Learning app adopts her and her license, while the
    // admin's page still shows the Revoke button from before.
    b.goto(&person_url).await;
    let revoke = b
        .find("button[aria-label='Revoke the Learning license of Grace Hopper']")
        .await;
    let grace = support::scim_user("grace@acme.example", "Grace", "Hopper", "E-1001");
    let (status, body) = support::provision(&app, &base, &token, &grace).await;
    assert_eq!(status, 201, "{body}");
    revoke.click().await.unwrap();
    let error = b.find("#form-error").await;
    let error = error.text().await.unwrap();
    assert!(
        error.contains("managed by your identity provider"),
        "{error}"
    );
    assert!(
        error.contains("Change it in your identity provider"),
        "{error}"
    );
    // The fresh page: IdP badge, no Revoke button, and the explanation beside the license.
    b.goto(&person_url).await;
    let heading = b.find("h1").await;
    assert!(heading.text().await.unwrap().contains("IdP"));
    assert!(
        b.find_all("button[aria-label^='Revoke the Learning']")
            .await
            .is_empty()
    );
    b.wait_for_text("Managed by the Learning SCIM app: change it in your identity provider.")
        .await;
    b.screenshot("person").await;
}
