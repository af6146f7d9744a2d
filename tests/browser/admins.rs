//! Admins: a full admin adds a license admin on the page, and the new admin signs in with the
//! one-time password read from that page.

use rosterd_test_support::TestApp;

use crate::support::{self, Admin};
use crate::webdriver::Browser;

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_full_admin_adds_an_admin_who_can_sign_in() {
    let Some(mut b) = Browser::launch("admins").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;
    support::sign_in(&mut b, &app, "acme", &admin).await;

    support::nav(&mut b, "Admins").await;
    b.wait_for_title("Admins").await;
    let email = b.find("#new-email").await;
    email.send_keys("lin@acme.example").await.unwrap();
    b.click_on("#new-role option[value='license-admin']").await;
    b.click_on("form.form-row button[type=submit]").await;

    b.wait_for_text("lin@acme.example can now sign in").await;
    let one_time = b.find("#one-time").await;
    let password = one_time.prop("value").await.unwrap().unwrap();
    assert!(password.len() >= 12);
    let rows = b.find_all("table.table tbody tr").await;
    assert_eq!(rows.len(), 2);
    let listed = rows[1].text().await.unwrap() + &rows[0].text().await.unwrap();
    assert!(listed.contains("License admin"), "{listed}");
    b.screenshot("admins").await;

    // The new admin signs in with that password in a fresh browser session.
    b.click_on(".account form button[type=submit]").await;
    b.wait_for_title("Sign in to acme").await;
    let lin = Admin {
        email: "lin@acme.example".into(),
        password,
    };
    support::sign_in(&mut b, &app, "acme", &lin).await;
    let who = b.find(".account .who").await;
    assert!(who.text().await.unwrap().contains("License admin"));
    // A license admin has no Settings or Admins in the navigation.
    let links = b.find_all("nav.nav a").await;
    for link in links {
        let label = link.text().await.unwrap();
        assert!(label != "Settings" && label != "Admins", "{label} shown");
    }
}
