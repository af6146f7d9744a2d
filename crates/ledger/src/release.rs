//! Freeing seats: revoking a license and changing its tier, each serving the freed kind's
//! waiting list in the same transaction.

use rosterd_domain::{Clock, LicenseKind, PersonId, TenantId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::license;
use crate::entry::{EntryKind, NewEntry, append};
use crate::error::{Error, Result};
use crate::handle::TenantLedger;
use crate::license::{License, LicenseState, find_live};
use crate::pool::{lock_pools, release_seat};
use crate::provision::{Changed, Revoked, change_seat};
use crate::serving::serve_waitlist;
use rosterd_audit::Actor;

/// Revokes the person's live license of `kind` and frees its seat, then serves the pool's
/// waiting list with that seat. `Ok(None)` when there was nothing to revoke (idempotent).
/// Does not look at the license's source: SCIM calls this; manual revocation goes through
/// [`crate::revoke_manual`], which refuses SCIM-owned licenses.
pub async fn revoke(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    reason: &str,
) -> Result<Option<Revoked>> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    let Some(live) = find_live(db, tenant, person, kind).await? else {
        return Ok(None);
    };
    revoke_license(db, clock, tenant, live, actor, reason).await
}

/// Revokes a license known to be live; `Ok(None)` when a concurrent request revoked it (or
/// changed its kind) first.
pub(crate) async fn revoke_license(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    live: License,
    actor: &Actor,
    reason: &str,
) -> Result<Option<Revoked>> {
    // Pool first, then license: the order every seat change takes, so a revoke racing a tier
    // change of the same person cannot deadlock.
    lock_pools(db, clock, tenant, &[live.kind]).await?;
    let now = clock.now();
    let updated = license::Entity::update_many()
        .col_expr(
            license::Column::State,
            LicenseState::Revoked.as_str().into(),
        )
        .col_expr(license::Column::UpdatedAt, now.into())
        .filter(license::Column::TenantId.eq(tenant.to_string()))
        .filter(license::Column::Id.eq(live.id.to_string()))
        // Changed to another kind meanwhile: not the license asked for, and not this pool's seat.
        .filter(license::Column::LicenseKind.eq(live.kind.slug()))
        .filter(license::Column::State.ne(LicenseState::Revoked.as_str()))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    release_seat(db, clock, tenant, live.kind).await?;
    let mut entry = NewEntry::new(EntryKind::Revoke, live.kind, actor, reason);
    entry.person = Some(live.person_id);
    entry.license = Some(live.id);
    append(db, clock, tenant, entry).await?;
    let served = serve_waitlist(db, clock, tenant, live.kind, &actor.system_after()).await?;
    let license = License {
        state: LicenseState::Revoked,
        updated_at: now,
        ..live
    };
    Ok(Some(Revoked { license, served }))
}

/// Changes the person's license from one kind to another of the same product (a tier change).
/// The new seat is secured first; if its pool is full the result is `Err(PoolFull)` and the
/// person keeps the old license. The license keeps its id, state and source (an activated
/// license stays active), so one `change` entry replays it. The freed seat of the old kind
/// serves that pool's waiting list.
pub async fn change(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    from: LicenseKind,
    to: LicenseKind,
    reason: &str,
) -> Result<Changed> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    if from == to {
        let live = find_live(db, tenant, person, from)
            .await?
            .ok_or(Error::NoLiveLicense { kind: from })?;
        return Ok(Changed {
            license: live,
            served: Vec::new(),
        });
    }
    let license = change_seat(ledger, person, from, to, reason).await?;
    let served = serve_waitlist(db, clock, tenant, from, &actor.system_after()).await?;
    Ok(Changed { license, served })
}
