//! SCIM bearer tokens: issued per product app, shown once, stored as SHA-256, valid two years,
//! several live at once so an IdP can move to a new token with no downtime.
//!
//! A token reads `rosterd_scim_<43 base64url characters>` (256 random bits). The fixed prefix
//! makes a leaked token recognisable to secret scanners; the first eight random characters are
//! kept in clear as the token's display prefix so admins can tell tokens apart.
//!
//! A presented token finds its tenant through its route ([`rosterd_database::secret_route`]),
//! then its row by `(tenant_id, secret_hash)`, so no unique key lacks `tenant_id`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use rosterd_database::secret_route::{self, SecretKind};
use rosterd_domain::{Clock, Product, Secret, TenantId, TokenId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::auth_generation;
use crate::entity::scim_token;
use crate::error::{Error, Result};
use crate::tenant::update_scim_enabled;

/// What every rosterd SCIM token starts with.
pub const TOKEN_PREFIX: &str = "rosterd_scim_";
/// Tokens expire two years after issue, as the product documents promise.
pub const TOKEN_LIFETIME_DAYS: i64 = 730;
const RANDOM_CHARS: usize = 43;

/// A freshly issued token: the secret exists only here, never in the database.
#[derive(Debug)]
pub struct IssuedToken {
    pub secret: Secret,
    pub info: TokenInfo,
}

/// What is known of a token after issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub product: Product,
    /// `rosterd_scim_` and the first eight random characters.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenInfo {
    /// Live means usable now: neither revoked nor expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

pub(crate) fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// True when `candidate` has the shape of a rosterd token (checked before any lookup).
pub(crate) fn looks_like_token(candidate: &str) -> bool {
    candidate.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == RANDOM_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The token row whose secret hashes to `hash`: in the tenant its route names, or, for a token
/// an older rosterd issued during an upgrade (no route), by the hash alone.
pub(crate) async fn token_by_hash(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<scim_token::Model>, DbErr> {
    let mut query = scim_token::Entity::find().filter(scim_token::Column::SecretHash.eq(hash));
    if let Some(tenant) = secret_route::find(db, hash, SecretKind::ScimToken).await? {
        query = query.filter(scim_token::Column::TenantId.eq(tenant));
    }
    query.one(db).await
}

fn info_from(m: scim_token::Model) -> Option<TokenInfo> {
    Some(TokenInfo {
        id: m.id.parse().ok()?,
        product: m.product.parse().ok()?,
        prefix: m.prefix,
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    })
}

/// Issues a new token for a product app and enables the app's SCIM (issuing a token is how an
/// admin turns SCIM on). Earlier tokens stay live until revoked or expired.
pub(crate) async fn insert_token(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    product: Product,
) -> Result<IssuedToken> {
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    let prefix = secret[..TOKEN_PREFIX.len() + 8].to_owned();
    let now = clock.now();
    let secret_hash = hash_secret(&secret);
    secret_route::add(db, &secret_hash, &tenant.to_string(), SecretKind::ScimToken).await?;
    let model = scim_token::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(TokenId::new().to_string()),
        product: Set(product.slug().to_owned()),
        prefix: Set(prefix),
        secret_hash: Set(secret_hash),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(TOKEN_LIFETIME_DAYS)),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    update_scim_enabled(db, tenant, product, true).await?;
    let info = info_from(model).ok_or_else(|| {
        Error::Database(rosterd_database::DatabaseError::internal(
            "token row unreadable",
        ))
    })?;
    Ok(IssuedToken {
        secret: Secret::new(secret),
        info,
    })
}

/// The tenant's tokens (optionally of one product), newest first.
pub async fn list_tokens(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Option<Product>,
) -> Result<Vec<TokenInfo>> {
    let mut query =
        scim_token::Entity::find().filter(scim_token::Column::TenantId.eq(tenant.to_string()));
    if let Some(product) = product {
        query = query.filter(scim_token::Column::Product.eq(product.slug()));
    }
    Ok(query
        .order_by_desc(scim_token::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .filter_map(info_from)
        .collect())
}

/// Revokes a token, named by its id or its display prefix. Revoking twice is harmless.
pub(crate) async fn mark_revoked(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id_or_prefix: &str,
) -> Result<TokenInfo> {
    let found = scim_token::Entity::find()
        .filter(scim_token::Column::TenantId.eq(tenant.to_string()))
        .filter(
            scim_token::Column::Id
                .eq(id_or_prefix)
                .or(scim_token::Column::Prefix.eq(id_or_prefix)),
        )
        .one(db)
        .await?
        .ok_or_else(|| Error::TokenNotFound(id_or_prefix.to_owned()))?;
    let model = if found.revoked_at.is_some() {
        found
    } else {
        let mut active: scim_token::ActiveModel = found.into();
        active.revoked_at = Set(Some(clock.now()));
        let revoked = active.update(db).await?;
        auth_generation::bump(db).await?;
        revoked
    };
    info_from(model).ok_or_else(|| Error::TokenNotFound(id_or_prefix.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape_is_recognised() {
        let good = format!("{TOKEN_PREFIX}{}", "a".repeat(43));
        assert!(looks_like_token(&good));
        assert!(!looks_like_token("rosterd_scim_short"));
        assert!(!looks_like_token(&format!("other_{}", "a".repeat(43))));
        assert!(!looks_like_token(&format!(
            "{TOKEN_PREFIX}{}!",
            "a".repeat(42)
        )));
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(hash_secret("abc").len(), 64);
        assert_ne!(hash_secret("abc"), hash_secret("abd"));
    }
}
