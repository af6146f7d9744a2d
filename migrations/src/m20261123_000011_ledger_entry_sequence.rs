//! Cheaper ledger appends: every licensed provisioning write appends a ledger entry and its audit
//! event, and every index of those tables is one more page written at each commit.
//!
//! - SQLite: `ledger_entries.seq` becomes the table's `INTEGER PRIMARY KEY` (the rowid), so the
//!   database assigns it on insert. It was a copy of the rowid made by an `AFTER INSERT` trigger,
//!   which wrote every new row a second time. The table is rebuilt, entries keep their `seq`, and
//!   the `(tenant_id, id)` key goes: entries are found by tenant, person, kind, time or `seq`,
//!   never by id, and ids are UUIDs made unique by construction.
//! - SQLite: `audit_events` is rebuilt `WITHOUT ROWID`, so its primary key is the table rather
//!   than an index beside it.
//! - Both: `ledger_entries_license` goes (no query reads entries by license); the person index
//!   gains `seq`, the order a person's history is read in; and one `(tenant_id, kind,
//!   created_at)` index replaces `(tenant_id, kind, seq)` and `(tenant_id, created_at)`: the
//!   reports ask for entries of some kinds, newest first or since a date.
//!
//! PostgreSQL keeps its `BIGSERIAL` and primary keys.

use sea_orm_migration::SchemaManagerConnection;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns both layouts of `ledger_entries` share, in order.
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

const SEQ_INDEX: &str = "CREATE INDEX ledger_entries_seq ON ledger_entries (tenant_id, seq)";
const PERSON_INDEX: &str =
    "CREATE INDEX ledger_entries_person ON ledger_entries (tenant_id, person_id, seq)";
const KIND_INDEX: &str =
    "CREATE INDEX ledger_entries_kind_time ON ledger_entries (tenant_id, kind, created_at)";

/// The indexes this migration replaces, as they were.
const OLD_INDEXES: [(&str, &str); 4] = [
    (
        "ledger_entries_person",
        "CREATE INDEX ledger_entries_person ON ledger_entries (tenant_id, person_id)",
    ),
    (
        "ledger_entries_license",
        "CREATE INDEX ledger_entries_license ON ledger_entries (tenant_id, license_id)",
    ),
    (
        "ledger_entries_kind_seq",
        "CREATE INDEX ledger_entries_kind_seq ON ledger_entries (tenant_id, kind, seq)",
    ),
    (
        "ledger_entries_created",
        "CREATE INDEX ledger_entries_created ON ledger_entries (tenant_id, created_at)",
    ),
];

const AUDIT_COLUMNS: &str =
    "tenant_id, id, channel, actor, action, target_type, target_id, detail, created_at";

/// `audit_events`, with or without a rowid, and its indexes.
fn audit_table(without_rowid: bool) -> Vec<String> {
    let suffix = if without_rowid { " WITHOUT ROWID" } else { "" };
    vec![
        format!(
            "CREATE TABLE audit_events_new (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                channel TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target_type TEXT NOT NULL,
                target_id TEXT NOT NULL,
                detail TEXT NOT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (tenant_id, id)
            ){suffix}"
        ),
        format!(
            "INSERT INTO audit_events_new ({AUDIT_COLUMNS}) SELECT {AUDIT_COLUMNS} FROM audit_events"
        ),
        "DROP TABLE audit_events".into(),
        "ALTER TABLE audit_events_new RENAME TO audit_events".into(),
        "CREATE INDEX audit_events_target ON audit_events (tenant_id, target_type, target_id)"
            .into(),
        "CREATE INDEX audit_events_newest ON audit_events (tenant_id, created_at, id)".into(),
    ]
}

fn up_statements(backend: DatabaseBackend) -> Vec<String> {
    if backend == DatabaseBackend::Postgres {
        let mut statements: Vec<String> = OLD_INDEXES
            .iter()
            .map(|(name, _)| format!("DROP INDEX IF EXISTS {name}"))
            .collect();
        statements.extend([PERSON_INDEX.to_owned(), KIND_INDEX.to_owned()]);
        return statements;
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
    statements.extend([SEQ_INDEX, PERSON_INDEX, KIND_INDEX].map(str::to_owned));
    statements.extend(audit_table(true));
    statements
}

fn down_statements(backend: DatabaseBackend) -> Vec<String> {
    let old = OLD_INDEXES.map(|(_, create)| create.to_owned());
    if backend == DatabaseBackend::Postgres {
        let mut statements = vec![
            "DROP INDEX IF EXISTS ledger_entries_person".to_owned(),
            "DROP INDEX IF EXISTS ledger_entries_kind_time".to_owned(),
        ];
        statements.extend(old);
        return statements;
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
        SEQ_INDEX.into(),
    ];
    statements.extend(old);
    statements.extend(audit_table(false));
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
