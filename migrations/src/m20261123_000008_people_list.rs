//! The admin center's Users page on large tenants: indexes for sorting people by name, email
//! and creation within a tenant (each ending in `id`, the keyset tie-break), for prefix search
//! on name parts, email and employee number, and for a person's SCIM users by app and their
//! waiting-list rows. Also
//! `people.removed_at`: an admin removes a manual person without erasing the licenses and ledger
//! entries that name them (a removed person keeps their row, loses their email key, and is
//! listed nowhere).
//!
//! The sort and search keys are expressions (`lower(...)`), identical to the ones
//! `rosterd_directory::people_list` queries with. On PostgreSQL they carry `COLLATE "C"` so
//! that order and prefix ranges are byte order, as on SQLite: a prefix search is then an index
//! range on either backend, whatever the database's default collation.
//!
//! Expand only: one nullable column and new indexes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `TIMESTAMPTZ` on PostgreSQL; SQLite keeps sea-orm's text form under any declared type.
fn ts(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "TIMESTAMPTZ",
        _ => "TEXT",
    }
}

/// The name a person is listed and sorted by (kept in step with `people_list::NAME_KEY`).
const NAME_KEY: &str = "lower(coalesce(display_name, given_name || ' ' || family_name, given_name, family_name, email, ''))";

fn indexes(backend: DatabaseBackend) -> Vec<(&'static str, String)> {
    let c = match backend {
        DatabaseBackend::Postgres => " COLLATE \"C\"",
        _ => "",
    };
    vec![
        (
            "people_list_name",
            format!("people (tenant_id, ({NAME_KEY}){c}, id)"),
        ),
        (
            "people_list_email",
            format!("people (tenant_id, (coalesce(email_lower, '')){c}, id)"),
        ),
        (
            "people_list_created",
            "people (tenant_id, created_at, id)".into(),
        ),
        (
            "people_search_given",
            format!("people (tenant_id, (lower(given_name)){c})"),
        ),
        (
            "people_search_family",
            format!("people (tenant_id, (lower(family_name)){c})"),
        ),
        (
            "people_search_employee",
            format!("people (tenant_id, (lower(employee_number)){c})"),
        ),
        // "Provisioned by this app": without it SQLite answers the per-person check from the
        // (tenant, product, id) index, reading every user of the app for every person.
        (
            "scim_users_person_product",
            "scim_users (tenant_id, person_id, product)".into(),
        ),
        (
            "license_waitlist_person",
            "license_waitlist (tenant_id, person_id)".into(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        db.execute_unprepared(&format!(
            "ALTER TABLE people ADD COLUMN removed_at {}",
            ts(backend)
        ))
        .await?;
        for (name, on) in indexes(backend) {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in indexes(db.get_database_backend()) {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        db.execute_unprepared("ALTER TABLE people DROP COLUMN removed_at")
            .await?;
        Ok(())
    }
}
