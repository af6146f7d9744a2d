//! The one schema applies, re-applies and rolls back on the backend under test.

use rosterd_migrations::{Migrator, MigratorTrait as _};
use rosterd_test_support::TestDb;
use sea_orm::{ConnectionTrait as _, Statement};

/// Applies the migrations that come before the one named `name`.
async fn up_to_before(db: &TestDb, name: &str) {
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == name)
        .unwrap();
    Migrator::up(&db.conn, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
}

async fn table_count(db: &TestDb) -> i64 {
    let sql = match rosterd_test_support::backend_name() {
        "postgres" => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
        }
    };
    count(db, sql).await
}

/// The `n` a `SELECT COUNT(*) AS n ...` answers.
async fn count(db: &TestDb, sql: &str) -> i64 {
    let row = db
        .conn
        .query_one(Statement::from_string(db.conn.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn migrations_apply_twice_and_roll_back_cleanly() {
    let db = TestDb::fresh_unmigrated().await;
    Migrator::up(&db.conn, None).await.unwrap();
    let tables = table_count(&db).await;
    assert!(tables >= 13, "{tables} tables");
    // Running again is a no-op, as `serve` does at every start.
    Migrator::up(&db.conn, None).await.unwrap();
    assert_eq!(table_count(&db).await, tables);
    Migrator::down(&db.conn, None).await.unwrap();
    assert_eq!(table_count(&db).await, 0);
    Migrator::up(&db.conn, None).await.unwrap();
    assert_eq!(table_count(&db).await, tables);
}

#[tokio::test]
async fn the_capacity_invariant_is_also_a_database_constraint() {
    let db = TestDb::fresh().await;
    let backend = db.conn.get_database_backend();
    db.conn
        .execute(Statement::from_string(backend, TENANT))
        .await
        .unwrap();
    let over = db
        .conn
        .execute(Statement::from_string(backend, "INSERT INTO seat_pools (tenant_id, license_kind, capacity, in_use, updated_at) VALUES ('t1', 'learning', 1, 2, '2026-01-01T00:00:00Z')"))
        .await;
    assert!(
        over.is_err(),
        "in_use above capacity must be refused by the database"
    );
}

/// Migration 000011 rebuilds `ledger_entries` on SQLite (`seq` becomes the rowid): entries
/// written before it keep their place, and new ones are numbered after them.
#[tokio::test]
async fn ledger_entries_keep_their_order_across_the_sequence_migration() {
    let db = TestDb::fresh_unmigrated().await;
    let backend = db.conn.get_database_backend();
    up_to_before(&db, "m20261123_000011_ledger_entry_sequence").await;
    let exec = |sql: String| {
        let conn = db.conn.clone();
        async move {
            conn.execute(Statement::from_string(backend, sql))
                .await
                .unwrap();
        }
    };
    exec("INSERT INTO tenants (id, slug, name, status, created_at) VALUES ('t1', 'acme', 'Acme', 'active', '2026-01-01T00:00:00Z')".into()).await;
    let entry = |id: &str| {
        format!(
            "INSERT INTO ledger_entries (tenant_id, id, kind, license_kind, actor_kind, actor, reason, created_at) \
             VALUES ('t1', '{id}', 'capacity-change', 'learning', 'operator', 'operator', 'test', '2026-01-01T00:00:00Z')"
        )
    };
    for id in ["e1", "e2", "e3"] {
        exec(entry(id)).await;
    }
    let order = || async {
        db.conn
            .query_all(Statement::from_string(
                backend,
                "SELECT id, seq FROM ledger_entries ORDER BY seq",
            ))
            .await
            .unwrap()
            .into_iter()
            .map(|row| {
                (
                    row.try_get::<String>("", "id").unwrap(),
                    row.try_get::<i64>("", "seq").unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let old = order().await;
    assert_eq!(
        old.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["e1", "e2", "e3"]
    );

    Migrator::up(&db.conn, None).await.unwrap();
    exec(entry("e4")).await;
    let new = order().await;
    assert_eq!(&new[..3], &old[..], "the old entries keep their seq");
    assert_eq!(new[3].0, "e4");
    assert!(new[3].1 > old[2].1, "a new entry comes after them: {new:?}");
}

/// Migration 000018 (with 000015 on SQLite): every app's count in `scim_user_counts` is the
/// sum of its rows (one on SQLite, shards on PostgreSQL), counted from the users already there
/// and kept exact by triggers through inserts, deletes, a move to another app and a tenant's
/// removal. On PostgreSQL an insert never waits for another open transaction's insert into the
/// same app (which one counter row per app would make it do).
#[tokio::test]
async fn user_counts_are_counted_at_migration_and_kept_by_the_triggers() {
    let db = TestDb::fresh_unmigrated().await;
    let backend = db.conn.get_database_backend();
    up_to_before(&db, "m20261203_000018_pg_user_counts").await;
    let exec = |conn: sea_orm::DatabaseConnection, sql: String| async move {
        conn.execute(Statement::from_string(backend, sql))
            .await
            .unwrap();
    };
    let users = |tenant: &str, product: &str, ids: std::ops::Range<u32>| {
        let rows = |f: &dyn Fn(u32) -> String| ids.clone().map(f).collect::<Vec<_>>().join(", ");
        [
            format!(
                "INSERT INTO people (tenant_id, id, source, created_at, updated_at) VALUES {}",
                rows(&|i| format!(
                    "('{tenant}', 'p{product}{i}', 'idp', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
                ))
            ),
            format!(
                "INSERT INTO scim_users (tenant_id, id, product, person_id, user_name, user_name_lower, \
                 active, document, version, created_at, updated_at) VALUES {}",
                rows(&|i| format!(
                    "('{tenant}', 'u{product}{i}', '{product}', 'p{product}{i}', 'u{i}', 'u{i}', false, '{{}}', 1, \
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
                ))
            ),
        ]
    };
    for tenant in ["t1", "t2"] {
        exec(db.conn.clone(), format!(
            "INSERT INTO tenants (id, slug, name, status, created_at) VALUES ('{tenant}', '{tenant}', 'T', 'active', '2026-01-01T00:00:00Z')"
        ))
        .await;
    }
    for sql in users("t1", "learning", 0..10)
        .into_iter()
        .chain(users("t2", "learning", 0..3))
    {
        exec(db.conn.clone(), sql).await;
    }
    Migrator::up(&db.conn, None).await.unwrap();

    let counts = || async {
        let rows = db
            .conn
            .query_all(Statement::from_string(
                backend,
                "SELECT tenant_id, product, CAST(SUM(users) AS BIGINT) AS users, \
                 CAST(SUM(generation) AS BIGINT) AS generation \
                 FROM scim_user_counts GROUP BY tenant_id, product ORDER BY tenant_id, product",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    format!(
                        "{}/{}",
                        row.try_get::<String>("", "tenant_id").unwrap(),
                        row.try_get::<String>("", "product").unwrap()
                    ),
                    row.try_get::<i64>("", "users").unwrap(),
                    row.try_get::<i64>("", "generation").unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let counted = counts().await;
    assert_eq!(
        counted
            .iter()
            .map(|(app, users, _)| (app.as_str(), *users))
            .collect::<Vec<_>>(),
        [("t1/learning", 10), ("t2/learning", 3)]
    );
    let generation = |c: &[(String, i64, i64)], app: &str| {
        c.iter().find(|(a, ..)| a == app).map_or(0, |(_, _, g)| *g)
    };

    // Inserts (several in one statement), deletes, a move to another app.
    for sql in users("t1", "learning", 10..15) {
        exec(db.conn.clone(), sql).await;
    }
    exec(
        db.conn.clone(),
        "DELETE FROM scim_users WHERE tenant_id = 't1' AND id IN ('ulearning0', 'ulearning1')"
            .into(),
    )
    .await;
    exec(
        db.conn.clone(),
        "UPDATE scim_users SET product = 'teamlink-extend' WHERE tenant_id = 't1' AND id = 'ulearning2'"
            .into(),
    )
    .await;
    exec(
        db.conn.clone(),
        "UPDATE scim_users SET active = true WHERE tenant_id = 't1'".into(),
    )
    .await;
    let after = counts().await;
    assert_eq!(
        after
            .iter()
            .map(|(app, users, _)| (app.as_str(), *users))
            .collect::<Vec<_>>(),
        [
            ("t1/learning", 12),
            ("t1/teamlink-extend", 1),
            ("t2/learning", 3)
        ]
    );
    // 5 inserted, 2 deleted, 1 moved out: 8 changes; updates are none.
    assert_eq!(
        generation(&after, "t1/learning") - generation(&counted, "t1/learning"),
        8
    );

    // A tenant goes (its users first): its counts go with it.
    exec(
        db.conn.clone(),
        "DELETE FROM scim_users WHERE tenant_id = 't2'".into(),
    )
    .await;
    assert_eq!(
        counts()
            .await
            .iter()
            .find(|(app, ..)| app == "t2/learning")
            .map(|c| c.1),
        Some(0)
    );
    exec(
        db.conn.clone(),
        "DELETE FROM people WHERE tenant_id = 't2'".into(),
    )
    .await;
    exec(
        db.conn.clone(),
        "DELETE FROM tenants WHERE id = 't2'".into(),
    )
    .await;
    assert!(
        counts()
            .await
            .iter()
            .all(|(app, ..)| !app.starts_with("t2/"))
    );

    if backend == sea_orm::DatabaseBackend::Postgres {
        // 36 transactions (more than the shards) each insert into the same app and stay open:
        // none waits for another (a wait would hit the lock timeout).
        let mut options = sea_orm::ConnectOptions::new(db.url.clone());
        options.max_connections(40);
        let wide = sea_orm::Database::connect(options).await.unwrap();
        let mut open = Vec::new();
        for i in 100..136 {
            let txn = sea_orm::TransactionTrait::begin(&wide).await.unwrap();
            txn.execute_unprepared("SET LOCAL lock_timeout = '2s'")
                .await
                .unwrap();
            for sql in users("t1", "learning", i..i + 1) {
                txn.execute_unprepared(&sql).await.unwrap();
            }
            open.push(txn);
        }
        // Still 12 committed users of the app, whatever the open transactions hold.
        assert_eq!(
            counts()
                .await
                .iter()
                .find(|(app, ..)| app == "t1/learning")
                .map(|c| c.1),
            Some(12)
        );
        for txn in open {
            txn.commit().await.unwrap();
        }
        let shards = db
            .conn
            .query_one(Statement::from_string(
                backend,
                "SELECT COUNT(*) AS n FROM scim_user_counts WHERE tenant_id = 't1' AND product = 'learning'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert!(
            shards > 32,
            "the 33rd open transaction took an overflow row: {shards}"
        );
    }
    let rows = db
        .conn
        .query_one(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM scim_users WHERE tenant_id = 't1' AND product = 'learning'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(
        counts()
            .await
            .iter()
            .find(|(app, ..)| app == "t1/learning")
            .map(|c| c.1),
        Some(rows)
    );
}

const TENANT: &str = "INSERT INTO tenants (id, slug, name, status, created_at) \
    VALUES ('t1', 'acme', 'Acme', 'active', '2026-01-01T00:00:00Z')";

fn person_of(tenant: &str, id: &str) -> String {
    format!(
        "INSERT INTO people (tenant_id, id, source, created_at, updated_at) \
         VALUES ('{tenant}', '{id}', 'scim', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
    )
}

async fn people_count(db: &TestDb) -> i64 {
    count(db, "SELECT COUNT(*) AS n FROM people").await
}

/// Migration 000022 checks, on PostgreSQL, the keys provisioning writes to a tenant's row at
/// COMMIT: a row naming a tenant that does not exist still fails its transaction and leaves
/// nothing, and until its commit a create holds no lock on the tenant's row (so 32 creates do
/// not share one).
#[tokio::test]
async fn keys_to_the_tenant_still_hold_and_lock_its_row_only_at_commit() {
    use sea_orm::TransactionTrait as _;
    let db = TestDb::fresh().await;
    let backend = db.conn.get_database_backend();
    let run = |sql: String| Statement::from_string(backend, sql);
    db.conn.execute(run(TENANT.into())).await.unwrap();

    let ghost = db.conn.begin().await.unwrap();
    let inserted = ghost.execute(run(person_of("ghost", "p0"))).await;
    let outcome = match inserted {
        Ok(_) => ghost.commit().await,
        Err(err) => {
            ghost.rollback().await.unwrap();
            Err(err)
        }
    };
    assert!(outcome.is_err(), "a person of no tenant was kept");
    assert_eq!(people_count(&db).await, 0);

    if backend == sea_orm::DatabaseBackend::Postgres {
        let creating = db.conn.begin().await.unwrap();
        creating.execute(run(person_of("t1", "p1"))).await.unwrap();
        // An immediate key would hold `FOR KEY SHARE` on the tenant's row from the insert on,
        // which `FOR UPDATE NOWAIT` cannot take.
        let other = db.conn.begin().await.unwrap();
        other
            .query_one(run(
                "SELECT id FROM tenants WHERE id = 't1' FOR UPDATE NOWAIT".into(),
            ))
            .await
            .expect("the tenant's row is not locked before the create commits");
        other.rollback().await.unwrap();
        creating.commit().await.unwrap();
    }
    assert_eq!(
        people_count(&db).await,
        i64::from(backend == sea_orm::DatabaseBackend::Postgres)
    );
}
