//! Licenses given by hand through the operator CLI: manual people, grant and revoke, a SCIM app
//! adopting a manual license (same seat) and revoking it when the user leaves, the refusal to
//! revoke a SCIM-owned license by hand, listing with filters, and waiting lists in order.

use reqwest::Method;
use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::licensing::{App, LICENSE, assert_verified, in_use, kinds_of};

/// `rosterd license list acme` with extra arguments.
async fn list(app: &TestApp, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["license", "list", "acme"];
    args.extend_from_slice(extra);
    app.cli_ok(&args).await.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_manual_license_is_granted_revoked_adopted_by_scim_and_revoked_on_leave() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;

    let person = app
        .cli_ok(&[
            "person",
            "add",
            "acme",
            "Ann@Acme.example",
            "--given",
            "Ann",
            "--family",
            "Lee",
            "--employee-number",
            "42",
        ])
        .await;
    assert_eq!(person["source"], "manual", "{person}");
    assert_eq!(person["employee_number"], "42", "{person}");
    let err = app
        .cli(&[
            "person",
            "add",
            "acme",
            "ann@ACME.example",
            "--given",
            "A",
            "--family",
            "L",
        ])
        .await
        .unwrap_err();
    assert!(err.contains("already exists"), "{err}");

    // Granted by hand (email matched case-insensitively), then revoked by hand.
    let granted = app
        .cli_ok(&["license", "grant", "acme", "ann@acme.example", "learning"])
        .await;
    assert_eq!(granted["source"], "manual", "{granted}");
    assert_eq!(granted["state"], "assigned", "{granted}");
    assert_eq!(in_use(&app, "learning").await, 1);
    let revoked = app
        .cli_ok(&["license", "revoke", "acme", "ANN@acme.example", "learning"])
        .await;
    assert_eq!(revoked["license"]["state"], "revoked", "{revoked}");
    assert_eq!(in_use(&app, "learning").await, 0);

    // Granted again; the Learning app then provisions the same email and adopts the license.
    app.cli_ok(&["license", "grant", "acme", "ann@acme.example", "learning"])
        .await;
    assert_eq!(in_use(&app, "learning").await, 1);
    let learning = App::new(&app, &acme, Product::Learning);
    let (status, created) = learning.create_user("ann@acme.example", "Lee", "42").await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(kinds_of(&created), ["learning"]);
    assert_eq!(created[LICENSE]["licenses"][0]["source"], "scim:learning");
    assert_eq!(in_use(&app, "learning").await, 1, "adoption takes no seat");
    let log = app.cli_ok(&["ledger", "log", "acme"]).await;
    let adopts = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "adopt")
        .count();
    assert_eq!(adopts, 1, "{log}");

    // The IdP owns it now: a manual revoke is refused, with where to change it.
    let err = app
        .cli(&["license", "revoke", "acme", "ann@acme.example", "learning"])
        .await
        .unwrap_err();
    assert!(err.contains("Learning SCIM app"), "{err}");
    assert!(err.contains("change it in your identity provider"), "{err}");
    assert_eq!(in_use(&app, "learning").await, 1);

    // Filters.
    let live = list(&app, &["--kind", "learning", "--state", "assigned"]).await;
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0]["source"], "scim:learning");
    // The IdP's spelling of the email replaced the hand-typed one (one-way flow).
    assert_eq!(live[0]["email"], "ann@acme.example");
    assert_eq!(list(&app, &["--state", "revoked"]).await.len(), 1);
    assert!(list(&app, &["--kind", "teamlink-extend"]).await.is_empty());
    assert_eq!(list(&app, &[]).await.len(), 2);

    // Leaving revokes the adopted license.
    let id = created["id"].as_str().unwrap();
    let (status, _) = learning
        .send(Method::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(in_use(&app, "learning").await, 0);
    assert_eq!(list(&app, &["--state", "revoked"]).await.len(), 2);
    assert!(list(&app, &["--state", "assigned"]).await.is_empty());
    assert_verified(&app).await;
}

#[tokio::test]
async fn manual_grants_are_refused_for_full_pools_and_unknown_people() {
    let app = TestApp::spawn().await;
    app.tenant_with_seats("acme", &[("learning", 1)]).await;
    for (email, family) in [("ann@acme.example", "Lee"), ("bob@acme.example", "Bo")] {
        app.cli_ok(&[
            "person", "add", "acme", email, "--given", "Pat", "--family", family,
        ])
        .await;
    }
    app.cli_ok(&["license", "grant", "acme", "ann@acme.example", "learning"])
        .await;
    // Granting again is idempotent: same license, no second seat.
    app.cli_ok(&["license", "grant", "acme", "ann@acme.example", "learning"])
        .await;
    assert_eq!(in_use(&app, "learning").await, 1);

    let err = app
        .cli(&["license", "grant", "acme", "bob@acme.example", "learning"])
        .await
        .unwrap_err();
    assert!(
        err.contains("1 of 1 seats assigned; more licenses are needed"),
        "{err}"
    );
    let err = app
        .cli(&["license", "grant", "acme", "zed@acme.example", "learning"])
        .await
        .unwrap_err();
    assert!(
        err.contains("no person with email `zed@acme.example`"),
        "{err}"
    );
    let err = app
        .cli(&["license", "revoke", "acme", "bob@acme.example", "learning"])
        .await
        .unwrap_err();
    assert!(err.contains("holds no Learning license"), "{err}");
    let err = app
        .cli(&[
            "person",
            "add",
            "acme",
            "not-an-email",
            "--given",
            "A",
            "--family",
            "B",
        ])
        .await
        .unwrap_err();
    assert!(err.contains("not an email address"), "{err}");
    assert_verified(&app).await;
}

#[tokio::test]
async fn the_waitlist_command_lists_people_in_serving_order() {
    let app = TestApp::spawn().await;
    let acme = app
        .tenant_with_seats("acme", &[("sales-navigator-advanced", 0)])
        .await;
    app.cli_ok(&[
        "policy",
        "set",
        "acme",
        "sales-navigator",
        "--default",
        "none",
        "--rule",
        "department:Sales=advanced",
    ])
    .await;
    let sales = App::new(&app, &acme, Product::SalesNavigator);
    for (email, employee) in [
        ("c@acme.example", "30"),
        ("a@acme.example", "10"),
        ("b@acme.example", "20"),
    ] {
        let body = json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "userName": email,
            "name": {"givenName": "Pat", "familyName": "Lee"},
            "emails": [{"primary": true, "value": email, "type": "work"}],
            "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": employee,
                "department": "Sales"
            }
        });
        let (status, created) = sales.send(Method::POST, "/Users", Some(body)).await;
        assert_eq!(status, 201, "{created}");
    }
    let waiting = app
        .cli_ok(&["license", "waitlist", "acme", "sales-navigator-advanced"])
        .await;
    let emails: Vec<&str> = waiting
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["a@acme.example", "b@acme.example", "c@acme.example"],
        "{waiting}"
    );
    assert_eq!(waiting[0]["position"], 1);
    let none = app
        .cli_ok(&["license", "waitlist", "acme", "learning"])
        .await;
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    assert_verified(&app).await;
}
