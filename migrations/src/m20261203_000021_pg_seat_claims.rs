//! `seat_claims` on PostgreSQL: a seat taken at commit.
//!
//! A licensed create takes a seat with a conditional UPDATE of its pool row, and PostgreSQL
//! holds that row from the UPDATE until the transaction ends. Even as the last statement
//! before COMMIT, the row stays locked for a round trip to the server and back, the server's
//! turn on a busy CPU, and the commit's WAL flush. Every licensed create of a tenant queues for
//! that row, so this hold bounds the tenant's creates per second: 215/s licensed against 433/s
//! unlicensed, measured with `scripts/bench-ledger-share.sh` on this 2-core machine.
//!
//! So the hot path (a new user of an app that licenses everyone) inserts its license, entry and
//! event only if a non-locking read shows a free seat, and records a claim here. A deferred
//! constraint trigger settles the claim inside COMMIT, with no round trip left: the same
//! conditional UPDATE of the pool row, then the claim row is deleted. The row is locked only
//! from there to the end of the commit.
//!
//! If the pool filled in between, the trigger fails the commit with `serialization_failure`
//! (40001). Nothing of the transaction is written. The directory runs the write again, as for
//! any serialization failure, and this time the read shows the pool full, so it takes the
//! ordinary path (waiting list or 403). The capacity check stays in the database
//! (`in_use <= capacity`), so even a stale read never over-allocates a seat.
//!
//! SQLite has one writer at a time and no row locks, so it does not need this; there the
//! migration does nothing. Expand only: a new table, function and trigger; down drops them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PG_UP: [&str; 3] = [
    // A claim lives only inside its transaction: the trigger deletes it at commit.
    "CREATE TABLE seat_claims (
        tenant_id TEXT NOT NULL,
        license_id TEXT NOT NULL,
        license_kind TEXT NOT NULL,
        claimed_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (tenant_id, license_id)
    )",
    "CREATE FUNCTION seat_claims_settle() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
         UPDATE seat_pools SET in_use = in_use + 1, updated_at = NEW.claimed_at
          WHERE tenant_id = NEW.tenant_id AND license_kind = NEW.license_kind
            AND in_use < capacity;
         IF NOT FOUND THEN
             RAISE EXCEPTION 'could not serialize access: the % seat pool filled before the claim of license % committed',
                 NEW.license_kind, NEW.license_id
                 USING ERRCODE = 'serialization_failure';
         END IF;
         DELETE FROM seat_claims WHERE tenant_id = NEW.tenant_id AND license_id = NEW.license_id;
         RETURN NULL;
     END $$",
    "CREATE CONSTRAINT TRIGGER seat_claims_settle AFTER INSERT ON seat_claims
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION seat_claims_settle()",
];

const PG_DOWN: [&str; 3] = [
    "DROP TRIGGER seat_claims_settle ON seat_claims",
    "DROP FUNCTION seat_claims_settle()",
    "DROP TABLE seat_claims",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Postgres => crate::run_together(db, &PG_UP).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Postgres => crate::run_together(db, &PG_DOWN).await,
            _ => Ok(()),
        }
    }
}
