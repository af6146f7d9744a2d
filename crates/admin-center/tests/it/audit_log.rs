//! The audit log page and its CSV: admin-center and operator changes recorded with their actor
//! and channel, filters, formula-safe export, tenant isolation.

use reqwest::StatusCode;
use rosterd_test_support::TestApp;

use crate::browser::{Browser, admin, signed_in};

const AUDIT: &str = "/admin/acme/audit";
const SCIM: &str = "/admin/acme/settings/scim/learning";

#[tokio::test]
async fn admin_changes_are_recorded_with_who_and_never_the_token() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    browser
        .submit(SCIM, &format!("{SCIM}/status"), &[("scim", "off")])
        .await
        .redirects_to(SCIM);
    let issued = browser.submit(SCIM, &format!("{SCIM}/tokens"), &[]).await;
    let start = issued.body.find("rosterd_scim_").unwrap();
    let secret = issued.body[start..start + "rosterd_scim_".len() + 43].to_owned();
    browser
        .submit(
            "/admin/acme/admins",
            "/admin/acme/admins",
            &[("email", "=cmd@acme.example"), ("role", "reporting")],
        )
        .await
        .expect(StatusCode::CREATED, "can now sign in");
    let page = browser.get(AUDIT).await;
    page.expect(StatusCode::OK, "<title>Audit log · rosterd</title>")
        .expect(StatusCode::OK, "scim.disable")
        .expect(StatusCode::OK, "token.issue")
        .expect(StatusCode::OK, "admin.create")
        .expect(StatusCode::OK, "ada@acme.example")
        .expect(StatusCode::OK, "Admin center")
        // The CLI created the tenant: an operator event.
        .expect(StatusCode::OK, "tenant.create");
    assert!(!page.body.contains(&secret), "the token is never recorded");
    assert!(page.body.contains(&secret[..21]), "its prefix is");

    let operator = browser.get(&format!("{AUDIT}?channel=operator")).await;
    operator.expect(StatusCode::OK, "tenant.create");
    // The CLI's own token and admin set-up are operator events too; the admin's are not.
    assert!(!operator.body.contains("scim.disable"));
    let tokens = browser.get(&format!("{AUDIT}?action=token.")).await;
    assert!(tokens.body.contains("token.issue") && !tokens.body.contains("scim.disable"));
    browser
        .get(&format!("{AUDIT}?actor=nobody"))
        .await
        .expect(StatusCode::OK, "No events match these filters.");

    let csv = browser.get(&format!("{AUDIT}.csv?channel=admin")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("acme-audit.csv")
    );
    assert!(csv.body.starts_with(
        "\"time\",\"channel\",\"actor\",\"action\",\"target_type\",\"target_id\",\"detail\"\r\n"
    ));
    assert!(csv.body.contains("\"token.issue\""));
    assert!(
        !csv.body.contains("tenant.create"),
        "filtered to the admin channel"
    );
    assert!(
        csv.body
            .contains("\"'=cmd@acme.example added as Reporting (read-only)\""),
        "a formula is defused: {}",
        csv.body
    );
    assert!(!csv.body.contains(&secret));
}

#[tokio::test]
async fn a_password_change_is_recorded_and_reporting_admins_can_read_the_log() {
    let app = TestApp::spawn().await;
    let (browser, password) = signed_in(&app, "reporting").await;
    let form = "/admin/acme/account/password";
    browser
        .submit(
            form,
            form,
            &[
                ("current", &password),
                ("new", "a much longer password"),
                ("confirm", "a much longer password"),
            ],
        )
        .await
        .redirects_to("/admin/acme/");
    browser
        .get(AUDIT)
        .await
        .expect(StatusCode::OK, "admin.password_change")
        .expect(StatusCode::OK, "ada@acme.example changed their password");
    assert!(
        !browser
            .get(AUDIT)
            .await
            .body
            .contains("a much longer password")
    );
}

#[tokio::test]
async fn operator_console_changes_are_operator_events_and_tenants_are_isolated() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let op_password = crate::browser::operator(&app, "olga@rosterd.example").await;
    let op = Browser::new(&app);
    op.operator_login("olga@rosterd.example", &op_password)
        .await;
    let tenant = "/operator/tenants/acme";
    op.submit(
        tenant,
        &format!("{tenant}/seats"),
        &[("seats-learning", "250")],
    )
    .await
    .redirects_to(tenant);
    op.submit(
        tenant,
        &format!("{tenant}/status"),
        &[("status", "suspended")],
    )
    .await
    .redirects_to(tenant);
    op.submit(tenant, &format!("{tenant}/status"), &[("status", "active")])
        .await
        .redirects_to(tenant);
    // The suspension signed ada out; sign in again.
    let password = admin(&app, "acme", "bea@acme.example", "reporting").await;
    let bea = Browser::new(&app);
    bea.login_ok("acme", "bea@acme.example", &password).await;
    let page = bea.get(&format!("{AUDIT}?channel=operator")).await;
    page.expect(StatusCode::OK, "tenant.seats")
        .expect(StatusCode::OK, "Learning 250")
        .expect(StatusCode::OK, "tenant.suspend")
        .expect(StatusCode::OK, "tenant.reactivate")
        .expect(StatusCode::OK, "olga@rosterd.example");
    drop(browser);
    app.tenant("globex").await;
    let gus_password = admin(&app, "globex", "gus@globex.example", "full-admin").await;
    let gus = Browser::new(&app);
    gus.login_ok("globex", "gus@globex.example", &gus_password)
        .await;
    gus.get(AUDIT)
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    gus.get(&format!("{AUDIT}.csv"))
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    let own = gus.get("/admin/globex/audit").await;
    assert!(!own.body.contains("olga@rosterd.example"));
}
