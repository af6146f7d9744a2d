//! The admin center's own state: browser sessions (admin and operator), the operator console's
//! accounts, and the sign-in throttle.
//!
//! None of these is tenant-owned: an operator acts across tenants, a session exists before its
//! owner has signed in, and an address is throttled across tenants. Sessions are keyed by the
//! SHA-256 of the session id, so the table never holds a live cookie value.

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
            "CREATE TABLE admin_sessions (
                id_hash TEXT NOT NULL PRIMARY KEY,
                data TEXT NOT NULL,
                expires_at {ts} NOT NULL
            )"
        ),
        // Expired sessions are deleted by expiry time.
        "CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at)".into(),
        format!(
            "CREATE TABLE operator_accounts (
                id TEXT NOT NULL PRIMARY KEY,
                email TEXT NOT NULL,
                email_lower TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at {ts} NOT NULL,
                last_login_at {ts}
            )"
        ),
        "CREATE UNIQUE INDEX operator_accounts_email ON operator_accounts (email_lower)".into(),
        // One row per throttled key (an account or a client address): failures in the window
        // that started at `window_started_at`.
        format!(
            "CREATE TABLE login_throttle (
                throttle_key TEXT NOT NULL PRIMARY KEY,
                failures BIGINT NOT NULL,
                window_started_at {ts} NOT NULL
            )"
        ),
    ]
}

const TABLES: [&str; 3] = ["login_throttle", "operator_accounts", "admin_sessions"];

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
        for table in TABLES {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}
