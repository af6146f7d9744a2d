//! Waiting lists: people a group or attribute rule made eligible for a license kind while its
//! pool was full. They are served in a fixed order (see [`order`]) whenever seats free up: after
//! a revoke, a tier change away from the kind, or a capacity increase, in the same transaction.
//!
//! A request that makes many people eligible at once (a group PATCH adding 300 members to a
//! pool of 100) enqueues them all and then calls [`serve_waitlist`] once, so the seats go out in
//! the waiting-list order rather than in the order of the PATCH.

pub(crate) mod order;

use chrono::{DateTime, Utc};
use rosterd_domain::{LicenseKind, PersonId, Product, TenantId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use crate::entity::license_waitlist;
use crate::entry::{EntryKind, NewEntry, append};
use crate::error::{Error, Result};
use crate::handle::TenantLedger;
use crate::license::find_live;

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
