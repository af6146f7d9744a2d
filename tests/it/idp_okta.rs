//! Okta's provisioning sequence, as its SCIM 2.0 documentation describes it: lookup by filter,
//! create, read, PUT of the whole object it read, deactivate with a path-less PATCH, and Group
//! Push.

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::json;

use crate::scim_client::{Scim, expect, patch_op};

#[tokio::test]
async fn okta_user_lifecycle() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);

    let lookup = scim
        .get("/Users?filter=userName%20eq%20%22ann%40acme.example%22&startIndex=1&count=100")
        .await;
    expect(&lookup, 200);
    assert_eq!(lookup.body["totalResults"], 0);
    assert_eq!(lookup.body["Resources"], json!([]));

    let created = scim
        .post(
            "/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ann@acme.example",
                "name": {"givenName": "Ann", "familyName": "Lee"},
                "emails": [{"primary": true, "value": "ann@acme.example", "type": "work"}],
                "displayName": "Ann Lee",
                "locale": "en-US",
                "externalId": "00u1abcd",
                "groups": [],
                "password": "okta-generated-1!",
                "active": true
            }),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.headers["location"],
        format!("{}/Users/{id}", scim.base)
    );
    assert_eq!(
        created.headers["etag"].to_str().unwrap(),
        created.body["meta"]["version"]
    );
    assert!(
        created.body.get("password").is_none(),
        "password is never returned"
    );
    assert_eq!(created.body["name"]["familyName"], "Lee");

    let found = scim
        .get("/Users?filter=userName%20eq%20%22ANN%40acme.example%22")
        .await;
    expect(&found, 200);
    assert_eq!(
        found.body["totalResults"], 1,
        "userName matches case-insensitively"
    );

    // Okta PUTs back the whole object it read, read-only attributes included.
    let mut whole = scim.get(&format!("/Users/{id}")).await.body;
    whole["title"] = json!("Account Executive");
    whole["groups"] = json!([]);
    let replaced = scim.put(&format!("/Users/{id}"), whole).await;
    expect(&replaced, 200);
    assert_eq!(replaced.body["title"], "Account Executive");
    assert_eq!(replaced.body["id"], id.as_str());
    assert_ne!(
        replaced.body["meta"]["version"],
        created.body["meta"]["version"]
    );

    let deactivated = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    expect(&deactivated, 200);
    assert_eq!(deactivated.body["active"], false);
    assert_eq!(
        deactivated.body["title"], "Account Executive",
        "nothing else changed"
    );

    let duplicate = scim
        .post("/Users", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Ann@Acme.example"}))
        .await;
    expect(&duplicate, 409);
    assert_eq!(duplicate.body["scimType"], "uniqueness");
}

#[tokio::test]
async fn okta_group_push() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::SalesNavigator);
    let mut users = Vec::new();
    for name in ["ann", "bob", "cy"] {
        let r = scim
            .post("/Users", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("{name}@acme.example")}))
            .await;
        expect(&r, 201);
        users.push(r.body["id"].as_str().unwrap().to_owned());
    }

    let lookup = scim
        .get("/Groups?filter=displayName%20eq%20%22Sales%20EMEA%22")
        .await;
    expect(&lookup, 200);
    assert_eq!(lookup.body["totalResults"], 0);

    let group = scim
        .post("/Groups", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales EMEA", "members": []}))
        .await;
    expect(&group, 201);
    let gid = group.body["id"].as_str().unwrap().to_owned();

    let renamed = scim
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(
                json!([{"op": "replace", "value": {"id": gid, "displayName": "Sales EMEA North"}}]),
            ),
        )
        .await;
    // A Group PATCH answers 204 No Content (Okta reads nothing back from it).
    expect(&renamed, 204);
    assert_eq!(
        scim.get(&format!("/Groups/{gid}")).await.body["displayName"],
        "Sales EMEA North"
    );

    let add = scim
        .patch(&format!("/Groups/{gid}"), patch_op(json!([
            {"op": "add", "path": "members", "value": [{"value": users[0]}, {"value": users[1]}, {"value": users[2]}]}
        ])))
        .await;
    expect(&add, 204);
    let both = scim
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([
                {"op": "add", "path": "members", "value": [{"value": users[0]}]},
                {"op": "remove", "path": format!("members[value eq \"{}\"]", users[1])}
            ])),
        )
        .await;
    expect(&both, 204);
    let read = scim.get(&format!("/Groups/{gid}")).await;
    let mut members: Vec<&str> = read.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let mut expected = vec![users[0].as_str(), users[2].as_str()];
    expected.sort_unstable();
    assert_eq!(members, expected);

    let user = scim.get(&format!("/Users/{}", users[0])).await;
    assert_eq!(
        user.body["groups"][0]["value"],
        gid.as_str(),
        "a user's groups are computed"
    );

    let unknown = scim
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(
                json!([{"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}]),
            ),
        )
        .await;
    expect(&unknown, 400);
    assert_eq!(unknown.body["scimType"], "invalidValue");

    expect(&scim.delete(&format!("/Groups/{gid}")).await, 204);
    expect(&scim.get(&format!("/Groups/{gid}")).await, 404);
}
