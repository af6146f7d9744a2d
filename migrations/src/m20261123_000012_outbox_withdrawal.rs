//! Notices whose link died before delivery are withdrawn, not sent: the outbox keeps the hash of
//! the activation link a message carries (`link_hash`), and when the worker finds that link
//! revoked, replaced, used or expired it marks the message `withdrawn_at` instead of mailing a
//! dead link.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let ts = match db.get_database_backend() {
            DatabaseBackend::Postgres => "TIMESTAMPTZ",
            _ => "TEXT",
        };
        for statement in [
            "ALTER TABLE notification_outbox ADD COLUMN link_hash TEXT".to_owned(),
            format!("ALTER TABLE notification_outbox ADD COLUMN withdrawn_at {ts}"),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in ["withdrawn_at", "link_hash"] {
            db.execute_unprepared(&format!(
                "ALTER TABLE notification_outbox DROP COLUMN {column}"
            ))
            .await?;
        }
        Ok(())
    }
}
