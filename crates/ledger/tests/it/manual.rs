//! Manual licenses: given and removed by hand, unless SCIM adopts them.

use rosterd_domain::LicenseKind::{
    Learning, SalesNavigatorAdvanced as Advanced, SalesNavigatorCore as Core,
};
use rosterd_domain::Product;
use rosterd_ledger::{
    EntryKind, Error, LicenseSource, adopt, change, grant_manual, revoke, revoke_manual,
};

use crate::support::{Fixture, admin, scim};

#[tokio::test]
async fn a_manual_license_is_removed_by_hand() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let ann = f.person().await;
    let license = grant_manual(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &admin()),
        ann,
        Learning,
        "trial",
    )
    .await
    .unwrap();
    assert_eq!(license.source, LicenseSource::Manual);
    let revoked = revoke_manual(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &admin()),
        ann,
        Learning,
        "done",
    )
    .await
    .unwrap();
    assert_eq!(revoked.license.id, license.id);
    assert_eq!(f.pool(Learning).await, (1, 0));
    let err = revoke_manual(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &admin()),
        ann,
        Learning,
        "again",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::NoLiveLicense { kind: Learning }),
        "{err:?}"
    );
    f.assert_verified().await;
}

#[tokio::test]
async fn a_scim_license_cannot_be_removed_by_hand() {
    let f = Fixture::new(&[(Core, 1)]).await;
    let ann = f.person().await;
    let source = LicenseSource::Scim(Product::SalesNavigator);
    rosterd_ledger::assign(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        source,
        "rule",
    )
    .await
    .unwrap();
    let err = revoke_manual(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &admin()),
        ann,
        Core,
        "tidy",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OwnedByScim {
                product: Product::SalesNavigator
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("change it in your identity provider"),
        "{err}"
    );
    assert_eq!(f.pool(Core).await, (1, 1));
}

#[tokio::test]
async fn scim_adopts_a_manual_license_then_changes_and_revokes_it() {
    let f = Fixture::new(&[(Core, 1), (Advanced, 1)]).await;
    let ann = f.person().await;
    let manual = grant_manual(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &admin()),
        ann,
        Core,
        "by hand",
    )
    .await
    .unwrap();
    let adopted = adopt(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Product::SalesNavigator,
        "joined Sales EMEA",
    )
    .await
    .unwrap();
    assert_eq!(adopted.id, manual.id, "no second license");
    assert_eq!(adopted.source, LicenseSource::Scim(Product::SalesNavigator));
    assert_eq!(f.pool(Core).await, (1, 1), "no second seat");
    let again = adopt(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Product::SalesNavigator,
        "again",
    )
    .await
    .unwrap();
    assert_eq!(again, adopted, "adopting twice changes nothing");
    let err = revoke_manual(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &admin()),
        ann,
        Core,
        "tidy",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::OwnedByScim { .. }),
        "SCIM owns it now: {err:?}"
    );
    change(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Advanced,
        "rule gives advanced",
    )
    .await
    .unwrap();
    revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Advanced,
        "left the group",
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        f.entry_kinds().await,
        [
            EntryKind::Assign,
            EntryKind::Adopt,
            EntryKind::Change,
            EntryKind::Revoke
        ]
    );
    assert_eq!(
        (f.pool(Core).await, f.pool(Advanced).await),
        ((1, 0), (1, 0))
    );
    f.assert_verified().await;
}

#[tokio::test]
async fn adoption_needs_a_live_license_of_the_apps_product() {
    let f = Fixture::new(&[(Core, 1)]).await;
    let ann = f.person().await;
    let err = adopt(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Product::SalesNavigator,
        "x",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::NoLiveLicense { kind: Core }),
        "{err:?}"
    );
    let err = adopt(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Core,
        Product::Learning,
        "x",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::WrongProduct { .. }), "{err:?}");
}
