//! Opening a tenant: the tenant, its product apps and its seat pools, in one transaction with
//! the audit event, for the operator console and the CLI alike.

use rosterd_audit::{Actor, Change};
use rosterd_domain::{Clock, LicenseKind, TenantSlug};
use rosterd_tenancy::Tenant;
use sea_orm::{DatabaseConnection, TransactionTrait as _};

use crate::error::Result;

/// A tenant to open: its slug, its organisation's name, and the seats of each license kind.
#[derive(Debug, Clone)]
pub struct NewTenant<'a> {
    pub slug: &'a TenantSlug,
    pub name: &'a str,
    pub seats: &'a [(LicenseKind, i64)],
}

/// Creates the tenant with its pools. A taken slug is `Err(Tenancy(TenantExists))`, an empty
/// name `Err(Tenancy(EmptyName))`, and nothing is created.
pub async fn open_tenant(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    actor: &Actor,
    new: &NewTenant<'_>,
) -> Result<Tenant> {
    let txn = db.begin().await.map_err(rosterd_ledger::Error::from)?;
    let tenant = rosterd_tenancy::create_tenant(&txn, clock, new.slug, new.name).await?;
    rosterd_ledger::create_pools(&txn, clock, tenant.id, new.seats, actor).await?;
    let detail = format!(
        "Tenant {} ({}) created with seats: {}",
        tenant.slug,
        tenant.name,
        rosterd_ledger::describe_seats(new.seats)
    );
    let id = tenant.id.to_string();
    Change::new(&txn, clock, tenant.id, actor)
        .record(&txn, "tenant.create", ("tenant", &id), &detail)
        .await
        .map_err(rosterd_ledger::Error::from)?;
    txn.commit().await.map_err(rosterd_ledger::Error::from)?;
    Ok(tenant)
}
