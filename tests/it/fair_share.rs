//! Fair share over real HTTP: an app over its rate gets 429 with `Retry-After` and a SCIM body
//! naming the limit, recorded in the provisioning log; other apps are untouched.

use rosterd_domain::Product;
use rosterd_test_support::TestApp;

use crate::scim_client::{Scim, expect};

#[tokio::test]
async fn an_app_over_its_rate_gets_429_with_retry_after_and_others_do_not() {
    let app = TestApp::spawn_with(|config| {
        config.fair_share.requests_per_second = 1;
        config.fair_share.burst = 3;
    })
    .await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let learning = Scim::new(&app, &acme, Product::Learning);
    for _ in 0..3 {
        expect(&learning.get("/Users").await, 200);
    }
    let refused = learning.get("/Users").await;
    expect(&refused, 429);
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(refused.body["status"], "429");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("fair_share.requests_per_second"),
        "{detail}"
    );
    // Another app of the tenant, and another tenant, have their own budgets.
    expect(
        &Scim::new(&app, &acme, Product::SalesNavigator)
            .get("/Users")
            .await,
        200,
    );
    expect(
        &Scim::new(&app, &globex, Product::Learning)
            .get("/Users")
            .await,
        200,
    );
    // The refusal is in the tenant's provisioning log, with its detail.
    let tenant = rosterd_tenancy::find_tenant(&app.db.conn, "acme")
        .await
        .unwrap();
    let mut logged = Vec::new();
    for _ in 0..50 {
        logged = rosterd_tenancy::provisioning_log::list(
            &app.db.conn,
            tenant.id,
            &rosterd_tenancy::provisioning_log::Query::default(),
        )
        .await
        .unwrap();
        if logged.iter().any(|e| e.status == 429) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let entry = logged.iter().find(|e| e.status == 429).expect("429 logged");
    assert!(
        entry
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("fair_share")
    );
}

#[tokio::test]
async fn an_idp_at_25_requests_a_second_passes_the_default_limits_untouched() {
    let app = TestApp::spawn_with(|_| {}).await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(40));
    for _ in 0..100 {
        tick.tick().await;
        expect(&scim.get("/Users?count=1").await, 200);
    }
}
