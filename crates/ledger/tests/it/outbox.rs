//! The notification outbox: claimed with a lease, retried with backoff, erased once sent.

use chrono::Duration;
use rosterd_ledger::{NewNotification, claim_due, enqueue_notification, mark_failed, mark_sent};

use crate::support::Fixture;

fn notice(to: &str) -> NewNotification {
    NewNotification {
        kind: "activation".into(),
        recipient: to.into(),
        subject: "Activate your Learning license".into(),
        body: "https://rosterd.example/activate/rosterd_act_secret".into(),
        link_hash: None,
    }
}

#[tokio::test]
async fn messages_are_claimed_once_per_lease_retried_and_erased_when_sent() {
    let f = Fixture::new(&[]).await;
    let (c, clock) = (f.conn(), &f.clock);
    let ann = enqueue_notification(c, clock, f.tenant, &notice("ann@acme.example"))
        .await
        .unwrap();
    clock.advance(Duration::seconds(1));
    let bob = enqueue_notification(c, clock, f.tenant, &notice("bob@acme.example"))
        .await
        .unwrap();
    let lease = Duration::minutes(5);

    let claimed = claim_due(c, clock, 10, lease).await.unwrap();
    assert_eq!(
        claimed.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        [ann.clone(), bob.clone()]
    );
    assert_eq!(claimed[0].tenant_id, f.tenant);
    assert!(claimed[0].body.contains("rosterd_act_secret"));
    assert!(
        claim_due(c, clock, 10, lease).await.unwrap().is_empty(),
        "leased"
    );

    mark_sent(c, clock, f.tenant, &ann).await.unwrap();
    mark_failed(c, clock, f.tenant, &bob, "smtp: connection refused")
        .await
        .unwrap();
    assert!(
        claim_due(c, clock, 10, lease).await.unwrap().is_empty(),
        "bob backs off"
    );

    clock.advance(Duration::minutes(1));
    let retry = claim_due(c, clock, 10, lease).await.unwrap();
    assert_eq!(retry.len(), 1, "only bob is due again, ann was sent");
    assert_eq!(
        (retry[0].attempts, retry[0].last_error.as_deref()),
        (1, Some("smtp: connection refused"))
    );

    clock.advance(Duration::minutes(6));
    let after_lease = claim_due(c, clock, 10, lease).await.unwrap();
    assert_eq!(after_lease.len(), 1, "a dead worker's lease runs out");

    use sea_orm::{ConnectionTrait, Statement};
    let body = c
        .query_one(Statement::from_string(
            c.get_database_backend(),
            format!("SELECT body FROM notification_outbox WHERE id = '{ann}'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "body")
        .unwrap();
    assert_eq!(body, "", "a delivered body (it may hold a link) is erased");
}
