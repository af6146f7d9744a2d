//! Signing in: the form works by mouse and by keyboard alone, and a wrong password says so.

use rosterd_test_support::TestApp;

use crate::support;
use crate::webdriver::{Browser, ENTER, TAB};

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_full_admin_signs_in_and_sees_the_overview() {
    let Some(mut b) = Browser::launch("sign_in").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;

    b.goto(&format!("{}/admin/acme/", app.base_url)).await;
    // Signed out, the overview sends you to the sign-in page.
    b.wait_for_title("Sign in to acme").await;
    assert!(b.current_url().await.ends_with("/admin/acme/login"));
    b.screenshot("login").await;
    // Signed out there is no session: the sign-in form's CSRF check is a login cookie, out of
    // scripts' reach, kept to the admin center, and not `Secure` over plain http.
    assert!(b.cookie("rosterd_admin").await.is_none());
    let login = b
        .cookie("rosterd_admin_login")
        .await
        .expect("no login cookie");
    assert_eq!(login.http_only(), Some(true));
    assert_eq!(
        login.same_site().map(|s| s.to_string()).as_deref(),
        Some("Strict")
    );
    assert_eq!(login.path(), Some("/admin"));
    assert_eq!(login.secure(), Some(false));

    support::sign_in(&mut b, &app, "acme", &admin).await;
    assert!(b.current_url().await.ends_with("/admin/acme/"));
    // Signing in starts the session: its cookie is `Lax`, so a link from an e-mail opens a
    // signed-in page.
    let session = b.cookie("rosterd_admin").await.expect("no session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(
        session.same_site().map(|s| s.to_string()).as_deref(),
        Some("Lax")
    );
    assert_eq!(session.path(), Some("/admin"));
    assert_eq!(session.secure(), Some(false));
    let who = b.find(".account .who").await;
    assert!(who.text().await.unwrap().contains("Full admin"));
    // Every product's card, with its pools and SCIM off.
    b.wait_for_text("Learning").await;
    b.wait_for_text("TeamLink Extend").await;
    assert_eq!(b.find_all(".card").await.len(), 3);
    assert_eq!(b.find_all(".card .badge-off").await.len(), 3);
    b.screenshot("overview").await;

    // Signing out ends the session: the overview asks for a sign-in again.
    b.click_on(".account form button[type=submit]").await;
    b.wait_for_title("Sign in to acme").await;
    b.goto(&format!("{}/admin/acme/", app.base_url)).await;
    b.wait_for_title("Sign in to acme").await;
}

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn a_wrong_password_is_refused_with_a_message() {
    let Some(mut b) = Browser::launch("wrong_password").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;

    b.goto(&format!("{}/admin/acme/login", app.base_url)).await;
    let email = b.find("#email").await;
    email.send_keys(&admin.email).await.unwrap();
    let password = b.find("#password").await;
    password.send_keys("not the password at all").await.unwrap();
    b.click_on("form button[type=submit]").await;

    let error = b.find("#form-error").await;
    assert_eq!(error.attr("role").await.unwrap().as_deref(), Some("alert"));
    assert_eq!(
        error.text().await.unwrap(),
        // The sign-in page names the tenant by its slug, so it reads the same whether or not
        // the tenant exists.
        "That email and password don't match an admin account of acme."
    );
    // Still on the sign-in page, the email kept, the password not, and the email field points
    // screen readers at the message.
    b.wait_for_title("Sign in to acme").await;
    let email = b.find("#email").await;
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some(admin.email.as_str())
    );
    assert_eq!(
        email.attr("aria-describedby").await.unwrap().as_deref(),
        Some("form-error")
    );
    let password = b.find("#password").await;
    assert_eq!(password.prop("value").await.unwrap().as_deref(), Some(""));
    b.screenshot("login-refused").await;
}

#[tokio::test]
#[ignore = "drives headless Chromium; run with `just test-browser` (CI does)"]
async fn the_sign_in_form_works_with_the_keyboard_alone() {
    let Some(mut b) = Browser::launch("keyboard").await else {
        return;
    };
    let app = TestApp::spawn().await;
    support::tenant(&app, "acme", 50).await;
    let admin = support::admin(&app, "acme", "ada@acme.example", "full-admin").await;

    b.goto(&format!("{}/admin/acme/login", app.base_url)).await;
    b.wait_for_title("Sign in to acme").await;
    // The first Tab reaches the skip link, the next the email field, then the password.
    b.press(TAB).await;
    let focused = b.focused().await;
    assert_eq!(focused.text().await.unwrap(), "Skip to content");
    b.press(TAB).await;
    let focused = b.focused().await;
    assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("email"));
    b.press(&admin.email).await;
    b.press(TAB).await;
    let focused = b.focused().await;
    assert_eq!(
        focused.attr("id").await.unwrap().as_deref(),
        Some("password")
    );
    b.press(&admin.password).await;
    // Enter in the password field submits the form.
    b.press(ENTER).await;
    b.wait_for_title("Overview").await;

    // Signed in, Tab from the top still starts at the skip link, which moves focus to the
    // page's main content.
    b.press(TAB).await;
    let focused = b.focused().await;
    assert_eq!(focused.text().await.unwrap(), "Skip to content");
    b.press(ENTER).await;
    let focused = b.focused().await;
    assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("main"));
}
