//! The single-resource endpoints: status codes, headers, conditional requests, body handling,
//! and the routes that are not resources (`/Me`, unknown paths, wrong methods).

use http::{Method, StatusCode, header};
use serde_json::{Value, json};

use super::support::{
    BASE, GROUP_SCHEMA, LIMITS, PATCH_OP, TestApp, USER_SCHEMA, raw_request, request,
};

fn with_header(
    mut req: http::Request<axum::body::Body>,
    name: header::HeaderName,
    value: &str,
) -> http::Request<axum::body::Body> {
    req.headers_mut()
        .insert(name, value.parse().expect("header value"));
    req
}

#[tokio::test]
async fn post_answers_201_with_location_etag_and_the_resource() {
    let app = TestApp::new();
    let body = json!({"schemas": [USER_SCHEMA], "userName": "ann@acme.example", "active": true});
    let response = app.call(Method::POST, "/Users", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:#}", response.body);
    let id = response.body["id"].as_str().expect("id");
    assert_eq!(
        response.header(header::LOCATION),
        format!("{BASE}/Users/{id}")
    );
    assert_eq!(response.header(header::ETAG), "W/\"1\"");
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        "application/scim+json"
    );
    assert_eq!(response.body["userName"], "ann@acme.example");
    assert_eq!(
        response.body["meta"]["location"],
        format!("{BASE}/Users/{id}")
    );
    assert_eq!(response.body["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn post_honours_attributes() {
    let app = TestApp::new();
    let body = json!({"schemas": [USER_SCHEMA], "userName": "ann", "displayName": "Ann"});
    let response = app
        .call(Method::POST, "/Users?attributes=displayName", body)
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.body["displayName"], "Ann");
    assert!(
        response.body.get("userName").is_none(),
        "{:#}",
        response.body
    );
    assert!(response.body.get("id").is_some());
}

#[tokio::test]
async fn post_group_with_members_renders_them() {
    let app = TestApp::new();
    let ann = app.user("ann").await;
    let body =
        json!({"schemas": [GROUP_SCHEMA], "displayName": "Sales", "members": [{"value": ann}]});
    let response = app.call(Method::POST, "/Groups", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{:#}", response.body);
    let id = response.body["id"].as_str().expect("id");
    assert_eq!(
        response.header(header::LOCATION),
        format!("{BASE}/Groups/{id}")
    );
    assert_eq!(response.body["members"][0]["value"], ann.as_str());
}

#[tokio::test]
async fn duplicate_user_name_is_the_stores_409() {
    let app = TestApp::new();
    app.user("ann").await;
    let response = app
        .call(
            Method::POST,
            "/Users",
            json!({"schemas": [USER_SCHEMA], "userName": "ann"}),
        )
        .await;
    response.assert_error(StatusCode::CONFLICT, Some("uniqueness"));
}

#[tokio::test]
async fn invalid_json_is_400_invalid_syntax_with_the_parser_message() {
    let app = TestApp::new();
    let req = raw_request(
        Method::POST,
        "/Users",
        "application/scim+json",
        "{\"userName\": ",
    );
    let response = app.send(req).await;
    let detail = response.assert_error(StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    assert!(
        detail.contains("not valid JSON") && detail.contains("line 1"),
        "{detail}"
    );
}

#[tokio::test]
async fn empty_body_is_400_invalid_syntax() {
    let app = TestApp::new();
    let response = app
        .send(raw_request(Method::POST, "/Users", "application/json", ""))
        .await;
    let detail = response.assert_error(StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    assert!(detail.contains("empty"), "{detail}");
}

#[tokio::test]
async fn non_json_content_type_is_415() {
    let app = TestApp::new();
    let req = raw_request(Method::POST, "/Users", "text/xml", "<user/>");
    let detail = app
        .send(req)
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, None)
        .to_owned();
    assert!(detail.contains("text/xml"), "{detail}");
}

#[tokio::test]
async fn missing_content_type_is_tolerated() {
    let app = TestApp::new();
    let req = http::Request::builder()
        .method(Method::POST)
        .uri("/Users")
        .body(axum::body::Body::from(
            json!({"userName": "ann"}).to_string(),
        ))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_with_a_scim_body() {
    let app = TestApp::with(LIMITS, 64);
    let body = json!({"schemas": [USER_SCHEMA], "userName": "a".repeat(200)});
    let response = app.call(Method::POST, "/Users", body).await;
    let detail = response.assert_error(StatusCode::PAYLOAD_TOO_LARGE, None);
    assert!(
        detail.contains("larger than this server accepts"),
        "{detail}"
    );
}

#[tokio::test]
async fn get_answers_200_with_etag() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    let response = app.get(&format!("/Users/{id}")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header(header::ETAG), "W/\"1\"");
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        "application/scim+json"
    );
    assert_eq!(response.body["id"], id.as_str());
}

#[tokio::test]
async fn get_of_an_unknown_id_is_404() {
    let app = TestApp::new();
    app.get("/Users/nope")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
    app.get("/Groups/nope")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
}

#[tokio::test]
async fn if_none_match_with_the_current_etag_is_304_without_body() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    for tag in ["W/\"1\"", "\"1\"", "*", "W/\"0\", W/\"1\""] {
        let req = with_header(
            request(Method::GET, &format!("/Users/{id}"), None),
            header::IF_NONE_MATCH,
            tag,
        );
        let response = app.send(req).await;
        assert_eq!(response.status, StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(response.body, serde_json::Value::Null);
        assert_eq!(response.header(header::ETAG), "W/\"1\"");
    }
    let req = with_header(
        request(Method::GET, &format!("/Users/{id}"), None),
        header::IF_NONE_MATCH,
        "W/\"9\"",
    );
    assert_eq!(app.send(req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn put_replaces_and_answers_200_with_the_new_etag() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    let body = json!({"schemas": [USER_SCHEMA], "userName": "ann", "displayName": "Ann A."});
    let req = with_header(
        request(Method::PUT, &format!("/Users/{id}"), Some(body)),
        header::IF_MATCH,
        "W/\"1\"",
    );
    let response = app.send(req).await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(response.header(header::ETAG), "W/\"2\"");
    assert_eq!(response.body["displayName"], "Ann A.");
}

#[tokio::test]
async fn stale_if_match_is_412_on_put_patch_and_delete() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    let uri = format!("/Users/{id}");
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "x"}]});
    let requests = [
        request(Method::PUT, &uri, Some(json!({"userName": "ann"}))),
        request(Method::PATCH, &uri, Some(patch)),
        request(Method::DELETE, &uri, None),
    ];
    for req in requests {
        let response = app
            .send(with_header(req, header::IF_MATCH, "W/\"7\""))
            .await;
        response.assert_error(StatusCode::PRECONDITION_FAILED, Some("invalidVers"));
    }
}

#[tokio::test]
async fn patch_answers_200_with_the_resource_and_honours_attributes() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    let body = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Ann B."},
        {"op": "add", "path": "title", "value": "Engineer"},
    ]});
    let response = app
        .call(
            Method::PATCH,
            &format!("/Users/{id}?attributes=title"),
            body,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(response.header(header::ETAG), "W/\"2\"");
    assert_eq!(response.body["title"], "Engineer");
    assert!(
        response.body.get("displayName").is_none(),
        "{:#}",
        response.body
    );
    assert_eq!(response.body["id"], id.as_str());
    let read = app.get(&format!("/Users/{id}")).await;
    assert_eq!(read.body["displayName"], "Ann B.");
}

#[tokio::test]
async fn patch_of_a_group_answers_204_unless_a_projection_is_asked_for() {
    let app = TestApp::new();
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let group = app.group("Sales", &[]).await;
    let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": ann}]}]});
    let response = app
        .call(Method::PATCH, &format!("/Groups/{group}"), body)
        .await;
    assert_eq!(
        response.status,
        StatusCode::NO_CONTENT,
        "{:#}",
        response.body
    );
    assert_eq!(response.body, Value::Null, "no body with a 204");
    assert_eq!(response.header(header::ETAG), "W/\"2\"", "the new version");
    let read = app.get(&format!("/Groups/{group}")).await;
    assert_eq!(read.body["members"][0]["value"], ann.as_str());

    let add_bob = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": bob}]}]});
    let response = app
        .call(
            Method::PATCH,
            &format!("/Groups/{group}?attributes=members"),
            add_bob,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    let mut members: Vec<&str> = response.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let mut both = vec![ann.as_str(), bob.as_str()];
    both.sort_unstable();
    assert_eq!(members, both);
    assert!(
        response.body.get("displayName").is_none(),
        "only what was asked"
    );

    let excluded = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Sales EU"}]});
    let response = app
        .call(
            Method::PATCH,
            &format!("/Groups/{group}?excludedAttributes=members"),
            excluded,
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response.body.get("members").is_none(),
        "{:#}",
        response.body
    );
    assert_eq!(response.body["displayName"], "Sales EU");
}

#[tokio::test]
async fn malformed_patch_is_400_invalid_syntax() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    let response = app
        .call(
            Method::PATCH,
            &format!("/Users/{id}"),
            json!({"Operations": []}),
        )
        .await;
    response.assert_error(StatusCode::BAD_REQUEST, Some("invalidSyntax"));
}

#[tokio::test]
async fn delete_answers_204_and_the_resource_is_gone() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    let response = app
        .send(request(Method::DELETE, &format!("/Users/{id}"), None))
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT);
    assert_eq!(response.body, serde_json::Value::Null);
    app.get(&format!("/Users/{id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
}

#[tokio::test]
async fn me_is_501_for_every_method() {
    let app = TestApp::new();
    for method in [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ] {
        let response = app.send(request(method.clone(), "/Me", None)).await;
        let detail = response.assert_error(StatusCode::NOT_IMPLEMENTED, None);
        assert!(detail.contains("/Me"), "{method}: {detail}");
    }
    app.get("/Me/anything")
        .await
        .assert_error(StatusCode::NOT_IMPLEMENTED, None);
}

#[tokio::test]
async fn unknown_path_is_a_scim_404_from_the_merged_fallback() {
    let app = TestApp::new();
    app.get("/Widgets")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
    app.get("/Users/a/b")
        .await
        .assert_error(StatusCode::NOT_FOUND, None);
}

#[tokio::test]
async fn wrong_method_on_a_known_path_is_a_scim_405() {
    let app = TestApp::new();
    let cases = [
        (Method::DELETE, "/Users"),
        (Method::POST, "/Groups/g1"),
        (Method::GET, "/Users/.search"),
        (Method::GET, "/Bulk"),
        (Method::GET, "/.search"),
    ];
    for (method, uri) in cases {
        let response = app.send(request(method.clone(), uri, None)).await;
        let detail = response.assert_error(StatusCode::METHOD_NOT_ALLOWED, None);
        assert!(detail.contains(method.as_str()), "{method} {uri}: {detail}");
    }
}

#[tokio::test]
async fn discovery_routes_still_answer_after_the_merge() {
    let app = TestApp::new();
    let response = app.get("/ServiceProviderConfig").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.body["bulk"]["maxOperations"],
        LIMITS.bulk_max_operations
    );
}
