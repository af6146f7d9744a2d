//! Stored license policies.

use rosterd_domain::LicenseKind::Learning;
use rosterd_domain::Product;
use rosterd_ledger::{Error, LicensePolicy, set_policy, stored_policy};

use crate::support::Fixture;

#[tokio::test]
async fn an_unconfigured_app_has_no_stored_policy() {
    let f = Fixture::new(&[]).await;
    for product in Product::ALL {
        let stored = stored_policy(f.conn(), f.tenant, product).await.unwrap();
        assert_eq!(stored, None, "{product}");
    }
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
    let stored = stored_policy(f.conn(), f.tenant, Product::SalesNavigator)
        .await
        .unwrap()
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
    let stored = stored_policy(f.conn(), f.tenant, Product::SalesNavigator)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.policy, second);
}

#[tokio::test]
async fn a_kind_of_another_product_is_refused() {
    let f = Fixture::new(&[]).await;
    let any = LicensePolicy::every_user(Learning);
    let err = set_policy(f.conn(), &f.clock, f.tenant, Product::SalesNavigator, &any)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongProduct { kind: Learning, .. }),
        "{err:?}"
    );
}
