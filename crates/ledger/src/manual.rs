//! Licenses given by hand, and SCIM taking them over. A manual license is removed only by hand,
//! except once a SCIM app adopts it (the person became eligible through SCIM): from then on the
//! app owns it and revokes it when the person leaves or stops meeting the criteria.

use rosterd_domain::{LicenseKind, PersonId, Product};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entity::license;
use crate::entry::{EntryKind, NewEntry, append};
use crate::error::{Error, Result};
use crate::handle::TenantLedger;
use crate::license::{License, LicenseSource, find_live};
use crate::provision::{Revoked, assign};
use crate::release::revoke_license;

/// Gives the person a license by hand (an admin or the operator): [`assign`] with source
/// `manual`. A person who already holds a live license of the kind gets it back unchanged.
pub async fn grant_manual(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    reason: &str,
) -> Result<License> {
    assign(ledger, person, kind, LicenseSource::Manual, reason).await
}

/// Takes a manual license away by hand. A license a SCIM app owns is refused with
/// `Err(OwnedByScim)`: the IdP is its source of truth.
pub async fn revoke_manual(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    reason: &str,
) -> Result<Revoked> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    let live = find_live(db, tenant, person, kind)
        .await?
        .ok_or(Error::NoLiveLicense { kind })?;
    if let LicenseSource::Scim(product) = live.source {
        return Err(Error::OwnedByScim { product });
    }
    revoke_license(db, clock, tenant, live, actor, reason)
        .await?
        .ok_or(Error::NoLiveLicense { kind })
}

/// The product's SCIM app takes over the person's live manual license of `kind` (the person
/// became eligible through SCIM): no seat changes, one `adopt` entry. A license the app already
/// owns is returned unchanged; no live license is `Err(NoLiveLicense)`. For a different tier,
/// follow with [`crate::change`].
pub async fn adopt(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    product: Product,
    reason: &str,
) -> Result<License> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    if kind.product() != product {
        return Err(Error::WrongProduct { kind, product });
    }
    let live = find_live(db, tenant, person, kind)
        .await?
        .ok_or(Error::NoLiveLicense { kind })?;
    if live.source != LicenseSource::Manual {
        return Ok(live);
    }
    let source = LicenseSource::Scim(product);
    let now = clock.now();
    let updated = license::Entity::update_many()
        .col_expr(license::Column::Source, source.to_string().into())
        .col_expr(license::Column::UpdatedAt, now.into())
        .filter(license::Column::TenantId.eq(tenant.to_string()))
        .filter(license::Column::Id.eq(live.id.to_string()))
        .filter(license::Column::Source.eq(LicenseSource::Manual.to_string()))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(Error::Conflict);
    }
    let mut entry = NewEntry::new(EntryKind::Adopt, kind, actor, reason);
    entry.person = Some(person);
    entry.license = Some(live.id);
    entry.source = Some(source);
    append(db, clock, tenant, entry).await?;
    Ok(License {
        source,
        updated_at: now,
        ..live
    })
}
