//! Fair share over real HTTP, work-conserving: a tenant alone is never refused however fast it
//! sends; while another tenant competes, an app over its rate gets 429 with `Retry-After` and a
//! SCIM body naming the limit, recorded in the provisioning log, writes past the tenant's budget
//! wait and are then refused, and an IdP at 25 requests/s passes untouched.

use std::time::Duration;

use rosterd_domain::Product;
use rosterd_test_support::TestApp;
use serde_json::{Value, json};

use crate::scim_client::{Scim, expect};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// Sends `count` requests at once, half user creations and half lookups, and returns their
/// statuses and bodies.
async fn at_once(scim: &Scim<'_>, count: usize, prefix: &str) -> Vec<(u16, Value)> {
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..count {
        let request = if i % 2 == 0 {
            scim.app
                .http
                .post(format!("{}/Users", scim.base))
                .header("content-type", "application/scim+json")
                .body(
                    json!({"schemas": [USER], "userName": format!("{prefix}{i}@acme.example")})
                        .to_string(),
                )
        } else {
            scim.app.http.get(format!("{}/Users?count=1", scim.base))
        };
        let request = request.bearer_auth(&scim.token);
        requests.spawn(async move {
            let reply = request.send().await.unwrap();
            let status = reply.status().as_u16();
            (status, reply.json::<Value>().await.unwrap_or_default())
        });
    }
    requests.join_all().await
}

#[tokio::test]
async fn a_lone_tenant_running_flat_out_is_never_refused() {
    // Limits far below what 32 clients send: alone on the server, nobody's share is taken.
    let app = TestApp::spawn_with(|config| {
        config.fair_share.requests_per_second = 1;
        config.fair_share.burst = 3;
        config.fair_share.tenant_max_concurrent_writes = 1;
        config.fair_share.write_wait = Duration::from_millis(1);
    })
    .await;
    let acme = app.tenant("acme").await;
    let scim = Scim::new(&app, &acme, Product::Learning);
    for round in 0..4 {
        for (status, body) in at_once(&scim, 32, &format!("r{round}-")).await {
            assert!(status == 200 || status == 201, "{status} {body}");
        }
    }
}

#[tokio::test]
async fn an_app_over_its_rate_while_another_tenant_provisions_gets_429_and_others_do_not() {
    let app = TestApp::spawn_with(|config| {
        config.fair_share.requests_per_second = 1;
        config.fair_share.burst = 3;
        config.fair_share.contention_window = Duration::from_secs(60);
    })
    .await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let learning = Scim::new(&app, &acme, Product::Learning);
    let globex_learning = Scim::new(&app, &globex, Product::Learning);
    // Globex provisions: for the next minute acme competes with it.
    expect(&globex_learning.get("/Users").await, 200);
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
    // Another app of the tenant, and the other tenant, have their own budgets.
    expect(
        &Scim::new(&app, &acme, Product::SalesNavigator)
            .get("/Users")
            .await,
        200,
    );
    expect(&globex_learning.get("/Users").await, 200);
    // The refusal is in the tenant's provisioning log, with its detail.
    let logged = crate::provisioning_log::logged_once(&app, "acme", |entries| {
        entries.iter().any(|e| e.status == 429)
    })
    .await;
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
async fn writes_past_the_budget_while_another_tenant_provisions_wait_then_are_refused() {
    let app = TestApp::spawn_with(|config| {
        config.fair_share.requests_per_second = 10_000;
        config.fair_share.burst = 10_000;
        config.fair_share.tenant_max_concurrent_writes = 1;
        config.fair_share.write_wait = Duration::from_millis(1);
        config.fair_share.contention_window = Duration::from_secs(60);
    })
    .await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    expect(
        &Scim::new(&app, &globex, Product::Learning)
            .get("/Users")
            .await,
        200,
    );
    let replies = at_once(&Scim::new(&app, &acme, Product::Learning), 32, "w").await;
    let refused: Vec<&Value> = replies
        .iter()
        .filter(|(status, _)| *status == 429)
        .map(|(_, body)| body)
        .collect();
    assert!(
        !refused.is_empty(),
        "16 writes at once with a budget of 1 held 1 ms"
    );
    for body in refused {
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("fair_share.tenant_max_concurrent_writes"),
            "{body}"
        );
    }
    // Reads take no write slot, and the writes that got one ran.
    let created = replies.iter().filter(|(status, _)| *status == 201).count();
    let read = replies.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(read, 16);
    assert!(created >= 1);
}

#[tokio::test]
async fn an_idp_at_25_requests_a_second_passes_untouched_while_another_tenant_floods() {
    // Tighter than the defaults (50/s, bursts of 200), so what holds here holds for them, and a
    // flood from 4 clients on a busy machine is sure to go past them.
    let app = TestApp::spawn_with(|config| {
        config.fair_share.requests_per_second = 30;
        config.fair_share.burst = 10;
    })
    .await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    // Globex floods with lookups from 4 clients until acme is done.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let request = app
            .http
            .get(format!("{}/Users?count=1", globex.base(Product::Learning)))
            .bearer_auth(globex.token(Product::Learning));
        let done = done.clone();
        flood.spawn(async move {
            let mut refused = 0_u32;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let reply = request.try_clone().unwrap().send().await.unwrap();
                match reply.status().as_u16() {
                    200 => {}
                    429 => refused += 1,
                    other => panic!("the flood got {other}"),
                }
            }
            refused
        });
    }
    let scim = Scim::new(&app, &acme, Product::Learning);
    let mut tick = tokio::time::interval(Duration::from_millis(40));
    // At most 25 a second even when a reply is late: a burst of missed ticks would be a
    // different IdP (and on a loaded machine go past the burst of 10).
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for _ in 0..150 {
        tick.tick().await;
        expect(&scim.get("/Users?count=1").await, 200);
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let refused: u32 = flood.join_all().await.into_iter().sum();
    // The flood sent far past 30/s in 6 s, so the limits did bite (and acme passed them).
    assert!(refused > 0, "the flooding tenant was never held back");
}

#[tokio::test]
async fn a_tenants_own_limits_set_by_the_operator_apply_to_it_alone() {
    let app = TestApp::spawn_with(|config| {
        config.fair_share.requests_per_second = 1;
        config.fair_share.burst = 50;
        config.fair_share.contention_window = Duration::from_secs(60);
    })
    .await;
    let acme = app.tenant("acme").await;
    let globex = app.tenant("globex").await;
    let set = app
        .cli_ok(&[
            "tenant",
            "limits",
            "acme",
            "--burst",
            "2",
            "--max-concurrent-writes",
            "3",
        ])
        .await;
    assert_eq!(set["own"]["burst"], 2);
    assert!(set["own"]["requests_per_second"].is_null());
    // The CLI reads its own configuration's defaults (here none: 50 per second).
    assert_eq!(set["in_force"]["requests_per_second"], 50);
    assert_eq!(set["in_force"]["max_concurrent_writes"], 3);
    let globex_learning = Scim::new(&app, &globex, Product::Learning);
    expect(&globex_learning.get("/Users").await, 200);
    let learning = Scim::new(&app, &acme, Product::Learning);
    for _ in 0..2 {
        expect(&learning.get("/Users").await, 200);
    }
    let refused = learning.get("/Users").await;
    expect(&refused, 429);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("bursts of up to 2"),
        "{}",
        refused.body
    );
    // Globex keeps the default burst of 50.
    for _ in 0..10 {
        expect(&globex_learning.get("/Users").await, 200);
    }
    // Back to the defaults; a bad value is refused and names the flag.
    let reset = app.cli_ok(&["tenant", "limits", "acme", "--reset"]).await;
    assert!(reset["own"]["burst"].is_null());
    let err = app
        .cli(&["tenant", "limits", "acme", "--burst", "0"])
        .await
        .unwrap_err();
    assert!(err.contains("burst must be a whole number from 1"), "{err}");
    let err = app
        .cli(&["tenant", "limits", "acme", "--burst", "many"])
        .await
        .unwrap_err();
    assert!(err.contains("--burst"), "{err}");
}
