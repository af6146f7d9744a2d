//! Unmet demand per pool: how many requests for a seat were refused lately, and how many people
//! wait. Counts only (the admin center's overview), never rows.

use chrono::{DateTime, Utc};
use rosterd_domain::{LicenseKind, TenantId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::entity::{ledger_entry, license_waitlist};
use crate::entry::EntryKind;
use crate::error::Result;

/// One pool's unmet demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demand {
    pub kind: LicenseKind,
    /// Refusals (no seat) recorded at or after the `since` asked for.
    pub refusals: u64,
    /// People on the pool's waiting list now.
    pub waiting: u64,
}

/// Every pool's unmet demand: refusals since `since`, and the waiting list's length.
pub async fn unmet_demand(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<Vec<Demand>> {
    let mut out = Vec::with_capacity(LicenseKind::ALL.len());
    for kind in LicenseKind::ALL {
        let refusals = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::TenantId.eq(tenant.to_string()))
            .filter(ledger_entry::Column::Kind.eq(EntryKind::Refused.as_str()))
            .filter(ledger_entry::Column::LicenseKind.eq(kind.slug()))
            .filter(ledger_entry::Column::CreatedAt.gte(since))
            .count(db)
            .await?;
        let waiting = license_waitlist::Entity::find()
            .filter(license_waitlist::Column::TenantId.eq(tenant.to_string()))
            .filter(license_waitlist::Column::LicenseKind.eq(kind.slug()))
            .count(db)
            .await?;
        out.push(Demand {
            kind,
            refusals,
            waiting,
        });
    }
    Ok(out)
}
