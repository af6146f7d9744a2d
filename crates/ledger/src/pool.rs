//! Seat pools: one per tenant and license kind, with a capacity the operator sets.

use chrono::{DateTime, Utc};
use rosterd_domain::{Clock, LicenseKind, TenantId};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Statement,
};
use serde::Serialize;

use rosterd_database::StatementText;

use crate::entity::seat_pool;
use crate::error::{Error, Result};

/// A seat pool's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatPool {
    /// The kind of seat this pool sells.
    pub license_kind: LicenseKind,
    /// Seats bought; the operator sets it.
    pub capacity: i64,
    /// Seats taken by assigned or active licenses.
    pub in_use: i64,
    /// Last change of capacity or seats.
    pub updated_at: DateTime<Utc>,
}

impl SeatPool {
    /// Seats nobody holds.
    pub fn free(&self) -> i64 {
        self.capacity - self.in_use
    }
}

pub(crate) fn pool_from(m: seat_pool::Model) -> Option<SeatPool> {
    Some(SeatPool {
        license_kind: m.license_kind.parse().ok()?,
        capacity: m.capacity,
        in_use: m.in_use,
        updated_at: m.updated_at,
    })
}

/// The tenant's pools, in license-kind order.
pub async fn pools(db: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<SeatPool>> {
    let mut pools: Vec<SeatPool> = seat_pool::Entity::find()
        .filter(seat_pool::Column::TenantId.eq(tenant.to_string()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(pool_from)
        .collect();
    pools.sort_by_key(|p| p.license_kind);
    Ok(pools)
}

pub(crate) fn scoped(
    tenant: TenantId,
    kind: LicenseKind,
) -> sea_orm::UpdateMany<seat_pool::Entity> {
    seat_pool::Entity::update_many()
        .filter(seat_pool::Column::TenantId.eq(tenant.to_string()))
        .filter(seat_pool::Column::LicenseKind.eq(kind.slug()))
}

/// Takes one seat if one is free: ONE conditional UPDATE (`in_use < capacity`), so concurrent
/// takers can never overfill a pool; on PostgreSQL it also locks the pool row until commit,
/// which serializes every seat change of this pool. On `PoolFull` nothing was written and the
/// caller's transaction is still usable (it may put the person on the waiting list).
pub(crate) async fn take_seat(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    kind: LicenseKind,
) -> Result<()> {
    let taken = db
        .execute(take_seat_statement(
            db.get_database_backend(),
            clock,
            tenant,
            kind,
        ))
        .await?;
    if taken.rows_affected() == 1 {
        return Ok(());
    }
    Err(pool_full(db, tenant, kind).await)
}

/// The texts of the seat's statements on the hot path, built once ([`StatementText`]).
static TAKE_SEAT: StatementText = StatementText::new();
static FREE_SEAT: StatementText = StatementText::new();
static CLAIM_SEAT: StatementText = StatementText::new();

/// The conditional UPDATE of [`take_seat`]: changes one row when a seat was free, none when not.
pub(crate) fn take_seat_statement(
    backend: DbBackend,
    clock: &dyn Clock,
    tenant: TenantId,
    kind: LicenseKind,
) -> Statement {
    let now = clock.now();
    // In sea-query's order: the SET's values (the increment, the time), then the WHERE's.
    let values = vec![
        1.into(),
        now.into(),
        tenant.to_string().into(),
        kind.slug().into(),
    ];
    TAKE_SEAT.bind(backend, 0, values, || {
        scoped(tenant, kind)
            .col_expr(
                seat_pool::Column::InUse,
                Expr::col(seat_pool::Column::InUse).add(1),
            )
            .col_expr(seat_pool::Column::UpdatedAt, Expr::value(now))
            .filter(Expr::col(seat_pool::Column::InUse).lt(Expr::col(seat_pool::Column::Capacity)))
            .build(backend)
    })
}

/// PostgreSQL's hot path (see migration `000021`, `seat_claims`): a read of the pool row that
/// finds it with a free seat, without locking it, and the claim that takes that seat at commit.
/// The deferred trigger on `seat_claims` runs the conditional UPDATE inside COMMIT, so the row
/// is locked only for the commit; if the pool filled in between, the commit fails as a
/// serialization failure and the write runs again.
pub(crate) fn claim_seat_statements(
    clock: &dyn Clock,
    tenant: TenantId,
    kind: LicenseKind,
    license: &str,
) -> (Statement, Statement) {
    let pg = DbBackend::Postgres;
    let (tenant, kind, now) = (tenant.to_string(), kind.slug(), clock.now());
    // In sea-query's order: the selected constant, then the conditions.
    let free_values = vec![1.into(), tenant.clone().into(), kind.into()];
    let free = FREE_SEAT.bind(pg, 0, free_values, || {
        seat_pool::Entity::find()
            .select_only()
            .expr(Expr::val(1))
            .filter(seat_pool::Column::TenantId.eq(tenant.clone()))
            .filter(seat_pool::Column::LicenseKind.eq(kind))
            .filter(Expr::col(seat_pool::Column::InUse).lt(Expr::col(seat_pool::Column::Capacity)))
            .build(pg)
    });
    let claim_values = vec![tenant.into(), license.into(), kind.into(), now.into()];
    let claim = CLAIM_SEAT.bind(pg, 0, claim_values.clone(), || {
        let claim = Query::insert()
            .into_table(Alias::new("seat_claims"))
            .columns([
                Alias::new("tenant_id"),
                Alias::new("license_id"),
                Alias::new("license_kind"),
                Alias::new("claimed_at"),
            ])
            .values_panic(claim_values.into_iter().map(Into::into))
            .to_owned();
        pg.build(&claim)
    });
    (free, claim)
}

/// The error for a seat that could not be taken: [`Error::PoolFull`] with the pool's numbers
/// (or why they could not be read).
pub(crate) async fn pool_full(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    kind: LicenseKind,
) -> Error {
    let pool = match seat_pool::Entity::find()
        .filter(seat_pool::Column::TenantId.eq(tenant.to_string()))
        .filter(seat_pool::Column::LicenseKind.eq(kind.slug()))
        .one(db)
        .await
    {
        Ok(Some(pool)) => pool,
        Ok(None) => return Error::PoolNotFound(kind),
        Err(err) => return err.into(),
    };
    Error::PoolFull {
        kind,
        capacity: pool.capacity,
        in_use: pool.in_use,
    }
}

/// Gives one seat back. A pool already at zero is left alone and logged: the tables disagree
/// with the ledger, which `verify` reports; refusing the revoke would not help anyone.
pub(crate) async fn release_seat(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    kind: LicenseKind,
) -> Result<()> {
    let released = scoped(tenant, kind)
        .col_expr(
            seat_pool::Column::InUse,
            Expr::col(seat_pool::Column::InUse).sub(1),
        )
        .col_expr(seat_pool::Column::UpdatedAt, Expr::value(clock.now()))
        .filter(seat_pool::Column::InUse.gt(0))
        .exec(db)
        .await?;
    if released.rows_affected == 0 {
        tracing::warn!(%tenant, %kind, "released a seat of a pool with none in use");
    }
    Ok(())
}

/// Locks the pools' rows (PostgreSQL row locks until commit; SQLite has one writer anyway) in
/// license-kind order, for a change that touches more than one pool.
pub(crate) async fn lock_pools(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    kinds: &[LicenseKind],
) -> Result<()> {
    let mut kinds = kinds.to_vec();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        scoped(tenant, kind)
            .col_expr(seat_pool::Column::UpdatedAt, Expr::value(clock.now()))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rosterd_domain::SystemClock;

    #[test]
    fn the_seat_statements_bind_what_sea_query_builds_and_keep_their_texts() {
        let clock = SystemClock;
        let tenant = TenantId::new();
        for kind in [LicenseKind::Learning, LicenseKind::SalesNavigatorCore] {
            for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
                let take = take_seat_statement(backend, &clock, tenant, kind);
                let sea = scoped(tenant, kind)
                    .col_expr(
                        seat_pool::Column::InUse,
                        Expr::col(seat_pool::Column::InUse).add(1),
                    )
                    .col_expr(
                        seat_pool::Column::UpdatedAt,
                        Expr::value(take.values.as_ref().unwrap().0[1].clone()),
                    )
                    .filter(
                        Expr::col(seat_pool::Column::InUse)
                            .lt(Expr::col(seat_pool::Column::Capacity)),
                    )
                    .build(backend);
                assert_eq!(take, sea);
                assert!(TAKE_SEAT.is_kept(backend), "{backend:?}");
            }
            let (free, claim) = claim_seat_statements(&clock, tenant, kind, "license-1");
            let again = claim_seat_statements(&clock, tenant, kind, "license-2");
            assert_eq!(
                (free.sql.as_str(), claim.sql.as_str()),
                (again.0.sql.as_str(), again.1.sql.as_str())
            );
            assert!(claim.sql.starts_with(r#"INSERT INTO "seat_claims" ("tenant_id", "license_id", "license_kind", "claimed_at") VALUES ($1, $2, $3, $4)"#));
            let bound = |s: &Statement| s.values.as_ref().unwrap().0.clone();
            assert_eq!(
                bound(&free),
                vec![1.into(), tenant.to_string().into(), kind.slug().into()]
            );
            assert_eq!(bound(&again.1)[1], "license-2".into());
            assert!(
                FREE_SEAT.is_kept(DbBackend::Postgres) && CLAIM_SEAT.is_kept(DbBackend::Postgres)
            );
        }
    }
}
