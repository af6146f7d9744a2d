//! Resending an activation notice from the person page: full and license admins only, with the
//! CSRF token, back to the person page with a notice; the old link stops working and the
//! license awaits a new notice; an audit event names the admin.

use reqwest::StatusCode;
use rosterd_domain::{LicenseId, LicenseKind, PersonId};
use rosterd_test_support::TestApp;

use crate::browser::{Browser, admin, signed_in};

/// A manual person of `tenant` holding an assigned Learning license whose first notice was
/// written; returns the person and the link's token.
async fn licensed(app: &TestApp, tenant: &str, email: &str) -> (PersonId, String) {
    let person = app
        .cli_ok(&[
            "person", "add", tenant, email, "--given", "Ann", "--family", "Lee",
        ])
        .await;
    let license = app
        .cli_ok(&["license", "grant", tenant, email, "learning"])
        .await;
    let person: PersonId = person["id"].as_str().unwrap().parse().unwrap();
    let license: LicenseId = license["id"].as_str().unwrap().parse().unwrap();
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, tenant)
        .await
        .unwrap();
    let issued =
        rosterd_ledger::issue_first_activation(&app.db.conn, &app.clock, tenant.id, license)
            .await
            .unwrap()
            .unwrap();
    (person, issued.token.expose().to_owned())
}

fn resend_path(tenant: &str, person: PersonId, kind: &str) -> String {
    format!("/admin/{tenant}/users/{person}/licenses/{kind}/resend")
}

async fn awaiting(app: &TestApp) -> usize {
    rosterd_ledger::licenses_awaiting_notice(&app.db.conn, 100)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_license_admin_resends_and_the_old_link_stops_working() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "license-admin").await;
    let (ann, old_link) = licensed(&app, "acme", "ann@acme.example").await;
    assert_eq!(awaiting(&app).await, 0);

    let path = resend_path("acme", ann, "learning");
    browser
        .submit("/admin/acme/", &path, &[])
        .await
        .redirects_to(&format!("/admin/acme/users/{ann}"));
    let err = rosterd_ledger::activation_info(&app.db.conn, &app.clock, &old_link)
        .await
        .unwrap_err();
    assert!(
        matches!(err, rosterd_ledger::ActivationError::Superseded),
        "{err:?}"
    );
    assert_eq!(awaiting(&app).await, 1, "the worker sends a new notice");
    browser.get("/admin/acme/").await.expect(
        StatusCode::OK,
        "A new activation link for Learning is on its way",
    );

    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let events = rosterd_audit::list(
        &app.db.conn,
        tenant.id,
        &rosterd_audit::Query {
            action_prefix: Some("license.resend".into()),
            ..rosterd_audit::Query::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].channel, rosterd_audit::Channel::Admin);
    assert_eq!(events[0].actor, "ada@acme.example");
}

#[tokio::test]
async fn resend_needs_the_role_and_the_csrf_token() {
    let app = TestApp::spawn().await;
    let (_, _) = signed_in(&app, "full-admin").await;
    let (ann, _) = licensed(&app, "acme", "ann@acme.example").await;
    let path = resend_path("acme", ann, "learning");

    let password = admin(&app, "acme", "rae@acme.example", "reporting").await;
    let reporting = Browser::new(&app);
    reporting
        .login_ok("acme", "rae@acme.example", &password)
        .await;
    reporting
        .submit("/admin/acme/", &path, &[])
        .await
        .expect(StatusCode::FORBIDDEN, "");

    let password = admin(&app, "acme", "fay@acme.example", "full-admin").await;
    let full = Browser::new(&app);
    full.login_ok("acme", "fay@acme.example", &password).await;
    full.post(&path, &[])
        .await
        .expect(StatusCode::FORBIDDEN, "This form has expired");
    full.post(&path, &[("csrf", "forged")])
        .await
        .expect(StatusCode::FORBIDDEN, "This form has expired");
    assert_eq!(awaiting(&app).await, 0, "nothing changed");
    full.submit("/admin/acme/", &path, &[])
        .await
        .redirects_to(&format!("/admin/acme/users/{ann}"));
    assert_eq!(awaiting(&app).await, 1);
}

#[tokio::test]
async fn another_tenants_person_and_unknown_kinds_are_not_found() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    app.tenant("globex").await;
    let (stranger, _) = licensed(&app, "globex", "sam@globex.example").await;
    let (ann, _) = licensed(&app, "acme", "ann@acme.example").await;

    browser
        .submit(
            "/admin/acme/",
            &resend_path("acme", stranger, "learning"),
            &[],
        )
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    browser
        .submit(
            "/admin/acme/",
            &resend_path("globex", stranger, "learning"),
            &[],
        )
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    browser
        .submit("/admin/acme/", &resend_path("acme", ann, "crm"), &[])
        .await
        .expect(StatusCode::NOT_FOUND, "Page not found");
    assert_eq!(awaiting(&app).await, 0, "nothing changed");
}

#[tokio::test]
async fn an_active_license_has_nothing_to_resend() {
    let app = TestApp::spawn().await;
    let (browser, _) = signed_in(&app, "full-admin").await;
    let (ann, link) = licensed(&app, "acme", "ann@acme.example").await;
    rosterd_ledger::redeem(&app.db.conn, &app.clock, &link)
        .await
        .unwrap();
    browser
        .submit("/admin/acme/", &resend_path("acme", ann, "learning"), &[])
        .await
        .redirects_to(&format!("/admin/acme/users/{ann}"));
    browser.get("/admin/acme/").await.expect(
        StatusCode::OK,
        "This Learning license is already active: there is nothing to resend.",
    );
    let licenses = rosterd_ledger::licenses_of(
        &app.db.conn,
        rosterd_tenancy::find_tenant(&app.db.conn, "acme")
            .await
            .unwrap()
            .id,
        ann,
    )
    .await
    .unwrap();
    assert_eq!(licenses[0].kind, LicenseKind::Learning);
    assert_eq!(licenses[0].state, rosterd_ledger::LicenseState::Active);
}
