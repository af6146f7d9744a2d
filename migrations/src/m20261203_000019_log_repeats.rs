//! `provisioning_log.repeats`: how many requests one entry stands for. A flood the fair share
//! refuses (429) is logged as its first refusal, then one entry per app and window with the
//! number of refusals that followed (docs/admin-center.md, "Provisioning log"), so a tenant
//! refused thousands of times a second writes a few rows, not thousands. Every other entry is
//! one request (the default).

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
                "ALTER TABLE provisioning_log ADD COLUMN repeats BIGINT NOT NULL DEFAULT 1",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE provisioning_log DROP COLUMN repeats")
            .await
            .map(|_| ())
    }
}
