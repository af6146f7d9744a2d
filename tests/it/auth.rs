//! Every SCIM request authenticates: the token matrix, tenant isolation, rotation.

use chrono::Duration;
use reqwest::StatusCode;
use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::Value;

async fn spc(
    app: &TestApp,
    base: &str,
    token: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let res = app
        .get(&format!("{base}/ServiceProviderConfig"), token)
        .await;
    let status = res.status();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/scim+json", "status {status}");
    (status, challenge, res.json().await.unwrap())
}

fn assert_scim_error(body: &Value, status: &str, detail_has: &str) {
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(body["status"], status);
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(detail_has),
        "detail `{detail}` lacks `{detail_has}`"
    );
}

#[tokio::test]
async fn a_valid_token_reaches_its_own_app() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    for product in Product::ALL {
        let (status, _, body) = spc(&app, acme.base(product), Some(acme.token(product))).await;
        assert_eq!(status, StatusCode::OK, "{product}");
        assert_eq!(
            body["meta"]["location"],
            format!("{}/ServiceProviderConfig", acme.base(product))
        );
    }
}

#[tokio::test]
async fn every_refusal_is_401_with_a_scim_body_and_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let learning = acme.base(Product::Learning);
    let unknown = format!("rosterd_scim_{}", "A".repeat(43));
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "no bearer token"),
        (
            "malformed",
            Some("not-a-token".into()),
            "not a rosterd bearer token",
        ),
        ("unknown", Some(unknown), "not valid"),
        (
            "another tenant's",
            Some(globex.token(Product::Learning).into()),
            "not valid for this SCIM app",
        ),
        (
            "another product's",
            Some(acme.token(Product::SalesNavigator).into()),
            "not valid for this SCIM app",
        ),
    ];
    for (what, token, detail) in cases {
        let (status, challenge, body) = spc(&app, learning, token.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(challenge.unwrap().starts_with("Bearer"), "{what}");
        assert_scim_error(&body, "401", detail);
    }
    // A Basic header is malformed for SCIM, not a crash.
    let res = app
        .http
        .get(format!("{learning}/ServiceProviderConfig"))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tenant_a_never_sees_tenant_b() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    // Acme's token on Globex's URL.
    let (status, _, _) = spc(
        &app,
        globex.base(Product::Learning),
        Some(acme.token(Product::Learning)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A tenant that does not exist answers exactly like a wrong token: nothing to enumerate.
    let nowhere = acme.base(Product::Learning).replace("/acme/", "/nowhere/");
    let (status, _, body) = spc(&app, &nowhere, Some(acme.token(Product::Learning))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_scim_error(&body, "401", "not valid for this SCIM app");
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let base = acme.base(Product::Learning).to_owned();
    let token = acme.token(Product::Learning).to_owned();
    let listed = app
        .cli_ok(&["token", "list", "acme", "--product", "learning"])
        .await;
    let prefix = listed[0]["prefix"].as_str().unwrap().to_owned();
    assert!(token.starts_with(&prefix));

    app.clock.advance(Duration::days(729));
    assert_eq!(
        spc(&app, &base, Some(&token)).await.0,
        StatusCode::OK,
        "valid just under two years"
    );
    app.clock.advance(Duration::days(2));
    let (status, _, body) = spc(&app, &base, Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_scim_error(&body, "401", "expired");

    let app2 = TestApp::spawn().await;
    let acme2 = app2.tenant("acme").await;
    let token = acme2.token(Product::Learning);
    app2.cli_ok(&["token", "revoke", "acme", &token[..21]])
        .await;
    let (status, _, body) = spc(&app2, acme2.base(Product::Learning), Some(token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_scim_error(&body, "401", "revoked");
}

#[tokio::test]
async fn a_disabled_app_is_403_with_a_scim_body() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    app.cli_ok(&["app", "disable", "acme", "teamlink-extend"])
        .await;
    let (status, challenge, body) = spc(
        &app,
        acme.base(Product::TeamlinkExtend),
        Some(acme.token(Product::TeamlinkExtend)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(challenge.is_none());
    assert_scim_error(
        &body,
        "403",
        "SCIM provisioning is disabled for TeamLink Extend",
    );
    // Other apps of the tenant are unaffected, and enabling again restores access.
    assert_eq!(
        spc(
            &app,
            acme.base(Product::Learning),
            Some(acme.token(Product::Learning))
        )
        .await
        .0,
        StatusCode::OK
    );
    app.cli_ok(&["app", "enable", "acme", "teamlink-extend"])
        .await;
    assert_eq!(
        spc(
            &app,
            acme.base(Product::TeamlinkExtend),
            Some(acme.token(Product::TeamlinkExtend))
        )
        .await
        .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn rotation_keeps_two_live_tokens_until_the_old_one_is_revoked() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let base = acme.base(Product::SalesNavigator).to_owned();
    let old = acme.token(Product::SalesNavigator).to_owned();
    let issued = app
        .cli_ok(&["token", "issue", "acme", "sales-navigator"])
        .await;
    let new = issued["token"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    assert_eq!(spc(&app, &base, Some(&old)).await.0, StatusCode::OK);
    assert_eq!(spc(&app, &base, Some(&new)).await.0, StatusCode::OK);

    let listed = app
        .cli_ok(&["token", "list", "acme", "--product", "sales-navigator"])
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["last_used_at"].is_string()),
        "{listed}"
    );
    assert!(
        !listed.to_string().contains(&old) && !listed.to_string().contains(&new),
        "secrets never listed"
    );

    app.cli_ok(&["token", "revoke", "acme", &old[..21]]).await;
    assert_eq!(
        spc(&app, &base, Some(&old)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(spc(&app, &base, Some(&new)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_shared_base_url_lets_the_token_choose_tenant_and_app() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let shared = format!("{}/scim/v2", app.base_url);
    for product in [Product::Learning, Product::TeamlinkExtend] {
        let (status, _, body) = spc(&app, &shared, Some(acme.token(product))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body["meta"]["location"],
            format!("{shared}/ServiceProviderConfig")
        );
    }
    let (status, _, _) = spc(&app, &shared, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_unknown_product_is_a_scim_404() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let res = app
        .get(
            &format!("{}/scim/acme/crm/v2/ServiceProviderConfig", app.base_url),
            Some(acme.token(Product::Learning)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_scim_error(&body, "404", "no SCIM app `crm`");
}
