//! `ledger verify`: clean after real work, loud after tampering.

use rosterd_domain::LicenseKind::{
    Learning, SalesNavigatorAdvanced as Advanced, SalesNavigatorCore as Core,
};
use rosterd_domain::Product;
use rosterd_ledger::{
    Actor, LicenseSource, WaitKey, activate, adopt, assign, change, enqueue, grant_manual, revoke,
    set_capacity, verify,
};
use sea_orm::ConnectionTrait;

use crate::support::{Fixture, admin, scim};

/// A tenant with a bit of everything in its history.
async fn busy() -> (Fixture, rosterd_domain::LicenseId) {
    let f = Fixture::new(&[(Learning, 3), (Core, 2), (Advanced, 1)]).await;
    let sn = LicenseSource::Scim(Product::SalesNavigator);
    let (ann, bob, cat, dan) = (
        f.person().await,
        f.person().await,
        f.person().await,
        f.person().await,
    );
    let (c, t, tn) = (f.conn(), &f.clock, f.tenant);
    let learning = assign(
        &rosterd_ledger::TenantLedger::new(c, t, tn, &scim()),
        ann,
        Learning,
        LicenseSource::Scim(Product::Learning),
        "new",
    )
    .await
    .unwrap();
    activate(c, t, tn, learning.id, &scim()).await.unwrap();
    assign(
        &rosterd_ledger::TenantLedger::new(c, t, tn, &scim()),
        bob,
        Core,
        sn,
        "rule",
    )
    .await
    .unwrap();
    change(
        &rosterd_ledger::TenantLedger::new(c, t, tn, &scim()),
        bob,
        Core,
        Advanced,
        "team",
    )
    .await
    .unwrap();
    grant_manual(
        &rosterd_ledger::TenantLedger::new(c, t, tn, &admin()),
        cat,
        Core,
        "trial",
    )
    .await
    .unwrap();
    adopt(
        &rosterd_ledger::TenantLedger::new(c, t, tn, &scim()),
        cat,
        Core,
        Product::SalesNavigator,
        "eligible",
    )
    .await
    .unwrap();
    enqueue(
        &rosterd_ledger::TenantLedger::new(c, t, tn, &scim()),
        dan,
        Advanced,
        &WaitKey::default(),
        Product::SalesNavigator,
        "rule",
    )
    .await
    .unwrap();
    revoke(
        &rosterd_ledger::TenantLedger::new(c, t, tn, &scim()),
        bob,
        Advanced,
        "left",
    )
    .await
    .unwrap();
    set_capacity(c, t, tn, Learning, 5, &Actor::operator())
        .await
        .unwrap();
    set_capacity(c, t, tn, Core, 1, &Actor::operator())
        .await
        .unwrap();
    (f, learning.id)
}

#[tokio::test]
async fn a_busy_history_replays_to_the_tables() {
    let (f, _) = busy().await;
    let report = verify(f.conn(), f.tenant).await.unwrap();
    assert!(report.clean, "{:#?}", report.differences);
    assert_eq!(
        report.licenses, 4,
        "ann, bob (revoked), cat, dan (served from the list)"
    );
    assert!(report.entries >= 12);
}

async fn tamper(f: &Fixture, sql: &str) {
    let sql = sql.replace("{tenant}", &f.tenant.to_string());
    f.conn().execute_unprepared(&sql).await.unwrap();
}

#[tokio::test]
async fn a_tampered_license_state_is_reported() {
    let (f, learning) = busy().await;
    tamper(
        &f,
        &format!("UPDATE licenses SET state = 'assigned' WHERE id = '{learning}'"),
    )
    .await;
    let report = verify(f.conn(), f.tenant).await.unwrap();
    assert!(!report.clean);
    assert_eq!(report.differences.len(), 1, "{:#?}", report.differences);
    let d = &report.differences[0];
    assert!(
        d.contains(&learning.to_string()) && d.contains("the table says assigned"),
        "{d}"
    );
    assert!(d.contains("the ledger says active"), "{d}");
}

#[tokio::test]
async fn a_tampered_pool_is_reported() {
    let (f, _) = busy().await;
    tamper(&f, "UPDATE seat_pools SET in_use = 0, capacity = 9 WHERE tenant_id = '{tenant}' AND license_kind = 'learning'").await;
    let report = verify(f.conn(), f.tenant).await.unwrap();
    let all = report.differences.join("\n");
    assert!(
        all.contains("pool learning: capacity is 9 in the table, 5 in the ledger"),
        "{all}"
    );
    assert!(
        all.contains("pool learning: 0 seats in use in the table, 1 in the ledger"),
        "{all}"
    );
    assert!(
        all.contains("pool learning: 0 seats in use in the table, but 1 live licenses"),
        "{all}"
    );
}

#[tokio::test]
async fn a_license_slipped_in_without_the_ledger_is_reported() {
    let (f, _) = busy().await;
    let eve = f.person().await;
    tamper(&f, &format!(
        "INSERT INTO licenses (tenant_id, id, person_id, license_kind, state, source, created_at, updated_at) \
         VALUES ('{{tenant}}', '{}', '{eve}', 'learning', 'active', 'manual', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        rosterd_domain::LicenseId::new()
    ))
    .await;
    let report = verify(f.conn(), f.tenant).await.unwrap();
    let all = report.differences.join("\n");
    assert!(all.contains("not in the ledger"), "{all}");
    assert!(all.contains("but 2 live licenses"), "{all}");
}

#[tokio::test]
async fn a_deleted_entry_is_reported() {
    let (f, learning) = busy().await;
    tamper(
        &f,
        &format!(
            "DELETE FROM ledger_entries WHERE license_id = '{learning}' AND kind = 'activate'"
        ),
    )
    .await;
    let report = verify(f.conn(), f.tenant).await.unwrap();
    let all = report.differences.join("\n");
    assert!(
        all.contains("the table says active") && all.contains("the ledger says assigned"),
        "{all}"
    );
}
