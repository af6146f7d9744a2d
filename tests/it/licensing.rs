//! Licensing over SCIM: Learning and TeamLink Extend license every active user; deactivation
//! and DELETE revoke; a full pool refuses the request whole with a license error. Helpers here
//! are shared with [`crate::licensing_sales`].

use reqwest::Method;
use rosterd_domain::Product;
use rosterd_test_support::{ScimUser, TenantApps, TestApp};
use serde_json::{Value, json};

/// The license extension's schema URN.
pub const LICENSE: &str = "urn:rosterd:params:scim:schemas:extension:license:2.0:User";

/// One product app of a tenant, spoken to over HTTP.
pub struct App<'a> {
    pub app: &'a TestApp,
    pub base: String,
    pub token: String,
}

impl<'a> App<'a> {
    pub fn new(app: &'a TestApp, tenant: &TenantApps, product: Product) -> Self {
        Self {
            app,
            base: tenant.base(product).to_owned(),
            token: tenant.token(product).to_owned(),
        }
    }

    /// Sends a request; returns the status and the JSON body (`Null` when empty).
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .app
            .http
            .request(method, format!("{}{}", self.base, with_licenses(path)))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let bytes = res.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, body)
    }

    /// Creates a user; returns the status and body.
    pub async fn create_user(&self, email: &str, family: &str, employee: &str) -> (u16, Value) {
        let body = ScimUser::new(email)
            .name("Pat", family)
            .work_email()
            .active(true)
            .employee_number(employee)
            .json();
        self.send(Method::POST, "/Users", Some(body)).await
    }

    /// Creates a user that must succeed; returns its id.
    pub async fn user(&self, email: &str, family: &str, employee: &str) -> String {
        let (status, body) = self.create_user(email, family, employee).await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn patch(&self, path: &str, operations: Value) -> (u16, Value) {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        });
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// The kinds of the user's licenses as the license extension shows them.
    pub async fn kinds(&self, user_id: &str) -> Vec<String> {
        let (status, body) = self
            .send(Method::GET, &format!("/Users/{user_id}"), None)
            .await;
        assert_eq!(status, 200, "{body}");
        kinds_of(&body)
    }
}

/// Asks User reads and writes to return the license extension, which is `returned: request`
/// (with the core attributes these tests look at).
fn with_licenses(path: &str) -> String {
    if !path.starts_with("/Users") || path.contains("attributes=") {
        return path.to_owned();
    }
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}attributes={LICENSE},userName,active,name,emails,groups")
}

/// The license kinds in a User resource's extension (which must be present).
pub fn kinds_of(user: &Value) -> Vec<String> {
    user[LICENSE]["licenses"]
        .as_array()
        .unwrap_or_else(|| panic!("no license extension in {user}"))
        .iter()
        .map(|l| l["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Seats in use in a pool, from `tenant show`.
pub async fn in_use(app: &TestApp, kind: &str) -> i64 {
    let shown = app.cli_ok(&["tenant", "show", "acme"]).await;
    let pools = shown["pools"].as_array().unwrap();
    pools
        .iter()
        .find(|p| p["license_kind"] == kind)
        .unwrap_or_else(|| panic!("no pool {kind} in {shown}"))["in_use"]
        .as_i64()
        .unwrap()
}

/// Asserts `rosterd ledger verify acme` is clean.
pub async fn assert_verified(app: &TestApp) {
    let report = app.cli_ok(&["ledger", "verify", "acme"]).await;
    assert_eq!(report["clean"], true, "{report}");
}

#[tokio::test]
async fn learning_license_follows_the_user_lifecycle() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let learning = App::new(&app, &acme, Product::Learning);

    let (status, created) = learning.create_user("ann@acme.example", "Lee", "1").await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(kinds_of(&created), ["learning"]);
    assert_eq!(created[LICENSE]["licenses"][0]["state"], "assigned");
    assert_eq!(created[LICENSE]["licenses"][0]["source"], "scim:learning");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(in_use(&app, "learning").await, 1);

    // Okta deactivates with a path-less replace.
    let (status, body) = learning
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(kinds_of(&body), Vec::<String>::new());
    assert_eq!(in_use(&app, "learning").await, 0);

    let (status, body) = learning
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {"active": true}}]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(kinds_of(&body), ["learning"]);
    assert_eq!(in_use(&app, "learning").await, 1);

    let (status, _) = learning
        .send(Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(in_use(&app, "learning").await, 0);

    // Lists carry the extension on every User, empty when unlicensed.
    learning.user("bob@acme.example", "Bo", "2").await;
    let (_, list) = learning.send(Method::GET, "/Users", None).await;
    assert_eq!(kinds_of(&list["Resources"][0]), ["learning"]);
    assert_verified(&app).await;
}

#[tokio::test]
async fn a_full_every_user_pool_refuses_the_creation_whole() {
    let app = TestApp::spawn().await;
    let acme = app.tenant_with_seats("acme", &[("learning", 1)]).await;
    let learning = App::new(&app, &acme, Product::Learning);
    learning.user("ann@acme.example", "Lee", "1").await;

    let (status, error) = learning.create_user("bob@acme.example", "Bo", "2").await;
    assert_eq!(status, 403, "{error}");
    assert!(error.get("scimType").is_none(), "{error}");
    let detail = error["detail"].as_str().unwrap();
    for needle in [
        "Learning",
        "`learning`",
        "1 of 1 seats assigned",
        "more licenses are needed",
    ] {
        assert!(detail.contains(needle), "{needle} not in {detail}");
    }
    let (_, found) = learning
        .send(
            Method::GET,
            "/Users?filter=userName%20eq%20%22bob%40acme.example%22",
            None,
        )
        .await;
    assert_eq!(found["totalResults"], 0, "{found}");

    let log = app.cli_ok(&["ledger", "log", "acme"]).await;
    let refused: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "refused")
        .collect();
    assert_eq!(refused.len(), 1, "{log}");
    assert!(
        refused[0]["reason"]
            .as_str()
            .unwrap()
            .contains("bob@acme.example")
    );

    // Reactivating into a full pool is refused too, and leaves the user inactive.
    app.cli_ok(&["tenant", "seats", "acme", "learning=2"]).await;
    let bob = learning.user("bob@acme.example", "Bo", "2").await;
    let (status, _) = learning
        .patch(
            &format!("/Users/{bob}"),
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .await;
    assert_eq!(status, 200);
    learning.user("cy@acme.example", "Cy", "3").await;
    let (status, error) = learning
        .patch(
            &format!("/Users/{bob}"),
            json!([{"op": "replace", "value": {"active": true}}]),
        )
        .await;
    assert_eq!(status, 403, "{error}");
    let (_, bob_now) = learning
        .send(Method::GET, &format!("/Users/{bob}"), None)
        .await;
    assert_eq!(bob_now["active"], false);
    assert_verified(&app).await;
}

#[tokio::test]
async fn teamlink_extend_is_licensed_independently_of_sales_navigator() {
    let app = TestApp::spawn().await;
    let acme = app
        .tenant_with_seats("acme", &[("sales-navigator-core", 0)])
        .await;
    let tle = App::new(&app, &acme, Product::TeamlinkExtend);
    let sales = App::new(&app, &acme, Product::SalesNavigator);

    let id = tle.user("ann@acme.example", "Lee", "1").await;
    assert_eq!(tle.kinds(&id).await, ["teamlink-extend"]);
    // Sales Navigator's pool is empty: its app refuses, TeamLink Extend is untouched.
    let (status, _) = sales.create_user("ann@acme.example", "Lee", "1").await;
    assert_eq!(status, 403);
    assert_eq!(tle.kinds(&id).await, ["teamlink-extend"]);
    assert_eq!(in_use(&app, "teamlink-extend").await, 1);
    assert_verified(&app).await;
}
