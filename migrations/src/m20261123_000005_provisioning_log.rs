//! The provisioning log (one row per SCIM request an app made, newest first per tenant and app)
//! and the index the audit log page lists newest first by.
//!
//! `provisioning_log` keeps no request or response bodies and no headers: the method, the path,
//! the outcome (status, `scimType`, detail), the resources the request changed, a summary of the
//! request with passwords stripped, and the latency. Its id is the request id (`ScimContext`), so
//! ledger and audit entries the request caused can be followed back to it. Rows older than the
//! configured retention are purged by the server.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn ts(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "TIMESTAMPTZ",
        _ => "TEXT",
    }
}

fn up_statements(backend: DatabaseBackend) -> Vec<String> {
    let ts = ts(backend);
    vec![
        format!(
            "CREATE TABLE provisioning_log (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                product TEXT NOT NULL,
                created_at {ts} NOT NULL,
                method TEXT NOT NULL,
                path TEXT NOT NULL,
                status INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                scim_type TEXT,
                detail TEXT,
                resources TEXT NOT NULL,
                subject TEXT NOT NULL,
                summary TEXT,
                latency_ms BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, id)
            )"
        ),
        // Newest first for the whole tenant, and for one app; also serves the retention purge.
        "CREATE INDEX provisioning_log_newest ON provisioning_log (tenant_id, created_at, id)"
            .into(),
        "CREATE INDEX provisioning_log_app_newest \
         ON provisioning_log (tenant_id, product, created_at, id)"
            .into(),
        "CREATE INDEX audit_events_newest ON audit_events (tenant_id, created_at, id)".into(),
    ]
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
        db.execute_unprepared("DROP INDEX IF EXISTS audit_events_newest")
            .await?;
        db.execute_unprepared("DROP TABLE IF EXISTS provisioning_log")
            .await?;
        Ok(())
    }
}
