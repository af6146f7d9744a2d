//! The operator's per-tenant overrides of the fair-share limits: a tenant's apps' request rate
//! and burst, and its concurrent SCIM writes (each unset one keeps the server's configured
//! default). Stored in `tenant_limits`, so every replica applies them; [`crate::fair_share`]
//! holds what is in force.

use rosterd_audit::Change;
use rosterd_domain::TenantId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait as _, TransactionTrait};
use serde::Serialize;

use crate::entity::tenant_limits;
use crate::error::{Error, Result};

/// The largest value any of the limits takes.
pub const MAX_TENANT_LIMIT: u32 = 1_000_000;

/// One tenant's overrides; `None` is the server's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TenantLimits {
    /// Requests per second each of the tenant's apps may sustain while others compete.
    pub requests_per_second: Option<u32>,
    /// Requests each app may send at once above its rate.
    pub burst: Option<u32>,
    /// SCIM writes the tenant may run at once while others compete.
    pub max_concurrent_writes: Option<u32>,
}

impl TenantLimits {
    fn fields(&self) -> [(&'static str, Option<u32>); 3] {
        [
            ("requests_per_second", self.requests_per_second),
            ("burst", self.burst),
            ("max_concurrent_writes", self.max_concurrent_writes),
        ]
    }

    /// `requests_per_second 100, burst default, max_concurrent_writes 8`, for audit events.
    pub fn describe(&self) -> String {
        self.fields()
            .iter()
            .map(|(name, value)| match value {
                Some(n) => format!("{name} {n}"),
                None => format!("{name} default"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The tenant's overrides (all `None` when it has none).
pub async fn tenant_limits(db: &impl ConnectionTrait, tenant: TenantId) -> Result<TenantLimits> {
    let row = tenant_limits::Entity::find_by_id(tenant.to_string())
        .one(db)
        .await?;
    let value = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
    Ok(row.map_or_else(TenantLimits::default, |row| TenantLimits {
        requests_per_second: value(row.requests_per_second),
        burst: value(row.burst),
        max_concurrent_writes: value(row.max_concurrent_writes),
    }))
}

/// Replaces the tenant's overrides with `limits` (all `None`: back to the defaults), with its
/// audit event. Each set value is 1 to [`MAX_TENANT_LIMIT`].
pub async fn set_tenant_limits<C: TransactionTrait>(
    change: Change<'_, C>,
    limits: TenantLimits,
) -> Result<TenantLimits> {
    for (name, value) in limits.fields() {
        if value.is_some_and(|n| n == 0 || n > MAX_TENANT_LIMIT) {
            return Err(Error::InvalidLimit {
                name,
                max: MAX_TENANT_LIMIT,
            });
        }
    }
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let tenant_id = change.tenant.to_string();
    if limits == TenantLimits::default() {
        tenant_limits::Entity::delete_by_id(tenant_id.clone())
            .exec(&txn)
            .await?;
    } else {
        let row = tenant_limits::ActiveModel {
            tenant_id: Set(tenant_id.clone()),
            requests_per_second: Set(limits.requests_per_second.map(i64::from)),
            burst: Set(limits.burst.map(i64::from)),
            max_concurrent_writes: Set(limits.max_concurrent_writes.map(i64::from)),
        };
        tenant_limits::Entity::insert(row)
            .on_conflict(
                OnConflict::column(tenant_limits::Column::TenantId)
                    .update_columns([
                        tenant_limits::Column::RequestsPerSecond,
                        tenant_limits::Column::Burst,
                        tenant_limits::Column::MaxConcurrentWrites,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
    }
    let detail = format!("Fair-share limits set: {}", limits.describe());
    change
        .record(&txn, "tenant.limits", ("tenant", &tenant_id), &detail)
        .await?;
    txn.commit().await?;
    Ok(limits)
}
