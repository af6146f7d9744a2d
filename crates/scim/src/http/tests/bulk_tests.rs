//! `POST /Bulk`: bulkId references (backward, forward, unknown, circular), failOnErrors, the
//! size limits, and the per-operation response entries.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{BASE, BULK, GROUP_SCHEMA, LIMITS, PATCH_OP, TestApp, USER_SCHEMA};
use crate::discovery::ServiceLimits;
use crate::resource::ResourceKind;

fn bulk(operations: Value) -> Value {
    json!({"schemas": [BULK], "Operations": operations})
}

fn post_user(bulk_id: &str, name: &str) -> Value {
    json!({"method": "POST", "path": "/Users", "bulkId": bulk_id,
           "data": {"schemas": [USER_SCHEMA], "userName": name}})
}

fn post_group(bulk_id: &str, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .map(|m| json!({"value": m, "type": "User"}))
        .collect();
    json!({"method": "POST", "path": "/Groups", "bulkId": bulk_id,
           "data": {"schemas": [GROUP_SCHEMA], "displayName": name, "members": members}})
}

fn statuses(body: &Value) -> Vec<&str> {
    body["Operations"]
        .as_array()
        .map(|ops| ops.iter().filter_map(|op| op["status"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn creates_a_user_then_a_group_with_the_user_by_bulk_id() {
    let app = TestApp::new();
    let body = bulk(json!([
        post_user("u1", "ann"),
        post_group("g1", "Sales", &["bulkId:u1"])
    ]));
    let response = app.call(Method::POST, "/Bulk", body).await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(
        response.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    assert_eq!(statuses(&response.body), ["201", "201"]);
    let user = &response.body["Operations"][0];
    assert_eq!(user["method"], "POST");
    assert_eq!(user["bulkId"], "u1");
    assert_eq!(user["version"], "W/\"1\"");
    let user_location = user["location"].as_str().expect("location");
    let user_id = user_location.rsplit('/').next().expect("id");
    assert_eq!(user_location, format!("{BASE}/Users/{user_id}"));
    let group_location = response.body["Operations"][1]["location"]
        .as_str()
        .expect("location");
    let group_id = group_location.rsplit('/').next().expect("id");
    assert_eq!(app.store.members(group_id), [user_id]);
}

#[tokio::test]
async fn a_forward_reference_waits_for_its_post() {
    let app = TestApp::new();
    let body = bulk(json!([
        post_group("g1", "Sales", &["bulkId:u1"]),
        post_user("u1", "ann")
    ]));
    let response = app.call(Method::POST, "/Bulk", body).await;
    assert_eq!(
        statuses(&response.body),
        ["201", "201"],
        "{:#}",
        response.body
    );
    assert_eq!(response.body["Operations"][0]["bulkId"], "g1");
    let group_id = response.body["Operations"][0]["location"]
        .as_str()
        .and_then(|l| l.rsplit('/').next())
        .expect("id");
    assert_eq!(app.store.members(group_id).len(), 1);
}

#[tokio::test]
async fn a_path_may_name_a_resource_by_bulk_id() {
    let app = TestApp::new();
    let patch = json!({"method": "PATCH", "path": "/Users/bulkId:u1",
        "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Ann"}]}});
    let response = app
        .call(
            Method::POST,
            "/Bulk",
            bulk(json!([post_user("u1", "ann"), patch])),
        )
        .await;
    assert_eq!(
        statuses(&response.body),
        ["201", "200"],
        "{:#}",
        response.body
    );
    assert_eq!(response.body["Operations"][1]["version"], "W/\"2\"");
    assert_eq!(
        response.body["Operations"][0]["location"],
        response.body["Operations"][1]["location"]
    );
}

#[tokio::test]
async fn unresolvable_references_fail_that_operation_with_409() {
    let app = TestApp::new();
    let body = bulk(json!([
        post_group("g1", "Unknown ref", &["bulkId:nobody"]),
        post_user("dup", "ann"),
        post_user("dup", "bob"),
        post_group("g2", "Failed ref", &["bulkId:bad"]),
        {"method": "POST", "path": "/Users", "bulkId": "bad", "data": {"schemas": [USER_SCHEMA]}},
        post_group("c1", "Circle one", &["bulkId:c2"]),
        post_group("c2", "Circle two", &["bulkId:c1"]),
        post_user("ok", "cat"),
    ]));
    let response = app.call(Method::POST, "/Bulk", body).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        statuses(&response.body),
        ["409", "201", "400", "409", "400", "409", "409", "201"],
        "{:#}",
        response.body
    );
    let first = &response.body["Operations"][0]["response"];
    assert_eq!(first["status"], "409");
    assert!(
        first["detail"]
            .as_str()
            .is_some_and(|d| d.contains("bulkId:nobody")),
        "{first:#}"
    );
    assert!(
        response.body["Operations"][5]["response"]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("circular"))
    );
    assert_eq!(app.store.count(ResourceKind::User), 2);
    assert_eq!(app.store.count(ResourceKind::Group), 0);
}

#[tokio::test]
async fn fail_on_errors_stops_after_that_many_failures() {
    let app = TestApp::new();
    let mut body = bulk(json!([
        post_user("a", "ann"),
        post_user("b", "ann"),
        post_user("c", "bob"),
        post_user("d", "bob"),
        post_user("e", "cat"),
    ]));
    body["failOnErrors"] = json!(2);
    let response = app.call(Method::POST, "/Bulk", body).await;
    assert_eq!(
        statuses(&response.body),
        ["201", "409", "201", "409"],
        "{:#}",
        response.body
    );
    assert_eq!(
        response.body["Operations"][1]["response"]["scimType"],
        "uniqueness"
    );
    assert_eq!(app.store.count(ResourceKind::User), 2);
}

#[tokio::test]
async fn without_fail_on_errors_every_operation_runs() {
    let app = TestApp::new();
    let body = bulk(json!([
        post_user("a", "ann"),
        post_user("b", "ann"),
        post_user("c", "bob")
    ]));
    let response = app.call(Method::POST, "/Bulk", body).await;
    assert_eq!(statuses(&response.body), ["201", "409", "201"]);
}

#[tokio::test]
async fn put_patch_delete_with_version() {
    let app = TestApp::new();
    let id = app.user("ann").await;
    let path = format!("/Users/{id}");
    let body = bulk(json!([
        {"method": "PUT", "path": path, "version": "W/\"1\"", "data": {"userName": "ann", "title": "CEO"}},
        {"method": "patch", "path": path, "version": "W/\"1\"",
         "data": {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "title"}]}},
        {"method": "DELETE", "path": path, "version": "W/\"2\""},
    ]));
    let response = app.call(Method::POST, "/Bulk", body).await;
    assert_eq!(
        statuses(&response.body),
        ["200", "412", "204"],
        "{:#}",
        response.body
    );
    let put = &response.body["Operations"][0];
    assert_eq!(put["version"], "W/\"2\"");
    assert_eq!(put["location"], format!("{BASE}/Users/{id}"));
    assert_eq!(response.body["Operations"][1]["method"], "PATCH");
    assert_eq!(
        response.body["Operations"][1]["response"]["scimType"],
        "invalidVers"
    );
    assert_eq!(
        response.body["Operations"][2]["location"],
        format!("{BASE}/Users/{id}")
    );
    assert_eq!(app.store.count(ResourceKind::User), 0);
}

#[tokio::test]
async fn malformed_operations_fail_alone_with_400() {
    let app = TestApp::new();
    let body = bulk(json!([
        {"method": "POST", "path": "/Users", "data": {"userName": "ann"}},
        {"method": "GET", "path": "/Users"},
        {"method": "DELETE", "path": "/Users"},
        {"method": "POST", "path": "/Widgets", "bulkId": "w", "data": {}},
        {"method": "PUT", "path": "/Users/x"},
        post_user("ok", "bob"),
    ]));
    let response = app.call(Method::POST, "/Bulk", body).await;
    assert_eq!(
        statuses(&response.body),
        ["400", "400", "400", "400", "400", "201"],
        "{:#}",
        response.body
    );
    let detail = response.body["Operations"][0]["response"]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(
        detail.contains("Operations[0]") && detail.contains("bulkId"),
        "{detail}"
    );
}

#[tokio::test]
async fn more_operations_than_max_operations_is_413_naming_the_limit() {
    let app = TestApp::new();
    let ops: Vec<Value> = (0..=LIMITS.bulk_max_operations)
        .map(|i| post_user(&format!("u{i}"), &format!("user{i}")))
        .collect();
    let response = app
        .call(Method::POST, "/Bulk", bulk(Value::Array(ops)))
        .await;
    let detail = response.assert_error(StatusCode::PAYLOAD_TOO_LARGE, None);
    assert!(detail.contains("maxOperations is 10"), "{detail}");
    assert_eq!(app.store.count(ResourceKind::User), 0);
}

#[tokio::test]
async fn a_payload_over_max_payload_size_is_413_naming_the_limit() {
    let limits = ServiceLimits {
        bulk_max_payload_bytes: 200,
        ..LIMITS
    };
    let app = TestApp::with(limits, 1024 * 1024);
    let body = bulk(json!([post_user("u1", &"a".repeat(300))]));
    let response = app.call(Method::POST, "/Bulk", body).await;
    let detail = response.assert_error(StatusCode::PAYLOAD_TOO_LARGE, None);
    assert!(detail.contains("maxPayloadSize is 200 bytes"), "{detail}");
}

#[tokio::test]
async fn a_bulk_body_that_is_not_a_bulk_request_is_400() {
    let app = TestApp::new();
    let cases = [
        (json!({"Operations": []}), "invalidSyntax"),
        (json!({"schemas": [BULK]}), "invalidSyntax"),
        (
            json!({"schemas": [BULK], "Operations": [], "failOnErrors": -1}),
            "invalidValue",
        ),
    ];
    for (body, scim_type) in cases {
        let response = app.call(Method::POST, "/Bulk", body.clone()).await;
        response.assert_error(StatusCode::BAD_REQUEST, Some(scim_type));
    }
}

#[tokio::test]
async fn a_chain_of_references_in_reverse_order_resolves_in_one_request() {
    // Each Group names the next one as its member, and the last one's POST comes first... in
    // reverse: operation i waits for operation i + 1. Resolving this must not take a pass over
    // every waiting operation per link (quadratic in the chain's length).
    let links = 1_000;
    let mut operations: Vec<Value> = (0..links)
        .map(|i| {
            let next = format!("bulkId:g{}", i + 1);
            post_group(&format!("g{i}"), &format!("Group {i}"), &[&next])
        })
        .collect();
    operations.push(post_user(&format!("g{links}"), "the end"));
    let limits = ServiceLimits {
        bulk_max_operations: 2_000,
        bulk_max_payload_bytes: 1024 * 1024,
        ..LIMITS
    };
    let app = TestApp::with(limits, 2 * 1024 * 1024);
    let response = app
        .call(Method::POST, "/Bulk", bulk(json!(operations)))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    let statuses = statuses(&response.body);
    assert_eq!(statuses.len(), links + 1);
    assert!(statuses.iter().all(|s| *s == "201"), "{statuses:?}");
    assert_eq!(app.store.count(ResourceKind::Group), links);
    assert_eq!(response.body["Operations"][0]["bulkId"], "g0");
}
