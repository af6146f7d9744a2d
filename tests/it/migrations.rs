//! The one schema applies, re-applies and rolls back on the backend under test.

use rosterd_migrations::{Migrator, MigratorTrait as _};
use rosterd_test_support::TestDb;
use sea_orm::{ConnectionTrait as _, Statement};

async fn table_count(db: &TestDb) -> i64 {
    let sql = match rosterd_test_support::backend_name() {
        "postgres" => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
        }
    };
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
        .execute(Statement::from_string(backend, "INSERT INTO tenants (id, slug, name, status, created_at) VALUES ('t1', 'acme', 'Acme', 'active', '2026-01-01T00:00:00Z')"))
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
    let before_sequence_migration = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261123_000011_ledger_entry_sequence")
        .unwrap();
    Migrator::up(&db.conn, Some(before_sequence_migration as u32))
        .await
        .unwrap();
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
