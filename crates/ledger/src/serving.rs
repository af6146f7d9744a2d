//! Serving a waiting list: free seats go to waiting people in serving order. Above both the
//! waiting lists and the seat-taking writes it calls.

use rosterd_domain::{Clock, LicenseKind, TenantId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::seat_pool;
use crate::error::{Error, Result};
use crate::handle::TenantLedger;
use crate::license::{License, LicenseSource, find_live, licenses_of};
use crate::provision::{assign_tracked, change_seat};
use crate::waitlist::{dequeue, waitlist};
use rosterd_audit::Actor;

/// Gives free seats of the kind's pool to waiting people, in serving order, until the pool is
/// full or nobody waits; returns the licenses given. Each is owned by the SCIM app that made
/// its holder eligible. Someone who meanwhile got a license of the kind just leaves the list.
///
/// Someone waiting for a tier change (they hold another kind of the product, owned by its SCIM
/// app) gets the change, which frees a seat of their old kind: that pool's list is served next,
/// in the same call.
pub async fn serve_waitlist(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    kind: LicenseKind,
    actor: &Actor,
) -> Result<Vec<License>> {
    let mut served = Vec::new();
    let mut pending = vec![kind];
    while let Some(kind) = pending.pop() {
        serve_one(
            &TenantLedger::new(db, clock, tenant, actor),
            kind,
            &mut served,
            &mut pending,
        )
        .await?;
    }
    Ok(served)
}

/// Serves one pool's list; kinds whose seats a tier change freed go on `pending`.
async fn serve_one(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    kind: LicenseKind,
    served: &mut Vec<License>,
    pending: &mut Vec<LicenseKind>,
) -> Result<()> {
    let TenantLedger { db, tenant, .. } = *ledger;
    let pool = seat_pool::Entity::find()
        .filter(seat_pool::Column::TenantId.eq(tenant.to_string()))
        .filter(seat_pool::Column::LicenseKind.eq(kind.slug()))
        .one(db)
        .await?
        .ok_or(Error::PoolNotFound(kind))?;
    if pool.in_use >= pool.capacity {
        return Ok(());
    }
    for waiting in waitlist(db, tenant, kind).await? {
        let reason = format!("served from the waiting list ({})", waiting.reason);
        let source = LicenseSource::Scim(waiting.product);
        let person = waiting.person_id;
        let other = licenses_of(db, tenant, person)
            .await?
            .into_iter()
            .find(|l| {
                l.state.is_live()
                    && l.kind != kind
                    && l.kind.product() == waiting.product
                    && l.source == source
            });
        if let Some(other) = other {
            if find_live(db, tenant, person, kind).await?.is_some() {
                dequeue(db, tenant, person, kind).await?;
                continue;
            }
            match change_seat(ledger, person, other.kind, kind, &reason).await {
                Ok(license) => {
                    served.push(license);
                    pending.push(other.kind);
                }
                Err(Error::PoolFull { .. }) => break,
                Err(other) => return Err(other),
            }
            continue;
        }
        match assign_tracked(ledger, person, kind, source, &reason).await {
            Ok((license, true)) => served.push(license),
            Ok((_, false)) => {
                dequeue(db, tenant, person, kind).await?;
            }
            Err(Error::PoolFull { .. }) => break,
            Err(other) => return Err(other),
        }
    }
    Ok(())
}
