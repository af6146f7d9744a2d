//! Stored license policies.

use rosterd_domain::LicenseKind::{Learning, SalesNavigatorCore as Core};
use rosterd_domain::Product;
use rosterd_ledger::{Error, LicensePolicy, get_policy, set_policy};

use crate::support::Fixture;

#[tokio::test]
async fn an_unconfigured_app_has_its_built_in_policy() {
    let f = Fixture::new(&[]).await;
    for product in Product::ALL {
        let stored = get_policy(f.conn(), f.tenant, product).await.unwrap();
        assert_eq!(stored.policy, LicensePolicy::built_in(product));
        assert_eq!(stored.updated_at, None);
    }
    let sn = get_policy(f.conn(), f.tenant, Product::SalesNavigator)
        .await
        .unwrap();
    assert_eq!(sn.policy.default, Some(Core));
}

#[tokio::test]
async fn a_sales_navigator_policy_is_stored_and_replaced() {
    let f = Fixture::new(&[]).await;
    let first = LicensePolicy::parse(
        "none",
        &["group:Sales EMEA=advanced", "department:Sales=core"],
    )
    .unwrap();
    set_policy(
        f.conn(),
        &f.clock,
        f.tenant,
        Product::SalesNavigator,
        &first,
    )
    .await
    .unwrap();
    let stored = get_policy(f.conn(), f.tenant, Product::SalesNavigator)
        .await
        .unwrap();
    assert_eq!(stored.policy, first);
    assert!(stored.updated_at.is_some());
    let second = LicensePolicy::parse("advanced-plus", &[] as &[&str]).unwrap();
    set_policy(
        f.conn(),
        &f.clock,
        f.tenant,
        Product::SalesNavigator,
        &second,
    )
    .await
    .unwrap();
    let stored = get_policy(f.conn(), f.tenant, Product::SalesNavigator)
        .await
        .unwrap();
    assert_eq!(stored.policy, second);
}

#[tokio::test]
async fn fixed_policies_and_foreign_kinds_are_refused() {
    let f = Fixture::new(&[]).await;
    let any = LicensePolicy::every_user(Learning);
    let err = set_policy(f.conn(), &f.clock, f.tenant, Product::Learning, &any)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::FixedPolicy(Product::Learning)),
        "{err:?}"
    );
    let err = set_policy(f.conn(), &f.clock, f.tenant, Product::SalesNavigator, &any)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongProduct { kind: Learning, .. }),
        "{err:?}"
    );
}
