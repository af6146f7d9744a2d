//! The audit log against a real database (SQLite, or PostgreSQL with `ROSTERD_TEST_POSTGRES`).

use chrono::{Duration, TimeZone, Utc};
use rosterd_audit::{Channel, NewEvent, Query, list, record};
use rosterd_domain::{ManualClock, TenantId};
use rosterd_test_support::TestDb;

fn event<'a>(channel: Channel, action: &'a str, target_id: &'a str) -> NewEvent<'a> {
    NewEvent {
        channel,
        actor: "ann@acme.example",
        action,
        target_type: "person",
        target_id,
        detail: "something an admin reads",
    }
}

#[tokio::test]
async fn events_list_newest_first_filtered_and_paged_by_keyset_within_one_tenant() {
    let db = TestDb::fresh().await;
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap());
    let (acme, other) = (TenantId::new(), TenantId::new());
    for i in 0..5 {
        let channel = if i % 2 == 0 {
            Channel::Scim
        } else {
            Channel::Admin
        };
        record(
            &db.conn,
            &clock,
            acme,
            event(channel, "license.assign", &format!("p{i}")),
        )
        .await
        .unwrap();
        clock.advance(Duration::minutes(1));
    }
    // Two events in the same instant still page without loss or repeats.
    record(
        &db.conn,
        &clock,
        acme,
        event(Channel::Operator, "token.issue", "x"),
    )
    .await
    .unwrap();
    record(
        &db.conn,
        &clock,
        acme,
        event(Channel::Operator, "token.revoke", "y"),
    )
    .await
    .unwrap();
    record(
        &db.conn,
        &clock,
        other,
        event(Channel::Admin, "license.assign", "p0"),
    )
    .await
    .unwrap();

    let all = list(&db.conn, acme, &Query::default()).await.unwrap();
    assert_eq!(all.len(), 7, "the other tenant's event is not listed");
    assert!(all.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    assert_eq!(all.last().unwrap().target_id, "p0");

    let mut paged = Vec::new();
    let mut query = Query {
        limit: Some(2),
        ..Query::default()
    };
    loop {
        let page = list(&db.conn, acme, &query).await.unwrap();
        let Some(last) = page.last() else { break };
        query.after = Some(last.cursor());
        paged.extend(page);
    }
    assert_eq!(paged, all);

    let scim = Query {
        channel: Some(Channel::Scim),
        ..Query::default()
    };
    let scim = list(&db.conn, acme, &scim).await.unwrap();
    assert_eq!(
        scim.iter()
            .map(|e| e.target_id.as_str())
            .collect::<Vec<_>>(),
        ["p4", "p2", "p0"]
    );

    let tokens = Query {
        action_prefix: Some("token.".into()),
        ..Query::default()
    };
    assert_eq!(list(&db.conn, acme, &tokens).await.unwrap().len(), 2);

    let about_p1 = Query {
        target: Some(("person".into(), "p1".into())),
        ..Query::default()
    };
    let about_p1 = list(&db.conn, acme, &about_p1).await.unwrap();
    assert_eq!(about_p1.len(), 1);
    assert_eq!(about_p1[0].channel, Channel::Admin);
    assert_eq!(about_p1[0].actor, "ann@acme.example");

    let by_ann = Query {
        actor_contains: Some("ANN@".into()),
        ..Query::default()
    };
    let by_ann = list(&db.conn, acme, &by_ann).await.unwrap();
    assert_eq!(by_ann, all, "matched case-insensitively");
    let by_bob = Query {
        actor_contains: Some("bob".into()),
        ..Query::default()
    };
    assert!(list(&db.conn, acme, &by_bob).await.unwrap().is_empty());

    let start = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    let window = Query {
        since: Some(start + Duration::minutes(1)),
        until: Some(start + Duration::minutes(3)),
        ..Query::default()
    };
    let window = list(&db.conn, acme, &window).await.unwrap();
    assert_eq!(
        window
            .iter()
            .map(|e| e.target_id.as_str())
            .collect::<Vec<_>>(),
        ["p2", "p1"]
    );
}

#[test]
fn every_channel_round_trips_through_its_stored_name() {
    for channel in Channel::ALL {
        assert_eq!(Channel::parse(channel.as_str()), Some(channel));
    }
}
