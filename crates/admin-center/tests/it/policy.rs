//! The Sales Navigator policy editor: the stored policy shown as a form, rows added, moved and
//! removed without script, a preview that saves nothing, saving that re-evaluates everyone and
//! shows what changed, readable validation next to the field, and roles, CSRF and tenants.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::browser::{Browser, admin, signed_in};

const PAGE: &str = "/admin/acme/licenses/policy";
const PREVIEW: &str = "/admin/acme/licenses/policy/preview";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Provisions an active Sales Navigator user in `department` over SCIM.
async fn provision(app: &TestApp, email: &str, department: &str) {
    let issued = app
        .cli_ok(&["token", "issue", "acme", "sales-navigator"])
        .await;
    let base = issued["scim_base_url"].as_str().unwrap();
    let token = issued["token"].as_str().unwrap();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": email,
        "emails": [{"primary": true, "value": email}],
        "active": true,
        ENTERPRISE: {"department": department},
    });
    let res = app
        .http
        .post(format!("{base}/Users"))
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// Live licenses as `email kind`, sorted.
async fn licenses(app: &TestApp) -> Vec<String> {
    let listed: Value = app.cli_ok(&["license", "list", "acme"]).await;
    let mut out: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["state"] != "revoked")
        .map(|l| {
            format!(
                "{} {}",
                l["email"].as_str().unwrap(),
                l["kind"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

const DEPARTMENT_RULE: [(&str, &str); 4] = [
    ("default", "none"),
    ("match-0", "department"),
    ("value-0", "Sales"),
    ("tier-0", "advanced"),
];

#[tokio::test]
async fn a_preview_saves_nothing_and_saving_applies_and_shows_what_changed() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "license-admin").await;
    provision(&app, "ann@acme.example", "Sales").await;
    provision(&app, "bob@acme.example", "Marketing").await;
    let before = licenses(&app).await;
    assert_eq!(
        before,
        [
            "ann@acme.example sales-navigator-core",
            "bob@acme.example sales-navigator-core"
        ]
    );
    browser
        .get(PAGE)
        .await
        .expect(
            StatusCode::OK,
            "<title>Sales Navigator license policy · rosterd</title>",
        )
        .expect(StatusCode::OK, r#"<option value="core" selected>"#)
        .expect(StatusCode::OK, "No rules: everyone gets the default.")
        .expect(StatusCode::OK, r#"<label for="policy-default">"#);

    let mut fields = DEPARTMENT_RULE.to_vec();
    fields.push(("op", "preview"));
    browser
        .submit(PAGE, PREVIEW, &fields)
        .await
        .expect(StatusCode::OK, "Preview: what saving would do")
        .expect(StatusCode::OK, "2 provisioned people evaluated")
        .expect(StatusCode::OK, "Revoked (1)</dt><dd>bob@acme.example")
        .expect(
            StatusCode::OK,
            "Changed tier (1)</dt><dd>ann@acme.example (from Sales Navigator Core)",
        )
        .expect(StatusCode::OK, r#"value="Sales""#);
    assert_eq!(licenses(&app).await, before, "a preview saves nothing");
    let shown = app
        .cli_ok(&["policy", "show", "acme", "sales-navigator"])
        .await;
    assert!(shown["updated_at"].is_null(), "{shown}");

    browser
        .submit(PAGE, PAGE, &DEPARTMENT_RULE)
        .await
        .expect(StatusCode::OK, "Saved: what changed")
        .expect(StatusCode::OK, "Revoked (1)</dt><dd>bob@acme.example");
    assert_eq!(
        licenses(&app).await,
        ["ann@acme.example sales-navigator-advanced"]
    );
    let shown = app
        .cli_ok(&["policy", "show", "acme", "sales-navigator"])
        .await;
    assert_eq!(shown["policy"]["default"], Value::Null);
    assert_eq!(
        shown["policy"]["rules"][0]["kind"],
        "sales-navigator-advanced"
    );
    browser
        .get(PAGE)
        .await
        .expect(StatusCode::OK, r#"<option value="department" selected>"#)
        .expect(StatusCode::OK, r#"<option value="none" selected>"#);
    let ledger = app.cli_ok(&["ledger", "verify", "acme"]).await;
    assert_eq!(ledger["clean"], true, "{ledger}");
}

#[tokio::test]
async fn rows_are_added_moved_and_removed_without_saving() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let two = [
        ("default", "core"),
        ("match-0", "group"),
        ("value-0", "Sales EMEA"),
        ("tier-0", "advanced"),
        ("match-1", "title"),
        ("value-1", "Director"),
        ("tier-1", "advanced-plus"),
    ];
    let with = |op: &'static str| {
        let mut fields = two.to_vec();
        fields.push(("op", op));
        fields
    };
    let added = browser.submit(PAGE, PREVIEW, &with("add")).await;
    added
        .expect(StatusCode::OK, r#"id="match-2""#)
        .expect(StatusCode::OK, r#"<label for="value-2">"#);
    let moved = browser.submit(PAGE, PREVIEW, &with("down-0")).await;
    let director = moved.body.find(r#"value="Director""#).unwrap();
    let emea = moved.body.find(r#"value="Sales EMEA""#).unwrap();
    assert!(director < emea, "rule 2 moved up");
    moved.expect(
        StatusCode::OK,
        r#"id="value-1" name="value-1" value="Sales EMEA""#,
    );
    let removed = browser.submit(PAGE, PREVIEW, &with("remove-0")).await;
    removed.expect(
        StatusCode::OK,
        r#"id="value-0" name="value-0" value="Director""#,
    );
    assert!(!removed.body.contains("Sales EMEA"));
    assert!(!removed.body.contains(r#"id="match-1""#));
    let shown = app
        .cli_ok(&["policy", "show", "acme", "sales-navigator"])
        .await;
    assert!(shown["updated_at"].is_null(), "editing rows saves nothing");
}

#[tokio::test]
async fn invalid_rules_are_explained_next_to_their_field_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "license-admin").await;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("default", "none"),
                ("match-0", "group"),
                ("value-0", ""),
                ("tier-0", "core"),
            ],
            "(its displayName in your IdP)",
        ),
        (
            &[
                ("default", "none"),
                ("match-0", "department"),
                ("value-0", " "),
                ("tier-0", "core"),
            ],
            "Enter the department value this rule matches",
        ),
        (
            &[
                ("default", "none"),
                ("match-0", "group"),
                ("value-0", "Sales"),
                ("tier-0", "core"),
                ("match-1", "group"),
                ("value-1", "sales"),
                ("tier-1", "advanced"),
            ],
            "Rule 1 already tests this",
        ),
    ];
    for (fields, message) in cases {
        for (action, extra) in [(PAGE, None), (PREVIEW, Some(("op", "preview")))] {
            let mut all = fields.to_vec();
            all.extend(extra);
            let page = browser.submit(PAGE, action, &all).await;
            page.expect(StatusCode::UNPROCESSABLE_ENTITY, message)
                .expect(StatusCode::UNPROCESSABLE_ENTITY, r#"aria-invalid="true""#)
                .expect(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    r#"class="field-error" id="error-"#,
                );
            assert!(!page.body.contains("Saved: what changed"));
        }
    }
    let shown = app
        .cli_ok(&["policy", "show", "acme", "sales-navigator"])
        .await;
    assert!(shown["updated_at"].is_null(), "{shown}");
}

#[tokio::test]
async fn reporting_admins_read_the_policy_but_cannot_preview_or_save() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "reporting").await;
    app.cli_ok(&[
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        "none",
        "--rule",
        "group:Sales EMEA=advanced",
    ])
    .await;
    let page = browser.get(PAGE).await;
    page.expect(StatusCode::OK, "You have read-only access")
        .expect(
            StatusCode::OK,
            "member of group “Sales EMEA” → Sales Navigator Advanced",
        );
    assert!(!page.body.contains(r#"name="default""#), "no form");
    let csrf = page.csrf();
    for path in [PAGE, PREVIEW] {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(DEPARTMENT_RULE);
        fields.push(("op", "preview"));
        browser
            .post(path, &fields)
            .await
            .expect(StatusCode::FORBIDDEN, "do this here");
    }
    let shown = app
        .cli_ok(&["policy", "show", "acme", "sales-navigator"])
        .await;
    assert_eq!(shown["policy"]["rules"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn forged_forms_and_other_tenants_are_refused() {
    let app = TestApp::spawn().await;
    app.tenant("globex").await;
    admin(&app, "globex", "gus@globex.example", "full-admin").await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    for path in [PAGE, PREVIEW] {
        let mut fields = vec![("csrf", "forged")];
        fields.extend(DEPARTMENT_RULE);
        browser
            .post(path, &fields)
            .await
            .expect(StatusCode::FORBIDDEN, "This form has expired");
    }
    let csrf = browser.get(PAGE).await.csrf();
    browser
        .get("/admin/globex/licenses/policy")
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend(DEPARTMENT_RULE);
    browser
        .post("/admin/globex/licenses/policy", &fields)
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    for tenant in ["acme", "globex"] {
        let shown = app
            .cli_ok(&["policy", "show", tenant, "sales-navigator"])
            .await;
        assert!(shown["updated_at"].is_null(), "{tenant}: {shown}");
    }
    let signed_out = Browser::new(&app);
    let page = signed_out.get(PAGE).await;
    assert!(page.status.is_redirection(), "{}", page.status);
}
