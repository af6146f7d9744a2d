//! Filters as IdPs send them, over HTTP: Entra ID's `emails[type eq "work"].value eq` match, the
//! cap on a filter's terms, and a NUL in a filter literal (a 400, never a 500, on both databases).

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::scim_client::{Reply, Scim, expect};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The documented cap on a filter's terms (docs/scim.md).
const MAX_TERMS: usize = 50;

/// `GET /Users?filter=...` with the filter percent-encoded as Entra sends it.
async fn users_where(scim: &Scim<'_>, filter: &str) -> Reply {
    let encoded: String = url_encode(filter);
    scim.get(&format!("/Users?filter={encoded}")).await
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn user_names(reply: &Reply) -> Vec<String> {
    let mut names: Vec<String> = reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn create(scim: &Scim<'_>, user_name: &str, emails: Value) {
    let created = scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": user_name, "emails": emails}),
        )
        .await;
    expect(&created, 201);
}

#[tokio::test]
async fn entra_work_email_match_finds_exactly_the_user() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    // Ann's work address is Bob's home address: only the value filter tells them apart.
    create(
        &scim,
        "ann",
        json!([{"type": "work", "value": "shared@acme.example", "primary": true},
               {"type": "home", "value": "ann@home.example"}]),
    )
    .await;
    create(
        &scim,
        "bob",
        json!([{"type": "work", "value": "bob@acme.example"},
               {"type": "home", "value": "Shared@Acme.example"}]),
    )
    .await;
    create(&scim, "carol", json!([])).await;

    let work = users_where(
        &scim,
        r#"emails[type eq "work"].value eq "shared@acme.example""#,
    )
    .await;
    expect(&work, 200);
    assert_eq!(work.body["totalResults"], 1, "{}", work.body);
    assert_eq!(user_names(&work), ["ann"]);

    // The address is case-insensitive (emails.value is not caseExact); the type is matched too.
    let upper = users_where(
        &scim,
        r#"emails[type eq "work"].value eq "SHARED@ACME.EXAMPLE""#,
    )
    .await;
    assert_eq!(user_names(&upper), ["ann"]);
    let home = users_where(
        &scim,
        r#"emails[type eq "home"].value eq "shared@acme.example""#,
    )
    .await;
    assert_eq!(user_names(&home), ["bob"]);
    let any = users_where(&scim, r#"emails.value eq "shared@acme.example""#).await;
    assert_eq!(user_names(&any), ["ann", "bob"]);
    let nobody = users_where(
        &scim,
        r#"emails[type eq "work"].value eq "ann@home.example""#,
    )
    .await;
    expect(&nobody, 200);
    assert_eq!(nobody.body["totalResults"], 0);

    // The same form for other multi-valued attributes, and in a .search body.
    let search = scim
        .post(
            "/Users/.search",
            json!({"schemas": [SEARCH], "filter": r#"emails[type eq "home"].value co "@home.""#}),
        )
        .await;
    expect(&search, 200);
    assert_eq!(user_names(&search), ["ann"]);
    let phones = users_where(&scim, r#"phoneNumbers[type eq "mobile"].value eq "+1 555""#).await;
    expect(&phones, 200);
    assert_eq!(phones.body["totalResults"], 0);

    // A sub-attribute the value's type lacks is named in the error.
    let unknown = users_where(&scim, r#"emails[type eq "work"].nope eq "x""#).await;
    expect(&unknown, 400);
    assert_eq!(unknown.body["scimType"], "invalidFilter");
    assert!(
        unknown.body["detail"]
            .as_str()
            .unwrap()
            .contains("emails.nope"),
        "{}",
        unknown.body
    );
}

#[tokio::test]
async fn a_filter_with_more_terms_than_the_cap_is_400_naming_the_cap() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    create(&scim, "ann", json!([{"value": "ann@acme.example"}])).await;

    let terms = |n: usize| vec![r#"emails[value co "ann@"]"#; n].join(" or ");
    let at_cap = users_where(&scim, &terms(MAX_TERMS)).await;
    expect(&at_cap, 200);
    assert_eq!(user_names(&at_cap), ["ann"]);

    let over = users_where(&scim, &terms(MAX_TERMS + 1)).await;
    expect(&over, 400);
    assert_eq!(over.body["scimType"], "invalidFilter");
    let detail = over.body["detail"].as_str().unwrap();
    assert!(detail.contains("the limit is 50"), "{detail}");
}

#[tokio::test]
async fn a_nul_in_a_filter_literal_is_400_invalid_filter() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    create(&scim, "ann", json!([])).await;

    for (name, reply) in [
        (
            "a raw NUL in the query string",
            scim.get("/Users?filter=userName%20eq%20%22a%00b%22").await,
        ),
        (
            "an escaped NUL in the query string",
            users_where(&scim, r#"userName eq "a\u0000b""#).await,
        ),
        (
            "a NUL in a value filter",
            users_where(&scim, "emails[type eq \"work\"].value eq \"\0\"").await,
        ),
        (
            "a NUL in a .search body",
            scim.post(
                "/Groups/.search",
                json!({"schemas": [SEARCH], "filter": "displayName eq \"x\u{0}\""}),
            )
            .await,
        ),
    ] {
        assert_eq!(reply.status.as_u16(), 400, "{name}: {}", reply.body);
        assert_eq!(reply.body["scimType"], "invalidFilter", "{name}");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains("NUL character"), "{name}: {detail}");
    }
}
