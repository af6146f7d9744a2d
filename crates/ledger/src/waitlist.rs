//! Waiting lists: people a group or attribute rule made eligible for a license kind while its
//! pool was full. They are served in a fixed order (see [`order`]) whenever seats free up: after
//! a revoke, a tier change away from the kind, or a capacity increase, in the same transaction.
//!
//! A request that makes many people eligible at once (a group PATCH adding 300 members to a
//! pool of 100) enqueues them all and then calls [`serve_waitlist`] once, so the seats go out in
//! the waiting-list order rather than in the order of the PATCH.

pub(crate) mod order;

use chrono::{DateTime, Utc};
use rosterd_domain::{Clock, LicenseKind, PersonId, Product, TenantId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use crate::actor::Actor;
use crate::entity::{license_waitlist, seat_pool};
use crate::entry::{EntryKind, NewEntry, append};
use crate::error::{Error, Result};
use crate::handle::TenantLedger;
use crate::license::{License, LicenseSource, find_live, licenses_of};
use crate::provision::{assign_tracked, change_seat};

/// What a waiting list is ordered by, copied from the person when they start waiting (and
/// refreshed when they are enqueued again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WaitKey {
    pub employee_number: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
}

/// One person on a waiting list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub person_id: PersonId,
    pub kind: LicenseKind,
    pub key: WaitKey,
    /// The SCIM app that made them eligible; it will own the license.
    pub product: Product,
    pub reason: String,
    pub since: DateTime<Utc>,
}

impl TryFrom<license_waitlist::Model> for Waiting {
    type Error = Error;

    fn try_from(m: license_waitlist::Model) -> Result<Self> {
        Ok(Waiting {
            person_id: m
                .person_id
                .parse()
                .map_err(|_| Error::corrupt("person id", &m.person_id))?,
            kind: m
                .license_kind
                .parse()
                .map_err(|_| Error::corrupt("license kind", &m.license_kind))?,
            key: WaitKey {
                employee_number: m.sort_employee_number,
                family_name: m.sort_family_name,
                given_name: m.sort_given_name,
            },
            product: m
                .source_product
                .parse()
                .map_err(|_| Error::corrupt("product", &m.source_product))?,
            reason: m.reason,
            since: m.created_at,
        })
    }
}

fn scoped(tenant: TenantId, kind: LicenseKind) -> sea_orm::Select<license_waitlist::Entity> {
    license_waitlist::Entity::find()
        .filter(license_waitlist::Column::TenantId.eq(tenant.to_string()))
        .filter(license_waitlist::Column::LicenseKind.eq(kind.slug()))
}

/// Puts the person on the kind's waiting list, with a `waiting` entry. Idempotent: someone
/// already waiting keeps their place (their sort keys are refreshed, no second entry).
/// `Ok(None)` when the person already holds a live license of the kind (nothing to wait for).
pub async fn enqueue(
    ledger: &TenantLedger<'_, impl ConnectionTrait>,
    person: PersonId,
    kind: LicenseKind,
    key: &WaitKey,
    product: Product,
    reason: &str,
) -> Result<Option<Waiting>> {
    let TenantLedger {
        db,
        clock,
        tenant,
        actor,
    } = *ledger;
    if kind.product() != product {
        return Err(Error::WrongProduct { kind, product });
    }
    if find_live(db, tenant, person, kind).await?.is_some() {
        return Ok(None);
    }
    let row = license_waitlist::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        license_kind: Set(kind.slug().to_owned()),
        person_id: Set(person.to_string()),
        sort_employee_number: Set(key.employee_number.clone()),
        sort_family_name: Set(key.family_name.clone()),
        sort_given_name: Set(key.given_name.clone()),
        source_product: Set(product.slug().to_owned()),
        reason: Set(reason.to_owned()),
        created_at: Set(clock.now()),
    };
    let inserted = license_waitlist::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                license_waitlist::Column::TenantId,
                license_waitlist::Column::LicenseKind,
                license_waitlist::Column::PersonId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        license_waitlist::Entity::update_many()
            .col_expr(
                license_waitlist::Column::SortEmployeeNumber,
                key.employee_number.clone().into(),
            )
            .col_expr(
                license_waitlist::Column::SortFamilyName,
                key.family_name.clone().into(),
            )
            .col_expr(
                license_waitlist::Column::SortGivenName,
                key.given_name.clone().into(),
            )
            .filter(license_waitlist::Column::TenantId.eq(tenant.to_string()))
            .filter(license_waitlist::Column::LicenseKind.eq(kind.slug()))
            .filter(license_waitlist::Column::PersonId.eq(person.to_string()))
            .exec(db)
            .await?;
    } else {
        let mut entry = NewEntry::new(EntryKind::Waiting, kind, actor, reason);
        entry.person = Some(person);
        append(db, clock, tenant, entry).await?;
    }
    let row = scoped(tenant, kind)
        .filter(license_waitlist::Column::PersonId.eq(person.to_string()))
        .one(db)
        .await?
        .ok_or_else(|| Error::corrupt("waiting list row", person.to_string()))?;
    Ok(Some(row.try_into()?))
}

/// Takes the person off the kind's waiting list (they stopped being eligible, or got a seat).
/// Returns whether they were on it.
pub async fn dequeue(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: PersonId,
    kind: LicenseKind,
) -> Result<bool> {
    let deleted = license_waitlist::Entity::delete_many()
        .filter(license_waitlist::Column::TenantId.eq(tenant.to_string()))
        .filter(license_waitlist::Column::LicenseKind.eq(kind.slug()))
        .filter(license_waitlist::Column::PersonId.eq(person.to_string()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// The kind's waiting list in serving order.
pub async fn waitlist(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    kind: LicenseKind,
) -> Result<Vec<Waiting>> {
    let mut waiting = scoped(tenant, kind)
        .all(db)
        .await?
        .into_iter()
        .map(Waiting::try_from)
        .collect::<Result<Vec<_>>>()?;
    waiting.sort_by(|a, b| order::serving_order((&a.key, a.person_id), (&b.key, b.person_id)));
    Ok(waiting)
}

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
