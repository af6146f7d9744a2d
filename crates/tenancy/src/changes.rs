//! The changes an admin or the operator makes to a tenant's credentials and switches, each one
//! transaction that writes its audit event with the change: the admin center and the CLI call
//! these and only render what they return.

use rosterd_audit::Change;
use rosterd_domain::Product;
use sea_orm::TransactionTrait;

use crate::admin::{AdminAccount, AdminRole, insert_admin};
use crate::auth_generation;
use crate::error::Result;
use crate::tenant::{Tenant, TenantStatus, update_scim_enabled, update_tenant_status};
use crate::token::{IssuedToken, TokenInfo, insert_token, mark_revoked};
use rosterd_domain::Secret;

/// Issues a SCIM token for `product`'s app (and turns the app's SCIM on). The secret is in the
/// result only; the audit event names its display prefix.
pub async fn issue_token<C: TransactionTrait>(
    change: Change<'_, C>,
    product: Product,
) -> Result<IssuedToken> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let issued = insert_token(&txn, change.clock, change.tenant, product).await?;
    let detail = format!(
        "Token {}… issued for {}, expires {}",
        issued.info.prefix,
        product.display_name(),
        issued.info.expires_at.format("%Y-%m-%d %H:%M UTC"),
    );
    let id = issued.info.id.to_string();
    change
        .record(&txn, "token.issue", ("token", &id), &detail)
        .await?;
    txn.commit().await?;
    Ok(issued)
}

/// Revokes the tenant's token named by its id or display prefix; revoking a revoked token
/// changes nothing but is recorded like the first time.
pub async fn revoke_token<C: TransactionTrait>(
    change: Change<'_, C>,
    id_or_prefix: &str,
) -> Result<TokenInfo> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let info = mark_revoked(&txn, change.clock, change.tenant, id_or_prefix).await?;
    let detail = format!(
        "Token {}… of {} revoked",
        info.prefix,
        info.product.display_name()
    );
    let id = info.id.to_string();
    change
        .record(&txn, "token.revoke", ("token", &id), &detail)
        .await?;
    txn.commit().await?;
    auth_generation::changed_here();
    Ok(info)
}

/// Turns SCIM provisioning of `product`'s app on or off (off: its IdP gets 403; tokens stay).
pub async fn set_scim_enabled<C: TransactionTrait>(
    change: Change<'_, C>,
    product: Product,
    enabled: bool,
) -> Result<()> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    update_scim_enabled(&txn, change.tenant, product, enabled).await?;
    let (action, turned) = if enabled {
        ("scim.enable", "on")
    } else {
        ("scim.disable", "off")
    };
    let detail = format!("SCIM turned {turned} for {}", product.display_name());
    change
        .record(&txn, action, ("app", product.slug()), &detail)
        .await?;
    txn.commit().await?;
    auth_generation::changed_here();
    Ok(())
}

/// Suspends or reactivates the tenant.
pub async fn set_tenant_status<C: TransactionTrait>(
    change: Change<'_, C>,
    status: TenantStatus,
) -> Result<Tenant> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let tenant = update_tenant_status(&txn, change.tenant, status).await?;
    let (action, verb) = match status {
        TenantStatus::Suspended => ("tenant.suspend", "suspended"),
        TenantStatus::Active => ("tenant.reactivate", "reactivated"),
    };
    let detail = format!("Tenant {} {verb}", tenant.slug);
    let id = tenant.id.to_string();
    change
        .record(&txn, action, ("tenant", &id), &detail)
        .await?;
    txn.commit().await?;
    auth_generation::changed_here();
    Ok(tenant)
}

/// Adds an admin account with `password` (the caller generated or was given it).
pub async fn create_admin<C: TransactionTrait>(
    change: Change<'_, C>,
    email: &str,
    role: AdminRole,
    password: &Secret,
) -> Result<AdminAccount> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let account = insert_admin(&txn, change.clock, change.tenant, email, role, password).await?;
    let detail = format!("{} added as {}", account.email, account.role.label());
    let id = account.id.to_string();
    change
        .record(&txn, "admin.create", ("admin", &id), &detail)
        .await?;
    txn.commit().await?;
    Ok(account)
}
