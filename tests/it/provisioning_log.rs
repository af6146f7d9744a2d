//! The provisioning log end to end: a SCIM request refused for want of a seat shows in the
//! admin center's provisioning log with its hint, and nothing secret is kept; a flood of
//! fair-share refusals is collapsed into a few entries that count every refusal, and the
//! overview shows the count; old entries are purged after the retention.

use chrono::Duration;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use rosterd_domain::Product;
use rosterd_test_support::{TenantApps, TestApp};
use serde_json::json;

/// The tenant's provisioning log, newest first, once `written` holds of it (the writer works in
/// the background), or as it is after about 5 s.
pub(crate) async fn logged_once(
    app: &TestApp,
    tenant: &str,
    written: impl Fn(&[rosterd_tenancy::provisioning_log::LogEntry]) -> bool,
) -> Vec<rosterd_tenancy::provisioning_log::LogEntry> {
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, tenant)
        .await
        .unwrap();
    let mut logged = Vec::new();
    for _ in 0..100 {
        logged = rosterd_tenancy::provisioning_log::list(
            &app.db.conn,
            tenant.id,
            &rosterd_tenancy::provisioning_log::Query::default(),
        )
        .await
        .unwrap();
        if written(&logged) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    logged
}

/// Signs in as a new full admin of `tenant`; returns the session cookie (`name=value`).
async fn sign_in(app: &TestApp, tenant: &str) -> String {
    let created = app
        .cli_ok(&["admin", "create", tenant, "ops@acme.example"])
        .await;
    let password = created["password"].as_str().unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = format!("{}/admin/{tenant}/login", app.base_url);
    let form = http.get(&login).send().await.unwrap();
    let cookie = |res: &reqwest::Response| {
        let set = res.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
        set.split(';').next().unwrap().to_owned()
    };
    let first = cookie(&form);
    let body = form.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    let csrf = &body[start..start + body[start..].find('"').unwrap()];
    let signed = http
        .post(&login)
        .header("cookie", &first)
        .form(&[
            ("csrf", csrf),
            ("email", "ops@acme.example"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.headers()[LOCATION], format!("/admin/{tenant}/"));
    cookie(&signed)
}

#[tokio::test]
async fn a_seat_refusal_shows_in_the_provisioning_log_with_its_hint_and_no_secrets() {
    let app = TestApp::spawn().await;
    let acme = app.tenant_with_seats("acme", &[("learning", 1)]).await;
    let users = format!("{}/Users", acme.base(Product::Learning));
    let token = acme.token(Product::Learning);
    let post = |name: &'static str| {
        app.http
            .post(&users)
            .bearer_auth(token)
            .header("content-type", "application/scim+json")
            .body(
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name,
                    "password": "Never-Store-Me-42",
                    "active": true,
                })
                .to_string(),
            )
            .send()
    };
    assert_eq!(
        post("ada@acme.example").await.unwrap().status(),
        StatusCode::CREATED
    );
    let refused = post("bob@acme.example").await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let session = sign_in(&app, "acme").await;
    let url = format!(
        "{}/admin/acme/provisioning?outcome=refused-seats",
        app.base_url
    );
    let mut page = String::new();
    for _ in 0..100 {
        page = app
            .http
            .get(&url)
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains("403 ·") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for shown in [
        "Refused: no seat",
        "POST /scim/acme/learning/v2/Users",
        "the Learning pool (`learning`) is full",
        "the Licenses page shows who holds them",
        "userName=bob@acme.example",
    ] {
        assert!(page.contains(shown), "`{shown}` not in: {page}");
    }
    assert!(
        !page.contains("ada@acme.example"),
        "filtered to seat refusals"
    );
    for secret in ["Never-Store-Me-42", token] {
        assert!(!page.contains(secret), "a secret is shown");
    }
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let stored = rosterd_tenancy::provisioning_log::list(
        &app.db.conn,
        tenant.id,
        &rosterd_tenancy::provisioning_log::Query::default(),
    )
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    let text = format!("{stored:?}");
    assert!(
        !text.contains("Never-Store-Me-42") && !text.contains(token),
        "{text}"
    );
    let created = stored.iter().find(|e| e.status == 201).unwrap();
    assert_eq!(created.resources.len(), 1);
    assert_eq!(
        created.resources[0].name.as_deref(),
        Some("ada@acme.example")
    );
}

#[tokio::test]
async fn a_flood_of_refusals_is_collapsed_into_counted_entries_and_the_overview_counts_each() {
    let app = TestApp::spawn_with(|config| {
        config.fair_share.requests_per_second = 1;
        config.fair_share.burst = 1;
        config.fair_share.contention_window = std::time::Duration::from_secs(60);
        config.provisioning_log.refusal_window = std::time::Duration::from_secs(1);
    })
    .await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let get = |tenant: &TenantApps| {
        app.http
            .get(format!("{}/Users", tenant.base(Product::Learning)))
            .bearer_auth(tenant.token(Product::Learning))
            .send()
    };
    // Globex provisions, so acme competes with it and is held to 1 request a second.
    assert_eq!(get(&globex).await.unwrap().status(), StatusCode::OK);
    let mut refused = 0;
    for _ in 0..40 {
        if get(&acme).await.unwrap().status() == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert!(refused >= 30, "only {refused} of 40 refused");

    // Every refusal is counted once the windows close (1 s, then the next tick).
    let mut logged = logged_once(&app, "acme", |entries| {
        entries
            .iter()
            .filter(|e| e.status == 429)
            .map(|e| e.repeats)
            .sum::<u32>()
            == refused
    })
    .await;
    logged.retain(|e| e.status == 429);
    assert_eq!(logged.iter().map(|e| e.repeats).sum::<u32>(), refused);
    assert!(
        logged.len() <= 6,
        "{} entries for {refused} refusals",
        logged.len()
    );
    let first = logged.last().unwrap();
    assert_eq!(first.repeats, 1, "the first refusal is logged as it was");
    assert!(
        first
            .detail
            .as_deref()
            .unwrap()
            .contains("fair_share.requests_per_second")
    );
    let counted = logged.iter().find(|e| e.repeats > 1).unwrap();
    assert!(
        counted
            .detail
            .as_deref()
            .unwrap()
            .contains("more requests of this app were refused")
    );

    let session = sign_in(&app, "acme").await;
    let page = |path: String| {
        let http = app.http.clone();
        let session = session.clone();
        async move {
            http.get(path)
                .header("cookie", session)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let overview = page(format!("{}/admin/acme/", app.base_url)).await;
    assert!(
        overview.contains(&format!(
            "<dt>Rate-limited, last 24 hours</dt><dd>{refused}</dd>"
        )),
        "{overview}"
    );
    assert!(overview.contains(&format!(
        "{refused} SCIM request(s) were refused in the last 24 hours"
    )));
    let log = page(format!("{}/admin/acme/provisioning", app.base_url)).await;
    assert!(
        log.contains(&format!("{} requests", counted.repeats)),
        "{log}"
    );
}

#[tokio::test]
async fn entries_past_the_retention_are_purged() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let listed = || async {
        rosterd_tenancy::provisioning_log::list(
            &app.db.conn,
            tenant.id,
            &rosterd_tenancy::provisioning_log::Query::default(),
        )
        .await
        .unwrap()
    };
    let users = format!("{}/Users", acme.base(Product::Learning));
    app.get(&users, Some(acme.token(Product::Learning))).await;
    app.clock.advance(Duration::days(31));
    app.get(&users, Some(acme.token(Product::Learning))).await;
    for _ in 0..100 {
        if listed().await.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(listed().await.len(), 2);
    let purged = rosterd::provisioning_log::purge_once(&app.db.conn, &app.clock, 30)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let left = listed().await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].method, "GET");
}
