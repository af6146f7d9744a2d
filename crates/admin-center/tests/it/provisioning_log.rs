//! The provisioning log page: SCIM requests recorded per app with their outcome and a hint,
//! filters, roles, tenant isolation, and no secrets.

use reqwest::StatusCode;
use rosterd_test_support::{ScimUser, TestApp};
use serde_json::{Value, json};

use crate::browser::{Browser, Page, admin, signed_in};

const LOG: &str = "/admin/acme/provisioning";

/// POSTs a SCIM resource with a bearer token.
pub async fn scim_post(app: &TestApp, url: &str, token: &str, body: &Value) -> StatusCode {
    app.http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
}

/// The page at `path` once it contains `text` (the log is written in the background).
pub async fn eventually(browser: &Browser, path: &str, text: &str) -> Page {
    for _ in 0..100 {
        let page = browser.get(path).await;
        if page.body.contains(text) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "`{text}` never appeared at {path}: {}",
        browser.get(path).await.body
    );
}

fn user(name: &str) -> Value {
    ScimUser::new(name)
        .password("Sup3r-Secret-Pa55")
        .active(true)
        .json()
}

#[tokio::test]
async fn requests_appear_newest_first_with_outcome_hint_and_no_secrets() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    let token = app.cli_ok(&["token", "issue", "acme", "learning"]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = format!("{}/scim/acme/learning/v2/Users", app.base_url);
    let ada = user("ada@acme.example");
    assert_eq!(
        scim_post(&app, &users, &token, &ada).await,
        StatusCode::CREATED
    );
    assert_eq!(
        scim_post(&app, &users, &token, &ada).await,
        StatusCode::CONFLICT
    );
    let page = eventually(&browser, LOG, "409 ·").await;
    page.expect(StatusCode::OK, "<title>Provisioning log · rosterd</title>")
        .expect(StatusCode::OK, "POST /scim/acme/learning/v2/Users")
        .expect(StatusCode::OK, "<code>uniqueness</code>")
        .expect(
            StatusCode::OK,
            "In Okta, import users and match them by userName or email",
        )
        .expect(StatusCode::OK, "userName=ada@acme.example")
        .expect(StatusCode::OK, "Refused: fix in the IdP");
    // The created user is named with its id.
    assert!(
        page.body.contains("User ada@acme.example ("),
        "{}",
        page.body
    );
    // Newest first: the refusal comes before the creation.
    assert!(page.body.find("409 ·").unwrap() < page.body.find("201 ·").unwrap());
    for secret in ["Sup3r-Secret-Pa55", token.as_str(), "Bearer"] {
        assert!(!page.body.contains(secret), "`{secret}` shown");
    }
    // Not in the table either.
    let stored = rosterd_tenancy::provisioning_log::list(
        &app.db.conn,
        rosterd_tenancy::find_tenant(&app.db.conn, "acme")
            .await
            .unwrap()
            .id,
        &rosterd_tenancy::provisioning_log::Query::default(),
    )
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    let text = format!("{stored:?}");
    assert!(
        !text.contains("Sup3r-Secret-Pa55") && !text.contains(&token),
        "{text}"
    );

    // Filters: outcome, user, app.
    let failures = browser.get(&format!("{LOG}?outcome=failures")).await;
    assert!(failures.body.contains("409 ·") && !failures.body.contains("201 ·"));
    browser
        .get(&format!("{LOG}?user=nobody"))
        .await
        .expect(StatusCode::OK, "No requests match these filters.");
    browser
        .get(&format!("{LOG}?app=sales-navigator"))
        .await
        .expect(StatusCode::OK, "No requests match these filters.");
    browser
        .get(&format!("{LOG}?user=ADA&app=learning&outcome=success"))
        .await
        .expect(StatusCode::OK, "201 ·");
    browser
        .get(&format!("{LOG}?from=yesterday"))
        .await
        .expect(StatusCode::OK, "Enter the from date as YYYY-MM-DD");
}

#[tokio::test]
async fn a_revoked_token_is_logged_for_its_app_with_how_to_fix_it() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let issued = app.cli_ok(&["token", "issue", "acme", "learning"]).await;
    let token = issued["token"].as_str().unwrap();
    app.cli_ok(&[
        "token",
        "revoke",
        "acme",
        issued["prefix"].as_str().unwrap(),
    ])
    .await;
    let status = app
        .get(
            &format!("{}/scim/acme/learning/v2/Users", app.base_url),
            Some(token),
        )
        .await
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    eventually(&browser, LOG, "401 ·")
        .await
        .expect(StatusCode::OK, "Generate a new one in Settings");
}

#[tokio::test]
async fn another_tenants_log_is_out_of_reach() {
    let app = TestApp::spawn().await;
    let (_, _) = signed_in(&app, "full-admin").await;
    let acme = app.cli_ok(&["token", "issue", "acme", "learning"]).await;
    let users = format!("{}/scim/acme/learning/v2/Users", app.base_url);
    scim_post(
        &app,
        &users,
        acme["token"].as_str().unwrap(),
        &user("zed@acme.example"),
    )
    .await;
    app.tenant("globex").await;
    let password = admin(&app, "globex", "gus@globex.example", "full-admin").await;
    let globex = Browser::new(&app);
    globex
        .login_ok("globex", "gus@globex.example", &password)
        .await;
    globex
        .get(LOG)
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    // Give the writer time, then check globex's own log stays empty.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let own = globex.get("/admin/globex/provisioning").await;
    own.expect(StatusCode::OK, "No SCIM requests yet");
    assert!(!own.body.contains("zed@acme.example"));
}

#[tokio::test]
async fn a_patch_of_thousands_of_operations_stores_a_short_summary() {
    use sea_orm::{ConnectionTrait as _, Statement};
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    let token = app.cli_ok(&["token", "issue", "acme", "learning"]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = format!("{}/scim/acme/learning/v2/Users", app.base_url);
    let created = app
        .http
        .post(&users)
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(user("ada@acme.example").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ops: Vec<Value> = (0..2_000)
        .map(|n| json!({"op": "replace", "path": "displayName", "value": format!("Ada {n}")}))
        .collect();
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops,
    });
    let res = app
        .http
        .patch(format!("{users}/{id}"))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert!(res.status().as_u16() < 500, "{}", res.status());
    eventually(&browser, LOG, "… 1990 more").await;
    let backend = app.db.conn.get_database_backend();
    let row = app
        .db
        .conn
        .query_one(Statement::from_string(
            backend,
            "SELECT summary FROM provisioning_log WHERE method = 'PATCH'",
        ))
        .await
        .unwrap()
        .unwrap();
    let summary: String = row.try_get("", "summary").unwrap();
    assert!(
        summary.len() <= rosterd_tenancy::provisioning_log::MAX_TEXT,
        "{}",
        summary.len()
    );
    assert!(
        summary.starts_with("replace displayName=Ada 0; "),
        "{summary}"
    );
}
