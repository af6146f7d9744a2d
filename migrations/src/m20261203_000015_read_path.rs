//! What the SCIM read path needs to answer without recounting or re-checking:
//!
//! - `auth_generation`: one row whose counter every change that can shut a SCIM token out
//!   (revoking it, turning its app's SCIM off, suspending its tenant) increments in its own
//!   transaction. Each server keeps the tokens it authenticated in memory and re-reads this one
//!   row at most every half second; a new value drops what it kept (`rosterd_tenancy`'s token
//!   cache). A global table: a reference table on a database distributed by tenant.
//! - On SQLite only, `scim_user_counts`: each app's number of SCIM users and a generation that
//!   every insert or delete of one of them increments, kept by triggers in the same statement,
//!   so every writer (server, CLI, any version) keeps it exact. An unfiltered `GET /Users` reads
//!   `totalResults` from it instead of counting 100,000 index entries, and pages by key while
//!   the generation stands. Not on PostgreSQL: there the row would be locked from a user's
//!   insert until the commit, and every create of an app would wait for the one before it;
//!   migration `000018` gives PostgreSQL the same table in shards that creates do not wait on.
//!
//! Expand only: new tables and triggers.

use sea_orm_migration::SchemaManagerConnection;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

const AUTH_UP: [&str; 2] = [
    "CREATE TABLE auth_generation (
        id INTEGER NOT NULL PRIMARY KEY,
        generation BIGINT NOT NULL
    )",
    "INSERT INTO auth_generation (id, generation) VALUES (1, 0)",
];

const COUNTS_UP: [&str; 5] = [
    "CREATE TABLE scim_user_counts (
        tenant_id TEXT NOT NULL,
        product TEXT NOT NULL,
        users BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, product)
    )",
    "INSERT INTO scim_user_counts (tenant_id, product, users, generation)
        SELECT tenant_id, product, count(*), 1 FROM scim_users GROUP BY tenant_id, product",
    "CREATE TRIGGER scim_user_counts_insert AFTER INSERT ON scim_users BEGIN
        INSERT INTO scim_user_counts (tenant_id, product, users, generation)
            VALUES (NEW.tenant_id, NEW.product, 1, 1)
            ON CONFLICT (tenant_id, product)
            DO UPDATE SET users = users + 1, generation = generation + 1;
    END",
    "CREATE TRIGGER scim_user_counts_delete AFTER DELETE ON scim_users BEGIN
        UPDATE scim_user_counts SET users = users - 1, generation = generation + 1
            WHERE tenant_id = OLD.tenant_id AND product = OLD.product;
    END",
    // rosterd never moves a user to another tenant or app; should anything do it, the counts
    // follow.
    "CREATE TRIGGER scim_user_counts_move AFTER UPDATE OF tenant_id, product ON scim_users
        WHEN OLD.tenant_id <> NEW.tenant_id OR OLD.product <> NEW.product BEGIN
        UPDATE scim_user_counts SET users = users - 1, generation = generation + 1
            WHERE tenant_id = OLD.tenant_id AND product = OLD.product;
        INSERT INTO scim_user_counts (tenant_id, product, users, generation)
            VALUES (NEW.tenant_id, NEW.product, 1, 1)
            ON CONFLICT (tenant_id, product)
            DO UPDATE SET users = users + 1, generation = generation + 1;
    END",
];

const COUNTS_DOWN: [&str; 4] = [
    "DROP TRIGGER scim_user_counts_move",
    "DROP TRIGGER scim_user_counts_delete",
    "DROP TRIGGER scim_user_counts_insert",
    "DROP TABLE scim_user_counts",
];

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
        let db = manager.get_connection();
        let mut statements: Vec<&str> = AUTH_UP.to_vec();
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            statements.extend(COUNTS_UP);
        }
        run(db, &statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut statements: Vec<&str> = Vec::new();
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            statements.extend(COUNTS_DOWN);
        }
        statements.push("DROP TABLE auth_generation");
        run(db, &statements).await
    }
}
