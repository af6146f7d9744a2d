//! The license ledger's own tables, beside the foundation's `seat_pools`, `licenses` and
//! `ledger_entries`: Sales Navigator license policies, the per-pool waiting lists, activation
//! links and the notification outbox. It also gives ledger entries what a replay needs: the
//! license source an entry sets, and a sequence number that orders entries the way their
//! transactions committed (a clock cannot: replicas' clocks differ, and tests stop time).
//!
//! Expand only: new tables and new nullable (or defaulted) columns; nothing is dropped.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `TIMESTAMPTZ` on PostgreSQL; SQLite keeps sea-orm's text form under any declared type.
fn ts(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "TIMESTAMPTZ",
        _ => "TEXT",
    }
}

/// `ledger_entries.seq`: a PostgreSQL sequence; on SQLite (one writer at a time) a trigger
/// copies the rowid, which only grows because the ledger is append-only.
fn entry_sequence(backend: DatabaseBackend) -> Vec<String> {
    match backend {
        DatabaseBackend::Postgres => {
            vec!["ALTER TABLE ledger_entries ADD COLUMN seq BIGSERIAL".into()]
        }
        _ => vec![
            "ALTER TABLE ledger_entries ADD COLUMN seq BIGINT".into(),
            "UPDATE ledger_entries SET seq = rowid".into(),
            "CREATE TRIGGER ledger_entries_seq AFTER INSERT ON ledger_entries \
             WHEN NEW.seq IS NULL \
             BEGIN UPDATE ledger_entries SET seq = NEW.rowid WHERE rowid = NEW.rowid; END"
                .into(),
        ],
    }
}

fn up_statements(backend: DatabaseBackend) -> Vec<String> {
    let ts = ts(backend);
    let mut statements = entry_sequence(backend);
    statements.extend([
        // `manual` or `scim:<product>`: the source an assign or adopt entry gives its license.
        "ALTER TABLE ledger_entries ADD COLUMN license_source TEXT".into(),
        "CREATE INDEX ledger_entries_seq ON ledger_entries (tenant_id, seq)".into(),
        "CREATE INDEX ledger_entries_license ON ledger_entries (tenant_id, license_id)".into(),
        format!(
            "CREATE TABLE license_policies (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                product TEXT NOT NULL,
                document TEXT NOT NULL,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, product)
            )"
        ),
        format!(
            "CREATE TABLE license_waitlist (
                tenant_id TEXT NOT NULL,
                license_kind TEXT NOT NULL,
                person_id TEXT NOT NULL,
                sort_employee_number TEXT,
                sort_family_name TEXT,
                sort_given_name TEXT,
                source_product TEXT NOT NULL,
                reason TEXT NOT NULL,
                created_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, license_kind, person_id),
                FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
                FOREIGN KEY (tenant_id, license_kind) REFERENCES seat_pools (tenant_id, license_kind)
            )"
        ),
        format!(
            "CREATE TABLE activation_links (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                license_id TEXT NOT NULL,
                token_hash TEXT NOT NULL,
                created_at {ts} NOT NULL,
                expires_at {ts} NOT NULL,
                used_at {ts},
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, license_id) REFERENCES licenses (tenant_id, id)
            )"
        ),
        // A link finds its tenant by the hash of a 256-bit secret, like a SCIM token.
        "CREATE UNIQUE INDEX activation_links_token_hash ON activation_links (token_hash)".into(),
        "CREATE INDEX activation_links_license ON activation_links (tenant_id, license_id)".into(),
        format!(
            "CREATE TABLE notification_outbox (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                id TEXT NOT NULL,
                kind TEXT NOT NULL,
                recipient TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                created_at {ts} NOT NULL,
                next_attempt_at {ts} NOT NULL,
                claimed_until {ts},
                sent_at {ts},
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                PRIMARY KEY (tenant_id, id)
            )"
        ),
        // The delivery worker serves every tenant: its scan is by due time, not by tenant.
        "CREATE INDEX notification_outbox_due ON notification_outbox (sent_at, next_attempt_at)"
            .into(),
    ]);
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in up_statements(db.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in [
            "notification_outbox",
            "activation_links",
            "license_waitlist",
            "license_policies",
        ] {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            db.execute_unprepared("DROP TRIGGER IF EXISTS ledger_entries_seq")
                .await?;
        }
        for index in ["ledger_entries_seq", "ledger_entries_license"] {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {index}"))
                .await?;
        }
        for column in ["license_source", "seq"] {
            db.execute_unprepared(&format!("ALTER TABLE ledger_entries DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}
