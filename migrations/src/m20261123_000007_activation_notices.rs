//! The outbox worker's sweep for licenses awaiting an activation notice
//! (`rosterd_ledger::licenses_awaiting_notice`): assigned licenses without a current link. A
//! partial index over assigned licenses only, in key order, lets the sweep read those (an
//! index scan merged with `activation_links`' primary key) instead of every license of every
//! tenant. Measured on PostgreSQL with 200,000 licenses of which 40,000 assigned (all notified,
//! so the sweep finds nothing): about 140-210 ms instead of 400-540 ms.
//!
//! Expand only: one new index, portable (partial indexes exist on SQLite and PostgreSQL).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX licenses_assigned ON licenses (tenant_id, id) WHERE state = 'assigned'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS licenses_assigned")
            .await?;
        Ok(())
    }
}
