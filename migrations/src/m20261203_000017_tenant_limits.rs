//! `tenant_limits`: the operator's per-tenant overrides of the fair-share limits
//! (docs/operations.md, "Limits"). One row per tenant that has any; a NULL column keeps the
//! server's configured default for that limit. Tenant-owned: its key is `tenant_id`.

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
                "CREATE TABLE tenant_limits (
                    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
                    requests_per_second BIGINT NULL,
                    burst BIGINT NULL,
                    max_concurrent_writes BIGINT NULL
                )",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE tenant_limits")
            .await
            .map(|_| ())
    }
}
