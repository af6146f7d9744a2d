//! Read-only views of the ledger for the admin center's license and report pages: seats by
//! state per pool, the recent refusals, the entries that moved seats in a period (for the
//! seats-in-use chart), and who holds which live license (for utilisation by group). Every
//! query filters on the tenant and selects only what the view needs.

use chrono::{DateTime, Utc};
use rosterd_domain::{LicenseKind, PersonId, TenantId};
use sea_orm::sea_query::{Alias, Expr, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{ledger_entry, license};
use crate::entry::{Entry, EntryKind};
use crate::error::{Error, Result};
use crate::license::LicenseState;

/// How many licenses of one kind are in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateCount {
    pub kind: LicenseKind,
    pub state: LicenseState,
    pub count: i64,
}

/// Live licenses (assigned and active) counted per kind and state, in one grouped query.
pub async fn live_license_counts(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<StateCount>> {
    let mut stmt = Query::select();
    stmt.column(license::Column::LicenseKind)
        .column(license::Column::State)
        .expr_as(Func::count(Expr::col(license::Column::Id)), Alias::new("n"))
        .from(license::Entity)
        .and_where(Expr::col(license::Column::TenantId).eq(tenant.to_string()))
        .and_where(Expr::col(license::Column::State).ne(LicenseState::Revoked.as_str()))
        .group_by_col(license::Column::LicenseKind)
        .group_by_col(license::Column::State);
    let rows = db.query_all(db.get_database_backend().build(&stmt)).await?;
    rows.into_iter()
        .map(|row| {
            let kind: String = row.try_get("", "license_kind")?;
            let state: String = row.try_get("", "state")?;
            Ok(StateCount {
                kind: kind
                    .parse()
                    .map_err(|_| Error::corrupt("license kind", &kind))?,
                state: state
                    .parse()
                    .map_err(|_| Error::corrupt("license state", &state))?,
                count: row.try_get("", "n")?,
            })
        })
        .collect()
}

/// The tenant's most recent `refused` entries, newest first, at most `limit`.
pub async fn recent_refusals(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    limit: u64,
) -> Result<Vec<Entry>> {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::TenantId.eq(tenant.to_string()))
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Refused.as_str()))
        // The order of the (tenant, kind, time) index; seq breaks ties.
        .order_by_desc(ledger_entry::Column::CreatedAt)
        .order_by_desc(ledger_entry::Column::Seq)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(Entry::try_from)
        .collect()
}

/// The entries that moved seats or capacity (assign, change, revoke, capacity change) at or
/// after `since`, in commit order: with today's pools they give the seats in use at any time
/// since, walking back.
pub async fn seat_moves_since(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<Vec<Entry>> {
    let kinds = [
        EntryKind::Assign,
        EntryKind::Change,
        EntryKind::Revoke,
        EntryKind::CapacityChange,
    ];
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::TenantId.eq(tenant.to_string()))
        .filter(ledger_entry::Column::CreatedAt.gte(since))
        .filter(ledger_entry::Column::Kind.is_in(kinds.map(EntryKind::as_str)))
        .order_by_asc(ledger_entry::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(Entry::try_from)
        .collect()
}

/// Who holds which live license: `(person, kind, state)` for every assigned or active license
/// of the tenant, three columns per row.
pub async fn live_holdings(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<(PersonId, LicenseKind, LicenseState)>> {
    let rows: Vec<(String, String, String)> = license::Entity::find()
        .select_only()
        .column(license::Column::PersonId)
        .column(license::Column::LicenseKind)
        .column(license::Column::State)
        .filter(license::Column::TenantId.eq(tenant.to_string()))
        .filter(license::Column::State.ne(LicenseState::Revoked.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(person, kind, state)| {
            Ok((
                person
                    .parse()
                    .map_err(|_| Error::corrupt("person id", &person))?,
                kind.parse()
                    .map_err(|_| Error::corrupt("license kind", &kind))?,
                state
                    .parse()
                    .map_err(|_| Error::corrupt("license state", &state))?,
            ))
        })
        .collect()
}
