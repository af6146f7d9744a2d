//! The capacity invariant under concurrency: 64 requests, each in its own transaction on its
//! own connection, race for a pool of 20.
//!
//! PostgreSQL: the conditional UPDATE of the pool row serializes seat takers; no retries are
//! allowed. SQLite has one writer at a time: a deferred transaction that read before writing
//! fails with SQLITE_BUSY when another writer committed first (the busy timeout cannot help a
//! stale snapshot), so, like any SQLite client, a request retries its whole transaction then.

use std::sync::Arc;
use std::time::Duration;

use rosterd_domain::LicenseKind::SalesNavigatorAdvanced as Advanced;
use rosterd_domain::{PersonId, Product};
use rosterd_ledger::{Error, LicenseQuery, LicenseSource, assign};
use rosterd_test_support::backend_name;
use sea_orm::{ConnectOptions, Database, DbErr, TransactionTrait};

use crate::support::{Fixture, scim};

const REQUESTS: usize = 64;
const CAPACITY: i64 = 20;

#[derive(Debug)]
enum Outcome {
    Licensed,
    Full,
    Failed(String),
}

fn is_busy(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("database is locked")
        || text.contains("(code: 5)")
        || text.contains("(code: 517)")
}

fn busy(err: &Error) -> bool {
    matches!(err, Error::Database(db) if is_busy(db))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn sixty_four_requests_for_twenty_seats_license_exactly_twenty() {
    let f = Fixture::new(&[(Advanced, CAPACITY)]).await;
    let mut people: Vec<PersonId> = Vec::new();
    for _ in 0..REQUESTS {
        people.push(f.person().await);
    }
    let options = ConnectOptions::new(f.db.url.clone())
        .max_connections(REQUESTS as u32)
        .acquire_timeout(Duration::from_secs(60))
        .sqlx_logging(false)
        .to_owned();
    let pool = Arc::new(Database::connect(options).await.unwrap());
    let clock = Arc::new(f.clock.clone());
    let tenant = f.tenant;
    let start = Arc::new(tokio::sync::Barrier::new(REQUESTS));
    let tasks: Vec<_> = people
        .into_iter()
        .map(|person| {
            let (pool, clock, start) = (pool.clone(), clock.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let mut retries = 0;
                loop {
                    let txn = match pool.begin().await {
                        Ok(txn) => txn,
                        Err(e) if is_busy(&e) => {
                            retries += 1;
                            continue;
                        }
                        Err(e) => return (Outcome::Failed(e.to_string()), retries),
                    };
                    let source = LicenseSource::Scim(Product::SalesNavigator);
                    let result = assign(
                        &txn,
                        &*clock,
                        tenant,
                        person,
                        Advanced,
                        source,
                        &scim(),
                        "POST /Users",
                    )
                    .await;
                    let outcome = match result {
                        Ok(_) => match txn.commit().await {
                            Ok(()) => Outcome::Licensed,
                            Err(e) if is_busy(&e) => {
                                retries += 1;
                                continue;
                            }
                            Err(e) => Outcome::Failed(e.to_string()),
                        },
                        Err(Error::PoolFull { .. }) => {
                            // The SCIM request is refused whole: nothing of it stays.
                            let _ = txn.rollback().await;
                            Outcome::Full
                        }
                        Err(e) if busy(&e) => {
                            let _ = txn.rollback().await;
                            retries += 1;
                            tokio::time::sleep(Duration::from_millis(1 + (retries % 7))).await;
                            continue;
                        }
                        Err(e) => Outcome::Failed(e.to_string()),
                    };
                    return (outcome, retries);
                }
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let licensed = outcomes
        .iter()
        .filter(|(o, _)| matches!(o, Outcome::Licensed))
        .count();
    let full = outcomes
        .iter()
        .filter(|(o, _)| matches!(o, Outcome::Full))
        .count();
    let failed: Vec<&String> = outcomes
        .iter()
        .filter_map(|(o, _)| match o {
            Outcome::Failed(e) => Some(e),
            _ => None,
        })
        .collect();
    let retries: u64 = outcomes.iter().map(|(_, r)| *r).sum();
    eprintln!(
        "{}: {licensed} licensed, {full} refused, {retries} SQLITE_BUSY retries",
        backend_name()
    );
    assert!(failed.is_empty(), "no other errors: {failed:?}");
    assert_eq!(
        (licensed, full),
        (CAPACITY as usize, REQUESTS - CAPACITY as usize)
    );
    if backend_name() == "postgres" {
        assert_eq!(retries, 0, "PostgreSQL needs no retries");
    }
    assert_eq!(f.pool(Advanced).await, (CAPACITY, CAPACITY));
    let query = LicenseQuery {
        kind: Some(Advanced),
        ..Default::default()
    };
    let licenses = rosterd_ledger::list_licenses(f.conn(), f.tenant, &query)
        .await
        .unwrap();
    assert_eq!(licenses.len(), CAPACITY as usize);
    f.assert_verified().await;
}
