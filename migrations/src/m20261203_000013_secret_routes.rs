//! The two secrets presented alone, a SCIM bearer token and an activation link, find their tenant
//! through `secret_routes` (hash -> tenant), so their own tables' unique indexes can include
//! `tenant_id` like every other tenant-owned key, and the schema can be distributed by tenant
//! (docs/operations.md, "Past one PostgreSQL primary"). `secret_routes` itself is a reference
//! table there.
//!
//! Existing secrets get their routes here. The hash-only indexes stay, non-unique, for the
//! lookup of a secret an older rosterd issues while this upgrade rolls out (it writes no route).

use sea_orm_migration::SchemaManagerConnection;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 9] = [
    "CREATE TABLE secret_routes (
        secret_hash TEXT NOT NULL PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants (id),
        kind TEXT NOT NULL
    )",
    "INSERT INTO secret_routes (secret_hash, tenant_id, kind)
        SELECT secret_hash, tenant_id, 'scim_token' FROM scim_tokens",
    "INSERT INTO secret_routes (secret_hash, tenant_id, kind)
        SELECT token_hash, tenant_id, 'activation_link' FROM activation_links",
    "DROP INDEX scim_tokens_secret_hash",
    "CREATE UNIQUE INDEX scim_tokens_tenant_secret_hash ON scim_tokens (tenant_id, secret_hash)",
    "CREATE INDEX scim_tokens_secret_hash ON scim_tokens (secret_hash)",
    "DROP INDEX activation_links_token_hash",
    "CREATE UNIQUE INDEX activation_links_tenant_token_hash ON activation_links (tenant_id, token_hash)",
    "CREATE INDEX activation_links_token_hash ON activation_links (token_hash)",
];

const DOWN: [&str; 7] = [
    "DROP INDEX activation_links_token_hash",
    "DROP INDEX activation_links_tenant_token_hash",
    "CREATE UNIQUE INDEX activation_links_token_hash ON activation_links (token_hash)",
    "DROP INDEX scim_tokens_secret_hash",
    "DROP INDEX scim_tokens_tenant_secret_hash",
    "CREATE UNIQUE INDEX scim_tokens_secret_hash ON scim_tokens (secret_hash)",
    "DROP TABLE secret_routes",
];

/// Runs `statements` in one transaction, on one connection: no index is left dropped half-way,
/// and no pooled SQLite connection with an old view of the schema (which still sees the dropped
/// index) re-creates it.
async fn run(db: &SchemaManagerConnection<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    for statement in statements {
        txn.execute_unprepared(statement).await?;
    }
    txn.commit().await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager.get_connection(), &UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager.get_connection(), &DOWN).await
    }
}
