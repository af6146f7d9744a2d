//! Microsoft Entra ID's provisioning sequence and PATCH dialect, as its SCIM validator sends
//! them: the connection test lookup, creation with the enterprise extension, capitalised ops,
//! string booleans, `manager` as a plain id, and member removal with a value array.

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::json;

use crate::scim_client::{Scim, expect, patch_op};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[tokio::test]
async fn entra_user_sequence() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::SalesNavigator);

    // The connection test asks for an id that does not exist and expects an empty list.
    let probe = scim
        .get("/Users?filter=userName%20eq%20%226d3b0d2e-5f4b-4a8e-9c3a-1f2e3d4c5b6a%22")
        .await;
    expect(&probe, 200);
    assert_eq!(probe.body["totalResults"], 0);

    let boss = scim
        .post("/Users", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "boss@acme.example", "externalId": "boss"}))
        .await;
    expect(&boss, 201);
    let boss_id = boss.body["id"].as_str().unwrap().to_owned();

    let created = scim
        .post(
            "/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
                "externalId": "dana",
                "userName": "dana@acme.example",
                "active": true,
                "displayName": "Dana Ruiz",
                "name": {"givenName": "Dana", "familyName": "Ruiz"},
                "title": "SDR",
                "emails": [{"primary": true, "type": "work", "value": "dana@acme.example"}],
                ENTERPRISE: {"employeeNumber": "1042", "department": "Sales"}
            }),
        )
        .await;
    expect(&created, 201);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body[ENTERPRISE]["department"], "Sales");
    assert_eq!(created.body[ENTERPRISE]["employeeNumber"], "1042");

    let by_external = scim.get("/Users?filter=externalId%20eq%20%22dana%22").await;
    assert_eq!(by_external.body["totalResults"], 1);

    let patched = scim
        .patch(&format!("/Users/{id}"), patch_op(json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "dana.ruiz@acme.example"},
            {"op": "Replace", "path": "name.givenName", "value": "Dani"},
            {"op": "Replace", "path": "title", "value": "AE"},
            {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "1043"},
            {"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": boss_id},
            {"op": "Replace", "value": {"displayName": "Dani Ruiz", format!("{ENTERPRISE}:department"): "Sales EMEA"}}
        ])))
        .await;
    expect(&patched, 200);
    let body = &patched.body;
    assert_eq!(body["active"], false);
    assert_eq!(body["emails"][0]["value"], "dana.ruiz@acme.example");
    assert_eq!(body["name"]["givenName"], "Dani");
    assert_eq!(body["name"]["familyName"], "Ruiz");
    assert_eq!(body["title"], "AE");
    assert_eq!(body["displayName"], "Dani Ruiz");
    assert_eq!(body[ENTERPRISE]["employeeNumber"], "1043");
    assert_eq!(body[ENTERPRISE]["department"], "Sales EMEA");
    assert_eq!(body[ENTERPRISE]["manager"]["value"], boss_id.as_str());

    let cleared = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(
                json!([{"op": "Replace", "path": format!("{ENTERPRISE}:manager"), "value": ""}]),
            ),
        )
        .await;
    expect(&cleared, 200);
    assert!(
        cleared.body[ENTERPRISE].get("manager").is_none(),
        "{}",
        cleared.body
    );

    let by_department = scim
        .get(&format!(
            "/Users?filter={ENTERPRISE}:department%20eq%20%22sales%20emea%22"
        ))
        .await;
    expect(&by_department, 200);
    assert_eq!(by_department.body["totalResults"], 1);

    expect(&scim.delete(&format!("/Users/{id}")).await, 204);
    expect(&scim.get(&format!("/Users/{id}")).await, 404);
}

#[tokio::test]
async fn entra_group_sequence() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let mut users = Vec::new();
    for n in 0..3 {
        let r = scim
            .post("/Users", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("u{n}@acme.example")}))
            .await;
        users.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let group = scim
        .post("/Groups", json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "grp-1",
            "displayName": "Learners"
        }))
        .await;
    expect(&group, 201);
    let gid = group.body["id"].as_str().unwrap().to_owned();
    let members: Vec<_> = users.iter().map(|u| json!({"value": u})).collect();
    expect(
        &scim
            .patch(
                &format!("/Groups/{gid}"),
                patch_op(json!([{"op": "Add", "path": "members", "value": members}])),
            )
            .await,
        204,
    );

    // Entra removes members with a value array; only those leave.
    let removed = scim
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "Remove", "path": "members", "value": [{"value": users[1]}]}])),
        )
        .await;
    expect(&removed, 204);
    let listed = scim
        .get("/Groups?filter=displayName%20eq%20%22Learners%22&excludedAttributes=members")
        .await;
    expect(&listed, 200);
    assert_eq!(listed.body["totalResults"], 1);
    assert!(listed.body["Resources"][0].get("members").is_none());
    let read = scim.get(&format!("/Groups/{gid}")).await;
    assert_eq!(read.body["members"].as_array().unwrap().len(), 2);
}
