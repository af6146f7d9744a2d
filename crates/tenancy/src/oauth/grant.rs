//! The token endpoint's decision (RFC 6749 section 4.4.2-4.4.3): authenticate a client of one
//! product app by its id and secret, and issue it a short-lived access token. The HTTP edge
//! parses the request (form or HTTP Basic) and renders the answer; this module decides.
//!
//! The client is looked up within the tenant the endpoint's path names, by `(tenant_id,
//! client_id)`, and its secret by `(tenant_id, secret_hash)`, then compared in constant time.
//! An unknown tenant, an unknown client and a wrong secret get the same answer, so the endpoint
//! tells nothing about which tenants or clients exist. The more precise reasons (a revoked
//! client, an expired secret, another app's client) are told only to a caller who presented a
//! secret that is right.
//!
//! Issuing an access token writes its row, sweeps the client's expired ones, and notes when the
//! client and the secret were last used; it is not an audit event (an identity provider asks
//! for a token every hour), as a SCIM token's use is not.

use chrono::{DateTime, Duration, Utc};
use rosterd_database::DatabaseError;
use rosterd_domain::{Clock, Product, Secret};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use subtle::ConstantTimeEq as _;

use super::credential::{
    hash_secret, looks_like_client_id, looks_like_client_secret, new_access_token,
};
use crate::entity::{oauth_access_token, oauth_client, oauth_client_secret};
use crate::tenant::{TenantStatus, find_tenant, product_apps};

/// The one scope rosterd's access tokens have: the app's SCIM endpoints.
pub const SCOPE: &str = "scim";
/// The access tokens' lifetime when the operator does not choose one (RFC 6749 `expires_in`).
pub const ACCESS_TOKEN_MINUTES_DEFAULT: u32 = 60;
/// The lifetimes an operator may choose, in minutes: what Microsoft Entra ID's validation
/// accepts.
pub const ACCESS_TOKEN_MINUTES_RANGE: std::ops::RangeInclusive<u32> = 60..=360;

/// The token endpoint of `product`'s app of `tenant` (the slug), under `public_url`: the SCIM
/// base URL's sibling, `…/scim/{tenant}/{product}/oauth/token`.
pub fn token_endpoint(public_url: &str, tenant: &str, product: Product) -> String {
    format!("{public_url}/scim/{tenant}/{product}/oauth/token")
}

/// A client credentials request, as the HTTP edge parsed it.
#[derive(Debug)]
pub struct AccessTokenRequest<'a> {
    /// The tenant slug of the endpoint's path.
    pub tenant: &'a str,
    /// The product app of the endpoint's path.
    pub product: Product,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    /// The scope asked for, if any (only [`SCOPE`] exists).
    pub scope: Option<&'a str>,
    /// How long the access token lives.
    pub lifetime: Duration,
}

/// A freshly issued access token: the token exists only here, never in the database.
#[derive(Debug)]
pub struct IssuedAccessToken {
    pub token: Secret,
    pub expires_at: DateTime<Utc>,
    /// Seconds from now to `expires_at` (`expires_in`).
    pub expires_in: i64,
    pub scope: &'static str,
}

/// Why no access token was issued, in RFC 6749 section 5.2's terms. `Display` is the
/// `error_description`: what to fix, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// `invalid_client`: unknown client, wrong secret, unknown tenant alike.
    #[error(
        "Client authentication failed: unknown client id or wrong client secret for this app's token endpoint. Copy the client id and a live secret from the admin center (Settings > Automate user management)."
    )]
    InvalidClient,
    /// `invalid_client`: the client was revoked.
    #[error(
        "The OAuth client has been revoked. Create a new client in the admin center and paste its id and secret into your identity provider."
    )]
    ClientRevoked,
    /// `invalid_client`: the secret was revoked.
    #[error(
        "This client secret has been revoked. Use another live secret of the client, or add one in the admin center."
    )]
    SecretRevoked,
    /// `invalid_client`: the secret expired.
    #[error(
        "This client secret expired on {0}. Add a new secret to the client in the admin center and paste it into your identity provider."
    )]
    SecretExpired(String),
    /// `invalid_client`: the client is another app's.
    #[error(
        "This client belongs to the {0} app; each product app has its own clients. Use the token endpoint of the client's app, or create a client for this app."
    )]
    WrongApp(&'static str),
    /// `invalid_scope`.
    #[error("Unknown scope `{0}`: the only scope is `scim` (or send no scope).")]
    InvalidScope(String),
    /// `unauthorized_client`: the app's SCIM is off.
    #[error(
        "SCIM provisioning is disabled for {0}. An admin can enable it in the admin center under Settings > Automate user management."
    )]
    Disabled(&'static str),
    /// `unauthorized_client`: the tenant is suspended.
    #[error("This organisation's account is suspended; contact rosterd support.")]
    Suspended,
    #[error("the token endpoint could not run: {0}")]
    Database(#[from] DatabaseError),
}

impl From<DbErr> for GrantError {
    fn from(err: DbErr) -> Self {
        GrantError::Database(err.into())
    }
}

impl From<crate::Error> for GrantError {
    fn from(err: crate::Error) -> Self {
        match err {
            crate::Error::Database(e) => GrantError::Database(e),
            other => GrantError::Database(DatabaseError::internal(other.to_string())),
        }
    }
}

impl GrantError {
    /// The RFC 6749 section 5.2 `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            GrantError::InvalidClient
            | GrantError::ClientRevoked
            | GrantError::SecretRevoked
            | GrantError::SecretExpired(_)
            | GrantError::WrongApp(_) => "invalid_client",
            GrantError::InvalidScope(_) => "invalid_scope",
            GrantError::Disabled(_) | GrantError::Suspended => "unauthorized_client",
            GrantError::Database(_) => "server_error",
        }
    }
}

/// Authenticates the client of `request` and issues it an access token.
pub async fn grant_client_credentials<C>(
    db: &C,
    clock: &dyn Clock,
    request: &AccessTokenRequest<'_>,
) -> Result<IssuedAccessToken, GrantError>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !looks_like_client_id(request.client_id) || !looks_like_client_secret(request.client_secret)
    {
        return Err(GrantError::InvalidClient);
    }
    let tenant = find_tenant(db, request.tenant).await.map_err(|e| match e {
        crate::Error::TenantNotFound(_) => GrantError::InvalidClient,
        other => GrantError::from(other),
    })?;
    let tenant_key = tenant.id.to_string();
    let hash = hash_secret(request.client_secret);
    let secret = oauth_client_secret::Entity::find()
        .filter(oauth_client_secret::Column::TenantId.eq(tenant_key.as_str()))
        .filter(oauth_client_secret::Column::SecretHash.eq(hash.as_str()))
        .one(db)
        .await?
        .filter(|s| {
            bool::from(s.secret_hash.as_bytes().ct_eq(hash.as_bytes()))
                && s.client_id == request.client_id
        })
        .ok_or(GrantError::InvalidClient)?;
    let client = oauth_client::Entity::find_by_id((tenant_key.clone(), secret.client_id.clone()))
        .one(db)
        .await?
        .ok_or(GrantError::InvalidClient)?;
    let now = clock.now();
    let product: Product = client
        .product
        .parse()
        .map_err(|_| DatabaseError::internal("unreadable OAuth client row: product"))?;
    if client.revoked_at.is_some() {
        return Err(GrantError::ClientRevoked);
    }
    if secret.revoked_at.is_some() {
        return Err(GrantError::SecretRevoked);
    }
    if secret.expires_at <= now {
        return Err(GrantError::SecretExpired(
            secret.expires_at.format("%Y-%m-%d").to_string(),
        ));
    }
    if product != request.product {
        return Err(GrantError::WrongApp(product.display_name()));
    }
    if let Some(scope) = request.scope {
        // A space-separated list (RFC 6749 section 3.3); only `scim` is known.
        if let Some(unknown) = scope.split(' ').find(|s| !s.is_empty() && *s != SCOPE) {
            return Err(GrantError::InvalidScope(unknown.to_owned()));
        }
    }
    if tenant.status == TenantStatus::Suspended {
        return Err(GrantError::Suspended);
    }
    let enabled = product_apps(db, tenant.id)
        .await?
        .into_iter()
        .any(|app| app.product == product && app.scim_enabled);
    if !enabled {
        return Err(GrantError::Disabled(product.display_name()));
    }

    let token = new_access_token(tenant.id);
    let expires_at = now + request.lifetime;
    let txn = db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    oauth_access_token::ActiveModel {
        tenant_id: Set(tenant_key.clone()),
        id: Set(uuid::Uuid::now_v7().to_string()),
        client_id: Set(client.id.clone()),
        secret_id: Set(secret.id.clone()),
        token_hash: Set(hash_secret(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(&txn)
    .await?;
    // The client's expired tokens are of no use to anyone: they go as it gets a new one.
    oauth_access_token::Entity::delete_many()
        .filter(oauth_access_token::Column::TenantId.eq(tenant_key.as_str()))
        .filter(oauth_access_token::Column::ClientId.eq(client.id.as_str()))
        .filter(oauth_access_token::Column::ExpiresAt.lte(now))
        .exec(&txn)
        .await?;
    oauth_client_secret::Entity::update_many()
        .col_expr(oauth_client_secret::Column::LastUsedAt, Expr::value(now))
        .filter(oauth_client_secret::Column::TenantId.eq(tenant_key.as_str()))
        .filter(oauth_client_secret::Column::Id.eq(secret.id.as_str()))
        .exec(&txn)
        .await?;
    oauth_client::Entity::update_many()
        .col_expr(oauth_client::Column::LastUsedAt, Expr::value(now))
        .filter(oauth_client::Column::TenantId.eq(tenant_key.as_str()))
        .filter(oauth_client::Column::Id.eq(client.id.as_str()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(IssuedAccessToken {
        token: Secret::new(token),
        expires_at,
        expires_in: request.lifetime.num_seconds(),
        scope: SCOPE,
    })
}
