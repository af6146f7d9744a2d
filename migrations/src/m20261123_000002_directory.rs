//! Indexes for SCIM listing: sorting and filtering by `meta.created`/`meta.lastModified`, and
//! the default id order, within one tenant's product app, for users and groups.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str); 6] = [
    (
        "scim_users_created",
        "scim_users (tenant_id, product, created_at)",
    ),
    (
        "scim_users_updated",
        "scim_users (tenant_id, product, updated_at)",
    ),
    (
        "scim_users_product_id",
        "scim_users (tenant_id, product, id)",
    ),
    (
        "user_groups_created",
        "user_groups (tenant_id, product, created_at)",
    ),
    (
        "user_groups_updated",
        "user_groups (tenant_id, product, updated_at)",
    ),
    (
        "user_groups_product_id",
        "user_groups (tenant_id, product, id)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, on) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
