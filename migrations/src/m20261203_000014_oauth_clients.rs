//! OAuth 2.0 clients of product apps (RFC 6749 section 4.4, the client credentials grant), as
//! Microsoft Entra ID's app gallery requires: a client per app, its secrets (several live at
//! once, for rotation; stored as SHA-256), and the short-lived access tokens the token endpoint
//! issues (stored as SHA-256 too).
//!
//! Every key starts with `tenant_id`, like every tenant-owned table's. No lookup starts from a
//! secret alone: the token endpoint is per app (`/scim/{tenant}/{product}/oauth/token`), so a
//! client and its secrets are looked up within the path's tenant, and an access token carries
//! its tenant as a routing part (`rosterd_oat_<tenant>_<random>`), so none needs a
//! `secret_routes` row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `TIMESTAMPTZ` on PostgreSQL; SQLite keeps sea-orm's text form under any declared type.
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
            "CREATE TABLE oauth_clients (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                product TEXT NOT NULL,
                created_at {ts} NOT NULL,
                last_used_at {ts},
                revoked_at {ts},
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, product) REFERENCES product_apps (tenant_id, product)
            )"
        ),
        "CREATE INDEX oauth_clients_product ON oauth_clients (tenant_id, product)".into(),
        format!(
            "CREATE TABLE oauth_client_secrets (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                client_id TEXT NOT NULL,
                prefix TEXT NOT NULL,
                secret_hash TEXT NOT NULL,
                created_at {ts} NOT NULL,
                expires_at {ts} NOT NULL,
                last_used_at {ts},
                revoked_at {ts},
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, client_id) REFERENCES oauth_clients (tenant_id, id)
            )"
        ),
        "CREATE UNIQUE INDEX oauth_client_secrets_hash ON oauth_client_secrets (tenant_id, secret_hash)"
            .into(),
        "CREATE INDEX oauth_client_secrets_client ON oauth_client_secrets (tenant_id, client_id)"
            .into(),
        format!(
            "CREATE TABLE oauth_access_tokens (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                client_id TEXT NOT NULL,
                secret_id TEXT NOT NULL,
                token_hash TEXT NOT NULL,
                created_at {ts} NOT NULL,
                expires_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, client_id) REFERENCES oauth_clients (tenant_id, id),
                FOREIGN KEY (tenant_id, secret_id) REFERENCES oauth_client_secrets (tenant_id, id)
            )"
        ),
        "CREATE UNIQUE INDEX oauth_access_tokens_hash ON oauth_access_tokens (tenant_id, token_hash)"
            .into(),
        // The sweep of a client's expired tokens, run when it is issued a new one.
        "CREATE INDEX oauth_access_tokens_expiry ON oauth_access_tokens (tenant_id, client_id, expires_at)"
            .into(),
    ]
}

const TABLES: [&str; 3] = [
    "oauth_access_tokens",
    "oauth_client_secrets",
    "oauth_clients",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let txn = db.begin().await?;
        for statement in up_statements(db.get_database_backend()) {
            txn.execute_unprepared(&statement).await?;
        }
        txn.commit().await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let txn = db.begin().await?;
        for table in TABLES {
            txn.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        txn.commit().await
    }
}
