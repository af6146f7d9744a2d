//! Assign, revoke, change, activate, refusals and the queries over licenses.

use rosterd_domain::LicenseKind::{
    self, Learning, SalesNavigatorAdvanced as Advanced, SalesNavigatorCore as Core,
};
use rosterd_domain::Product;
use rosterd_ledger::{
    Actor, ActorKind, EntryKind, Error, LicenseQuery, LicenseSource, LicenseState, activate,
    assign, change, entries, find_live, licenses_of, list_licenses, record_refusal, revoke,
};
use sea_orm::{Database, TransactionTrait};

use crate::support::{Fixture, scim};

const SCIM_SN: LicenseSource = LicenseSource::Scim(Product::SalesNavigator);
const SCIM_LEARNING: LicenseSource = LicenseSource::Scim(Product::Learning);

async fn give(
    f: &Fixture,
    person: rosterd_domain::PersonId,
    kind: LicenseKind,
) -> rosterd_ledger::License {
    let source = LicenseSource::Scim(kind.product());
    assign(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        person,
        kind,
        source,
        "provisioned",
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn assign_takes_a_seat_and_records_who_and_why() {
    let f = Fixture::new(&[(Learning, 5)]).await;
    let ann = f.person().await;
    let license = give(&f, ann, Learning).await;
    assert_eq!(license.state, LicenseState::Assigned);
    assert_eq!(license.source, SCIM_LEARNING);
    assert_eq!(f.pool(Learning).await, (5, 1));
    let entry = f.entries().await.pop().unwrap();
    assert_eq!(entry.kind, EntryKind::Assign);
    assert_eq!(entry.license_id, Some(license.id));
    assert_eq!(entry.person_id, Some(ann));
    assert_eq!(entry.license_source, Some(SCIM_LEARNING));
    assert_eq!(entry.actor, scim());
    assert_eq!(entry.reason, "provisioned");
    f.assert_verified().await;
}

#[tokio::test]
async fn assigning_again_returns_the_same_license_without_a_second_seat() {
    let f = Fixture::new(&[(Learning, 5)]).await;
    let ann = f.person().await;
    let first = give(&f, ann, Learning).await;
    let second = give(&f, ann, Learning).await;
    assert_eq!(first, second);
    assert_eq!(f.pool(Learning).await, (5, 1));
    assert_eq!(f.entry_kinds().await, [EntryKind::Assign]);
}

#[tokio::test]
async fn a_full_pool_refuses_with_its_numbers_and_writes_nothing() {
    let f = Fixture::new(&[(Advanced, 1)]).await;
    let (ann, bob) = (f.person().await, f.person().await);
    give(&f, ann, Advanced).await;
    let err = assign(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        bob,
        Advanced,
        SCIM_SN,
        "joined",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::PoolFull {
                kind: Advanced,
                capacity: 1,
                in_use: 1
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Sales Navigator Advanced: 1 of 1 seats assigned; more licenses are needed"
    );
    assert_eq!(f.pool(Advanced).await, (1, 1));
    assert_eq!(
        find_live(f.conn(), f.tenant, bob, Advanced).await.unwrap(),
        None
    );
    assert_eq!(f.entry_kinds().await, [EntryKind::Assign]);
}

#[tokio::test]
async fn a_full_pool_leaves_the_callers_transaction_usable() {
    let f = Fixture::new(&[(Advanced, 0), (Core, 1)]).await;
    let ann = f.person().await;
    let txn = f.conn().begin().await.unwrap();
    let full = assign(
        &rosterd_ledger::TenantLedger::new(&txn, &f.clock, f.tenant, &scim()),
        ann,
        Advanced,
        SCIM_SN,
        "rule",
    )
    .await;
    assert!(matches!(full, Err(Error::PoolFull { .. })));
    assign(
        &rosterd_ledger::TenantLedger::new(&txn, &f.clock, f.tenant, &scim()),
        ann,
        Core,
        SCIM_SN,
        "fallback",
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(f.pool(Core).await, (1, 1));
    f.assert_verified().await;
}

#[tokio::test]
async fn revoke_frees_the_seat_once() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let ann = f.person().await;
    let license = give(&f, ann, Learning).await;
    let revoked = revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Learning,
        "active=false",
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(revoked.license.id, license.id);
    assert_eq!(revoked.license.state, LicenseState::Revoked);
    assert!(revoked.served.is_empty());
    assert_eq!(f.pool(Learning).await, (1, 0));
    let again = revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Learning,
        "DELETE",
    )
    .await
    .unwrap();
    assert_eq!(again, None, "nothing left to revoke");
    assert_eq!(
        f.entry_kinds().await,
        [EntryKind::Assign, EntryKind::Revoke]
    );
    // Reactivation is a new license on a free seat.
    let new = give(&f, ann, Learning).await;
    assert_ne!(new.id, license.id);
    f.assert_verified().await;
}

#[tokio::test]
async fn a_tier_change_moves_the_seat_and_keeps_the_license() {
    let f = Fixture::new(&[(Core, 2), (Advanced, 2)]).await;
    let ann = f.person().await;
    let core = give(&f, ann, Core).await;
    activate(f.conn(), &f.clock, f.tenant, core.id, &scim())
        .await
        .unwrap();
    let changed = change(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Advanced,
        "team",
    )
    .await
    .unwrap();
    assert_eq!(changed.license.id, core.id, "changed in place");
    assert_eq!(changed.license.kind, Advanced);
    assert_eq!(
        changed.license.state,
        LicenseState::Active,
        "an active license stays active"
    );
    assert_eq!(
        (f.pool(Core).await, f.pool(Advanced).await),
        ((2, 0), (2, 1))
    );
    let entry = f.entries().await.pop().unwrap();
    assert_eq!(entry.kind, EntryKind::Change);
    assert_eq!(
        (entry.from_license_kind, entry.license_kind),
        (Some(Core), Advanced)
    );
    assert_eq!(entry.license_id, Some(core.id));
    f.assert_verified().await;
}

#[tokio::test]
async fn a_tier_change_into_a_full_pool_keeps_the_old_license() {
    let f = Fixture::new(&[(Core, 2), (Advanced, 1)]).await;
    let (ann, bob) = (f.person().await, f.person().await);
    give(&f, ann, Advanced).await;
    let core = give(&f, bob, Core).await;
    let err = change(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        bob,
        Core,
        Advanced,
        "team",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::PoolFull { kind: Advanced, .. }),
        "{err:?}"
    );
    assert_eq!(
        find_live(f.conn(), f.tenant, bob, Core).await.unwrap(),
        Some(core)
    );
    assert_eq!(
        (f.pool(Core).await, f.pool(Advanced).await),
        ((2, 1), (1, 1))
    );
    f.assert_verified().await;
}

#[tokio::test]
async fn changes_need_a_live_license_of_the_same_product() {
    let f = Fixture::new(&[(Core, 2), (Learning, 2)]).await;
    let ann = f.person().await;
    let err = change(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Advanced,
        "x",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::NoLiveLicense { kind: Core }),
        "{err:?}"
    );
    give(&f, ann, Core).await;
    let err = change(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Learning,
        "x",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::WrongProduct { .. }), "{err:?}");
}

#[tokio::test]
async fn activation_moves_assigned_to_active_once() {
    let f = Fixture::new(&[(Learning, 2)]).await;
    let ann = f.person().await;
    let license = give(&f, ann, Learning).await;
    let holder = Actor::new(ActorKind::Person, "ann");
    let active = activate(f.conn(), &f.clock, f.tenant, license.id, &holder)
        .await
        .unwrap();
    assert_eq!(active.state, LicenseState::Active);
    let again = activate(f.conn(), &f.clock, f.tenant, license.id, &holder)
        .await
        .unwrap();
    assert_eq!(again.state, LicenseState::Active);
    assert_eq!(f.pool(Learning).await, (2, 1), "activation takes no seat");
    assert_eq!(
        f.entry_kinds().await,
        [EntryKind::Assign, EntryKind::Activate]
    );
    revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Learning,
        "left",
    )
    .await
    .unwrap();
    let err = activate(f.conn(), &f.clock, f.tenant, license.id, &holder)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LicenseRevoked), "{err:?}");
    f.assert_verified().await;
}

#[tokio::test]
async fn a_refusal_is_recorded_on_its_own_connection_after_a_rollback() {
    let f = Fixture::new(&[(Learning, 0)]).await;
    let ghost = f.person().await;
    let txn = f.conn().begin().await.unwrap();
    let refused = assign(
        &rosterd_ledger::TenantLedger::new(&txn, &f.clock, f.tenant, &scim()),
        ghost,
        Learning,
        SCIM_LEARNING,
        "POST",
    )
    .await
    .unwrap_err();
    txn.rollback().await.unwrap();
    let other = Database::connect(&f.db.url).await.unwrap();
    let reason = refused.to_string();
    record_refusal(
        &rosterd_ledger::TenantLedger::new(&other, &f.clock, f.tenant, &scim()),
        None,
        "zoe@acme.example",
        Learning,
        &reason,
    )
    .await
    .unwrap();
    let entry = f.entries().await.pop().unwrap();
    assert_eq!(entry.kind, EntryKind::Refused);
    assert_eq!(entry.person_id, None);
    assert_eq!(
        entry.reason,
        "zoe@acme.example: Learning: 0 of 0 seats assigned; more licenses are needed"
    );
    f.assert_verified().await;
}

#[tokio::test]
async fn queries_filter_page_and_stay_in_their_tenant() {
    let f = Fixture::new(&[(Learning, 10), (Core, 10)]).await;
    let ann = f.person().await;
    let mut learning = Vec::new();
    for _ in 0..5 {
        let p = f.person().await;
        learning.push(give(&f, p, Learning).await.id);
    }
    give(&f, ann, Core).await;
    give(&f, ann, Learning).await;
    revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Learning,
        "left",
    )
    .await
    .unwrap();

    let of_ann = licenses_of(f.conn(), f.tenant, ann).await.unwrap();
    assert_eq!(
        of_ann.iter().map(|l| (l.kind, l.state)).collect::<Vec<_>>(),
        [
            (Core, LicenseState::Assigned),
            (Learning, LicenseState::Revoked)
        ]
    );
    let query = |after, limit| LicenseQuery {
        kind: Some(Learning),
        state: Some(LicenseState::Assigned),
        after,
        limit,
    };
    let page1 = list_licenses(f.conn(), f.tenant, &query(None, Some(3)))
        .await
        .unwrap();
    let page2 = list_licenses(f.conn(), f.tenant, &query(Some(page1[2].id), Some(3)))
        .await
        .unwrap();
    let ids: Vec<_> = page1.iter().chain(&page2).map(|l| l.id).collect();
    assert_eq!(
        ids, learning,
        "two pages, in creation order, only assigned learning"
    );
    let all = list_licenses(f.conn(), f.tenant, &LicenseQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 7);

    let other = rosterd_domain::TenantId::new();
    assert!(
        list_licenses(f.conn(), other, &LicenseQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(entries(f.conn(), other, None).await.unwrap().is_empty());
    let log = entries(f.conn(), f.tenant, Some(ann)).await.unwrap();
    let kinds: Vec<_> = log.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [EntryKind::Revoke, EntryKind::Assign, EntryKind::Assign],
        "newest first"
    );
    assert!(log.windows(2).all(|w| w[0].seq > w[1].seq));
}
