//! Making a tenant's pools and changing a pool's capacity: above the pool's seat-taking and the waiting list, since raising
//! it serves the list at once.

use rosterd_domain::{Clock, LicenseKind, TenantId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::entity::seat_pool;
use crate::entry::{EntryKind, NewEntry, append};
use crate::error::{Error, Result};
use crate::pool::{SeatPool, pool_from, pools, scoped};
use crate::serving::serve_waitlist;
use rosterd_audit::Actor;

/// Creates every pool of a new tenant, with the given capacities (others start at zero).
pub async fn create_pools(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    capacities: &[(LicenseKind, i64)],
    actor: &Actor,
) -> Result<Vec<SeatPool>> {
    let now = clock.now();
    for kind in LicenseKind::ALL {
        seat_pool::ActiveModel {
            tenant_id: Set(tenant.to_string()),
            license_kind: Set(kind.slug().to_owned()),
            capacity: Set(0),
            in_use: Set(0),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    for (kind, capacity) in capacities {
        set_capacity(db, clock, tenant, *kind, *capacity, actor).await?;
    }
    pools(db, tenant).await
}

/// Sets a pool's capacity, refusing to go below the seats in use. The check and the write are
/// one conditional UPDATE, so a seat taken concurrently cannot slip under the new capacity.
/// When capacity grows, the pool's waiting list is served at once (same transaction), and the
/// pool returned counts the seats it gave.
pub async fn set_capacity(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    kind: LicenseKind,
    capacity: i64,
    actor: &Actor,
) -> Result<SeatPool> {
    if capacity < 0 {
        return Err(Error::NegativeCapacity(capacity));
    }
    let find = || {
        seat_pool::Entity::find()
            .filter(seat_pool::Column::TenantId.eq(tenant.to_string()))
            .filter(seat_pool::Column::LicenseKind.eq(kind.slug()))
    };
    let now = clock.now();
    // Lock the pool row first (PostgreSQL; SQLite has one writer anyway), so `before` is the
    // capacity this change replaces even when two operators change it at once: the entry's
    // numbers and the replay stay right.
    scoped(tenant, kind)
        .col_expr(seat_pool::Column::UpdatedAt, Expr::value(now))
        .exec(db)
        .await?;
    let before = find().one(db).await?.ok_or(Error::PoolNotFound(kind))?;
    let updated = scoped(tenant, kind)
        .col_expr(seat_pool::Column::Capacity, Expr::value(capacity))
        .col_expr(seat_pool::Column::UpdatedAt, Expr::value(now))
        .filter(seat_pool::Column::InUse.lte(capacity))
        .exec(db)
        .await?;
    let after = find().one(db).await?.ok_or(Error::PoolNotFound(kind))?;
    if updated.rows_affected == 0 {
        return Err(Error::CapacityBelowUse {
            kind,
            in_use: after.in_use,
            requested: capacity,
        });
    }
    if before.capacity != capacity {
        let mut entry = NewEntry::new(
            EntryKind::CapacityChange,
            kind,
            actor,
            format!("capacity changed from {} to {capacity}", before.capacity),
        );
        entry.capacity = Some((before.capacity, capacity));
        append(db, clock, tenant, entry).await?;
    }
    if capacity > before.capacity {
        serve_waitlist(db, clock, tenant, kind, &actor.system_after()).await?;
        let served = find().one(db).await?.ok_or(Error::PoolNotFound(kind))?;
        return pool_from(served).ok_or(Error::PoolNotFound(kind));
    }
    pool_from(after).ok_or(Error::PoolNotFound(kind))
}
