//! Activation links: issued for an assigned license, single use, expiring, and plain about why
//! one does not work.

use chrono::Duration;
use rosterd_domain::LicenseKind::Learning;
use rosterd_domain::{LicenseId, Product};
use rosterd_ledger::{
    ACTIVATION_LIFETIME_DAYS, ActivationError, ActorKind, EntryKind, Error, LicenseSource,
    LicenseState, activation_info, assign, create_activation, issue_first_activation,
    licenses_awaiting_notice, redeem, resend_activation, revoke,
};

use crate::support::{Fixture, scim, start};

async fn assigned(f: &Fixture) -> (rosterd_domain::PersonId, LicenseId) {
    let ann = f.person().await;
    let source = LicenseSource::Scim(Product::Learning);
    let license = assign(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Learning,
        source,
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
    revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        ann,
        Learning,
        "left",
    )
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
async fn once_a_newer_link_is_used_every_link_reads_used() {
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

#[tokio::test]
async fn a_new_link_supersedes_the_ones_before_it() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let (_, license) = assigned(&f).await;
    let first = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    let second = create_activation(f.conn(), &f.clock, f.tenant, license)
        .await
        .unwrap();
    let err = activation_info(f.conn(), &f.clock, first.token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, ActivationError::Superseded), "{err:?}");
    assert!(err.to_string().contains("replaced by a newer one"), "{err}");
    let err = redeem(f.conn(), &f.clock, first.token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, ActivationError::Superseded), "{err:?}");
    let info = activation_info(f.conn(), &f.clock, second.token.expose())
        .await
        .unwrap();
    assert_eq!(info.license.state, LicenseState::Assigned);
}

#[tokio::test]
async fn every_assigned_license_awaits_one_notice_until_resent() {
    let f = Fixture::new(&[(Learning, 2)]).await;
    let (ann, ann_license) = assigned(&f).await;
    let (bob, bob_license) = assigned(&f).await;
    let waiting: Vec<_> = licenses_awaiting_notice(f.conn(), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(tenant, l)| (tenant, l.id))
        .collect();
    assert_eq!(
        waiting,
        [(f.tenant, ann_license), (f.tenant, bob_license)],
        "oldest first"
    );

    let ann_link = issue_first_activation(f.conn(), &f.clock, f.tenant, ann_license)
        .await
        .unwrap()
        .expect("ann's first link");
    assert!(
        issue_first_activation(f.conn(), &f.clock, f.tenant, ann_license)
            .await
            .unwrap()
            .is_none(),
        "one current link per license"
    );
    let waiting = licenses_awaiting_notice(f.conn(), 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].1.person_id, bob);

    // A resend retires ann's link: the sweep picks her license up again.
    let resent = resend_activation(f.conn(), f.tenant, ann, Learning)
        .await
        .unwrap();
    assert_eq!(resent.id, ann_license);
    let err = activation_info(f.conn(), &f.clock, ann_link.token.expose())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ActivationError::Superseded),
        "the old link stops at once, before the new one is issued: {err:?}"
    );
    let waiting = licenses_awaiting_notice(f.conn(), 10).await.unwrap();
    assert_eq!(waiting.len(), 2);
    let new_link = issue_first_activation(f.conn(), &f.clock, f.tenant, ann_license)
        .await
        .unwrap()
        .expect("a new link after the resend");
    let err = activation_info(f.conn(), &f.clock, ann_link.token.expose())
        .await
        .unwrap_err();
    assert!(matches!(err, ActivationError::Superseded), "{err:?}");

    // Active and revoked licenses await nothing; an active one cannot be resent.
    redeem(f.conn(), &f.clock, new_link.token.expose())
        .await
        .unwrap();
    revoke(
        &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
        bob,
        Learning,
        "left",
    )
    .await
    .unwrap();
    assert!(
        licenses_awaiting_notice(f.conn(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let err = resend_activation(f.conn(), f.tenant, ann, Learning)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AlreadyActive), "{err:?}");
    let err = resend_activation(f.conn(), f.tenant, bob, Learning)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoLiveLicense { .. }), "{err:?}");
}

#[tokio::test]
async fn two_workers_issuing_the_same_first_link_write_one() {
    let f = Fixture::new(&[(Learning, 1)]).await;
    let (_, license) = assigned(&f).await;
    let mut workers = Vec::new();
    for _ in 0..4 {
        let db = f.conn().clone();
        let clock = f.clock.clone();
        let tenant = f.tenant;
        workers.push(tokio::spawn(async move {
            use sea_orm::TransactionTrait as _;
            let txn = db.begin().await.unwrap();
            match issue_first_activation(&txn, &clock, tenant, license).await {
                Ok(Some(_)) => {
                    txn.commit().await.unwrap();
                    1
                }
                Ok(None) => {
                    txn.rollback().await.unwrap();
                    0
                }
                // SQLite may refuse a second writer outright; that worker tries next round.
                Err(Error::Database(_)) => 0,
                Err(other) => panic!("{other:?}"),
            }
        }));
    }
    let mut issued = 0;
    for worker in workers {
        issued += worker.await.unwrap();
    }
    assert_eq!(issued, 1, "exactly one notice's link");
}
