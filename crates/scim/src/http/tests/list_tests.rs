//! List and search: the ListResponse, filter/sort/paging parameters as the IdPs send them,
//! cursor paging, `.search` bodies, and the root search across Users and Groups.

use http::{Method, StatusCode, header};
use serde_json::{Value, json};

use super::support::{SEARCH, TestApp};
use crate::resource::ResourceKind;
use crate::store::{Paging, SortOrder};

async fn app_with_users(names: &[&str]) -> TestApp {
    let app = TestApp::new();
    for name in names {
        app.user(name).await;
    }
    app
}

fn user_names(body: &Value) -> Vec<&str> {
    body["Resources"]
        .as_array()
        .map(|list| list.iter().filter_map(|r| r["userName"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn list_answers_a_list_response() {
    let app = app_with_users(&["ann", "bob"]).await;
    let response = app.get("/Users").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header(header::CONTENT_TYPE),
        "application/scim+json"
    );
    assert_eq!(
        response.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(response.body["totalResults"], 2);
    assert_eq!(response.body["itemsPerPage"], 2);
    assert_eq!(response.body["startIndex"], 1);
    assert!(response.body.get("nextCursor").is_none());
    assert_eq!(user_names(&response.body), ["ann", "bob"]);
}

#[tokio::test]
async fn plus_in_a_filter_is_a_space_as_onelogin_sends_it() {
    let app = app_with_users(&["ann", "bob"]).await;
    let response = app.get("/Users?filter=userName+eq+%22bob%22").await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(user_names(&response.body), ["bob"]);
    let response = app.get("/Users?filter=userName%20eq%20%22ann%22").await;
    assert_eq!(user_names(&response.body), ["ann"]);
}

#[tokio::test]
async fn a_filter_matching_nothing_is_200_with_an_empty_list() {
    let app = TestApp::new();
    let response = app.get("/Users?filter=userName+eq+%22nobody%22").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["totalResults"], 0);
    assert_eq!(response.body["itemsPerPage"], 0);
    assert_eq!(response.body["Resources"], json!([]));
}

#[tokio::test]
async fn a_bad_filter_is_400_invalid_filter() {
    let app = TestApp::new();
    let response = app.get("/Users?filter=userName+eq").await;
    response.assert_error(StatusCode::BAD_REQUEST, Some("invalidFilter"));
}

#[tokio::test]
async fn count_zero_answers_only_the_total() {
    let app = app_with_users(&["ann", "bob"]).await;
    let response = app.get("/Users?count=0").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["totalResults"], 2);
    assert_eq!(response.body["itemsPerPage"], 0);
    assert_eq!(response.body["Resources"], json!([]));
}

#[tokio::test]
async fn count_is_clamped_and_defaulted_to_max_results_and_negative_is_zero() {
    let app = TestApp::new();
    for (query, expected) in [
        ("count=5000", 50),
        ("", 50),
        ("count=-3", 0),
        ("count=7", 7),
    ] {
        let response = app.get(&format!("/Users?{query}")).await;
        assert_eq!(response.status, StatusCode::OK, "{query}");
        let paging = app.store.last_query().map(|q| q.paging);
        assert_eq!(
            paging,
            Some(Paging::Index {
                start_index: 1,
                count: expected
            }),
            "{query}"
        );
    }
}

#[tokio::test]
async fn start_index_below_one_counts_as_one() {
    let app = app_with_users(&["ann", "bob", "cat"]).await;
    for start in ["0", "-4"] {
        let response = app.get(&format!("/Users?startIndex={start}&count=2")).await;
        assert_eq!(response.body["startIndex"], 1, "{start}");
        assert_eq!(user_names(&response.body), ["ann", "bob"], "{start}");
    }
    let response = app.get("/Users?startIndex=3&count=2").await;
    assert_eq!(response.body["startIndex"], 3);
    assert_eq!(response.body["totalResults"], 3);
    assert_eq!(user_names(&response.body), ["cat"]);
}

#[tokio::test]
async fn non_integer_paging_is_400_invalid_value() {
    let app = TestApp::new();
    for query in ["startIndex=abc", "count=1.5"] {
        let response = app.get(&format!("/Users?{query}")).await;
        response.assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    }
}

#[tokio::test]
async fn sort_order_is_case_insensitive_and_otherwise_400() {
    let app = app_with_users(&["bob", "ann", "cat"]).await;
    let response = app.get("/Users?sortBy=userName&sortOrder=DESCENDING").await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(user_names(&response.body), ["cat", "bob", "ann"]);
    assert_eq!(
        app.store.last_query().map(|q| q.sort_order),
        Some(SortOrder::Descending)
    );
    let response = app.get("/Users?sortBy=userName&sortOrder=up").await;
    let detail = response.assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    assert!(detail.contains("sortOrder"), "{detail}");
}

#[tokio::test]
async fn cursor_with_start_index_is_400_invalid_value() {
    let app = TestApp::new();
    let response = app.get("/Users?cursor=&startIndex=1").await;
    let detail = response.assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
    assert!(
        detail.contains("cursor") && detail.contains("startIndex"),
        "{detail}"
    );
}

#[tokio::test]
async fn cursor_paging_walks_the_pages_with_next_cursor() {
    let app = app_with_users(&["ann", "bob", "cat"]).await;
    let first = app.get("/Users?cursor=&count=2").await;
    assert_eq!(first.status, StatusCode::OK, "{:#}", first.body);
    assert_eq!(
        app.store.last_query().map(|q| q.paging),
        Some(Paging::Cursor {
            cursor: None,
            count: 2
        })
    );
    assert_eq!(user_names(&first.body), ["ann", "bob"]);
    assert!(first.body.get("startIndex").is_none());
    let next = first.body["nextCursor"].as_str().expect("nextCursor");
    let last = app.get(&format!("/Users?cursor={next}&count=2")).await;
    assert_eq!(user_names(&last.body), ["cat"]);
    assert_eq!(last.body["totalResults"], 3);
    assert!(last.body.get("nextCursor").is_none());
}

#[tokio::test]
async fn excluded_members_is_not_loaded() {
    let app = TestApp::new();
    let ann = app.user("ann").await;
    app.group("Sales", &[&ann]).await;
    let response = app.get("/Groups?excludedAttributes=members").await;
    assert!(response.body["Resources"][0].get("members").is_none());
    assert_eq!(app.store.last_query().map(|q| q.wants.members), Some(false));
    let response = app.get("/Groups").await;
    assert_eq!(
        response.body["Resources"][0]["members"][0]["value"],
        ann.as_str()
    );
    // Wanted members are streamed after each group of the page, a page of members at a time:
    // the page itself is still listed without them.
    assert_eq!(app.store.last_query().map(|q| q.wants.members), Some(false));
}

#[tokio::test]
async fn search_takes_the_parameters_from_the_body() {
    let app = app_with_users(&["ann", "bob", "cat"]).await;
    let body = json!({
        "schemas": [SEARCH],
        "filter": "userName ne \"bob\"",
        "sortBy": "userName",
        "sortOrder": "descending",
        "startIndex": 1,
        "count": 1,
        "attributes": ["userName"],
    });
    let response = app.call(Method::POST, "/Users/.search", body).await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(response.body["totalResults"], 2);
    assert_eq!(user_names(&response.body), ["cat"]);
    assert!(response.body["Resources"][0].get("meta").is_none());
}

#[tokio::test]
async fn search_body_errors_are_400() {
    let app = TestApp::new();
    let cases = [
        (json!({"filter": "userName pr"}), "invalidSyntax"),
        (
            json!({"schemas": ["urn:x"], "filter": "userName pr"}),
            "invalidSyntax",
        ),
        (
            json!({"schemas": [SEARCH], "startIndex": "1"}),
            "invalidValue",
        ),
        (
            json!({"schemas": [SEARCH], "attributes": [1]}),
            "invalidValue",
        ),
        (
            json!({"schemas": [SEARCH], "filter": "userName eq"}),
            "invalidFilter",
        ),
        (
            json!({"schemas": [SEARCH], "cursor": "", "startIndex": 2}),
            "invalidValue",
        ),
    ];
    for (body, scim_type) in cases {
        let response = app.call(Method::POST, "/Users/.search", body.clone()).await;
        assert_eq!(
            response.body["scimType"], scim_type,
            "{body}: {:#}",
            response.body
        );
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn groups_search_uses_the_same_handlers() {
    let app = TestApp::new();
    app.group("Sales", &[]).await;
    app.group("Ops", &[]).await;
    let body = json!({"schemas": [SEARCH], "filter": "displayName eq \"Ops\""});
    let response = app.call(Method::POST, "/Groups/.search", body).await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(response.body["totalResults"], 1);
    assert_eq!(response.body["Resources"][0]["displayName"], "Ops");
}

#[tokio::test]
async fn root_search_spans_users_then_groups() {
    let app = app_with_users(&["ann", "bob"]).await;
    app.group("Sales", &[]).await;
    app.group("Ops", &[]).await;
    let search =
        |start: i64, count: i64| json!({"schemas": [SEARCH], "startIndex": start, "count": count});
    let response = app.call(Method::POST, "/.search", search(2, 2)).await;
    assert_eq!(response.status, StatusCode::OK, "{:#}", response.body);
    assert_eq!(response.body["totalResults"], 4);
    assert_eq!(response.body["startIndex"], 2);
    assert_eq!(response.body["itemsPerPage"], 2);
    assert_eq!(response.body["Resources"][0]["userName"], "bob");
    assert_eq!(response.body["Resources"][1]["displayName"], "Sales");
    let response = app.call(Method::POST, "/.search", search(4, 5)).await;
    assert_eq!(response.body["Resources"].as_array().map(Vec::len), Some(1));
    assert_eq!(response.body["Resources"][0]["displayName"], "Ops");
    assert_eq!(
        response.body["Resources"][0]["meta"]["resourceType"],
        "Group"
    );
    assert_eq!(app.store.count(ResourceKind::Group), 2);
}

#[tokio::test]
async fn root_search_refuses_sort_and_cursor() {
    let app = TestApp::new();
    for body in [
        json!({"schemas": [SEARCH], "sortBy": "userName"}),
        json!({"schemas": [SEARCH], "cursor": ""}),
    ] {
        let response = app.call(Method::POST, "/.search", body).await;
        let detail = response.assert_error(StatusCode::BAD_REQUEST, Some("invalidValue"));
        assert!(detail.contains("root search"), "{detail}");
    }
}
