//! Admins: full admins list accounts and create them with a role and a one-time password.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, signed_in};

const PAGE: &str = "/admin/acme/admins";

#[tokio::test]
async fn a_full_admin_creates_an_admin_who_can_sign_in_with_that_role() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    browser
        .get(PAGE)
        .await
        .expect(StatusCode::OK, "<title>Admins · rosterd</title>")
        .expect(
            StatusCode::OK,
            "ada@acme.example <span class=\"muted\">(you)</span>",
        )
        .expect(StatusCode::OK, r#"<label for="new-email">Email</label>"#);
    let created = browser
        .submit(
            PAGE,
            PAGE,
            &[("email", "lin@acme.example"), ("role", "license-admin")],
        )
        .await;
    created
        .expect(StatusCode::CREATED, "lin@acme.example can now sign in")
        .expect(StatusCode::CREATED, "License admin");
    let marker = r#"id="one-time" class="secret" readonly value=""#;
    let start = created.body.find(marker).unwrap() + marker.len();
    let password = &created.body[start..start + 20];
    let lin = Browser::new(&app);
    lin.login_ok("acme", "lin@acme.example", password).await;
    lin.get("/admin/acme/")
        .await
        .expect(StatusCode::OK, "License admin");
    lin.get(PAGE)
        .await
        .expect(StatusCode::FORBIDDEN, "Only full admins");
}

#[tokio::test]
async fn invalid_admins_are_explained() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let cases = [
        ("not-an-email", "reporting", "like name@example.com"),
        (
            "ada@acme.example",
            "reporting",
            "is already an admin of acme",
        ),
        ("new@acme.example", "owner", "Choose a role"),
    ];
    for (email, role, message) in cases {
        browser
            .submit(PAGE, PAGE, &[("email", email), ("role", role)])
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    let admins = app.cli_ok(&["admin", "list", "acme"]).await;
    assert_eq!(admins.as_array().unwrap().len(), 1);
}
