//! SCIM request authentication: from an `Authorization` header to the one tenant and product
//! app the request may act for, or the reason it may not.

use chrono::Duration;
use rosterd_domain::{Clock, Product, TenantId, TenantSlug, TokenId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use subtle::ConstantTimeEq as _;

use crate::entity::{product_app, scim_token};
use crate::tenant::{TenantStatus, find_tenant_by_id, product_apps};
use crate::token::{hash_secret, looks_like_token, token_by_hash};

/// Which app a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope<'a> {
    /// `/scim/{tenant}/{product}/v2`: the token must belong to exactly this app.
    App { tenant: &'a str, product: Product },
    /// `/scim/v2`: the token alone decides tenant and product.
    TokenOnly,
}

/// The authenticated identity of a SCIM request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppContext {
    pub tenant_id: TenantId,
    pub tenant_slug: TenantSlug,
    pub product: Product,
    pub token_id: TokenId,
    /// The token's display prefix, for the ledger's and the audit log's actor.
    pub token_prefix: String,
}

/// Why a SCIM request was not let in. `Display` is the detail shown to the IdP admin: it tells
/// what to fix and never echoes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error(
        "The request has no bearer token. Send `Authorization: Bearer <token>` with the token issued for this SCIM app."
    )]
    Missing,
    #[error(
        "The Authorization header is not a rosterd bearer token. Send `Authorization: Bearer rosterd_scim_...` with the token issued for this SCIM app."
    )]
    Malformed,
    #[error(
        "The bearer token is not valid. Issue a new token for this app in the admin center and paste it into your identity provider."
    )]
    Unknown,
    #[error(
        "The bearer token has been revoked. Issue a new token for this app in the admin center and paste it into your identity provider."
    )]
    Revoked,
    #[error(
        "The bearer token expired on {0}. Tokens are valid for two years; issue a new one in the admin center and paste it into your identity provider."
    )]
    Expired(String),
    #[error(
        "The bearer token is not valid for this SCIM app. Each product app has its own token; check the tenant and product in the SCIM base URL."
    )]
    WrongApp,
    #[error(
        "SCIM provisioning is disabled for {0}. An admin can enable it in the admin center under Settings > Automate user management."
    )]
    Disabled(&'static str),
    #[error("This organisation's account is suspended; contact rosterd support.")]
    Suspended,
    #[error(
        "The access token expired at {0}. Access tokens are short-lived: get a new one from this app's OAuth token endpoint with the client id and secret."
    )]
    AccessTokenExpired(String),
    #[error(
        "The OAuth client this access token was issued to, or the client secret it was issued for, has been revoked. Use a live client secret, or create a new client in the admin center."
    )]
    ClientRevoked,
    #[error("authentication could not be checked: {0}")]
    Database(String),
}

impl AuthError {
    /// 403 for an app or tenant that is switched off (the token is fine), 500 for a database
    /// failure, 401 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::Disabled(_) | AuthError::Suspended => 403,
            AuthError::Database(_) => 500,
            _ => 401,
        }
    }
}

/// How often `last_used_at` is written; a busy IdP must not turn every read into a write.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Authenticates a SCIM request from its `Authorization` header value.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    authorization: Option<&str>,
    scope: Scope<'_>,
) -> Result<AppContext, AuthError> {
    let header = authorization.ok_or(AuthError::Missing)?.trim();
    let (scheme, token) = header.split_once(' ').ok_or(AuthError::Malformed)?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && crate::oauth::is_access_token(token) {
        return crate::oauth::authenticate_access_token(db, clock, token, scope).await;
    }
    if !scheme.eq_ignore_ascii_case("bearer") || !looks_like_token(token) {
        return Err(AuthError::Malformed);
    }
    let hash = hash_secret(token);
    let db_err = |e: sea_orm::DbErr| AuthError::Database(e.to_string());
    let row = token_by_hash(db, &hash)
        .await
        .map_err(db_err)?
        .ok_or(AuthError::Unknown)?;
    if !bool::from(row.secret_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return Err(AuthError::Unknown);
    }
    let now = clock.now();
    if row.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    if row.expires_at <= now {
        return Err(AuthError::Expired(
            row.expires_at.format("%Y-%m-%d").to_string(),
        ));
    }
    let unreadable = |what: &str| AuthError::Database(format!("unreadable token row: {what}"));
    let tenant_id: TenantId = row.tenant_id.parse().map_err(|_| unreadable("tenant id"))?;
    let product: Product = row.product.parse().map_err(|_| unreadable("product"))?;
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
    if row
        .last_used_at
        .is_none_or(|last| now - last >= TOUCH_EVERY)
    {
        touch(db, &row, now).await.map_err(db_err)?;
    }
    Ok(AppContext {
        tenant_id,
        tenant_slug: tenant.slug,
        product,
        token_id: row.id.parse().map_err(|_| unreadable("token id"))?,
        token_prefix: row.prefix,
    })
}

/// The tenant and app a presented token belongs to, whatever its state (revoked, expired, app
/// disabled), or `None` when the header holds no token of ours. Only for attributing a refused
/// request to the app whose provisioning log should show it; never a reason to let it in.
pub async fn token_owner(
    db: &impl ConnectionTrait,
    authorization: Option<&str>,
) -> Result<Option<(TenantId, Product)>, sea_orm::DbErr> {
    let Some((scheme, token)) = authorization.and_then(|h| h.trim().split_once(' ')) else {
        return Ok(None);
    };
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && crate::oauth::is_access_token(token) {
        return crate::oauth::access_token_owner(db, token).await;
    }
    if !scheme.eq_ignore_ascii_case("bearer") || !looks_like_token(token) {
        return Ok(None);
    }
    let Some(row) = token_by_hash(db, &hash_secret(token)).await? else {
        return Ok(None);
    };
    Ok(row.tenant_id.parse().ok().zip(row.product.parse().ok()))
}

async fn touch(
    db: &impl ConnectionTrait,
    row: &scim_token::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    scim_token::Entity::update_many()
        .col_expr(scim_token::Column::LastUsedAt, Expr::value(now))
        .filter(scim_token::Column::TenantId.eq(row.tenant_id.as_str()))
        .filter(scim_token::Column::Id.eq(row.id.as_str()))
        .exec(db)
        .await?;
    product_app::Entity::update_many()
        .col_expr(product_app::Column::LastActivityAt, Expr::value(now))
        .filter(product_app::Column::TenantId.eq(row.tenant_id.as_str()))
        .filter(product_app::Column::Product.eq(row.product.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
