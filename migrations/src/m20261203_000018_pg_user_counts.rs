//! `scim_user_counts` on PostgreSQL: each app's number of SCIM users and a generation that
//! every insert or delete of one of them increases, as on SQLite (migration `000015`), so an
//! unfiltered `GET /Users` reads `totalResults` from it and pages by key there too.
//!
//! One row per app, as on SQLite, would be locked from a user's insert until its commit, and
//! every create of the app would wait for the one before it. So on PostgreSQL an app's count
//! is 32 rows (`shard` 0 to 31, as many as one server's PostgreSQL pool has connections), and triggers add each change to a row that no other
//! transaction holds:
//!
//! - A statement that inserts or deletes users adds `+n`/`-n` users and `+n` generation to one
//!   shard of each app it touched, chosen with `FOR UPDATE SKIP LOCKED` (starting from the
//!   backend's pid, so a connection mostly keeps to one shard): a shard an open transaction
//!   holds is passed over, never waited for. A shard's `users` may go below zero (a user
//!   inserted through one shard and deleted through another); only the sum means anything.
//! - The first change of an app creates its shards. Should all of them be held at once (more
//!   than 32 transactions of one app between a change and its commit: past one
//!   server's pool), the change goes to an overflow row of the backend (`shard` 32 + pid mod
//!   1024), which only a backend with the same remainder can hold.
//! - Moving a user to another tenant or app (rosterd never does) moves its count too; a
//!   deleted tenant (it can only go once its users have) takes its rows along, on both backends.
//!
//! Readers take `SUM(users)` and `SUM(generation)` of the app's rows in one statement, so they
//! see exactly the committed users of their snapshot, as `COUNT(*)` would; the sum of the
//! generations strictly increases with every committed insert or delete.
//!
//! The existing users are counted into shard 0 while `scim_users` is locked against writes, so
//! no change slips between the count and the triggers. Expand only: a new table, functions and
//! triggers; down drops them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PG_UP: [&str; 12] = [
    "LOCK TABLE scim_users IN SHARE ROW EXCLUSIVE MODE",
    "CREATE TABLE scim_user_counts (
        tenant_id TEXT NOT NULL,
        product TEXT NOT NULL,
        shard INTEGER NOT NULL,
        users BIGINT NOT NULL,
        generation BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, product, shard)
    )",
    // Adds `users` and `generation` to a shard of the app no other transaction holds.
    "CREATE FUNCTION scim_user_counts_add(app_tenant TEXT, app_product TEXT, users_delta BIGINT,
                                          generation_delta BIGINT) RETURNS void
     LANGUAGE plpgsql AS $$
     DECLARE
         taken INTEGER;
     BEGIN
         FOR attempt IN 1..2 LOOP
             SELECT s.shard INTO taken FROM scim_user_counts s
              WHERE s.tenant_id = app_tenant AND s.product = app_product AND s.shard < 32
              ORDER BY (s.shard + 32 - pg_backend_pid() % 32) % 32
              LIMIT 1 FOR UPDATE SKIP LOCKED;
             IF FOUND THEN
                 UPDATE scim_user_counts
                    SET users = users + users_delta, generation = generation + generation_delta
                  WHERE tenant_id = app_tenant AND product = app_product AND shard = taken;
                 RETURN;
             END IF;
             EXIT WHEN EXISTS (SELECT 1 FROM scim_user_counts
                                WHERE tenant_id = app_tenant AND product = app_product
                                  AND shard < 32);
             INSERT INTO scim_user_counts (tenant_id, product, shard, users, generation)
                 SELECT app_tenant, app_product, s, 0, 0 FROM generate_series(0, 31) s
                 ON CONFLICT DO NOTHING;
         END LOOP;
         INSERT INTO scim_user_counts (tenant_id, product, shard, users, generation)
             VALUES (app_tenant, app_product, 32 + pg_backend_pid() % 1024, users_delta,
                     generation_delta)
             ON CONFLICT (tenant_id, product, shard) DO UPDATE
             SET users = scim_user_counts.users + EXCLUDED.users,
                 generation = scim_user_counts.generation + EXCLUDED.generation;
     END
     $$",
    "CREATE FUNCTION scim_user_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
         app RECORD;
     BEGIN
         FOR app IN SELECT tenant_id, product, count(*) AS n FROM scim_users_inserted
                     GROUP BY tenant_id, product ORDER BY tenant_id, product LOOP
             PERFORM scim_user_counts_add(app.tenant_id, app.product, app.n, app.n);
         END LOOP;
         RETURN NULL;
     END
     $$",
    "CREATE FUNCTION scim_user_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
         app RECORD;
     BEGIN
         FOR app IN SELECT tenant_id, product, count(*) AS n FROM scim_users_deleted
                     GROUP BY tenant_id, product ORDER BY tenant_id, product LOOP
             PERFORM scim_user_counts_add(app.tenant_id, app.product, -app.n, app.n);
         END LOOP;
         RETURN NULL;
     END
     $$",
    "CREATE FUNCTION scim_user_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
         PERFORM scim_user_counts_add(OLD.tenant_id, OLD.product, -1, 1);
         PERFORM scim_user_counts_add(NEW.tenant_id, NEW.product, 1, 1);
         RETURN NULL;
     END
     $$",
    "CREATE FUNCTION scim_user_counts_tenant_gone() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
         DELETE FROM scim_user_counts WHERE tenant_id = OLD.id;
         RETURN NULL;
     END
     $$",
    "CREATE TRIGGER scim_user_counts_insert AFTER INSERT ON scim_users
        REFERENCING NEW TABLE AS scim_users_inserted
        FOR EACH STATEMENT EXECUTE FUNCTION scim_user_counts_inserted()",
    "CREATE TRIGGER scim_user_counts_delete AFTER DELETE ON scim_users
        REFERENCING OLD TABLE AS scim_users_deleted
        FOR EACH STATEMENT EXECUTE FUNCTION scim_user_counts_deleted()",
    // Per row, tested in the WHEN clause: an ordinary update of a user calls nothing.
    "CREATE TRIGGER scim_user_counts_move AFTER UPDATE OF tenant_id, product ON scim_users
        FOR EACH ROW
        WHEN (OLD.tenant_id <> NEW.tenant_id OR OLD.product <> NEW.product)
        EXECUTE FUNCTION scim_user_counts_moved()",
    "CREATE TRIGGER scim_user_counts_tenant_gone AFTER DELETE ON tenants
        FOR EACH ROW EXECUTE FUNCTION scim_user_counts_tenant_gone()",
    // The users already there, with every other shard of their app.
    "INSERT INTO scim_user_counts (tenant_id, product, shard, users, generation)
        SELECT a.tenant_id, a.product, s,
               CASE WHEN s = 0 THEN a.n ELSE 0 END, CASE WHEN s = 0 THEN 1 ELSE 0 END
          FROM (SELECT tenant_id, product, count(*) AS n FROM scim_users
                 GROUP BY tenant_id, product) a
          CROSS JOIN generate_series(0, 31) s",
];

const PG_DOWN: [&str; 9] = [
    "DROP TRIGGER scim_user_counts_tenant_gone ON tenants",
    "DROP TRIGGER scim_user_counts_move ON scim_users",
    "DROP TRIGGER scim_user_counts_delete ON scim_users",
    "DROP TRIGGER scim_user_counts_insert ON scim_users",
    "DROP FUNCTION scim_user_counts_tenant_gone()",
    "DROP FUNCTION scim_user_counts_moved()",
    "DROP FUNCTION scim_user_counts_deleted()",
    "DROP FUNCTION scim_user_counts_inserted()",
    "DROP FUNCTION scim_user_counts_add(TEXT, TEXT, BIGINT, BIGINT)",
];

const PG_DOWN_TABLE: &str = "DROP TABLE scim_user_counts";

const SQLITE_UP: [&str; 1] = [
    "CREATE TRIGGER scim_user_counts_tenant_gone AFTER DELETE ON tenants
    BEGIN
        DELETE FROM scim_user_counts WHERE tenant_id = OLD.id;
    END",
];

const SQLITE_DOWN: [&str; 1] = ["DROP TRIGGER scim_user_counts_tenant_gone"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Postgres => crate::run_together(db, &PG_UP).await,
            _ => crate::run_together(db, &SQLITE_UP).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let mut statements = PG_DOWN.to_vec();
                statements.push(PG_DOWN_TABLE);
                crate::run_together(db, &statements).await
            }
            _ => crate::run_together(db, &SQLITE_DOWN).await,
        }
    }
}
