//! Hostile and heavy SCIM input over real HTTP: large multi-valued attributes are stored (in
//! chunks), work caps answer 400 `invalidValue` naming the cap, NUL bytes are refused on both
//! databases, and nothing becomes a 500.

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::scim_client::{Scim, expect, patch_op};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn emails(range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .map(|i| json!({"value": format!("user{i:05}@acme.example"), "type": "work"}))
        .collect()
}

#[tokio::test]
async fn ten_thousand_emails_are_stored_and_found() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let created = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "many@acme.example", "emails": emails(0..10_000)}),
        )
        .await;
    expect(&created, 201);
    assert_eq!(created.body["emails"].as_array().unwrap().len(), 10_000);
    let id = created.body["id"].as_str().unwrap();
    // Every e-mail row was written: the last one finds the user.
    let found = scim
        .get("/Users?filter=emails.value%20eq%20%22user09999@acme.example%22")
        .await;
    expect(&found, 200);
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
    assert_eq!(found.body["Resources"][0]["id"], id);
    // A PUT rewrites them all, a PATCH adds to them.
    let replaced = scim
        .put(
            &format!("/Users/{id}"),
            json!({"schemas": [USER], "userName": "many@acme.example", "emails": emails(5_000..15_000)}),
        )
        .await;
    expect(&replaced, 200);
    let patched = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "add", "path": "emails", "value": emails(0..5_000)}])),
        )
        .await;
    expect(&patched, 200);
    assert_eq!(patched.body["emails"].as_array().unwrap().len(), 15_000);
    let found = scim
        .get("/Users?filter=emails.value%20eq%20%22user14999@acme.example%22")
        .await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
}
