//! The foundation schema: tenants and their product apps, SCIM tokens, admin accounts, people,
//! app-scoped SCIM users, groups and memberships, seat pools, licenses, the license ledger and the
//! audit log.
//!
//! Ids are UUID text; times are stored by sea-orm as timestamps with time zone (text on SQLite);
//! JSON documents are text. Case-insensitive uniqueness is enforced on `*_lower` columns the
//! application fills, which keeps the indexes portable and usable for `eq` lookups.

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

fn up_statements(backend: DatabaseBackend) -> Vec<String> {
    let ts = ts(backend);
    vec![
        format!(
            "CREATE TABLE tenants (
                id TEXT NOT NULL PRIMARY KEY,
                slug TEXT NOT NULL,
                name TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at {ts} NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX tenants_slug ON tenants (slug)".into(),
        format!(
            "CREATE TABLE product_apps (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                product TEXT NOT NULL,
                scim_enabled BOOLEAN NOT NULL,
                created_at {ts} NOT NULL,
                last_activity_at {ts},
                PRIMARY KEY (tenant_id, product)
            )"
        ),
        format!(
            "CREATE TABLE scim_tokens (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                product TEXT NOT NULL,
                prefix TEXT NOT NULL,
                secret_hash TEXT NOT NULL,
                created_at {ts} NOT NULL,
                expires_at {ts} NOT NULL,
                last_used_at {ts},
                revoked_at {ts},
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, product) REFERENCES product_apps (tenant_id, product)
            )"
        ),
        // Lookup by hash is how a bearer token finds its tenant; the hash is of a 256-bit secret.
        "CREATE UNIQUE INDEX scim_tokens_secret_hash ON scim_tokens (secret_hash)".into(),
        format!(
            "CREATE TABLE admin_users (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                id TEXT NOT NULL,
                email TEXT NOT NULL,
                email_lower TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                created_at {ts} NOT NULL,
                last_login_at {ts},
                PRIMARY KEY (tenant_id, id)
            )"
        ),
        "CREATE UNIQUE INDEX admin_users_email ON admin_users (tenant_id, email_lower)".into(),
        format!(
            "CREATE TABLE people (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                id TEXT NOT NULL,
                email TEXT,
                email_lower TEXT,
                given_name TEXT,
                family_name TEXT,
                display_name TEXT,
                employee_number TEXT,
                department TEXT,
                title TEXT,
                source TEXT NOT NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, id)
            )"
        ),
        "CREATE UNIQUE INDEX people_email ON people (tenant_id, email_lower)".into(),
        format!(
            "CREATE TABLE scim_users (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                id TEXT NOT NULL,
                product TEXT NOT NULL,
                person_id TEXT NOT NULL,
                user_name TEXT NOT NULL,
                user_name_lower TEXT NOT NULL,
                external_id TEXT,
                active BOOLEAN NOT NULL,
                document TEXT NOT NULL,
                version BIGINT NOT NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
            )"
        ),
        "CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant_id, product, user_name_lower)"
            .into(),
        "CREATE INDEX scim_users_external_id ON scim_users (tenant_id, product, external_id)".into(),
        "CREATE INDEX scim_users_person ON scim_users (tenant_id, person_id)".into(),
        "CREATE TABLE scim_user_emails (
            tenant_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            product TEXT NOT NULL,
            value_lower TEXT NOT NULL,
            PRIMARY KEY (tenant_id, user_id, value_lower),
            FOREIGN KEY (tenant_id, user_id) REFERENCES scim_users (tenant_id, id) ON DELETE CASCADE
        )"
        .into(),
        "CREATE INDEX scim_user_emails_value ON scim_user_emails (tenant_id, product, value_lower)"
            .into(),
        format!(
            "CREATE TABLE user_groups (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                id TEXT NOT NULL,
                product TEXT NOT NULL,
                source TEXT NOT NULL,
                display_name TEXT NOT NULL,
                display_name_lower TEXT NOT NULL,
                external_id TEXT,
                document TEXT NOT NULL,
                version BIGINT NOT NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, id)
            )"
        ),
        // One name per product across SCIM and manual groups: the product documents promise a
        // SCIM group never overwrites a manual group of the same name.
        "CREATE UNIQUE INDEX user_groups_display_name ON user_groups (tenant_id, product, display_name_lower)"
            .into(),
        "CREATE INDEX user_groups_external_id ON user_groups (tenant_id, product, external_id)".into(),
        format!(
            "CREATE TABLE group_members (
                tenant_id TEXT NOT NULL,
                group_id TEXT NOT NULL,
                member_id TEXT NOT NULL,
                created_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, group_id, member_id),
                FOREIGN KEY (tenant_id, group_id) REFERENCES user_groups (tenant_id, id) ON DELETE CASCADE
            )"
        ),
        "CREATE INDEX group_members_member ON group_members (tenant_id, member_id)".into(),
        format!(
            "CREATE TABLE seat_pools (
                tenant_id TEXT NOT NULL REFERENCES tenants (id),
                license_kind TEXT NOT NULL,
                capacity BIGINT NOT NULL,
                in_use BIGINT NOT NULL,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, license_kind),
                CHECK (capacity >= 0),
                CHECK (in_use >= 0 AND in_use <= capacity)
            )"
        ),
        format!(
            "CREATE TABLE licenses (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                person_id TEXT NOT NULL,
                license_kind TEXT NOT NULL,
                state TEXT NOT NULL,
                source TEXT NOT NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
                FOREIGN KEY (tenant_id, license_kind) REFERENCES seat_pools (tenant_id, license_kind)
            )"
        ),
        // At most one live license per person and kind.
        "CREATE UNIQUE INDEX licenses_live ON licenses (tenant_id, person_id, license_kind) \
         WHERE state <> 'revoked'"
            .into(),
        "CREATE INDEX licenses_kind_state ON licenses (tenant_id, license_kind, state)".into(),
        format!(
            "CREATE TABLE ledger_entries (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                kind TEXT NOT NULL,
                license_kind TEXT NOT NULL,
                from_license_kind TEXT,
                person_id TEXT,
                license_id TEXT,
                capacity_before BIGINT,
                capacity_after BIGINT,
                actor_kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL,
                created_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, id)
            )"
        ),
        "CREATE INDEX ledger_entries_person ON ledger_entries (tenant_id, person_id)".into(),
        format!(
            "CREATE TABLE audit_events (
                tenant_id TEXT NOT NULL,
                id TEXT NOT NULL,
                channel TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target_type TEXT NOT NULL,
                target_id TEXT NOT NULL,
                detail TEXT NOT NULL,
                created_at {ts} NOT NULL,
                PRIMARY KEY (tenant_id, id)
            )"
        ),
        "CREATE INDEX audit_events_target ON audit_events (tenant_id, target_type, target_id)"
            .into(),
    ]
}

const TABLES: [&str; 13] = [
    "audit_events",
    "ledger_entries",
    "licenses",
    "seat_pools",
    "group_members",
    "user_groups",
    "scim_user_emails",
    "scim_users",
    "people",
    "admin_users",
    "scim_tokens",
    "product_apps",
    "tenants",
];

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
