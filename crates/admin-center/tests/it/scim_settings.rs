//! Settings > Automate user management: tokens shown once that work for SCIM, revocation with
//! no downtime, SCIM on and off.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Page, signed_in};

const PAGE: &str = "/admin/acme/settings/scim/learning";

fn secret_of(page: &Page) -> String {
    let start = page.body.find("rosterd_scim_").unwrap();
    page.body[start..start + "rosterd_scim_".len() + 43].to_owned()
}

async fn scim_status(app: &TestApp, token: &str) -> StatusCode {
    app.get(
        &format!(
            "{}/scim/acme/learning/v2/ServiceProviderConfig",
            app.base_url
        ),
        Some(token),
    )
    .await
    .status()
}

#[tokio::test]
async fn the_settings_page_shows_the_app_its_tokens_and_the_guides() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let page = browser.get(PAGE).await;
    page.expect(
        StatusCode::OK,
        "<title>Automate user management: Learning · rosterd</title>",
    )
    .expect(
        StatusCode::OK,
        &format!("{}/scim/acme/learning/v2", app.base_url),
    )
    .expect(StatusCode::OK, r#"<span class="badge badge-on">On</span>"#)
    .expect(StatusCode::OK, &format!(r#"href="{PAGE}/guides/okta""#))
    .expect(StatusCode::OK, &format!(r#"href="{PAGE}/guides/entra-id""#))
    .expect(StatusCode::OK, &format!(r#"href="{PAGE}/guides/onelogin""#))
    .expect(StatusCode::OK, "Revoke token rosterd_scim_");
    assert!(page.body.contains(r#"aria-current="page">Learning</a>"#));
    // Each guide is a page of the admin center with this tenant's URL to paste.
    for (idp, title) in [
        ("okta", "Connect Okta to rosterd"),
        ("entra-id", "Microsoft Entra ID"),
        ("onelogin", "OneLogin"),
    ] {
        browser
            .get(&format!("{PAGE}/guides/{idp}"))
            .await
            .expect(StatusCode::OK, title)
            .expect(
                StatusCode::OK,
                &format!(r#"value="{}/scim/acme/learning/v2""#, app.base_url),
            );
    }
    assert_eq!(
        browser.get(&format!("{PAGE}/guides/nope")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_generated_token_is_shown_once_and_works_for_scim() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let issued = browser.submit(PAGE, &format!("{PAGE}/tokens"), &[]).await;
    issued
        .expect(StatusCode::CREATED, "shown only once")
        .expect(
            StatusCode::CREATED,
            &format!("{}/scim/acme/learning/v2", app.base_url),
        )
        .expect(StatusCode::CREATED, "Copy token");
    assert_eq!(issued.headers["cache-control"], "no-store");
    let secret = secret_of(&issued);
    assert_eq!(scim_status(&app, &secret).await, StatusCode::OK);
    let later = browser.get(PAGE).await;
    assert!(
        !later.body.contains(&secret),
        "the secret is never shown again"
    );
    assert!(later.body.contains(&secret[..21]), "its prefix is listed");
}

/// Issues a token through the CLI; returns (secret, id).
async fn cli_token(app: &TestApp, product: &str) -> (String, String) {
    let issued = app.cli_ok(&["token", "issue", "acme", product]).await;
    let prefix = issued["prefix"].as_str().unwrap();
    let listed = app
        .cli_ok(&["token", "list", "acme", "--product", product])
        .await;
    let id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["prefix"] == prefix)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (issued["token"].as_str().unwrap().to_owned(), id)
}

#[tokio::test]
async fn revoking_one_token_leaves_the_others_working() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let (old, old_id) = cli_token(&app, "learning").await;
    let new = secret_of(&browser.submit(PAGE, &format!("{PAGE}/tokens"), &[]).await);
    browser
        .submit(PAGE, &format!("{PAGE}/tokens/{old_id}/revoke"), &[])
        .await
        .redirects_to(PAGE);
    browser
        .get(PAGE)
        .await
        .expect(StatusCode::OK, "is revoked: requests with it now get 401")
        .expect(StatusCode::OK, "Revoked");
    assert_eq!(scim_status(&app, &old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(scim_status(&app, &new).await, StatusCode::OK);
    // A token of another app is not revocable from this app's page.
    let (navigator, navigator_id) = cli_token(&app, "sales-navigator").await;
    browser
        .submit(PAGE, &format!("{PAGE}/tokens/{navigator_id}/revoke"), &[])
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    let navigator_status = app
        .get(
            &format!(
                "{}/scim/acme/sales-navigator/v2/ServiceProviderConfig",
                app.base_url
            ),
            Some(&navigator),
        )
        .await
        .status();
    assert_eq!(navigator_status, StatusCode::OK);
}

#[tokio::test]
async fn turning_scim_off_refuses_the_idp_until_it_is_back_on() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let (acme_token, _) = cli_token(&app, "learning").await;
    browser
        .submit(PAGE, &format!("{PAGE}/status"), &[("scim", "off")])
        .await
        .redirects_to(PAGE);
    browser
        .get(PAGE)
        .await
        .expect(StatusCode::OK, "is off: its identity provider now gets 403")
        .expect(StatusCode::OK, "Turn SCIM on");
    assert_eq!(scim_status(&app, &acme_token).await, StatusCode::FORBIDDEN);
    browser
        .submit(PAGE, &format!("{PAGE}/status"), &[("scim", "on")])
        .await
        .redirects_to(PAGE);
    assert_eq!(scim_status(&app, &acme_token).await, StatusCode::OK);
}
