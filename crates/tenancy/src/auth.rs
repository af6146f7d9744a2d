//! SCIM request authentication: from an `Authorization` header to the one tenant and product
//! app the request may act for, or the reason it may not.

use chrono::{DateTime, Duration, Utc};
use rosterd_database::secret_route::{self, SecretKind};
use rosterd_domain::{Clock, Product, TenantId, TenantSlug, TokenId};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use subtle::ConstantTimeEq as _;

use crate::entity::{product_app, scim_token, tenant};
use crate::tenant::TenantStatus;
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
pub(crate) const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Authenticates a SCIM request from its `Authorization` header value, from the database (two
/// statements: the token's route, then its row with its tenant and app; plus, once a minute,
/// the `last_used_at` write). The server asks a [`crate::TokenCache`], which calls this only
/// for a token it does not know.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    authorization: Option<&str>,
    scope: Scope<'_>,
) -> Result<AppContext, AuthError> {
    // An OAuth access token (client credentials) is checked against its grant every time: the
    // token cache keeps SCIM tokens only.
    if let Some(token) = authorization
        .and_then(|header| header.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| crate::oauth::is_access_token(token))
    {
        return crate::oauth::authenticate_access_token(db, clock, token, scope).await;
    }
    let token = bearer_token(authorization)?;
    Ok(verify(db, clock, &hash_secret(token), scope).await?.app)
}

/// The token of an `Authorization: Bearer rosterd_scim_...` header.
pub(crate) fn bearer_token(authorization: Option<&str>) -> Result<&str, AuthError> {
    let header = authorization.ok_or(AuthError::Missing)?.trim();
    let (scheme, token) = header.split_once(' ').ok_or(AuthError::Malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || !looks_like_token(token) {
        return Err(AuthError::Malformed);
    }
    Ok(token)
}

/// A token found live, with what a cache needs to keep it.
pub(crate) struct Verified {
    pub app: AppContext,
    pub expires_at: DateTime<Utc>,
    /// When `last_used_at` was last written (now, if this check wrote it).
    pub touched_at: Option<DateTime<Utc>>,
}

/// A token row with its tenant and app, as one statement reads them.
struct TokenRecord {
    id: String,
    tenant_id: String,
    product: String,
    prefix: String,
    secret_hash: String,
    expires_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    tenant_slug: String,
    tenant_status: String,
    scim_enabled: bool,
}

/// Checks the token that hashes to `hash` against the database, in the order the errors are
/// documented: unknown, revoked, expired, wrong app, tenant suspended, app disabled.
pub(crate) async fn verify(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    hash: &str,
    scope: Scope<'_>,
) -> Result<Verified, AuthError> {
    let db_err = |e: sea_orm::DbErr| AuthError::Database(e.to_string());
    let row = token_record(db, hash)
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
    let tenant_slug: TenantSlug = row
        .tenant_slug
        .parse()
        .map_err(|_| unreadable("tenant slug"))?;
    if let Scope::App {
        tenant: slug,
        product: wanted,
    } = scope
        && (slug != tenant_slug.as_str() || wanted != product)
    {
        return Err(AuthError::WrongApp);
    }
    if TenantStatus::parse(&row.tenant_status) == TenantStatus::Suspended {
        return Err(AuthError::Suspended);
    }
    if !row.scim_enabled {
        return Err(AuthError::Disabled(product.display_name()));
    }
    let mut touched_at = row.last_used_at;
    if touched_at.is_none_or(|last| now - last >= TOUCH_EVERY) {
        touch(db, &row.tenant_id, &row.id, &row.product, now)
            .await
            .map_err(db_err)?;
        touched_at = Some(now);
    }
    Ok(Verified {
        app: AppContext {
            tenant_id,
            tenant_slug,
            product,
            token_id: row.id.parse().map_err(|_| unreadable("token id"))?,
            token_prefix: row.prefix,
        },
        expires_at: row.expires_at,
        touched_at,
    })
}

/// The token row hashing to `hash` with its tenant's slug and status and its app's switch, in
/// one statement scoped to the tenant the token's route names (a single-shard query on a
/// database distributed by tenant); a token without a route (issued by an older rosterd during
/// an upgrade) is looked up by its hash alone.
async fn token_record(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<TokenRecord>, sea_orm::DbErr> {
    let tenant = secret_route::find(db, hash, SecretKind::ScimToken).await?;
    let mut select = Query::select();
    select
        .columns([
            (scim_token::Entity, scim_token::Column::Id),
            (scim_token::Entity, scim_token::Column::TenantId),
            (scim_token::Entity, scim_token::Column::Product),
            (scim_token::Entity, scim_token::Column::Prefix),
            (scim_token::Entity, scim_token::Column::SecretHash),
            (scim_token::Entity, scim_token::Column::ExpiresAt),
            (scim_token::Entity, scim_token::Column::LastUsedAt),
            (scim_token::Entity, scim_token::Column::RevokedAt),
        ])
        .expr_as(
            Expr::col((tenant::Entity, tenant::Column::Slug)),
            Alias::new("tenant_slug"),
        )
        .expr_as(
            Expr::col((tenant::Entity, tenant::Column::Status)),
            Alias::new("tenant_status"),
        )
        .column((product_app::Entity, product_app::Column::ScimEnabled))
        .from(scim_token::Entity)
        .inner_join(
            tenant::Entity,
            Expr::col((tenant::Entity, tenant::Column::Id))
                .equals((scim_token::Entity, scim_token::Column::TenantId)),
        )
        .inner_join(
            product_app::Entity,
            Expr::col((product_app::Entity, product_app::Column::TenantId))
                .equals((scim_token::Entity, scim_token::Column::TenantId))
                .and(
                    Expr::col((product_app::Entity, product_app::Column::Product))
                        .equals((scim_token::Entity, scim_token::Column::Product)),
                ),
        )
        .and_where(Expr::col((scim_token::Entity, scim_token::Column::SecretHash)).eq(hash));
    if let Some(tenant) = tenant {
        select.and_where(Expr::col((scim_token::Entity, scim_token::Column::TenantId)).eq(tenant));
    }
    let Some(row) = db
        .query_one(db.get_database_backend().build(&select))
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(TokenRecord {
        id: row.try_get("", "id")?,
        tenant_id: row.try_get("", "tenant_id")?,
        product: row.try_get("", "product")?,
        prefix: row.try_get("", "prefix")?,
        secret_hash: row.try_get("", "secret_hash")?,
        expires_at: row.try_get("", "expires_at")?,
        last_used_at: row.try_get("", "last_used_at")?,
        revoked_at: row.try_get("", "revoked_at")?,
        tenant_slug: row.try_get("", "tenant_slug")?,
        tenant_status: row.try_get("", "tenant_status")?,
        scim_enabled: row.try_get("", "scim_enabled")?,
    }))
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

/// Writes the token's `last_used_at` and its app's `last_activity_at`, announced to the
/// SQLite writer so a SCIM request's write is not starved by the provisioning going on around
/// it ([`rosterd_database::PoolWrite`]).
pub(crate) async fn touch(
    db: &impl ConnectionTrait,
    tenant_id: &str,
    token_id: &str,
    product: &str,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let _announced = rosterd_database::PoolWrite::announce(db.get_database_backend());
    scim_token::Entity::update_many()
        .col_expr(scim_token::Column::LastUsedAt, Expr::value(now))
        .filter(scim_token::Column::TenantId.eq(tenant_id))
        .filter(scim_token::Column::Id.eq(token_id))
        .exec(db)
        .await?;
    product_app::Entity::update_many()
        .col_expr(product_app::Column::LastActivityAt, Expr::value(now))
        .filter(product_app::Column::TenantId.eq(tenant_id))
        .filter(product_app::Column::Product.eq(product))
        .exec(db)
        .await?;
    Ok(())
}
