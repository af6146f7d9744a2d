//! The schema can be distributed by `tenant_id` (Citus, or another PostgreSQL-compatible engine
//! that shards by a column), proven from PostgreSQL's catalog after migrating a fresh database:
//! every tenant-owned table has `tenant_id`, and its primary key, every unique constraint or
//! unique index, and every foreign key include it (a distributed table can enforce uniqueness
//! and references only within one shard). The other tables are reference or local tables, each
//! named in [`REFERENCE_OR_LOCAL`] and in docs/operations.md ("Past one PostgreSQL primary"),
//! and none of them references a tenant-owned table.
//!
//! The catalog check runs on PostgreSQL only: SQLite has no catalog to read this from, and no
//! distribution to prepare for. The routing of secrets presented alone (`secret_routes`) is
//! checked on both.

use std::collections::{BTreeMap, BTreeSet};

use rosterd_domain::Product;
use rosterd_migrations::{Migrator, MigratorTrait as _};
use rosterd_test_support::{TestApp, TestDb};
use sea_orm::{ConnectionTrait as _, Statement};

/// The tables that are not distributed by `tenant_id`, and what each is on a distributed
/// database. All but `secret_routes` (which says where a secret leads) have no `tenant_id`.
const REFERENCE_OR_LOCAL: [(&str, &str); 6] = [
    ("tenants", "reference"),
    ("auth_generation", "reference"),
    ("secret_routes", "reference"),
    ("operator_accounts", "reference"),
    ("admin_sessions", "local"),
    ("login_throttle", "local"),
];

/// sea-orm's own bookkeeping, not part of the schema.
const MIGRATION_TABLE: &str = "seaql_migrations";

async fn rows(db: &TestDb, sql: &str, columns: &[&str]) -> Vec<Vec<String>> {
    db.conn
        .query_all(Statement::from_string(db.conn.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| row.try_get::<String>("", c).unwrap())
                .collect()
        })
        .collect()
}

fn has_tenant(columns: &str) -> bool {
    columns.split(',').any(|c| c == "tenant_id")
}

#[tokio::test]
async fn every_tenant_owned_key_includes_tenant_id() {
    if rosterd_test_support::backend_name() != "postgres" {
        eprintln!("citus_ready: PostgreSQL only; set ROSTERD_TEST_POSTGRES to run it");
        return;
    }
    let db = TestDb::fresh().await;

    let columns = rows(
        &db,
        "SELECT c.relname::text AS table_name,
                string_agg(a.attname::text, ',' ORDER BY a.attnum) AS columns
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
          GROUP BY c.relname",
        &["table_name", "columns"],
    )
    .await;
    let tables: BTreeMap<String, String> = columns
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .filter(|(table, _)| table != MIGRATION_TABLE)
        .collect();
    assert!(tables.len() >= 20, "{tables:?}");
    let allowed: BTreeSet<&str> = REFERENCE_OR_LOCAL.iter().map(|(t, _)| *t).collect();
    // `secret_routes` has a tenant_id (where a secret leads) and is still a reference table.
    let tenant_owned: BTreeSet<&str> = tables
        .iter()
        .filter(|(t, cols)| has_tenant(cols) && !allowed.contains(t.as_str()))
        .map(|(t, _)| t.as_str())
        .collect();

    let mut problems = Vec::new();
    for (table, cols) in &tables {
        if !has_tenant(cols) && !allowed.contains(table.as_str()) {
            problems.push(format!(
                "table {table} has no tenant_id and is not a named reference or local table"
            ));
        }
    }
    for table in &allowed {
        if !tables.contains_key(*table) {
            problems.push(format!("allow-listed table {table} does not exist"));
        }
    }

    // Primary keys and unique constraints are unique indexes too, so this covers all three.
    let unique = rows(
        &db,
        "SELECT c.relname::text AS table_name, i.relname::text AS index_name,
                CASE WHEN ix.indisprimary THEN 'primary key' ELSE 'unique index' END AS what,
                coalesce((SELECT string_agg(a.attname::text, ',')
                            FROM unnest(ix.indkey) AS k(attnum)
                            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum), '')
                  AS columns
           FROM pg_index ix
           JOIN pg_class c ON c.oid = ix.indrelid
           JOIN pg_class i ON i.oid = ix.indexrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND ix.indisunique",
        &["table_name", "index_name", "what", "columns"],
    )
    .await;
    let mut with_primary_key = BTreeSet::new();
    for row in &unique {
        let (table, index, what, cols) = (&row[0], &row[1], &row[2], &row[3]);
        if what == "primary key" {
            with_primary_key.insert(table.clone());
        }
        if tenant_owned.contains(table.as_str()) && !has_tenant(cols) {
            problems.push(format!(
                "{what} {index} on {table} ({cols}) lacks tenant_id"
            ));
        }
    }
    for table in &tenant_owned {
        if !with_primary_key.contains(*table) {
            problems.push(format!("tenant-owned table {table} has no primary key"));
        }
    }

    let foreign = rows(
        &db,
        "SELECT c.relname::text AS table_name, con.conname::text AS constraint_name,
                r.relname::text AS referenced,
                (SELECT string_agg(a.attname::text, ',')
                   FROM unnest(con.conkey) AS k(attnum)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)
                  AS columns
           FROM pg_constraint con
           JOIN pg_class c ON c.oid = con.conrelid
           JOIN pg_class r ON r.oid = con.confrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND con.contype = 'f'",
        &["table_name", "constraint_name", "referenced", "columns"],
    )
    .await;
    assert!(!foreign.is_empty(), "the schema has foreign keys to check");
    for row in &foreign {
        let (table, name, referenced, cols) = (&row[0], &row[1], &row[2], &row[3]);
        let from_tenant = tenant_owned.contains(table.as_str());
        let to_tenant = tenant_owned.contains(referenced.as_str());
        if from_tenant && !has_tenant(cols) {
            problems.push(format!(
                "foreign key {name} on {table} ({cols}) -> {referenced} lacks tenant_id"
            ));
        }
        if !from_tenant && to_tenant {
            problems.push(format!(
                "foreign key {name}: reference table {table} -> tenant-owned {referenced}"
            ));
        }
    }

    // docs/operations.md names every table that is not distributed, and what it is.
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/operations.md"
    ))
    .unwrap();
    match docs.split("## Past one PostgreSQL primary").nth(1) {
        None => problems
            .push("docs/operations.md has no \"Past one PostgreSQL primary\" section".to_owned()),
        Some(section) => {
            let section = section.split("\n## ").next().unwrap_or(section);
            for (table, role) in REFERENCE_OR_LOCAL {
                let named = section
                    .lines()
                    .any(|l| l.contains(&format!("`{table}`")) && l.contains(role));
                if !named {
                    problems.push(format!(
                        "docs/operations.md does not name `{table}` as a {role} table"
                    ));
                }
            }
        }
    }

    assert!(
        problems.is_empty(),
        "not ready to distribute by tenant_id:\n  {}",
        problems.join("\n  ")
    );
}

/// Secrets issued before `secret_routes` existed get their routes from its migration.
#[tokio::test]
async fn the_routes_migration_routes_every_existing_secret() {
    let db = TestDb::fresh_unmigrated().await;
    let backend = db.conn.get_database_backend();
    let before_routes = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261203_000013_secret_routes")
        .unwrap();
    Migrator::up(&db.conn, Some(u32::try_from(before_routes).unwrap()))
        .await
        .unwrap();
    let ts = "'2026-01-01T00:00:00Z'";
    for sql in [
        format!(
            "INSERT INTO tenants (id, slug, name, status, created_at) VALUES ('t1', 'acme', 'Acme', 'active', {ts})"
        ),
        format!(
            "INSERT INTO product_apps (tenant_id, product, scim_enabled, created_at) VALUES ('t1', 'learning', true, {ts})"
        ),
        format!(
            "INSERT INTO scim_tokens (tenant_id, id, product, prefix, secret_hash, created_at, expires_at) VALUES ('t1', 'k1', 'learning', 'rosterd_scim_abcdefgh', 'token-hash', {ts}, {ts})"
        ),
        format!(
            "INSERT INTO people (tenant_id, id, source, created_at, updated_at) VALUES ('t1', 'p1', 'manual', {ts}, {ts})"
        ),
        format!(
            "INSERT INTO seat_pools (tenant_id, license_kind, capacity, in_use, updated_at) VALUES ('t1', 'learning', 1, 1, {ts})"
        ),
        format!(
            "INSERT INTO licenses (tenant_id, id, person_id, license_kind, state, source, created_at, updated_at) VALUES ('t1', 'l1', 'p1', 'learning', 'assigned', 'manual', {ts}, {ts})"
        ),
        format!(
            "INSERT INTO activation_links (tenant_id, id, license_id, token_hash, created_at, expires_at) VALUES ('t1', 'l1', 'l1', 'link-hash', {ts}, {ts})"
        ),
    ] {
        db.conn
            .execute(Statement::from_string(backend, sql))
            .await
            .unwrap();
    }
    Migrator::up(&db.conn, None).await.unwrap();
    let routes = rows(
        &db,
        "SELECT secret_hash, tenant_id, kind FROM secret_routes ORDER BY secret_hash",
        &["secret_hash", "tenant_id", "kind"],
    )
    .await;
    assert_eq!(
        routes,
        [
            ["link-hash", "t1", "activation_link"],
            ["token-hash", "t1", "scim_token"]
        ]
    );
}

/// A token an older rosterd issued while the upgrade rolled out has no route; it still works,
/// found by its hash alone. A routed token works through its route.
#[tokio::test]
async fn a_token_without_a_route_still_authenticates() {
    let app = TestApp::spawn().await;
    let acme = app.tenant("acme").await;
    let base = acme.base(Product::Learning).to_owned();
    let token = acme.token(Product::Learning).to_owned();
    let users = |token: String| {
        let url = format!("{base}/Users");
        let app = &app;
        async move { app.get(&url, Some(&token)).await.status().as_u16() }
    };
    assert_eq!(users(token.clone()).await, 200);
    let routed = rows(
        &app.db,
        "SELECT kind FROM secret_routes WHERE kind = 'scim_token'",
        &["kind"],
    )
    .await;
    assert_eq!(routed.len(), acme.apps.len(), "one route per issued token");

    app.db
        .conn
        .execute(Statement::from_string(
            app.db.conn.get_database_backend(),
            "DELETE FROM secret_routes",
        ))
        .await
        .unwrap();
    assert_eq!(users(token).await, 200);
    let forged = format!("rosterd_scim_{}", "A".repeat(43));
    assert_eq!(users(forged).await, 401);
}
