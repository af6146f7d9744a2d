//! The operator CLI, as scripts use it (`--json`).

use rosterd_test_support::TestApp;

#[tokio::test]
async fn tenant_create_show_list_and_seats() {
    let app = TestApp::spawn().await;
    let created = app
        .cli_ok(&[
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme Corp",
            "--seats",
            "learning=500",
            "--seats",
            "sales-navigator-advanced=100",
            "--seats",
            "teamlink-extend=50",
        ])
        .await;
    assert_eq!(created["slug"], "acme");
    assert_eq!(created["name"], "Acme Corp");
    let pools = created["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 5, "every license kind has a pool");
    let capacity = |kind: &str| {
        pools.iter().find(|p| p["license_kind"] == kind).unwrap()["capacity"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(capacity("learning"), 500);
    assert_eq!(capacity("sales-navigator-advanced"), 100);
    assert_eq!(capacity("teamlink-extend"), 50);
    assert_eq!(capacity("sales-navigator-core"), 0);
    let apps = created["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 3);
    assert!(
        apps.iter().all(|a| a["scim_enabled"] == false),
        "SCIM starts disabled"
    );
    assert_eq!(
        apps[0]["scim_base_url"],
        format!("{}/scim/acme/learning/v2", app.base_url)
    );

    let seats = app
        .cli_ok(&["tenant", "seats", "acme", "sales-navigator-advanced=120"])
        .await;
    let advanced = seats
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["license_kind"] == "sales-navigator-advanced")
        .unwrap()
        .clone();
    assert_eq!(advanced["capacity"], 120);
    assert_eq!(advanced["free"], 120);

    app.cli_ok(&["tenant", "create", "globex", "--name", "Globex"])
        .await;
    let list = app.cli_ok(&["tenant", "list"]).await;
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["acme", "globex"]);

    let shown = app.cli_ok(&["tenant", "show", "acme"]).await;
    assert_eq!(
        shown["pools"],
        created["pools"]
            .as_array()
            .map(|_| shown["pools"].clone())
            .unwrap()
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message() {
    let app = TestApp::spawn().await;
    app.cli_ok(&["tenant", "create", "acme", "--name", "Acme"])
        .await;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["tenant", "create", "acme", "--name", "Again"],
            "a tenant with slug `acme` already exists",
        ),
        (
            vec!["tenant", "create", "Acme_Corp", "--name", "X"],
            "invalid tenant slug `Acme_Corp`",
        ),
        (
            vec![
                "tenant", "create", "beta", "--name", "B", "--seats", "crm=5",
            ],
            "unknown license kind `crm`",
        ),
        (
            vec![
                "tenant",
                "create",
                "beta",
                "--name",
                "B",
                "--seats",
                "learning=-3",
            ],
            "0 or more",
        ),
        (vec!["tenant", "show", "nowhere"], "no tenant `nowhere`"),
        (
            vec!["token", "issue", "acme", "crm"],
            "unknown product `crm`",
        ),
        (
            vec!["admin", "create", "acme", "not-an-email"],
            "is not a valid email address",
        ),
        (
            vec![
                "admin",
                "create",
                "acme",
                "a@acme.example",
                "--role",
                "owner",
            ],
            "unknown role `owner`",
        ),
    ];
    for (args, expected) in cases {
        let err = app.cli(&args).await.unwrap_err();
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // The refused duplicate left the first tenant as it was.
    let list = app.cli_ok(&["tenant", "list"]).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Acme");
}

#[tokio::test]
async fn lowering_capacity_below_use_is_refused_and_logged_changes_are_not() {
    let app = TestApp::spawn().await;
    app.cli_ok(&[
        "tenant",
        "create",
        "acme",
        "--name",
        "Acme",
        "--seats",
        "learning=10",
    ])
    .await;
    // Nothing is in use yet, so going to zero is allowed.
    app.cli_ok(&["tenant", "seats", "acme", "learning=0"]).await;
    let err = app
        .cli(&["tenant", "seats", "acme", "learning=x"])
        .await
        .unwrap_err();
    assert!(err.contains("whole number"), "{err}");
}

#[tokio::test]
async fn token_issue_prints_the_secret_once_with_url_and_expiry() {
    let app = TestApp::spawn().await;
    app.cli_ok(&["tenant", "create", "acme", "--name", "Acme"])
        .await;
    let issued = app
        .cli_ok(&["token", "issue", "acme", "sales-navigator"])
        .await;
    let token = issued["token"].as_str().unwrap();
    assert!(
        token.starts_with("rosterd_scim_") && token.len() == 13 + 43,
        "{token}"
    );
    assert_eq!(
        issued["scim_base_url"],
        format!("{}/scim/acme/sales-navigator/v2", app.base_url)
    );
    assert_eq!(
        issued["scim_shared_base_url"],
        format!("{}/scim/v2", app.base_url)
    );
    let expires =
        chrono::DateTime::parse_from_rfc3339(issued["expires_at"].as_str().unwrap()).unwrap();
    let days =
        (expires.with_timezone(&chrono::Utc) - rosterd_domain::Clock::now(&app.clock)).num_days();
    assert!((729..=730).contains(&days), "{days} days");
    let shown = app.cli_ok(&["tenant", "show", "acme"]).await;
    assert!(
        !shown.to_string().contains(token),
        "the secret is never shown again"
    );
    let apps = shown["apps"].as_array().unwrap();
    let sales = apps
        .iter()
        .find(|a| a["product"] == "sales-navigator")
        .unwrap();
    assert_eq!(
        sales["scim_enabled"], true,
        "issuing the first token enables SCIM"
    );
}

#[tokio::test]
async fn admin_create_prints_a_one_time_password_that_verifies() {
    let app = TestApp::spawn().await;
    app.cli_ok(&["tenant", "create", "acme", "--name", "Acme"])
        .await;
    let created = app
        .cli_ok(&[
            "admin",
            "create",
            "acme",
            "Ada@Acme.example",
            "--role",
            "license-admin",
        ])
        .await;
    assert_eq!(created["role"], "license-admin");
    let password = created["password"].as_str().unwrap();
    assert_eq!(password.len(), 20);
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap()
        .id;
    assert!(
        verify(&app, tenant, "ada@acme.example", password).await,
        "the printed password logs in, email matched case-insensitively"
    );
    assert!(!verify(&app, tenant, "ada@acme.example", "wrong-password-123").await);
    assert!(!verify(&app, tenant, "nobody@acme.example", password).await);
    let err = app
        .cli(&["admin", "create", "acme", "ada@acme.example"])
        .await
        .unwrap_err();
    assert!(err.contains("already has an admin account"), "{err}");
}

async fn verify(
    app: &TestApp,
    tenant: rosterd_domain::TenantId,
    email: &str,
    password: &str,
) -> bool {
    rosterd_tenancy::verify_admin_password(
        &app.db.conn,
        tenant,
        email,
        &rosterd_domain::Secret::new(password),
    )
    .await
    .unwrap()
    .is_some()
}

#[tokio::test]
async fn operator_commands_leave_audit_events_without_secrets() {
    let app = TestApp::spawn().await;
    app.cli_ok(&["tenant", "create", "acme", "--name", "Acme"])
        .await;
    let issued = app.cli_ok(&["token", "issue", "acme", "learning"]).await;
    let secret = issued["token"].as_str().unwrap().to_owned();
    let prefix = issued["prefix"].as_str().unwrap().to_owned();
    app.cli_ok(&["token", "revoke", "acme", &prefix]).await;
    app.cli_ok(&["app", "disable", "acme", "learning"]).await;
    app.cli_ok(&["admin", "create", "acme", "ann@acme.example"])
        .await;

    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let query = rosterd_audit::Query {
        channel: Some(rosterd_audit::Channel::Operator),
        ..rosterd_audit::Query::default()
    };
    let mut events = rosterd_audit::list(&app.db.conn, tenant.id, &query)
        .await
        .unwrap();
    events.reverse();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "tenant.create",
            "token.issue",
            "token.revoke",
            "scim.disable",
            "admin.create"
        ],
        "{events:?}"
    );
    assert_eq!(
        events[1].detail.split('…').next(),
        Some(&*format!("Token {prefix}"))
    );
    assert_eq!(
        (events[3].target_type.as_str(), events[3].target_id.as_str()),
        ("app", "learning")
    );
    assert!(
        events[4].detail.contains("ann@acme.example"),
        "{:?}",
        events[4]
    );
    for event in &events {
        assert!(!event.detail.contains(&secret), "a secret in {event:?}");
    }
}
