//! PostgreSQL: the foreign keys a SCIM create checks against a row every create of the tenant
//! shares (its `tenants` row, its seat pool's row) are checked at COMMIT instead of at each
//! insert.
//!
//! PostgreSQL checks a foreign key by locking the referenced row `FOR KEY SHARE` until the
//! transaction ends. Every create of a tenant inserts a person and a SCIM user (both naming the
//! tenant) and, when licensed, a license (naming the seat pool): 32 clients creating at once
//! hold the same two rows' key-share locks at once, from their first insert to their commit. Row
//! locks held by several transactions are a multixact, and each new holder writes a new one with
//! every current holder in it, all through one lock on the multixact member cache. Under 32
//! clients' creates nearly every backend waited on `MultiXactMemberSLRU`, and one tenant's
//! creates fell from 518 a second in their first 5,000 to 187-221 after (126 a second over
//! 100,000), at 600-700 ms p99.
//!
//! Checked at COMMIT, each transaction holds those locks only for its commit, so few hold them
//! at once. The same runs after: 751-802 a second, steady over 20,000 creates, p99 95-146 ms.
//! Nothing is given up: a row naming a tenant or a pool that does not exist still fails its
//! transaction, at COMMIT, and nothing of it is kept (`tests/it/migrations.rs`). SQLite has no
//! row locks and keeps its keys as they are.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, constraint)`: the keys to a tenant's or a pool's row that provisioning checks on
/// every write (people, users, groups, licenses, waiting-list rows, activation notices).
const DEFERRED: [(&str, &str); 6] = [
    ("people", "people_tenant_id_fkey"),
    ("scim_users", "scim_users_tenant_id_fkey"),
    ("user_groups", "user_groups_tenant_id_fkey"),
    ("licenses", "licenses_tenant_id_license_kind_fkey"),
    (
        "license_waitlist",
        "license_waitlist_tenant_id_license_kind_fkey",
    ),
    ("notification_outbox", "notification_outbox_tenant_id_fkey"),
];

fn statements(deferrable: &str) -> Vec<String> {
    DEFERRED
        .iter()
        .map(|(table, key)| format!("ALTER TABLE {table} ALTER CONSTRAINT {key} {deferrable}"))
        .collect()
}

async fn alter(manager: &SchemaManager<'_>, deferrable: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let statements = statements(deferrable);
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    crate::run_together(db, &statements).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        alter(manager, "DEFERRABLE INITIALLY DEFERRED").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        alter(manager, "NOT DEFERRABLE").await
    }
}
