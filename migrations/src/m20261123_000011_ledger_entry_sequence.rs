//! Cheaper ledger appends: every licensed provisioning write appends a ledger entry, and the
//! entry's indexes were a large part of what the ledger cost.
//!
//! - SQLite: `seq` becomes the table's `INTEGER PRIMARY KEY` (the rowid), so the database
//!   assigns it on insert. It was a copy of the rowid made by an `AFTER INSERT` trigger, which
//!   wrote every new row a second time. The table is rebuilt, entries keep their `seq`, and the
//!   `(tenant_id, id)` key goes: entries are found by tenant, person, kind, time or `seq`, never
//!   by id, and ids are UUIDs made unique by construction.
//! - Both: `ledger_entries_license` goes (no query reads entries by license), and the person
//!   index gains `seq`, the order a person's history is read in.
//!
//! PostgreSQL keeps its `BIGSERIAL` and primary key.

use sea_orm_migration::SchemaManagerConnection;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns both layouts share, in order.
const COLUMNS: &str = "tenant_id, id, kind, license_kind, from_license_kind, person_id, \
    license_id, capacity_before, capacity_after, actor_kind, actor, reason, created_at, \
    license_source";

/// The column definitions both layouts share.
const DEFINITIONS: &str = "tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    license_kind TEXT NOT NULL,
    from_license_kind TEXT,
    person_id TEXT,
    license_id TEXT,
    capacity_before BIGINT,
    capacity_after BIGINT,
    actor_kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    license_source TEXT";

/// The indexes of the new layout (SQLite rebuilds them with the table).
const INDEXES: [&str; 4] = [
    "CREATE INDEX ledger_entries_seq ON ledger_entries (tenant_id, seq)",
    "CREATE INDEX ledger_entries_person ON ledger_entries (tenant_id, person_id, seq)",
    "CREATE INDEX ledger_entries_kind_seq ON ledger_entries (tenant_id, kind, seq)",
    "CREATE INDEX ledger_entries_created ON ledger_entries (tenant_id, created_at)",
];

fn up_statements(backend: DatabaseBackend) -> Vec<String> {
    if backend == DatabaseBackend::Postgres {
        return vec![
            "DROP INDEX IF EXISTS ledger_entries_license".into(),
            "DROP INDEX IF EXISTS ledger_entries_person".into(),
            INDEXES[1].into(),
        ];
    }
    let mut statements = vec![
        format!("CREATE TABLE ledger_entries_v2 (seq INTEGER PRIMARY KEY, {DEFINITIONS})"),
        format!(
            "INSERT INTO ledger_entries_v2 (seq, {COLUMNS}) \
             SELECT seq, {COLUMNS} FROM ledger_entries ORDER BY seq"
        ),
        // Takes the trigger and the old indexes with it.
        "DROP TABLE ledger_entries".into(),
        "ALTER TABLE ledger_entries_v2 RENAME TO ledger_entries".into(),
    ];
    statements.extend(INDEXES.map(str::to_owned));
    statements
}

fn down_statements(backend: DatabaseBackend) -> Vec<String> {
    let old_person = "CREATE INDEX ledger_entries_person ON ledger_entries (tenant_id, person_id)";
    let old_license =
        "CREATE INDEX ledger_entries_license ON ledger_entries (tenant_id, license_id)";
    if backend == DatabaseBackend::Postgres {
        return vec![
            "DROP INDEX IF EXISTS ledger_entries_person".into(),
            old_person.into(),
            old_license.into(),
        ];
    }
    let mut statements = vec![
        format!(
            "CREATE TABLE ledger_entries_v1 ({DEFINITIONS}, seq BIGINT, \
             PRIMARY KEY (tenant_id, id))"
        ),
        format!(
            "INSERT INTO ledger_entries_v1 ({COLUMNS}, seq) \
             SELECT {COLUMNS}, seq FROM ledger_entries ORDER BY seq"
        ),
        "DROP TABLE ledger_entries".into(),
        "ALTER TABLE ledger_entries_v1 RENAME TO ledger_entries".into(),
        "CREATE TRIGGER ledger_entries_seq AFTER INSERT ON ledger_entries \
         WHEN NEW.seq IS NULL \
         BEGIN UPDATE ledger_entries SET seq = NEW.rowid WHERE rowid = NEW.rowid; END"
            .into(),
        old_person.into(),
        old_license.into(),
    ];
    statements.extend(
        [INDEXES[0], INDEXES[2], INDEXES[3]]
            .into_iter()
            .map(str::to_owned),
    );
    statements
}

/// Runs `statements` in one transaction, on one connection: a table rebuilt half-way is never
/// left behind, and no pooled connection renames a table with an old view of the schema.
async fn run(db: &SchemaManagerConnection<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    for statement in statements {
        txn.execute_unprepared(&statement).await?;
    }
    txn.commit().await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        run(db, up_statements(db.get_database_backend())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        run(db, down_statements(db.get_database_backend())).await
    }
}
