//! An index on licenses by person (in id order), not limited to live ones: the ledger looks up a
//! person's licenses on every provisioning write, with the state as a bound parameter, which the
//! partial `licenses_live` index cannot serve; without this index each lookup read every license
//! of the tenant (or of the kind), so provisioning slowed as a tenant grew.

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
                "CREATE INDEX licenses_person ON licenses (tenant_id, person_id, id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS licenses_person")
            .await?;
        Ok(())
    }
}
