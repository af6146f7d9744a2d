//! OneLogin's habits: legacy schema URNs and `+`-encoded spaces in filters.

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::json;

use crate::scim_client::{Scim, expect};

#[tokio::test]
async fn onelogin_legacy_urns_and_plus_encoded_filters() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::TeamlinkExtend);
    let created = scim
        .post("/Users", json!({
            "schemas": ["urn:scim:schemas:core:2.0", "urn:scim:schemas:extension:enterprise:2.0"],
            "userName": "eve@acme.example",
            "name": {"givenName": "Eve", "familyName": "Ng"},
            "urn:scim:schemas:extension:enterprise:2.0": {"department": "Partnerships"}
        }))
        .await;
    expect(&created, 201);
    assert_eq!(
        created.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Partnerships",
        "legacy URNs land under the standard ones"
    );
    let found = scim
        .get("/Users?filter=userName+eq+%22eve%40acme.example%22")
        .await;
    expect(&found, 200);
    assert_eq!(found.body["totalResults"], 1);
}
