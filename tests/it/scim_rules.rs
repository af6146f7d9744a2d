//! SCIM behaviour every IdP relies on: per-app namespaces, tenant isolation, errors and limits.

use rosterd_domain::Product;
use rosterd_test_support::{ScimUser, TestApp};
use serde_json::json;

use crate::scim_client::{Scim, expect};

fn user(name: &str) -> serde_json::Value {
    ScimUser::new(name).json()
}

#[tokio::test]
async fn each_app_has_its_own_namespace_and_tenants_never_meet() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let learning = Scim::new(&app, &acme, Product::Learning);
    let sales = Scim::new(&app, &acme, Product::SalesNavigator);
    let a = learning.post("/Users", user("ann@acme.example")).await;
    let b = sales.post("/Users", user("Ann@Acme.example")).await;
    expect(&a, 201);
    expect(&b, 201);
    assert_ne!(a.body["id"], b.body["id"]);
    // Another app's id is not found here, nor is another tenant's.
    expect(
        &learning
            .get(&format!("/Users/{}", b.body["id"].as_str().unwrap()))
            .await,
        404,
    );
    let foreign = Scim::new(&app, &globex, Product::Learning);
    let miss = foreign
        .get(&format!("/Users/{}", a.body["id"].as_str().unwrap()))
        .await;
    expect(&miss, 404);
    assert_eq!(miss.body["status"], "404");
    let listed = foreign.get("/Users").await;
    assert_eq!(listed.body["totalResults"], 0);
}

#[tokio::test]
async fn errors_have_scim_bodies_and_the_right_status() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);

    let bad_filter = scim.get("/Users?filter=userName%20zz%20%22x%22").await;
    expect(&bad_filter, 400);
    assert_eq!(bad_filter.body["scimType"], "invalidFilter");

    let no_user_name = scim
        .post(
            "/Users",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
        )
        .await;
    expect(&no_user_name, 400);
    assert_eq!(no_user_name.body["scimType"], "invalidValue");

    let res = app
        .http
        .post(format!("{}/Users", scim.base))
        .bearer_auth(&scim.token)
        .header("content-type", "application/scim+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["scimType"], "invalidSyntax");

    let res = app
        .http
        .post(format!("{}/Users", scim.base))
        .bearer_auth(&scim.token)
        .header("content-type", "text/xml")
        .body("<user/>")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);

    let huge = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "big@acme.example",
                      "title": "x".repeat(2 * 1024 * 1024)});
    let too_big = scim.post("/Users", huge).await;
    expect(&too_big, 413);
    assert_eq!(
        too_big.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    expect(&scim.get("/Me").await, 501);
    expect(
        &scim
            .get("/Users/00000000-0000-0000-0000-000000000000")
            .await,
        404,
    );
}

#[tokio::test]
async fn etags_make_writes_conditional() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let created = scim.post("/Users", user("etag@acme.example")).await;
    let id = created.body["id"].as_str().unwrap();
    let etag = created.headers["etag"].to_str().unwrap().to_owned();

    let res = app
        .http
        .get(format!("{}/Users/{id}", scim.base))
        .bearer_auth(&scim.token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    let stale = app
        .http
        .put(format!("{}/Users/{id}", scim.base))
        .bearer_auth(&scim.token)
        .header("if-match", "W/\"999\"")
        .header("content-type", "application/scim+json")
        .body(user("etag@acme.example").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
}

#[tokio::test]
async fn paging_never_overlaps_or_skips() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    for n in 0..7 {
        expect(
            &scim
                .post("/Users", user(&format!("p{n}@acme.example")))
                .await,
            201,
        );
    }
    let only_count = scim.get("/Users?count=0").await;
    assert_eq!(only_count.body["totalResults"], 7);
    assert_eq!(
        only_count.body["Resources"].as_array().map_or(0, Vec::len),
        0
    );

    let mut seen = Vec::new();
    for start in [1, 4, 7] {
        let page = scim
            .get(&format!(
                "/Users?sortBy=userName&startIndex={start}&count=3"
            ))
            .await;
        expect(&page, 200);
        assert_eq!(page.body["startIndex"], start);
        for r in page.body["Resources"].as_array().unwrap() {
            seen.push(r["userName"].as_str().unwrap().to_owned());
        }
    }
    let expected: Vec<String> = (0..7).map(|n| format!("p{n}@acme.example")).collect();
    assert_eq!(seen, expected);

    let mut cursor_seen = Vec::new();
    let mut url = "/Users?cursor=&count=3".to_owned();
    loop {
        let page = scim.get(&url).await;
        expect(&page, 200);
        for r in page.body["Resources"].as_array().unwrap() {
            cursor_seen.push(r["id"].as_str().unwrap().to_owned());
        }
        match page.body["nextCursor"].as_str() {
            Some(next) => url = format!("/Users?cursor={next}&count=3"),
            None => break,
        }
    }
    cursor_seen.dedup();
    assert_eq!(cursor_seen.len(), 7);
}

#[tokio::test]
async fn bulk_resolves_bulk_ids() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let reply = scim
        .post("/Bulk", json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user("bulk@acme.example")},
                {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Bulk",
                    "members": [{"value": "bulkId:u1"}]}}
            ]
        }))
        .await;
    expect(&reply, 200);
    let ops = reply.body["Operations"].as_array().unwrap();
    assert!(ops.iter().all(|o| o["status"] == "201"), "{}", reply.body);
    let groups = scim
        .get("/Groups?filter=displayName%20eq%20%22Bulk%22")
        .await;
    assert_eq!(
        groups.body["Resources"][0]["members"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
