//! Set-up shared by the flows: a tenant made with the operator CLI (SCIM off, no tokens, as a
//! new customer starts), admin accounts, signing in through the real form, SCIM requests.

use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::webdriver::Browser;

/// An admin account made with `rosterd admin create`.
pub struct Admin {
    pub email: String,
    pub password: String,
}

/// Creates tenant `slug` ("Acme Corp" for `acme`) with `seats` in every pool. SCIM stays off.
pub async fn tenant(app: &TestApp, slug: &str, seats: u32) {
    let mut args = vec![
        "tenant".to_owned(),
        "create".to_owned(),
        slug.to_owned(),
        "--name".to_owned(),
        org_name(slug),
    ];
    for pool in [
        "learning",
        "sales-navigator-core",
        "sales-navigator-advanced",
        "sales-navigator-advanced-plus",
        "teamlink-extend",
    ] {
        args.push("--seats".to_owned());
        args.push(format!("{pool}={seats}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    app.cli_ok(&args).await;
}

/// The organisation name [`tenant`] gives `slug`.
pub fn org_name(slug: &str) -> String {
    let mut name = slug.to_owned();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    format!("{name} Corp")
}

/// Creates an admin of `slug` with `role` and its one-time password.
pub async fn admin(app: &TestApp, slug: &str, email: &str, role: &str) -> Admin {
    let created = app
        .cli_ok(&["admin", "create", slug, email, "--role", role])
        .await;
    Admin {
        email: email.to_owned(),
        password: created["password"].as_str().unwrap().to_owned(),
    }
}

/// Signs in on the tenant's sign-in page by typing and clicking, and lands on the overview.
pub async fn sign_in(b: &mut Browser, app: &TestApp, slug: &str, who: &Admin) {
    b.goto(&format!("{}/admin/{slug}/login", app.base_url))
        .await;
    b.wait_for_title(&format!("Sign in to {slug}")).await;
    let email = b.find("#email").await;
    email.send_keys(&who.email).await.unwrap();
    let password = b.find("#password").await;
    password.send_keys(&who.password).await.unwrap();
    b.click_on("form button[type=submit]").await;
    b.wait_for_title("Overview").await;
}

/// A SCIM 2.0 user with a work email, an employee number and `active: true`.
pub fn scim_user(email: &str, given: &str, family: &str, employee: &str) -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "displayName": format!("{given} {family}"),
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": employee
        }
    })
}

/// POSTs `user` to `{base}/Users` with `token`, as an identity provider would; returns the
/// status and the JSON body.
pub async fn provision(app: &TestApp, base: &str, token: &str, user: &Value) -> (u16, Value) {
    let res = app
        .http
        .post(format!("{base}/Users"))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(user.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Follows the main navigation link labelled `label`, as a person would.
pub async fn nav(b: &mut Browser, label: &str) {
    for link in b.find_all("nav.nav a").await {
        if link.text().await.unwrap().trim() == label {
            link.click().await.unwrap();
            return;
        }
    }
    b.fail(&format!("no `{label}` link in the main navigation"))
        .await;
}
