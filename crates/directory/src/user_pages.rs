//! Pages of an app's whole user list (`GET /Users?startIndex=..&count=..`, no filter, no
//! `sortBy`: what an IdP's import sends) without counting and skipping every user before the
//! page, on SQLite and PostgreSQL alike.
//!
//! - `totalResults` is the sum of the app's rows in `scim_user_counts`, which triggers keep
//!   exact in the statement that inserts or deletes a user: one row per app on SQLite
//!   (migration `000015`; SQLite has one writer anyway), 32 shards per app on PostgreSQL
//!   (migration `000018`), where each change goes to a shard no other open transaction holds,
//!   so creates of one app never wait for each other's commit. Either way the sum is read in
//!   one statement and is exactly the committed users that statement's snapshot sees.
//! - The page is read by key: the directory keeps, per app, every [`STRIDE`]-th user id in id
//!   order together with the generation of `scim_user_counts` (the sum of its rows) it was
//!   read at; every insert and delete increases it. A page starting at position `p` then
//!   starts after the sampled id just before `p` and skips fewer than [`STRIDE`] index
//!   entries, instead of `p`. The page statement carries the generation as a condition, so if
//!   a user came or went since the samples were read it returns nothing and the page is read
//!   exactly, by offset, instead. Updates do not move a user in id order, so they keep the
//!   samples.
//! - Samples are read again (one pass over the app's id index) when the generation moved, at
//!   most once a second per app; in between, pages are read by offset on the id index only.
//! - On PostgreSQL a page is read in two steps of one statement: the page's ids (by key or by
//!   offset, on the id index alone), then each of those users by its primary key in a
//!   `LATERAL` join the planner cannot turn around, with its groups. So the groups subquery
//!   runs for the page's rows only, not for the index entries skipped before them, and no
//!   estimate can make a page cost more than reading its ids: planned on a table without
//!   statistics (right after a bulk of creates), the former `id IN (page's ids)` became a
//!   nested loop that read the page's ids again for every user of the app (1.3 s for a page
//!   of 2,000 users). The directory also keeps the tables' statistics ([`statistics`]).
//!
//! The order, the page boundaries and `totalResults` are exactly those of the general listing
//! (ascending id); the e2e tests compare both at every boundary, on both databases.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rosterd_scim::store::{ListQuery, Paging};
use sea_orm::sea_query::{Alias, Expr, JoinType, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, FromQueryResult as _,
    Iterable as _, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait as _, Select, Statement,
};

use crate::entity::scim_user;
use crate::error::Outcome;
use crate::filter_sql::always;
use crate::scope::Scope;
use crate::user_rows::UserRow;

mod statistics;

/// Users between two sampled ids.
const STRIDE: u64 = 512;

/// The least time between two readings of one app's samples.
const REBUILD_EVERY: Duration = Duration::from_secs(1);

/// More apps than one process lists at once; past it the samples start over.
const MAX_APPS: usize = 10_000;

/// Every app's sampled ids, and the planner statistics' upkeep ([`statistics`]), shared by the
/// clones of a [`crate::Directory`].
#[derive(Clone, Default)]
pub(crate) struct UserPages {
    apps: Arc<Mutex<HashMap<(String, &'static str), Samples>>>,
    statistics: Arc<statistics::Statistics>,
}

#[derive(Clone)]
struct Samples {
    /// The app's generation (the sum of its `scim_user_counts.generation`) when `ids` were read.
    generation: i64,
    /// `ids[j]` is the id at 1-based position `(j + 1) * STRIDE`.
    ids: Arc<Vec<String>>,
    read_at: Instant,
}

/// Total, rows, `startIndex`.
pub(crate) type UserPage = (u64, Vec<UserRow>, u64);

impl UserPages {
    /// The page `query` asks for, when it is an unfiltered, unsorted, index-paged list; `None`
    /// for any other listing (the caller runs the general one).
    pub(crate) async fn page(
        &self,
        db: &DatabaseConnection,
        scope: &Scope,
        query: &ListQuery,
        users: &Select<scim_user::Entity>,
        computed: Option<(SimpleExpr, &'static str)>,
    ) -> Outcome<Option<UserPage>> {
        let Paging::Index { start_index, count } = query.paging else {
            return Ok(None);
        };
        if query.filter.is_some() || query.sort_by.is_some() {
            return Ok(None);
        }
        let backend = db.get_database_backend();
        let postgres = backend == DatabaseBackend::Postgres;
        let base = users.clone();
        let mut users = users.clone();
        if let Some((expr, name)) = computed.clone() {
            users = users.column_as(expr, name);
        }
        let start = start_index.max(1);
        let (total, generation) = counts(db, scope).await?;
        if count == 0 || total < start {
            return Ok(Some((total, Vec::new(), start)));
        }
        let offset = start - 1;
        let want = count.min(total - offset);
        if let Some((after, skip)) = self.hint(db, scope, generation, offset).await? {
            let current = Expr::cust_with_values(
                placeholders(backend, &format!("({GENERATION}) = ?")),
                [
                    scope.tenant.clone().into(),
                    scope.product.into(),
                    sea_orm::Value::from(generation),
                ],
            );
            let after = after.map(|after| scim_user::Column::Id.gt(after));
            let rows = if postgres {
                let mut ids = base
                    .select_only()
                    .column(scim_user::Column::Id)
                    .filter(current);
                if let Some(after) = after {
                    ids = ids.filter(after);
                }
                let ids = ids
                    .order_by_asc(scim_user::Column::Id)
                    .offset(skip)
                    .limit(count)
                    .into_query();
                rows_by_ids(db, scope, ids, computed.clone()).await?
            } else {
                let mut page = users.clone().filter(current);
                if let Some(after) = after {
                    page = page.filter(after);
                }
                page.order_by_asc(scim_user::Column::Id)
                    .offset(skip)
                    .limit(count)
                    .into_model::<UserRow>()
                    .all(db)
                    .await?
            };
            if rows.len() as u64 == want {
                return Ok(Some((total, rows, start)));
            }
        }
        // The samples are stale: by offset, on the id index alone, then the rows of the page.
        let ids = scope
            .users()
            .select_only()
            .column(scim_user::Column::Id)
            .order_by_asc(scim_user::Column::Id)
            .offset(offset)
            .limit(count)
            .into_query();
        let rows = if postgres {
            rows_by_ids(db, scope, ids, computed).await?
        } else {
            users
                .clone()
                .filter(scim_user::Column::Id.in_subquery(ids))
                .order_by_asc(scim_user::Column::Id)
                .into_model::<UserRow>()
                .all(db)
                .await?
        };
        Ok(Some((total, rows, start)))
    }

    /// Keeps the planner statistics of the tables SCIM reads ([`statistics`]); before a
    /// listing, so that it is planned on them.
    pub(crate) async fn keep_statistics(&self, db: &DatabaseConnection) {
        self.statistics.keep(db).await;
    }

    /// Where the page at 0-based `offset` starts: after which id, skipping how many more.
    /// `None` when there are no samples of this generation (and reading them must wait).
    async fn hint(
        &self,
        db: &DatabaseConnection,
        scope: &Scope,
        generation: i64,
        offset: u64,
    ) -> Outcome<Option<(Option<String>, u64)>> {
        let slot = offset / STRIDE;
        if slot == 0 {
            return Ok(Some((None, offset)));
        }
        let key = (scope.tenant.clone(), scope.product);
        let known = self.lock().get(&key).cloned();
        let samples = match known {
            Some(samples) if samples.generation == generation => samples,
            Some(samples) if samples.read_at.elapsed() < REBUILD_EVERY => return Ok(None),
            _ => {
                // Claimed first, so the other requests of this moment page by offset instead
                // of reading the same samples.
                self.lock().insert(
                    key.clone(),
                    Samples {
                        generation: i64::MIN,
                        ids: Arc::default(),
                        read_at: Instant::now(),
                    },
                );
                let samples = read_samples(db, scope).await?;
                let mut apps = self.lock();
                if apps.len() >= MAX_APPS {
                    apps.clear();
                }
                apps.insert(key, samples.clone());
                if samples.generation != generation {
                    return Ok(None);
                }
                samples
            }
        };
        let Some(after) = usize::try_from(slot - 1)
            .ok()
            .and_then(|at| samples.ids.get(at))
        else {
            return Ok(None);
        };
        Ok(Some((Some(after.clone()), offset - slot * STRIDE)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, &'static str), Samples>> {
        self.apps.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The app's generation: the sum of its rows' (one row on SQLite, shards on PostgreSQL).
const GENERATION: &str = "SELECT CAST(COALESCE(SUM(generation), 0) AS BIGINT) AS generation \
     FROM scim_user_counts WHERE tenant_id = ? AND product = ?";

/// `sql` with the backend's placeholders: SQLite's `?` as written, PostgreSQL's `$1`, `$2`, ...
/// (sea-query's custom expressions, like whole statements, take the backend's own).
fn placeholders(backend: DatabaseBackend, sql: &str) -> String {
    if backend != DatabaseBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// PostgreSQL: the users whose ids `ids` selects (one column, `id`, of the app's users), in id
/// order, each with the `computed` column. `ids` runs once, as the outer side of a `LATERAL`
/// join; each of its ids is then looked up by the primary key `(tenant_id, id)`, behind
/// `OFFSET 0` so the planner keeps that order (a lateral subquery without it is merged into
/// the join, whose order the estimates then pick). The lookup names the tenant and the id only:
/// the ids are the app's already, and with `product` too any index starting with
/// `(tenant_id, product)` could look as cheap as the primary key.
async fn rows_by_ids(
    db: &DatabaseConnection,
    scope: &Scope,
    ids: SelectStatement,
    computed: Option<(SimpleExpr, &'static str)>,
) -> Outcome<Vec<UserRow>> {
    let page = Alias::new("page");
    let users = Alias::new("scim_users");
    let mut one = Query::select();
    one.columns(scim_user::Column::iter().map(|c| (scim_user::Entity, c)))
        .from(scim_user::Entity)
        .and_where(Expr::col((scim_user::Entity, scim_user::Column::TenantId)).eq(&scope.tenant))
        .and_where(
            Expr::col((scim_user::Entity, scim_user::Column::Id))
                .equals((page.clone(), scim_user::Column::Id)),
        )
        .offset(0);
    let mut select = Query::select();
    select.columns(scim_user::Column::iter().map(|c| (users.clone(), c)));
    if let Some((expr, name)) = computed {
        select.expr_as(expr, Alias::new(name));
    }
    select
        .from_subquery(ids, page)
        .join_lateral(JoinType::InnerJoin, one, users.clone(), always())
        .order_by((users, scim_user::Column::Id), Order::Asc);
    let statement = db.get_database_backend().build(&select);
    Ok(UserRow::find_by_statement(statement).all(db).await?)
}

/// The app's user count and its generation (`0, 0` for an app that never had a user).
async fn counts(db: &DatabaseConnection, scope: &Scope) -> Outcome<(u64, i64)> {
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "SELECT CAST(COALESCE(SUM(users), 0) AS BIGINT) AS users,
                        CAST(COALESCE(SUM(generation), 0) AS BIGINT) AS generation
                   FROM scim_user_counts WHERE tenant_id = ? AND product = ?",
            ),
            [scope.tenant.clone().into(), scope.product.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok((0, 0));
    };
    let users: i64 = row.try_get("", "users")?;
    Ok((
        u64::try_from(users).unwrap_or(0),
        row.try_get("", "generation")?,
    ))
}

/// Every [`STRIDE`]-th id of the app and the generation they were read at, in one statement
/// (one snapshot).
async fn read_samples(db: &DatabaseConnection, scope: &Scope) -> Outcome<Samples> {
    let read_at = Instant::now();
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                &format!(
                    "SELECT c.generation AS generation, s.id AS id
                       FROM ({GENERATION}) c
                       LEFT JOIN (
                           SELECT id, row_number() OVER (ORDER BY id) AS position
                             FROM scim_users WHERE tenant_id = ? AND product = ?
                       ) s ON s.position % ? = 0
                      ORDER BY s.position"
                ),
            ),
            [
                scope.tenant.clone().into(),
                scope.product.into(),
                scope.tenant.clone().into(),
                scope.product.into(),
                sea_orm::Value::from(i64::try_from(STRIDE).unwrap_or(i64::MAX)),
            ],
        ))
        .await?;
    let mut generation = 0;
    let mut ids = Vec::with_capacity(rows.len());
    for row in &rows {
        generation = row.try_get("", "generation")?;
        if let Some(id) = row.try_get::<Option<String>>("", "id")? {
            ids.push(id);
        }
    }
    Ok(Samples {
        generation,
        ids: Arc::new(ids),
        read_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_on_postgres_and_kept_on_sqlite() {
        let sql = "a = ? AND b = ? AND (c) = ?";
        assert_eq!(
            placeholders(DatabaseBackend::Postgres, sql),
            "a = $1 AND b = $2 AND (c) = $3"
        );
        assert_eq!(placeholders(DatabaseBackend::Sqlite, sql), sql);
        assert_eq!(
            placeholders(DatabaseBackend::Postgres, &format!("({GENERATION}) = ?")),
            "(SELECT CAST(COALESCE(SUM(generation), 0) AS BIGINT) AS generation \
             FROM scim_user_counts WHERE tenant_id = $1 AND product = $2) = $3"
        );
    }
}
