use super::*;
use crate::fair_share::FairShareLimits;

fn limits(rate: u32, burst: u32, writes: u32) -> FairShareLimits {
    FairShareLimits {
        requests_per_second: rate,
        burst,
        tenant_max_concurrent_writes: writes,
        write_wait: Duration::from_millis(50),
        contention_window: Duration::from_secs(60),
    }
}

/// Two replicas on one Redis, their keys under a prefix no other test or run uses.
fn replicas(url: &str, limits: FairShareLimits, lease: Duration) -> (Fleet, Fleet) {
    let prefix = format!("rosterd-test:{}:", uuid::Uuid::new_v4());
    let one = Fleet::new(FairShare::new(limits), url, &prefix, lease).unwrap();
    let two = Fleet::new(FairShare::new(limits), url, &prefix, lease).unwrap();
    (one, two)
}

#[test]
fn the_keys_of_a_fleet_start_with_its_prefix_and_name_tenant_and_app() {
    let keys = Keys {
        prefix: "p:".to_owned(),
    };
    let tenant = TenantId::new();
    assert_eq!(keys.active(), "p:active");
    assert_eq!(
        keys.bucket(tenant, Product::SalesNavigator),
        format!("p:bucket:{tenant}:{}", Product::SalesNavigator.slug())
    );
    assert_eq!(keys.writes(tenant), format!("p:writes:{tenant}"));
}

#[test]
fn after_a_failure_redis_is_left_alone_for_a_while_and_the_warning_is_rare() {
    let mut outage = Outage::default();
    let start = Instant::now();
    assert!(outage.usable(start));
    assert!(outage.failed(start), "the first failure is logged");
    assert!(!outage.usable(start + OUTAGE_RETRY / 2));
    assert!(outage.usable(start + OUTAGE_RETRY));
    assert!(
        !outage.failed(start + OUTAGE_RETRY),
        "not logged again within the minute"
    );
    outage.answered();
    assert!(outage.usable(start + OUTAGE_RETRY));
    assert!(outage.failed(start + OUTAGE_WARN_EVERY), "a minute later");
}

#[test]
fn a_reply_of_the_wrong_shape_is_no_verdict() {
    assert_eq!(
        Verdict::from_reply(&[0, 1_500_000, 1, 0]),
        Some(Verdict {
            admitted: false,
            wait_us: 1_500_000,
            slot: false
        })
    );
    assert_eq!(Verdict::from_reply(&[1, 0]), None);
}

#[tokio::test]
async fn two_replicas_draw_from_one_bucket_while_another_tenant_competes_on_either() {
    let Some(url) = rosterd_test_support::redis_url() else {
        return;
    };
    let (one, two) = replicas(&url, limits(1, 3, 1), Duration::from_secs(60));
    let (acme, globex) = (TenantId::new(), TenantId::new());
    // Globex is seen on replica two only: replica one learns of it from Redis.
    two.admit(globex, Product::Learning, false).await.unwrap();
    one.admit(acme, Product::Learning, false).await.unwrap();
    two.admit(acme, Product::Learning, false).await.unwrap();
    one.admit(acme, Product::Learning, false).await.unwrap();
    let refused = one
        .admit(acme, Product::Learning, false)
        .await
        .expect_err("the burst of 3 is spent across both replicas");
    assert_eq!(refused.retry_after_secs, 1);
    assert!(refused.detail.contains("fair_share.requests_per_second"));
    assert!(two.admit(acme, Product::Learning, false).await.is_err());
    // Another app of acme has its own bucket.
    assert!(
        two.admit(acme, Product::SalesNavigator, false)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_tenant_alone_in_the_fleet_is_never_refused() {
    let Some(url) = rosterd_test_support::redis_url() else {
        return;
    };
    let (one, two) = replicas(&url, limits(1, 2, 1), Duration::from_secs(60));
    let acme = TenantId::new();
    let mut slots = Vec::new();
    for _ in 0..20 {
        for replica in [&one, &two] {
            let slot = replica.admit(acme, Product::Learning, true).await;
            slots.push(slot.expect("alone").expect("a write slot at once"));
        }
    }
    assert!(slots.iter().all(FleetSlot::is_shared));
}

#[tokio::test]
async fn the_write_budget_is_one_across_the_fleet_and_a_freed_slot_serves_the_other_replica() {
    let Some(url) = rosterd_test_support::redis_url() else {
        return;
    };
    let (one, two) = replicas(&url, limits(100, 100, 1), Duration::from_secs(60));
    let (acme, globex) = (TenantId::new(), TenantId::new());
    one.admit(globex, Product::Learning, false).await.unwrap();
    let held = one
        .admit(acme, Product::Learning, true)
        .await
        .unwrap()
        .expect("the first slot, in the same round trip");
    assert!(held.is_shared());
    assert!(
        two.admit(acme, Product::Learning, true)
            .await
            .unwrap()
            .is_none(),
        "admitted, but the budget of 1 is taken on replica one"
    );
    let refused = two.write_slot(acme).await.expect_err("held 50 ms, refused");
    assert!(
        refused
            .detail
            .contains("fair_share.tenant_max_concurrent_writes")
    );
    // Freed on replica one (by a spawned task), the slot serves replica two within its wait.
    let patient = Fleet {
        local: FairShare::new(FairShareLimits {
            write_wait: Duration::from_secs(5),
            ..two.local.limits()
        }),
        redis: two.redis.clone(),
    };
    let waiting = tokio::spawn(async move { patient.write_slot(acme).await.map(drop) });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "held while the slot is taken");
    drop(held);
    waiting.await.unwrap().expect("the freed slot");
}

#[tokio::test]
async fn the_slot_of_a_replica_that_died_holding_it_comes_back_after_its_lease() {
    let Some(url) = rosterd_test_support::redis_url() else {
        return;
    };
    let mut wait_long = limits(100, 100, 1);
    wait_long.write_wait = Duration::from_secs(5);
    let (one, two) = replicas(&url, wait_long, Duration::from_millis(300));
    let (acme, globex) = (TenantId::new(), TenantId::new());
    one.admit(globex, Product::Learning, false).await.unwrap();
    let lost = one.write_slot(acme).await.unwrap();
    // The replica dies: nobody gives the slot back.
    std::mem::forget(lost);
    let started = Instant::now();
    two.write_slot(acme).await.expect("free after the lease");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_redis_that_does_not_answer_leaves_each_replica_its_own_share() {
    // Nothing listens on port 1: every call fails at once.
    let fleet = Fleet::new(
        FairShare::new(limits(1, 2, 1)),
        "redis://127.0.0.1:1",
        "rosterd-test:",
        Duration::from_secs(60),
    )
    .unwrap();
    let (acme, globex) = (TenantId::new(), TenantId::new());
    for _ in 0..5 {
        assert!(fleet.admit(acme, Product::Learning, false).await.is_ok());
    }
    let slot = fleet.write_slot(acme).await.expect("served in-process");
    assert!(!slot.is_shared());
    // The in-process limits still hold while another tenant competes on this replica.
    drop(fleet.local().enter(globex));
    assert!(fleet.admit(acme, Product::Learning, false).await.is_err());
}
