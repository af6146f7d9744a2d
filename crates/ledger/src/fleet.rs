//! Totals over every tenant, for the operator's metrics: seats bought and in use and people
//! waiting, per license kind, and the outbox's backlog. Deliberately across tenants (the one
//! other such read is the outbox's own claim); nothing here names a tenant or a person.

use std::collections::BTreeMap;

use rosterd_domain::LicenseKind;
use sea_orm::sea_query::{Alias, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use crate::entity::{license_waitlist, notification, seat_pool};
use crate::error::Result;
use crate::outbox::MAX_ATTEMPTS;

/// One license kind's totals over every tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindTotals {
    /// Seats bought.
    pub capacity: i64,
    /// Seats held by assigned or active licenses.
    pub in_use: i64,
    /// People on a waiting list for a seat.
    pub waiting: i64,
}

/// The fleet's numbers at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetTotals {
    /// Every license kind some tenant has a pool of, in kind order.
    pub kinds: BTreeMap<LicenseKind, KindTotals>,
    /// Notices not yet sent that the worker will still try (not withdrawn, attempts left).
    pub outbox_backlog: i64,
}

#[derive(Debug, FromQueryResult)]
struct PoolSums {
    license_kind: String,
    capacity: Option<i64>,
    in_use: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct KindCount {
    license_kind: String,
    count: i64,
}

#[derive(Debug, FromQueryResult)]
struct Count {
    count: i64,
}

fn bigint(sum: SimpleExpr) -> SimpleExpr {
    sum.cast_as(Alias::new("BIGINT"))
}

/// Three aggregate queries; their cost grows with the number of pools and waiting people, not
/// with licenses.
pub async fn fleet_totals(db: &impl ConnectionTrait) -> Result<FleetTotals> {
    let mut totals = FleetTotals::default();
    let sums = seat_pool::Entity::find()
        .select_only()
        .column(seat_pool::Column::LicenseKind)
        // PostgreSQL sums a BIGINT as NUMERIC: cast back so both databases answer an integer.
        .column_as(bigint(seat_pool::Column::Capacity.sum()), "capacity")
        .column_as(bigint(seat_pool::Column::InUse.sum()), "in_use")
        .group_by(seat_pool::Column::LicenseKind)
        .into_model::<PoolSums>()
        .all(db)
        .await?;
    for row in sums {
        if let Ok(kind) = row.license_kind.parse() {
            let entry: &mut KindTotals = totals.kinds.entry(kind).or_default();
            entry.capacity = row.capacity.unwrap_or(0);
            entry.in_use = row.in_use.unwrap_or(0);
        }
    }
    let waiting = license_waitlist::Entity::find()
        .select_only()
        .column(license_waitlist::Column::LicenseKind)
        .column_as(license_waitlist::Column::PersonId.count(), "count")
        .group_by(license_waitlist::Column::LicenseKind)
        .into_model::<KindCount>()
        .all(db)
        .await?;
    for row in waiting {
        if let Ok(kind) = row.license_kind.parse() {
            totals.kinds.entry(kind).or_default().waiting = row.count;
        }
    }
    totals.outbox_backlog = notification::Entity::find()
        .select_only()
        .column_as(notification::Column::Id.count(), "count")
        .filter(notification::Column::SentAt.is_null())
        .filter(notification::Column::WithdrawnAt.is_null())
        .filter(notification::Column::Attempts.lt(MAX_ATTEMPTS))
        .into_model::<Count>()
        .one(db)
        .await?
        .map_or(0, |c| c.count);
    Ok(totals)
}
