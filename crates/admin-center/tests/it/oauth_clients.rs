//! Settings > Automate user management > OAuth clients: a client made in the admin center (its
//! secret shown once) gets access tokens that work for SCIM; a second secret rotates with no
//! downtime; revoking a secret or the client stops its access tokens; another app's clients
//! are not managed here; forms need their CSRF token and a full admin.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;
use serde_json::Value;

use crate::browser::{Browser, Page, signed_in};

const PAGE: &str = "/admin/acme/settings/scim/learning";

/// The text of the read-only field `id` on a page.
fn field(page: &Page, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {}", page.body));
    let rest = &page.body[at..];
    if let Some(value) = rest
        .strip_prefix(&marker)
        .and_then(|r| r.split_once("value=\""))
        .filter(|(before, _)| !before.contains('>'))
    {
        return value.1[..value.1.find('"').unwrap()].to_owned();
    }
    // A textarea: its text.
    let start = rest.find('>').unwrap() + 1;
    rest[start..start + rest[start..].find('<').unwrap()].to_owned()
}

/// Exchanges a client's id and secret for an access token; `None` with the error code.
async fn access_token(app: &TestApp, id: &str, secret: &str) -> Result<String, String> {
    let res = app
        .http
        .post(format!("{}/scim/acme/learning/oauth/token", app.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    match body["access_token"].as_str() {
        Some(token) => Ok(token.to_owned()),
        None => Err(body["error"].as_str().unwrap().to_owned()),
    }
}

async fn scim_status(app: &TestApp, token: &str) -> StatusCode {
    app.get(
        &format!("{}/scim/acme/learning/v2/Users", app.base_url),
        Some(token),
    )
    .await
    .status()
}

/// Creates a client in the admin center; returns (client id, secret).
async fn create(browser: &Browser) -> (String, String) {
    let shown = browser.submit(PAGE, &format!("{PAGE}/clients"), &[]).await;
    shown
        .expect(StatusCode::CREATED, "Your new Learning OAuth client")
        .expect(StatusCode::CREATED, "shown only once");
    assert_eq!(shown.headers["cache-control"], "no-store");
    (field(&shown, "client-id"), field(&shown, "client-secret"))
}

#[tokio::test]
async fn a_client_made_here_gets_access_tokens_that_work_for_scim() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let endpoint = format!("{}/scim/acme/learning/oauth/token", app.base_url);
    browser
        .get(PAGE)
        .await
        .expect(StatusCode::OK, "No OAuth clients yet.")
        .expect(StatusCode::OK, &endpoint);

    let shown = browser.submit(PAGE, &format!("{PAGE}/clients"), &[]).await;
    assert_eq!(field(&shown, "token-endpoint"), endpoint);
    assert_eq!(
        field(&shown, "base-url"),
        format!("{}/scim/acme/learning/v2", app.base_url)
    );
    let (id, secret) = (field(&shown, "client-id"), field(&shown, "client-secret"));
    assert!(id.starts_with("rosterd_client_") && secret.starts_with("rosterd_cs_"));
    let token = access_token(&app, &id, &secret).await.unwrap();
    assert_eq!(scim_status(&app, &token).await, StatusCode::OK);

    let later = browser.get(PAGE).await;
    later
        .expect(StatusCode::OK, &id)
        .expect(StatusCode::OK, &secret[..19])
        .expect(StatusCode::OK, &format!("Revoke client {id}"));
    assert!(
        !later.body.contains(&secret),
        "the secret is never shown again"
    );

    // The Entra ID guide, inside the admin center, has this app's token endpoint to paste.
    let guide = browser.get(&format!("{PAGE}/guides/entra-id")).await;
    guide.expect(StatusCode::OK, &format!(r#"value="{endpoint}""#));
    assert!(
        !guide
            .body
            .contains("rosterd.example.com/scim/acme/learning/oauth/token"),
        "an example token endpoint is left"
    );
}

#[tokio::test]
async fn a_second_secret_rotates_and_revoking_the_old_one_stops_its_tokens() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let (id, old) = create(&browser).await;
    let old_token = access_token(&app, &id, &old).await.unwrap();

    let added = browser
        .submit(PAGE, &format!("{PAGE}/clients/{id}/secrets"), &[])
        .await;
    added.expect(StatusCode::CREATED, "Your new Learning client secret");
    assert_eq!(field(&added, "client-id"), id);
    let new = field(&added, "client-secret");
    assert_ne!(new, old);
    let new_token = access_token(&app, &id, &new).await.unwrap();
    assert_eq!(scim_status(&app, &old_token).await, StatusCode::OK);
    assert_eq!(scim_status(&app, &new_token).await, StatusCode::OK);

    let listed = app.cli_ok(&["client", "list", "acme"]).await;
    let old_id = listed[0]["secrets"][1]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["secrets"][1]["prefix"], &old[..19]);
    browser
        .submit(
            PAGE,
            &format!("{PAGE}/clients/{id}/secrets/{old_id}/revoke"),
            &[],
        )
        .await
        .redirects_to(PAGE);
    browser
        .get(PAGE)
        .await
        .expect(StatusCode::OK, "the access tokens it got now get 401")
        .expect(StatusCode::OK, "Revoked");
    assert_eq!(
        scim_status(&app, &old_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        access_token(&app, &id, &old).await.unwrap_err(),
        "invalid_client"
    );
    assert_eq!(scim_status(&app, &new_token).await, StatusCode::OK);
}

#[tokio::test]
async fn revoking_the_client_stops_its_access_tokens() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let (id, secret) = create(&browser).await;
    let token = access_token(&app, &id, &secret).await.unwrap();
    browser
        .submit(PAGE, &format!("{PAGE}/clients/{id}/revoke"), &[])
        .await
        .redirects_to(PAGE);
    let page = browser.get(PAGE).await;
    page.expect(StatusCode::OK, &format!("OAuth client {id} is revoked"))
        .expect(StatusCode::OK, "Revoked with the client");
    assert!(!page.body.contains(&format!("Add a secret to client {id}")));
    assert_eq!(scim_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        access_token(&app, &id, &secret).await.unwrap_err(),
        "invalid_client"
    );
    // A revoked client gets no new secret.
    browser
        .submit(PAGE, &format!("{PAGE}/clients/{id}/secrets"), &[])
        .await
        .expect(StatusCode::FORBIDDEN, "create a new client instead");
}

#[tokio::test]
async fn another_apps_clients_forged_forms_and_other_roles_are_refused() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let navigator = app
        .cli_ok(&["client", "create", "acme", "sales-navigator"])
        .await;
    let other = navigator["client_id"].as_str().unwrap();
    for action in [
        format!("{PAGE}/clients/{other}/revoke"),
        format!("{PAGE}/clients/{other}/secrets"),
        format!("{PAGE}/clients/rosterd_client_nope/revoke"),
    ] {
        browser
            .submit(PAGE, &action, &[])
            .await
            .expect(StatusCode::NOT_FOUND, "Page not found");
    }
    let listed = app.cli_ok(&["client", "list", "acme"]).await;
    assert_eq!(listed[0]["state"], "live", "{listed}");
    assert_eq!(listed[0]["secrets"].as_array().unwrap().len(), 1);

    // No CSRF token: nothing made.
    browser
        .post(&format!("{PAGE}/clients"), &[])
        .await
        .expect(StatusCode::FORBIDDEN, "This form has expired");
    let reporting = Browser::new(&app);
    let password = crate::browser::admin(&app, "acme", "rey@acme.example", "reporting").await;
    reporting
        .login_ok("acme", "rey@acme.example", &password)
        .await;
    let csrf = reporting.get("/admin/acme/").await.csrf();
    reporting
        .post(&format!("{PAGE}/clients"), &[("csrf", &csrf)])
        .await
        .expect(StatusCode::FORBIDDEN, "do this here");
    assert_eq!(
        app.cli_ok(&["client", "list", "acme"])
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "no client was made"
    );
}

#[tokio::test]
async fn a_secret_near_its_expiry_is_flagged_and_an_expired_one_gets_no_tokens() {
    let app = TestApp::spawn().await;
    let (browser, password) = signed_in(&app, "full-admin").await;
    let (id, secret) = create(&browser).await;
    let fresh = browser.get(PAGE).await;
    assert!(!fresh.body.contains("Expires soon"), "{}", fresh.body);

    // Two years less a few days: the secret still works, and the page says to rotate.
    // (The session timed out meanwhile: sign in again.)
    app.clock.advance(chrono::Duration::days(725));
    access_token(&app, &id, &secret).await.unwrap();
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    browser
        .get(PAGE)
        .await
        .expect(
            StatusCode::OK,
            r#"<span class="badge badge-warn">Expires soon</span>"#,
        )
        .expect(StatusCode::OK, "Add a secret and rotate before it expires.");

    app.clock.advance(chrono::Duration::days(6));
    assert_eq!(
        access_token(&app, &id, &secret).await.unwrap_err(),
        "invalid_client"
    );
    browser
        .login_ok("acme", "ada@acme.example", &password)
        .await;
    browser
        .get(PAGE)
        .await
        .expect(StatusCode::OK, "No live secret")
        .expect(StatusCode::OK, ">Expired</span>");
}
