//! Seat pools: one per tenant and license kind, with a capacity the operator sets.

use chrono::{DateTime, Utc};
use rosterd_domain::{Clock, LedgerEntryId, LicenseKind, TenantId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde::Serialize;

use crate::actor::Actor;
use crate::entity::{ledger_entry, seat_pool};
use crate::error::{Error, Result};

/// A seat pool's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatPool {
    pub license_kind: LicenseKind,
    pub capacity: i64,
    /// Seats taken by assigned or active licenses.
    pub in_use: i64,
    pub updated_at: DateTime<Utc>,
}

impl SeatPool {
    pub fn free(&self) -> i64 {
        self.capacity - self.in_use
    }
}

fn pool_from(m: seat_pool::Model) -> Option<SeatPool> {
    Some(SeatPool {
        license_kind: m.license_kind.parse().ok()?,
        capacity: m.capacity,
        in_use: m.in_use,
        updated_at: m.updated_at,
    })
}

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

/// Sets a pool's capacity, refusing to go below the seats in use. The check and the write are
/// one conditional UPDATE, so a seat taken concurrently cannot slip under the new capacity.
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
    let before = find().one(db).await?.ok_or(Error::PoolNotFound(kind))?;
    let now = clock.now();
    let updated = seat_pool::Entity::update_many()
        .col_expr(seat_pool::Column::Capacity, Expr::value(capacity))
        .col_expr(seat_pool::Column::UpdatedAt, Expr::value(now))
        .filter(seat_pool::Column::TenantId.eq(tenant.to_string()))
        .filter(seat_pool::Column::LicenseKind.eq(kind.slug()))
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
        ledger_entry::ActiveModel {
            tenant_id: Set(tenant.to_string()),
            id: Set(LedgerEntryId::new().to_string()),
            kind: Set("capacity-change".into()),
            license_kind: Set(kind.slug().to_owned()),
            from_license_kind: Set(None),
            person_id: Set(None),
            license_id: Set(None),
            capacity_before: Set(Some(before.capacity)),
            capacity_after: Set(Some(capacity)),
            actor_kind: Set(actor.kind.as_str().to_owned()),
            actor: Set(actor.name.clone()),
            reason: Set(format!(
                "capacity changed from {} to {capacity}",
                before.capacity
            )),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    pool_from(after).ok_or(Error::PoolNotFound(kind))
}
