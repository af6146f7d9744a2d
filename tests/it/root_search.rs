//! `POST /.search` at an app's root (RFC 7644 section 3.4.3), over HTTP: the filter is read per
//! resource type, so an attribute only Users have finds Users and matches no Group (not a 400),
//! at `/scim/{tenant}/{product}/v2/.search` and at `/scim/v2/.search` alike.

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::scim_client::{Reply, Scim, expect};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

async fn root_search(scim: &Scim<'_>, filter: &str) -> Reply {
    scim.post("/.search", json!({"schemas": [SEARCH], "filter": filter}))
        .await
}

/// `(resourceType, userName or displayName)` of every resource found, in response order.
fn found(reply: &Reply) -> Vec<(String, String)> {
    reply.body["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", reply.body))
        .iter()
        .map(|r| {
            let kind = r["meta"]["resourceType"].as_str().unwrap().to_owned();
            let name = match kind.as_str() {
                "User" => &r["userName"],
                _ => &r["displayName"],
            };
            (kind, name.as_str().unwrap().to_owned())
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, n)| ((*k).to_owned(), (*n).to_owned()))
        .collect()
}

async fn created(reply: Reply) -> String {
    expect(&reply, 201);
    reply.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn root_search_reads_the_filter_per_resource_type() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::SalesNavigator);
    let ann = created(
        scim.post(
            "/Users",
            json!({"schemas": [USER], "userName": "ann@acme.example", "displayName": "Sales",
                   "emails": [{"type": "work", "value": "ann@acme.example"}]}),
        )
        .await,
    )
    .await;
    created(
        scim.post(
            "/Users",
            json!({"schemas": [USER], "userName": "bob@acme.example"}),
        )
        .await,
    )
    .await;
    created(
        scim.post(
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "Sales", "members": [{"value": ann}]}),
        )
        .await,
    )
    .await;
    created(
        scim.post("/Groups", json!({"schemas": [GROUP], "displayName": "Ops"}))
            .await,
    )
    .await;

    let ann_member = format!(r#"members[value eq "{ann}"]"#);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        // The issue's example: userName exists on Users only.
        (
            r#"userName eq "ann@acme.example""#,
            vec![("User", "ann@acme.example")],
        ),
        (
            r#"emails[type eq "work"].value eq "ann@acme.example""#,
            vec![("User", "ann@acme.example")],
        ),
        (&ann_member, vec![("Group", "Sales")]),
        // displayName exists on both.
        (
            r#"displayName eq "sales""#,
            vec![("User", "ann@acme.example"), ("Group", "Sales")],
        ),
        (
            r#"userName eq "bob@acme.example" or displayName eq "Ops""#,
            vec![("User", "bob@acme.example"), ("Group", "Ops")],
        ),
        (
            r#"userName eq "bob@acme.example" and displayName eq "Ops""#,
            vec![],
        ),
        // Unassigned on Groups: `not` of a false term is true there, `eq null` holds.
        (
            r#"not (userName pr)"#,
            vec![("Group", "Sales"), ("Group", "Ops")],
        ),
        (
            r#"userName eq null and displayName sw "O""#,
            vec![("Group", "Ops")],
        ),
        (
            r#"meta.resourceType eq "Group" and displayName eq "Sales""#,
            vec![("Group", "Sales")],
        ),
    ];
    for (filter, expected) in cases {
        let reply = root_search(&scim, filter).await;
        expect(&reply, 200);
        let mut got = found(&reply);
        let mut want = pairs(&expected);
        got.sort();
        want.sort();
        assert_eq!(got, want, "{filter}");
        assert_eq!(reply.body["totalResults"], want.len(), "{filter}");
    }

    // Users come before Groups, and paging runs across both.
    let page = scim
        .post(
            "/.search",
            json!({"schemas": [SEARCH], "filter": r#"displayName eq "Sales""#, "startIndex": 2, "count": 1}),
        )
        .await;
    expect(&page, 200);
    assert_eq!(page.body["totalResults"], 2);
    assert_eq!(found(&page), pairs(&[("Group", "Sales")]));

    // An attribute neither type has is still an error naming it.
    let unknown = root_search(&scim, r#"favouriteColour eq "blue""#).await;
    expect(&unknown, 400);
    assert_eq!(unknown.body["scimType"], "invalidFilter");
    assert!(
        unknown.body["detail"]
            .as_str()
            .unwrap()
            .contains("favouriteColour"),
        "{}",
        unknown.body
    );

    // The same on the shared base URL, where the token picks the app.
    let shared = Scim {
        app: &app,
        base: format!("{}/scim/v2", app.base_url),
        token: acme.token(Product::SalesNavigator).to_owned(),
    };
    let reply = root_search(&shared, r#"userName eq "ann@acme.example""#).await;
    expect(&reply, 200);
    assert_eq!(found(&reply), pairs(&[("User", "ann@acme.example")]));
    let body: &Value = &reply.body;
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
}
