//! The discovery documents each product app serves.

use reqwest::StatusCode;
use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::Value;

async fn get_json(app: &TestApp, url: &str, token: &str) -> (StatusCode, Value) {
    let res = app.get(url, Some(token)).await;
    let status = res.status();
    assert_eq!(res.headers()["content-type"], "application/scim+json");
    (status, res.json().await.unwrap())
}

#[tokio::test]
async fn service_provider_config_says_what_the_server_does() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let (status, spc) = get_json(
        &app,
        &format!("{}/ServiceProviderConfig", acme.base(Product::Learning)),
        acme.token(Product::Learning),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        spc["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["filter"]["maxResults"], 1000);
    assert_eq!(spc["bulk"]["maxOperations"], 1000);
    assert_eq!(spc["changePassword"]["supported"], false);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
}

#[tokio::test]
async fn resource_types_and_schemas_are_listed_and_addressable() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let base = acme.base(Product::SalesNavigator);
    let token = acme.token(Product::SalesNavigator);

    let (_, types) = get_json(&app, &format!("{base}/ResourceTypes"), token).await;
    assert_eq!(
        types["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    let names: Vec<&str> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["User", "Group"]);
    let (status, user) = get_json(&app, &format!("{base}/ResourceTypes/User"), token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(
        user["meta"]["location"],
        format!("{base}/ResourceTypes/User")
    );

    let (_, schemas) = get_json(&app, &format!("{base}/Schemas"), token).await;
    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for expected in [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    ] {
        assert!(ids.contains(&expected), "{expected} missing from {ids:?}");
    }
    let (status, core) = get_json(
        &app,
        &format!("{base}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
        token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let user_name = core["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["required"], true);
    assert_eq!(user_name["caseExact"], false);

    let (status, body) = get_json(&app, &format!("{base}/Schemas/urn:nope"), token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["status"], "404");
}

#[tokio::test]
async fn an_unknown_endpoint_of_an_app_is_a_scim_404_that_says_where_to_look() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    for product in Product::ALL {
        let url = format!("{}/Nowhere/else", acme.base(product));
        let (status, body) = get_json(&app, &url, acme.token(product)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{product}");
        assert_eq!(body["status"], "404");
        assert_eq!(
            body["detail"],
            "`/Nowhere/else` is not a SCIM endpoint of this app; see /ServiceProviderConfig and /ResourceTypes",
            "{product}"
        );
    }
}
