//! An OAuth access token presented as a SCIM request's bearer token: its routing part names the
//! tenant, its row is found by `(tenant_id, token_hash)` and compared in constant time, and its
//! client and the secret it was issued with are read on every request, so revoking either stops
//! it at once. Then the same checks as a SCIM token's: the path's app, the tenant's status, the
//! app's SCIM switch.

use chrono::{DateTime, Duration, Utc};
use rosterd_domain::{Clock, Product, TenantId};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr};
use subtle::ConstantTimeEq as _;

use super::credential::{access_token_tenant, hash_secret};
use crate::auth::{AppContext, AuthError, Scope};
use crate::entity::{oauth_access_token, oauth_client, oauth_client_secret, product_app};
use crate::tenant::{TenantStatus, find_tenant_by_id, product_apps};

/// How often a client's `last_used_at` is written by its SCIM requests.
const TOUCH_EVERY: Duration = Duration::seconds(60);

async fn token_row(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<(TenantId, oauth_access_token::Model)>, DbErr> {
    let Some(tenant) = access_token_tenant(token) else {
        return Ok(None);
    };
    let hash = hash_secret(token);
    let row = oauth_access_token::Entity::find()
        .filter(oauth_access_token::Column::TenantId.eq(tenant.to_string()))
        .filter(oauth_access_token::Column::TokenHash.eq(hash.as_str()))
        .one(db)
        .await?
        .filter(|row| bool::from(row.token_hash.as_bytes().ct_eq(hash.as_bytes())));
    Ok(row.map(|row| (tenant, row)))
}

/// Authenticates a SCIM request whose bearer token is an OAuth access token.
pub(crate) async fn authenticate_access_token(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    token: &str,
    scope: Scope<'_>,
) -> Result<AppContext, AuthError> {
    let db_err = |e: DbErr| AuthError::Database(e.to_string());
    let (tenant_id, row) = token_row(db, token)
        .await
        .map_err(db_err)?
        .ok_or(AuthError::Unknown)?;
    let now = clock.now();
    if row.expires_at <= now {
        return Err(AuthError::AccessTokenExpired(
            row.expires_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        ));
    }
    let client = oauth_client::Entity::find_by_id((row.tenant_id.clone(), row.client_id.clone()))
        .one(db)
        .await
        .map_err(db_err)?
        .ok_or(AuthError::Unknown)?;
    let secret =
        oauth_client_secret::Entity::find_by_id((row.tenant_id.clone(), row.secret_id.clone()))
            .one(db)
            .await
            .map_err(db_err)?
            .ok_or(AuthError::Unknown)?;
    if client.revoked_at.is_some() || secret.revoked_at.is_some() {
        return Err(AuthError::ClientRevoked);
    }
    let unreadable = |what: &str| AuthError::Database(format!("unreadable OAuth row: {what}"));
    let product: Product = client.product.parse().map_err(|_| unreadable("product"))?;
    let tenant = find_tenant_by_id(db, tenant_id)
        .await
        .map_err(|e| AuthError::Database(e.to_string()))?;
    if let Scope::App {
        tenant: slug,
        product: wanted,
    } = scope
        && (slug != tenant.slug.as_str() || wanted != product)
    {
        return Err(AuthError::WrongApp);
    }
    if tenant.status == TenantStatus::Suspended {
        return Err(AuthError::Suspended);
    }
    let enabled = product_apps(db, tenant_id)
        .await
        .map_err(|e| AuthError::Database(e.to_string()))?
        .into_iter()
        .any(|app| app.product == product && app.scim_enabled);
    if !enabled {
        return Err(AuthError::Disabled(product.display_name()));
    }
    if client
        .last_used_at
        .is_none_or(|last| now - last >= TOUCH_EVERY)
    {
        touch(db, &client, now).await.map_err(db_err)?;
    }
    Ok(AppContext {
        tenant_id,
        tenant_slug: tenant.slug,
        product,
        token_id: row.id.parse().map_err(|_| unreadable("token id"))?,
        token_prefix: client.id,
    })
}

/// The tenant and app an access token belongs to, whatever its state, for attributing a
/// refused request to the app whose provisioning log should show it.
pub(crate) async fn access_token_owner(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<(TenantId, Product)>, DbErr> {
    let Some((tenant, row)) = token_row(db, token).await? else {
        return Ok(None);
    };
    let client = oauth_client::Entity::find_by_id((row.tenant_id, row.client_id))
        .one(db)
        .await?;
    Ok(client.and_then(|c| c.product.parse().ok().map(|p| (tenant, p))))
}

async fn touch(
    db: &impl ConnectionTrait,
    client: &oauth_client::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    oauth_client::Entity::update_many()
        .col_expr(oauth_client::Column::LastUsedAt, Expr::value(now))
        .filter(oauth_client::Column::TenantId.eq(client.tenant_id.as_str()))
        .filter(oauth_client::Column::Id.eq(client.id.as_str()))
        .exec(db)
        .await?;
    product_app::Entity::update_many()
        .col_expr(product_app::Column::LastActivityAt, Expr::value(now))
        .filter(product_app::Column::TenantId.eq(client.tenant_id.as_str()))
        .filter(product_app::Column::Product.eq(client.product.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
