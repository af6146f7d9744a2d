//! Group membership over HTTP as IdPs drive it: a Group PATCH answers 204 No Content unless the
//! request asks for a projection, and a Group read streams its members in pages; both must
//! leave and show exactly the members the IdP sent.

use std::collections::BTreeSet;
use std::time::Duration;

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::scim_client::{Scim, expect, patch_op};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Creates `n` inactive users (no seat needed) in Bulk requests of 1,000; returns their ids.
async fn users(scim: &Scim<'_>, tag: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let all: Vec<usize> = (0..n).collect();
    for chunk in all.chunks(1_000) {
        let operations: Vec<Value> = chunk
            .iter()
            .map(|i| {
                json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                       "data": {"schemas": [USER], "userName": format!("{tag}{i}@acme.example"),
                                "active": false}})
            })
            .collect();
        let reply = scim
            .post(
                "/Bulk",
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                       "Operations": operations}),
            )
            .await;
        expect(&reply, 200);
        for op in reply.body["Operations"].as_array().unwrap() {
            assert_eq!(op["status"], "201", "{op}");
            let location = op["location"].as_str().unwrap();
            ids.push(location.rsplit('/').next().unwrap().to_owned());
        }
    }
    ids
}

async fn group(scim: &Scim<'_>, name: &str) -> String {
    let created = scim
        .post("/Groups", json!({"schemas": [GROUP], "displayName": name}))
        .await;
    expect(&created, 201);
    created.body["id"].as_str().unwrap().to_owned()
}

fn values(members: &[Value]) -> Vec<String> {
    members
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted(ids: &[String]) -> Vec<String> {
    ids.iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_group_patch_answers_204_and_the_members_are_exactly_those_sent() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let ids = users(&scim, "p", 5).await;
    let gid = group(&scim, "Learners").await;

    // As Entra sends it: no query parameters, one member per request.
    for id in &ids[..4] {
        let added = scim
            .patch(
                &format!("/Groups/{gid}"),
                patch_op(json!([{"op": "Add", "path": "members", "value": [{"value": id}]}])),
            )
            .await;
        expect(&added, 204);
        assert_eq!(added.body, Value::Null, "a 204 has no body");
        assert!(added.headers.contains_key("etag"), "the new version");
    }
    let removed = scim
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "Remove", "path": "members", "value": [{"value": ids[1]}]}])),
        )
        .await;
    expect(&removed, 204);
    let read = scim.get(&format!("/Groups/{gid}")).await;
    expect(&read, 200);
    assert_eq!(read.headers["etag"], removed.headers["etag"]);
    let want = sorted(&[ids[0].clone(), ids[2].clone(), ids[3].clone()]);
    assert_eq!(values(read.body["members"].as_array().unwrap()), want);

    // Asking for a projection gets it, with 200.
    let projected = scim
        .patch(
            &format!("/Groups/{gid}?attributes=members"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": ids[4]}]}])),
        )
        .await;
    expect(&projected, 200);
    let mut want = want;
    want.push(ids[4].clone());
    let want = sorted(&want);
    assert_eq!(
        sorted(&values(projected.body["members"].as_array().unwrap())),
        want
    );
    assert!(
        projected.body.get("displayName").is_none(),
        "{}",
        projected.body
    );
    let renamed = scim
        .patch(
            &format!("/Groups/{gid}?excludedAttributes=members"),
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "All learners"}])),
        )
        .await;
    expect(&renamed, 200);
    assert_eq!(renamed.body["displayName"], "All learners");
    assert!(renamed.body.get("members").is_none(), "{}", renamed.body);

    // A refused PATCH is still a SCIM error, not a 204.
    let unknown = scim
        .patch(
            &format!("/Groups/{gid}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": "nobody"}]}])),
        )
        .await;
    expect(&unknown, 400);
    assert_eq!(unknown.body["scimType"], "invalidValue");
    // A User PATCH still answers 200 with the resource.
    let user = scim
        .patch(
            &format!("/Users/{}", ids[0]),
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "P Zero"}])),
        )
        .await;
    expect(&user, 200);
    assert_eq!(user.body["displayName"], "P Zero");
}

#[tokio::test]
async fn streamed_group_reads_return_exactly_the_members() {
    let app = TestApp::spawn_with(|config| {
        config.http.request_timeout = Duration::from_secs(600);
    })
    .await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    // More than two pages of the store's 1,000, and not a multiple of a page.
    let ids = users(&scim, "s", 2_345).await;
    let big = group(&scim, "Big").await;
    let small = group(&scim, "Small").await;
    let empty = group(&scim, "Empty").await;
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    expect(
        &scim
            .patch(
                &format!("/Groups/{big}"),
                patch_op(json!([{"op": "add", "path": "members", "value": members}])),
            )
            .await,
        204,
    );
    expect(
        &scim
            .patch(
                &format!("/Groups/{small}"),
                patch_op(json!([{"op": "add", "path": "members", "value": [{"value": ids[7]}]}])),
            )
            .await,
        204,
    );

    let read = scim.get(&format!("/Groups/{big}")).await;
    expect(&read, 200);
    let got = values(read.body["members"].as_array().unwrap());
    assert_eq!(got.len(), ids.len(), "every member, once");
    assert_eq!(got, sorted(&ids), "in member-id order, exactly the members");
    assert_eq!(read.body["displayName"], "Big");
    assert_eq!(read.body["meta"]["resourceType"], "Group");
    let first = &read.body["members"][0];
    assert_eq!(first["type"], "User");
    assert!(
        first["$ref"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/Users/{}", got[0]))
    );
    // A projection of the members' sub-attributes applies to every page.
    let only_values = scim
        .get(&format!("/Groups/{big}?attributes=members.value"))
        .await;
    expect(&only_values, 200);
    let listed = only_values.body["members"].as_array().unwrap();
    assert_eq!(listed.len(), ids.len());
    assert!(listed.iter().all(|m| m.as_object().unwrap().len() == 1));
    assert!(only_values.body.get("displayName").is_none());
    // An empty group has no members attribute, as before.
    let none = scim.get(&format!("/Groups/{empty}")).await;
    expect(&none, 200);
    assert!(none.body.get("members").is_none(), "{}", none.body);
    // The ETag answers 304 before any member is read.
    let etag = read.headers["etag"].to_str().unwrap().to_owned();
    let cached = app
        .http
        .get(format!("{}/Groups/{big}", scim.base))
        .bearer_auth(&scim.token)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);

    // A list streams each group's members after it.
    let list = scim.get("/Groups?sortBy=displayName").await;
    expect(&list, 200);
    assert_eq!(list.body["totalResults"], 3);
    assert_eq!(list.body["itemsPerPage"], 3);
    let resources = list.body["Resources"].as_array().unwrap();
    let by_name = |name: &str| {
        resources
            .iter()
            .find(|g| g["displayName"] == name)
            .unwrap_or_else(|| panic!("{name} listed"))
    };
    assert_eq!(
        values(by_name("Big")["members"].as_array().unwrap()),
        sorted(&ids)
    );
    assert_eq!(
        values(by_name("Small")["members"].as_array().unwrap()),
        vec![ids[7].clone()]
    );
    assert!(by_name("Empty").get("members").is_none());
    let page = scim
        .get("/Groups?startIndex=2&count=1&sortBy=displayName")
        .await;
    expect(&page, 200);
    assert_eq!(page.body["itemsPerPage"], 1);
    assert_eq!(page.body["startIndex"], 2);
    assert_eq!(page.body["Resources"][0]["displayName"], "Empty");
    let without = scim.get("/Groups?excludedAttributes=members").await;
    expect(&without, 200);
    assert!(
        without.body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g.get("members").is_none())
    );
}
