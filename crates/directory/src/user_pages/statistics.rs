//! PostgreSQL's planner statistics of the tables a SCIM read uses, collected by the directory
//! itself when they are missing or the table has grown well past them.
//!
//! PostgreSQL plans every statement on the statistics `ANALYZE` keeps. A table that has none (a
//! fresh database until autovacuum reaches it, a minute after a bulk of inserts at the soonest,
//! and never where autovacuum is off) is estimated with fixed defaults, under which
//! `tenant_id = ? AND product = ?` matches about one row however many users the app has. Every
//! index of `scim_users` that starts with those two columns (by id, userName, externalId,
//! created, updated) then costs the same as the one that fits, and the smallest or newest wins:
//! on such a database `userName eq` walked the app's whole `(tenant_id, product, id)` index
//! testing each user, a lookup by id could walk `(tenant_id, product, updated_at)`, and pages
//! were read by sorting the app's users. No query shape or index makes an estimate of one row
//! tell those indexes apart; only statistics do.
//!
//! Writes are planned on them as well. Every insert of an e-mail row checks its foreign key with
//! `SELECT 1 FROM scim_users WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE`, a plan each pooled
//! connection makes once and keeps until the table's statistics change; made without them it
//! walked `(tenant_id, person_id, product)` testing each of the tenant's users (auto_explain on a
//! yardstick database: 3-7 ms per insert at 20,000 users, so a bulk of creates slowed as it
//! went, and every later PATCH with it).
//!
//! So before a listing and before a SCIM write transaction, at most once a second per process,
//! one catalog query asks which of the
//! [`TABLES`] hold at least [`MIN_PAGES`] page and either have no statistics or have grown to
//! more than [`GROWTH`] times the pages they had when last analyzed; those are analyzed
//! (`ANALYZE (SKIP_LOCKED)`: a table another session is analyzing or vacuuming is passed over,
//! never waited for) before the listing's own statement, so that statement and every later one
//! is planned on them. That is one request in a bulk of inserts paying for the sample
//! (`ANALYZE` reads at most 30,000 rows of a table, tens of milliseconds), about once per 20%
//! of growth: the rule autovacuum applies (10% of the rows), checked every second instead of
//! every minute, and whether or not autovacuum runs. A failure is logged and the listing goes
//! on. SQLite plans without statistics of this kind and is left alone.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

/// The tables a SCIM read or write plans on: users, their emails (filters), groups and
/// memberships (the groups of each user read, group listings), and the people every user links
/// to (the foreign-key check of each user's insert).
const TABLES: [&str; 5] = [
    "scim_users",
    "scim_user_emails",
    "user_groups",
    "group_members",
    "people",
];

/// An empty table is left alone; any other has its plans multiplied too: the groups of each
/// user of a page are read by a subquery, so a wrong plan on a few pages of memberships is read
/// a hundred times per page.
const MIN_PAGES: i64 = 1;

/// A table is analyzed again once it has this many times the pages it had when last analyzed.
const GROWTH: f64 = 1.2;

/// The least time between two looks at the catalog.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// When the catalog was last looked at, shared by the clones of a [`crate::Directory`].
#[derive(Default)]
pub(crate) struct Statistics {
    checked_at: Mutex<Option<Instant>>,
}

impl Statistics {
    /// Analyzes the [`TABLES`] whose statistics are missing or outgrown, at most once every
    /// [`CHECK_EVERY`]; on PostgreSQL only.
    pub(crate) async fn keep(&self, db: &DatabaseConnection) {
        if db.get_database_backend() != DatabaseBackend::Postgres || !self.due(Instant::now()) {
            return;
        }
        if let Err(err) = analyze_outgrown(db).await {
            tracing::warn!(error = %err, "could not refresh the planner statistics of the SCIM tables");
        }
    }

    /// Whether the catalog is to be looked at `now`; if so, the next look waits
    /// [`CHECK_EVERY`], whoever makes it.
    fn due(&self, now: Instant) -> bool {
        let mut checked_at = self
            .checked_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if checked_at.is_some_and(|at| now.saturating_duration_since(at) < CHECK_EVERY) {
            return false;
        }
        *checked_at = Some(now);
        true
    }
}

/// The catalog query: the [`TABLES`] to analyze now.
fn outgrown_sql() -> String {
    let tables = TABLES
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // `relpages` is the table's size when it was last analyzed (or vacuumed, or indexed), 0
    // before; `reltuples > 0` with no statistics is a table indexed after a bulk load (a
    // restore) but never analyzed, and keeps a table of dead rows only from being analyzed
    // every second.
    format!(
        "SELECT c.relname::text AS name
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = ANY (ARRAY[{tables}]::regclass[])
            AND pg_relation_size(c.oid) >= {MIN_PAGES} * current_setting('block_size')::bigint
            AND (pg_relation_size(c.oid) > {GROWTH} * c.relpages
                                           * current_setting('block_size')::bigint
                 OR (c.reltuples > 0 AND NOT EXISTS (
                        SELECT 1 FROM pg_stats s
                         WHERE s.schemaname = n.nspname AND s.tablename = c.relname)))"
    )
}

/// `ANALYZE (SKIP_LOCKED)` of the given tables, each one of [`TABLES`] (`None` for none).
fn analyze_sql(names: &[String]) -> Option<String> {
    let known: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| names.iter().any(|n| n == t))
        .collect();
    (!known.is_empty()).then(|| format!("ANALYZE (SKIP_LOCKED) {}", known.join(", ")))
}

async fn analyze_outgrown(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    let rows = db
        .query_all(Statement::from_string(
            DatabaseBackend::Postgres,
            outgrown_sql(),
        ))
        .await?;
    let names = rows
        .iter()
        .map(|row| row.try_get::<String>("", "name"))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(analyze) = analyze_sql(&names) else {
        return Ok(());
    };
    let started = Instant::now();
    db.execute_unprepared(&analyze).await?;
    tracing::info!(
        tables = %names.join(","),
        elapsed_ms = started.elapsed().as_millis(),
        "analyzed SCIM tables whose planner statistics were missing or outgrown"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_looked_at_once_a_second_at_most() {
        let stats = Statistics::default();
        let t0 = Instant::now();
        assert!(stats.due(t0));
        assert!(!stats.due(t0 + Duration::from_millis(999)));
        assert!(stats.due(t0 + Duration::from_millis(1000)));
        assert!(!stats.due(t0 + Duration::from_millis(1500)));
        assert!(stats.due(t0 + Duration::from_millis(2100)));
    }

    #[test]
    fn only_known_tables_are_analyzed_in_a_fixed_order() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(analyze_sql(&names(&[])), None);
        assert_eq!(analyze_sql(&names(&["pg_class; DROP TABLE x"])), None);
        assert_eq!(
            analyze_sql(&names(&["group_members", "scim_users"])).as_deref(),
            Some("ANALYZE (SKIP_LOCKED) scim_users, group_members")
        );
    }
}
