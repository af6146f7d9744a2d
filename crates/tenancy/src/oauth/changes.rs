//! The changes an admin or the operator makes to a product app's OAuth clients, each one
//! transaction that writes its audit event with the change. Audit events name client ids and
//! secrets' display prefixes, never a secret.

use rosterd_audit::Change;
use rosterd_domain::Product;
use sea_orm::TransactionTrait;

use super::client::{
    ClientInfo, CreatedClient, IssuedClientSecret, RevokedClientSecret, add_secret, insert_client,
    mark_client_revoked, mark_secret_revoked,
};
use crate::error::Result;

/// Makes an OAuth client for `product`'s app with its first secret (in the result only), and
/// turns the app's SCIM on.
pub async fn create_client<C: TransactionTrait>(
    change: Change<'_, C>,
    product: Product,
) -> Result<CreatedClient> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let created = insert_client(&txn, change.clock, change.tenant, product).await?;
    let detail = format!(
        "OAuth client {} created for {}, secret {}… expires {}",
        created.client.client_id,
        product.display_name(),
        created.secret.info.prefix,
        created.secret.info.expires_at.format("%Y-%m-%d %H:%M UTC"),
    );
    change
        .record(
            &txn,
            "oauth_client.create",
            ("oauth_client", &created.client.client_id),
            &detail,
        )
        .await?;
    txn.commit().await?;
    Ok(created)
}

/// Adds a secret to a live client (rotation: the earlier secrets keep working until revoked).
pub async fn add_client_secret<C: TransactionTrait>(
    change: Change<'_, C>,
    client_id: &str,
) -> Result<IssuedClientSecret> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let issued = add_secret(&txn, change.clock, change.tenant, client_id).await?;
    let detail = format!(
        "Secret {}… added to OAuth client {} of {}, expires {}",
        issued.info.prefix,
        issued.client_id,
        issued.product.display_name(),
        issued.info.expires_at.format("%Y-%m-%d %H:%M UTC"),
    );
    change
        .record(
            &txn,
            "oauth_client.add_secret",
            ("oauth_client", &issued.client_id),
            &detail,
        )
        .await?;
    txn.commit().await?;
    Ok(issued)
}

/// Revokes one secret of a client (by id or display prefix) and the access tokens it got.
pub async fn revoke_client_secret<C: TransactionTrait>(
    change: Change<'_, C>,
    client_id: &str,
    secret: &str,
) -> Result<RevokedClientSecret> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let revoked = mark_secret_revoked(&txn, change.clock, change.tenant, client_id, secret).await?;
    let detail = format!(
        "Secret {}… of OAuth client {} of {} revoked",
        revoked.info.prefix,
        revoked.client_id,
        revoked.product.display_name(),
    );
    change
        .record(
            &txn,
            "oauth_client.revoke_secret",
            ("oauth_client", &revoked.client_id),
            &detail,
        )
        .await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Revokes a client: its secrets and access tokens stop working. Revoking a revoked client
/// changes nothing but is recorded like the first time.
pub async fn revoke_client<C: TransactionTrait>(
    change: Change<'_, C>,
    client_id: &str,
) -> Result<ClientInfo> {
    let txn = change.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let client = mark_client_revoked(&txn, change.clock, change.tenant, client_id).await?;
    let detail = format!(
        "OAuth client {} of {} revoked",
        client.client_id,
        client.product.display_name()
    );
    change
        .record(
            &txn,
            "oauth_client.revoke",
            ("oauth_client", &client.client_id),
            &detail,
        )
        .await?;
    txn.commit().await?;
    Ok(client)
}
