use super::*;

const WINDOW: Duration = Duration::from_secs(60);

fn share(rate: u32, burst: u32, writes: u32) -> FairShare {
    FairShare::new(FairShareLimits {
        requests_per_second: rate,
        burst,
        tenant_max_concurrent_writes: writes,
        write_wait: Duration::from_millis(50),
        contention_window: WINDOW,
    })
}

/// `tenant` sends one request (started and finished), so it competes for the window.
fn seen(fair: &FairShare, tenant: TenantId) {
    drop(fair.enter(tenant));
}

#[test]
fn a_lone_tenant_is_never_refused_however_fast_it_sends() {
    let fair = share(2, 3, 1);
    let acme = TenantId::new();
    let start = Instant::now();
    for _ in 0..1000 {
        let _running = fair.enter(acme);
        assert!(fair.admit(acme, Product::Learning, start).is_ok());
    }
}

#[test]
fn while_another_tenant_competes_a_burst_passes_then_the_rate_holds() {
    let fair = share(2, 3, 1);
    let (acme, globex) = (TenantId::new(), TenantId::new());
    seen(&fair, globex);
    let start = Instant::now();
    for _ in 0..3 {
        assert!(fair.admit(acme, Product::Learning, start).is_ok());
    }
    let refused = fair
        .admit(acme, Product::Learning, start)
        .expect_err("the burst is spent");
    assert_eq!(refused.retry_after_secs, 1);
    assert!(refused.detail.contains("fair_share.requests_per_second"));
    // Another app of the same tenant, and another tenant, have their own buckets.
    assert!(fair.admit(acme, Product::SalesNavigator, start).is_ok());
    assert!(fair.admit(globex, Product::Learning, start).is_ok());
    // Half a second later one token (at 2 per second) is back, and only one.
    let later = start + Duration::from_millis(500);
    assert!(fair.admit(acme, Product::Learning, later).is_ok());
    assert!(fair.admit(acme, Product::Learning, later).is_err());
}

#[test]
fn a_tenant_that_flooded_alone_is_held_to_its_rate_as_soon_as_another_appears() {
    let fair = share(2, 3, 1);
    let (acme, globex) = (TenantId::new(), TenantId::new());
    let start = Instant::now();
    for _ in 0..10 {
        assert!(fair.admit(acme, Product::Learning, start).is_ok());
    }
    let running = fair.enter(globex);
    // Globex is running a request: no burst saved up while acme was alone.
    assert!(fair.admit(acme, Product::Learning, start).is_err());
    drop(running);
    // And it still competes within the window after its request ended.
    assert!(fair.admit(acme, Product::Learning, start).is_err());
}

#[test]
fn another_tenant_stops_competing_once_its_window_has_passed() {
    let fair = FairShare::new(FairShareLimits {
        contention_window: Duration::from_millis(100),
        ..share(1, 1, 1).limits()
    });
    let (acme, globex) = (TenantId::new(), TenantId::new());
    seen(&fair, globex);
    let now = Instant::now();
    assert!(fair.competed(acme, now));
    assert!(
        !fair.competed(globex, now),
        "a tenant never competes with itself"
    );
    assert!(!fair.competed(acme, now + Duration::from_millis(150)));
}

#[test]
fn the_last_other_tenant_is_remembered_however_often_one_tenant_sends() {
    let fair = share(1, 1, 1);
    let (acme, globex, initech) = (TenantId::new(), TenantId::new(), TenantId::new());
    seen(&fair, globex);
    seen(&fair, acme);
    for _ in 0..100 {
        seen(&fair, acme);
    }
    let now = Instant::now();
    assert!(
        fair.competed(acme, now),
        "globex was seen within the window"
    );
    seen(&fair, initech);
    assert!(fair.competed(acme, now));
    assert!(fair.competed(initech, now));
}

#[test]
fn twenty_five_requests_a_second_never_meet_the_default_limits() {
    let fair = share(50, 200, 4);
    let (tenant, flood) = (TenantId::new(), TenantId::new());
    let _flooding = fair.enter(flood);
    let start = Instant::now();
    for i in 0..25 * 600 {
        let at = start + Duration::from_millis(40 * i);
        assert!(
            fair.admit(tenant, Product::Learning, at).is_ok(),
            "request {i}"
        );
    }
}

#[test]
fn the_retry_after_is_when_a_token_is_free_rounded_up() {
    let fair = share(1, 1, 1);
    let (tenant, other) = (TenantId::new(), TenantId::new());
    seen(&fair, other);
    let start = Instant::now();
    assert!(fair.admit(tenant, Product::Learning, start).is_ok());
    let refused = fair.admit(tenant, Product::Learning, start).unwrap_err();
    assert_eq!(refused.retry_after_secs, 1);
    assert_eq!(seconds_up(2.2), 3);
    assert_eq!(seconds_up(0.0), 1);
}

#[tokio::test]
async fn a_lone_tenant_runs_any_number_of_writes_at_once() {
    let fair = share(100, 100, 2);
    let acme = TenantId::new();
    let mut slots = Vec::new();
    for _ in 0..20 {
        slots.push(fair.write_slot(acme).await.expect("nobody else competes"));
    }
}

#[tokio::test]
async fn a_tenant_past_its_write_budget_waits_then_is_refused_and_others_are_not() {
    let fair = share(100, 100, 2);
    let (acme, globex) = (TenantId::new(), TenantId::new());
    let _globex_running = fair.enter(globex);
    let first = fair.write_slot(acme).await.unwrap();
    let _second = fair.write_slot(acme).await.unwrap();
    let refused = fair.write_slot(acme).await.expect_err("the budget is full");
    assert!(
        refused
            .detail
            .contains("fair_share.tenant_max_concurrent_writes")
    );
    assert!(fair.write_slot(globex).await.is_ok());
    drop(first);
    assert!(fair.write_slot(acme).await.is_ok());
}

#[tokio::test]
async fn a_held_write_runs_as_soon_as_a_slot_is_freed() {
    let fair = FairShare::new(FairShareLimits {
        write_wait: Duration::from_secs(5),
        ..share(100, 100, 1).limits()
    });
    let (acme, globex) = (TenantId::new(), TenantId::new());
    let _globex_running = fair.enter(globex);
    let first = fair.write_slot(acme).await.unwrap();
    let waiting = tokio::spawn({
        let fair = fair.clone();
        async move { fair.write_slot(acme).await.map(drop) }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "held while globex competes");
    let freed_at = Instant::now();
    drop(first);
    waiting.await.unwrap().expect("the freed slot");
    assert!(freed_at.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_held_write_runs_once_the_competition_ends() {
    let fair = FairShare::new(FairShareLimits {
        write_wait: Duration::from_secs(5),
        contention_window: Duration::from_millis(100),
        ..share(100, 100, 1).limits()
    });
    let (acme, globex) = (TenantId::new(), TenantId::new());
    let globex_running = fair.enter(globex);
    let _first = fair.write_slot(acme).await.unwrap();
    let waiting = tokio::spawn({
        let fair = fair.clone();
        async move { fair.write_slot(acme).await.map(drop) }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiting.is_finished(), "held while globex competes");
    drop(globex_running);
    waiting
        .await
        .unwrap()
        .expect("runs after globex's window, first slot still held");
}

#[tokio::test]
async fn a_tenants_own_limits_replace_the_defaults_for_it_alone() {
    let fair = share(1, 1, 1);
    let (acme, globex, initech) = (TenantId::new(), TenantId::new(), TenantId::new());
    seen(&fair, initech);
    let start = Instant::now();
    assert!(fair.tenant_limits_due(acme, start), "never loaded");
    assert!(
        !fair.tenant_limits_due(acme, start),
        "claimed once per period"
    );
    assert!(fair.tenant_limits_due(acme, start + TENANT_LIMITS_REFRESH));
    fair.set_tenant_limits(
        acme,
        TenantLimits {
            requests_per_second: None,
            burst: Some(5),
            max_concurrent_writes: Some(3),
        },
    );
    for _ in 0..5 {
        assert!(fair.admit(acme, Product::Learning, start).is_ok());
    }
    assert!(fair.admit(acme, Product::Learning, start).is_err());
    assert!(fair.admit(globex, Product::Learning, start).is_ok());
    assert!(
        fair.admit(globex, Product::Learning, start).is_err(),
        "default burst 1"
    );
    let mut slots = Vec::new();
    for _ in 0..3 {
        slots.push(fair.write_slot(acme).await.expect("its own budget of 3"));
    }
    let refused = fair.write_slot(acme).await.expect_err("past 3");
    assert!(
        refused.detail.contains("already has 3 SCIM writes"),
        "{}",
        refused.detail
    );
    fair.set_tenant_limits(acme, TenantLimits::default());
    assert!(
        fair.admit(acme, Product::Learning, start).is_err(),
        "back to burst 1, spent"
    );
}
