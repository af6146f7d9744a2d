//! Sales Navigator attribute rules and policy changes over real SCIM HTTP: a department rule
//! assigns, switching department changes tier, leaving the attribute revokes, group rules join
//! and leave; `policy set` re-evaluates everyone, and `--dry-run` changes nothing but says
//! exactly what applying does; a tier change into a full pool waits and is served as a change;
//! every license change leaves an audit event naming its cause.

use reqwest::Method;
use rosterd_domain::Product;
use rosterd_test_support::{ScimUser, TestApp};
use serde_json::{Value, json};

use crate::licensing::{App, assert_verified, in_use};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// `policy set acme sales-navigator --default <default> --rule ...` with `--json`.
async fn set_policy(app: &TestApp, default: &str, rules: &[&str], dry_run: bool) -> Value {
    let mut args = vec![
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        default,
    ];
    for rule in rules {
        args.extend(["--rule", rule]);
    }
    if dry_run {
        args.push("--dry-run");
    }
    app.cli_ok(&args).await
}

/// Creates an active user with a department (or none).
async fn user(sales: &App<'_>, email: &str, employee: &str, department: Option<&str>) -> String {
    let mut body = ScimUser::new(email)
        .name("Pat", email)
        .work_email()
        .active(true)
        .employee_number(employee);
    if let Some(department) = department {
        body = body.department(department);
    }
    let body = body.json();
    let (status, body) = sales.send(Method::POST, "/Users", Some(body)).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn set_department(sales: &App<'_>, id: &str, department: &str) {
    let (status, body) = sales
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": format!("{ENTERPRISE}:department"), "value": department}]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn group(sales: &App<'_>, name: &str) -> String {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
    });
    let (status, body) = sales.send(Method::POST, "/Groups", Some(body)).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn members(sales: &App<'_>, group: &str, op: &str, id: &str) {
    let (status, body) = sales
        .patch(
            &format!("/Groups/{group}"),
            json!([{"op": op, "path": "members", "value": [{"value": id}]}]),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

/// Every live license as `email kind`, sorted: what `rosterd license list` shows.
async fn licenses(app: &TestApp) -> Vec<String> {
    let listed = app.cli_ok(&["license", "list", "acme"]).await;
    let mut out: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["state"] != "revoked")
        .map(|l| {
            format!(
                "{} {}",
                l["email"].as_str().unwrap_or("?"),
                l["kind"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

/// One pool of a plan printed by `policy set --json`.
fn pool<'a>(outcome: &'a Value, kind: &str) -> &'a Value {
    outcome["plan"]["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == kind)
        .unwrap_or_else(|| panic!("no pool {kind} in {outcome}"))
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect()
}

const RULES: [&str; 3] = [
    "group:Sales EMEA=advanced",
    "department:Sales=core",
    "department:Sales Leads=advanced-plus",
];

#[tokio::test]
async fn attribute_rules_assign_change_and_revoke_and_groups_come_first() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    set_policy(&app, "none", &RULES, false).await;
    let sales = App::new(&app, &acme, Product::SalesNavigator);

    let ann = user(&sales, "ann@acme.example", "1", Some("Sales")).await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-core"]);

    // Switching teams changes the tier: the new seat first, the old one freed.
    set_department(&sales, &ann, "sales leads").await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-advanced-plus"]);
    assert_eq!(in_use(&app, "sales-navigator-core").await, 0);

    // A group rule comes before the attribute rules.
    let emea = group(&sales, "Sales EMEA").await;
    members(&sales, &emea, "add", &ann).await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-advanced"]);
    members(&sales, &emea, "remove", &ann).await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-advanced-plus"]);

    // A PUT without the attribute: no rule matches, no default, so the license goes.
    let put = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ann@acme.example",
        "name": {"givenName": "Pat", "familyName": "ann@acme.example"},
        "emails": [{"primary": true, "value": "ann@acme.example", "type": "work"}],
        "active": true,
    });
    let (status, body) = sales
        .send(Method::PUT, &format!("/Users/{ann}"), Some(put))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(sales.kinds(&ann).await.is_empty());
    assert_eq!(in_use(&app, "sales-navigator-advanced-plus").await, 0);

    // Back in Sales by PATCH: licensed again.
    set_department(&sales, &ann, "Sales").await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-core"]);
    assert_verified(&app).await;
}

#[tokio::test]
async fn policy_set_re_evaluates_everyone_and_a_dry_run_changes_nothing() {
    let app = TestApp::spawn().await;
    let acme = app
        .tenant_with_seats("acme", &[("sales-navigator-advanced", 1)])
        .await;
    let sales = App::new(&app, &acme, Product::SalesNavigator);
    // Under the built-in policy everyone gets core.
    let ann = user(&sales, "ann@acme.example", "1", Some("Sales")).await;
    let bob = user(&sales, "bob@acme.example", "2", Some("Marketing")).await;
    let cat = user(&sales, "cat@acme.example", "3", None).await;
    let dan = user(&sales, "dan@acme.example", "4", None).await;
    let emea = group(&sales, "Sales EMEA").await;
    members(&sales, &emea, "add", &cat).await;
    members(&sales, &emea, "add", &dan).await;
    let before = licenses(&app).await;
    assert_eq!(before.len(), 4, "{before:?}");

    let preview = set_policy(&app, "none", &RULES, true).await;
    assert_eq!(preview["dry_run"], true);
    assert_eq!(licenses(&app).await, before, "a dry run changes nothing");
    assert_verified(&app).await;
    let shown = app
        .cli_ok(&["policy", "show", "acme", "sales-navigator"])
        .await;
    assert!(shown["updated_at"].is_null(), "not saved: {shown}");
    assert_eq!(preview["plan"]["people"], 4);
    let core = pool(&preview, "sales-navigator-core");
    assert_eq!(names(&core["revoked"]), ["bob@acme.example"]);
    assert_eq!(
        (
            core["in_use_before"].as_i64(),
            core["in_use_after"].as_i64()
        ),
        (Some(4), Some(2))
    );
    let advanced = pool(&preview, "sales-navigator-advanced");
    assert_eq!(advanced["changed"][0]["name"], "cat@acme.example");
    assert_eq!(advanced["changed"][0]["from"], "sales-navigator-core");
    assert_eq!(
        names(&advanced["waiting"]),
        ["dan@acme.example"],
        "one seat"
    );

    let applied = set_policy(&app, "none", &RULES, false).await;
    assert_eq!(applied["dry_run"], false);
    assert_eq!(
        applied["plan"], preview["plan"],
        "the dry run said what applying does"
    );
    assert_eq!(
        licenses(&app).await,
        [
            "ann@acme.example sales-navigator-core",
            "cat@acme.example sales-navigator-advanced",
            "dan@acme.example sales-navigator-core",
        ]
    );
    assert_eq!(sales.kinds(&bob).await, Vec::<String>::new());
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-core"]);
    assert_verified(&app).await;

    // Dan waits for advanced, keeping core; cat leaving the group frees the seat for him.
    let waiting = app
        .cli_ok(&["license", "waitlist", "acme", "sales-navigator-advanced"])
        .await;
    assert_eq!(waiting[0]["email"], "dan@acme.example", "{waiting}");
    members(&sales, &emea, "remove", &cat).await;
    assert_eq!(sales.kinds(&dan).await, ["sales-navigator-advanced"]);
    assert!(sales.kinds(&cat).await.is_empty());

    // Saving the same policy again changes nothing.
    let again = set_policy(&app, "none", &RULES, false).await;
    let unchanged = again["plan"]["pools"].as_array().unwrap().iter().all(|p| {
        ["assigned", "changed", "revoked", "waiting"]
            .iter()
            .all(|l| p[l].as_array().unwrap().is_empty())
    });
    assert!(unchanged, "{again}");
    assert_verified(&app).await;
}

#[tokio::test]
async fn a_tier_change_into_a_full_pool_waits_and_is_served_as_a_change() {
    let app = TestApp::spawn().await;
    let acme = app
        .tenant_with_seats("acme", &[("sales-navigator-advanced", 1)])
        .await;
    set_policy(&app, "none", &RULES, false).await;
    let sales = App::new(&app, &acme, Product::SalesNavigator);
    let emea = group(&sales, "Sales EMEA").await;
    let zoe = user(&sales, "zoe@acme.example", "9", None).await;
    members(&sales, &emea, "add", &zoe).await;
    let ann = user(&sales, "ann@acme.example", "1", Some("Sales")).await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-core"]);

    members(&sales, &emea, "add", &ann).await;
    assert_eq!(
        sales.kinds(&ann).await,
        ["sales-navigator-core"],
        "keeps the old tier"
    );
    let waiting = app
        .cli_ok(&["license", "waitlist", "acme", "sales-navigator-advanced"])
        .await;
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting[0]["email"], "ann@acme.example");

    // A seat frees up: served as a tier change, and the core seat goes back.
    members(&sales, &emea, "remove", &zoe).await;
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-advanced"]);
    assert_eq!(in_use(&app, "sales-navigator-core").await, 0);
    assert_eq!(in_use(&app, "sales-navigator-advanced").await, 1);
    let log = app.cli_ok(&["ledger", "log", "acme"]).await;
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(&kinds[..3], ["change", "revoke", "waiting"], "{log}");
    assert_verified(&app).await;
}

#[tokio::test]
async fn every_license_change_is_an_audit_event_naming_its_request() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let learning = App::new(&app, &acme, Product::Learning);
    let ann = learning.user("ann@acme.example", "Lee", "1").await;
    let (status, body) = learning
        .send(Method::DELETE, &format!("/Users/{ann}"), None)
        .await;
    assert_eq!(status, 204, "{body}");
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let query = rosterd_audit::Query {
        action_prefix: Some("license.".into()),
        channel: Some(rosterd_audit::Channel::Scim),
        ..rosterd_audit::Query::default()
    };
    let events = rosterd_audit::list(&app.db.conn, tenant.id, &query)
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["license.revoke", "license.assign"], "{events:?}");
    let entries = app.cli_ok(&["ledger", "log", "acme"]).await;
    let person = entries[0]["person_id"].as_str().unwrap();
    let request_of = |detail: &str| -> String {
        let at = detail
            .find("cause: SCIM request ")
            .unwrap_or_else(|| panic!("no request in {detail}"));
        detail[at + "cause: SCIM request ".len()..].to_owned()
    };
    for event in &events {
        assert_eq!(event.target_type, "person");
        assert_eq!(event.target_id, person);
        assert!(
            event.actor.starts_with("learning rosterd_scim_"),
            "{event:?}"
        );
        let request = request_of(&event.detail);
        assert_eq!(request.len(), 36, "a request id (UUID): {request}");
    }
    assert!(
        events[1].detail.contains("assigned: provisioned through"),
        "{events:?}"
    );
    assert_ne!(
        request_of(&events[0].detail),
        request_of(&events[1].detail),
        "two requests, two ids"
    );

    // The operator's capacity change is an audit event of its own channel.
    app.cli_ok(&["tenant", "seats", "acme", "learning=5"]).await;
    let query = rosterd_audit::Query {
        action_prefix: Some("license.capacity-change".into()),
        ..rosterd_audit::Query::default()
    };
    let events = rosterd_audit::list(&app.db.conn, tenant.id, &query)
        .await
        .unwrap();
    let lowered = events
        .iter()
        .find(|e| e.target_id == "learning" && e.detail.contains("from 100 to 5"))
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(lowered.channel, rosterd_audit::Channel::Operator);
    assert_eq!(lowered.target_type, "seat-pool");
}

#[tokio::test]
async fn a_core_attribute_rule_follows_patches_of_the_core_attribute() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    set_policy(&app, "none", &["title:Director=advanced-plus"], false).await;
    let sales = App::new(&app, &acme, Product::SalesNavigator);
    let ann = user(&sales, "ann@acme.example", "1", None).await;
    assert!(sales.kinds(&ann).await.is_empty());
    let title = |value: &'static str| json!([{"op": "replace", "path": "title", "value": value}]);
    let (status, body) = sales
        .patch(&format!("/Users/{ann}"), title("director"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sales.kinds(&ann).await, ["sales-navigator-advanced-plus"]);
    let (status, body) = sales
        .patch(&format!("/Users/{ann}"), title("Engineer"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(sales.kinds(&ann).await.is_empty());
    assert_verified(&app).await;
}
