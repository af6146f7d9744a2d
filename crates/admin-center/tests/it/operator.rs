//! The operator console: its own accounts and sign-in, tenants, seat capacities, suspension.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, operator, signed_in, sql};

async fn operator_browser(app: &TestApp) -> Browser {
    let password = operator(app, "ops@rosterd.example").await;
    let browser = Browser::new(app);
    browser
        .operator_login("ops@rosterd.example", &password)
        .await
        .redirects_to("/operator");
    browser
}

fn seats(learning: &str) -> Vec<(&str, &str)> {
    vec![
        ("seats-learning", learning),
        ("seats-sales-navigator-core", "10"),
        ("seats-sales-navigator-advanced", "0"),
        ("seats-sales-navigator-advanced-plus", "0"),
        ("seats-teamlink-extend", "3"),
    ]
}

#[tokio::test]
async fn the_console_needs_an_operator_account() {
    let app = TestApp::spawn().await;
    let (admin_browser, _) = signed_in(&app, "full-admin").await;
    for browser in [Browser::new(&app), admin_browser] {
        browser
            .get("/operator")
            .await
            .redirects_to("/operator/login");
        browser
            .get("/operator/tenants/acme")
            .await
            .redirects_to("/operator/login");
    }
    let password = operator(&app, "ops@rosterd.example").await;
    let browser = Browser::new(&app);
    browser
        .operator_login("ops@rosterd.example", "wrong password!")
        .await
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "match an operator account",
        );
    browser
        .operator_login("ops@rosterd.example", &password)
        .await
        .redirects_to("/operator");
    let err = app
        .cli(&["operator", "create", "OPS@rosterd.example"])
        .await
        .unwrap_err();
    assert!(err.contains("already has an operator account"), "{err}");
    let listed = app.cli_ok(&["operator", "list"]).await;
    assert_eq!(listed[0]["email"], "ops@rosterd.example");
}

#[tokio::test]
async fn an_operator_creates_a_tenant_with_seats() {
    let app = TestApp::spawn().await;
    let browser = operator_browser(&app).await;
    browser
        .get("/operator")
        .await
        .expect(StatusCode::OK, "<title>Tenants · rosterd</title>")
        .expect(StatusCode::OK, "No tenants yet")
        .expect(
            StatusCode::OK,
            r#"<label for="seats-learning">Learning</label>"#,
        );
    let mut fields = vec![("slug", "globex"), ("name", "Globex Corp")];
    fields.extend(seats("50"));
    browser
        .submit("/operator", "/operator/tenants", &fields)
        .await
        .redirects_to("/operator/tenants/globex");
    browser
        .get("/operator/tenants/globex")
        .await
        .expect(StatusCode::OK, "Tenant globex created.")
        .expect(StatusCode::OK, "<h1>Globex Corp</h1>")
        .expect(StatusCode::OK, r#"value="50""#);
    let shown = app.cli_ok(&["tenant", "show", "globex"]).await;
    let pools = shown["pools"].as_array().unwrap();
    assert_eq!(pools[0]["license_kind"], "learning");
    assert_eq!(pools[0]["capacity"], 50);
    browser
        .get("/operator")
        .await
        .expect(StatusCode::OK, "Globex Corp");
    // Validation is explained, and the form keeps what was typed.
    let cases = [
        ("globex", "Another", "already exists"),
        ("Bad Slug", "Bad", "Slug:"),
        ("initech", " ", "Enter the organisation"),
    ];
    for (slug, name, message) in cases {
        let mut fields = vec![("slug", slug), ("name", name)];
        fields.extend(seats("5"));
        browser
            .submit("/operator", "/operator/tenants", &fields)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, message);
    }
    let mut fields = vec![("slug", "initech"), ("name", "Initech")];
    fields.extend(seats("-1"));
    browser
        .submit("/operator", "/operator/tenants", &fields)
        .await
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Learning seats must be a whole number",
        );
}

#[tokio::test]
async fn capacities_below_the_seats_in_use_are_refused_whole() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    sql(
        &app,
        "UPDATE seat_pools SET in_use = 5 WHERE license_kind = 'learning' \
         AND tenant_id = (SELECT id FROM tenants WHERE slug = 'acme')",
    )
    .await;
    let browser = operator_browser(&app).await;
    let page = "/operator/tenants/acme";
    browser.get(page).await.expect(StatusCode::OK, "5 in use");
    browser
        .submit(page, &format!("{page}/seats"), &seats("2"))
        .await
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Learning has 5 seats in use, so its capacity can",
        )
        .expect(StatusCode::UNPROCESSABLE_ENTITY, "Nothing was changed.");
    let shown = app.cli_ok(&["tenant", "show", "acme"]).await;
    assert_eq!(shown["pools"][0]["capacity"], 100, "learning unchanged");
    assert_eq!(shown["pools"][1]["capacity"], 100, "core unchanged too");
    browser
        .submit(page, &format!("{page}/seats"), &seats("5"))
        .await
        .redirects_to(page);
    browser
        .get(page)
        .await
        .expect(StatusCode::OK, "Seat capacities of acme saved.");
    let shown = app.cli_ok(&["tenant", "show", "acme"]).await;
    assert_eq!(shown["pools"][0]["capacity"], 5);
    assert_eq!(shown["pools"][1]["capacity"], 10);
}

#[tokio::test]
async fn a_suspended_tenant_is_shut_out_until_reactivated() {
    let app = TestApp::spawn().await;
    let (acme_admin, password) = signed_in(&app, "full-admin").await;
    let token = app.cli_ok(&["token", "issue", "acme", "learning"]).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let spc = format!(
        "{}/scim/acme/learning/v2/ServiceProviderConfig",
        app.base_url
    );
    let browser = operator_browser(&app).await;
    let page = "/operator/tenants/acme";
    browser
        .submit(page, &format!("{page}/status"), &[("status", "suspended")])
        .await
        .redirects_to(page);
    browser
        .get(page)
        .await
        .expect(StatusCode::OK, "acme is suspended")
        .expect(StatusCode::OK, "Reactivate tenant");
    assert_eq!(
        app.get(&spc, Some(&token)).await.status(),
        StatusCode::FORBIDDEN
    );
    acme_admin
        .get("/admin/acme/")
        .await
        .expect(StatusCode::FORBIDDEN, "suspended");
    let again = Browser::new(&app);
    again
        .login("acme", "ada@acme.example", &password)
        .await
        .expect(StatusCode::FORBIDDEN, "suspended");
    browser
        .submit(page, &format!("{page}/status"), &[("status", "active")])
        .await
        .redirects_to(page);
    assert_eq!(app.get(&spc, Some(&token)).await.status(), StatusCode::OK);
    again.login_ok("acme", "ada@acme.example", &password).await;
}

#[tokio::test]
async fn an_operator_sets_a_tenants_own_fair_share_limits() {
    let app = TestApp::spawn().await;
    app.tenant("acme").await;
    let browser = operator_browser(&app).await;
    browser
        .get("/operator/tenants/acme")
        .await
        .expect(StatusCode::OK, r#"href="/operator/tenants/acme/limits""#);
    browser
        .get("/operator/tenants/acme/limits")
        .await
        .expect(StatusCode::OK, "Fair-share limits of")
        .expect(
            StatusCode::OK,
            r#"<label for="burst">Burst, per app</label>"#,
        );
    let fields = [
        ("requests_per_second", "120"),
        ("burst", ""),
        ("max_concurrent_writes", "8"),
    ];
    browser
        .submit(
            "/operator/tenants/acme/limits",
            "/operator/tenants/acme/limits",
            &fields,
        )
        .await
        .redirects_to("/operator/tenants/acme/limits");
    browser
        .get("/operator/tenants/acme/limits")
        .await
        .expect(StatusCode::OK, "Limits of acme saved.")
        .expect(StatusCode::OK, r#"value="120""#);
    let shown = app.cli_ok(&["tenant", "limits", "acme"]).await;
    assert_eq!(shown["own"]["requests_per_second"], 120);
    assert!(shown["own"]["burst"].is_null());
    assert_eq!(shown["own"]["max_concurrent_writes"], 8);
    assert_eq!(shown["in_force"]["burst"], 200, "the default");
    let audited = {
        use sea_orm::ConnectionTrait as _;
        let statement = sea_orm::Statement::from_string(
            app.db.conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'tenant.limits'",
        );
        let row = app.db.conn.query_one(statement).await.unwrap().unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    assert_eq!(audited, 1, "one audit event per change");
    // Nonsense is explained, the form keeps what was typed, and nothing changes.
    for bad in ["0", "-3", "lots", "1000001"] {
        browser
            .submit(
                "/operator/tenants/acme/limits",
                "/operator/tenants/acme/limits",
                &[
                    ("requests_per_second", bad),
                    ("burst", ""),
                    ("max_concurrent_writes", "8"),
                ],
            )
            .await
            .expect(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Requests per second, per app must be a whole number from 1 to 1000000",
            );
    }
    let shown = app.cli_ok(&["tenant", "limits", "acme"]).await;
    assert_eq!(shown["own"]["requests_per_second"], 120);
}
