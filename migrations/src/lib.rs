//! The one rosterd schema, applied the same way to SQLite and PostgreSQL.
//!
//! Files are named by date and intent. Statements are portable SQL; a migration branches on the
//! backend only where the dialects truly differ. Changes are additive first (expand), removals
//! later (contract). Every tenant-owned table's key starts with `tenant_id` so the schema can be
//! distributed by tenant.

use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_directory;
mod m20261123_000003_ledger;
mod m20261123_000004_admin;
mod m20261123_000005_provisioning_log;
mod m20261123_000007_activation_notices;
mod m20261123_000008_people_list;
mod m20261123_000009_reporting;
mod m20261123_000010_license_person_index;
mod m20261123_000011_ledger_entry_sequence;
mod m20261123_000012_outbox_withdrawal;
mod m20261203_000013_secret_routes;
mod m20261203_000014_oauth_clients;
mod m20261203_000015_read_path;
mod m20261203_000017_tenant_limits;
mod m20261203_000018_pg_user_counts;
mod m20261203_000019_log_repeats;
mod m20261203_000021_pg_seat_claims;
mod m20261208_000022_pg_deferred_keys;

pub use sea_orm_migration::MigratorTrait;

/// Runs rosterd's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_directory::Migration),
            Box::new(m20261123_000003_ledger::Migration),
            Box::new(m20261123_000004_admin::Migration),
            Box::new(m20261123_000005_provisioning_log::Migration),
            Box::new(m20261123_000007_activation_notices::Migration),
            Box::new(m20261123_000008_people_list::Migration),
            Box::new(m20261123_000009_reporting::Migration),
            Box::new(m20261123_000010_license_person_index::Migration),
            Box::new(m20261123_000011_ledger_entry_sequence::Migration),
            Box::new(m20261123_000012_outbox_withdrawal::Migration),
            Box::new(m20261203_000013_secret_routes::Migration),
            Box::new(m20261203_000014_oauth_clients::Migration),
            Box::new(m20261203_000015_read_path::Migration),
            Box::new(m20261203_000017_tenant_limits::Migration),
            Box::new(m20261203_000018_pg_user_counts::Migration),
            Box::new(m20261203_000019_log_repeats::Migration),
            Box::new(m20261203_000021_pg_seat_claims::Migration),
            Box::new(m20261208_000022_pg_deferred_keys::Migration),
        ]
    }
}

/// Runs `statements` in order in one transaction: a migration's steps apply whole or not at all
/// (PostgreSQL's DDL is transactional).
async fn run_together(
    db: &sea_orm_migration::SchemaManagerConnection<'_>,
    statements: &[&str],
) -> Result<(), sea_orm_migration::DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait as _, TransactionTrait as _};
    let txn = db.begin().await?;
    for statement in statements {
        txn.execute_unprepared(statement).await?;
    }
    txn.commit().await
}
