//! An inline write transaction writes and reads as a pool's transaction does, keeps nothing it
//! did not commit, runs joined statements each with its own values, takes turns, and waits for
//! another connection's lock without blocking its thread.

use std::time::Duration;

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, DbBackend, QueryOrder as _, Statement, TransactionTrait as _};

use super::InlineWriter;
use crate::inline_reads::Columns;
use crate::inline_reads::tests::{Fixture, account, fixture, insert, rows};
use crate::{DbFailure, classify};

fn writer(f: &Fixture) -> InlineWriter {
    InlineWriter::open(
        &f.url,
        Duration::from_secs(30),
        Columns::of::<account::Entity>(),
    )
    .unwrap()
    .expect("a SQLite file has a writer")
}

async fn stored(f: &Fixture) -> Vec<account::Model> {
    account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(&f.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_commit_is_what_the_pool_then_reads_and_rows_read_inside_decode_as_declared() {
    let f = fixture().await;
    let writer = writer(&f);
    let written = rows();
    let txn = writer.begin().await.unwrap();
    // `insert` reads each row back inside the transaction (SQLite has no RETURNING here).
    insert(&txn, &written).await;
    let inside = account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(&txn)
        .await
        .unwrap();
    assert_eq!(inside, written);
    assert!(
        stored(&f).await.is_empty(),
        "nothing is seen before the commit"
    );
    txn.commit().await.unwrap();
    assert_eq!(stored(&f).await, written);
}

#[tokio::test]
async fn a_transaction_dropped_or_rolled_back_keeps_nothing() {
    let f = fixture().await;
    let writer = writer(&f);
    let txn = writer.begin().await.unwrap();
    insert(&txn, &rows()[..1]).await;
    drop(txn);
    let txn = writer.begin().await.unwrap();
    insert(&txn, &rows()[1..]).await;
    txn.rollback().await.unwrap();
    assert!(stored(&f).await.is_empty());
    // The writer is free again: the next transaction commits.
    let txn = writer.begin().await.unwrap();
    insert(&txn, &rows()).await;
    txn.commit().await.unwrap();
    assert_eq!(stored(&f).await.len(), 2);
}

#[tokio::test]
async fn joined_statements_run_each_with_its_own_values_and_a_quoted_semicolon_does_not_split() {
    let f = fixture().await;
    let writer = writer(&f);
    insert(&f.db, &rows()).await;
    let txn = writer.begin().await.unwrap();
    let joined = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "UPDATE accounts SET external_id = ? WHERE id = ?;\n\
         UPDATE accounts SET external_id = 'semi;colon' WHERE id = ?;\n\
         UPDATE accounts SET rank = ? WHERE id = 'nobody'",
        ["x".into(), "a".into(), "b".into(), 5.into()],
    );
    let changed = txn.execute(joined).await.unwrap().rows_affected();
    txn.commit().await.unwrap();
    assert_eq!(changed, 2);
    let after = stored(&f).await;
    assert_eq!(after[0].external_id.as_deref(), Some("x"));
    assert_eq!(after[1].external_id.as_deref(), Some("semi;colon"));

    let txn = writer.begin().await.unwrap();
    let short = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "UPDATE accounts SET rank = ? WHERE id = ?;\nUPDATE accounts SET rank = ? WHERE id = ?",
        [1.into(), "a".into(), 2.into()],
    );
    assert!(txn.execute(short).await.is_err(), "too few values");
}

#[tokio::test]
async fn a_taken_key_is_a_unique_violation_and_the_transaction_goes_on() {
    let f = fixture().await;
    let writer = writer(&f);
    insert(&f.db, &rows()[..1]).await;
    let txn = writer.begin().await.unwrap();
    let again = account::ActiveModel {
        id: Set("a".into()),
        external_id: Set(None),
        active: Set(true),
        version: Set(1),
        rank: Set(1),
        created_at: Set(rows()[0].created_at),
        closed_at: Set(None),
    };
    let err = account::Entity::insert(again)
        .exec_without_returning(&txn)
        .await
        .unwrap_err();
    assert_eq!(classify(&err), DbFailure::UniqueViolation);
    insert(&txn, &rows()[1..]).await;
    txn.commit().await.unwrap();
    assert_eq!(stored(&f).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_take_turns_and_another_connections_lock_is_waited_for() {
    let f = fixture().await;
    let writer = writer(&f);
    // The pool holds the write lock; the inline writer's begin waits for it, asynchronously.
    let pool_txn = f.db.begin().await.unwrap();
    pool_txn
        .execute_unprepared("UPDATE accounts SET rank = rank WHERE 0 = 1")
        .await
        .unwrap();
    let waiting = tokio::spawn({
        let writer = writer.clone();
        async move {
            let txn = writer.begin().await.unwrap();
            insert(&txn, &rows()[..1]).await;
            txn.commit().await.unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "the pool's lock is waited for");
    // This thread is not blocked meanwhile: timers and other tasks run.
    pool_txn.commit().await.unwrap();
    waiting.await.unwrap();

    // A second transaction on the writer waits for the first to end.
    let first = writer.begin().await.unwrap();
    let second = tokio::spawn({
        let writer = writer.clone();
        async move {
            let txn = writer.begin().await.unwrap();
            insert(&txn, &rows()[1..]).await;
            txn.commit().await.unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!second.is_finished(), "one transaction at a time");
    first.rollback().await.unwrap();
    second.await.unwrap();
    assert_eq!(stored(&f).await.len(), 2);
}

#[tokio::test]
async fn a_statement_interrupted_at_the_limit_ends_the_transaction_and_nothing_runs_after_it() {
    let f = fixture().await;
    let writer = InlineWriter::open(
        &f.url,
        Duration::from_millis(200),
        Columns::of::<account::Entity>(),
    )
    .unwrap()
    .unwrap();
    let txn = writer.begin().await.unwrap();
    insert(&txn, &rows()[..1]).await;
    let endless = Statement::from_string(
        DbBackend::Sqlite,
        "INSERT INTO accounts (id, active, version, rank, created_at) \
         SELECT 'x' || n, 1, 1, 1, '2026-01-01' FROM (WITH RECURSIVE c(n) AS \
         (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c)",
    );
    let err = txn.execute(endless).await.unwrap_err();
    assert_eq!(classify(&err), DbFailure::Timeout);
    // SQLite rolled the transaction back; a statement now would run on its own.
    assert!(insert_one(&txn, "late").await.is_err());
    assert!(txn.commit().await.is_err());
    assert!(stored(&f).await.is_empty());
}

async fn insert_one(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    let row = account::ActiveModel {
        id: Set(id.into()),
        external_id: Set(None),
        active: Set(true),
        version: Set(1),
        rank: Set(1),
        created_at: Set(rows()[0].created_at),
        closed_at: Set(None),
    };
    account::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_share_groups_and_every_one_lands() {
    let f = fixture().await;
    let writer = writer(&f);
    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let txn = writer.begin().await.unwrap();
                insert_one(&txn, &format!("t{n:02}")).await.unwrap();
                // Give the others time to queue for the writer.
                tokio::task::yield_now().await;
                txn.commit().await.unwrap();
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(stored(&f).await.len(), 64, "every commit is kept");
    assert!(
        writer.groups() < 64,
        "{} SQLite transactions for 64 commits",
        writer.groups()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_rolled_back_or_dropped_inside_a_group_takes_nothing_else_with_it() {
    let f = fixture().await;
    let writer = writer(&f);
    let tasks: Vec<_> = (0..48)
        .map(|n| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let txn = writer.begin().await.unwrap();
                insert_one(&txn, &format!("t{n:02}")).await.unwrap();
                tokio::task::yield_now().await;
                match n % 3 {
                    0 => txn.commit().await.unwrap(),
                    1 => txn.rollback().await.unwrap(),
                    _ => drop(txn),
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let kept: Vec<String> = stored(&f).await.into_iter().map(|row| row.id).collect();
    let committed: Vec<String> = (0..48)
        .filter(|n| n % 3 == 0)
        .map(|n| format!("t{n:02}"))
        .collect();
    assert_eq!(kept, committed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announced_pool_write_gets_the_lock_while_the_writer_is_never_idle() {
    let f = fixture().await;
    let writer = writer(&f);
    let load_for = Duration::from_secs(3);
    let started = std::time::Instant::now();
    // Sixteen writers back to back: groups follow each other with no pause between them.
    let load: Vec<_> = (0..16)
        .map(|task| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while started.elapsed() < load_for {
                    let txn = writer.begin().await.unwrap();
                    insert_one(&txn, &format!("w{task:02}-{n:06}"))
                        .await
                        .unwrap();
                    tokio::task::yield_now().await;
                    txn.commit().await.unwrap();
                    n += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = std::time::Instant::now();
    {
        let _announced = super::PoolWrite::on(&f.db);
        insert_one(&f.db, "admin").await.unwrap();
    }
    let waited = asked.elapsed();
    assert!(
        started.elapsed() < load_for,
        "the pool's write ended after the load did ({waited:?}): it was not let in"
    );
    assert!(
        waited < Duration::from_secs(1),
        "the pool's write waited {waited:?} for the lock"
    );
    for task in load {
        task.await.unwrap();
    }
    assert!(stored(&f).await.iter().any(|row| row.id == "admin"));
}

#[tokio::test]
async fn the_writer_counts_each_transactions_turn_and_how_long_it_held_it() {
    let f = fixture().await;
    let writer = writer(&f);
    assert_eq!(writer.busy(), super::WriterBusy::default());
    let txn = writer.begin().await.unwrap();
    insert_one(&txn, "held").await.unwrap();
    // Held across an await, as a slow hook would hold it.
    tokio::time::sleep(Duration::from_millis(30)).await;
    txn.commit().await.unwrap();
    let after_commit = writer.busy();
    assert_eq!(after_commit.transactions, 1);
    assert!(
        after_commit.held >= Duration::from_millis(30),
        "{:?} held",
        after_commit.held
    );
    // A rolled-back and a dropped transaction held the turn too.
    writer.begin().await.unwrap().rollback().await.unwrap();
    drop(writer.begin().await.unwrap());
    let after_all = writer.busy();
    assert_eq!(after_all.transactions, 3);
    assert!(after_all.held >= after_commit.held);
    // Waiting for the turn is not holding it: an idle writer's count stays.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(writer.busy(), after_all);
}
