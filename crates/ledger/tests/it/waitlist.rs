//! Waiting lists: their order, and their serving when seats free up or capacity grows.

use rosterd_domain::LicenseKind::{SalesNavigatorAdvanced as Advanced, SalesNavigatorCore as Core};
use rosterd_domain::{LicenseKind, PersonId, Product};
use rosterd_ledger::{
    Actor, EntryKind, Error, LicenseSource, WaitKey, assign, change, dequeue, enqueue, revoke,
    serve_waitlist, set_capacity, waitlist,
};

use crate::support::{Fixture, scim};

fn key(employee: Option<&str>, family: Option<&str>, given: Option<&str>) -> WaitKey {
    WaitKey {
        employee_number: employee.map(Into::into),
        family_name: family.map(Into::into),
        given_name: given.map(Into::into),
    }
}

async fn wait(f: &Fixture, person: PersonId, kind: LicenseKind, k: &WaitKey) {
    let product = Product::SalesNavigator;
    enqueue(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        person,
        kind,
        k,
        product,
        "group:Sales EMEA",
    )
    .await
    .unwrap()
    .unwrap();
}

async fn fill(f: &Fixture, kind: LicenseKind, seats: usize) -> Vec<PersonId> {
    let mut holders = Vec::new();
    for _ in 0..seats {
        let p = f.person().await;
        let source = LicenseSource::Scim(Product::SalesNavigator);
        assign(
            &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
            p,
            kind,
            source,
            "rule",
        )
        .await
        .unwrap();
        holders.push(p);
    }
    holders
}

/// Enqueues people with these keys, in this (scrambled) order; returns them by label.
async fn crowd(f: &Fixture, kind: LicenseKind) -> Vec<(&'static str, PersonId)> {
    let people = [
        ("no number, Brown Bo", key(None, Some("Brown"), Some("Bo"))),
        ("#10", key(Some("10"), Some("Adams"), None)),
        ("no number, brown Al", key(None, Some("brown"), Some("Al"))),
        ("#9", key(Some("9"), Some("Young"), None)),
        ("nothing", key(None, None, None)),
        ("#100", key(Some("100"), None, None)),
    ];
    let mut out = Vec::new();
    for (label, k) in people {
        let p = f
            .person_named(
                k.employee_number.as_deref(),
                k.family_name.as_deref(),
                k.given_name.as_deref(),
            )
            .await;
        wait(f, p, kind, &k).await;
        out.push((label, p));
    }
    out
}

fn labels(order: &[PersonId], people: &[(&'static str, PersonId)]) -> Vec<&'static str> {
    order
        .iter()
        .map(|id| people.iter().find(|(_, p)| p == id).unwrap().0)
        .collect()
}

const SERVING_ORDER: [&str; 6] = [
    "#9",
    "#10",
    "#100",
    "no number, brown Al",
    "no number, Brown Bo",
    "nothing",
];

#[tokio::test]
async fn the_waiting_list_is_in_serving_order() {
    let f = Fixture::new(&[(Advanced, 0)]).await;
    let people = crowd(&f, Advanced).await;
    let list = waitlist(f.conn(), f.tenant, Advanced).await.unwrap();
    let order: Vec<PersonId> = list.iter().map(|w| w.person_id).collect();
    assert_eq!(labels(&order, &people), SERVING_ORDER);
    assert_eq!(list[0].product, Product::SalesNavigator);
    assert_eq!(f.entry_kinds().await, [EntryKind::Waiting; 6]);
}

#[tokio::test]
async fn enqueue_is_idempotent_and_skips_license_holders() {
    let f = Fixture::new(&[(Core, 1)]).await;
    let holder = fill(&f, Core, 1).await[0];
    let ann = f.person().await;
    wait(&f, ann, Core, &key(Some("5"), None, None)).await;
    wait(&f, ann, Core, &key(Some("6"), None, None)).await;
    let list = waitlist(f.conn(), f.tenant, Core).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].key.employee_number.as_deref(),
        Some("6"),
        "keys refreshed"
    );
    let product = Product::SalesNavigator;
    let none = enqueue(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        holder,
        Core,
        &WaitKey::default(),
        product,
        "r",
    )
    .await
    .unwrap();
    assert_eq!(none, None, "a license holder has nothing to wait for");
    assert_eq!(
        f.entry_kinds().await,
        [EntryKind::Assign, EntryKind::Waiting]
    );
    assert!(dequeue(f.conn(), f.tenant, ann, Core).await.unwrap());
    assert!(!dequeue(f.conn(), f.tenant, ann, Core).await.unwrap());
    let err = enqueue(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        &WaitKey::default(),
        Product::Learning,
        "r",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::WrongProduct { .. }), "{err:?}");
}

#[tokio::test]
async fn a_revoke_serves_the_first_waiting_person_at_once() {
    let f = Fixture::new(&[(Advanced, 2)]).await;
    let holders = fill(&f, Advanced, 2).await;
    let people = crowd(&f, Advanced).await;
    let revoked = revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        holders[0],
        Advanced,
        "left",
    )
    .await
    .unwrap()
    .unwrap();
    let served: Vec<PersonId> = revoked.served.iter().map(|l| l.person_id).collect();
    assert_eq!(labels(&served, &people), ["#9"]);
    assert_eq!(
        revoked.served[0].source,
        LicenseSource::Scim(Product::SalesNavigator)
    );
    assert_eq!(f.pool(Advanced).await, (2, 2));
    assert_eq!(
        waitlist(f.conn(), f.tenant, Advanced).await.unwrap().len(),
        5
    );
    let last = f.entries().await.pop().unwrap();
    assert_eq!(
        (last.kind, last.actor),
        (EntryKind::Assign, Actor::system())
    );
    f.assert_verified().await;
}

#[tokio::test]
async fn growing_capacity_serves_the_list_in_order() {
    let f = Fixture::new(&[(Advanced, 0)]).await;
    let people = crowd(&f, Advanced).await;
    let pool = set_capacity(
        f.conn(),
        &f.clock,
        f.tenant,
        Advanced,
        4,
        &rosterd_ledger::Actor::operator(),
    )
    .await
    .unwrap();
    assert_eq!(
        (pool.capacity, pool.in_use),
        (4, 4),
        "the returned pool counts the served"
    );
    let remaining: Vec<PersonId> = waitlist(f.conn(), f.tenant, Advanced)
        .await
        .unwrap()
        .iter()
        .map(|w| w.person_id)
        .collect();
    assert_eq!(labels(&remaining, &people), SERVING_ORDER[4..]);
    let mut holders = Vec::new();
    for (label, p) in &people {
        if rosterd_ledger::find_live(f.conn(), f.tenant, *p, Advanced)
            .await
            .unwrap()
            .is_some()
        {
            holders.push(*label);
        }
    }
    holders.sort_by_key(|l| SERVING_ORDER.iter().position(|s| s == l));
    assert_eq!(holders, SERVING_ORDER[..4]);
    f.assert_verified().await;
}

#[tokio::test]
async fn many_made_eligible_at_once_get_seats_in_waiting_list_order() {
    // A group PATCH adds 30 members to a pool of 10: enqueue all, serve once.
    let f = Fixture::new(&[(Core, 10)]).await;
    let mut people = Vec::new();
    for n in (1..=30).rev() {
        let number = n.to_string();
        let p = f.person_named(Some(&number), None, None).await;
        people.push((n, p));
    }
    for (n, p) in &people {
        wait(&f, *p, Core, &key(Some(&n.to_string()), None, None)).await;
    }
    let served = serve_waitlist(f.conn(), &f.clock, f.tenant, Core, &scim())
        .await
        .unwrap();
    let numbers: Vec<i32> = served
        .iter()
        .map(|l| people.iter().find(|(_, p)| *p == l.person_id).unwrap().0)
        .collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    assert_eq!(f.pool(Core).await, (10, 10));
    assert_eq!(waitlist(f.conn(), f.tenant, Core).await.unwrap().len(), 20);
    let again = serve_waitlist(f.conn(), &f.clock, f.tenant, Core, &scim())
        .await
        .unwrap();
    assert!(again.is_empty(), "a full pool serves nobody");
    f.assert_verified().await;
}

#[tokio::test]
async fn a_tier_change_serves_the_pool_it_leaves() {
    let f = Fixture::new(&[(Core, 1), (Advanced, 1)]).await;
    let ann = fill(&f, Core, 1).await[0];
    let bob = f.person().await;
    wait(&f, bob, Core, &WaitKey::default()).await;
    let changed = change(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Advanced,
        "team",
    )
    .await
    .unwrap();
    assert_eq!(
        changed
            .served
            .iter()
            .map(|l| l.person_id)
            .collect::<Vec<_>>(),
        [bob]
    );
    assert_eq!(
        (f.pool(Core).await, f.pool(Advanced).await),
        ((1, 1), (1, 1))
    );
    f.assert_verified().await;
}
