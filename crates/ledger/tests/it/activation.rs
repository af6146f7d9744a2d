//! Activation links: issued for an assigned license, single use, expiring, and plain about why
//! one does not work.

use chrono::Duration;
use rosterd_domain::LicenseKind::Learning;
use rosterd_domain::{LicenseId, Product};
use rosterd_ledger::{
    ACTIVATION_LIFETIME_DAYS, ActivationError, ActorKind, EntryKind, Error, LicenseSource,
    LicenseState, activation_info, assign, create_activation, redeem, revoke,
};

use crate::support::{Fixture, scim, start};

async fn assigned(f: &Fixture) -> (rosterd_domain::PersonId, LicenseId) {
    let ann = f.person().await;
    let source = LicenseSource::Scim(Product::Learning);
    let license = assign(
        f.conn(),
        &f.clock,
        f.tenant,
        ann,
        Learning,
        source,
        &scim(),
        "new",
    )
    .await
    .unwrap();
    (ann, license.id)
}

#[tokio::test]
async fn a_link_activates_its_license_once() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let (_, license) = assigned(&f).await;
    let issued = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    assert_eq!(
        issued.expires_at,
        start() + Duration::days(ACTIVATION_LIFETIME_DAYS)
    );
    let token = issued.token.expose();
    assert!(token.starts_with("rosterd_act_"), "{token}");

    let info = activation_info(f.conn(), &f.clock, token).await.unwrap();
    assert_eq!((info.tenant_id, info.license.id), (f.tenant, license));
    assert_eq!(
        info.license.state,
        LicenseState::Assigned,
        "looking does not activate"
    );

    let active = redeem(f.conn(), &f.clock, token).await.unwrap();
    assert_eq!(active.state, LicenseState::Active);
    let entry = f.entries().await.pop().unwrap();
    assert_eq!(
        (entry.kind, entry.actor.kind),
        (EntryKind::Activate, ActorKind::Person)
    );

    let again = redeem(f.conn(), &f.clock, token).await.unwrap_err();
    assert!(matches!(again, ActivationError::Used), "{again:?}");
    let info = activation_info(f.conn(), &f.clock, token)
        .await
        .unwrap_err();
    assert!(matches!(info, ActivationError::Used), "{info:?}");
    let err = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyActive), "{err:?}");
    f.assert_verified().await;
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let (_, license) = assigned(&f).await;
    let issued = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    f.clock
        .advance(Duration::days(ACTIVATION_LIFETIME_DAYS) + Duration::seconds(1));
    let err = redeem(f.conn(), &f.clock, issued.token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, ActivationError::Expired), "{err:?}");
    assert!(err.to_string().contains("expired"), "{err}");
    let license = rosterd_ledger::find_license(f.conn(), f.tenant, license)
        .await
        .unwrap();
    assert_eq!(license.state, LicenseState::Assigned);
}

#[tokio::test]
async fn a_link_to_a_revoked_license_says_so() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let (ann, license) = assigned(&f).await;
    let issued = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    revoke(f.conn(), &f.clock, f.tenant, ann, Learning, &scim(), "left")
        .await
        .unwrap();
    let err = activation_info(f.conn(), &f.clock, issued.token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, ActivationError::Revoked), "{err:?}");
    let err = redeem(f.conn(), &f.clock, issued.token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, ActivationError::Revoked), "{err:?}");
    let err = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LicenseRevoked), "{err:?}");
}

#[tokio::test]
async fn unknown_and_malformed_links_are_unknown() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let (_, license) = assigned(&f).await;
    let issued = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    let mut forged = issued.token.expose().to_owned();
    let last = if forged.ends_with('A') { "B" } else { "A" };
    forged.replace_range(forged.len() - 1.., last);
    for token in [forged.as_str(), "rosterd_act_nope", "", "../etc/passwd"] {
        let err = activation_info(f.conn(), &f.clock, token)
            .await
            .unwrap_err();
        assert!(matches!(err, ActivationError::Unknown), "{token}: {err:?}");
    }
    let err = create_activation(f.conn(), &f.clock, f.tenant, LicenseId::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LicenseNotFound), "{err:?}");
}

#[tokio::test]
async fn a_resent_link_works_and_the_first_then_reads_used() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let (_, license) = assigned(&f).await;
    let first = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    let second = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    assert_ne!(first.token, second.token);
    redeem(f.conn(), &f.clock, second.token.expose())
        .await
        .unwrap();
    let err = redeem(f.conn(), &f.clock, first.token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, ActivationError::Used), "{err:?}");
}
