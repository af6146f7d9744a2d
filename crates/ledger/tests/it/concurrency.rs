//! The capacity invariant and idempotency under concurrency: many requests, each in its own
//! transaction on its own connection, started together.
//!
//! PostgreSQL: the conditional UPDATE of the pool row serializes seat takers; no retries are
//! allowed. SQLite has one writer at a time: a deferred transaction that read before writing
//! fails with SQLITE_BUSY when another writer committed first (the busy timeout cannot help a
//! stale snapshot), so, like any SQLite client, a request retries its whole transaction then.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rosterd_domain::LicenseKind::{SalesNavigatorAdvanced as Advanced, SalesNavigatorCore as Core};
use rosterd_domain::{LicenseKind, ManualClock, PersonId, Product, TenantId};
use rosterd_ledger::{Error, LicenseQuery, LicenseSource, Result, assign, change};
use rosterd_test_support::backend_name;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, TransactionTrait,
};
use tokio::sync::Barrier;

use crate::support::{Fixture, scim};

const SOURCE: LicenseSource = LicenseSource::Scim(Product::SalesNavigator);

type Attempt<T> = Arc<
    dyn for<'c> Fn(&'c DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>>
        + Send
        + Sync,
>;

/// Runs `attempt` in a transaction, committing on `Ok` and rolling back on `Err`; retries the
/// whole transaction on SQLITE_BUSY. Returns the result and the number of retries.
async fn in_transaction<T>(pool: &DatabaseConnection, attempt: &Attempt<T>) -> (Result<T>, u64) {
    let mut retries = 0;
    loop {
        let outcome = async {
            let txn = pool.begin().await?;
            match attempt(&txn).await {
                Ok(value) => {
                    txn.commit().await?;
                    Ok(value)
                }
                Err(err) => {
                    txn.rollback().await?;
                    Err(err)
                }
            }
        }
        .await;
        match outcome {
            Err(Error::Database(db)) if db.is_contention() => {
                retries += 1;
                tokio::time::sleep(Duration::from_millis(1 + retries % 7)).await;
            }
            other => return (other, retries),
        }
    }
}

/// A pool of `n` connections to the fixture's database.
async fn connections(f: &Fixture, n: usize) -> Arc<DatabaseConnection> {
    let options = ConnectOptions::new(f.db.url.clone())
        .max_connections(u32::try_from(n).unwrap())
        .acquire_timeout(Duration::from_secs(60))
        .sqlx_logging(false)
        .to_owned();
    Arc::new(Database::connect(options).await.unwrap())
}

/// Starts every attempt at once, each on its own connection; results in attempt order.
async fn race<T: Send + 'static>(f: &Fixture, attempts: Vec<Attempt<T>>) -> (Vec<Result<T>>, u64) {
    let pool = connections(f, attempts.len()).await;
    let start = Arc::new(Barrier::new(attempts.len()));
    let tasks: Vec<_> = attempts
        .into_iter()
        .map(|attempt| {
            let (pool, start) = (pool.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                in_transaction(&pool, &attempt).await
            })
        })
        .collect();
    let (mut results, mut retries) = (Vec::new(), 0);
    for task in tasks {
        let (result, r) = task.await.unwrap();
        results.push(result);
        retries += r;
    }
    eprintln!("{}: {retries} SQLITE_BUSY retries", backend_name());
    if backend_name() == "postgres" {
        assert_eq!(retries, 0, "PostgreSQL needs no retries");
    }
    (results, retries)
}

fn assigning(
    clock: &ManualClock,
    tenant: TenantId,
    person: PersonId,
    kind: LicenseKind,
) -> Attempt<()> {
    let clock = Arc::new(clock.clone());
    Arc::new(move |txn| {
        let clock = clock.clone();
        Box::pin(async move {
            assign(
                &rosterd_ledger::TenantLedger::new(txn, &*clock, tenant, &scim()),
                person,
                kind,
                SOURCE,
                "POST /Users",
            )
            .await?;
            Ok(())
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn sixty_four_requests_for_twenty_seats_license_exactly_twenty() {
    let f = Fixture::new(&[(Advanced, 20)]).await;
    let mut attempts = Vec::new();
    for _ in 0..64 {
        attempts.push(assigning(&f.clock, f.tenant, f.person().await, Advanced));
    }
    let (results, _) = race(&f, attempts).await;
    let licensed = results.iter().filter(|r| r.is_ok()).count();
    let full = results
        .iter()
        .filter(|r| matches!(r, Err(Error::PoolFull { .. })))
        .count();
    let other: Vec<_> = results
        .iter()
        .filter(|r| !matches!(r, Ok(()) | Err(Error::PoolFull { .. })))
        .collect();
    assert!(other.is_empty(), "no other errors: {other:?}");
    assert_eq!((licensed, full), (20, 44));
    assert_eq!(f.pool(Advanced).await, (20, 20));
    let query = LicenseQuery {
        kind: Some(Advanced),
        ..Default::default()
    };
    let licenses = rosterd_ledger::list_licenses(f.conn(), f.tenant, &query)
        .await
        .unwrap();
    assert_eq!(licenses.len(), 20);
    f.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn one_person_assigned_by_many_requests_at_once_holds_one_license() {
    let f = Fixture::new(&[(Core, 5)]).await;
    let ann = f.person().await;
    let attempts = (0..16)
        .map(|_| assigning(&f.clock, f.tenant, ann, Core))
        .collect();
    let (results, _) = race(&f, attempts).await;
    let errors: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
    assert!(errors.is_empty(), "every request succeeds: {errors:?}");
    assert_eq!(f.pool(Core).await, (5, 1), "one seat");
    f.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn tier_changes_in_opposite_directions_at_once_do_not_deadlock() {
    let f = Fixture::new(&[(Core, 20), (Advanced, 20)]).await;
    let mut attempts: Vec<Attempt<()>> = Vec::new();
    for n in 0..20 {
        let (from, to) = if n % 2 == 0 {
            (Core, Advanced)
        } else {
            (Advanced, Core)
        };
        let person = f.person().await;
        assign(
            &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
            person,
            from,
            SOURCE,
            "rule",
        )
        .await
        .unwrap();
        let clock = Arc::new(f.clock.clone());
        let tenant = f.tenant;
        attempts.push(Arc::new(move |txn| {
            let clock = clock.clone();
            Box::pin(async move {
                change(
                    &rosterd_ledger::TenantLedger::new(txn, &*clock, tenant, &scim()),
                    person,
                    from,
                    to,
                    "team",
                )
                .await?;
                Ok(())
            })
        }));
    }
    let (results, _) = race(&f, attempts).await;
    let errors: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
    assert!(errors.is_empty(), "no deadlock, no error: {errors:?}");
    assert_eq!(
        (f.pool(Core).await, f.pool(Advanced).await),
        ((20, 10), (20, 10))
    );
    f.assert_verified().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn revokes_racing_tier_changes_of_the_same_people_neither_deadlock_nor_miscount() {
    let f = Fixture::new(&[(Core, 10), (Advanced, 10)]).await;
    let mut attempts: Vec<Attempt<()>> = Vec::new();
    for _ in 0..10 {
        let person = f.person().await;
        assign(
            &rosterd_ledger::TenantLedger::new(f.conn(), &f.clock, f.tenant, &scim()),
            person,
            Core,
            SOURCE,
            "rule",
        )
        .await
        .unwrap();
        let clock = Arc::new(f.clock.clone());
        let tenant = f.tenant;
        let c = clock.clone();
        attempts.push(Arc::new(move |txn| {
            let clock = c.clone();
            Box::pin(async move {
                change(
                    &rosterd_ledger::TenantLedger::new(txn, &*clock, tenant, &scim()),
                    person,
                    Core,
                    Advanced,
                    "team",
                )
                .await?;
                Ok(())
            })
        }));
        attempts.push(Arc::new(move |txn| {
            let clock = clock.clone();
            Box::pin(async move {
                rosterd_ledger::revoke(
                    &rosterd_ledger::TenantLedger::new(txn, &*clock, tenant, &scim()),
                    person,
                    Core,
                    "left",
                )
                .await?;
                Ok(())
            })
        }));
    }
    let (results, _) = race(&f, attempts).await;
    // A change that comes second finds no Core license left; a revoke that comes second finds
    // nothing of kind Core to revoke. Nothing else may fail.
    let errors: Vec<_> = results
        .iter()
        .filter(|r| !matches!(r, Ok(()) | Err(Error::NoLiveLicense { kind: Core })))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let (core, advanced) = (f.pool(Core).await, f.pool(Advanced).await);
    assert_eq!(core, (10, 0), "every Core seat was either revoked or moved");
    let moved = results.iter().step_by(2).filter(|r| r.is_ok()).count();
    assert_eq!(advanced, (10, i64::try_from(moved).unwrap()));
    f.assert_verified().await;
}
