//! Every ledger entry writes its audit event in the same transaction: action `license.<kind>`,
//! the actor's channel, the person as target, and the cause in the detail.

use rosterd_audit::{Channel, Query};
use rosterd_domain::LicenseKind::{
    Learning, SalesNavigatorAdvanced as Advanced, SalesNavigatorCore as Core,
};
use rosterd_domain::Product;
use rosterd_ledger::{Actor, LicenseSource, assign, change, revoke, set_capacity};
use sea_orm::TransactionTrait;

use crate::support::{Fixture, admin};

async fn events(f: &Fixture) -> Vec<rosterd_audit::Event> {
    let query = Query {
        action_prefix: Some("license.".into()),
        ..Query::default()
    };
    let mut events = rosterd_audit::list(f.conn(), f.tenant, &query)
        .await
        .unwrap();
    events.reverse();
    events
}

#[tokio::test]
async fn each_entry_is_an_audit_event_with_channel_target_and_cause() {
    let f = Fixture::new(&[(Core, 1), (Advanced, 1)]).await;
    let ann = f.person().await;
    let before = events(&f).await.len();
    let scim = Actor::scim("sales-navigator rosterd_scim_Ab12Cd34", "req-42");
    let source = LicenseSource::Scim(Product::SalesNavigator);
    assign(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim),
        ann,
        Core,
        source,
        "joined",
    )
    .await
    .unwrap();
    change(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim),
        ann,
        Core,
        Advanced,
        "moved",
    )
    .await
    .unwrap();
    revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &admin()),
        ann,
        Advanced,
        "left",
    )
    .await
    .unwrap();
    set_capacity(
        f.conn(),
        &f.clock,
        f.tenant,
        Learning,
        3,
        &Actor::operator(),
    )
    .await
    .unwrap();

    let all = events(&f).await;
    let new = &all[before..];
    let seen: Vec<(&str, Channel, &str, &str)> = new
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.channel,
                e.target_type.as_str(),
                e.actor.as_str(),
            )
        })
        .collect();
    let who = "sales-navigator rosterd_scim_Ab12Cd34";
    assert_eq!(
        seen,
        [
            ("license.assign", Channel::Scim, "person", who),
            ("license.change", Channel::Scim, "person", who),
            (
                "license.revoke",
                Channel::Admin,
                "person",
                "ann@acme.example"
            ),
            (
                "license.capacity-change",
                Channel::Operator,
                "seat-pool",
                "cli"
            ),
        ]
    );
    assert!(new[..3].iter().all(|e| e.target_id == ann.to_string()));
    assert_eq!(new[3].target_id, "learning");
    assert_eq!(
        new[0].detail,
        "Sales Navigator Core assigned: joined; cause: SCIM request req-42"
    );
    assert!(
        new[1]
            .detail
            .starts_with("Sales Navigator Core changed to Sales Navigator Advanced: moved"),
        "{}",
        new[1].detail
    );
    assert_eq!(new[2].detail, "Sales Navigator Advanced revoked: left");
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_audit_event() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let ann = f.person().await;
    let before = events(&f).await.len();
    let txn = f.conn().begin().await.unwrap();
    let source = LicenseSource::Scim(Product::Learning);
    assign(
        &rosterd_ledger::TenantLedger::new(&txn, &f.clock, f.tenant, &admin()),
        ann,
        Learning,
        source,
        "x",
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(events(&f).await.len(), before);
}

#[tokio::test]
async fn seats_served_from_a_waiting_list_name_the_change_that_freed_them() {
    let f = Fixture::new(&[(Advanced, 1)]).await;
    let ann = f.person().await;
    let bob = f.person().await;
    let scim = Actor::scim("sales-navigator rosterd_scim_Ab12Cd34", "req-7");
    let source = LicenseSource::Scim(Product::SalesNavigator);
    assign(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim),
        ann,
        Advanced,
        source,
        "joined",
    )
    .await
    .unwrap();
    let key = rosterd_ledger::WaitKey::default();
    rosterd_ledger::enqueue(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim),
        bob,
        Advanced,
        &key,
        Product::SalesNavigator,
        "rule",
    )
    .await
    .unwrap();
    revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim),
        ann,
        Advanced,
        "left",
    )
    .await
    .unwrap();
    let all = events(&f).await;
    let served = all.last().unwrap();
    assert_eq!(served.action, "license.assign");
    assert_eq!(served.channel, Channel::System);
    assert_eq!(served.target_id, bob.to_string());
    assert!(
        served.detail.ends_with("cause: SCIM request req-7"),
        "{}",
        served.detail
    );
}
